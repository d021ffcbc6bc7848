"""Running a job once for many callers: `IdempotencyStore` (retries by key) and `SingleFlight` (concurrent twins).

Both run the work in its own task and hand every caller `asyncio.shield`ed waits on it, so a caller
that goes away (client disconnect cancels its handler) never cancels the work the others wait for.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class IdempotencyKeyReused(Exception):
    """The key was first used with a different request body."""


@dataclass
class _Entry(Generic[T]):
    fingerprint: str
    task: asyncio.Task[T]
    expires_at: float | None = None  # set once the work finished and its result is kept


class IdempotencyStore(Generic[T]):
    """Results by Idempotency-Key, kept `ttl` seconds after they complete, at most `max_entries` of them.

    `keep(result)` decides whether a result is stored (a refusal such as 429 is not: the retry runs).
    """

    def __init__(self, *, ttl: float, max_entries: int, keep: Callable[[T], bool],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._keep = keep
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def run(self, key: str, fingerprint: str, work: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """`work()`'s result for this key, and whether it was a stored one (or another caller's run)."""
        entry = self._live_entry(key)
        if entry is not None:
            if entry.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key)
            return await asyncio.shield(entry.task), True
        task: asyncio.Task[T] = asyncio.ensure_future(work())
        self._entries[key] = _Entry(fingerprint, task)
        task.add_done_callback(lambda done: self._finished(key, done))
        self._evict()
        return await asyncio.shield(task), False

    def _live_entry(self, key: str) -> _Entry[T] | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        return entry

    def _finished(self, key: str, task: asyncio.Task[T]) -> None:
        entry = self._entries.get(key)
        if entry is None or entry.task is not task:
            return
        if task.cancelled() or task.exception() is not None or not self._keep(task.result()):
            del self._entries[key]
        else:
            entry.expires_at = self._clock() + self._ttl

    def _evict(self) -> None:
        """Drop, oldest first, entries that expired or, over the size bound, that finished.

        A running entry stops the sweep: entries behind it are dropped lazily when looked up, and
        running ones are bounded by the job queue.
        """
        now = self._clock()
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            finished = entry.expires_at is not None
            if not finished or (entry.expires_at > now and len(self._entries) <= self._max_entries):  # type: ignore[operator]
                return
            del self._entries[key]


class SingleFlight(Generic[T]):
    """Concurrent calls with the same key share one execution of the work."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[T]] = {}

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The shared result, and whether this caller joined a run another caller started."""
        task = self._running.get(key)
        if task is not None:
            return await asyncio.shield(task), True
        task = asyncio.ensure_future(work())
        self._running[key] = task
        task.add_done_callback(lambda _: self._running.pop(key, None))
        return await asyncio.shield(task), False
