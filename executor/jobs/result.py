"""The job result object (docs/contract.md §2), the same for the CLI, the service and replay: a
frozen value built once, when the job ends.

May import: executor.errors, executor.secrets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from executor.errors import MAX_ERROR_DETAIL, MAX_ERROR_MESSAGE, ExecutorError, clip_strings, clip_text
from executor.secrets import Secrets

Status = Literal["succeeded", "failed"]


@dataclass(frozen=True)
class JobError:
    """The `error` member: a stable code, a message safe to show the caller, optional details."""

    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: ExecutorError, secrets: Secrets | None = None) -> JobError:
        """`exc` as the caller sees it: redacted first, then bounded (a cut made before would leave the
        start of a secret in place)."""
        secrets = secrets or Secrets()
        return cls(exc.code, clip_text(secrets.redact(exc.message), MAX_ERROR_MESSAGE),
                   clip_strings(secrets.redact_value(exc.details), MAX_ERROR_DETAIL))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = dict(self.details)
        return out


@dataclass(frozen=True)
class JobResult:
    """status, output, credentials, error, logs, requests, warnings: serialised by `to_dict`."""

    status: Status
    output: Any = None
    credentials: Mapping[str, Any] | None = None
    error: JobError | None = None
    logs: Sequence[Mapping[str, str]] = ()
    requests: Sequence[Mapping[str, Any]] = ()
    warnings: Sequence[str] = ()  # mistakes the job ran despite (near-miss input keys...)

    @classmethod
    def failed(cls, exc: ExecutorError, secrets: Secrets | None = None) -> JobResult:
        """A job that failed before it ran anything (no logs, no requests)."""
        return cls("failed", error=JobError.of(exc, secrets))

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.succeeded:
            out["output"] = self.output
        if self.credentials is not None:
            out["credentials"] = dict(self.credentials)
        if self.error is not None:
            out["error"] = self.error.to_dict()
        out["logs"] = list(self.logs)
        out["requests"] = list(self.requests)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out
