"""V8 (mini-racer) behind the Engine interface.

mini-racer runs V8 on its own thread and drains the microtask queue after each evaluation, before
the next one starts; so `settle` is a no-op and the next `eval` (with its own timeout) both waits
for and bounds whatever promise callbacks are still running.
"""

from __future__ import annotations

import py_mini_racer

from executor.errors import JobTimeout, MemoryLimitExceeded, ScriptError
from js_runtime.engine import EngineKind
from js_runtime.limits import Limits

# What mini-racer adds to a bare V8 context: connector code gets our console and timers instead
# (its timers are non-configurable `var`s, so the prelude overwrites them), and no WebAssembly or
# shared memory.
_REMOVED_GLOBALS = ("console", "WebAssembly", "SharedArrayBuffer", "Atomics")
_CLEARED_GLOBALS = ("__timer_manager", "setTimeout", "clearTimeout")


class V8Engine:
    """One mini-racer isolate and context."""

    kind: EngineKind = "v8"

    def __init__(self, limits: Limits) -> None:
        self._ctx = py_mini_racer.MiniRacer()
        self._ctx.set_hard_memory_limit(limits.memory)
        removals = [f"delete globalThis.{name}" for name in _REMOVED_GLOBALS]
        removals += [f"globalThis.{name} = undefined" for name in _CLEARED_GLOBALS]
        self._ctx.eval(";".join(removals))

    def eval(self, code: str, *, timeout: float) -> str | None:
        if timeout <= 0:
            raise JobTimeout("the job exceeded its time limit")
        try:
            value = self._ctx.eval(code, timeout_sec=timeout)
        except py_mini_racer.JSTimeoutException:
            raise JobTimeout("the job exceeded its time limit") from None
        except py_mini_racer.JSOOMException:
            raise MemoryLimitExceeded("the script exceeded its memory limit") from None
        except py_mini_racer.JSEvalException as exc:
            if self._ctx.was_hard_memory_limit_reached():
                raise MemoryLimitExceeded("the script exceeded its memory limit") from None
            raise ScriptError(_error_line(str(exc))) from None
        return value if isinstance(value, str) else None

    def settle(self, *, timeout: float) -> None:
        return None

    def memory_exhausted(self, thrown_nullish: bool) -> bool:
        return bool(self._ctx.was_hard_memory_limit_reached())

    def close(self) -> None:
        self._ctx.close()


def _error_line(text: str) -> str:
    """mini-racer's message repeats the source line; keep V8's `Name: message` line."""
    for line in text.splitlines():
        if ": " in line and not line.startswith("<anonymous>") and not line.startswith("    at "):
            return line.strip()
    return text.splitlines()[0] if text else "script error"
