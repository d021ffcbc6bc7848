"""QuickJS (quickjs-ng) behind the Engine interface.

The binding's time limit counts process CPU time per call (it is re-armed on every eval and
pending-job run), and it refuses JS-to-Python calls while a limit is set, which is why the bridge
never calls into Python: the session pulls queued requests out between steps.
"""

from __future__ import annotations

import time

import quickjs

from executor.errors import JobTimeout, MemoryLimitExceeded, ScriptError
from js_runtime.engine import EngineKind
from js_runtime.limits import Limits

_INTERRUPTED = "InternalError: interrupted"
_OUT_OF_MEMORY = ("InternalError: out of memory", "null")
_OOM_MARGIN_BYTES = 256 * 1024


class QuickJSEngine:
    """One quickjs-ng context; must be used from a single thread."""

    kind: EngineKind = "quickjs"

    def __init__(self, limits: Limits) -> None:
        self._ctx = quickjs.Context()
        self._memory_limit = limits.memory
        self._ctx.set_memory_limit(limits.memory)
        self._ctx.set_max_stack_size(limits.stack)

    def eval(self, code: str, *, timeout: float) -> str | None:
        self._arm(timeout)
        try:
            value = self._ctx.eval(code)
        except quickjs.JSException as exc:
            raise _translate(exc) from None
        return value if isinstance(value, str) else None

    def settle(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self._arm(timeout)
        try:
            while self._ctx.execute_pending_job():
                if time.monotonic() > deadline:
                    raise JobTimeout("the job exceeded its time limit while running promise callbacks")
        except quickjs.JSException as exc:
            raise _translate(exc) from None

    def memory_exhausted(self, thrown_nullish: bool) -> bool:
        # When even the InternalError cannot be allocated, QuickJS throws null instead; by the time
        # the rejection is seen the heap may already be freed, so a null rejection counts too.
        used = self._ctx.memory()["malloc_size"]
        return thrown_nullish or bool(used >= self._memory_limit - _OOM_MARGIN_BYTES)

    def close(self) -> None:
        del self._ctx

    def _arm(self, timeout: float) -> None:
        if timeout <= 0:
            raise JobTimeout("the job exceeded its time limit")
        self._ctx.set_time_limit(timeout)


def _translate(exc: Exception) -> Exception:
    text = str(exc)
    first_line = text.split("\n", 1)[0]
    if first_line.startswith(_INTERRUPTED):
        return JobTimeout("the job exceeded its time limit")
    if first_line in _OUT_OF_MEMORY or first_line.startswith(_OUT_OF_MEMORY[0]):
        return MemoryLimitExceeded("the script exceeded its memory limit")
    return ScriptError(first_line)
