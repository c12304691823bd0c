"""Recent prediction latency for `/health`: the last N answers, not a lifetime average.

Prometheus histograms accumulate since start-up; an operator looking at `/health` wants to know
how the service answers now.
"""

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

WINDOW = 1000


@dataclass(frozen=True)
class LatencySummary:
    count: int
    p50_ms: float | None
    p99_ms: float | None


class LatencyWindow:
    """Appended to by the event loop, read by the health route: a lock makes the copy safe."""

    def __init__(self, size: int = WINDOW) -> None:
        self._values: deque[float] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, latency_ms: float) -> None:
        with self._lock:
            self._values.append(latency_ms)

    def summary(self) -> LatencySummary:
        with self._lock:
            values = np.array(self._values)
        if values.size == 0:
            return LatencySummary(0, None, None)
        p50, p99 = np.percentile(values, [50, 99])
        return LatencySummary(int(values.size), round(float(p50), 3), round(float(p99), 3))
