"""Running one job: a documented method or a flow (`connect`, `authorize`) for one connector.

    input.py     the job's input, parsed and validated at the edge
    context.py   JobContext: the per-job engine, transport, trace and secrets; calls implementations
    methods.py   each documented method with its documented default
    connect.py   the `connect` and `authorize` flows
    result.py    the job result object of the contract
    dispatch.py  `run_job`: dispatch, error capture, result assembly
"""

from executor.jobs.dispatch import Job, run_job
from executor.jobs.input import JobInput

__all__ = ["Job", "JobInput", "run_job"]
