"""Groups concurrent requests into one call of a worker function, off the event loop.

Under load, requests arrive while the worker thread is busy; rather than handling them one by
one (a thread hop and a numpy pass, or a commit, each), the queue hands everything waiting to
the worker in one call: one vectorised scoring, or one transaction. Each caller gets its own
answer, which does not depend on its group (tested), so grouping is invisible to callers. One
group is in flight at a time per queue.

A group that `on_loop` finds small is worked on the event loop itself: scoring a few
employees takes less than the hop to a thread and back (the future, the wake-up of the
worker, the loop's wake-up), and a thread that holds the GIL makes the loop wait for it.
"""

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from anyio import to_thread

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class GroupingQueue(Generic[Item, Answer]):
    """`await submit(item)` -> `work([..., item, ...])`'s answer for it, in one call with the
    items of concurrent callers; `work` returns one answer per item, in order. An answer that
    is an exception is raised to its own caller only; an exception `work` raises, to all."""

    def __init__(
        self,
        work: Callable[[Sequence[Item]], list[Answer | Exception]],
        on_loop: Callable[[Sequence[Item]], bool] = lambda _: False,
    ) -> None:
        self._work = work
        self._on_loop = on_loop
        self._waiting: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._draining = False

    async def submit(self, item: Item) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
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

    async def _score_group(self, group: list[tuple[Item, asyncio.Future[Answer]]]) -> None:
        items = [item for item, _ in group]
        try:
            if self._on_loop(items):
                answers = self._work(items)
            else:
                answers = await to_thread.run_sync(self._work, items)
        except Exception as err:  # every caller of the group gets the error, none hangs
            for _, future in group:
                if not future.done():
                    future.set_exception(err)
            return
        for (_, future), answer in zip(group, answers, strict=True):
            if future.done():  # a caller that went away has a cancelled future
                continue
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)
