"""Renewing finished QuickJS context objects with fresh runtimes made and freed off the jobs' path.

The binding makes a runtime in `quickjs.Context()` and frees it when the object is deallocated,
both while holding the GIL: about 70 us to make one and up to 150 us to free one that loaded the
fetch prelude, while the event loop and every lane wait (profiled: after every job, the next job's
first step waited ~150 us for the GIL). So a finished job's context object is renewed instead: its
runtime and context are swapped for a fresh pair, made and set up in advance by a background thread,
and the old pair goes to that thread to be freed. That thread calls the engine through ctypes,
which releases the GIL: making and freeing run beside the jobs instead of between them.

Nothing of the old runtime survives into the next job: it gets a runtime as new as the binding
makes, a fresh global object, and its own limits (set again when it is taken). Only an object that
nothing else refers to is renewed (its reference count says so), so no handle into the freed runtime
can be left; any other object is freed by the binding as before. A pair is only ever used by one
thread at a time (the binding moves the stack limit to the calling thread on every call).
"""

from __future__ import annotations

import ctypes
import queue
import sys
import threading
from collections import deque

import quickjs

from js_runtime.quickjs.bytecode import BytecodeError, evaluate_in
from js_runtime.quickjs.capi import LIB, QUICK, pointers, replace_pointers

# Renewed context objects waiting for a job (a fresh runtime is ~0.17 MB of RSS), and fresh runtime pairs
# the background thread keeps made in advance.
SPARES = 32
READY = 8
# Only the local name in `renew` and getrefcount's own argument refer to an object nobody else holds.
_UNSHARED_REFCOUNT = 2

Pair = tuple[int, int]  # (JSRuntime*, JSContext*)


def _lib() -> ctypes.CDLL:
    assert LIB is not None, "renewal runs only where available() is true"
    return LIB


def available() -> bool:
    """Whether context objects can be renewed with this build of the binding."""
    return LIB is not None


class Renewer:
    """Spare context objects for new jobs, renewed from finished ones; one background thread."""

    def __init__(self, setup: bytes | None = None, *, spares: int = SPARES, ready: int = READY) -> None:
        self._setup = setup  # bytecode run in every fresh runtime before it is handed out
        self._spares: deque[quickjs.Context] = deque()
        self._max_spares = spares
        self._ready: deque[Pair] = deque()
        self._max_ready = ready
        self._orders: queue.SimpleQueue[Pair | None] = queue.SimpleQueue()  # a pair to free; None: make more
        self.freed = 0  # old pairs freed so far (for tests and the profile)
        self._thread = threading.Thread(target=self._serve, name="quickjs-runtimes", daemon=True)
        self._thread.start()
        self._orders.put(None)

    def take(self) -> quickjs.Context | None:
        """A renewed context object (set up, no limits yet), or None when none is waiting."""
        try:
            return self._spares.popleft()
        except IndexError:
            return None

    def renew(self, box: list[quickjs.Context]) -> None:
        """Give the context object in `box` (its only holder) a fresh runtime and keep it for `take`;
        or, when it is shared, the spares are full or no runtime can be made, let the binding free it."""
        ctx = box.pop()
        if len(self._spares) >= self._max_spares or sys.getrefcount(ctx) != _UNSHARED_REFCOUNT:
            return
        old = pointers(ctx)
        if old is None:
            return
        fresh = self._fresh_pair()
        if fresh is None:
            return
        replace_pointers(ctx, *fresh)
        assert QUICK is not None  # bound whenever LIB is
        QUICK.JS_SetRuntimeOpaque(fresh[0], id(ctx))  # as the binding does for the runtimes it makes
        self._orders.put(old)
        self._spares.append(ctx)

    def _fresh_pair(self) -> Pair | None:
        try:
            pair = self._ready.popleft()
        except IndexError:
            return self._make()  # the thread is behind: make one here (still without the GIL)
        self._orders.put(None)
        return pair

    def _serve(self) -> None:
        while True:
            order = self._orders.get()
            try:
                if order is None:
                    while len(self._ready) < self._max_ready and (pair := self._make()) is not None:
                        self._ready.append(pair)
                else:
                    _free(order)
                    self.freed += 1
            except Exception:  # noqa: BLE001 - a failure here must not stop renewing (nor kill the process)
                continue

    def _make(self) -> Pair | None:
        runtime = _lib().JS_NewRuntime()
        if not runtime:
            return None
        context = _lib().JS_NewContext(runtime)
        if not context:
            _lib().JS_FreeRuntime(runtime)
            return None
        if self._setup is not None:
            try:
                evaluate_in(runtime, context, self._setup)
            except BytecodeError:
                _free((runtime, context))
                return None
        return runtime, context


def _free(pair: Pair) -> None:
    runtime, context = pair
    _lib().JS_FreeContext(context)
    _lib().JS_FreeRuntime(runtime)
