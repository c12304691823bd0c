"""The rows of the trainings started through the API: created by the service, then updated by
the training's own process (status, progress, heartbeat, result).

One at a time, across replicas too: a run holds `active = 1` (a unique column) from its
creation to its end. A run whose process died (a restart, a kill) stops beating; once its
heartbeat is older than `STALE_AFTER`, the next request marks it failed and frees the slot.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database.models import TrainingRun, utc_now
from src.errors import TrainingInProgressError

STALE_AFTER = timedelta(minutes=5)


def create(
    session: Session, params: dict[str, Any], requested_by: str | None, request_id: str | None
) -> TrainingRun:
    """A queued run (committed); raises TrainingInProgressError if one is queued or running."""
    reap_stale(session)
    run = TrainingRun(
        status="queued",
        active=1,
        params=params,
        progress_done=0,
        progress_total=0,
        requested_by=requested_by,
        request_id=request_id,
        heartbeat_at=utc_now(),
    )
    session.add(run)
    try:
        session.commit()
    except IntegrityError as err:
        session.rollback()
        running = session.scalars(select(TrainingRun.id).where(TrainingRun.active == 1)).first()
        raise TrainingInProgressError(f"training run {running} is under way") from err
    return run


def reap_stale(session: Session) -> None:
    """Marks failed the runs whose process stopped beating (their slot is freed)."""
    session.execute(
        update(TrainingRun)
        .where(TrainingRun.active == 1, TrainingRun.heartbeat_at < utc_now() - STALE_AFTER)
        .values(
            status="failed",
            active=None,
            finished_at=utc_now(),
            error="interrupted: its process stopped (the service restarted, or it was killed)",
        )
    )
    session.commit()


def params_of(connection: Connection, run_id: str) -> dict[str, Any]:
    """What the run was asked to do (read by its process)."""
    return connection.scalar(select(TrainingRun.params).where(TrainingRun.id == run_id))


def get(session: Session, run_id: str) -> TrainingRun | None:
    return session.get(TrainingRun, run_id)


def newest(session: Session, limit: int = 20) -> list[TrainingRun]:
    return list(
        session.scalars(select(TrainingRun).order_by(TrainingRun.requested_at.desc()).limit(limit))
    )


def report(engine: Engine, run_id: str, **values: object) -> bool:
    """From the training's process: status, progress or result, with a heartbeat. False if
    the run is no longer active (it was reaped as stale): its process should stop."""
    with Session(engine) as session:
        updated = session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == run_id, TrainingRun.active == 1)
            .values(**values, heartbeat_at=utc_now())
        ).rowcount
        session.commit()
    return updated == 1


def finish(engine: Engine, run_id: str, result: dict | None, error: str | None) -> bool:
    """The run's end: succeeded with its result, or failed with the reason; frees the slot.
    False if it had been reaped already (its end is not recorded over the reaping)."""
    return report(
        engine,
        run_id,
        status="failed" if error else "succeeded",
        active=None,
        finished_at=utc_now(),
        result=result,
        error=error,
    )
