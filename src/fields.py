"""The HR fields: raw extract column -> canonical name, type, allowed values and ranges.

This is the only list of fields in the project. Cleaning, feature engineering, the API schema,
the database loader and the model's feature schema all read it, so a field renamed or a range
widened here changes every path at once.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Extract(StrEnum):
    """The three raw HR extracts, by file name."""

    SIRH = "extrait_sirh.csv"
    EVAL = "extrait_eval.csv"
    SONDAGE = "extrait_sondage.csv"


class Kind(StrEnum):
    """How a raw value is read: the cleaning rule applied to the column."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"  # "Oui"/"Non" in the extracts
    PERCENT = "percent"  # "11 %" in the extracts, a number in percent after cleaning
    CATEGORY = "category"


@dataclass(frozen=True)
class FieldSpec:
    """One canonical HR attribute of an employee record."""

    name: str
    raw_name: str
    extract: Extract
    kind: Kind
    label: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()

    def describe_allowed(self) -> str:
        """What a valid value looks like, for error messages."""
        if self.kind is Kind.CATEGORY:
            return ", ".join(self.allowed)
        if self.kind is Kind.BOOLEAN:
            return "true/false or Oui/Non"
        return f"{self.minimum:g} to {self.maximum:g}"


def _score(name: str, label: str, extract: Extract, maximum: int = 4) -> FieldSpec:
    return FieldSpec(name, name, extract, Kind.INTEGER, label, 1, maximum)


S, E, Q = Extract.SIRH, Extract.EVAL, Extract.SONDAGE

# Ranges are wider than the data (so any real employee passes) and narrow enough to reject
# typing errors; the values of each category are exactly those of the extracts.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("age", "age", S, Kind.INTEGER, "Âge", 16, 75),
    FieldSpec("genre", "genre", S, Kind.CATEGORY, "Genre", allowed=("F", "M")),
    FieldSpec(
        "revenu_mensuel",
        "revenu_mensuel",
        S,
        Kind.NUMBER,
        "Revenu mensuel (€)",
        100,
        100_000,
    ),
    FieldSpec(
        "statut_marital",
        "statut_marital",
        S,
        Kind.CATEGORY,
        "Statut marital",
        allowed=("Célibataire", "Marié(e)", "Divorcé(e)"),
    ),
    FieldSpec(
        "departement",
        "departement",
        S,
        Kind.CATEGORY,
        "Département",
        allowed=("Commercial", "Consulting", "Ressources Humaines"),
    ),
    FieldSpec(
        "poste",
        "poste",
        S,
        Kind.CATEGORY,
        "Poste",
        allowed=(
            "Assistant de Direction",
            "Cadre Commercial",
            "Consultant",
            "Directeur Technique",
            "Manager",
            "Représentant Commercial",
            "Ressources Humaines",
            "Senior Manager",
            "Tech Lead",
        ),
    ),
    FieldSpec(
        "nombre_experiences_precedentes",
        "nombre_experiences_precedentes",
        S,
        Kind.INTEGER,
        "Nombre d'employeurs précédents",
        0,
        30,
    ),
    FieldSpec(
        "annee_experience_totale",
        "annee_experience_totale",
        S,
        Kind.INTEGER,
        "Années d'expérience totale",
        0,
        60,
    ),
    FieldSpec(
        "annees_dans_l_entreprise",
        "annees_dans_l_entreprise",
        S,
        Kind.INTEGER,
        "Années dans l'entreprise",
        0,
        60,
    ),
    FieldSpec(
        "annees_dans_le_poste_actuel",
        "annees_dans_le_poste_actuel",
        S,
        Kind.INTEGER,
        "Années dans le poste actuel",
        0,
        60,
    ),
    _score("satisfaction_employee_environnement", "Satisfaction : environnement", E),
    _score("satisfaction_employee_nature_travail", "Satisfaction : nature du travail", E),
    _score("satisfaction_employee_equipe", "Satisfaction : équipe", E),
    _score(
        "satisfaction_employee_equilibre_pro_perso",
        "Satisfaction : équilibre pro/perso",
        E,
    ),
    _score("note_evaluation_precedente", "Note d'évaluation précédente", E),
    _score("note_evaluation_actuelle", "Note d'évaluation actuelle", E),
    _score("niveau_hierarchique_poste", "Niveau hiérarchique du poste", E, maximum=5),
    FieldSpec(
        "heures_supplementaires",
        "heure_supplementaires",
        E,
        Kind.BOOLEAN,
        "Heures supplémentaires",
    ),
    FieldSpec(
        "augmentation_salaire_precedente",
        "augementation_salaire_precedente",
        E,
        Kind.PERCENT,
        "Dernière augmentation de salaire (%)",
        0,
        100,
    ),
    FieldSpec(
        "nombre_participation_pee",
        "nombre_participation_pee",
        Q,
        Kind.INTEGER,
        "Participation au PEE (niveau)",
        0,
        3,
    ),
    FieldSpec(
        "nb_formations_suivies",
        "nb_formations_suivies",
        Q,
        Kind.INTEGER,
        "Formations suivies (dernière année)",
        0,
        20,
    ),
    FieldSpec(
        "distance_domicile_travail",
        "distance_domicile_travail",
        Q,
        Kind.INTEGER,
        "Distance domicile-travail (km)",
        0,
        200,
    ),
    _score("niveau_education", "Niveau d'éducation", Q, maximum=5),
    FieldSpec(
        "domaine_etude",
        "domaine_etude",
        Q,
        Kind.CATEGORY,
        "Domaine d'étude",
        allowed=(
            "Autre",
            "Entrepreunariat",
            "Infra & Cloud",
            "Marketing",
            "Ressources Humaines",
            "Transformation Digitale",
        ),
    ),
    FieldSpec(
        "frequence_deplacement",
        "frequence_deplacement",
        Q,
        Kind.CATEGORY,
        "Fréquence des déplacements",
        allowed=("Aucun", "Occasionnel", "Frequent"),
    ),
    FieldSpec(
        "annees_depuis_la_derniere_promotion",
        "annees_depuis_la_derniere_promotion",
        Q,
        Kind.INTEGER,
        "Années depuis la dernière promotion",
        0,
        60,
    ),
    FieldSpec(
        "annees_sous_responsable_actuel",
        "annes_sous_responsable_actuel",
        Q,
        Kind.INTEGER,
        "Années sous le responsable actuel",
        0,
        60,
    ),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}

