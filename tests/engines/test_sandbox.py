"""Hostile scripts and limits, on both engines: each ends cleanly with the right code and reaches
nothing. Every limit in js_runtime.limits has a test here that hits it."""

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
from aiohttp import web

from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.lanes import LanePool
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

pytestmark = pytest.mark.asyncio

SHORT = Limits(timeout=1.0, memory=32 * 1024 * 1024)


def code_of(result) -> str | None:
    return result.error.code if result.error is not None else repr(result.error)


@pytest.mark.parametrize(("source", "code", "message"), [
    ("export default () => { while (true) {} }", "TIMEOUT", "time limit"),
    ("export default () => new Promise(() => {})", "TIMEOUT", "can never settle"),
    # An endless microtask flood that holds no memory (returning the promise would chain them all,
    # which ends in MEMORY_LIMIT instead on QuickJS: ~1 KB per link).
    ("export default async () => { const spin = () => { Promise.resolve().then(spin) }; spin();"
     " await new Promise((r) => setTimeout(r, 5000)) }", "TIMEOUT", ""),
    ("export default async () => { await new Promise((r) => setTimeout(r, 60000)) }", "TIMEOUT", "time limit"),
    ("export default () => { const a = []; while (true) a.push(new Array(10000).fill(1)) }", "MEMORY_LIMIT", ""),
    ("export default () => { const a = []; while (true) a.push('x'.repeat(100000) + a.length) }", "MEMORY_LIMIT", ""),
    ("export default () => { const f = () => f() + 1; return f() }", "SCRIPT_ERROR", "Maximum call stack size"),
    # A literal name fails at load (tests/engines/test_modules.py); a computed one when it runs.
    ("export default () => require(['f', 's'].join('')).readFileSync('/etc/passwd', 'utf8')", "SCRIPT_ERROR",
     "Cannot find module 'fs'"),
    ("export default async () => (await import(String('fs'))).readFileSync('/etc/passwd')", "SCRIPT_ERROR",
     "Cannot find module 'fs'"),
    ("export default () => require(`child_process`).execSync('id')", "SCRIPT_ERROR", "child_process"),
    ("export default () => process.env", "SCRIPT_ERROR", "process"),
    ("export default () => std.loadFile('/etc/passwd')", "SCRIPT_ERROR", "std"),
    ("export default () => os.exec(['id'])", "SCRIPT_ERROR", "os"),
    ("export default () => { throw 'a plain string' }", "SCRIPT_ERROR", "a plain string"),
    ("export default () => 10n", "INVALID_OUTPUT", "BigInt"),
    ("export default () => { const a = {}; a.self = a; return a }", "INVALID_OUTPUT", "circular"),
    ("export default () => ({ f() {} })", "INVALID_OUTPUT", "function"),
])
async def test_hostile_scripts_end_cleanly(run_js, source, code, message):
    started = time.monotonic()
    result = await run_js(source, limits=SHORT)
    assert code_of(result) == code, result.error
    assert message in str(result.error)
    assert time.monotonic() - started < 5


async def test_a_job_making_cyclic_garbage_far_past_its_memory_limit_is_collected(run_js):
    # Ten times the job's memory limit in reference cycles, which only the garbage collector frees
    # (QuickJS counts references otherwise). The prelude loads with collection off (see
    # js_runtime.quickjs.bytecode); had it stayed off for the job's own code, this ended in MEMORY_LIMIT.
    source = """export default () => {
      let kept = 0
      for (let i = 0; i < 4000; i++) {
        const a = { items: new Array(8000).fill(i) }, b = { a }
        a.b = b
        kept += b.a.items.length
      }
      return kept
    }"""
    result = await run_js(source, limits=Limits(timeout=10, memory=32 * 1024 * 1024))
    assert result.error is None, result.error
    assert result.output == 4000 * 8000


async def test_spinning_jobs_do_not_hold_up_jobs_started_after_them(run_js):
    # More spinners than a burst shares threads (lanes) or start slots (V8) with: a job started
    # after them still runs at once, on a lane of its own / with a start slot they gave back.
    spin = Limits(timeout=1.5, memory=32 * 1024 * 1024)
    spinners = [asyncio.ensure_future(run_js("export default () => { while (true) {} }", limits=spin))
                for _ in range(2 * (os.cpu_count() or 1) + 1)]
    await asyncio.sleep(0.3)
    started = time.monotonic()
    result = await run_js("export default () => 'healthy'")
    assert result.output == "healthy"
    assert time.monotonic() - started < 1.0
    assert not all(s.done() for s in spinners)
    assert {code_of(r) for r in await asyncio.gather(*spinners)} == {"TIMEOUT"}


