"""The job result object (docs/contract.md §2), the same for the CLI, the service and replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from executor.errors import ExecutorError


@dataclass
class JobResult:
    """status, output, credentials, error, logs, requests, warnings — serialised by `to_dict`."""

    status: str
    output: Any = None
    credentials: dict[str, Any] | None = None
    error: ExecutorError | None = None
    logs: list[dict[str, str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # mistakes the job ran despite (near-miss input keys...)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.succeeded:
            out["output"] = self.output
        if self.credentials is not None:
            out["credentials"] = self.credentials
        if self.error is not None:
            out["error"] = self.error.to_dict()
        out["logs"] = self.logs
        out["requests"] = self.requests
        if self.warnings:
            out["warnings"] = self.warnings
        return out
