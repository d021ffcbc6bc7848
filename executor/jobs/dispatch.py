"""`run_job`: the single entry point that runs one job and always returns a job result.

May import: everything else in executor.jobs (the auth-type table too), executor.connector,
executor.errors, executor.transport.edge, js_runtime.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

from executor.connector import METHOD_NAMES
from executor.errors import ExecutorError, InvalidInput, JobTimeout, MethodNotImplemented
from executor.jobs import connect, methods
from executor.jobs.auth_type import MethodHandler
from executor.jobs.auth_types import auth_type
from executor.jobs.context import JobContext
from executor.jobs.input import near_miss_keys
from executor.jobs.request import JobRequest
from executor.jobs.result import JobError, JobResult
from executor.limits import LIMITS
from executor.transport.edge import JobEdge, Recorder
from js_runtime.engine import STOP_GRACE_SECONDS
from js_runtime.http import Send
from js_runtime.lanes import LanePool

log = logging.getLogger(__name__)

# Method names docs/contract.md §3 accepts, with what runs them.
DISPATCH: dict[str, MethodHandler] = {
    "getCredentialsFromConnectionParameters": methods.get_credentials_from_connection_parameters,
    "makeApiClient": methods.make_api_client,
    "test": methods.test,
    "refreshCredentials": methods.refresh_credentials,
    "disconnect": methods.disconnect,
    "connect": connect.connect,
    "authorize": connect.authorize,
}


async def run_job(job: JobRequest, *, send: Send, lanes: LanePool | None = None,
                  recorder: Recorder | None = None) -> JobResult:
    """Run `job` to a result; never raises for anything the job itself did wrong.

    Every request of the job goes through one JobEdge around `send` (request cap, trace, secrets
    learned from traffic, and `recorder` when given)."""
    ctx: JobContext | None = None
    warnings = job_warnings(job)
    try:
        ctx = _context(job, JobEdge(send, max_requests=job.limits.max_requests, recorder=recorder,
                                       max_url_chars=job.limits.max_summary_url_chars), lanes)
        # A backstop past the session's own bounds (the limit, then the engine's stop grace and V8's
        # drain): cancelling a stuck engine call from here would leave its lane stuck, not abandoned.
        backstop = job.limits.timeout + 2 * STOP_GRACE_SECONDS + LIMITS.job_timeout_grace
        async with asyncio.timeout(backstop):  # no extra task, unlike wait_for
            output = await _dispatch(ctx, job.method)
        return _finish(ctx, output, None, warnings)
    except ExecutorError as exc:
        error = exc
    except TimeoutError:
        error = JobTimeout("the job exceeded its time limit")
    except Exception as exc:  # a bug of ours: the caller gets no details, the log gets them redacted
        secrets = ctx.all_secrets() if ctx is not None else job.secrets
        trace = secrets.redact("".join(traceback.format_exception(exc)))
        log.error("internal error in job %s of %s\n%s", job.method, job.connector.key, trace)
        error = ExecutorError("internal error while running the job")
    if ctx is not None:
        return _finish(ctx, None, error, warnings)
    return JobResult("failed", error=JobError.of(error, job.secrets), warnings=warnings)


def job_warnings(job: JobRequest) -> tuple[str, ...]:
    """Mistakes a job runs despite: near-miss input keys, a connector with auth options run without one."""
    warnings = near_miss_keys(dict(job.input.extra))
    if job.auth_option is None and job.connector.auth.options:
        warnings.append(f"{job.connector.key} has auth options ({', '.join(job.connector.auth.options)}) and none "
                        "was chosen, so the top-level auth runs; choose one with --auth-option KEY (authOption)")
    return tuple(warnings)


def _context(job: JobRequest, edge: JobEdge, lanes: LanePool | None) -> JobContext:
    auth = job.connector.auth_for(job.auth_option, job.input.connector_parameters)
    deadline = asyncio.get_running_loop().time() + job.limits.timeout
    credentials = dict(job.input.credentials) if job.input.credentials is not None else None
    return JobContext(connector=job.connector, auth=auth, auth_type=auth_type(auth.type), input=job.input,
                      engine=job.engine, limits=job.limits, edge=edge, secrets=job.secrets, deadline=deadline,
                      lanes=lanes, credentials=credentials)


async def _dispatch(ctx: JobContext, method: str) -> Any:
    handler = DISPATCH.get(method) or ctx.auth_type.methods.get(method)
    if handler is not None:
        return await handler(ctx)
    if ctx.auth.method(method) is not None:
        return await methods.call_implemented(ctx, method)
    if method in METHOD_NAMES:
        raise MethodNotImplemented(f"the connector does not implement {method}")
    raise InvalidInput(f"unknown method '{method}'")


def _finish(ctx: JobContext, output: Any, error: ExecutorError | None, warnings: tuple[str, ...]) -> JobResult:
    """The job's one result: its output or its error (redacted with every secret the job learnt)."""
    credentials = ctx.credentials if ctx.credentials_changed else None
    if error is None:
        return JobResult("succeeded", output=output, credentials=credentials,
                         logs=ctx.trace.logs, requests=ctx.edge.requests, warnings=warnings)
    return JobResult("failed", credentials=credentials, error=JobError.of(error, ctx.all_secrets()),
                     logs=ctx.trace.logs, requests=ctx.edge.requests, warnings=warnings)
