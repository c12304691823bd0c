"""The employee form: one input per field of `src.fields`, grouped as the HR extracts are.

Inputs are made from the field list (bounds, allowed values, French labels), so the form cannot
drift from the API's schema; the values go through the same `EmployeeRecord` validation.
"""

from typing import Any

import gradio as gr

from src.fields import FIELDS, FIELDS_BY_NAME, Extract, FieldSpec, Kind
from src.ui.french import number_for_input
from src.ui.messages import allowed_text

#: The form's sections, in the order of the HR extracts.
SECTIONS: dict[Extract, str] = {
    Extract.SIRH: "Identité et poste",
    Extract.EVAL: "Évaluation et satisfaction",
    Extract.SONDAGE: "Parcours",
}

FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)

_SCORE_MAXIMUM = 5  # integer fields up to this bound are scales: a slider, not a number box


def field_input(spec: FieldSpec, value: object) -> gr.components.Component:
    """The input that fits the field: dropdown, checkbox, slider, or a text box for a number."""
    info = allowed_text(spec) if spec.minimum is not None else None
    if spec.kind is Kind.CATEGORY:
        return gr.Dropdown(list(spec.allowed), value=value, label=spec.label, filterable=False)
    if spec.kind is Kind.BOOLEAN:
        return gr.Checkbox(value=bool(value), label=spec.label)
    if spec.kind is Kind.INTEGER and _is_scale(spec):
        return gr.Slider(spec.minimum, spec.maximum, value=value, step=1, label=spec.label)
    # Text, not Gradio's number box: the browser's number input drops a decimal comma
    # (`950,5` arrived as 9505) and Gradio refuses bounds in English. What is typed is read
    # the French way (`src/ui/french.py`) and checked by the record's validation, in French.
    return gr.Textbox(value=input_value(spec, value), label=spec.label, info=info, max_lines=1)


def input_value(spec: FieldSpec, value: object) -> object:
    """A field's value as its input shows it: numbers in text boxes the French way."""
    return number_for_input(value) if _is_text_box(spec) else value


def _is_text_box(spec: FieldSpec) -> bool:
    if spec.kind in (Kind.CATEGORY, Kind.BOOLEAN):
        return False
    return not (spec.kind is Kind.INTEGER and _is_scale(spec))


def _is_scale(spec: FieldSpec) -> bool:
    return spec.maximum is not None and spec.maximum <= _SCORE_MAXIMUM


def employee_form(defaults: dict[str, Any]) -> list[gr.components.Component]:
    """Renders the form's sections in the current layout; returns the inputs in field order."""
    inputs: dict[str, gr.components.Component] = {}
    for extract, title in SECTIONS.items():
        with gr.Accordion(title, open=True), gr.Row(equal_height=True):
            for spec in FIELDS:
                if spec.extract is extract:
                    with gr.Column(min_width=220):
                        inputs[spec.name] = field_input(spec, defaults.get(spec.name))
    return [inputs[name] for name in FIELD_NAMES]


def form_values(record: dict[str, Any]) -> list[object]:
    """A stored record's values in field order, to fill the form."""
    return [input_value(FIELDS_BY_NAME[name], record[name]) for name in FIELD_NAMES]
