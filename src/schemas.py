"""API and UI shapes. `EmployeeRecord` is generated from `src.fields`, so it cannot drift from
the field list, nor (a test checks) from the model's schema in `models/metadata.json`."""

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from src.fields import FIELDS, MAX_EMPLOYEE_ID, ORDER_RULES, FieldSpec, Kind
from src.preprocessing import parse_oui_non, parse_percent

MAX_BATCH_SIZE = 10_000


def _oui_non_or_bool(value: object) -> object:
    """`"Oui"`/`"Non"` as the HR extracts write it; booleans pass through to pydantic."""
    return parse_oui_non(value) if isinstance(value, str) else value


def _whole_number(value: object) -> object:
    """`41.0` is an integer to JSON Schema, so to the API too; `41.5`, `"41"` and `false` are
    not, and strict validation refuses them."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeNumber = BeforeValidator(_whole_number)


def _percent_or_number(value: object) -> object:
    """`"11 %"` as the HR extracts write it; numbers pass through to pydantic."""
    return parse_percent(value) if isinstance(value, str) else value


def _annotation(spec: FieldSpec) -> object:
    info = {"title": spec.label, "description": f"allowed: {spec.describe_allowed()}"}
    if spec.kind is Kind.CATEGORY:
        return Annotated[Literal[spec.allowed], Field(**info)]
    if spec.kind is Kind.BOOLEAN:
        return Annotated[bool, Field(**info), BeforeValidator(_oui_non_or_bool)]
    bounds = {"ge": spec.minimum, "le": spec.maximum, "allow_inf_nan": False}
    if spec.kind is Kind.PERCENT:
        return Annotated[float, Field(**bounds, **info), BeforeValidator(_percent_or_number)]
    if spec.kind is Kind.INTEGER:
        return Annotated[int, Field(ge=spec.minimum, le=spec.maximum, **info), WholeNumber]
    return Annotated[float, Field(**bounds, **info)]


class _RecordRules(BaseModel):
    """Rules that involve several fields; the fields themselves are generated below.

    Strict, because the published schema says `integer` and `boolean`: a JSON `"41"` or `false`
    for an age is refused rather than read as 41 or 0. In-process callers that hold text or
    widget values (CSV cells, form inputs) go through `record_from_values`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id_employee: Annotated[int | None, WholeNumber] = Field(
        default=None,
        ge=1,
        le=MAX_EMPLOYEE_ID,
        description="links the prediction to a stored employee",
    )

    @model_validator(mode="after")
    def _years_are_consistent(self) -> Self:
        for rule in ORDER_RULES:
            smaller, larger = getattr(self, rule.smaller), getattr(self, rule.larger)
            if smaller > larger:  # a type and a context, so that the UI can word it in French
                raise PydanticCustomError(
                    "years_order",
                    "{smaller} ({smaller_value}) must not exceed {larger} ({larger_value})",
                    {
                        "smaller": rule.smaller,
                        "smaller_value": smaller,
                        "larger": rule.larger,
                        "larger_value": larger,
                    },
                )
        return self


EmployeeRecord = create_model(
    "EmployeeRecord",
    __base__=_RecordRules,
    __doc__="One employee: every HR field, unknown fields rejected. Consistency rules, "
    "checked after the fields (422 naming both fields otherwise): "
    + "; ".join(f"{rule.smaller} <= {rule.larger}" for rule in ORDER_RULES)
    + ".",
    **{spec.name: (_annotation(spec), ...) for spec in FIELDS},
)


def record_from_values(values: Mapping[str, object]) -> BaseModel:
    """An `EmployeeRecord` from values as a CSV or a form holds them (`"41"`, `41.0`, numpy
    numbers): the same fields, bounds and rules, with pydantic's lax conversions; raises
    ValidationError."""
    return EmployeeRecord.model_validate(values, strict=False)


class Factor(BaseModel):
    """How much one feature moved the risk (logit scale) away from the average employee's."""

    feature: str
    contribution: float


class Prediction(BaseModel):
    prediction_id: str
    prediction: Literal["Part", "Reste"]
    probability: float = Field(ge=0, le=1, description="probability of leaving")
    threshold: float
    risk_level: Literal["faible", "moyen", "élevé"]
    model_version: str
    explanation: list[Factor] = Field(description="largest contribution first")
    # Left out when None: a trace of an answer sent before the baseline existed is rebuilt
    # without it, so that it still hashes to what was sent.
    explanation_baseline: float | None = Field(
        default=None,
        exclude_if=lambda baseline: baseline is None,
        description="the logit of the reference employee (the training mean): probability = "
        "1 / (1 + exp(-(explanation_baseline + sum of the contributions))); absent from "
        "answers sent before it was added",
    )


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employees: list[EmployeeRecord] = Field(min_length=1, max_length=MAX_BATCH_SIZE)


class BatchResponse(BaseModel):
    predictions: list[Prediction]


def prediction_body(
    prediction_id: str,
    label: str,
    probability: float,
    threshold: float,
    risk_level: str,
    model_version: str,
    explanation: list[dict[str, Any]],
    explanation_baseline: float | None,
) -> dict[str, Any]:
    """A `Prediction` as the JSON sent back, keys in contract order.

    The one builder of that body: the service sends it and the trace view rebuilds it from the
    stored result, so the rebuilt body hashes to the `body_sha256` recorded when it was sent.
    """
    return {
        "prediction_id": prediction_id,
        "prediction": label,
        "probability": probability,
        "threshold": threshold,
        "risk_level": risk_level,
        "model_version": model_version,
        "explanation": explanation,
        **({} if explanation_baseline is None else {"explanation_baseline": explanation_baseline}),
    }
