"""Groups the records of concurrent requests into one scoring call, off the event loop.

Under load, requests arrive while the scoring thread is busy; rather than scoring them one by
one (a thread hop and a numpy pass each), the queue takes everything waiting and scores it in
one vectorised call. A record's answer does not depend on its group (tested), so grouping is
invisible to callers. One group is in flight at a time: scoring holds the GIL, so a second
thread would only compete with the event loop for it.
"""

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from anyio import to_thread

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class ScoringQueue(Generic[Item, Answer]):
    """`await submit(items)` -> `score(items)`'s answers, scored together with concurrent calls."""

    def __init__(self, score: Callable[[Sequence[Item]], list[Answer]]) -> None:
        self._score = score
        self._waiting: list[tuple[Sequence[Item], asyncio.Future[list[Answer]]]] = []
        self._draining = False

    async def submit(self, items: Sequence[Item]) -> list[Answer]:
        future: asyncio.Future[list[Answer]] = asyncio.get_running_loop().create_future()
        self._waiting.append((items, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                await self._score_group(group)
        finally:
            self._draining = False

    async def _score_group(
        self, group: list[tuple[Sequence[Item], asyncio.Future[list[Answer]]]]
    ) -> None:
        flat = [item for items, _ in group for item in items]
        try:
            answers = await to_thread.run_sync(self._score, flat)
        except Exception as err:  # every caller of the group gets the error, none hangs
            for _, future in group:
                if not future.done():
                    future.set_exception(err)
            return
        start = 0
        for items, future in group:
            if not future.done():  # a caller that went away has a cancelled future
                future.set_result(answers[start : start + len(items)])
            start += len(items)
