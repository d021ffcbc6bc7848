"""Running one job: a documented method or a flow (`connect`, `authorize`) for one connector.

    input.py     the job's input, parsed and validated at the edge
    context.py   JobContext: the per-job engine, transport, trace and secrets; calls implementations
    methods.py   each documented method with its documented default
    flows.py     the `connect` and `authorize` flows
    result.py    the job result object of the contract (docs/contract.md)
    runner.py    `run_job`: dispatch, error capture, result assembly
"""

from executor.jobs.input import JobInput
from executor.jobs.runner import Job, run_job

__all__ = ["Job", "JobInput", "run_job"]
