"""What a prediction event answers, the same in both spaces: the summary with its reasons, the
factors' chart, the raw JSON and, for an employee at risk, the levers; and a what-if scored
before and after in one call."""

from collections.abc import Mapping
from typing import Any

import pandas as pd

from src.prediction import LEAVES
from src.schemas import Prediction
from src.ui import views
from src.ui.backend import Caller, UiBackend
from src.ui.components import SCENARIO_FIELDS
from src.ui.explanations import explain
from src.ui.french import french_values


async def answered(
    backend: UiBackend, prediction: Prediction, record: Mapping[str, Any], caller: Caller
) -> tuple[str, pd.DataFrame, dict, str]:
    """The answer for the employee `record` describes, and for an employee at risk, the
    levers that would lower it."""
    explained = explain(prediction, record)
    return (
        views.prediction_summary(prediction, explained),
        views.factor_frame(explained),
        prediction.model_dump(mode="json"),
        await advised(backend, prediction, record, caller),
    )


async def advised(
    backend: UiBackend, prediction: Prediction, record: Mapping[str, Any], caller: Caller
) -> str:
    """The levers for an employee at risk; nothing for the others."""
    if prediction.prediction != LEAVES:
        return ""
    advice, answers = await backend.levers(dict(record), caller)
    return views.levers_text(advice, answers)


async def compared(
    backend: UiBackend,
    id_employee: int | None,
    before: dict[str, Any],
    values: tuple,
    caller: Caller,
) -> tuple[str, str, str]:
    """`values` are the levers (`SCENARIO_FIELDS`) set by the user over `before`; with the
    levers the model suggests for `before`, if at risk."""
    after = {**before, **french_values(dict(zip(SCENARIO_FIELDS, values, strict=True)))}
    first, second = await backend.compare(id_employee, before, after, caller)
    moved = views.changed_fields(before, after)
    note = "Leviers modifiés : " + (", ".join(moved) if moved else "aucun")
    suggested = await advised(backend, first, {**before, "id_employee": id_employee}, caller)
    return views.comparison_summary(first, second), note, suggested
