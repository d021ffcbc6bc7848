"""The engine interface: one small protocol, two implementations (QuickJS and V8).

An `Engine` is one fresh JavaScript context for one job. All calls for one engine happen on one
thread (a `Lane`), because a QuickJS runtime must not be touched from two threads. Engine-specific
types and exceptions never leave the implementation modules: they raise the executor's errors.
"""

from __future__ import annotations

from typing import Literal, Protocol

from js_runtime.limits import Limits

EngineKind = Literal["quickjs", "v8"]
ENGINE_KINDS: tuple[EngineKind, ...] = ("quickjs", "v8")


class Engine(Protocol):
    """A fresh, isolated JavaScript context."""

    kind: EngineKind

    def eval(self, code: str, *, timeout: float) -> str | None:
        """Evaluate `code` as a script; return its value if it is a string, else None.

        Raises JobTimeout, MemoryLimitExceeded, or ScriptError for an uncaught exception.
        """
        ...

    def settle(self, *, timeout: float) -> None:
        """Run every pending microtask (promise reaction) until the queue is empty."""
        ...

    def memory_exhausted(self, thrown_nullish: bool) -> bool:
        """Whether the context hit its memory limit (a script may have caught the failure).

        `thrown_nullish`: the method rejected with null or undefined instead of an error.
        """
        ...

    def close(self) -> None:
        """Release the context; the engine is unusable afterwards."""
        ...


def create_engine(kind: EngineKind, limits: Limits) -> Engine:
    """A fresh context of the given kind with the memory and stack limits applied."""
    if kind == "quickjs":
        from js_runtime.quickjs_engine import QuickJSEngine

        return QuickJSEngine(limits)
    if kind == "v8":
        from js_runtime.v8_engine import V8Engine

        return V8Engine(limits)
    raise ValueError(f"unknown engine {kind!r}; expected one of {', '.join(ENGINE_KINDS)}")
