"""JobContext: everything one job owns (engine choice, I/O edge, trace, secrets, deadline) and the
one place that calls a method implementation, JavaScript or mapping.

May import: executor.connector, executor.errors, executor.secrets, executor.transport.edge,
executor.jobs.input, executor.jobs.auth_type, js_runtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from executor.connector import AuthSpec, Connector, MethodImpl
from executor.errors import JobTimeout
from executor.jobs.auth_type import AuthType
from executor.jobs.input import JobInput
from executor.secrets import Secrets, credential_values, declared_public
from executor.transport.edge import JobEdge
from js_runtime.crypto_service import crypto_service
from js_runtime.engine import EngineKind
from js_runtime.lanes import LanePool
from js_runtime.limits import Limits
from js_runtime.session import ContextObject, MethodCall, Service, Trace, run_method


@dataclass
class JobContext:
    """Per-job state. `credentials` changes as the job refreshes or creates them."""

    connector: Connector
    auth: AuthSpec
    auth_type: AuthType  # the row of executor.jobs.auth_types for auth.type
    input: JobInput
    engine: EngineKind
    limits: Limits
    edge: JobEdge
    secrets: Secrets
    deadline: float
    lanes: LanePool | None = None
    trace: Trace = field(default_factory=Trace)
    credentials: dict[str, Any] | None = None
    credentials_changed: bool = False

    def _learn_secrets(self, values: list[str]) -> None:
        self.secrets = self.secrets.with_values(values)

    def all_secrets(self) -> Secrets:
        """The job's secrets, including those learned from its traffic so far (read only now: most
        jobs redact nothing)."""
        self.secrets = self.secrets.with_values(self.edge.learned_secrets())
        return self.secrets

    def public_values(self) -> frozenset[str]:
        """Parameter values the connector's schemas declare as not secret (see secrets.declared_public)."""
        return (declared_public(self.input.connection_parameters, self.auth.ui_schema)
                | declared_public(self.input.connector_parameters, self.connector.parameters_schema))

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
        self.secrets = self.secrets.with_values(credential_values(new, self.public_values()))
        return base

    async def call(self, impl: MethodImpl, context: dict[str, Any],
                   services: Mapping[str, Service] | None = None, objects: tuple[ContextObject, ...] = ()) -> Any:
        """Run one implementation with `context` (plus `objects` made in the engine) and return its JSON output."""
        if impl.kind == "not-supported":  # never a documented default in its place
            from executor.errors import MethodNotImplemented

            reason = f": {impl.reason}" if impl.reason else ""
            raise MethodNotImplemented(f"the connector marks {impl.name} as not supported{reason}")
        if impl.kind == "mapping":
            assert impl.mapping is not None
            return impl.mapping.evaluate(context)
        assert impl.module is not None
        # Keys a script imports through crypto.subtle become secrets of the job (the caller's own
        # services win: a test may pass its own crypto service).
        services = {"crypto": crypto_service(self._learn_secrets), **(services or {})}
        call = MethodCall(impl.module, impl.name, context, services, objects)
        return await run_method(call, engine=self.engine, send=self.edge.send,
                                limits=self.limits.with_timeout(self.remaining()),
                                trace=self.trace, lanes=self.lanes)

