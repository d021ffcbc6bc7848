"""The service's settings: one frozen value built from `serve`'s arguments and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from js_runtime.engine import EngineKind
from js_runtime.limits import DEFAULT_LIMITS

ENV_TOKEN = "CONNECTOR_EXECUTOR_TOKEN"
# Settings `serve` has no flag for; a flag of the same name (dashes for underscores) wins if cli.py adds one.
ENV_SETTINGS = {
    "shutdown_grace": ("CONNECTOR_EXECUTOR_SHUTDOWN_GRACE", float),
    "queue_size": ("CONNECTOR_EXECUTOR_QUEUE_SIZE", int),
    "jobs_per_worker": ("CONNECTOR_EXECUTOR_JOBS_PER_WORKER", int),
    "max_body_bytes": ("CONNECTOR_EXECUTOR_MAX_BODY_BYTES", int),
    "max_timeout_ms": ("CONNECTOR_EXECUTOR_MAX_TIMEOUT_MS", int),
    "idempotency_ttl": ("CONNECTOR_EXECUTOR_IDEMPOTENCY_TTL", float),
    "idempotency_max_entries": ("CONNECTOR_EXECUTOR_IDEMPOTENCY_MAX_ENTRIES", int),
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
    jobs_per_worker: int = 8
    queue_size: int = 64
    max_body_bytes: int = 2 * 1024 * 1024
    default_timeout_ms: int = int(DEFAULT_LIMITS.timeout * 1000)
    max_timeout_ms: int = 60_000
    idempotency_ttl: float = 600.0
    idempotency_max_entries: int = 10_000
    shutdown_grace: float = 20.0
    worker_start_timeout: float = 30.0

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
        return cls(**values)
