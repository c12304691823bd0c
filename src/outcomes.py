"""What really happened to an employee, as HR reports it (`POST /outcomes`): the facts that
live quality is measured against. The shapes a caller sends and gets back; the rows are in
`database/models.py` (`Outcome`)."""

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from src.fields import MAX_EMPLOYEE_ID
from src.schemas import WholeNumber

MAX_OUTCOMES = 10_000
#: The first day an outcome may be dated: the HR extracts' oldest hire is later.
EARLIEST = dt.date(1970, 1, 1)
PREDICTION_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _iso_date(value: object) -> object:
    """Only `YYYY-MM-DD` text: pydantic alone would also read a number as a timestamp."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("an ISO date is expected, e.g. 2026-11-30")
    return value


def _possible(value: dt.date) -> dt.date:
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)  # a caller a zone ahead
    if not EARLIEST <= value <= tomorrow:
        raise ValueError(f"the date must be between {EARLIEST} and today, not {value}")
    return value


class OutcomeRecord(BaseModel):
    """Strict like `EmployeeRecord`: `"true"` is not a boolean, `1700000000` is not a date."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        json_schema_extra={"examples": [{"id_employee": 1, "left": True, "date": "2026-11-30"}]},
    )

    id_employee: Annotated[int, WholeNumber] = Field(ge=1, le=MAX_EMPLOYEE_ID)
    left: bool = Field(description="true: the employee left; false: still in the company")
    date: Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_possible)] = Field(
        strict=False, description="when it was known: an ISO date (2026-11-30), not in the future"
    )
    prediction_id: str | None = Field(
        default=None,
        pattern=PREDICTION_ID,
        description="the prediction this outcome answers, if known (must exist)",
    )


class OutcomeBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcomes: list[OutcomeRecord] = Field(min_length=1, max_length=MAX_OUTCOMES)


class RecordedOutcome(BaseModel):
    outcome_id: str
    request_id: str = Field(description="the X-Request-ID of the call that recorded it")


class RecordedOutcomes(BaseModel):
    outcomes: list[RecordedOutcome] = Field(description="in the order sent")
