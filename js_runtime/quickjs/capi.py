"""The quickjs-ng engine's C API, called through ctypes on the binding's own contexts.

The binding exposes no bytecode API and creates and frees its runtimes while holding the GIL, but
its extension exports the engine's C functions. This module binds the few we use (`LIB`: ctypes
releases the GIL around each call; `QUICK`: those that return at once, called keeping it, so a lane
does not hand the GIL to the event loop and queue to get it back for each) and reads a binding
context's JSRuntime/JSContext pointers from its object: PyObject_HEAD, then JSRuntime*, then
JSContext*. That layout is checked once (JS_GetRuntime of the context must be the runtime next to
it), as is where a runtime keeps its allocated bytes and memory limit (read to resume garbage
collection after our own scripts load, js_runtime.quickjs.bytecode), on a 64-bit build only; if
anything does not match, `LIB` and `QUICK` are None and callers use the binding alone, with the same
results. They are also None, without a look at the layout, unless js_runtime.bindings allows the
internals of this quickjs-ng (the exact version this was written for, and
CONNECTOR_EXECUTOR_PLAIN_ENGINES unset).
"""

from __future__ import annotations

import ctypes

import _quickjs
import quickjs

from js_runtime.bindings import internals_allowed

TAG_EXCEPTION = 6
_RUNTIME_OFFSET = 2 * ctypes.sizeof(ctypes.c_void_p)
_CONTEXT_OFFSET = _RUNTIME_OFFSET + ctypes.sizeof(ctypes.c_void_p)
# In a JSRuntime: JSMallocFunctions (five function pointers), then JSMallocState (malloc_count,
# malloc_size, malloc_limit, ...). Checked once, like the binding's layout.
_MALLOC_SIZE_OFFSET = 6 * ctypes.sizeof(ctypes.c_void_p)
_MALLOC_LIMIT_OFFSET = _MALLOC_SIZE_OFFSET + ctypes.sizeof(ctypes.c_size_t)


class JSValue(ctypes.Structure):
    """JSValue on 64-bit builds: a 64-bit payload and a 64-bit tag (no NaN boxing)."""

    _fields_ = [("payload", ctypes.c_int64), ("tag", ctypes.c_int64)]


_SIGNATURES = {
    "JS_Eval": (JSValue, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int]),
    "JS_WriteObject": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), JSValue, ctypes.c_int]),
    "JS_ReadObject": (JSValue, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]),
    "JS_EvalFunction": (JSValue, [ctypes.c_void_p, JSValue]),
    "JS_GetException": (JSValue, [ctypes.c_void_p]),
    "JS_FreeValue": (None, [ctypes.c_void_p, JSValue]),
    "JS_GetRuntime": (ctypes.c_void_p, [ctypes.c_void_p]),
    "JS_UpdateStackTop": (None, [ctypes.c_void_p]),
    "js_free": (None, [ctypes.c_void_p, ctypes.c_void_p]),
    "JS_NewRuntime": (ctypes.c_void_p, []),
    "JS_NewContext": (ctypes.c_void_p, [ctypes.c_void_p]),
    "JS_FreeContext": (None, [ctypes.c_void_p]),
    "JS_FreeRuntime": (None, [ctypes.c_void_p]),
    "JS_SetRuntimeOpaque": (None, [ctypes.c_void_p, ctypes.c_void_p]),
    "JS_SetGCThreshold": (None, [ctypes.c_void_p, ctypes.c_size_t]),
    "JS_GetGCThreshold": (ctypes.c_size_t, [ctypes.c_void_p]),
}


# Calls that return at once: made through a second handle that keeps the GIL (ctypes.PyDLL), so a lane
# does not hand the GIL to the event loop and wait to get it back for each of them.
_QUICK = ("JS_UpdateStackTop", "JS_GetGCThreshold", "JS_SetGCThreshold", "JS_FreeValue", "JS_GetException",
          "JS_GetRuntime", "JS_SetRuntimeOpaque")


def pointers(ctx: quickjs.Context) -> tuple[int, int] | None:
    """(JSRuntime*, JSContext*) of a binding context, or None if the layout is not the expected one."""
    return None if QUICK is None else _pointers(QUICK, ctx)


def _pointers(lib: ctypes.CDLL, ctx: quickjs.Context) -> tuple[int, int] | None:
    if type(ctx) is not _quickjs.Context:
        return None
    runtime = ctypes.c_void_p.from_address(id(ctx) + _RUNTIME_OFFSET).value
    context = ctypes.c_void_p.from_address(id(ctx) + _CONTEXT_OFFSET).value
    if not runtime or not context or lib.JS_GetRuntime(context) != runtime:
        return None
    return runtime, context


def malloc_size(runtime: int) -> int:
    """The bytes a runtime has allocated now (what JS_ComputeMemoryUsage reports, without its walk)."""
    return ctypes.c_size_t.from_address(runtime + _MALLOC_SIZE_OFFSET).value


def replace_pointers(ctx: quickjs.Context, runtime: int, context: int) -> None:
    """Point the binding context `ctx` at another runtime and context (its old ones are the caller's)."""
    ctypes.c_void_p.from_address(id(ctx) + _RUNTIME_OFFSET).value = runtime
    ctypes.c_void_p.from_address(id(ctx) + _CONTEXT_OFFSET).value = context


def _bind(kind: type[ctypes.CDLL] = ctypes.CDLL, names: tuple[str, ...] = tuple(_SIGNATURES)) -> ctypes.CDLL | None:
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    try:
        lib = kind(_quickjs.__file__)  # the already-loaded extension: the same engine
        for name in names:
            restype, argtypes = _SIGNATURES[name]
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError):
        return None
    return lib


def _checked(lib: ctypes.CDLL | None) -> ctypes.CDLL | None:
    if lib is None:
        return None
    ctx = quickjs.Context()
    found = _pointers(lib, ctx)
    if found is None:
        return None
    limit = 48 * 1024 * 1024 + 4096  # a value no field holds by chance
    ctx.set_memory_limit(limit)
    runtime = found[0]
    if (ctypes.c_size_t.from_address(runtime + _MALLOC_LIMIT_OFFSET).value != limit
            or malloc_size(runtime) != ctx.memory()["malloc_size"]):
        return None
    return lib


LIB = _checked(_bind()) if internals_allowed("quickjs-ng") else None
QUICK = _bind(ctypes.PyDLL, _QUICK) if LIB is not None else None  # `_QUICK` only, without releasing the GIL
