"""Lanes: threads that own engine contexts, so script execution never blocks the event loop.

A QuickJS runtime must only be used by one thread at a time, so a job's context is pinned to one
lane for its whole life and its steps run there in order (the binding moves the runtime's stack
limit to the calling thread on every call); a lane holds many pinned contexts (a job waiting on its
upstream uses no thread). A new job goes to a lane that is not running anything right now (nor
work submitted to it, such as freeing a V8 isolate), the least loaded one. When every lane is busy,
lanes are started freely up to `busy_lanes`; past that, what the lanes are busy with decides:
while some lane is only running a short call (a normal job's step takes a millisecond or two), the
job queues on the least loaded such lane; only when every lane has been running one
call for longer than `STUCK_SECONDS` (a spinning script) is another lane started, up to `max_lanes`.
So a spinning script keeps its own lane busy and new jobs go around it, while a burst of a thousand
short jobs shares `busy_lanes` threads instead of starting one each (measured at 1000 jobs in flight
through the service, 500 lanes per worker cost QuickJS +25% CPU and V8 ~270 KB of RSS per job over
16 lanes; on a few cores more threads only add switching). Jobs already pinned to a stuck lane wait
for it between their steps, at most until its time limit ends it: the more lanes, the fewer such
jobs. Both engines release the GIL while running JavaScript.

Some engine built-ins never look at the time limit (QuickJS `reverse`/`join`/`sort` on huge
array-likes; V8 `lastIndexOf` and friends ignore TerminateExecution). A call awaited with a
`deadline` that is still running when the deadline passes is given up: its lane is *abandoned*
(never handed out again; the calls queued behind it are moved to other lanes or told to retry), what
it was using is kept alive forever (`abandon`), and the process is marked as holding stuck native
work (`abandoned_work`), which its owner answers by recycling the process (the service's worker) or
exiting at once (the CLI).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

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


class LaneAbandoned(Exception):
    """The lane the call was queued on was abandoned before the call started: run it elsewhere."""


class LaneStuck(Exception):
    """The call was still running at its deadline; its lane has been abandoned."""


# Whatever stuck native work was using (an engine context, an isolate): never freed, since a thread may
# still be inside it. Its length is the process's count of abandoned work.
_abandoned: list[object] = []
_abandoned_lock = threading.Lock()
# ...not even when the interpreter finalises its modules: freeing a V8 context there waits for its
# isolate's thread, which a built-in that ignores termination never yields (pytest hung at exit this
# way after an in-process hostile test). One reference that is never dropped keeps the list alive.
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_abandoned))


def abandon(*keep: object) -> None:
    """Record one piece of stuck native work, keeping `keep` alive for the rest of the process."""
    with _abandoned_lock:
        _abandoned.append(keep)


def abandoned_work() -> int:
    """How many engine calls this process has given up on (they may still be running)."""
    return len(_abandoned)


# What a freed engine context gave back to the C allocator stays in the per-thread arenas of glibc's
# malloc (each lane thread gets its own), so the process kept its high-water mark: three QuickJS
# memory hogs at once left ~127 MB of a 38 MB process behind. After a lane frees a context, the
# allocator is asked to return its free pages to the OS (`malloc_trim`), once, _TRIM_DELAY_SECONDS
# later, on a thread of its own: later frees within the delay share that trim (at most one per delay,
# each walks every arena), and what is freed off the lane just after (QuickJS frees its runtimes on
# js_runtime.quickjs.recycle's thread; V8's isolate threads end) is covered too.
_TRIM_DELAY_SECONDS = 0.5


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


class _Trimmer:
    """One daemon thread that calls malloc_trim _TRIM_DELAY_SECONDS after `freed`, at most once per delay."""

    def __init__(self, trim: Callable[[int], int] | None) -> None:
        self._trim = trim
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.trims = 0  # how many trims ran (read by tests)

    def freed(self) -> None:
        """An engine context was just freed (called on the lane that freed it)."""
        if self._trim is None:
            return
        self._wanted.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name="js-malloc-trim", daemon=True)
                    self._thread.start()

    def _serve(self) -> None:
        assert self._trim is not None
        while True:
            self._wanted.wait()
            time.sleep(_TRIM_DELAY_SECONDS)
            self._wanted.clear()  # a free from now on asks for the next trim
            self._trim(0)
            self.trims += 1


    def forked(self) -> None:
        """In a forked child: the thread was the parent's; the next free starts one here."""
        self._wanted, self._lock, self._thread = threading.Event(), threading.Lock(), None


_trimmer = _Trimmer(_load_malloc_trim())
os.register_at_fork(after_in_child=_trimmer.forked)


