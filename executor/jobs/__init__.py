"""Running one job: a documented method or a flow (`connect`, `authorize`) for one connector.

    input.py       the job's input, parsed and validated at the edge
    request.py     JobRequest: the frozen job an edge (HTTP, CLI, replay) builds, secrets computed once
    wire.py        JobMessage: the job's one wire form on the worker pipe
    context.py     JobContext: the per-job engine, I/O edge, trace and secrets; calls implementations
    methods.py     each documented method with its documented default
    api_client.py  the apiClient `test` is given: its shim unit (shims/api_client.js), made in the
                   engine as a context object (js_runtime.session.ContextObject)
    connect.py     the `connect` and `authorize` flows
    auth_type.py   AuthType: what one auth type adds (flows, standard refresh, signer, extra methods)
    auth_types.py  the table of auth types (names the handlers in executor.oauth.handlers)
    result.py      JobResult: the frozen job result object of the contract (docs/contract.md)
    dispatch.py    `run_job`: dispatch, error capture, result assembly

Layer: above executor.connector, executor.formulas, executor.transport, executor.secrets,
executor.errors and js_runtime; beside executor.oauth (whose handlers the table names). Below
executor.replay, executor.server and executor.cli. Never imports those.
"""

from executor.jobs.dispatch import run_job
from executor.jobs.input import JobInput
from executor.jobs.request import JobRequest
from executor.jobs.result import JobError, JobResult

__all__ = ["JobError", "JobInput", "JobRequest", "JobResult", "run_job"]
