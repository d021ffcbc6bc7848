"""The memory budget: new jobs are admitted while the RSS of the service's process tree (front-end and
workers) stays under `budget_bytes`; past it they get 429.

The RSS is sampled from /proc every `interval` seconds; between samples each admitted job counts
`job_cost_bytes` (a burst of a thousand arrives faster than a sample). Where /proc is missing the
budget admits everything (the job and queue bounds still apply).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# Measured: 1,000 jobs in flight, each waiting on its upstream, cost ~0.4 MB each (QuickJS and V8): a little over.
JOB_COST_BYTES = 512 * 1024


def rss_bytes(pid: int) -> int:
    """The resident set of `pid`, 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


class MemoryBudget:
    """Admission by the process tree's RSS; `pids()` names the workers (the front-end is this process)."""

    def __init__(self, budget_bytes: int, pids: Callable[[], Iterable[int | None]], *,
                 job_cost_bytes: int = JOB_COST_BYTES, interval: float = 0.2) -> None:
        self.budget_bytes = budget_bytes
        self._pids = pids
        self._job_cost = job_cost_bytes
        self._interval = interval
        self.sampled = 0
        self._since_sample = 0
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> int:
        """Read the tree's RSS now."""
        self.sampled = rss_bytes(os.getpid()) + sum(rss_bytes(pid) for pid in self._pids() if pid)
        self._since_sample = 0
        return self.sampled

    def admit(self) -> bool:
        """Whether one more job fits (and count it until the next sample)."""
        if self.sampled + (self._since_sample + 1) * self._job_cost > self.budget_bytes:
            return False
        self._since_sample += 1
        return True

    def start(self) -> None:
        """Sample in the background until `stop`."""
        self.sample()
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.sample()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
