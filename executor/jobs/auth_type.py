"""AuthType: what the job layer runs for one auth type beyond the connector's own methods.

A frozen value per auth type (its connect and authorize flows, its standard refresh, the signer of
its apiClient requests, the extra methods it answers); the table of them is executor.jobs.auth_types.
May import: executor.jobs.context (for types only), js_runtime.session (for types only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from executor.jobs.context import JobContext
    from js_runtime.session import Service

# Runs one method (or flow) of a job and returns its output.
MethodHandler = Callable[["JobContext"], Awaitable[Any]]
# Builds, for one job, the service that signs each apiClient request.
SignerFactory = Callable[["JobContext"], Awaitable["Service"]]


@dataclass(frozen=True)
class AuthType:
    """One auth type. A flow left None has its documented default: `connect` with the connection
    parameters, `authorize` not available, no standard refresh, unsigned apiClient requests."""

    name: str
    connect: MethodHandler | None = None
    authorize: MethodHandler | None = None
    standard_refresh: MethodHandler | None = None
    request_signer: SignerFactory | None = None
    methods: Mapping[str, MethodHandler] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "methods", MappingProxyType(dict(self.methods)))
