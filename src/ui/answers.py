"""What a prediction event answers, the same in both spaces: the summary, the factors' chart
and the raw JSON; and a what-if scored before and after in one call."""

from collections.abc import Mapping
from typing import Any

import pandas as pd

from src.schemas import Prediction
from src.ui import views
from src.ui.backend import Caller, UiBackend
from src.ui.components import SCENARIO_FIELDS
from src.ui.explanations import explain


def shown(prediction: Prediction, record: Mapping[str, Any]) -> tuple[str, pd.DataFrame, dict]:
    """The answer for the employee `record` describes."""
    explained = explain(prediction, record)
    return (
        views.prediction_summary(prediction, explained),
        views.factor_frame(explained),
        prediction.model_dump(mode="json"),
    )


async def compared(
    backend: UiBackend,
    id_employee: int | None,
    before: dict[str, Any],
    values: tuple,
    caller: Caller,
) -> tuple[str, str]:
    """`values` are the levers (`SCENARIO_FIELDS`) set by the user over `before`."""
    after = {**before, **dict(zip(SCENARIO_FIELDS, values, strict=True))}
    first, second = await backend.compare(id_employee, before, after, caller)
    moved = views.changed_fields(before, after)
    note = "Leviers modifiés : " + (", ".join(moved) if moved else "aucun")
    return views.comparison_summary(first, second), note