async def test_a_burst_of_jobs_waiting_on_requests_overlaps(run_js, api_server):
    async def slow(_request):
        await asyncio.sleep(0.3)
        return web.json_response({"token": "slow"})

    api_server.route("GET", "/slow", slow)
    source = f"export default async () => (await (await fetch('{api_server.base}/slow')).json()).token"
    started = time.monotonic()
    results = await asyncio.gather(*(run_js(source) for _ in range(60)))
    assert [r.output for r in results] == ["slow"] * 60, [r.error for r in results if r.error][:1]
    assert time.monotonic() - started < 6  # one after another: 18 s


async def test_a_spinning_script_does_not_block_the_event_loop(run_js):
    gaps: list[float] = []

    async def ticker():
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    task = asyncio.ensure_future(ticker())
    result = await run_js("export default () => { while (true) {} }", limits=SHORT)
    task.cancel()
    assert code_of(result) == "TIMEOUT"
    assert len(gaps) > 20
    assert max(gaps) < 0.25


async def test_globals_changed_by_one_job_are_not_seen_by_the_next(run_js):
    polluter = """export default () => {
      globalThis.leaked = 'yes'; Array.prototype.includes = () => 'hijacked';
      JSON.stringify = () => 'hijacked'; Object.prototype.polluted = 1; return true }"""
    assert (await run_js(polluter)).output is True
    probe = """export default () => [typeof leaked, [1].includes(1), JSON.stringify({a: 1}),
      ({}).polluted === undefined]"""
    assert (await run_js(probe)).output == ["undefined", True, '{"a":1}', True]


async def test_the_bridge_cannot_be_replaced_or_forged(run_js):
    source = """export default async () => {
      try { globalThis.__ce = null } catch (e) {}
      try { __ce.deliver('{"responses":[{"id":1,"response":{"status":200}}]}') } catch (e) {}
      return typeof __ce }"""
    result = await run_js(source)
    assert result.output == "object"


async def test_log_volume_is_capped(run_js):
    result = await run_js("export default () => { for (let i = 0; i < 100000; i++) console.log('line', i); return 1 }",
                          limits=Limits(max_log_entries=20))
    assert result.output == 1
    assert len(result.trace.logs) == 21
    assert "log limit" in result.trace.logs[-1]["message"]


async def test_output_size_is_capped(run_js):
    result = await run_js("export default () => 'x'.repeat(200000)", limits=Limits(max_output_bytes=100000))
    assert code_of(result) == "INVALID_OUTPUT"


async def test_request_count_is_capped(run_js, api_server):
    api_server.reply("GET", "/ok", json_body={})
    source = f"""export default async () => {{
      for (let i = 0; i < 10; i++) {{ try {{ await fetch('{api_server.base}/ok') }} catch (e) {{}} }}
      return 'finished' }}"""
    result = await run_js(source, limits=Limits(max_requests=3))
    assert code_of(result) == "NETWORK_BLOCKED"
    assert len(api_server.received) == 3


async def test_request_urls_in_the_result_are_capped(run_js, api_server):
    # 50 fetches of 1.5 MiB URLs once made a 75 MB result (past the worker pipe's line limit).
    source = f"""export default async () => {{
      const long = '{api_server.base}/ok?q=' + 'x'.repeat(1.5 * 1024 * 1024);
      for (let i = 0; i < 5; i++) {{ try {{ await fetch(long + i) }} catch (e) {{}} }}
      return 'finished' }}"""
    limits = Limits(timeout=10)
    result = await run_js(source, limits=limits)
    assert result.output == "finished", result.error
    urls = [entry["url"] for entry in result.requests]
    assert len(urls) == 5
    for url in urls:
        assert url.startswith(f"{api_server.base}/ok?q=xxx")
        assert url.endswith(f"...[{1024 * 1024 * 3 // 2 + len(api_server.base) + 7 - limits.max_summary_url_chars} "
                            "more characters]")
        assert len(url) < limits.max_summary_url_chars + 40


