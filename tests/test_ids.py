"""Ids: valid UUIDv7, unique, and in creation order across milliseconds."""

import time
import uuid

from src.ids import new_id


def test_ids_are_version_7_rfc_9562_uuids() -> None:
    parsed = uuid.UUID(new_id())
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_start_with_the_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    millis = uuid.UUID(new_id()).int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= millis <= after


def test_ids_are_unique_and_later_ones_sort_after() -> None:
    first = [new_id() for _ in range(1000)]
    time.sleep(0.002)
    second = [new_id() for _ in range(1000)]
    assert len(set(first + second)) == 2000
    assert max(first) < min(second)
