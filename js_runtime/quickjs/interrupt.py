"""Interrupting a running QuickJS call at a wall-clock deadline, from another thread.

The binding's only time limit is in process CPU time: each call arms an interrupt handler that
compares `clock()` (the CPU time of every thread of the process) with the limit. Beside other busy
lanes that clock runs faster than the wall clock (a 3 s limit ran out after 1.5 s beside three
spinners on two cores); on a machine where the process gets less than one core it runs slower (a
spinner was only stopped by abandoning its lane). A job's time limit is wall-clock time, its own.

So the binding's limit is kept only as a backstop that cannot fire before the job's deadline (see
`backstop`), and at the deadline the job's own call is stopped by `interrupt`: it sets the limit of
the running call, which the binding keeps in its context object (`RuntimeData.interrupt_data`), to
zero, so the handler stops the script at its next check, exactly as a spent limit would; and the
limit of the context's later calls to zero too (the public `set_time_limit(0)`). Writing that field
relies on the binding's private layout (quickjs-ng 0.17, module.c), checked once against the values
the binding itself writes there; if the check fails, `available()` is False and the engine uses the
binding's own process-CPU limit as before (and SECURITY.md's limit applies); so it does when the
binding is not the version this was written for or CONNECTOR_EXECUTOR_PLAIN_ENGINES is set
(js_runtime.bindings).

Imports only the binding and js_runtime.bindings.
"""

from __future__ import annotations

import ctypes
import os
import time

import _quickjs
import quickjs

from js_runtime.bindings import internals_allowed

# RuntimeData (module.c): PyObject_HEAD; JSRuntime*; JSContext*; int has_time_limit; clock_t time_limit;
# PyThreadState*; InterruptData {clock_t start; clock_t limit}.
_POINTER = ctypes.sizeof(ctypes.c_void_p)
_HAS_TIME_LIMIT = 4 * _POINTER
_TIME_LIMIT = 5 * _POINTER
_CALL_START = 7 * _POINTER
_CALL_LIMIT = 8 * _POINTER
_CLOCKS_PER_SEC = 1_000_000  # POSIX (XSI) requires this value of clock()'s unit
_PROBE_LIMIT_SECONDS = 12.5


def _field(ctx: quickjs.Context, offset: int) -> ctypes.c_long:
    return ctypes.c_long.from_address(id(ctx) + offset)


def _layout_matches() -> bool:
    """Whether a binding context keeps its limits where this module writes (checked on a probe)."""
    if _POINTER != 8 or ctypes.sizeof(ctypes.c_long) != 8:
        return False
    ctx = quickjs.Context()
    if type(ctx) is not _quickjs.Context:
        return False
    ctx.set_time_limit(_PROBE_LIMIT_SECONDS)
    limit = int(_PROBE_LIMIT_SECONDS * _CLOCKS_PER_SEC)
    if ctypes.c_int.from_address(id(ctx) + _HAS_TIME_LIMIT).value != 1 or _field(ctx, _TIME_LIMIT).value != limit:
        return False
    before = time.process_time()
    ctx.eval("0")  # arms the call's InterruptData: start = clock(), limit = time_limit
    after = time.process_time()
    start = _field(ctx, _CALL_START).value
    ctx.set_time_limit(-1)
    if ctypes.c_int.from_address(id(ctx) + _HAS_TIME_LIMIT).value != 0:
        return False
    slack = _CLOCKS_PER_SEC // 100
    return (_field(ctx, _CALL_LIMIT).value == limit
            and before * _CLOCKS_PER_SEC - slack <= start <= after * _CLOCKS_PER_SEC + slack)


_AVAILABLE = internals_allowed("quickjs-ng") and _layout_matches()
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def available() -> bool:
    """Whether a running call can be interrupted at a wall-clock deadline with this build of the binding."""
    return _AVAILABLE


def backstop(seconds: float) -> float:
    """The binding's process-CPU limit for a call that has `seconds` of wall-clock time left: the
    process cannot spend that much CPU time before the wall-clock deadline, on all its cores."""
    return seconds * _CPUS + 1.0


def interrupt(ctx: quickjs.Context) -> None:
    """Stop the call now running in `ctx` at its next interrupt check, and every later call at once.

    Safe from any thread (holding the GIL) while `ctx` is alive: a call that is not running is
    unaffected (the next call arms its own limit, now zero); the fields written are aligned words.
    """
    if not _AVAILABLE:
        return
    ctx.set_time_limit(0)
    _field(ctx, _CALL_LIMIT).value = 0
