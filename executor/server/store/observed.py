"""A store wrapped with what the service watches: each operation's latency and failure, and whether
the store answers now (`available`, for /readyz; a failure marks it down, any success marks it up)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from executor.server.store import Claim, Store, StoreUnavailable

T = TypeVar("T")
Observer = Callable[[str, float, bool], None]  # operation, seconds, succeeded


class ObservedStore(Store):
    """Delegates to `inner`, reporting every operation to `observe`."""

    def __init__(self, inner: Store, observe: Observer) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.available = True
        self._observe = observe

    async def _timed(self, operation: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            result = await call
        except StoreUnavailable:
            self.available = False
            self._observe(operation, time.perf_counter() - started, False)
            raise
        self.available = True
        self._observe(operation, time.perf_counter() - started, True)
        return result

    async def claim(self, scope: str, fingerprint: str, lease: float, *, any_done: bool) -> Claim:
        return await self._timed("claim", self.inner.claim(scope, fingerprint, lease, any_done=any_done))

    async def renew(self, scope: str, token: str, lease: float) -> bool:
        return await self._timed("renew", self.inner.renew(scope, token, lease))

    async def complete(self, scope: str, token: str, fingerprint: str, value: bytes | None,
                       retention: float) -> bool:
        return await self._timed("complete", self.inner.complete(scope, token, fingerprint, value, retention))

    async def changed(self, scope: str, timeout: float) -> None:
        await self.inner.changed(scope, timeout)

    async def ping(self) -> None:
        await self._timed("ping", self.inner.ping())

    async def close(self) -> None:
        await self.inner.close()
