"""Commits the traces of a group of requests in one transaction; callers answer afterwards.

One commit per request is what makes naive logging slow (an fsync each); the scoring queue
hands the writer every request that arrived together, so a burst of N requests costs one
commit, not N.
"""

from sqlalchemy import Engine

from database.repository import PredictionTrace, add_prediction_traces


class TraceWriter:
    """Built once at start-up; used from the scoring thread only."""

    def __init__(self, engine: Engine, model_version_id: int) -> None:
        self.engine = engine
        self.model_version_id = model_version_id

    def write(self, traces: list[PredictionTrace]) -> None:
        """All traces or none: a failure rolls the whole group back and raises."""
        with self.engine.begin() as connection:
            add_prediction_traces(connection, traces, self.model_version_id)
