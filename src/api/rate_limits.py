"""How often one client may call the audited routes: per token, and per client address for
calls without a valid token (which would otherwise let anyone fill the audit trail).

`limits` counts a sliding window per key in this process's memory (two counters per key and
window, whatever the limit: its moving window keeps one entry per call, and cost the service
12 % of its CPU per request at a high limit): each replica counts its own calls, so N
replicas admit up to N times the limit in all.
"""

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import Scope


def client_address(scope: Scope) -> str:
    """The address a request came from, as uvicorn reports it (see FORWARDED_ALLOW_IPS)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


class RateLimits:
    """Built once with the app from `RATE_LIMIT_PER_TOKEN` and `RATE_LIMIT_PER_CLIENT`
    (e.g. `"1200/minute"`, several as `"50/second;1200/minute"`; empty: no limit)."""

    def __init__(self, per_token: str | None, per_client: str | None) -> None:
        self._per_token = parse_many(per_token) if per_token else []
        self._per_client = parse_many(per_client) if per_client else []
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def retry_after(self, scope: Scope, client_key_hash: str | None) -> int | None:
        """None if this call is within its limits (and counts it); otherwise the seconds until
        it would be."""
        if client_key_hash is not None:
            return self._hit(self._per_token, f"token:{client_key_hash}", 1)
        return self.client_retry_after(client_address(scope))

    def client_retry_after(self, address: str, cost: int = 1) -> int | None:
        """As `retry_after`, for `cost` units (calls, rows) taken by the client at `address`."""
        return self._hit(self._per_client, f"client:{address}", cost)

    def client_allowance(self) -> int | None:
        """The most units a client may take in one window (the smallest limit), or None."""
        return min((item.amount for item in self._per_client), default=None)

    def _hit(self, items: list[RateLimitItem], key: str, cost: int) -> int | None:
        exceeded = [item for item in items if not self._limiter.hit(item, key, cost=cost)]
        if not exceeded:
            return None
        return max(self._seconds_until_reset(item, key) for item in exceeded)

    def _seconds_until_reset(self, item: RateLimitItem, key: str) -> int:
        reset_at = self._limiter.get_window_stats(item, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))
