"""The scoring queue groups concurrent submissions and hands each caller its own answers."""

import asyncio
import threading
from collections.abc import Sequence

import pytest

from src.grouping_queue import GroupingQueue


class Recorder:
    """A scoring function that remembers each group it was given; the first call waits on a
    gate so that later submissions queue up behind it, as under load."""

    def __init__(self) -> None:
        self.groups: list[list[list[int]]] = []
        self.gate = threading.Event()

    def __call__(self, items: Sequence[list[int]]) -> list[list[int]]:
        if not self.groups:
            self.gate.wait(timeout=5)
        self.groups.append([list(item) for item in items])
        return [[n * 10 for n in item] for item in items]


def test_concurrent_submissions_are_scored_together_each_caller_getting_its_answers() -> None:
    recorder = Recorder()

    async def scenario() -> list[list[int]]:
        queue = GroupingQueue(recorder)
        first = asyncio.create_task(queue.submit([1]))
        await asyncio.sleep(0.05)  # the first group is in the scoring thread, held at the gate
        others = [asyncio.create_task(queue.submit(items)) for items in ([2, 3], [4], [5, 6, 7])]
        await asyncio.sleep(0.05)
        recorder.gate.set()
        return await asyncio.gather(first, *others)

    answers = asyncio.run(scenario())
    assert answers == [[10], [20, 30], [40], [50, 60, 70]]
    assert recorder.groups == [[[1]], [[2, 3], [4], [5, 6, 7]]]


def test_sequential_submissions_each_get_scored() -> None:
    recorder = Recorder()
    recorder.gate.set()

    async def scenario() -> list[list[int]]:
        queue = GroupingQueue(recorder)
        return [await queue.submit([n]) for n in range(3)]

    assert asyncio.run(scenario()) == [[0], [10], [20]]


@pytest.mark.parametrize("on_loop", [False, True], ids=["on a thread", "on the loop"])
def test_a_scoring_error_reaches_every_caller_of_the_group_and_the_queue_recovers(
    on_loop: bool,
) -> None:
    calls = []

    def fragile(items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            raise ValueError("scoring failed")
        return [item + 1 for item in items]

    async def scenario() -> list[int]:
        queue = GroupingQueue(fragile, on_loop=lambda _: on_loop)
        results = await asyncio.gather(queue.submit(1), queue.submit(2), return_exceptions=True)
        assert all(isinstance(r, ValueError) for r in results)
        return await queue.submit(3)

    assert asyncio.run(scenario()) == 4


def test_a_cancelled_caller_does_not_break_the_group() -> None:
    recorder = Recorder()

    async def scenario() -> list[int]:
        queue = GroupingQueue(recorder)
        first = asyncio.create_task(queue.submit([1]))
        await asyncio.sleep(0.05)
        gone = asyncio.create_task(queue.submit([2]))
        kept = asyncio.create_task(queue.submit([3]))
        await asyncio.sleep(0.01)
        gone.cancel()
        recorder.gate.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await kept

    assert asyncio.run(scenario()) == [30]


def test_an_answer_that_is_an_error_reaches_its_own_caller_only() -> None:
    groups = []

    def picky(items: Sequence[int]) -> list[int | Exception]:
        groups.append(list(items))
        return [ValueError(f"odd {n}") if n % 2 else n * 10 for n in items]

    async def scenario() -> list[int | BaseException]:
        queue = GroupingQueue(picky)
        return await asyncio.gather(*(queue.submit(n) for n in range(4)), return_exceptions=True)

    answers = asyncio.run(scenario())
    assert groups == [[0, 1, 2, 3]]  # one group, yet each caller has its own outcome
    assert answers[0::2] == [0, 20]
    assert [str(error) for error in answers[1::2]] == ["odd 1", "odd 3"]


def test_a_group_that_on_loop_finds_small_is_worked_on_the_event_loop_others_on_a_thread() -> None:
    threads: dict[int, str] = {}

    def work(items: Sequence[int]) -> list[int]:
        threads[sum(items)] = threading.current_thread().name
        return list(items)

    async def scenario() -> str:
        queue = GroupingQueue(work, on_loop=lambda items: sum(items) <= 10)
        await queue.submit(3)
        await queue.submit(100)
        return threading.current_thread().name

    loop_thread = asyncio.run(scenario())
    assert threads[3] == loop_thread
    assert threads[100] != loop_thread
