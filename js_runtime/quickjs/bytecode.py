"""QuickJS bytecode for our own trusted scripts (the prelude): compiled once, read into each context.

Compiling the prelude was most of a QuickJS job's cost; reading its bytecode is several times
cheaper. The quickjs-ng binding has no bytecode API, so this module calls the engine's own
(JS_Eval with JS_EVAL_FLAG_COMPILE_ONLY, JS_WriteObject, JS_ReadObject, JS_EvalFunction) through
js_runtime.quickjs.capi; where that is not available, `available()` is False and callers evaluate the source
instead, with the same result.

Only bytecode compiled here, in this process, from our own shim sources is ever read (QuickJS does
not validate bytecode). Connector code is never loaded this way: it is compiled from source under
the binding's time limit. The calls run without the binding's time limit (the prelude only defines
functions) but within the context's memory limit. The bytecode is written without the source text
(reading it is cheaper): `String(fetch)` reads `[native code]`, as a built-in's does; stack traces
keep their `<prelude>:line:column` positions.

No garbage collection runs while our scripts load: a fresh runtime's first collection is due at
256 KiB and the fetch prelude alone takes it past that (the collection found nothing to free and cost
~5% of the load). Afterwards the runtime's threshold is what the engine itself would have left: the
one before, or, if the load went past it, 1.5 times the bytes now allocated (the engine's rule after a
collection), so the job's own garbage is collected as before (tests/engines/test_sandbox.py).
"""

from __future__ import annotations

import ctypes
import threading

import quickjs

from js_runtime.quickjs.capi import LIB as _LIB
from js_runtime.quickjs.capi import QUICK as _QUICK
from js_runtime.quickjs.capi import TAG_EXCEPTION as _TAG_EXCEPTION
from js_runtime.quickjs.capi import malloc_size as _malloc_size
from js_runtime.quickjs.capi import pointers as _pointers

_EVAL_GLOBAL_COMPILE_ONLY = 1 << 5  # JS_EVAL_TYPE_GLOBAL (0) | JS_EVAL_FLAG_COMPILE_ONLY
_WRITE_BYTECODE = (1 << 0) | (1 << 4)  # JS_WRITE_OBJ_BYTECODE | JS_WRITE_OBJ_STRIP_SOURCE
_READ_BYTECODE = 1 << 0
_NO_GC_THRESHOLD = (1 << 63) - 1  # no collection is ever due (the memory limit still holds)


class BytecodeError(Exception):
    """Evaluating compiled bytecode threw (in practice: the context ran out of memory)."""


_compile_lock = threading.Lock()


def available() -> bool:
    """Whether bytecode can be used with this build of the binding."""
    return _LIB is not None


def _compile(source: str) -> bytes:
    assert _LIB is not None
    ctx = quickjs.Context()  # a scratch context: compiling runs nothing
    runtime, context = _pointers(ctx) or (0, 0)
    encoded = source.encode("utf-8")
    _LIB.JS_UpdateStackTop(runtime)
    function = _LIB.JS_Eval(context, encoded, len(encoded), b"<prelude>", _EVAL_GLOBAL_COMPILE_ONLY)
    if function.tag == _TAG_EXCEPTION:
        _LIB.JS_FreeValue(context, _LIB.JS_GetException(context))
        raise SyntaxError("a prelude script does not compile")  # our own source: a bug, found by any test
    size = ctypes.c_size_t()
    buffer = _LIB.JS_WriteObject(context, ctypes.byref(size), function, _WRITE_BYTECODE)
    _LIB.JS_FreeValue(context, function)
    if not buffer:
        raise MemoryError("QuickJS could not serialise the prelude")
    try:
        return ctypes.string_at(buffer, size.value)
    finally:
        _LIB.js_free(context, buffer)


_compiled: dict[str, bytes] = {}  # by source; read without the lock (a dict lookup is atomic)


def compiled(source: str) -> bytes:
    """The bytecode of the global script `source`, compiled once per process."""
    found = _compiled.get(source)  # every job asks: lanes do not queue on the lock once it is compiled
    if found is None:
        with _compile_lock:
            found = _compiled.get(source)
            if found is None:
                found = _compiled[source] = _compile(source)
    return found


def evaluate(ctx: quickjs.Context, bytecode: bytes) -> None:
    """Run compiled bytecode in `ctx`, on the thread that owns it; raise BytecodeError if it throws."""
    assert _LIB is not None
    pointers = _pointers(ctx)
    if pointers is None:
        raise TypeError("not a quickjs-ng context")
    evaluate_in(*pointers, bytecode)


def evaluate_in(runtime: int, context: int, bytecode: bytes) -> None:
    """`evaluate` on a runtime and context given by their pointers (used by one thread at a time)."""
    assert _LIB is not None and _QUICK is not None
    _QUICK.JS_UpdateStackTop(runtime)
    threshold = _QUICK.JS_GetGCThreshold(runtime)
    _QUICK.JS_SetGCThreshold(runtime, _NO_GC_THRESHOLD)
    try:
        # The two long calls release the GIL (the event loop and other lanes run meanwhile).
        function = _LIB.JS_ReadObject(context, bytecode, len(bytecode), _READ_BYTECODE)
        if function.tag != _TAG_EXCEPTION:
            result = _LIB.JS_EvalFunction(context, function)  # takes ownership of `function`
            if result.tag != _TAG_EXCEPTION:
                _QUICK.JS_FreeValue(context, result)
                return
        _QUICK.JS_FreeValue(context, _QUICK.JS_GetException(context))
        raise BytecodeError("the prelude threw while loading")
    finally:
        allocated = _malloc_size(runtime)
        _QUICK.JS_SetGCThreshold(runtime, threshold if allocated <= threshold else allocated + allocated // 2)
