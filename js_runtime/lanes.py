"""Lanes: threads that own engine contexts, so script execution never blocks the event loop.

A QuickJS context must stay on the thread that created it, so a job's context is pinned to one
lane for its whole life; a lane holds many pinned contexts (a job waiting on its upstream uses no
thread). A new job goes to a lane that is not running anything right now, the least loaded one;
only when every lane is busy is another one started, up to a cap. So a spinning script keeps its
own lane busy and new jobs go around it; jobs already pinned to that lane wait for it between their
steps, at most until its time limit ends it. Both engines release the GIL while running JavaScript.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# QuickJS recursion needs a deeper C stack than musl/thread defaults give.
_LANE_STACK_BYTES = 16 * 1024 * 1024
_stack_lock = threading.Lock()
DEFAULT_MAX_LANES = 8 * (os.cpu_count() or 1)


class Lane:
    """One thread; every call submitted to it runs there, in order."""

    def __init__(self) -> None:
        self.pinned = 0   # contexts (jobs) living on this lane
        self.running = 0  # calls submitted through `run` and not finished
        with _stack_lock:
            previous = threading.stack_size(_LANE_STACK_BYTES)
            try:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="js-lane")
                self._executor.submit(lambda: None).result()  # spawn now, with the big stack
            finally:
                threading.stack_size(previous)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn(*args)` on this lane's thread and await its result."""
        self.running += 1
        try:
            return await asyncio.wrap_future(self._executor.submit(fn, *args))
        finally:
            self.running -= 1

    def submit(self, fn: Callable[..., object], *args: object) -> None:
        """Queue `fn(*args)` on this lane without waiting for it."""
        self._executor.submit(fn, *args)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)


class LanePool:
    """Hands out lanes: an idle one with the fewest pinned jobs, else a new one, up to `max_lanes`."""

    def __init__(self, max_lanes: int = DEFAULT_MAX_LANES) -> None:
        self._lanes: list[Lane] = []
        self._max_lanes = max(1, max_lanes)

    def acquire(self) -> Lane:
        """A lane for one more job (pinned until `release`)."""
        idle = [lane for lane in self._lanes if lane.running == 0]
        if idle:
            lane = min(idle, key=lambda candidate: candidate.pinned)
        elif len(self._lanes) < self._max_lanes:
            lane = Lane()
            self._lanes.append(lane)
        else:
            lane = min(self._lanes, key=lambda candidate: (candidate.running, candidate.pinned))
        lane.pinned += 1
        return lane

    def release(self, lane: Lane) -> None:
        lane.pinned -= 1

    def close(self) -> None:
        for lane in self._lanes:
            lane.shutdown()
        self._lanes.clear()
