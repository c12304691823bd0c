"""The served model's monitoring: drift and live quality, read from the database.

Every replica reads the same rows, so every replica gives the same picture. The routes compute
a report on demand; a background task recomputes the default one (the newest DRIFT_WINDOW
predictions of DRIFT_SOURCE, all known outcomes) every MONITORING_INTERVAL_SECONDS for
`/health` and `/metrics`, which only read the latest. Both run in a worker thread: the event
loop never waits for a query or a test statistic.
"""

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from database.repository import labelled_predictions, scored_window
from src.artifacts import LoadedModel
from src.config import Settings
from src.monitoring.drift import DriftThresholds, drift_report
from src.monitoring.quality import live_quality

logger = logging.getLogger(__name__)

OpenSession = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Snapshot:
    """The latest periodic reports; None before the first run."""

    computed_at: datetime | None = None
    drift: dict[str, Any] | None = None
    quality: dict[str, Any] | None = None
    error: str | None = None


def thresholds_from(settings: Settings) -> DriftThresholds:
    return DriftThresholds(
        minimum_sample=settings.drift_minimum_sample,
        alpha=settings.drift_alpha,
        psi_flag=settings.drift_psi_flag,
        psi_alert=settings.drift_psi_alert,
        share_alert=settings.drift_share_alert,
        important=settings.drift_important_inputs,
    )


class ModelMonitor:
    """Built once per process; `serving` gives the model in service at the time of each check
    (it changes when another model is activated)."""

    def __init__(self, serving: Callable[[], LoadedModel], settings: Settings) -> None:
        self._serving = serving
        self.thresholds = thresholds_from(settings)
        self.default_window = settings.drift_window
        self.default_source = None if settings.drift_source == "all" else settings.drift_source
        self.interval_s = settings.monitoring_interval_seconds
        self.latest = Snapshot()

    def drift(
        self,
        session: Session,
        size: int,
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
    ) -> dict[str, Any]:
        """Drift of the newest `size` predictions made in [since, until) through `source`."""
        loaded = self._serving()
        metadata = loaded.metadata
        window = {"requested": size, "since": since, "until": until, "source": source or "all"}
        head = {"model_version": metadata["version"], "window": window}
        profile = loaded.model.profile
        if profile is None:  # an artifact trained before profiles existed
            return {**head, "status": "no training profile"}
        scored = scored_window(session, size, since, until, source)
        window.update(first=scored.first, last=scored.last, repeats_dropped=scored.repeats_dropped)
        own = [
            probability
            for probability, sha256 in zip(scored.probabilities, scored.model_sha256, strict=True)
            if sha256 == metadata["sha256"]
        ]
        report = drift_report(profile, metadata["features"], scored.payloads, own, self.thresholds)
        days = probabilities_by_day(scored.probabilities, scored.created_at, metadata["threshold"])
        return {**head, **report, "probability_by_day": days}

    def quality(
        self,
        session: Session,
        since: datetime | None = None,
        until: datetime | None = None,
        source: str | None = None,
    ) -> dict[str, Any]:
        """Live quality of the predictions made in [since, until) whose outcome is known."""
        metadata = self._serving().metadata
        pairs = labelled_predictions(session, since, until, source)
        report = live_quality([p for p, _ in pairs], [left for _, left in pairs], metadata)
        return {"model_version": metadata["version"], **report}

    def refresh(self, open_session: OpenSession) -> Snapshot:
        """Recomputes the periodic reports (blocking: run it in a thread)."""
        try:
            with open_session() as session:
                drift = self.drift(session, self.default_window, source=self.default_source)
                quality = self.quality(session)
        except Exception as err:  # the database away, or a bug: say so, keep the last reports
            logger.warning("monitoring reports not recomputed: %s: %s", type(err).__name__, err)
            self.latest = replace(self.latest, error=f"{type(err).__name__}: {err}")
            return self.latest
        previous = _alerts(self.latest)
        self.latest = Snapshot(datetime.now(UTC), drift, quality)
        for alert in sorted(_alerts(self.latest) - previous):  # once, when it appears
            logger.warning("monitoring alert: %s", alert)
        return self.latest

    async def run_until_cancelled(self, open_session: OpenSession) -> None:
        while True:
            await asyncio.to_thread(self.refresh, open_session)
            await asyncio.sleep(self.interval_s)

    def summary(self) -> dict[str, Any]:
        """What public `/health` shows: statuses and counts, never a field's figures (those
        are HR information, behind the token at /monitoring/drift)."""
        latest = self.latest
        drift, quality = latest.drift or {}, latest.quality or {}
        return {
            "computed_at": latest.computed_at.isoformat() if latest.computed_at else None,
            "error": latest.error,
            "drift": {
                "status": drift.get("status", "not computed yet"),
                "sample_size": drift.get("sample_size"),
                "drifted_fields": len(drift.get("drifted", [])),
                "alerts": len(drift.get("alerts", [])),
            },
            "quality": {
                "status": quality.get("status", "not computed yet"),
                "sample_size": quality.get("sample_size"),
                "alerts": len(quality.get("alerts", [])),
            },
        }


def probabilities_by_day(
    probabilities: list[float], created_at: list[datetime], threshold: float
) -> list[dict[str, Any]]:
    """The window's predicted probabilities day by day (UTC), oldest first: how many, their
    median and 90th percentile, and the share at or above the decision threshold."""
    by_day: dict[str, list[float]] = {}
    for probability, moment in zip(probabilities, created_at, strict=True):
        by_day.setdefault(moment.date().isoformat(), []).append(probability)
    days = []
    for day in sorted(by_day):
        values = np.asarray(by_day[day])
        p50, p90 = np.quantile(values, [0.5, 0.9])
        days.append(
            {
                "day": day,
                "count": int(values.size),
                "median": round(float(p50), 4),
                "p90": round(float(p90), 4),
                "share_at_risk": round(float((values >= threshold).mean()), 4),
            }
        )
    return days


def _alerts(snapshot: Snapshot) -> set[str]:
    reports = {"drift": snapshot.drift or {}, "live quality": snapshot.quality or {}}
    return {
        f"{what}: {alert}" for what, report in reports.items() for alert in report.get("alerts", [])
    }
