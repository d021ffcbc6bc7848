"""Lanes: threads that own engine contexts, so script execution never blocks the event loop.

A job holds one lane for its whole life because a QuickJS context must stay on the thread that
created it. Idle lanes are reused; both engines release the GIL while running JavaScript.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# QuickJS recursion needs a deeper C stack than musl/thread defaults give.
_LANE_STACK_BYTES = 16 * 1024 * 1024
_stack_lock = threading.Lock()


class Lane:
    """One thread; every call submitted to it runs there, in order."""

    def __init__(self) -> None:
        with _stack_lock:
            previous = threading.stack_size(_LANE_STACK_BYTES)
            try:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="js-lane")
                self._executor.submit(lambda: None).result()  # spawn now, with the big stack
            finally:
                threading.stack_size(previous)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn(*args)` on this lane's thread and await its result."""
        return await asyncio.wrap_future(self._executor.submit(fn, *args))

    def submit(self, fn: Callable[..., object], *args: object) -> None:
        """Queue `fn(*args)` on this lane without waiting for it."""
        self._executor.submit(fn, *args)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)


class LanePool:
    """Hands out idle lanes, creating one when none is idle."""

    def __init__(self, max_idle: int = 64) -> None:
        self._idle: list[Lane] = []
        self._max_idle = max_idle

    def acquire(self) -> Lane:
        return self._idle.pop() if self._idle else Lane()

    def release(self, lane: Lane) -> None:
        if len(self._idle) < self._max_idle:
            self._idle.append(lane)
        else:
            lane.shutdown()

    def close(self) -> None:
        for lane in self._idle:
            lane.shutdown()
        self._idle.clear()
