"""JobRequest: one job, parsed and validated once at its edge (HTTP front-end, CLI, replay), frozen.

The job input's secrets are computed when the request is built, unless the edge already has them
(a worker gets them on the pipe with the job: see executor.jobs.wire). run_job reads them from here.
May import: executor.connector, executor.errors, executor.secrets, executor.jobs.input, js_runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from executor.connector import Connector
from executor.errors import InvalidInput
from executor.jobs.input import JobInput
from executor.secrets import Secrets
from js_runtime.engine import EngineKind
from js_runtime.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class JobRequest:
    """One request to run a method (or flow) of a connector."""

    connector: Connector
    method: str
    input: JobInput = field(default_factory=JobInput)
    engine: EngineKind = "quickjs"
    auth_option: str | None = None
    limits: Limits = DEFAULT_LIMITS
    secrets: Secrets = None  # type: ignore[assignment]  # None: computed from the input at construction

    def __post_init__(self) -> None:
        if self.secrets is None:
            object.__setattr__(self, "secrets", input_secrets(self.input, self.connector, self.auth_option))


def input_secrets(job_input: JobInput, connector: Connector | None, auth_option: str | None) -> Secrets:
    """Every value of the input that must never reach a log line, read with the connector's schemas
    (an unknown auth option is the job's error to report later: the top-level auth's schema is used)."""
    if connector is None:
        return job_input.secrets(connection_schema=None, connector_schema=None)
    try:
        auth = connector.auth_for(auth_option)  # its schemas whether or not it is enabled
    except InvalidInput:
        auth = connector.auth
    return job_input.secrets(connection_schema=auth.ui_schema, connector_schema=connector.parameters_schema,
                             credentials_schemas=(auth.custom_credentials_schema,))
