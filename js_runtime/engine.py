"""The engine interface: one small async protocol, two implementations (QuickJS and V8).

An `Engine` is one fresh JavaScript context for one job. Script execution never runs on the event
loop: QuickJS contexts live on a lane (a thread that owns them, since a QuickJS runtime must not be
touched from two threads); V8 runs on mini-racer's own isolate thread and is awaited. Engine types
and exceptions never leave the implementation modules: they raise the executor's errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from js_runtime.lanes import LanePool
from js_runtime.limits import Limits

EngineKind = Literal["quickjs", "v8"]

# How long past a step's time limit an engine may take to stop before it is given up (abandoned:
# see js_runtime.lanes). The engines stop at the limit itself, except inside built-ins that never
# look at it; this margin only has to cover scheduling delays on a loaded machine.
STOP_GRACE_SECONDS = 2.0
ENGINE_KINDS: tuple[EngineKind, ...] = ("quickjs", "v8")


class Engine(Protocol):
    """A fresh, isolated JavaScript context."""

    kind: EngineKind

    async def step(self, scripts: Sequence[str], *, timeout: float, prelude: str | None = None) -> str | None:
        """Evaluate `scripts` in order, running pending promise callbacks after each; return the
        last one's value if it is a string.

        `prelude`, our own trusted script, is evaluated first; an engine may run a compiled form of
        it (QuickJS reads bytecode compiled once per process).

        Raises JobTimeout, MemoryLimitExceeded, or ScriptError for an uncaught exception.
        """
        ...

    async def memory_exhausted(self, thrown_nullish: bool) -> bool:
        """Whether the context hit its memory limit (a script may have caught the failure).

        `thrown_nullish`: the method rejected with null or undefined instead of an error.
        """
        ...

    async def close(self) -> None:
        """Release the context; the engine is unusable afterwards."""
        ...


async def open_engine(kind: EngineKind, limits: Limits, lanes: LanePool) -> Engine:
    """A fresh context of the given kind with the memory and stack limits applied."""
    if kind == "quickjs":
        from js_runtime.quickjs.engine import QuickJSEngine

        return await QuickJSEngine.open(limits, lanes)
    if kind == "v8":
        from js_runtime.v8.engine import V8Engine

        return await V8Engine.open(limits, lanes)
    raise ValueError(f"unknown engine {kind!r}; expected one of {', '.join(ENGINE_KINDS)}")
