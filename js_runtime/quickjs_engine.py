"""QuickJS (quickjs-ng) behind the Engine interface.

The context lives on one lane for its whole life. The binding's time limit counts process CPU time
per call (it is re-armed on every eval and pending-job run), and it refuses JS-to-Python calls while
a limit is set, which is why the bridge never calls into Python: the session pulls queued requests
out between steps. A whole step (deliver, run promise callbacks, poll) is one lane hop.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

import quickjs

from executor.errors import JobTimeout, MemoryLimitExceeded, ScriptError
from js_runtime import quickjs_bytecode, quickjs_recycle
from js_runtime.engine import EngineKind
from js_runtime.lanes import Lane, LanePool
from js_runtime.limits import Limits

_INTERRUPTED = "InternalError: interrupted"
_OUT_OF_MEMORY = "InternalError: out of memory"
_OOM_MARGIN_BYTES = 256 * 1024

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

    @classmethod
    async def open(cls, limits: Limits, lanes: LanePool) -> QuickJSEngine:
        return cls(lanes.acquire(), lanes, limits)

    async def step(self, scripts: Sequence[str], *, timeout: float, prelude: str | None = None) -> str | None:
        return await self._lane.run(self._step, scripts, timeout, prelude)

    async def memory_exhausted(self, thrown_nullish: bool) -> bool:
        # When even the InternalError cannot be allocated, QuickJS throws null instead; by the time
        # the rejection is seen the heap may already be freed, so a null rejection counts too.
        used = await self._lane.run(lambda: self._context().memory()["malloc_size"])
        return thrown_nullish or used >= self._limits.memory - _OOM_MARGIN_BYTES

    async def close(self) -> None:
        if self._ctx is not None:
            # Renewed (or freed) on its lane, after any call of this job; the box is its only holder.
            box, self._ctx = [self._ctx], None
            renewer = _renewer()
            self._lane.submit(renewer.renew if renewer else box.clear, box, keeps_busy=False)
        self._lanes.release(self._lane)

    def _context(self) -> quickjs.Context:
        if self._ctx is None:
            self._ctx = _new_context(self._limits)
        return self._ctx

    def _step(self, scripts: Sequence[str], timeout: float, prelude: str | None) -> str | None:
        deadline = time.monotonic() + timeout
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
        ctx.set_time_limit(left)


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
