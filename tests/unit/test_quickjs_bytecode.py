"""The QuickJS prelude bytecode: same behaviour as evaluating the source, compiled once, bounded by
the context's memory limit, and a working fallback when the binding's layout is not the expected one."""

import asyncio
import os

import pytest
import quickjs

from executor.errors import MemoryLimitExceeded
from js_runtime.bindings import PLAIN_ENGINES_ENV
from js_runtime.limits import DEFAULT_LIMITS, Limits
from js_runtime.modules import load_module
from js_runtime.prelude import ALL_UNITS, prelude_source
from js_runtime.quickjs import bytecode as quickjs_bytecode
from js_runtime.session import MethodCall, Trace, run_method

SCRIPT = """
var greet = (function () {
  const prefix = 'héllo ☃ ';
  const pattern = /(\\w+)@(\\w+)/u;
  return function greet(who) { const m = pattern.exec(who); return prefix + (m ? m[2] + '/' + m[1] : who); };
})();
class Counter { #n = 0; bump() { return ++this.#n; } }
var counter = new Counter();
"""
# With the switch set, the binding's internals are off on purpose (tests/unit/test_plain_engines.py);
# a version that differs from the one they were written for still fails the first test below, loudly.
uses_internals = pytest.mark.skipif(os.environ.get(PLAIN_ENGINES_ENV, "0") not in ("", "0"),
                                    reason=f"{PLAIN_ENGINES_ENV} forces the plain binding path")
PROBE = "JSON.stringify([greet('ann@example'), greet('bob'), counter.bump(), counter.bump(), typeof Counter])"


@uses_internals
def test_the_binding_in_use_supports_bytecode():
    # The pinned quickjs-ng build exposes the engine's C API; if an upgrade changed the object layout,
    # jobs would silently fall back to compiling the prelude (several times slower): fail loudly here.
    assert quickjs_bytecode.available()


@uses_internals
def test_bytecode_behaves_like_the_source():
    from_source = quickjs.Context()
    from_source.eval(SCRIPT)
    from_bytecode = quickjs.Context()
    quickjs_bytecode.evaluate(from_bytecode, quickjs_bytecode.compiled(SCRIPT))
    expected = '["héllo ☃ example/ann","héllo ☃ bob",1,2,"function"]'
    assert from_bytecode.eval(PROBE) == from_source.eval(PROBE) == expected


@uses_internals
def test_a_script_is_compiled_once_and_read_into_many_contexts():
    first = quickjs_bytecode.compiled(SCRIPT)
    assert quickjs_bytecode.compiled(SCRIPT) is first
    contexts = [quickjs.Context() for _ in range(3)]
    for ctx in contexts:
        quickjs_bytecode.evaluate(ctx, first)
    # Each context has its own state: bumping one counter leaves the others alone.
    assert [ctx.eval("counter.bump()") for ctx in contexts] == [1, 1, 1]
    assert contexts[0].eval("counter.bump()") == 2


@uses_internals
def test_loading_beyond_the_memory_limit_fails_cleanly_and_leaves_the_context_usable():
    ctx = quickjs.Context()
    ctx.set_memory_limit(ctx.memory()["malloc_size"] + 64 * 1024)  # the whole prelude needs far more
    with pytest.raises(quickjs_bytecode.BytecodeError):
        quickjs_bytecode.evaluate(ctx, quickjs_bytecode.compiled(prelude_source(ALL_UNITS)))
    assert ctx.eval("1 + 1") == 2


@uses_internals
def test_our_source_that_does_not_compile_is_a_loud_error():
    with pytest.raises(SyntaxError):
        quickjs_bytecode.compiled("function (")


def test_a_job_whose_prelude_does_not_fit_its_memory_limit_ends_with_memory_limit():
    module = load_module("export default async () => (await fetch('http://x.test')).status", "m.js")
    call = MethodCall(module, "default", {})
    tiny = Limits(timeout=DEFAULT_LIMITS.timeout, memory=256 * 1024)

    async def send(request):
        raise AssertionError("no request is made")

    with pytest.raises(MemoryLimitExceeded):
        asyncio.run(run_method(call, engine="quickjs", send=send, limits=tiny, trace=Trace()))


def test_jobs_run_the_same_when_the_binding_offers_no_bytecode(monkeypatch):
    module = load_module("export default async ({ s }) => ({ u: new URL(s).host, b: Buffer.from(s).length })", "m.js")
    call = MethodCall(module, "default", {"s": "https://api.example.com/x"})

    async def send(request):
        raise AssertionError("no request is made")

    def run():
        return asyncio.run(run_method(call, engine="quickjs", send=send, limits=DEFAULT_LIMITS, trace=Trace()))

    with_bytecode = run()
    monkeypatch.setattr(quickjs_bytecode, "available", lambda: False)
    assert run() == with_bytecode == {"u": "api.example.com", "b": 25}
