"""QuickJS bytecode for our own trusted scripts (the prelude): compiled once, read into each context.

Compiling the prelude was most of a QuickJS job's cost; reading its bytecode is several times
cheaper. The quickjs-ng binding has no bytecode API, but its extension exports the engine's C API
(JS_Eval with JS_EVAL_FLAG_COMPILE_ONLY, JS_WriteObject, JS_ReadObject, JS_EvalFunction), which
this module calls through ctypes with the context's own JSContext pointer, read from the binding's
object. That layout is checked once (JS_GetRuntime of the context must be the runtime next to it)
and on a 64-bit build only; if anything does not match, `available()` is False and callers
evaluate the source instead, with the same result.

Only bytecode compiled here, in this process, from our own shim sources is ever read (QuickJS does
not validate bytecode). Connector code is never loaded this way: it is compiled from source under
the binding's time limit. The calls run without the binding's time limit (the prelude only defines
functions) but within the context's memory limit. The bytecode is written without the source text
(reading it is cheaper): `String(fetch)` reads `[native code]`, as a built-in's does; stack traces
keep their `<prelude>:line:column` positions.
"""

from __future__ import annotations

import ctypes
import functools
import threading

import _quickjs
import quickjs

_TAG_EXCEPTION = 6
_EVAL_GLOBAL_COMPILE_ONLY = 1 << 5  # JS_EVAL_TYPE_GLOBAL (0) | JS_EVAL_FLAG_COMPILE_ONLY
_WRITE_BYTECODE = (1 << 0) | (1 << 4)  # JS_WRITE_OBJ_BYTECODE | JS_WRITE_OBJ_STRIP_SOURCE
_READ_BYTECODE = 1 << 0
# The binding's Context object: PyObject_HEAD (refcount, type), then JSRuntime*, then JSContext*.
_RUNTIME_OFFSET = 2 * ctypes.sizeof(ctypes.c_void_p)
_CONTEXT_OFFSET = _RUNTIME_OFFSET + ctypes.sizeof(ctypes.c_void_p)


class _JSValue(ctypes.Structure):
    """JSValue on 64-bit builds: a 64-bit payload and a 64-bit tag (no NaN boxing)."""

    _fields_ = [("payload", ctypes.c_int64), ("tag", ctypes.c_int64)]


class BytecodeError(Exception):
    """Evaluating compiled bytecode threw (in practice: the context ran out of memory)."""


def _bind() -> ctypes.CDLL | None:
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    try:
        lib = ctypes.CDLL(_quickjs.__file__)  # the already-loaded extension: the same engine
        signatures = {
            "JS_Eval": (_JSValue, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int]),
            "JS_WriteObject": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), _JSValue,
                                                 ctypes.c_int]),
            "JS_ReadObject": (_JSValue, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]),
            "JS_EvalFunction": (_JSValue, [ctypes.c_void_p, _JSValue]),
            "JS_GetException": (_JSValue, [ctypes.c_void_p]),
            "JS_FreeValue": (None, [ctypes.c_void_p, _JSValue]),
            "JS_GetRuntime": (ctypes.c_void_p, [ctypes.c_void_p]),
            "JS_UpdateStackTop": (None, [ctypes.c_void_p]),
            "js_free": (None, [ctypes.c_void_p, ctypes.c_void_p]),
        }
        for name, (restype, argtypes) in signatures.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError):
        return None
    probe = quickjs.Context()
    return lib if _pointers(probe, lib) is not None else None


def _pointers(ctx: quickjs.Context, lib: ctypes.CDLL) -> tuple[int, int] | None:
    """(JSRuntime*, JSContext*) of a binding context, or None if the layout is not the expected one."""
    if type(ctx) is not _quickjs.Context:
        return None
    runtime = ctypes.c_void_p.from_address(id(ctx) + _RUNTIME_OFFSET).value
    context = ctypes.c_void_p.from_address(id(ctx) + _CONTEXT_OFFSET).value
    if not runtime or not context or lib.JS_GetRuntime(context) != runtime:
        return None
    return runtime, context


_LIB = _bind()
_compile_lock = threading.Lock()


def available() -> bool:
    """Whether bytecode can be used with this build of the binding."""
    return _LIB is not None


@functools.cache
def _compiled(source: str) -> bytes:
    assert _LIB is not None
    ctx = quickjs.Context()  # a scratch context: compiling runs nothing
    runtime, context = _pointers(ctx, _LIB) or (0, 0)
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


def compiled(source: str) -> bytes:
    """The bytecode of the global script `source`, compiled once per process."""
    with _compile_lock:
        return _compiled(source)


def evaluate(ctx: quickjs.Context, bytecode: bytes) -> None:
    """Run compiled bytecode in `ctx`, on the thread that owns it; raise BytecodeError if it throws."""
    assert _LIB is not None
    pointers = _pointers(ctx, _LIB)
    if pointers is None:
        raise TypeError("not a quickjs-ng context")
    runtime, context = pointers
    _LIB.JS_UpdateStackTop(runtime)
    function = _LIB.JS_ReadObject(context, bytecode, len(bytecode), _READ_BYTECODE)
    if function.tag != _TAG_EXCEPTION:
        result = _LIB.JS_EvalFunction(context, function)  # takes ownership of `function`
        if result.tag != _TAG_EXCEPTION:
            _LIB.JS_FreeValue(context, result)
            return
    _LIB.JS_FreeValue(context, _LIB.JS_GetException(context))
    raise BytecodeError("the prelude threw while loading")
