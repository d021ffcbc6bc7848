"""V8 (mini-racer) behind the Engine interface.

mini-racer runs each isolate on its own thread and reports results through callbacks on an asyncio
loop. We give it the job's running loop, so evaluations are awaited directly (no lane hop, no extra
loop thread per isolate); only creating and freeing an isolate, which block, happen on a lane.
Promise callbacks run after each evaluation on the isolate thread, before the next one starts, and
the next evaluation's timeout also bounds a runaway callback chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager

import py_mini_racer

from executor.errors import JobTimeout, MemoryLimitExceeded, ScriptError
from js_runtime.engine import EngineKind
from js_runtime.lanes import LanePool
from js_runtime.limits import Limits

# What mini-racer adds to a bare V8 context: connector code gets our console and timers instead
# (its timers are non-configurable `var`s, so the prelude overwrites them), and no WebAssembly or
# shared memory.
_REMOVED_GLOBALS = ("console", "WebAssembly", "SharedArrayBuffer", "Atomics")
_CLEARED_GLOBALS = ("__timer_manager", "setTimeout", "clearTimeout")
_DRAIN_SECONDS = 1.0
_SETUP = ";".join([f"delete globalThis.{name}" for name in _REMOVED_GLOBALS]
                  + [f"globalThis.{name} = undefined" for name in _CLEARED_GLOBALS])


class V8Engine:
    """One mini-racer isolate and context, driven from the event loop it was created for."""

    kind: EngineKind = "v8"

    def __init__(self, maker: AbstractContextManager[py_mini_racer.MiniRacer],
                 racer: py_mini_racer.MiniRacer, lanes: LanePool) -> None:
        self._maker = maker
        self._racer = racer
        self._lanes = lanes
        self._interrupted = False
        self._set_up = False  # _SETUP goes out with the first step: one round trip fewer

    @classmethod
    async def open(cls, limits: Limits, lanes: LanePool) -> V8Engine:
        loop = asyncio.get_running_loop()
        lane = lanes.acquire()
        try:
            maker, racer = await lane.run(_new_isolate, loop, limits)
        finally:
            lanes.release(lane)
        return cls(maker, racer, lanes)

    async def step(self, scripts: Sequence[str], *, timeout: float, prelude: str | None = None) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        value = None
        # The set-up and the prelude go out with the first script: one evaluation round trip.
        head = [part for part in (None if self._set_up else _SETUP, prelude) if part]
        self._set_up = True
        if head:
            scripts = [";\n".join([*head, *scripts[:1]]), *scripts[1:]]
        for script in scripts:
            left = deadline - loop.time()
            if left <= 0:
                raise JobTimeout("the job exceeded its time limit")
            value = await self._eval(script, left)
        return value if isinstance(value, str) else None

    async def memory_exhausted(self, thrown_nullish: bool) -> bool:
        return bool(self._racer.was_hard_memory_limit_reached())

    async def close(self) -> None:
        lane = self._lanes.acquire()
        if self._interrupted:
            # A cancelled evaluation must finish while the loop is still there to hear about it.
            await self._drain()
            try:
                await lane.run(self._maker.__exit__, None, None, None)
            finally:
                self._lanes.release(lane)
            return
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


    async def _drain(self) -> None:
        """Wait until the isolate has finished the evaluation we cancelled.

        mini-racer does not wait for a cancelled evaluation to stop; its completion callback comes
        later and must find the event loop still open. An evaluation queued behind it completes
        after it, so awaiting one is awaiting the termination.
        """
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(self._racer.eval_cancelable("0"), _DRAIN_SECONDS)


# V8 sets up process-wide state with the first isolate; two threads creating the first isolates at
# once abort the process (`Check failed: !IsConfigurablePoolInitialized()`), so the first is made alone.
_first_isolate_lock = threading.Lock()
_first_isolate_made = threading.Event()


def _new_isolate(loop: asyncio.AbstractEventLoop, limits: Limits) -> tuple[
        AbstractContextManager[py_mini_racer.MiniRacer], py_mini_racer.MiniRacer]:
    if _first_isolate_made.is_set():
        return _make_isolate(loop, limits)
    with _first_isolate_lock:
        made = _make_isolate(loop, limits)
        _first_isolate_made.set()
        return made


def _make_isolate(loop: asyncio.AbstractEventLoop, limits: Limits) -> tuple[
        AbstractContextManager[py_mini_racer.MiniRacer], py_mini_racer.MiniRacer]:
    maker = py_mini_racer.mini_racer(loop)
    racer = maker.__enter__()
    try:
        racer.set_hard_memory_limit(limits.memory)
    except BaseException:
        maker.__exit__(None, None, None)
        raise
    return maker, racer


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
