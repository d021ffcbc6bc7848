"""Running a job once for many callers, across replicas: `SingleFlight` (concurrent twins in this
process) and `OnceOnly` (leases and finished records in a shared `Store`).

Every run happens in a task of its own and callers get `asyncio.shield`ed waits on it, so a caller
that goes away (client disconnect cancels its handler) never cancels the work others wait for.
May import: the standard library and executor.server.store.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from executor.server.store import Store, StoreUnavailable

T = TypeVar("T")


class IdempotencyKeyReused(Exception):
    """The key was first used with a different request body."""


class StillRunning(Exception):
    """Another replica's run of the same scope outlived this caller's wait."""


class SingleFlight(Generic[T]):
    """Concurrent calls with the same key share one execution; a finished one is forgotten at once,
    whether it succeeded or failed, so the next call runs again."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[T]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The shared result, and whether this caller joined a run another caller started."""
        task = self._running.get(key)
        if task is not None:
            return await asyncio.shield(task), True
        task = asyncio.ensure_future(work())
        self._running[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task), False

    def _forget(self, key: Hashable, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved: a failure nobody awaited any more is not "never retrieved"


class OnceOnly(Generic[T]):
    """Runs `work` at most once per (scope, fingerprint) across every replica sharing `store`.

    A run holds the scope's lease (renewed every `lease / 3` seconds while it runs, so a replica
    that dies frees it within `lease` seconds); `encode(result)` gives what is kept as the scope's
    finished record (None: nothing is kept, the next call runs again) and `decode` reads it back.
    A caller that finds the lease held waits (polling the store) for the finished record, at most
    `wait` seconds: StillRunning past that. StoreUnavailable when the store cannot be asked.
    """

    def __init__(self, store: Store, *, lease: float, encode: Callable[[T], bytes | None],
                 decode: Callable[[bytes], T], on_store_error: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.lease = lease
        self._encode = encode
        self._decode = decode
        self._on_store_error = on_store_error or (lambda _op: None)
        self._local: SingleFlight[tuple[T, bool]] = SingleFlight()

    async def run(self, scope: str, fingerprint: str, work: Callable[[], Awaitable[T]], *, retention: float,
                  wait: float, any_done: bool) -> tuple[T, bool]:
        """The result, and whether it came from another caller's run (stored or joined).

        `any_done`: a finished record with another fingerprint is a conflict (IdempotencyKeyReused)
        rather than an older run to ignore; so is a running one with another fingerprint."""
        (result, shared), joined = await self._local.run(
            (scope, fingerprint), lambda: self._coordinated(scope, fingerprint, work, retention, wait, any_done))
        return result, shared or joined

    async def _coordinated(self, scope: str, fingerprint: str, work: Callable[[], Awaitable[T]],
                           retention: float, wait: float, any_done: bool) -> tuple[T, bool]:
        deadline = time.monotonic() + wait
        while True:
            claim = await self.store.claim(scope, fingerprint, self.lease, any_done=any_done)
            if claim.state == "done":
                if not claim.same:
                    raise IdempotencyKeyReused(scope)
                assert claim.value is not None
                return self._decode(claim.value), True
            if claim.state == "claimed":
                assert claim.token is not None
                return await self._run_claimed(scope, fingerprint, claim.token, work, retention), False
            if any_done and not claim.same:
                raise IdempotencyKeyReused(scope)
            left = deadline - time.monotonic()
            if left <= 0:
                raise StillRunning(scope)
            await self.store.changed(scope, left)

    async def _run_claimed(self, scope: str, fingerprint: str, token: str, work: Callable[[], Awaitable[T]],
                           retention: float) -> T:
        renewing = asyncio.ensure_future(self._renew(scope, token))
        value: bytes | None = None
        try:
            result = await work()
            value = self._encode(result)
            return result
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            try:
                await self.store.complete(scope, token, fingerprint, value, retention)
            except StoreUnavailable:  # the lease runs out by itself; the caller still gets its result
                self._on_store_error("complete")

    async def _renew(self, scope: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                if not await self.store.renew(scope, token, self.lease):
                    return  # lost (a stall longer than the lease): completing will not overwrite another run
            except StoreUnavailable:
                self._on_store_error("renew")
