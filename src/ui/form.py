"""The employee form: one input per field of `src.fields`, grouped as the HR extracts are.

Inputs are made from the field list (bounds, allowed values, French labels), so the form cannot
drift from the API's schema; the values go through the same `EmployeeRecord` validation.
"""

from collections.abc import Sequence
from typing import Any

import gradio as gr

from src.fields import FIELDS, Extract, FieldSpec, Kind
from src.schemas import EmployeeRecord, record_from_values
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
    """The input that fits the field: dropdown, checkbox, slider or bounded number."""
    info = allowed_text(spec) if spec.minimum is not None else None
    if spec.kind is Kind.CATEGORY:
        return gr.Dropdown(list(spec.allowed), value=value, label=spec.label, filterable=False)
    if spec.kind is Kind.BOOLEAN:
        return gr.Checkbox(value=bool(value), label=spec.label)
    if spec.kind is Kind.INTEGER and spec.maximum is not None and spec.maximum <= _SCORE_MAXIMUM:
        return gr.Slider(spec.minimum, spec.maximum, value=value, step=1, label=spec.label)
    # No minimum/maximum on the widget: Gradio would refuse a value out of bounds with its
    # own English message; the record's validation says it in French (`src/ui/messages.py`).
    return gr.Number(
        value=value,
        label=spec.label,
        info=info,
        precision=0 if spec.kind is Kind.INTEGER else 2,
    )


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


def record_from_form(values: Sequence[object]) -> EmployeeRecord:
    """The form's values (in field order) as a validated record; raises ValidationError."""
    return record_from_values(dict(zip(FIELD_NAMES, values, strict=True)))


def form_values(record: dict[str, Any]) -> list[object]:
    """A stored record's values in field order, to fill the form."""
    return [record[name] for name in FIELD_NAMES]
