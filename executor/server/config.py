"""The service's settings: one frozen value built from `serve`'s arguments and the environment.

Defaults fit I/O-bound work (auth jobs mostly wait on the network): a worker holds thousands of jobs
in flight, engine threads (the CPU-bound part) are bounded per worker by `lanes`, and admission is
bounded by a memory budget for the service's whole process tree (`memory_budget_mb`), past which the
answer is 429.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from executor.server.store import Store, check_store_settings, open_store
from js_runtime.engine import EngineKind
from js_runtime.limits import DEFAULT_LIMITS

ENV_TOKEN = "CONNECTOR_EXECUTOR_TOKEN"
ENV_STORE = "CONNECTOR_EXECUTOR_STORE"
ENV_STORE_KEY = "CONNECTOR_EXECUTOR_STORE_KEY"
# Settings `serve` has no flag for; a flag of the same name (dashes for underscores) wins if cli.py adds one.
ENV_SETTINGS = {
    "shutdown_grace": ("CONNECTOR_EXECUTOR_SHUTDOWN_GRACE", float),
    "queue_size": ("CONNECTOR_EXECUTOR_QUEUE_SIZE", int),
    "jobs_per_worker": ("CONNECTOR_EXECUTOR_JOBS_PER_WORKER", int),
    "max_body_bytes": ("CONNECTOR_EXECUTOR_MAX_BODY_BYTES", int),
    "max_timeout_ms": ("CONNECTOR_EXECUTOR_MAX_TIMEOUT_MS", int),
    "idempotency_ttl": ("CONNECTOR_EXECUTOR_IDEMPOTENCY_TTL", float),
    "idempotency_max_entries": ("CONNECTOR_EXECUTOR_IDEMPOTENCY_MAX_ENTRIES", int),
    "lanes": ("CONNECTOR_EXECUTOR_LANES", int),
    "memory_budget_mb": ("CONNECTOR_EXECUTOR_MEMORY_BUDGET_MB", int),
    "lease_seconds": ("CONNECTOR_EXECUTOR_LEASE_SECONDS", float),
    "refresh_retention": ("CONNECTOR_EXECUTOR_REFRESH_RETENTION", float),
    "header_timeout": ("CONNECTOR_EXECUTOR_HEADER_TIMEOUT", float),
    "body_timeout": ("CONNECTOR_EXECUTOR_BODY_TIMEOUT", float),
    "idle_timeout": ("CONNECTOR_EXECUTOR_IDLE_TIMEOUT", float),
    "max_connections": ("CONNECTOR_EXECUTOR_MAX_CONNECTIONS", int),
}


def default_connectors_dir() -> Path | None:
    """The repository's example connectors (fixtures/connectors), or None when not shipped."""
    path = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"
    return path if path.is_dir() else None


@dataclass(frozen=True)
class ServerConfig:
    """Everything the front-end and its workers run with. Times in seconds unless named `_ms`."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    engine: EngineKind = "quickjs"
    connectors_dir: Path | None = None
    reload: bool = False  # read connectors_dir again on every job (serve --reload)
    allow_hosts: tuple[str, ...] = ()
    token: str | None = None
    # Jobs in flight per worker and waiting for a slot: a job waiting on its upstream holds no engine
    # thread and ~0.4 MB (measured at 1,000 in flight), so these are far from the real bound, the budget.
    jobs_per_worker: int = 2048
    queue_size: int = 1024
    lanes: int = 16  # engine threads per worker: what bounds CPU-bound script work
    memory_budget_mb: int = 1024  # the process tree's RSS past which new jobs get 429
    max_body_bytes: int = 2 * 1024 * 1024
    default_timeout_ms: int = int(DEFAULT_LIMITS.timeout * 1000)
    max_timeout_ms: int = 60_000
    idempotency_ttl: float = 600.0
    idempotency_max_entries: int = 10_000
    shutdown_grace: float = 30.0  # the default job timeout: a job started just before SIGTERM can finish
    worker_start_timeout: float = 30.0
    store: str | None = None  # None: memory; redis://HOST:PORT/DB
    store_key: str | None = None
    lease_seconds: float = 10.0
    refresh_retention: float = 300.0  # how long a successful refresh's outcome answers a retry
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 75.0
    max_connections: int = 4096

    def timeout_ms(self, requested: int | float | None) -> int:
        """The job's time budget: what the caller asked for, capped by the server maximum."""
        if requested is None:
            return min(self.default_timeout_ms, self.max_timeout_ms)
        return max(1, min(int(requested), self.max_timeout_ms))

    @classmethod
    def from_args(cls, args: Any, environ: Mapping[str, str] | None = None) -> ServerConfig:
        """Settings from `serve`'s parsed arguments, the token and tuning knobs from `environ`."""
        env = os.environ if environ is None else environ
        connectors = getattr(args, "connectors", None)
        values: dict[str, Any] = {
            "host": args.host,
            "port": args.port,
            "workers": max(1, int(args.workers or 1)),
            "engine": args.engine,
            "connectors_dir": connectors if connectors is not None else default_connectors_dir(),
            "reload": bool(getattr(args, "reload", False)),
            "allow_hosts": tuple(args.allow_host or ()),
            "token": env.get(ENV_TOKEN) or None,
            "store": getattr(args, "store", None) or env.get(ENV_STORE) or None,
            "store_key": env.get(ENV_STORE_KEY) or None,
        }
        for name, (variable, kind) in ENV_SETTINGS.items():
            flag = getattr(args, name, None)
            if flag is not None:
                values[name] = kind(flag)
            elif env.get(variable):
                try:
                    values[name] = kind(env[variable])
                except ValueError:
                    raise ValueError(f"{variable}: not a valid {kind.__name__}: {env[variable]!r}") from None
        config = cls(**values)
        check_store_settings(config.store, config.store_key)  # ValueError: serve refuses to start
        return config

    def open_store(self) -> Store:
        """The configured store."""
        return open_store(self.store, key=self.store_key, max_entries=self.idempotency_max_entries)
