"""JobContext: everything one job owns (engine choice, transport, trace, secrets, deadline) and the
one place that calls a method implementation, JavaScript or mapping."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from executor.connector import AuthSpec, Connector, MethodImpl
from executor.errors import JobTimeout
from executor.jobs.input import JobInput
from executor.secrets import Secrets, secrets_in_body, strings_in
from js_runtime.engine import EngineKind
from js_runtime.http import HttpResponse, Send
from js_runtime.lanes import LanePool
from js_runtime.limits import Limits
from js_runtime.session import MethodCall, Service, Trace, run_method

_MAX_SCANNED_BODY = 64 * 1024


@dataclass
class JobContext:
    """Per-job state. `credentials` changes as the job refreshes or creates them."""

    connector: Connector
    auth: AuthSpec
    input: JobInput
    engine: EngineKind
    limits: Limits
    send: Send
    secrets: Secrets
    deadline: float
    lanes: LanePool | None = None
    trace: Trace = field(default_factory=Trace)
    credentials: dict[str, Any] | None = None
    credentials_changed: bool = False
    # Small response bodies the script received, scanned for tokens only when something is redacted.
    _seen_bodies: list[tuple[bytes, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.trace.on_response = self._keep_body

    def _keep_body(self, response: HttpResponse) -> None:
        # Token responses are small; large bodies are neither kept nor scanned.
        if len(response.body) <= _MAX_SCANNED_BODY:
            self._seen_bodies.append((response.body, response.header("content-type")))

    def all_secrets(self) -> Secrets:
        """The job's secrets, including tokens seen in the responses it received so far."""
        for body, content_type in self._seen_bodies:
            self.secrets = self.secrets.with_values(secrets_in_body(body, content_type))
        self._seen_bodies.clear()
        return self.secrets

    def remaining(self) -> float:
        """Seconds left in the job's wall-clock budget."""
        left = self.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise JobTimeout("the job exceeded its time limit")
        return left

    def context(self, **extra: Any) -> dict[str, Any]:
        """The method context: the input's documented keys, current credentials, then `extra`."""
        context = self.input.base_context()
        if self.credentials is not None:
            context["credentials"] = dict(self.credentials)
        context.update({k: v for k, v in extra.items() if v is not None})
        return context

    def update_credentials(self, new: dict[str, Any], *, merge: bool = True) -> dict[str, Any]:
        """Shallow-merge (or replace with) new credentials; their values become secrets."""
        base = dict(self.credentials or {}) if merge else {}
        base.update(new)
        self.credentials = base
        self.credentials_changed = True
        self.secrets = self.secrets.with_values(strings_in(new))
        return base

    async def call(self, impl: MethodImpl, context: dict[str, Any],
                   services: Mapping[str, Service] | None = None) -> Any:
        """Run one implementation with `context` and return its JSON output."""
        if impl.kind == "not-supported":  # never a documented default in its place
            from executor.errors import MethodNotImplemented

            reason = f": {impl.reason}" if impl.reason else ""
            raise MethodNotImplemented(f"the connector marks {impl.name} as not supported{reason}")
        if impl.kind == "mapping":
            assert impl.mapping is not None
            return impl.mapping.evaluate(context)
        assert impl.module is not None
        call = MethodCall(impl.module, impl.name, context, services or {})
        return await run_method(call, engine=self.engine, send=self.send,
                                limits=self.limits.with_timeout(self.remaining()),
                                trace=self.trace, lanes=self.lanes)