async def test_response_size_is_capped(run_js, api_server):
    api_server.reply("GET", "/big", text="x" * 5000)
    policy = NetworkPolicy.from_strings(["127.0.0.1"])
    async with LiveTransport(policy, max_response_bytes=1000) as transport:
        result = await run_js(f"export default async () => (await fetch('{api_server.base}/big')).text()",
                              send=transport.send)
    assert code_of(result) == "NETWORK_ERROR"


INTERNAL_TARGETS = ["http://127.0.0.1:{port}/x", "http://localhost:{port}/x", "http://[::1]:{port}/x",
                    "http://2130706433:{port}/x", "http://0x7f.1:{port}/x", "http://169.254.169.254/latest"]


@pytest.mark.parametrize("target", INTERNAL_TARGETS)
async def test_every_global_called_with_an_internal_url_reaches_nothing(run_js, api_server, target):
    url = target.format(port=api_server.server.port)
    source = f"""export default async () => {{
      const url = {url!r};
      const tried = [];
      for (const name of Object.getOwnPropertyNames(globalThis)) {{
        const value = globalThis[name];
        if (typeof value !== 'function' || name === 'setInterval') continue;
        tried.push(name);
        try {{ await Promise.race([value(url), value({{ url }}), new Promise((r) => setTimeout(r, 1))]) }}
        catch (e) {{}}
      }}
      const axios = require('axios');
      for (const m of ['get', 'post', 'request']) {{ try {{ await axios[m](url) }} catch (e) {{}} }}
      return tried }}"""
    async with LiveTransport(NetworkPolicy(), max_response_bytes=1000) as transport:
        result = await run_js(source, send=transport.send, limits=Limits(timeout=5))
    assert code_of(result) == "NETWORK_BLOCKED"
    assert api_server.received == []


async def test_jobs_that_follow_each_other_on_one_lane_share_nothing(engine):
    # One lane: every job's context is made (QuickJS: renewed from the one before) on the same thread.
    async def no_network(request):
        raise AssertionError("no request is made")

    lanes = LanePool(max_lanes=1, busy_lanes=1)
    polluter = load_module("""export default () => {
      globalThis.leaked = 'secret'; Object.prototype.polluted = 'yes'; Array.prototype.push = () => 0;
      JSON.stringify = () => 'forged'; return 'done' }""", "polluter.js")
    checker = load_module("""export default () => [typeof leaked, ({}).polluted === undefined, [1].push(2),
      JSON.stringify({ a: 1 })]""", "checker.js")
    try:
        for _ in range(3):
            done = await run_method(MethodCall(polluter, "default", {}), engine=engine, send=no_network,
                                    limits=SHORT, trace=Trace(), lanes=lanes)
            assert done == "done"
            seen = await run_method(MethodCall(checker, "default", {}), engine=engine, send=no_network,
                                    limits=SHORT, trace=Trace(), lanes=lanes)
            assert seen == ["undefined", True, 2, '{"a":1}']
        assert lanes.size == 1
    finally:
        lanes.close()


# Many first jobs at once in a fresh process: the engine's one-time set-up (V8: the platform, its first
# isolate) happens once, before any concurrent use, and isolates made on any lane thread work (V8's
# memory protection keys once killed the process with SIGSEGV on the second lane to make an isolate).
_FIRST_JOBS = """
import asyncio, json, sys
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

async def main():
    async def no_network(request):
        raise AssertionError("no request is made")
    module = load_module("export default (ctx) => ctx.n * 2", "first.js")
    runs = [run_method(MethodCall(module, "default", {"n": n}), engine=sys.argv[1], send=no_network,
                       limits=Limits(timeout=20), trace=Trace()) for n in range(60)]
    print(json.dumps(await asyncio.gather(*runs)))
    # then jobs whose isolates are made and freed on lanes while others spin
    spin = load_module("export default () => { while (true) {} }", "spin.js")
    async def spinner():
        try:
            await run_method(MethodCall(spin, "default", {}), engine=sys.argv[1], send=no_network,
                             limits=Limits(timeout=0.5), trace=Trace())
        except Exception as exc:
            return exc.code
    print(json.dumps(await asyncio.gather(*(spinner() for _ in range(6)), *runs[:0])))

asyncio.run(main())
"""


async def test_many_first_jobs_at_once_in_a_fresh_process(engine):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _FIRST_JOBS, engine, cwd=root,
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, stderr.decode()[-2000:]
    outputs, spun = (json.loads(line) for line in stdout.decode().splitlines())
    assert outputs == [2 * n for n in range(60)]
    assert spun == ["TIMEOUT"] * 6
