"""The embedded store: leases and finished records in this process's memory (one replica's worth)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from executor.server.store import Claim, Store


class MemoryStore(Store):
    """Finished records are kept at most `max_entries` (oldest dropped first) and until they expire."""

    kind = "memory"

    def __init__(self, *, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_entries = max(1, max_entries)
        self._clock = clock
        self._runs: dict[str, tuple[str, str, float]] = {}  # scope -> (token, fingerprint, expires)
        self._done: OrderedDict[str, tuple[str, bytes, float]] = OrderedDict()  # (fingerprint, value, expires)
        self._events: dict[str, asyncio.Event] = {}

    def __len__(self) -> int:
        return len(self._done)

    def _run(self, scope: str) -> tuple[str, str, float] | None:
        run = self._runs.get(scope)
        if run is not None and run[2] <= self._clock():
            del self._runs[scope]
            self._notify(scope)
            return None
        return run

    def _finished(self, scope: str) -> tuple[str, bytes, float] | None:
        done = self._done.get(scope)
        if done is not None and done[2] <= self._clock():
            del self._done[scope]
            return None
        return done

    async def claim(self, scope: str, fingerprint: str, lease: float, *, any_done: bool) -> Claim:
        done = self._finished(scope)
        if done is not None and (any_done or done[0] == fingerprint):
            return Claim("done", same=done[0] == fingerprint, value=done[1])
        run = self._run(scope)
        if run is not None:
            return Claim("running", same=run[1] == fingerprint)
        token = secrets.token_hex(16)
        self._runs[scope] = (token, fingerprint, self._clock() + lease)
        return Claim("claimed", token=token)

    async def renew(self, scope: str, token: str, lease: float) -> bool:
        run = self._run(scope)
        if run is None or run[0] != token:
            return False
        self._runs[scope] = (token, run[1], self._clock() + lease)
        return True

    async def complete(self, scope: str, token: str, fingerprint: str, value: bytes | None,
                       retention: float) -> bool:
        run = self._run(scope)
        if run is not None and run[0] != token:
            return False
        self._runs.pop(scope, None)
        if value is not None:
            self._done.pop(scope, None)
            self._done[scope] = (fingerprint, value, self._clock() + retention)
            self._evict()
        self._notify(scope)
        return True

    def _evict(self) -> None:
        now = self._clock()
        while self._done:
            scope, (_, _, expires) = next(iter(self._done.items()))
            if expires > now and len(self._done) <= self._max_entries:
                return
            del self._done[scope]

    def _notify(self, scope: str) -> None:
        event = self._events.pop(scope, None)
        if event is not None:
            event.set()

    async def changed(self, scope: str, timeout: float) -> None:
        event = self._events.get(scope)
        if event is None:
            event = self._events[scope] = asyncio.Event()
        run = self._runs.get(scope)
        if run is not None:  # wake up when the lease runs out, too
            timeout = max(0.0, min(timeout, run[2] - self._clock()))
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
