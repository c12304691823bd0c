"""Ids: valid UUIDv7, unique, and in creation order across milliseconds."""

import os
import threading
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


def test_ids_made_on_several_threads_at_once_never_repeat() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def make(into: list[str]) -> None:
        into.extend(new_id() for _ in range(2000))  # several pools' worth each

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in made for i in ids]
    assert len(set(every)) == len(every) == 8000


def test_a_forked_child_does_not_reuse_its_parents_random_bits() -> None:
    new_id()  # the parent has a pool with bytes left
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child writes its next ids' random parts and leaves at once
        os.write(writing, ",".join(new_id()[15:] for _ in range(5)).encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        childs = set(pipe.read().split(","))
    parents = {new_id()[15:] for _ in range(5)}
    assert len(childs) == 5
    assert not childs & parents
