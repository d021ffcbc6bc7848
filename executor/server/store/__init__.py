"""The state replicas share: one small interface (`Store`) with an in-memory and a Redis implementation.

What lives in a store, per *scope* (an idempotency key, a connection): at most one running lease
(an owner token, the run's fingerprint, a bounded lifetime its owner renews) and at most one finished
record (the fingerprint and an opaque value, kept for a retention time). `claim` is atomic: it
answers the finished record, or the running lease, or takes the lease. Nothing here knows what a job
is; executor.server.idempotency builds once-only execution on it. May import: the standard library;
the Redis implementation (imported only when a redis:// store is asked for) imports redis-py and
cryptography.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

MIN_STORE_KEY_CHARS = 32


class StoreUnavailable(Exception):
    """The store cannot be reached or answered with an error; coordinated jobs must not run."""


@dataclass(frozen=True)
class Claim:
    """What `claim` found: the lease is ours (`token`), another run holds it, or a finished record."""

    state: Literal["claimed", "running", "done"]
    same: bool = True  # running/done: whether that run's fingerprint is the caller's
    value: bytes | None = None  # done: the stored value
    token: str | None = None  # claimed: the owner token for renew/complete


class Store(ABC):
    """Leases and finished records by scope, shared by every replica that opens the same store."""

    kind = "abstract"

    @abstractmethod
    async def claim(self, scope: str, fingerprint: str, lease: float, *, any_done: bool) -> Claim:
        """Take the scope's lease for `lease` seconds unless a run holds it or a finished record answers.

        A finished record answers when its fingerprint is the caller's, or whatever it is when
        `any_done` (an idempotency key names one request); otherwise it is ignored (and replaced when
        this run completes)."""

    @abstractmethod
    async def renew(self, scope: str, token: str, lease: float) -> bool:
        """Extend our lease; False when it is no longer ours."""

    @abstractmethod
    async def complete(self, scope: str, token: str, fingerprint: str, value: bytes | None,
                       retention: float) -> bool:
        """Release our lease and, unless `value` is None, keep it as the finished record for `retention` s.

        False (nothing written) when another run holds the lease now."""

    @abstractmethod
    async def changed(self, scope: str, timeout: float) -> None:
        """Wait until the scope may have changed, at most `timeout` seconds (a poll interval, for Redis)."""

    @abstractmethod
    async def ping(self) -> None:
        """StoreUnavailable unless the store answers."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""


def check_store_settings(url: str | None, key: str | None) -> str:
    """"memory" or "redis" for the store `url` names; ValueError for an unknown scheme, or a Redis
    store without a `key` of MIN_STORE_KEY_CHARS or more (its stored outcomes are sealed with it)."""
    if url is None or url in ("", "memory", "memory://"):
        return "memory"
    if url.startswith(("redis://", "rediss://", "unix://")):
        if key is None or len(key) < MIN_STORE_KEY_CHARS:
            raise ValueError(f"a Redis store needs CONNECTOR_EXECUTOR_STORE_KEY: a secret of at least "
                             f"{MIN_STORE_KEY_CHARS} characters shared by the replicas (stored outcomes "
                             f"are encrypted with it)")
        return "redis"
    raise ValueError(f"unknown store {url.split(':', 1)[0]!r}: use memory or redis://HOST:PORT/DB")


def open_store(url: str | None, *, key: str | None, max_entries: int) -> Store:
    """The store named by `url`: None or "memory" is this process's memory, redis:// or rediss:// is Redis."""
    if check_store_settings(url, key) == "memory":
        from executor.server.store.memory import MemoryStore

        return MemoryStore(max_entries=max_entries)
    from executor.server.store.redis_store import RedisStore

    assert url is not None and key is not None
    return RedisStore(url, key)
