"""Renewing finished QuickJS context objects: the renewed object holds a runtime as new as
`quickjs.Context()` makes (nothing of the job before, limits enforced again), the old runtime is
freed by the background thread, a context something still refers to is never renewed, and spares
are bounded."""

import os
import threading
import time

import pytest
import quickjs

from js_runtime.bindings import PLAIN_ENGINES_ENV
from js_runtime.quickjs import bytecode as quickjs_bytecode
from js_runtime.quickjs import recycle as quickjs_recycle

if os.environ.get(PLAIN_ENGINES_ENV, "0") not in ("", "0"):
    pytest.skip(f"{PLAIN_ENGINES_ENV} forces the plain binding path: no renewal", allow_module_level=True)

SETUP = quickjs_bytecode.compiled("globalThis.prepared = true;")


@pytest.fixture
def renewer():
    return quickjs_recycle.Renewer(SETUP)


def used_context() -> quickjs.Context:
    ctx = quickjs.Context()
    ctx.set_memory_limit(64 * 1024 * 1024)
    ctx.eval("globalThis.leak = 'secret'; Object.prototype.polluted = 1; var big = 'x'.repeat(4000000) + '!'")
    return ctx


def renew_only_holder(renewer, make=used_context) -> None:
    renewer.renew([make()])  # the box is the only holder, as QuickJSEngine.close hands it over


def wait_until(condition, seconds=5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition()


def test_the_binding_in_use_allows_renewal():
    # If an upgrade of the pinned quickjs-ng changed its object layout, renewal would silently stop
    # (every context made and freed holding the GIL again): fail loudly here.
    assert quickjs_recycle.available()


def test_a_renewed_context_keeps_nothing_of_the_job_before_it(renewer):
    renew_only_holder(renewer)
    ctx = renewer.take()
    assert ctx is not None
    assert ctx.eval("[typeof leak, ({}).polluted, typeof big, prepared].join()") == "undefined,,undefined,true"
    assert ctx.memory()["malloc_size"] < 1024 * 1024  # the 4 MB string went with the old runtime
    assert renewer.take() is None
    wait_until(lambda: renewer.freed == 1)  # the old runtime, freed by the background thread


def test_a_renewed_context_enforces_new_time_and_memory_limits(renewer):
    renew_only_holder(renewer)
    ctx = renewer.take()
    assert ctx is not None
    ctx.set_memory_limit(2 * 1024 * 1024)
    with pytest.raises(quickjs.JSException, match="out of memory"):
        ctx.eval("'y'.repeat(8000000) + '!'")
    ctx.set_time_limit(0.05)
    with pytest.raises(quickjs.JSException, match="interrupted"):
        ctx.eval("while (true) {}")
    ctx.set_time_limit(-1)
    assert ctx.eval("1 + 1") == 2


def test_a_renewed_context_can_be_used_from_another_thread(renewer):
    renew_only_holder(renewer)
    ctx = renewer.take()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ctx.eval("(function f(n) { return n ? f(n - 1) : 'deep' })(200)")))
    thread.start()
    thread.join()
    assert seen == ["deep"]


def test_a_context_with_a_handle_still_alive_is_not_renewed(renewer):
    ctx = used_context()
    handle = ctx.eval("({ kept: leak })")
    box = [ctx]
    del ctx
    renewer.renew(box)
    assert renewer.take() is None
    assert handle.json() == '{"kept":"secret"}'  # its runtime was left alone


def test_spares_are_bounded():
    renewer = quickjs_recycle.Renewer(SETUP, spares=3, ready=2)
    for _ in range(6):
        renew_only_holder(renewer, quickjs.Context)
    taken = []
    while (ctx := renewer.take()) is not None:
        taken.append(ctx)
    assert len(taken) == 3
    assert all(ctx.eval("prepared") is True for ctx in taken)


def test_renewing_faster_than_the_thread_makes_runtimes_still_renews(renewer):
    renewer = quickjs_recycle.Renewer(SETUP, ready=0)  # nothing made in advance: made on the spot
    renew_only_holder(renewer)
    ctx = renewer.take()
    assert ctx is not None and ctx.eval("typeof leak") == "undefined"
