"""Whether the engines may reach into their bindings' internals, or must use the plain public path.

What follows depends on how one exact binding version is built inside, not on its public API:
  - quickjs-ng: ctypes calls into the extension's C functions on pointers read out of the binding's
    context objects (prelude bytecode, swapping a finished context's runtime: js_runtime.quickjs.capi),
    and writes into a context object's time-limit fields (a wall-clock deadline: js_runtime.quickjs.interrupt);
  - mini-racer: a subclass of MiniRacer that skips its constructor, on a context made by a private
    function (js_runtime.v8.engine).
They are used only with the exact versions they were written for (WRITTEN_FOR), and never when the
environment variable CONNECTOR_EXECUTOR_PLAIN_ENGINES is set (to anything but "" or "0"); otherwise
each engine takes the binding's public path, with the same results, only slower. Imports nothing of
the project.
"""

from __future__ import annotations

import functools
import logging
import os
from importlib import metadata

PLAIN_ENGINES_ENV = "CONNECTOR_EXECUTOR_PLAIN_ENGINES"
# The distributions whose internals are reached into, and the exact versions that code was written for.
WRITTEN_FOR: dict[str, str] = {"quickjs-ng": "0.17.0.2", "mini-racer": "0.14.1"}

_log = logging.getLogger(__name__)


def plain_reason(distribution: str, installed: str | None, switch: str | None) -> str | None:
    """Why `distribution` (version `installed`) must be used through its public path, or None when its
    internals may be used; `switch` is the value of PLAIN_ENGINES_ENV (None when unset)."""
    if switch not in (None, "", "0"):
        return f"{PLAIN_ENGINES_ENV} is set"
    expected = WRITTEN_FOR.get(distribution)
    if expected is None:
        return f"no internals of {distribution} are known"
    if installed != expected:
        found = installed or "(not installed)"
        return f"{distribution} {found} is not {expected}, the version its internals were written for"
    return None


@functools.cache
def internals_allowed(distribution: str) -> bool:
    """Whether the engine built on `distribution` may use its internals (decided once per process;
    a refusal other than the switch is logged once)."""
    try:
        installed: str | None = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        installed = None
    switch = os.environ.get(PLAIN_ENGINES_ENV)
    reason = plain_reason(distribution, installed, switch)
    if reason is not None and switch in (None, "", "0"):
        _log.warning("%s: the engine uses the binding's public path only", reason)
    return reason is None
