"""What `GET /metrics` exports, in Prometheus's text format, with prometheus-client.

prometheus-client rather than OpenTelemetry with a Prometheus exporter: the service is scraped
by Prometheus and by nothing else, the client is one small package with no SDK, exporter and
provider to wire, and its counters cost about a microsecond each on the request path (the
budget for metrics and logs together is 5 % of the logged throughput).

Each app has its own registry (tests build many apps in one process), with the client's
process, platform and garbage-collector collectors. Each replica exposes its own figures;
Prometheus sums them across replicas (`sum by (route) (rate(...))`, and histograms through
`histogram_quantile(0.99, sum by (le) (rate(..._bucket[5m])))`).

Labels are bounded: a route is its template (`/employees/{id_employee}/predict`, never the
raw path), a status its class (`2xx`), a prediction its source, label and risk level.

Two registries: what any visitor may read (traffic, latency, the trace store, the model, the
process, drift over a window), and what describes each call's content (the counts by label and
risk, the probability histogram, the sizes of batches and of scoring groups). A visitor who
diffs two public scrapes around one call would read that caller's answer from the second kind
(the histogram's `_sum` moves by its exact probability; a UI prediction at risk adds a second
batch, its levers), so it is exported only to a scraper holding `METRICS_TOKEN`.
"""

import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.gc_collector import GCCollector
from prometheus_client.registry import Collector

from database.writer import WriterStatus
from src.monitoring.monitor import Snapshot

#: Latency buckets, seconds: a single prediction answers in about a millisecond, a batch of
#: 10,000 in about a second.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
PROBABILITY_BUCKETS = tuple(round(0.05 * i, 2) for i in range(1, 21))
SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


Labelled = TypeVar("Labelled", Counter, Histogram)


