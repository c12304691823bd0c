"""Training runs over HTTP: start one (an admin token), follow it (an API token)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from database import training_runs
from database.models import TrainingRun
from src.api.deps import CallDep, SessionDep
from src.api.recorder import audited_router
from src.errors import UnknownTrainingRunError
from src.lifecycle.training_data import Source

router = audited_router(tags=["training"], errors=(404,))
admin_router = audited_router(tags=["training"], errors=(409,), admin=True)

Candidate = Literal["logistic_regression", "gradient_boosting", "dummy"]


class TrainingRequest(BaseModel):
    """What to train: the candidates to cross-validate (a linear one is shipped), how many
    repeats of 5-fold CV (3 is the protocol of the shipped model; fewer is faster), and what
    to learn from."""

    model_config = ConfigDict(extra="forbid")

    candidates: list[Candidate] = Field(
        default=["logistic_regression", "gradient_boosting", "dummy"], min_length=1, max_length=3
    )
    n_repeats: int = Field(default=3, ge=1, le=5)
    source: Source = Field(
        default="extracts",
        description="extracts: the HR extracts of DATA_DIR; database: the stored employees, "
        "each with the newest outcome reported through POST /outcomes (else the extracts')",
    )

    @field_validator("candidates")
    @classmethod
    def _once_each(cls, candidates: list[str]) -> list[str]:
        return list(dict.fromkeys(candidates))


class Progress(BaseModel):
    done: int = Field(description="folds and fits done")
    total: int = Field(description="in all (0 until the run has started)")
    stage: str | None


class TrainingRunView(BaseModel):
    run_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: Progress
    params: dict[str, Any]
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    requested_by: str | None = Field(description="hash of the admin key that started it")
    request_id: str | None
    result: dict[str, Any] | None = Field(
        description="version, registry status, decision against the champion and its reasons, "
        "MLflow run, CV means"
    )
    error: str | None


class TrainingRuns(BaseModel):
    runs: list[TrainingRunView]


def _view(run: TrainingRun) -> TrainingRunView:
    return TrainingRunView(
        run_id=run.id,
        status=run.status,
        progress=Progress(done=run.progress_done, total=run.progress_total, stage=run.stage),
        params=run.params,
        requested_at=run.requested_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        requested_by=run.requested_by,
        request_id=run.request_id,
        result=run.result,
        error=run.error,
    )


@admin_router.post("/training/runs", status_code=202)
def start_training(
    request: Request, session: SessionDep, call: CallDep, asked: TrainingRequest | None = None
) -> TrainingRunView:
    """Start a training in a process of its own, against the registry's champion; the new
    model is registered (challenger or refused), never activated. 409 while another runs, or
    when the source asked for has nothing to learn from (no HR extracts, no stored employee)."""
    asked = asked or TrainingRequest()
    launcher = request.app.state.training
    run = launcher.start(session, asked.model_dump(), call.client_key_hash, call.request_id)
    return _view(run)


@router.get("/training/runs")
def list_training_runs(session: SessionDep) -> TrainingRuns:
    """The 20 newest training runs, newest first."""
    return training_runs_view(session)


def training_runs_view(session: Session) -> TrainingRuns:
    """The newest runs as `GET /training/runs` and the HR space's Modèle tab show them (a run
    whose process died is failed first)."""
    training_runs.reap_stale(session)
    return TrainingRuns(runs=[_view(run) for run in training_runs.newest(session)])


@router.get("/training/runs/{run_id}")
def get_training_run(
    session: SessionDep, run_id: Annotated[str, Path(max_length=64)]
) -> TrainingRunView:
    """One run: status, progress (fold i of n) and, once done, its result or its error."""
    training_runs.reap_stale(session)
    run = training_runs.get(session, run_id)
    if run is None:
        raise UnknownTrainingRunError(f"no training run has id {run_id}")
    return _view(run)
