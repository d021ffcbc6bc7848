"""The job's one wire form on the worker pipe: built by the front-end from what it parsed, read by
the worker as it is (no second parse, validation or secret scan).

    {"connector": {"key"} | {"files"}, "method", "input": <JobInput.to_wire()>, "engine",
     "authOption", "timeoutMs", "secrets": [...]}        (the supervisor adds "id")

May import: executor.jobs.input, executor.secrets, js_runtime.engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from executor.jobs.input import JobInput
from executor.secrets import Secrets
from js_runtime.engine import EngineKind


@dataclass(frozen=True)
class JobMessage:
    """A job as the front-end sends it to a worker: the connector by reference, the rest parsed."""

    connector: Mapping[str, Any]  # {"key": k} for a loaded connector, {"files": {path: text}} inline
    method: str
    input: JobInput
    engine: EngineKind
    auth_option: str | None
    timeout_ms: int
    secrets: Secrets

    def to_wire(self) -> dict[str, Any]:
        return {"connector": self.connector, "method": self.method, "input": self.input.to_wire(),
                "engine": self.engine, "authOption": self.auth_option, "timeoutMs": self.timeout_ms,
                "secrets": list(self.secrets.values)}

    @classmethod
    def from_wire(cls, message: Mapping[str, Any]) -> JobMessage:
        """Trusted: the front-end built `message` with to_wire from values it had validated."""
        return cls(connector=message["connector"], method=message["method"],
                   input=JobInput.from_wire(message["input"]), engine=message["engine"],
                   auth_option=message["authOption"], timeout_ms=message["timeoutMs"],
                   secrets=Secrets(tuple(message["secrets"])))
