"""V8 (mini-racer) behind the Engine interface.

mini-racer runs each isolate on its own thread and reports results through callbacks on an asyncio
loop. We give it the job's running loop, so evaluations are awaited directly (no lane hop, no extra
loop thread per isolate); only creating and freeing an isolate, which block, happen on a lane. A
burst of jobs starts a few at a time (see _StartSlot), so the cores are not shared among all of them.
Promise callbacks run after each evaluation on the isolate thread, before the next one starts, and
the next evaluation's timeout also bounds a runaway callback chain. ArrayBuffer backing stores,
which V8 keeps outside its heap limit, are charged to a per-job budget by a shim each context runs
first (shims/v8_backing_stores.js; SECURITY.md "Memory that escapes the heap limit").
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from contextlib import AbstractContextManager
from importlib import resources
from typing import TYPE_CHECKING

import py_mini_racer

from js_runtime.bindings import internals_allowed
from js_runtime.engine import STOP_GRACE_SECONDS, EngineKind
from js_runtime.errors import JobTimeout, MemoryLimitExceeded, ScriptError
from js_runtime.lanes import LanePool, abandon
from js_runtime.limits import Limits
from js_runtime.v8 import compact

if TYPE_CHECKING:
    from py_mini_racer._context import Context

# What frees an isolate: the context manager that made it (mini-racer's private _make_context, or its
# public mini_racer()).
Maker = AbstractContextManager[object]

# What a bare V8 context has that connector code must not: mini-racer's console (ours replaces it),
# WebAssembly and shared memory. (mini-racer's own setTimeout/clearTimeout are never installed: see
# _BareRacer.)
_REMOVED_GLOBALS = ("console", "WebAssembly", "SharedArrayBuffer", "Atomics")
_DELETES = ";".join(f"delete globalThis.{name}" for name in _REMOVED_GLOBALS)
# On the public path (see _make_isolate), MiniRacer's constructor declared `var` globals that cannot be
# deleted: their values go (the timers unit, when loaded, defines its own, see host.defineGlobal), as
# docs/globals.md says.
_PLAIN_DELETES = _DELETES + "".join(f";globalThis.{name} = undefined"
                                    for name in ("__timer_manager", "setTimeout", "clearTimeout"))
# ArrayBuffer backing stores live outside V8's heap and its limit: the shim charges them to a per-job
# budget (the job's memory limit) and exposes `exceeded()` through a global lexical binding.
_SHIMS = resources.files("js_runtime") / "shims"
_BACKING_STORES = (_SHIMS / "v8_backing_stores.js").read_text(encoding="utf-8")
_BACKING_STORES_INSTALL = (_SHIMS / "v8_backing_stores_install.js").read_text(encoding="utf-8")
_BUDGET_PLACEHOLDER = "__CE_BACKING_STORE_BUDGET__"
_INSTALL_PLACEHOLDER = "__CE_BACKING_STORE_INSTALL__"
_BUDGET_EXCEEDED = "__ceBackingStores.exceeded()"


@functools.lru_cache(maxsize=16)
def _setup(budget: int, plain: bool) -> str:
    """The script each context runs first: the removals (those of the public path when `plain`), then
    the backing-store budget of `budget` bytes."""
    deletes = _PLAIN_DELETES if plain else _DELETES
    # without their comments, as every job's isolate scans them (see js_runtime.v8.compact)
    install = compact.without_comments(_BACKING_STORES_INSTALL).replace(_BUDGET_PLACEHOLDER, str(int(budget)))
    return f"{deletes};\n{compact.without_comments(_BACKING_STORES).replace(_INSTALL_PLACEHOLDER, json.dumps(install))}"


class V8Engine:
    """One mini-racer isolate and context, driven from the event loop it was created for."""

    kind: EngineKind = "v8"

    def __init__(self, maker: Maker,
                 racer: py_mini_racer.MiniRacer, lanes: LanePool, start: _StartSlot | None = None,
                 limits: Limits | None = None) -> None:
        self._maker = maker
        self._setup = _setup((limits or Limits()).memory, not internals_allowed("mini-racer"))
        self._racer = racer
        self._lanes = lanes
        self._start = start
        self._interrupted = False
        self._set_up = False  # the set-up goes out with the first step: one round trip fewer

    @classmethod
    async def open(cls, limits: Limits, lanes: LanePool) -> V8Engine:
        loop = asyncio.get_running_loop()
        start = await _StartSlot.take(loop)
        try:
            lane = lanes.acquire()
            try:
                maker, racer = await lane.run(_new_isolate, loop, limits)
            finally:
                lanes.release(lane)
        except BaseException:
            start.release()
            raise
        return cls(maker, racer, lanes, start, limits)

    async def step(self, scripts: Sequence[str], *, timeout: float, prelude: str | None = None) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        value = None
        # The set-up and the prelude go out with the first script: one evaluation round trip.
        head = [part for part in (None if self._set_up else self._setup, prelude and compact.for_v8(prelude)) if part]
        self._set_up = True
        if head:
            scripts = [";\n".join([*head, *scripts[:1]]), *scripts[1:]]
        try:
            for script in scripts:
                left = deadline - loop.time()
                if left <= 0:
                    raise JobTimeout("the job exceeded its time limit")
                value = await self._eval(script, left)
        finally:
            self._started()
        return value if isinstance(value, str) else None

    def _started(self) -> None:
        """The first step is over (or the engine closes): the next job may start."""
        if self._start is not None:
            self._start.release()
            self._start = None

    async def memory_exhausted(self, thrown_nullish: bool) -> bool:
        if self._racer.was_hard_memory_limit_reached():
            return True
        if not self._set_up:
            return False
        try:  # the backing-store budget (its shim ran with the first step)
            return await asyncio.wait_for(self._racer.eval_cancelable(_BUDGET_EXCEEDED), STOP_GRACE_SECONDS) is True
        except TimeoutError:
            self._interrupted = True
            return False
        except py_mini_racer.JSEvalException:
            return False

    async def close(self) -> None:
        self._started()
        if self._interrupted:
            # A cancelled evaluation must finish while the loop is still there to hear about it, and
            # freeing an isolate waits for its thread: one that did not stop (a built-in that ignores
            # TerminateExecution) is never freed, and its lane is not blocked on it.
            try:
                stopped = await self._drain()
            except BaseException:
                abandon(self._maker, self._racer)
                raise
            if not stopped:
                abandon(self._maker, self._racer)
                return
            lane = self._lanes.acquire()
            try:
                await lane.run(self._maker.__exit__, None, None, None)
            finally:
                self._lanes.release(lane)
            return
        lane = self._lanes.acquire()
        lane.submit(self._maker.__exit__, None, None, None)  # freeing blocks; nobody needs to wait
        self._lanes.release(lane)

    async def _eval(self, script: str, timeout: float) -> object:
        try:
            return await asyncio.wait_for(self._racer.eval_cancelable(script), timeout)
        except TimeoutError:
            self._interrupted = True
            raise JobTimeout("the job exceeded its time limit") from None
        except asyncio.CancelledError:
            self._interrupted = True
            raise
        except py_mini_racer.JSOOMException:
            raise MemoryLimitExceeded("the script exceeded its memory limit") from None
        except py_mini_racer.JSEvalException as exc:
            if self._racer.was_hard_memory_limit_reached():
                raise MemoryLimitExceeded("the script exceeded its memory limit") from None
            raise ScriptError(_error_line(str(exc))) from None


    async def _drain(self) -> bool:
        """Wait until the isolate has finished the evaluation we cancelled; False if it did not
        within STOP_GRACE_SECONDS.

        mini-racer does not wait for a cancelled evaluation to stop; its completion callback comes
        later and must find the event loop still open. An evaluation queued behind it completes
        after it, so awaiting one is awaiting the termination.
        """
        try:
            await asyncio.wait_for(self._racer.eval_cancelable("0"), STOP_GRACE_SECONDS)
        except TimeoutError:
            return False
        except Exception:  # noqa: BLE001 - any answer (e.g. "terminated") means the isolate came back
            return True
        return True


# Starting a job (creating its isolate, then the first step: compiling and running the prelude and
# the method up to its first await) is most of a V8 job's CPU time, and each isolate runs on its own
# thread. Without a bound, a burst of jobs all start at once and the OS shares the cores among all
# of them: every job reaches its first request late, and every isolate lives (and holds its memory)
# for the whole burst. So at most _START_SLOTS jobs per event loop are starting at a time, first
# come first served; a slot is also given back after _START_SLOT_SECONDS, so a slow or spinning
# first step (bounded by its own time limit) never holds up the jobs behind it for longer.
_START_SLOTS = 2 * (os.cpu_count() or 1)
_START_SLOT_SECONDS = 0.1


class _StartGate:
    """_START_SLOTS slots, handed out first come first served (an asyncio.Semaphore would keep its
    loop alive once a job had waited, and the gates are kept per loop in a weak dictionary)."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


