"""Interrupting a QuickJS call from another thread: the binding in use keeps its limits where
quickjs_interrupt writes them, a running call stops at once though its own (CPU) limit is far off,
and a context interrupted between calls refuses its next call until its limit is armed again."""

import os
import threading
import time

import pytest
import quickjs

from js_runtime.quickjs import interrupt as quickjs_interrupt


def test_the_binding_in_use_allows_interrupts() -> None:
    # A binding whose layout changed would silently fall back to its process-CPU limit (#19 item 3).
    assert quickjs_interrupt.available()


def test_a_running_call_stops_when_interrupted_from_another_thread() -> None:
    ctx = quickjs.Context()
    ctx.set_time_limit(quickjs_interrupt.backstop(60.0))
    outcome: list[str] = []

    def spin() -> None:
        try:
            ctx.eval("for (;;) {}")
        except quickjs.JSException as exc:
            outcome.append(str(exc).split("\n", 1)[0])

    thread = threading.Thread(target=spin)
    thread.start()
    time.sleep(0.2)
    assert thread.is_alive()  # spinning, far from its own limit
    stopped = time.monotonic()
    quickjs_interrupt.interrupt(ctx)
    thread.join(2.0)
    assert not thread.is_alive() and outcome == ["InternalError: interrupted"]
    assert time.monotonic() - stopped < 0.5


def test_an_interrupted_context_refuses_its_next_call_until_rearmed() -> None:
    ctx = quickjs.Context()
    ctx.set_time_limit(quickjs_interrupt.backstop(60.0))
    quickjs_interrupt.interrupt(ctx)  # between calls: the next one must not run on
    with pytest.raises(quickjs.JSException, match="interrupted"):
        ctx.eval("let n = 0; for (let i = 0; i < 1e7; i++) n++; n")
    ctx.set_time_limit(quickjs_interrupt.backstop(60.0))  # the next step arms its own limit
    assert ctx.eval("let m = 0; for (let i = 0; i < 1e6; i++) m++; m") == 1000000


def test_the_backstop_cannot_fire_before_the_wall_clock_deadline() -> None:
    # The process's CPU time grows at most one second per second per core it may run on.
    assert quickjs_interrupt.backstop(3.0) >= 3.0 * (len(os.sched_getaffinity(0)))