class Lane:
    """One thread; every call submitted to it runs there, in order.

    A call travels on a SimpleQueue and its result comes back with one call_soon_threadsafe on the
    caller's loop: about 15% less per hop than a ThreadPoolExecutor future wrapped for asyncio.
    """

    def __init__(self) -> None:
        self.pinned = 0   # contexts (jobs) living on this lane
        self.running = 0  # calls submitted through `run` and not finished
        # Calls queued with `submit` (freeing a context) and those the thread has finished: each
        # counter is written by one thread only, so their difference is safe to read from the loop.
        self._submitted = 0
        self._submitted_done = 0
        self._call_started: float | None = None  # when the call on the thread now began (None: idle)
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self.abandoned = False
        # Set by the pool that started it: told of the abandonment and given the submitted calls to move.
        self.on_abandon: Callable[[Lane, list[_Submitted]], None] | None = None
        with _stack_lock:
            previous = threading.stack_size(_LANE_STACK_BYTES)
            try:
                self._thread = threading.Thread(target=self._serve, name="js-lane", daemon=True)
                self._thread.start()
            finally:
                threading.stack_size(previous)
        _lanes_alive.add(self)

    async def run(self, fn: Callable[..., T], *args: object, deadline: float | None = None) -> T:
        """Run `fn(*args)` on this lane's thread and await its result.

        With a `deadline` (the loop's clock): if the call is still running then, the lane is
        abandoned and LaneStuck raised. LaneAbandoned: the lane was abandoned before the call began.
        """
        if self.abandoned:
            raise LaneAbandoned
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self.running += 1
        try:
            self._calls.put((fn, args, loop, future, False))
            if deadline is None:
                return await future
            try:
                return await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - loop.time()))
            except TimeoutError:
                if future.done():
                    return future.result()
                self.abandon()
                if future.done():  # settled by the abandonment: it never started
                    return future.result()
                raise LaneStuck from None
        finally:
            self.running -= 1

    def abandon(self) -> None:
        """Give this lane up: the call on its thread is left running; the calls queued behind it are
        told to retry elsewhere (awaited ones) or handed to the pool (submitted ones)."""
        if self.abandoned:
            return
        self.abandoned = True
        abandon(self)
        moved: list[_Call] = []
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                break
            if call is not None:
                moved.append(call)
        self._calls.put(None)  # should the call ever return, the thread ends
        submitted: list[_Submitted] = []
        for fn, args, loop, future, counted in moved:
            if loop is None or future is None:
                submitted.append((fn, args, counted))
            else:
                with contextlib.suppress(RuntimeError):  # (a closed loop: nobody is waiting)
                    loop.call_soon_threadsafe(_settle, future, None, LaneAbandoned())
        if self.on_abandon is not None:
            self.on_abandon(self, submitted)

    def submit(self, fn: Callable[..., object], *args: object, keeps_busy: bool = True) -> None:
        """Queue `fn(*args)` on this lane without waiting for it (its exceptions are dropped). Such a
        call frees (or renews) an engine context: a malloc trim follows it (see _Trimmer).

        While it is queued or running the lane is not idle, unless `keeps_busy` is False: work the
        lane's next job would gladly wait for (it prepares the context that job will take).
        """
        if keeps_busy:
            self._submitted += 1
        self._calls.put((fn, args, None, None, keeps_busy))

    @property
    def idle(self) -> bool:
        """Nothing queued or running: neither an awaited call nor a submitted one (freeing a context)."""
        return self.running == 0 and self._submitted == self._submitted_done

    def stuck(self, now: float | None = None) -> bool:
        """Whether the call running on the thread has been running for longer than STUCK_SECONDS."""
        started = self._call_started
        return started is not None and (now if now is not None else time.monotonic()) - started > STUCK_SECONDS

    def shutdown(self) -> None:
        self._calls.put(None)  # the thread ends after the calls queued before this

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            fn, args, loop, future, counted = call
            self._call_started = time.monotonic()
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
                result, error = None, exc
            finally:
                self._call_started = None
            if counted:
                self._submitted_done += 1
            if loop is None or future is None:
                _trimmer.freed()  # a submitted call frees an engine context (see `submit`)
                continue
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:
                pass  # the caller's loop is closed: nobody is waiting


# Lane threads are daemons (a forgotten pool must not hold the interpreter open), so at exit each is
# told to stop and given a moment to finish what it is running: never killed inside an engine call.
_lanes_alive: weakref.WeakSet[Lane] = weakref.WeakSet()
_EXIT_JOIN_SECONDS = 2.0


@atexit.register
def _stop_lanes() -> None:
    lanes = list(_lanes_alive)
    for lane in lanes:
        lane.shutdown()
    for lane in lanes:
        lane._thread.join(_EXIT_JOIN_SECONDS)


# (function, arguments, the awaiting loop and future (None for `submit`), counted in `idle`)
_Call = tuple[Callable[..., object], tuple[object, ...], asyncio.AbstractEventLoop | None, asyncio.Future[Any] | None,
              bool]
# A submitted call moved off an abandoned lane: (function, arguments, keeps the lane busy)
_Submitted = tuple[Callable[..., object], tuple[object, ...], bool]


def _settle(future: asyncio.Future[Any], result: object, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


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
        idle = [lane for lane in self._lanes if lane.idle]
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
        lane.on_abandon = self._abandoned
        self._lanes.append(lane)
        return lane

    def _abandoned(self, lane: Lane, submitted: list[_Submitted]) -> None:
        """`lane` is stuck for good: hand out others from now on, and move the work queued on it."""
        with contextlib.suppress(ValueError):
            self._lanes.remove(lane)
        for fn, args, keeps_busy in submitted:
            idle = [other for other in self._lanes if other.idle]
            other = idle[0] if idle else self._start()
            other.submit(fn, *args, keeps_busy=keeps_busy)

    def release(self, lane: Lane) -> None:
        lane.pinned -= 1

    def close(self) -> None:
        for lane in self._lanes:
            lane.shutdown()
        self._lanes.clear()