_start_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _StartGate] = weakref.WeakKeyDictionary()


class _StartSlot:
    """One of the loop's _START_SLOTS, held from `take` until `release` or _START_SLOT_SECONDS."""

    def __init__(self, gate: _StartGate, loop: asyncio.AbstractEventLoop) -> None:
        self._gate: _StartGate | None = gate
        self._timer = loop.call_later(_START_SLOT_SECONDS, self.release)

    @classmethod
    async def take(cls, loop: asyncio.AbstractEventLoop) -> _StartSlot:
        gate = _start_gates.get(loop)
        if gate is None:
            gate = _start_gates[loop] = _StartGate(_START_SLOTS)
        await gate.acquire()
        return cls(gate, loop)

    def release(self) -> None:
        if self._gate is not None:
            self._gate.release()
            self._gate = None
            self._timer.cancel()


# V8's process-wide set-up, done once, before any isolate exists (see _initialise).
_V8_FLAGS = (
    "--single-threaded",  # mini-racer's default: no V8 helper threads (the isolate has its own thread)
    # On CPUs with memory protection keys (x86-64 `pku`), V8 write-protects its JIT code and its
    # pointer tables (the JSDispatchTable) with a key allocated at initialisation; a thread's access
    # to that key is inherited from the thread that created it. Isolates are made and freed on
    # lanes, which need not descend from the thread that initialised V8: the first isolate made
    # on any other thread took SIGSEGV (si_code SEGV_PKUERR) in
    # JSDispatchTable::PreAllocatedEntryNeedsInitialization, killing the process. V8 bug
    # https://issues.chromium.org/issues/360909072 (open); rubyjs/libv8-node disables the keys too.
    "--no-memory-protection-keys",
    # V8 14 pools the pages of a freed heap process-wide for the next isolate, and gives them back to
    # the OS only from a delayed task that mini-racer's platform never runs: the process kept its
    # high-water mark forever (one job per isolate, so a memory hog's ~170 MB stayed, and three at
    # once left ~450 MB). Without the sharing, an isolate still reuses its own pages while it lives,
    # and all of them go back to the OS when it is freed (measured: three rounds of three 64 MiB hogs
    # at once, RSS 78 -> 576 MB after, 79 MB with this flag). Cost: ~135 more page faults per small
    # job, +4-13% CPU per small job (paired runs, SECURITY.md "Memory a finished job leaves behind").
    "--no-memory-pool-share-memory-on-teardown",
)
_init_lock = threading.Lock()
_loaded = False  # V8 is loaded with _V8_FLAGS
_first_isolate_made = False


