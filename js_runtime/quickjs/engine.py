"""QuickJS (quickjs-ng) behind the Engine interface.

The context lives on one lane for its whole life. A step's time limit is its wall-clock deadline:
the event loop interrupts the running call then (js_runtime.quickjs.interrupt); the binding's own
limit, in process CPU time and re-armed on every eval and pending-job run, is only a backstop. The
binding refuses JS-to-Python calls while a limit is set, which is why the bridge never calls into
Python: the session pulls queued requests out between steps. A whole step (deliver, run promise
callbacks, poll) is one lane hop.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import quickjs

from js_runtime.engine import STOP_GRACE_SECONDS, EngineKind
from js_runtime.errors import JobTimeout, MemoryLimitExceeded, ScriptError
from js_runtime.lanes import Lane, LaneAbandoned, LanePool, LaneStuck, abandon
from js_runtime.limits import Limits
from js_runtime.quickjs import bytecode as quickjs_bytecode
from js_runtime.quickjs import interrupt as quickjs_interrupt
from js_runtime.quickjs import recycle as quickjs_recycle

T = TypeVar("T")
_INTERRUPTED = "InternalError: interrupted"
_OUT_OF_MEMORY = "InternalError: out of memory"
_OOM_MARGIN_BYTES = 256 * 1024
# After the deadline, the interrupt is repeated this often until the step returns: a call that began
# just as it was first written re-arms the binding's per-call limit (see js_runtime.quickjs.interrupt).
_REINTERRUPT_SECONDS = 0.05

# What quickjs-ng adds beyond the documented globals (see README): shared memory and a high-resolution
# timer, removed as on V8. Its stack-trace call sites also hand out the function of every frame, strict
# or not (V8 gives none for strict code), which would reveal the prelude's private functions to a
# script using Error.prepareStackTrace; getFunction() therefore returns undefined, for good.
_SETUP = """
delete globalThis.Atomics; delete globalThis.SharedArrayBuffer; delete globalThis.performance;
(() => {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => frames;
  const site = new Error().stack[0];
  Error.prepareStackTrace = saved;
  Object.defineProperty(Object.getPrototypeOf(site), 'getFunction', {
    value: function getFunction() { return undefined; }, writable: false, enumerable: false, configurable: false,
  });
})();
"""


class QuickJSEngine:
    """One quickjs-ng context, used only from its lane."""

    kind: EngineKind = "quickjs"

    def __init__(self, lane: Lane, lanes: LanePool, limits: Limits) -> None:
        self._ctx: quickjs.Context | None = None  # created by the first step, on the lane
        self._lane = lane
        self._lanes = lanes
        self._limits = limits
        self._stuck = False  # a step never came back: its context is in use on an abandoned lane
        self._alarm: asyncio.TimerHandle | None = None  # the running step's repeated interrupt

    @classmethod
    async def open(cls, limits: Limits, lanes: LanePool) -> QuickJSEngine:
        return cls(lanes.acquire(), lanes, limits)

    async def step(self, scripts: Sequence[str], *, timeout: float, prelude: str | None = None) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + timeout
        if quickjs_interrupt.available():
            self._alarm = loop.call_later(timeout, self._interrupt, loop)
        try:
            return await self._on_lane(self._step, scripts, deadline, prelude,
                                       deadline=loop.time() + timeout + STOP_GRACE_SECONDS)
        except LaneStuck:
            # A built-in that never checks the interrupt handler: its thread is still inside the context.
            self._stuck = True
            abandon(self._ctx)
            raise JobTimeout("the job exceeded its time limit (inside a built-in that ignores it: the "
                             "engine was abandoned)") from None
        finally:
            if self._alarm is not None:
                self._alarm.cancel()
                self._alarm = None

    def _interrupt(self, loop: asyncio.AbstractEventLoop) -> None:
        """The step's deadline has passed: stop its call (again, until the step returns)."""
        ctx = self._ctx  # None: not made yet; the step checks its deadline before any call
        if ctx is not None:
            quickjs_interrupt.interrupt(ctx)
        self._alarm = loop.call_later(_REINTERRUPT_SECONDS, self._interrupt, loop)

    async def memory_exhausted(self, thrown_nullish: bool) -> bool:
        # When even the InternalError cannot be allocated, QuickJS throws null instead; by the time
        # the rejection is seen the heap may already be freed, so a null rejection counts too.
        used = await self._on_lane(lambda: self._context().memory()["malloc_size"])
        return thrown_nullish or used >= self._limits.memory - _OOM_MARGIN_BYTES

    async def close(self) -> None:
        if self._ctx is not None and not self._stuck:
            # Renewed (or freed) on its lane, after any call of this job; the box is its only holder.
            box, self._ctx = [self._ctx], None
            renewer = _renewer()
            if self._lane.abandoned:
                self._move()
            self._lane.submit(renewer.renew if renewer else box.clear, box, keeps_busy=False)
        self._lanes.release(self._lane)

    async def _on_lane(self, fn: Callable[..., T], *args: object, deadline: float | None = None) -> T:
        """`fn(*args)` on this context's lane; on another one if that lane was abandoned meanwhile
        (the context is not in use there: a runtime may move between threads between calls)."""
        while True:
            try:
                return await self._lane.run(fn, *args, deadline=deadline)
            except LaneAbandoned:
                self._move()

    def _move(self) -> None:
        old, self._lane = self._lane, self._lanes.acquire()
        self._lanes.release(old)

    def _context(self) -> quickjs.Context:
        if self._ctx is None:
            self._ctx = _new_context(self._limits)
        return self._ctx

    def _step(self, scripts: Sequence[str], deadline: float, prelude: str | None) -> str | None:
        ctx = self._context()
        if prelude is not None:
            self._arm(ctx, deadline)
            _run_trusted(ctx, prelude)
        value = None
        for script in scripts:
            self._arm(ctx, deadline)
            try:
                value = ctx.eval(script)
                while ctx.execute_pending_job():
                    if time.monotonic() > deadline:
                        raise JobTimeout("the job exceeded its time limit while running promise callbacks")
            except quickjs.JSException as exc:
                raise _translate(exc) from None
        return value if isinstance(value, str) else None

    @staticmethod
    def _arm(ctx: quickjs.Context, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise JobTimeout("the job exceeded its time limit")
        # Interrupted at the deadline by the step (see js_runtime.quickjs.interrupt); else the binding's CPU limit.
        ctx.set_time_limit(quickjs_interrupt.backstop(left) if quickjs_interrupt.available() else left)


def _new_context(limits: Limits) -> quickjs.Context:
    renewer = _renewer()
    ctx = renewer.take() if renewer else None
    if ctx is None:
        ctx = quickjs.Context()
        _run_trusted(ctx, _SETUP)
    ctx.set_memory_limit(limits.memory)
    ctx.set_max_stack_size(limits.stack)
    return ctx


@functools.cache
def _renewer() -> quickjs_recycle.Renewer | None:
    """The process's renewer of finished contexts (None: the binding makes and frees them all)."""
    if not (quickjs_recycle.available() and quickjs_bytecode.available()):
        return None
    return quickjs_recycle.Renewer(quickjs_bytecode.compiled(_SETUP))


def _run_trusted(ctx: quickjs.Context, source: str) -> None:
    """Evaluate one of our own scripts: from its bytecode (compiled once) when the binding allows."""
    if not quickjs_bytecode.available():
        try:
            ctx.eval(source)
        except quickjs.JSException as exc:
            raise _translate(exc) from None
        return
    try:
        quickjs_bytecode.evaluate(ctx, quickjs_bytecode.compiled(source))
    except quickjs_bytecode.BytecodeError:
        raise MemoryLimitExceeded("the context ran out of memory loading the prelude") from None


def _translate(exc: Exception) -> Exception:
    first_line = str(exc).split("\n", 1)[0]
    if first_line.startswith(_INTERRUPTED):
        return JobTimeout("the job exceeded its time limit")
    if first_line == "null" or first_line.startswith(_OUT_OF_MEMORY):
        return MemoryLimitExceeded("the script exceeded its memory limit")
    return ScriptError(first_line)
