"""Lanes: threads that own engine contexts, so script execution never blocks the event loop.

A QuickJS context must stay on the thread that created it, so a job's context is pinned to one lane
for its whole life; a lane holds many pinned contexts (a job waiting on its upstream uses no
thread). A new job goes to a lane that is not running anything right now, the least loaded one. When
every lane is busy, lanes are started freely up to `busy_lanes`; past that, what the lanes are busy
with decides: while some lane is only running a short call (a normal job's step takes a millisecond
or two), the job queues on the least loaded such lane; only when every lane has been running one
call for longer than `STUCK_SECONDS` (a spinning script) is another lane started, up to `max_lanes`.
So a spinning script keeps its own lane busy and new jobs go around it, while a burst of a thousand
short jobs shares `busy_lanes` threads instead of starting one each (measured at 1000 jobs in flight
through the service, 500 lanes per worker cost QuickJS +25% CPU and V8 ~270 KB of RSS per job over
16 lanes; on a few cores more threads only add switching). Jobs already pinned to a stuck lane wait
for it between their steps, at most until its time limit ends it: the more lanes, the fewer such
jobs. Both engines release the GIL while running JavaScript.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# QuickJS recursion needs a deeper C stack than musl/thread defaults give.
_LANE_STACK_BYTES = 16 * 1024 * 1024
_stack_lock = threading.Lock()
DEFAULT_MAX_LANES = 8 * (os.cpu_count() or 1)
# Lanes started freely when all are busy; past this many, a new lane only goes around stuck ones.
# (4 or 16 per worker measured the same at 1000 jobs; 16 puts fewer jobs behind a spinner.)
DEFAULT_BUSY_LANES = 8 * (os.cpu_count() or 1)
# A call running longer than this is a long script (a spinner, until its time limit), not a step.
STUCK_SECONDS = 0.05


class Lane:
    """One thread; every call submitted to it runs there, in order."""

    def __init__(self) -> None:
        self.pinned = 0   # contexts (jobs) living on this lane
        self.running = 0  # calls submitted through `run` and not finished
        self._call_started: float | None = None  # when the call on the thread now began (None: idle)
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
            return await asyncio.wrap_future(self._submit(fn, *args))
        finally:
            self.running -= 1

    def submit(self, fn: Callable[..., object], *args: object) -> None:
        """Queue `fn(*args)` on this lane without waiting for it."""
        self._submit(fn, *args)

    def stuck(self, now: float | None = None) -> bool:
        """Whether the call running on the thread has been running for longer than STUCK_SECONDS."""
        started = self._call_started
        return started is not None and (now if now is not None else time.monotonic()) - started > STUCK_SECONDS

    def _submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        return self._executor.submit(self._timed, fn, *args)

    def _timed(self, fn: Callable[..., T], *args: object) -> T:
        self._call_started = time.monotonic()
        try:
            return fn(*args)
        finally:
            self._call_started = None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)


class LanePool:
    """Hands out lanes: an idle one with the fewest pinned jobs; else a new one while there are fewer
    than `busy_lanes`; else the least loaded lane that is not stuck; else (every lane stuck) a new
    one, up to `max_lanes`."""

    def __init__(self, max_lanes: int = DEFAULT_MAX_LANES, busy_lanes: int = DEFAULT_BUSY_LANES) -> None:
        self._lanes: list[Lane] = []
        self._max_lanes = max(1, max_lanes)
        self._busy_lanes = max(1, min(busy_lanes, self._max_lanes))

    @property
    def size(self) -> int:
        """Lanes (threads) started so far."""
        return len(self._lanes)

    def acquire(self) -> Lane:
        """A lane for one more job (pinned until `release`)."""
        idle = [lane for lane in self._lanes if lane.running == 0]
        if idle:
            lane = min(idle, key=lambda candidate: candidate.pinned)
        elif len(self._lanes) < self._busy_lanes:
            lane = self._start()
        else:
            now = time.monotonic()
            moving = [lane for lane in self._lanes if not lane.stuck(now)]
            if moving:
                lane = min(moving, key=lambda candidate: (candidate.running, candidate.pinned))
            elif len(self._lanes) < self._max_lanes:
                lane = self._start()
            else:
                lane = min(self._lanes, key=lambda candidate: (candidate.running, candidate.pinned))
        lane.pinned += 1
        return lane

    def _start(self) -> Lane:
        lane = Lane()
        self._lanes.append(lane)
        return lane

    def release(self, lane: Lane) -> None:
        lane.pinned -= 1

    def close(self) -> None:
        for lane in self._lanes:
            lane.shutdown()
        self._lanes.clear()