def initialise() -> None:
    """Load V8 with _V8_FLAGS, once per process. Code that uses mini-racer directly (the bench's
    floor) calls this first; LibAlreadyInitializedError if something loaded V8 with other flags."""
    global _loaded  # noqa: PLW0603 - a once-flag
    with _init_lock:
        if not _loaded:
            py_mini_racer.init_mini_racer(flags=_V8_FLAGS)
            _loaded = True


def _first_isolate(loop: asyncio.AbstractEventLoop, limits: Limits) -> tuple[
        Maker, py_mini_racer.MiniRacer] | None:
    """V8's one-time set-up, on whichever thread gets here first; the others wait for it.

    It loads V8 and makes the process's first isolate, alone: two threads making the first
    isolates at once abort the process (`Check failed: !IsConfigurablePoolInitialized()`).
    Returns that first isolate, or None when it was made already.
    """
    global _first_isolate_made  # noqa: PLW0603 - a once-flag, read without the lock once set
    initialise()
    with _init_lock:
        if _first_isolate_made:
            return None
        made = _make_isolate(loop, limits)
        _first_isolate_made = True
        return made


def _new_isolate(loop: asyncio.AbstractEventLoop, limits: Limits) -> tuple[
        Maker, py_mini_racer.MiniRacer]:
    if not _first_isolate_made:
        first = _first_isolate(loop, limits)
        if first is not None:
            return first
    return _make_isolate(loop, limits)


class _BareRacer(py_mini_racer.MiniRacer):
    """A MiniRacer on a context made by `_make_context`, without the evaluation `MiniRacer.__init__`
    does: it installs setTimeout/clearTimeout/__timer_manager as non-deletable globals, which only
    had to be emptied again (connector code gets our timers), and costs every job a blocking round
    trip to the isolate thread and a compilation (about 0.3 ms of the ~3.5 ms an isolate costs).
    The same state `mini_racer(loop)` builds otherwise. It sets MiniRacer's private attributes, so
    it is used only with the mini-racer it was written for (js_runtime.bindings)."""

    def __init__(self, context: Context) -> None:  # no super().__init__(): that is the point
        self._own_context_maker = None
        self._ctx = context




def _make_isolate(loop: asyncio.AbstractEventLoop, limits: Limits) -> tuple[Maker, py_mini_racer.MiniRacer]:
    maker, racer = _bare_isolate(loop) if internals_allowed("mini-racer") else _plain_isolate(loop)
    try:
        racer.set_hard_memory_limit(limits.memory)
    except BaseException:
        maker.__exit__(None, None, None)
        raise
    return maker, racer


def _bare_isolate(loop: asyncio.AbstractEventLoop) -> tuple[Maker, py_mini_racer.MiniRacer]:
    from py_mini_racer._mini_racer import _make_context

    maker = _make_context(loop)
    return maker, _BareRacer(maker.__enter__())


def _plain_isolate(loop: asyncio.AbstractEventLoop) -> tuple[Maker, py_mini_racer.MiniRacer]:
    """mini-racer's public path: its constructor's evaluation waits for `loop` (we are on a lane)."""
    maker = py_mini_racer.mini_racer(loop)
    return maker, maker.__enter__()


def _error_line(text: str) -> str:
    """mini-racer's message repeats the source line; keep V8's `Name: message` line."""
    # "<anonymous>:LINE: Name: message" comes first, then the source line (which may contain ": ").
    located = re.match(r"<anonymous>:\d+: ([^\n]+)", text)
    if located:
        return located.group(1).strip()
    for line in text.splitlines():
        if ": " in line and not line.startswith("<anonymous>") and not line.startswith("    at "):
            return line.strip()
    return text.splitlines()[0] if text else "script error"