class ServiceMetrics:
    """Built once with the app; the service, the middleware and the writer report to it."""

    def __init__(self) -> None:
        # No `_created` series: a timestamp per label set that nobody graphs, doubling the
        # scrape (prometheus-client's switch is process-wide; every app here wants it off).
        disable_created_metrics()
        self.registry = CollectorRegistry()
        self.outcomes = CollectorRegistry()
        self.scraper_registry = CollectorRegistry()
        self.scraper_registry.register(self.registry)
        self.scraper_registry.register(self.outcomes)
        self._children: dict[tuple[int, tuple[str, ...]], Counter | Histogram] = {}
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        r = self.registry
        self.requests = Counter(
            "attrition_http_requests",
            "HTTP requests answered, by route template, method and status class",
            ["route", "method", "status_class"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "attrition_http_request_duration_seconds",
            "Time from receiving a request to the end of its answer",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "attrition_http_requests_in_flight",
            "Requests being served now, by area (api, or a UI space's prefix)",
            ["area"],
            registry=r,
        )
        self.predictions = Counter(
            "attrition_predictions",
            "Predictions answered (their trace stored), by source (api, ui), label and risk level",
            ["source", "label", "risk_level"],
            registry=self.outcomes,
        )
        self.probability = Histogram(
            "attrition_prediction_probability",
            "Predicted probabilities of leaving",
            buckets=PROBABILITY_BUCKETS,
            registry=self.outcomes,
        )
        self.batch_size = Histogram(
            "attrition_batch_size",
            "Employees per batch request (POST /predict/batch, UI files)",
            ["source"],
            buckets=SIZE_BUCKETS,
            registry=self.outcomes,
        )
        self.group_size = Histogram(
            "attrition_group_size",
            "Items handled together by a grouping queue (scoring: calls; writing: traces)",
            ["queue"],
            buckets=SIZE_BUCKETS,
            registry=self.outcomes,
        )
        self.group_seconds = Histogram(
            "attrition_group_duration_seconds",
            "Time to score one group, or to write one group's traces",
            ["queue"],
            buckets=LATENCY_BUCKETS,
            registry=self.outcomes,  # its count is the number of groups, as group_size's
        )
        self.write_errors = Counter(
            "attrition_trace_write_errors",
            "Traces whose write failed (their call answered 500 or 503)",
            registry=r,
        )
        self.model = Info("attrition_model", "The model that answers", registry=r)
        self.model_fallback = Gauge(
            "attrition_model_fallback",
            "1 if a Hub model was configured but the bundled one answers (see /health)",
            registry=r,
        )
        self.model_loaded = Gauge(
            "attrition_model_loaded_timestamp_seconds",
            "When the model that answers was loaded (Unix time)",
            registry=r,
        )
        self.model_behind = Gauge(
            "attrition_model_behind_registry",
            "1 if this replica could not switch to the model the newest activation names",
            registry=r,
        )

    def model_loaded_now(self, version: str, sha256: str, source: str, fallback: bool) -> None:
        self.model.info({"version": version, "sha256": sha256[:12], "source": source})
        self.model_fallback.set(int(fallback))
        self.model_loaded.set(time.time())

    def watch_storage(self, status: Callable[[], WriterStatus]) -> None:
        """The trace writer's state, read at each scrape."""
        self.registry.register(_StorageCollector(status))

    def watch_monitoring(self, latest: Callable[[], Snapshot]) -> None:
        """The latest periodic drift and live-quality reports, read at each scrape."""
        self.registry.register(_MonitoringCollector(latest))

    def watch_queue(self, space: str, depth: Callable[[], int | None]) -> None:
        """A Gradio queue's waiting events, read at each scrape."""
        self.registry.register(_QueueCollector(space, depth))

    def observe_answers(self, source: str, bodies: Sequence[dict[str, Any]], batch: bool) -> None:
        """One call's predictions: counted by label and risk, their probabilities."""
        observe = self.probability.observe
        if len(bodies) == 1:  # the common case, without the tally
            [body] = bodies
            self._child(self.predictions, source, body["prediction"], body["risk_level"]).inc()
            observe(body["probability"])
        else:
            tally = Tally((body["prediction"], body["risk_level"]) for body in bodies)
            for (label, risk_level), count in tally.items():
                self._child(self.predictions, source, label, risk_level).inc(count)
            for body in bodies:
                observe(body["probability"])
        if batch:
            self._child(self.batch_size, source).observe(len(bodies))

    def observe_group(self, queue: str, size: int, seconds: float) -> None:
        self._child(self.group_size, queue).observe(size)
        self._child(self.group_seconds, queue).observe(seconds)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self._child(self.requests, route, method, f"{status // 100}xx").inc()
        self._child(self.request_seconds, route, method).observe(seconds)

    def _child(self, metric: Labelled, *labels: str) -> Labelled:
        """`metric.labels(*labels)`, kept: the client's own lookup takes a lock and checks
        its arguments each time, a measurable share of a request that takes a millisecond."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def exposition(self, accept: str | None, outcomes: bool) -> tuple[bytes, str]:
        """The scrape's body and content type, in the format the scraper asks for (Prometheus
        text, or OpenMetrics); with the predictions' results only for a scraper with the
        token."""
        encode, content_type = choose_encoder(accept)
        return encode(self.scraper_registry if outcomes else self.registry), content_type


class _StorageCollector(Collector):
    def __init__(self, status: Callable[[], WriterStatus]) -> None:
        self._status = status

    def collect(self) -> Iterable[Metric]:
        status = self._status()
        yield _gauge(
            "attrition_database_up", "1 if the database answered last time", status.reachable
        )
        yield _gauge(
            "attrition_database_ready", "1 if reads are served (reached and prepared)", status.ready
        )
        yield _gauge(
            "attrition_spooled_traces",
            "Traces waiting on local disk for the database",
            status.spooled,
        )
        yield _gauge(
            "attrition_refused_traces",
            "Spooled traces the database refused, set aside for a person",
            status.refused,
        )


class _QueueCollector(Collector):
    def __init__(self, space: str, depth: Callable[[], int | None]) -> None:
        self._space = space
        self._depth = depth

    def collect(self) -> Iterable[Metric]:
        depth = self._depth()
        if depth is None:
            return
        family = GaugeMetricFamily(
            "attrition_ui_queue_depth", "Events waiting in a UI space's queue", labels=["space"]
        )
        family.add_metric([self._space], depth)
        yield family


class _MonitoringCollector(Collector):
    """Drift and live quality as the periodic check last computed them (`ModelMonitor`):
    every replica reads the same database, so every replica exports the same values; take
    `max` across replicas, not `sum`."""

    def __init__(self, latest: Callable[[], Snapshot]) -> None:
        self._latest = latest

    def collect(self) -> Iterable[Metric]:
        latest = self._latest()
        if latest.computed_at is None:
            return
        yield _gauge(
            "attrition_monitoring_last_run_timestamp_seconds",
            "When drift and live quality were last computed (Unix time)",
            latest.computed_at.timestamp(),
        )
        alert = GaugeMetricFamily(
            "attrition_monitoring_alert",
            "1 if the last check raised an alert, by check (drift, quality)",
            labels=["check"],
        )
        for check, report in (("drift", latest.drift), ("quality", latest.quality)):
            alert.add_metric([check], float(bool(report and report.get("alerts"))))
        yield alert
        yield from _drift_families(latest.drift or {})
        yield from _quality_families(latest.quality or {})


def _drift_families(drift: dict[str, Any]) -> Iterable[Metric]:
    yield _gauge(
        "attrition_drift_window_size",
        "Employees in the last drift window (DRIFT_WINDOW, DRIFT_SOURCE)",
        drift.get("sample_size", 0),
    )
    if "columns" not in drift:  # not enough data, or no training profile
        return
    yield _gauge(
        "attrition_drift_fields_drifted_ratio",
        "Share of HR fields that drifted in the last window",
        drift["share_of_fields_drifted"],
    )
    psi = GaugeMetricFamily(
        "attrition_drift_psi",
        "Population stability index of each profiled column against training",
        labels=["column"],
    )
    drifted = GaugeMetricFamily(
        "attrition_drift_drifted", "1 if the column drifted in the last window", labels=["column"]
    )
    for column in drift["columns"]:
        psi.add_metric([column["name"]], column["psi"])
        drifted.add_metric([column["name"]], float(column["drifted"]))
    yield psi
    yield drifted
    score = drift["probability"]
    if "psi" in score:
        yield _gauge(
            "attrition_drift_probability_psi",
            "PSI of the predicted probabilities against the model's training scores",
            score["psi"],
        )


def _quality_families(quality: dict[str, Any]) -> Iterable[Metric]:
    yield _gauge(
        "attrition_live_outcomes",
        "Predictions whose outcome is known (live quality's sample)",
        quality.get("sample_size", 0),
    )
    if "metrics" not in quality:
        return
    family = GaugeMetricFamily(
        "attrition_live_quality",
        "Live quality of the predictions whose outcome is known, by metric",
        labels=["metric"],
    )
    for name, estimate in quality["metrics"].items():
        family.add_metric([name], estimate["value"])
    yield family


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))