#: The outcome: did the employee leave? ("Oui"/"Non" in the survey extract.)
TARGET = FieldSpec(
    "a_quitte_l_entreprise",
    "a_quitte_l_entreprise",
    Q,
    Kind.BOOLEAN,
    "A quitté l'entreprise",
)

#: Canonical employee key; each extract spells it differently (see preprocessing).
EMPLOYEE_ID = "id_employee"
#: Largest `id_employee`: the databases store it as a 32-bit integer (PostgreSQL `integer`).
#: Every path that takes an id (body, path, query, CSV column) is bounded by it, so a value
#: the storage cannot hold is a 422 naming the field, never a failed trace.
MAX_EMPLOYEE_ID = 2**31 - 1

#: Raw key column of each extract.
KEY_COLUMNS: dict[Extract, str] = {
    S: "id_employee",
    E: "eval_number",
    Q: "code_sondage",
}

#: Columns that hold one value for every employee, so they carry no information.
CONSTANT_COLUMNS: dict[Extract, tuple[str, ...]] = {
    S: ("nombre_heures_travailless",),
    E: (),
    Q: ("nombre_employee_sous_responsabilite", "ayant_enfants"),
}


@dataclass(frozen=True)
class OrderRule:
    """A consistency rule of the data: `smaller` never exceeds `larger` for a real employee."""

    smaller: str
    larger: str


ORDER_RULES: tuple[OrderRule, ...] = (
    OrderRule("annees_dans_le_poste_actuel", "annees_dans_l_entreprise"),
    OrderRule("annees_dans_l_entreprise", "annee_experience_totale"),
    OrderRule("annees_depuis_la_derniere_promotion", "annees_dans_l_entreprise"),
    OrderRule("annees_sous_responsable_actuel", "annees_dans_l_entreprise"),
)


def describe_fields() -> dict[str, Any]:
    """The input schema as JSON-ready data, for the model's metadata and the API to agree on."""
    fields = [
        {
            "name": spec.name,
            "raw_name": spec.raw_name,
            "extract": spec.extract.value,
            "type": spec.kind.value,
            "label": spec.label,
            **({"allowed": list(spec.allowed)} if spec.allowed else {}),
            **(
                {"minimum": spec.minimum, "maximum": spec.maximum}
                if spec.minimum is not None
                else {}
            ),
        }
        for spec in FIELDS
    ]
    rules = [f"{rule.smaller} <= {rule.larger}" for rule in ORDER_RULES]
    return {"fields": fields, "consistency_rules": rules}
