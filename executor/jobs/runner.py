"""`run_job`: the single entry point that runs one job and always returns a job result."""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

from executor import oauth
from executor.connector import METHOD_NAMES, Connector
from executor.errors import (
    MAX_ERROR_DETAIL,
    MAX_ERROR_MESSAGE,
    ExecutorError,
    InvalidInput,
    JobTimeout,
    MethodNotImplemented,
    clip_strings,
    clip_text,
)
from executor.jobs import flows, methods
from executor.jobs.context import JobContext
from executor.jobs.input import JobInput, near_miss_keys
from executor.jobs.result import JobResult
from executor.transport.edge import JobEdge, Recorder
from js_runtime.engine import STOP_GRACE_SECONDS, EngineKind
from js_runtime.http import Send
from js_runtime.lanes import LanePool
from js_runtime.limits import DEFAULT_LIMITS, Limits

oauth.install()  # registers the OAuth flows and standard refreshes with flows/methods

log = logging.getLogger(__name__)

# Method names docs/contract.md §3 accepts, with what runs them.
DISPATCH: dict[str, methods.MethodRunner] = {
    "getCredentialsFromConnectionParameters": methods.get_credentials_from_connection_parameters,
    "makeApiClient": methods.make_api_client,
    "test": methods.test,
    "refreshCredentials": methods.refresh_credentials,
    "disconnect": methods.disconnect,
    "connect": flows.connect,
    "authorize": flows.authorize,
}


@dataclass(frozen=True)
class Job:
    """One request to run a method (or flow) of a connector."""

    connector: Connector
    method: str
    input: JobInput = field(default_factory=JobInput)
    engine: EngineKind = "quickjs"
    auth_option: str | None = None
    limits: Limits = DEFAULT_LIMITS


async def run_job(job: Job, *, send: Send, lanes: LanePool | None = None,
                  recorder: Recorder | None = None) -> JobResult:
    """Run `job` to a result; never raises for anything the job itself did wrong.

    Every request of the job goes through one JobEdge around `send` (request cap, trace, secrets
    learned from traffic, and `recorder` when given)."""
    ctx: JobContext | None = None
    try:
        ctx = _context(job, JobEdge(send, max_requests=job.limits.max_requests, recorder=recorder,
                                       max_url_chars=job.limits.max_summary_url_chars), lanes)
        # A backstop past the session's own bounds (the limit, then the engine's stop grace and V8's
        # drain): cancelling a stuck engine call from here would leave its lane stuck, not abandoned.
        async with asyncio.timeout(job.limits.timeout + 2 * STOP_GRACE_SECONDS + 1.0):  # no extra task
            output = await _dispatch(ctx, job.method)
        result = JobResult("succeeded", output=output)
    except ExecutorError as exc:
        result = JobResult("failed", error=exc)
    except TimeoutError:
        result = JobResult("failed", error=JobTimeout("the job exceeded its time limit"))
    except Exception as exc:  # a bug of ours: the caller gets no details, the log gets them redacted
        secrets = ctx.all_secrets() if ctx is not None else job.input.secrets(connection_schema=None,
                                                                              connector_schema=None)
        trace = secrets.redact("".join(traceback.format_exception(exc)))
        log.error("internal error in job %s of %s\n%s", job.method, job.connector.key, trace)
        result = JobResult("failed", error=ExecutorError("internal error while running the job"))
    if ctx is not None:
        _finish(result, ctx)
    result.warnings = job_warnings(job)
    return result


def job_warnings(job: Job) -> list[str]:
    """Mistakes a job runs despite: near-miss input keys, a connector with auth options run without one."""
    warnings = near_miss_keys(dict(job.input.extra))
    if job.auth_option is None and job.connector.auth.options:
        warnings.append(f"{job.connector.key} has auth options ({', '.join(job.connector.auth.options)}) and none "
                        "was chosen, so the top-level auth runs; choose one with --auth-option KEY (authOption)")
    return warnings


def _context(job: Job, edge: JobEdge, lanes: LanePool | None) -> JobContext:
    auth = job.connector.auth_for(job.auth_option, job.input.connector_parameters)
    secrets = job.input.secrets(connection_schema=auth.ui_schema, connector_schema=job.connector.parameters_schema,
                                credentials_schemas=(auth.custom_credentials_schema,))
    deadline = asyncio.get_running_loop().time() + job.limits.timeout
    credentials = dict(job.input.credentials) if job.input.credentials is not None else None
    return JobContext(connector=job.connector, auth=auth, input=job.input, engine=job.engine,
                      limits=job.limits, edge=edge, secrets=secrets, deadline=deadline,
                      lanes=lanes, credentials=credentials)


async def _dispatch(ctx: JobContext, method: str) -> Any:
    runner = DISPATCH.get(method) or flows.OAUTH_METHODS.get(method)
    if runner is not None:
        return await runner(ctx)
    if ctx.auth.method(method) is not None:
        return await methods.call_implemented(ctx, method)
    if method in METHOD_NAMES:
        raise MethodNotImplemented(f"the connector does not implement {method}")
    raise InvalidInput(f"unknown method '{method}'")


def _finish(result: JobResult, ctx: JobContext) -> None:
    result.logs = ctx.trace.logs
    result.requests = ctx.edge.requests
    if ctx.credentials_changed:
        result.credentials = ctx.credentials
    if result.error is not None:
        # Redacted first, then bounded: a cut made before would leave the start of a secret in place.
        secrets = ctx.all_secrets()
        result.error.message = clip_text(secrets.redact(result.error.message), MAX_ERROR_MESSAGE)
        result.error.details = clip_strings(secrets.redact_value(result.error.details), MAX_ERROR_DETAIL)
