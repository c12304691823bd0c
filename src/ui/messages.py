"""Validation errors in the words of an HR user who reads French: the field's French label,
what was given, what is allowed. Generated from the field catalogue (`src/fields.py`) and from
pydantic's error *type* and context, never from its English message, so that every path (the
form, the simulation's levers, each CSV cell) says the same thing the same way.

The API keeps its English messages (`src/field_errors.py`): a client program reads them.
"""

from collections.abc import Mapping
from typing import Any

from src.fields import FIELDS_BY_NAME, MAX_EMPLOYEE_ID, FieldSpec, Kind

#: What a field of each kind expects, when the value given is not of that kind.
_EXPECTED = {
    Kind.INTEGER: "un nombre entier",
    Kind.NUMBER: "un nombre",
    Kind.PERCENT: "un pourcentage (par exemple 11 ou « 11 % »)",
    Kind.BOOLEAN: "Oui ou Non",
    Kind.CATEGORY: "une des valeurs proposées",
}
#: pydantic's error types that mean "not a value of this kind".
_WRONG_KIND = {
    "int_parsing",
    "int_from_float",
    "int_type",
    "float_parsing",
    "float_type",
    "finite_number",
    "bool_parsing",
    "bool_type",
    "string_type",
    "literal_error",
    "value_error",
}
_BOUNDS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def number_text(value: float) -> str:
    """A number as French writes it: a decimal comma, thousands apart, no useless zeros."""
    if abs(value) >= 1e15:  # a typing accident: not three hundred digits in a message
        return f"{value:.3g}".replace(".", ",")
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    whole, _, decimals = f"{value:.15g}".partition(".")  # every digit, none of float's noise
    if "e" in whole or "e" in decimals:  # too large or too small to write out
        return f"{value:.3g}".replace(".", ",")
    return f"{int(whole):,}".replace(",", " ") + ("," + decimals if decimals else "")


def allowed_text(spec: FieldSpec) -> str:
    """What a valid value of the field looks like, in French."""
    if spec.kind is Kind.CATEGORY:
        return ", ".join(spec.allowed)
    if spec.kind is Kind.BOOLEAN:
        return "Oui ou Non"
    unit = " %" if spec.kind is Kind.PERCENT else ""
    return f"de {number_text(spec.minimum)} à {number_text(spec.maximum)}{unit}"


def _label(name: str) -> str:
    spec = FIELDS_BY_NAME.get(name)
    if spec is not None:
        return spec.label
    return "Numéro de salarié" if name == "id_employee" else name


def _given(value: object) -> str:
    if value is None or value == "":
        return "rien"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, int | float):
        return number_text(value)
    text = str(value)
    return f"« {text[:60]}{'…' if len(text) > 60 else ''} »"


def french_error(error: Mapping[str, Any]) -> dict[str, str]:
    """One pydantic error -> `{"champ", "colonne", "erreur", "autorisé"}` in French: the
    field's label, and its name as a CSV column (the API's name)."""
    described = _described(error)
    return {"colonne": described.pop("colonne"), **described}


def _described(error: Mapping[str, Any]) -> dict[str, str]:
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    name = location[-1] if location else ""
    spec = FIELDS_BY_NAME.get(name)
    kind, given = error.get("type", ""), error.get("input")
    allowed = allowed_text(spec) if spec is not None else ""
    if kind == "years_order":
        context = error["ctx"]
        return {
            "champ": _label(context["smaller"]),
            "colonne": context["smaller"],
            "erreur": (
                f"{_given(context['smaller_value'])} dépasse {_label(context['larger'])} "
                f"({_given(context['larger_value'])})"
            ),
            "autorisé": f"au plus {_label(context['larger'])}",
        }
    if kind == "missing" or (kind in _WRONG_KIND and given in (None, "")):
        message = "valeur manquante"
    elif kind == "extra_forbidden":
        return {
            "champ": name[:120],
            "colonne": name[:120],
            "erreur": "champ inconnu",
            "autorisé": "",
        }
    elif kind in _BOUNDS:
        message = f"{_given(given)} est hors des valeurs permises"
    elif kind in _WRONG_KIND and spec is not None:
        message = f"{_given(given)} n'est pas {_EXPECTED[spec.kind]}"
    elif name == "id_employee":
        message = f"{_given(given)} n'est pas un numéro de salarié"
    else:
        message = f"{_given(given)} est refusé"
    if name == "id_employee":
        allowed = f"un nombre entier de 1 à {number_text(MAX_EMPLOYEE_ID)}"
    return {
        "champ": _label(name) if name else "Saisie",
        "colonne": name,
        "erreur": message,
        "autorisé": allowed,
    }


def sentence(error: Mapping[str, Any]) -> str:
    """The error as one sentence, for the form's message."""
    described = french_error(error)
    allowed = f" (autorisé : {described['autorisé']})" if described["autorisé"] else ""
    return f"{described['champ']} : {described['erreur']}{allowed}"
