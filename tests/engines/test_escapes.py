"""Known sandbox-escape and resource-exhaustion techniques against our embedding, on QuickJS and V8.

Each case names the technique (as used against V8/QuickJS embedders and Node's `vm`) and asserts the
specific clean outcome: the job's error code (always an ExecutorError, never another exception) or a
returned value proving nothing leaked, and that the local server received nothing unless the case
allows it. `BASE` in a source is the local server's URL, `INTERNAL` a metadata address that must
never be contacted. Scripts complementing tests/engines/test_sandbox.py (not repeating it).

A guard refuses every non-loopback TCP connect before it happens, so even a policy bug could not
send traffic off the host; `connects` records what was attempted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from support.globals_doc import documented_globals

from executor.errors import ExecutorError
from executor.jobs.api_client import api_client_object
from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.bindings import internals_allowed
from js_runtime.limits import Limits
from js_runtime.session import ContextObject

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("connects")]

INTERNAL = "http://169.254.169.254/latest/meta-data/"
LIMITS = Limits(timeout=5.0)

# Helpers prepended to every case's source (plain declarations, valid before an `export`).
HELPERS = r"""
const HIDDEN = ['process', 'host', 'state', 'std', 'os', 'print', 'scriptArgs', 'bjson', 'gc', 'global',
  'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'performance', 'Deno', 'Bun', '__dirname', '__filename',
  'settle', 'modules', 'stringify', 'parseJson'];
function leaked(g) {
  return HIDDEN.filter((n) => { try { return typeof g[n] !== 'undefined'; } catch (e) { return true; } });
}
// The private `host` and the bridge's `state` are recognisable by their members.
function isPrivate(o) {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return false;
  const has = (k) => { try { return Object.prototype.hasOwnProperty.call(o, k); } catch (e) { return false; } };
  return (has('outbox') && has('pending')) || (has('setTimer') && has('request') && has('log'))
    || (has('registerModule') && has('defineGlobal'));
}
// Everything reachable from `roots` through properties (values, getters/setters, prototypes), no calls.
function reachPrivate(roots, budget) {
  const seen = new Set();
  const queue = roots.slice();
  const found = [];
  while (queue.length && seen.size < budget) {
    const o = queue.shift();
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    if (isPrivate(o)) found.push(Object.keys(o).slice(0, 4).join(','));
    let keys = [];
    try { keys = Reflect.ownKeys(o); } catch (e) { continue; }
    for (const k of keys) {
      let d;
      try { d = Object.getOwnPropertyDescriptor(o, k); } catch (e) { continue; }
      if (!d) continue;
      for (const v of [d.value, d.get, d.set]) if (v !== undefined) queue.push(v);
    }
    try { queue.push(Object.getPrototypeOf(o)); } catch (e) { /* a proxy */ }
  }
  return { found, visited: seen.size };
}
// Function or receiver of any stack frame that belongs to the prelude (its source mentions host/state).
function privateFrames(where) {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (e, sites) => sites;
  const sites = new Error().stack;
  Error.prepareStackTrace = saved;
  const bad = [];
  for (const s of Array.isArray(sites) ? sites : []) {
    let fn;
    let self;
    try { fn = s.getFunction(); } catch (e) { fn = undefined; }
    try { self = typeof s.getThis === 'function' ? s.getThis() : undefined; } catch (e) { self = undefined; }
    const source = typeof fn === 'function' ? Function.prototype.toString.call(fn) : '';
    if (/\bhost\.|\bstate\./.test(source) || isPrivate(self)) bad.push(where + ':' + s.getFunctionName());
  }
  return bad;
}
"""


def code_of(result: Any) -> str | None:
    """The job's error code, or a repr that fails any code comparison for a non-ExecutorError."""
    if result.error is None:
        return None
    return result.error.code if result.error is not None else f"NOT AN EXECUTOR ERROR: {result.error!r}"



@pytest.fixture
async def blocking_send() -> AsyncIterator[Callable[..., Any]]:
    """The live transport under the default policy: loopback (the local server) is refused."""
    async with LiveTransport(NetworkPolicy(), max_response_bytes=1 << 20) as transport:
        yield transport.send


@dataclass(frozen=True)
class Case:
    """A script and its one clean outcome: `output` (when `code` is None) or `code` + `message`."""

    id: str
    source: str
    code: str | None = None
    message: str = ""
    output: Any = None
    context: dict[str, Any] = field(default_factory=dict)
    received: int = 0            # requests the local server must have got (it allows loopback)
    objects: tuple[ContextObject, ...] = ()  # context objects the job hands the method (the apiClient)


def case(id: str, source: str, code: str | None = None, message: str = "", output: Any = None,
         **kw: Any) -> Any:
    return pytest.param(Case(id, source, code, message, output, **kw), id=id)


async def run_case(c: Case, run_js: Any, api_server: Any, send: Any = None, limits: Limits = LIMITS) -> Any:
    api_server.reply("GET", "/ok", json_body={"real": True})
    api_server.reply("GET", "/missing", status=404, json_body={"error": "nope"})
    source = HELPERS + c.source.replace("BASE", api_server.base).replace("INTERNAL", INTERNAL)
    started = time.monotonic()
    result = await run_js(source, c.context, limits=limits, send=send, objects=c.objects)
    assert time.monotonic() - started < limits.timeout + 3
    if c.code is None:
        assert result.error is None, result.error
        assert result.output == c.output
    else:
        assert code_of(result) == c.code, (result.error, result.output)
        assert c.message in result.error.message
    assert len(api_server.received) == c.received, [r.path for r in api_server.received]
    return result


# ---- constructor chains, callers, stack frames: nothing private is reachable ----------------------

REACHABILITY = [
    case("this.constructor.constructor", """
module.exports = function () {
  const g = this.constructor.constructor('return this')();
  return [g === globalThis, leaked(g)];
};""", output=[True, []]),
    case("object-constructor-return-process", """
module.exports = () => ({}).constructor.constructor('return process')();""",
         code="SCRIPT_ERROR", message="process is not defined"),
    case("context-constructor-chain", """
module.exports = (ctx) => {
  const g = ctx.constructor.constructor('return this')();
  const viaCreds = ctx.credentials.constructor.constructor('return globalThis')();
  return [g === globalThis, viaCreds === globalThis, Object.getPrototypeOf(ctx) === Object.prototype,
    leaked(g), reachPrivate([ctx], 50000).found];
};""", output=[True, True, True, [], []], context={"credentials": {"apiKey": "k"}}),
    case("promise-and-async-function-constructors", """
module.exports = () => {
  const viaPromise = Promise.resolve().constructor.constructor('return this')();
  const viaAsync = (async () => {}).constructor('return this')();
  const viaGenerator = (function* () {}).constructor('return this')();
  return Promise.all([viaPromise, viaAsync]).then(([a, b]) =>
    [a === globalThis, typeof b, viaGenerator.next().value === globalThis, leaked(a)]);
};""", output=[True, "object", True, []]),
    case("arguments.callee.caller-chains", """
const walk = (f) => {
  const names = [];
  for (let i = 0; i < 20 && typeof f === 'function'; i++) {
    names.push(f.name);
    try { f = f.caller; } catch (e) { break; }
  }
  return names;
};
module.exports = function run() {
  const direct = walk(arguments.callee);
  return new Promise((resolve) => setTimeout(function cb() { resolve([direct, walk(cb)]); }, 0));
};""", output=[["run"], ["cb"]]),
    case("everything-reachable-from-globalThis-and-modules", """
module.exports = async () => {
  const axios = require('axios');
  const r = reachPrivate([globalThis, axios, require, new Headers(), new Response('x'), new AbortController(),
    Promise.resolve(), new URL('https://a.example')], 100000);
  return [r.found, r.visited > 500];
};""", output=[[], True]),
    case("with-statement-scope", """
module.exports = function () {
  with (new Proxy({}, { has: () => false })) {
    with ({ [Symbol.unscopables]: {} }) { return [typeof host, typeof state, typeof process, typeof std]; }
  }
};""", output=["undefined"] * 4),
    case("prepareStackTrace-from-every-prelude-callback", r"""
module.exports = async () => {
  const bad = [];
  const realPush = Array.prototype.push, realSet = Map.prototype.set, realGet = Map.prototype.get;
  let busy = false;
  const hook = (where, real) => function (...args) {
    if (!busy) { busy = true; try { bad.splice(bad.length, 0, ...privateFrames(where)); } finally { busy = false; } }
    return real.apply(this, args);
  };
  Array.prototype.push = hook('push', realPush);
  Map.prototype.set = hook('map.set', realSet);
  Map.prototype.get = hook('map.get', realGet);
  try {
    console.log(new Proxy({}, { ownKeys() { bad.splice(0, 0, ...privateFrames('describe')); return []; } }));
    setTimeout(() => {}, { valueOf() { bad.splice(0, 0, ...privateFrames('delay')); return 0; } });
    await new Promise((r) => setTimeout(() => { bad.splice(0, 0, ...privateFrames('timer')); r(); }, 0));
    await fetch('BASE/ok').catch(() => {});
  } finally {
    Array.prototype.push = realPush; Map.prototype.set = realSet; Map.prototype.get = realGet;
  }
  return { toJSON() { return bad.concat(privateFrames('toJSON')); } };
};""", output=[], received=1),
    case("captureStackTrace-shows-no-host-paths", """
module.exports = () => {
  const o = {};
  Error.captureStackTrace(o);
  const s = String(o.stack) + String(new Error('x').stack);
  return [/\\.py|\\/work|site-packages|\\/usr\\//.test(s), s.includes('at ')];
};""", output=[False, True]),
    case("prepareStackTrace-recursion", """
module.exports = () => {
  Error.prepareStackTrace = () => new Error('inner').stack;
  try { return ['string', 'undefined'].includes(typeof new Error('outer').stack); }
  finally { Error.prepareStackTrace = undefined; }
};""", output=True),
]


@pytest.mark.parametrize("c", REACHABILITY)
async def test_nothing_private_is_reachable(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    await run_case(c, run_js, api_server)


async def test_response_and_error_objects_lead_nowhere(run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    c = Case("responses", """
module.exports = async () => {
  const axios = require('axios');
  const res = await axios.get('BASE/ok');
  let err;
  try { await axios.get('BASE/missing'); } catch (e) { err = e; }
  const fetched = await fetch('BASE/ok');
  const fetchErr = await fetch('http://[::1', {}).catch((e) => e);
  const viaRes = res.constructor.constructor('return this')();
  const viaErr = err.constructor.constructor('return this')();
  const viaConfig = err.config.transformResponse[0].constructor('return this')();
  const viaHeaders = res.headers.constructor.constructor('return this')();
  const viaFetch = fetched.headers.get.constructor('return this')();
  const roots = [res, err, fetched, fetchErr, err.toJSON(), res.request, res.config];
  return [[viaRes, viaErr, viaConfig, viaHeaders, viaFetch].every((g) => g === globalThis),
    leaked(viaRes), reachPrivate(roots, 50000).found, res.data, err.response.status];
};""", output=[True, [], [], {"real": True}, 404], received=3)
    await run_case(c, run_js, api_server)


# ---- engine-specific surfaces -------------------------------------------------------------------

# Documented globals (docs/globals.md), the Web companions the shims define with
# them (AbortSignal, DOMException), the bridge's entry point, and ECMAScript's own built-ins.
_DOCUMENTED = documented_globals()  # docs/globals.md is the list (tests/engines/test_globals.py checks it too)
UNIT_GLOBALS = set(_DOCUMENTED.shims)
CORE_GLOBALS = set(_DOCUMENTED.core)
ECMASCRIPT_GLOBALS = set(_DOCUMENTED.ecmascript)
ENGINE_GLOBALS = {engine: set(names) for engine, names in _DOCUMENTED.engine.items()}
QUICKJS_NATIVE_WEB = set(_DOCUMENTED.quickjs_native_web)

GLOBAL_NAMES = """module.exports = () => {
  const names = Reflect.ownKeys(globalThis).map(String);
  let proto = Object.getPrototypeOf(globalThis);
  const inherited = [];
  for (; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    inherited.push(...Reflect.ownKeys(proto).map(String));
  }
  return { names, inherited, timerManager: typeof globalThis.__timer_manager };
};"""


@pytest.mark.parametrize("uses_shims", [True, False], ids=["module-using-every-shim", "module-using-none"])
async def test_global_names_are_exactly_the_documented_ones(run_js, engine, uses_shims) -> None:  # type: ignore[no-untyped-def]
    mention = f"const MENTIONED = {sorted(UNIT_GLOBALS)!r};\n" if uses_shims else ""
    result = await run_js(mention + GLOBAL_NAMES)
    assert result.error is None, result.error
    names = set(result.output["names"]) - {"Symbol(Symbol.toStringTag)"}
    expected = CORE_GLOBALS | ECMASCRIPT_GLOBALS | ENGINE_GLOBALS[engine]
    if uses_shims:
        expected |= UNIT_GLOBALS
    elif engine == "quickjs":
        expected |= QUICKJS_NATIVE_WEB
    if engine == "v8" and not internals_allowed("mini-racer"):  # mini-racer's public path leaves these
        expected |= set(_DOCUMENTED.v8_plain)
    assert names == expected, (sorted(names - expected), sorted(expected - names))
    assert result.output["inherited"] in ([], ["constructor"])
    assert result.output["timerManager"] == "undefined"


ENGINE_SURFACES = [
    case("quickjs-std-os-print-scriptArgs-bjson", """
module.exports = () => ['std', 'os', 'print', 'scriptArgs', 'bjson', 'gc', 'Deno', 'process', 'global']
  .map((n) => typeof globalThis[n]);""", output=["undefined"] * 9),
    case("quickjs-module-specifiers", """
module.exports = async () => {
  const out = [];
  for (const name of ['std', 'os', 'qjs:std', 'qjs:os', 'qjs:bjson', '/etc/passwd', './spec.yml', 'fs',
      'data:text/javascript,export default 1']) {
    for (const load of [() => eval("import(name)"), () => Function('n', 'return import(n)')(name),
        () => (0, eval)("import('" + name + "')")]) {
      try { await load(); out.push(name + ': loaded'); } catch (e) { /* refused */ }
    }
  }
  return out;
};""", output=[]),
    case("v8-natives-syntax-is-disabled", """
module.exports = function run() {
  const out = [];
  for (const src of ['return %GetOptimizationStatus(f)', 'return %OptimizeFunctionOnNextCall(f)',
      'return %DebugPrint(f)', 'return %SystemBreak()']) {
    try { Function('f', src)(run); out.push('ran'); } catch (e) { out.push(e.name); }
  }
  try { eval('%GetOptimizationStatus(run)'); out.push('ran'); } catch (e) { out.push(e.name); }
  return out;
};""", output=["SyntaxError"] * 5),
    case("no-shared-memory-or-wasm", """
module.exports = () => [typeof SharedArrayBuffer, typeof Atomics, typeof WebAssembly,
  typeof globalThis.Atomics?.wait, Object.getOwnPropertyNames(globalThis).filter((n) => /Shared|Atomic|Wasm|WebAssembly/.test(n))];""",
         output=["undefined", "undefined", "undefined", "undefined", []]),
    case("no-high-resolution-timer", """
module.exports = () => {
  const samples = [];
  for (let i = 0; i < 1000; i++) samples.push(Date.now(), new Date().getTime());
  return [typeof performance, samples.every(Number.isInteger), typeof globalThis.process?.hrtime];
};""", output=["undefined", True, "undefined"]),
]


@pytest.mark.parametrize("c", ENGINE_SURFACES)
async def test_engine_specific_surfaces(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    await run_case(c, run_js, api_server)


# ---- the bridge: forging, redefining, re-entering ----------------------------------------------

BRIDGE = [
    case("forged-deliver-only-fools-the-script-itself", """
module.exports = async () => {
  const pending = fetch('BASE/ok');
  __ce.deliver(JSON.stringify({ responses: [{ id: 1, response: { status: 299, statusText: 'forged', headers: [],
    url: 'BASE/ok', redirected: false, body: { text: 'forged' } } }, { id: 999, response: {} }], fireTimers: true }));
  let garbage;
  try { __ce.deliver('not json'); } catch (e) { garbage = e.name; }
  const res = await pending;
  return [res.status, await res.text(), garbage];
};""", output=[299, "forged", "SyntaxError"]),  # settled before the session even sent the real one
    case("redefining-__ce", """
module.exports = async () => {
  const attempts = [
    () => { globalThis.__ce = { poll() { return '{}'; } }; },
    () => Object.defineProperty(globalThis, '__ce', { value: {} }),
    () => { if (!delete globalThis.__ce) throw new TypeError('kept'); },
    () => (0, eval)('var __ce = 1'),
    () => (0, eval)('function __ce() {}'),
    () => (0, eval)('let __ce = 1; class X {}'),
    () => { __ce.poll = () => '{}'; },
    () => { Object.setPrototypeOf(__ce, { poll: () => '{}' }); },
  ];
  for (const attempt of attempts) { try { attempt(); } catch (e) { /* refused */ } }
  Object.setPrototypeOf(globalThis, Object.create(null));
  Object.freeze(globalThis);
  const res = await fetch('BASE/ok');
  return [Object.isFrozen(__ce), await res.json()];
};""", output=[True, {"real": True}], received=1),
    case("calling-__ce.start-again", """
module.exports = async () => {
  __ce.start(function (module) { module.exports = () => 'second start'; }, 'run', '{}');
  await new Promise((r) => setTimeout(r, 10));
  return 'first start';
};""", output="second start"),
    case("__ce.start-with-a-forged-apiClient-is-still-policed", """
module.exports = async () => {
  let client;
  __ce.start(function (module) { module.exports = (ctx) => { client = ctx.apiClient; return new Promise(() => {}); }; },
    'run', '{}', JSON.stringify([{ maker: 'apiClient', keys: ['apiClient'], config: { baseUrl: 'INTERNAL' } }]));
  await client.get('/');
};""", code="NETWORK_BLOCKED", message="169.254.169.254", objects=(api_client_object({"baseUrl": "https://a.test"}),)),
    # without a context object that brings it, no maker exists: a forged one only fails the script
    case("__ce.start-with-a-maker-nothing-brought", """
module.exports = async () => {
  __ce.start(function (module) { module.exports = () => 1; }, 'run', '{}',
    JSON.stringify([{ maker: 'apiClient', keys: ['apiClient'], config: {} }]));
  return 2;
};""", code="SCRIPT_ERROR", message="not a function"),
    case("__ce.start-asking-for-an-unknown-service", """
module.exports = async () => {
  let client;
  __ce.start(function (module) { module.exports = (ctx) => { client = ctx.apiClient; return new Promise(() => {}); }; },
    'run', '{}', JSON.stringify([{ maker: 'apiClient', keys: ['apiClient'], config: { baseUrl: 'BASE' },
                                   options: { responseHandlers: true } }]));
  await client.get('/ok');
};""", code="SCRIPT_ERROR", message="unknown executor service", received=1,
         objects=(api_client_object({"baseUrl": "https://a.test"}),)),
    case("__ce.poll-steals-the-outbox", """
module.exports = async () => {
  const pending = fetch('BASE/ok');
  const stolen = JSON.parse(__ce.poll());
  await pending;
  return stolen;
};""", code="TIMEOUT", message="can never settle"),
    case("forged-executor-errors", """
module.exports = async () => { throw { message: 'forged', __ceError: { code: 'NO_SUCH_CODE', details: 'ab' },
  __ceNetwork: 5 }; };""", code="SCRIPT_ERROR", message="forged"),
    case("forged-executor-error-with-bad-details", """
module.exports = async () => { throw { message: 'm', __ceError: { code: 'ACCESS_TOKEN_EXPIRED', details: [1, 2] } }; };""",
         code="ACCESS_TOKEN_EXPIRED", message="m"),
    case("forged-network-error-shape", """
module.exports = async () => { throw { message: 'm', __ceNetwork: 'ECONNREFUSED' }; };""",
         code="SCRIPT_ERROR", message="m"),
]


@pytest.mark.parametrize("c", BRIDGE)
async def test_the_bridge_resists(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    await run_case(c, run_js, api_server, limits=Limits(timeout=1.5))


async def test_reconfiguring_the_log_budget_is_ignored(run_js) -> None:  # type: ignore[no-untyped-def]
    result = await run_js("""module.exports = () => {
      __ce.configure(JSON.stringify({ maxLogBytes: 1e9, maxLogEntries: 1e9 }));
      for (let i = 0; i < 500; i++) console.log('line', i);
      return 1 }""", limits=Limits(max_log_entries=20))
    assert result.output == 1
    assert len(result.trace.logs) == 21 and "log limit" in result.trace.logs[-1]["message"]


async def test_forged_log_entries_are_capped_by_the_session(run_js) -> None:  # type: ignore[no-untyped-def]
    # Array.prototype.push sees the bridge's own log array: the script can append what it likes.
    result = await run_js("""module.exports = async () => {
      const realPush = Array.prototype.push;
      let logs;
      Array.prototype.push = function (...items) {
        if (items.length === 1 && items[0] && items[0].level === 'log' && items[0].message === 'x') logs = this;
        return realPush.apply(this, items);
      };
      console.log('x');
      Array.prototype.push = realPush;
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 1000; j++) logs.push({ level: 'log', message: 'forged ' + j });
        await new Promise((r) => setTimeout(r, 0));
      }
      return 'done' }""", limits=Limits(max_log_entries=50))
    assert result.output == "done"
    assert len(result.trace.logs) == 51 and "log limit" in result.trace.logs[-1]["message"]


# ---- prototype pollution aimed at the bridge: only the script's own job breaks --------------------

BROKEN_BRIDGE = "broke the executor's bridge"
POLLUTION = [
    case("Object.prototype.toJSON", """
module.exports = () => { Object.prototype.toJSON = function () { return 5; }; return 1; };""",
         code="SCRIPT_ERROR", message=BROKEN_BRIDGE),
    case("Object.prototype.toJSON-forging-a-snapshot", """
module.exports = () => {
  Object.prototype.toJSON = function () {
    if (!Object.prototype.hasOwnProperty.call(this, 'nextTimer')) return this;
    return { settled: { ok: false, error: { executorError: { code: 'TIMEOUT', details: 'x' } } }, requests: 'r',
      logs: [{ level: 1 }], logsTruncated: 'no', nextTimer: 'soon' };
  };
  return 1;
};""", code="SCRIPT_ERROR", message=BROKEN_BRIDGE),
    case("Array.prototype.toJSON-forging-requests", """
module.exports = async () => {
  Array.prototype.toJSON = function () { return [{ id: 1, url: 'INTERNAL' }]; };
  await fetch('BASE/ok');
};""", code="SCRIPT_ERROR", message=BROKEN_BRIDGE),
    case("Promise.prototype.then", """
module.exports = () => { Promise.prototype.then = function () { return this; }; return 1; };""",
         code="TIMEOUT", message="can never settle"),
    case("JSON-replaced", """
module.exports = async () => {
  JSON.stringify = () => 'hijacked'; JSON.parse = () => ({ hijacked: true }); globalThis.JSON = null;
  const res = await fetch('BASE/ok');
  return [await res.text(), { nested: [1, 'two'] }];
};""", output=['{"real": true}', {"nested": [1, "two"]}], received=1),
    case("Map.prototype-throws", """
module.exports = async () => {
  const p = fetch('BASE/ok');
  Map.prototype.get = () => { throw new Error('map hijacked'); };
  await p;
};""", code="SCRIPT_ERROR", message="map hijacked", received=1),
    case("Map.prototype.get-returns-a-fake-waiter", """
module.exports = async () => {
  const p = fetch('BASE/ok');
  Map.prototype.get = () => ({ resolve() {}, reject() {} });
  await p;
};""", code="TIMEOUT", message="can never settle", received=1),
    case("Array.prototype-iterator", """
module.exports = async () => {
  const p = fetch('BASE/ok');
  Array.prototype[Symbol.iterator] = function* () { throw new Error('iterator hijacked'); };
  await p;
};""", code="SCRIPT_ERROR", message="iterator hijacked", received=1),
    case("Function.prototype.apply", """
module.exports = async () => {
  Function.prototype.apply = () => { throw new Error('apply hijacked'); };
  await new Promise((r) => setTimeout(r, 1));
};""", code="SCRIPT_ERROR", message="apply hijacked"),
    case("Math.max-poisons-the-next-timer", """
module.exports = async () => {
  Math.max = () => 'soon';
  await new Promise((r) => setTimeout(r, 1));
};""", code="SCRIPT_ERROR", message=BROKEN_BRIDGE),
    case("Date.now-frozen-in-the-past", """
module.exports = async () => {
  Date.now = () => 0;
  await new Promise((r) => setTimeout(r, 50));
  return 'fired';
};""", code="TIMEOUT", message="time limit"),
    case("Object.prototype-getters", """
module.exports = () => {
  // 'value' last: defineProperty itself reads an inherited `value` from its descriptor argument.
  for (const k of ['settled', 'requests', 'logs', 'ok', 'error', 'id', 'url', 'response', 'then', 'value']) {
    Object.defineProperty(Object.prototype, k, { get() { throw new Error('getter ' + k); }, configurable: true });
  }
  return { a: 1 };
};""", code="SCRIPT_ERROR", message="getter then"),
    case("outbox-item-with-a-huge-id", """
module.exports = async () => {
  const realPush = Array.prototype.push;
  Array.prototype.push = function (...items) {
    for (const it of items) if (it && typeof it === 'object' && 'followRedirects' in it) it.id = { deep: [[[[1]]]] };
    return realPush.apply(this, items);
  };
  const p = fetch('BASE/ok');
  Array.prototype.push = realPush;
  await p;
};""", code="TIMEOUT", message="", received=1),
]


@pytest.mark.parametrize("c", POLLUTION)
async def test_prototype_pollution_breaks_only_the_job(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    await run_case(c, run_js, api_server, limits=Limits(timeout=1.5))
    after = await run_js(f"module.exports = async () => (await fetch('{api_server.base}/ok')).json()")
    assert after.output == {"real": True}, after.error


# ---- the request that is checked is the request that is sent ------------------------------------

TOCTOU = [
    case("Symbol.toPrimitive-url-for-fetch", """
let n = 0;
const url = { [Symbol.toPrimitive]() { return n++ === 0 ? 'BASE/public' : 'INTERNAL'; } };
module.exports = async () => (await fetch(url)).status;"""),
    case("toString-url-for-Request", """
let n = 0;
const url = { toString() { return n++ === 0 ? 'BASE/public' : 'INTERNAL'; } };
module.exports = async () => (await fetch(new Request(url))).status;"""),
    case("toString-url-for-axios", """
const axios = require('axios');
let n = 0;
const url = { toString() { return n++ === 0 ? 'BASE/public' : 'INTERNAL'; } };
module.exports = async () => (await axios.get(url)).status;"""),
    case("String-subclass-url", """
class Flip extends String { toString() { Flip.n = (Flip.n || 0) + 1; return Flip.n === 1 ? 'BASE/public' : 'INTERNAL'; } }
module.exports = async () => (await fetch(new Flip('BASE/public'))).status;"""),
    case("URL-object-mutated-by-a-header-getter", """
module.exports = async () => {
  const url = new URL('BASE/public');
  const headers = { get 'x-a'() { url.href = 'INTERNAL'; return '1'; } };
  return (await fetch(url, { headers })).status;
};"""),
    case("axios-config-mutated-by-a-header-getter", """
const axios = require('axios');
module.exports = async () => {
  const config = { url: 'BASE/public', headers: {} };
  Object.defineProperty(config.headers, 'X-A', { enumerable: true, get() { config.url = 'INTERNAL'; return '1'; } });
  return (await axios(config)).status;
};"""),
    case("axios-interceptor-rewrites-after-the-first-read", """
const axios = require('axios');
module.exports = async () => {
  const client = axios.create();
  client.interceptors.request.use((config) => { setTimeout(() => { config.url = 'INTERNAL'; }, 0); return config; });
  return (await client.get('BASE/public')).status;
};"""),
    case("queued-request-mutated-before-the-session-reads-it", """
module.exports = async () => {
  const realPush = Array.prototype.push;
  let queued;
  Array.prototype.push = function (...items) {
    for (const it of items) if (it && typeof it === 'object' && 'followRedirects' in it) queued = it;
    return realPush.apply(this, items);
  };
  const p = fetch('BASE/public');
  Array.prototype.push = realPush;
  queued.url = 'INTERNAL';
  return (await p).status;
};"""),
]


@pytest.mark.parametrize("c", TOCTOU)
async def test_the_checked_url_is_the_sent_url(c: Case, run_js, api_server, connects) -> None:  # type: ignore[no-untyped-def]
    """A URL that changes between reads goes to the public (allowed) address or is refused; never inside."""
    api_server.reply("GET", "/public", json_body={})
    source = HELPERS + c.source.replace("BASE", api_server.base).replace("INTERNAL", INTERNAL)
    async with LiveTransport(NetworkPolicy.from_strings(["127.0.0.1"]), max_response_bytes=1 << 16) as transport:
        result = await run_js(source, send=transport.send, limits=LIMITS)
    assert [a for a in connects if a != "127.0.0.1"] == []
    urls = [r["url"] for r in result.requests]
    if result.error is None:
        assert result.output == 200
        assert [r.path for r in api_server.received] == ["/public"]
        assert all(u.endswith("/public") for u in urls), urls
    else:
        assert code_of(result) == "NETWORK_BLOCKED", result.error
        assert api_server.received == []
        assert "169.254.169.254" in result.error.message


# ---- malformed requests -------------------------------------------------------------------------

FORGE = """
module.exports = async () => {
  const realPush = Array.prototype.push;
  Array.prototype.push = function (...items) {
    for (const it of items) if (it && typeof it === 'object' && 'followRedirects' in it) Object.assign(it, PATCH);
    return realPush.apply(this, items);
  };
  let p;
  try { p = fetch('BASE/ok', { method: 'POST', body: 'hi' }); } finally { Array.prototype.push = realPush; }
  try { const r = await p; return r.status; } catch (e) { return e.cause ? e.cause.code : String(e); }
};"""

REQUESTS = [
    case("crlf-in-fetch-header-name", r"""
module.exports = async () => { try { await fetch('BASE/ok', { headers: { 'x-a\r\nX-Injected': '1' } }); }
  catch (e) { return [e.name, /invalid header name/.test(e.message)]; } };""", output=["TypeError", True]),
    case("crlf-in-fetch-header-value", r"""
module.exports = async () => { try { await fetch('BASE/ok', { headers: { 'x-a': 'v\r\nX-Injected: 1' } }); }
  catch (e) { return [e.message, e.cause.code]; } };""", output=["fetch failed", "ERR_INVALID_ARG_VALUE"]),
    case("crlf-in-fetch-method", r"""
module.exports = async () => { try { await fetch('BASE/ok', { method: 'GET /admin HTTP/1.1\r\nX-Injected: 1' }); }
  catch (e) { return [e.message, e.cause.code]; } };""", output=["fetch failed", "ERR_INVALID_ARG_VALUE"]),
    case("crlf-in-axios-header-name", r"""
const axios = require('axios');
module.exports = async () => { try { await axios.get('BASE/ok', { headers: { 'x-a\r\nX-Injected': '1' } }); }
  catch (e) { return e.code; } };""", output="ERR_INVALID_ARG_VALUE"),
    case("crlf-in-axios-header-value-is-stripped", r"""
const axios = require('axios');
module.exports = async () => (await axios.get('BASE/ok', { headers: { 'x-a': 'v\r\nX-Injected: 1' } })).status;""",
         output=200, received=1),
    case("crlf-in-url-is-removed-by-the-url-parser", r"""
module.exports = async () => (await fetch('BASE/ok\r\nX-Injected: 1')).status;""", output=404, received=1),
    case("non-string-method-and-url-through-the-api", """
module.exports = async () => {
  const method = { toString() { return 'GET'; } };
  const url = { toString() { return 'BASE/ok'; } };
  const status = (await fetch(url, { method })).status;
  const bad = await fetch(12345).catch((e) => e.name);
  return [status, bad];
};""", output=[200, "TypeError"], received=1),
    case("forged-crlf-header-name", FORGE.replace("PATCH", r"""{ headers: [['X-A: 1\r\nX-Injected', '2']] }"""),
         output="ERR_INVALID_ARG_VALUE"),
    case("forged-crlf-header-value", FORGE.replace("PATCH", r"""{ headers: [['X-A', '1\r\nX-Injected: 2']] }"""),
         output="ERR_INVALID_ARG_VALUE"),
    case("forged-non-string-method", FORGE.replace("PATCH", "{ method: 123 }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-non-string-url", FORGE.replace("PATCH", "{ url: { toString() { return 'INTERNAL'; } } }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-non-string-header", FORGE.replace("PATCH", "{ headers: [['x-a', {}]] }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-header-object", FORGE.replace("PATCH", "{ headers: { ab: 'c' } }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-invalid-base64-body", FORGE.replace("PATCH", "{ body: { base64: '!!!not base64' } }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-unpadded-base64-body", FORGE.replace("PATCH", "{ body: { base64: 'abc' } }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-string-body", FORGE.replace("PATCH", "{ body: 'raw' }"),
         code="SCRIPT_ERROR", message="malformed request"),
    case("forged-file-url", FORGE.replace("PATCH", "{ url: 'file:///etc/passwd' }"),
         code="NETWORK_BLOCKED", message="scheme is not allowed"),
    case("binary-bodies-arrive-intact", """
module.exports = async () => {
  const bytes = new Uint8Array(256).map((_, i) => i);
  const a = (await fetch('BASE/ok', { method: 'PUT', body: bytes })).status;
  const b = (await require('axios').put('BASE/ok', bytes.buffer, { validateStatus: () => true })).status;
  let atobError;
  try { atob('!!!'); } catch (e) { atobError = e.name; }
  return [a, b, atobError];
};""", output=[404, 404, "InvalidCharacterError"], received=2),
    case("fetch-non-http-schemes", """
module.exports = async () => {
  const out = [];
  for (const url of ['file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)', 'ftp://example.test/',
      'blob:https://example.test/x', 'ws://example.test/', 'about:blank']) {
    try { await fetch(url); out.push('fetched ' + url); } catch (e) { out.push(e.name + ': ' + e.message); }
  }
  return out;
};""", output=["TypeError: fetch failed"] * 7),
    case("axios-non-http-schemes", """
const axios = require('axios');
module.exports = async () => {
  const out = [];
  for (const url of ['file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)', 'ftp://example.test/']) {
    try { await axios.get(url); out.push('fetched ' + url); } catch (e) { out.push(e.code); }
  }
  return out;
};""", output=["ERR_BAD_REQUEST"] * 4),
]


@pytest.mark.parametrize("c", REQUESTS)
async def test_malformed_requests_are_refused(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    result = await run_case(c, run_js, api_server)
    for received in api_server.received:
        assert not any(k.lower() == "x-injected" for k in received.headers), received.headers
        assert "\n" not in received.path and "\r" not in received.path and received.method in ("GET", "PUT", "POST")
    if c.id == "binary-bodies-arrive-intact":
        assert [r.body for r in api_server.received] == [bytes(range(256))] * 2
    assert not [r for r in result.requests if not r["url"].startswith("http")] or c.code == "NETWORK_BLOCKED"


# ---- Proxies and getters handed to us -----------------------------------------------------------

TRAPS = [
    case("returned-proxy-with-a-throwing-trap", """
module.exports = () => new Proxy({}, { ownKeys() { throw new Error('trap'); } });""",
         code="SCRIPT_ERROR", message="trap"),
    case("returned-proxy-nesting-forever", """
const deep = () => new Proxy({}, { ownKeys: () => ['next'], getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
  get: (t, k) => (k === 'next' ? deep() : undefined) });
module.exports = () => deep();""", code="INVALID_OUTPUT", message="nested more than 100 levels"),
    case("returned-getter-that-changes", """
let n = 0;
module.exports = () => ({ get value() { n += 1; return n; } });""", output={"value": 1}),  # read once, as JSON.stringify does
    case("returned-toJSON-that-throws", """
module.exports = () => ({ toJSON() { throw new Error('toJSON says no'); } });""",
         code="SCRIPT_ERROR", message="toJSON says no"),
    case("thrown-proxy", """
module.exports = () => { throw new Proxy({}, { get() { throw new Error('trap on the thrown value'); }, has() { return true; } }); };""",
         code="SCRIPT_ERROR", message="trap on the thrown value"),
    case("thrown-error-with-a-lying-message", """
module.exports = () => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { return { toString() { throw new Error('lie'); } }; } }); throw e; };""",
         code="SCRIPT_ERROR", message="lie"),
    case("header-getter-that-throws", """
module.exports = () => fetch('BASE/ok', { headers: { get authorization() { throw new Error('getter says no'); } } });""",
         code="SCRIPT_ERROR", message="getter says no"),
    case("init-proxy-for-fetch", """
module.exports = () => fetch('BASE/ok', new Proxy({}, { get(t, k) { throw new Error('init trap ' + String(k)); } }));""",
         code="SCRIPT_ERROR", message="init trap"),
    case("axios-config-proxy", """
const axios = require('axios');
module.exports = () => axios(new Proxy({ url: 'BASE/ok' }, { ownKeys() { throw new Error('config trap'); } }));""",
         code="SCRIPT_ERROR", message="config trap"),
    case("console-log-of-hostile-objects", """
module.exports = () => {
  console.log(new Proxy({}, { ownKeys() { throw new Error('x'); } }), { get a() { throw new Error('y'); } },
    Object.create(null), new Proxy(function () {}, {}), Symbol('s'), 10n);
  return 'logged';
};""", output="logged"),
]


@pytest.mark.parametrize("c", TRAPS)
async def test_proxies_and_getters(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    await run_case(c, run_js, api_server)


# ---- resource exhaustion ------------------------------------------------------------------------

EXHAUSTION = [
    case("100k-setTimeout-0", """
module.exports = () => new Promise((resolve) => {
  let n = 0;
  const tick = () => { if (++n === 100000) resolve(n); };
  for (let i = 0; i < 100000; i++) setTimeout(tick, 0);
});""", output=100000),
    case("setTimeout-0-rescheduling-forever", """
module.exports = () => new Promise(() => { const again = () => setTimeout(again, 0); again(); });""",
         code="TIMEOUT", message="time limit"),
    case("setInterval-0-flood", """
module.exports = () => new Promise(() => { for (let i = 0; i < 1000; i++) setInterval(() => {}, 0); });""",
         code="TIMEOUT", message="time limit"),
    case("a-million-awaits", """
module.exports = async () => { let n = 0; for (let i = 0; i < 1e6; i++) { await null; n++; } return n; };""",
         output=1000000),
    case("a-million-then-chain", """
module.exports = async () => { let n = 0; let p = Promise.resolve();
  for (let i = 0; i < 1e6; i++) p = p.then(() => { n++; }); await p; return n; };""", output=1000000),
    case("doubling-string", """
module.exports = () => { let s = 'x'; for (;;) s += s; };""", code="SCRIPT_ERROR", message="string"),
    case("repeat-beyond-the-maximum-string-length", """
module.exports = () => 'x'.repeat(2 ** 30).length;""", code="SCRIPT_ERROR", message="string"),
    case("output-nested-100-levels-is-fine", """
module.exports = () => { let v = []; for (let i = 0; i < 99; i++) v = [v]; return JSON.stringify(v).length; };""",
         output=200),
    case("output-nested-100-levels", """
module.exports = () => { let v = 'leaf'; for (let i = 0; i < 100; i++) v = { v }; return v; };""",
         output=None),  # checked separately below
    case("output-nested-101-levels", """
module.exports = () => { let v = 'leaf'; for (let i = 0; i < 101; i++) v = { v }; return v; };""",
         code="INVALID_OUTPUT", message="nested more than 100 levels"),
    case("output-depth-bomb", """
module.exports = () => { let v = []; for (let i = 0; i < 100000; i++) v = [v]; return v; };""",
         code="INVALID_OUTPUT", message="nested more than 100 levels"),
    case("json-depth-bomb-parsed-in-the-script", """
module.exports = () => JSON.parse('['.repeat(1e5) + ']'.repeat(1e5)).length;""", output=None),  # see below
    case("requests-queued-in-one-tick", """
module.exports = () => Promise.all(Array.from({ length: 1000 }, () => fetch('BASE/ok')));""",
         code="NETWORK_BLOCKED", message="per-job limit"),
]


# QuickJS needs more than the 64 MiB heap for a million live promises: it must say so (it used to
# drop the method's rejection when out of memory, which read as "can never settle").
OUT_OF_MEMORY_ON_QUICKJS = {"a-million-then-chain"}


@pytest.mark.parametrize("c", EXHAUSTION)
async def test_resource_exhaustion(c: Case, run_js, api_server, engine) -> None:  # type: ignore[no-untyped-def]
    if engine == "quickjs" and c.id in OUT_OF_MEMORY_ON_QUICKJS:
        c = Case(c.id, c.source, code="MEMORY_LIMIT", message="memory limit")
    if c.id == "output-nested-100-levels":
        api_server.reply("GET", "/ok", json_body={})
        result = await run_js(HELPERS + c.source, limits=LIMITS)
        depth, value = 0, result.output
        while isinstance(value, dict):
            depth, value = depth + 1, value["v"]
        assert (depth, value) == (100, "leaf"), result.error
        return
    if c.id == "json-depth-bomb-parsed-in-the-script":
        # V8 parses it; QuickJS runs out of stack: both are clean, engine-specific outcomes.
        result = await run_js(HELPERS + c.source, limits=LIMITS)
        assert result.output == 1 or (code_of(result) == "SCRIPT_ERROR" and "call stack" in result.error.message)
        return
    limits = Limits(timeout=1.0) if c.code == "TIMEOUT" else Limits(timeout=5.0, max_requests=5)
    result = await run_case(c, run_js, api_server, limits=limits)
    assert len(result.requests) <= 5


# The output is measured while the bridge copies it, before it is serialised or leaves the engine
# (#19 item 6): an oversized one is refused with INVALID_OUTPUT without being copied (V8 used to copy
# a returned 256 MiB string several times, 1.4 GB of RSS, and answered an object with a million keys
# with TIMEOUT); the session checks the exact size (JSON with ASCII escapes) of what does come out.
# What a script queues to send is measured the same way, before it leaves the engine.
MiB = 1 << 20
OUTPUT_SIZE = [
    case("a-string-of-exactly-the-output-limit", f"""
module.exports = () => 'x'.repeat({MiB - 2});""", output="x" * (MiB - 2)),
    case("a-string-one-character-over-the-output-limit", f"""
module.exports = () => 'x'.repeat({MiB - 1});""", code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("a-16-MiB-string", """
module.exports = () => 'x'.repeat(2 ** 24);""", code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("an-object-with-200000-keys", """
module.exports = () => { const o = {}; for (let i = 0; i < 200000; i++) o[i] = i; return o; };""",
         code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("an-array-of-length-2**32-1", """
module.exports = () => { const a = []; a.length = 2 ** 32 - 1; return a; };""",
         code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("a-sparse-array-of-a-million-holes", """
module.exports = () => { const a = []; a[2 ** 20] = 1; return { a }; };""",
         code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("small-strings-under-a-large-getter", """
module.exports = () => ({ get a() { return Array.from({ length: 300000 }, () => 'abcd'); } });""",
         code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("escapes-over-the-exact-limit", """
module.exports = () => '\\u00e9'.repeat(300000);""", code="INVALID_OUTPUT", message=f"exceeds {MiB} bytes"),
    case("uploads-of-3-MiB-at-once-are-sent", """
module.exports = async () => { const big = 'x'.repeat(2 ** 20);
  return (await Promise.all([1, 2, 3].map(() => fetch('BASE/ok', { method: 'POST', body: big })))).map((r) => r.status); };""",
         output=[404, 404, 404], received=3),
    case("uploads-of-20-MiB-queued-at-once", """
module.exports = async () => { const big = 'x'.repeat(2 ** 20);
  return Promise.all(Array.from({ length: 20 }, () => fetch('BASE/ok', { method: 'POST', body: big }))); };""",
         code="NETWORK_BLOCKED", message="max_queued_request_bytes"),
    case("uploads-of-20-MiB-behind-array-index-accessors", """
module.exports = async () => { const big = 'x'.repeat(2 ** 20);
  const sent = Array.from({ length: 20 }, () => fetch('BASE/ok', { method: 'POST', body: big }));
  for (let i = 0; i < 64; i++) Object.defineProperty(Array.prototype, i, { set() {}, get() { return 0; }, configurable: true });
  await sent[0]; };""",
         code="NETWORK_BLOCKED", message="max_queued_request_bytes"),
    case("one-upload-of-17-MiB", """
module.exports = async () => fetch('BASE/ok', { method: 'POST', body: 'x'.repeat(17 * 2 ** 20) });""",
         code="NETWORK_BLOCKED", message="max_queued_request_bytes"),
    case("an-output-behind-array-index-accessors", """
module.exports = () => { const big = 'x'.repeat(2 ** 21);
  Object.defineProperty(Array.prototype, 0, { set() {}, get() { return big; }, configurable: true });
  return [1, [2]]; };""", output=[1, [2]]),
    case("an-output-with-a-__proto__-key", """
module.exports = () => JSON.parse('{"__proto__": 1, "a": {"__proto__": [2]}}');""",
         output={"__proto__": 1, "a": {"__proto__": [2]}}),
    case("a-thrown-object-holding-16-MiB", """
module.exports = () => { throw { big: 'x'.repeat(2 ** 24) }; };""", code="SCRIPT_ERROR", message="[object Object]"),
    case("an-executor-error-holding-16-MiB", """
module.exports = () => { const e = new Error('forged');
  e.__ceError = { code: 'RATE_LIMIT_EXCEEDED', message: 'm'.repeat(2 ** 24), details: { big: 'x'.repeat(2 ** 24) } };
  throw e; };""", code="RATE_LIMIT_EXCEEDED", message="m" * 65536 + "\u2026"),
]


@pytest.mark.parametrize("c", OUTPUT_SIZE)
async def test_output_size_is_bounded_before_the_output_leaves_the_engine(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    await run_case(c, run_js, api_server, limits=Limits(timeout=10.0))


def _generated_json(rng: Any, depth: int = 0) -> Any:
    """A JSON value that survives a round trip through JS unchanged (no integral floats, no -0)."""
    pieces = ["a", "Z", " ", '"', "\\", "\n", "\x01", "\u00e9", "\u20ac", "\U0001f600", "\u2028", "/"]
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randrange(-10**6, 10**6)
    if kind == 2:
        return rng.randrange(-10**4, 10**4) + 0.5
    if kind in (3, 4):
        return "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
    if kind == 5:
        return [_generated_json(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 5))): _generated_json(rng, depth + 1)
            for _ in range(rng.randrange(5))}


async def test_the_output_limit_is_the_exact_json_size_on_generated_values(run_js) -> None:  # type: ignore[no-untyped-def]
    """The engine's measure only ever refuses what the exact one would: at exactly its JSON size a
    value is returned whole, one byte less and it is INVALID_OUTPUT (200 generated values)."""
    import json
    import random

    rng = random.Random(19)
    source = "module.exports = (c) => c.v;"
    for _ in range(200):
        value = _generated_json(rng)
        size = len(json.dumps(value))
        fits = await run_js(source, {"v": value}, limits=Limits(timeout=10.0, max_output_bytes=size))
        assert (fits.error, fits.output) == (None, value)
        over = await run_js(source, {"v": value}, limits=Limits(timeout=10.0, max_output_bytes=size - 1))
        assert code_of(over) == "INVALID_OUTPUT", (value, over.error)


async def test_an_error_message_leaves_the_engine_cut(run_js) -> None:  # type: ignore[no-untyped-def]
    result = await run_js("module.exports = () => { throw new TypeError('x'.repeat(2 ** 24)); };", limits=LIMITS)
    assert code_of(result) == "SCRIPT_ERROR"
    assert result.error.message == "x" * 65536 + "\u2026"  # and the job result keeps far less (redacted first)


# A child process measures its own peak RSS (ru_maxrss) across hostile outputs, with a 512 MiB engine
# memory limit so that both engines can build them: it must stay within the engine's own limit.
_OUTPUT_CHILD = """
import asyncio, json, resource, sys
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

async def run(source, limits):
    async def no_network(request):
        raise AssertionError("no request is made")
    try:
        await run_method(MethodCall(load_module(source, "t.js"), "default", {}), engine=sys.argv[1],
                         send=no_network, limits=limits, trace=Trace())
        return None
    except Exception as exc:
        return getattr(exc, "code", repr(exc))

async def main():
    limits = Limits(timeout=20.0, memory=int(sys.argv[2]))
    await run("module.exports = () => 1", limits)
    before = peak()
    codes = [await run(source, limits) for source in json.loads(sys.stdin.read())]
    print(json.dumps({"codes": codes, "grew": peak() - before}))

asyncio.run(main())
"""
HUGE_OUTPUTS = {
    "module.exports = () => 'x'.repeat(2 ** 28);": "INVALID_OUTPUT",
    "module.exports = () => { const o = {}; for (let i = 0; i < 1e6; i++) o[i] = i; return o; };": "INVALID_OUTPUT",
    "module.exports = () => { throw new Error('x'.repeat(2 ** 27)); };": "SCRIPT_ERROR",
    # 300 uploads of one 1 MiB string each: V8 reached 1.3 GB of RSS before the request cap refused them.
    """module.exports = () => { const big = 'x'.repeat(2 ** 20);
      return Promise.all(Array.from({ length: 300 }, () => fetch('http://example.com/', { method: 'POST', body: big })));
    };""": "NETWORK_BLOCKED",
}


async def test_a_huge_output_costs_no_more_memory_than_the_engine_may_use(engine) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys

    memory = 512 * MiB
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _OUTPUT_CHILD, engine, str(memory), cwd=root,
                                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(child.communicate(json.dumps(list(HUGE_OUTPUTS)).encode()), 120)
    assert child.returncode == 0, stderr.decode()[-2000:]
    seen = json.loads(stdout)
    assert seen["codes"] == list(HUGE_OUTPUTS.values())
    assert seen["grew"] < memory, seen["grew"] // MiB  # V8 used to reach 1.4 GB on the 256 MiB string alone


async def test_nested_context(run_js) -> None:  # type: ignore[no-untyped-def]
    walk = "module.exports = (c) => { let n = 0; while (c && c.a) { c = c.a; n++; } return n; }"

    def nested(depth: int) -> dict[str, Any]:
        root: dict[str, Any] = {}
        node = root
        for _ in range(depth):
            node["a"] = {}
            node = node["a"]
        return root

    assert (await run_js(walk, nested(300))).output == 300
    deep = await run_js(walk, nested(50000))
    assert code_of(deep) == "INVALID_INPUT" and "nested too deeply" in deep.error.message


async def test_hostile_upstream_json_depth_bomb(run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    async def bomb(_: web.Request) -> web.Response:
        return web.Response(text="[" * 200000 + "]" * 200000, content_type="application/json")

    api_server.route("GET", "/bomb", bomb)
    result = await run_js(f"""const axios = require('axios');
      module.exports = async () => {{ const r = await axios.get('{api_server.base}/bomb');
        return [typeof r.data, r.data.length] }}""", limits=LIMITS)
    # axios parses silently: the nested array (V8) or, past QuickJS's stack, the text itself.
    assert result.error is None, result.error
    assert result.output in (["object", 1], ["string", 400000])


async def test_forged_service_calls_are_bounded_by_requests(engine, api_server, live_send) -> None:  # type: ignore[no-untyped-def]
    """Service answers (the apiClient's responseHandlers) run in Python: a script forging a flood of
    asks must not keep the event loop busy: asks are capped in proportion to the request limit."""
    from js_runtime.modules import load_module
    from js_runtime.session import MethodCall, Trace, run_method

    api_server.reply("GET", "/ok", json_body={})
    asked: list[Any] = []

    def handlers(payload: Any) -> dict[str, str]:
        asked.append(payload)
        return {"action": "default"}

    source = f"""module.exports = async () => {{
      const realPush = Array.prototype.push;
      Array.prototype.push = function (...items) {{
        const n = realPush.apply(this, items);
        if (items.some((it) => it && typeof it === 'object' && 'followRedirects' in it)) {{
          for (let i = 0; i < 10000; i++) realPush.call(this, {{ id: 1e6 + i, service: 'responseHandlers', payload: i }});
        }}
        return n;
      }};
      const p = fetch('{api_server.base}/ok');
      Array.prototype.push = realPush;
      await p;
    }}"""
    call = MethodCall(load_module(source, "flood.js"), "run", {}, {"responseHandlers": handlers})
    with pytest.raises(ExecutorError) as raised:
        await run_method(call, engine=engine, send=live_send, limits=LIMITS, trace=Trace())
    assert raised.value.code == "SCRIPT_ERROR" and "services" in raised.value.message
    assert len(asked) <= 2 * LIMITS.max_requests and len(api_server.received) <= 1


async def test_engine_errors_name_the_error_not_a_source_line(run_js) -> None:  # type: ignore[no-untyped-def]
    """An error thrown outside the method's promise (here an early SyntaxError) is reported as
    `Name: message`; V8's report used to yield the offending source line when it contained ': '."""
    result = await run_js("let x = { secret: 'in the source' }; let x = { b: 2 };\nmodule.exports = () => x;")
    assert code_of(result) == "SCRIPT_ERROR"
    assert result.error.message.startswith("SyntaxError: ") and "in the source" not in result.error.message


# Built-ins that never look at the time limit on huge array-likes (QuickJS: no interrupt check;
# V8: TerminateExecution ignored), and a returned array the bridge would have to walk. The job still
# answers TIMEOUT within its limit plus the engine's stop grace; the engine is abandoned (counted by
# lanes.abandoned_work, which the worker/CLI answer by recycling/exiting) and a healthy job started
# right after is not held up by it.
IGNORES_THE_TIME_LIMIT = [
    case("lastIndexOf-on-a-2**53-array-like", """
module.exports = () => Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1);""", code="TIMEOUT"),
    case("reverse-on-a-2**32-array-like", """
module.exports = () => Array.prototype.reverse.call({ length: 2 ** 32 - 1 });""", code="TIMEOUT"),
    case("includes-on-a-2**53-array-like", """
module.exports = () => Array.prototype.includes.call({ length: 2 ** 53 - 1 }, 1);""", code="TIMEOUT"),
    case("join-on-a-2**32-array-like", """
module.exports = () => Array.prototype.join.call({ length: 2 ** 32 - 1 }).length;""", code="TIMEOUT"),
    case("copyWithin-on-a-2**53-array-like", """
module.exports = () => Array.prototype.copyWithin.call({ length: 2 ** 53 - 1 }, 0, 1).length;""", code="TIMEOUT"),
    case("sort-of-a-sparse-array", """
module.exports = () => { const a = []; a[2 ** 32 - 2] = 1; return a.sort().length; };""", code="TIMEOUT"),
]


# A job's time limit is its own wall-clock time (#19 item 3). QuickJS used to count the process's CPU
# time, shared by every lane: beside spinning jobs a job's limit ran out early (on two idle cores,
# after half its time), and where the process got less than a core a spinner outlived its limit
# until its lane was abandoned (seen: TIMEOUT after 5 s of a 3 s limit, its lane given up).
SPINNER = "module.exports = () => { for (;;) {} };"
BUSY_FOR_TWO_SECONDS = """
module.exports = () => { const until = Date.now() + 2000; let n = 0; while (Date.now() < until) n++; return 'done'; };"""


async def test_a_jobs_time_limit_counts_its_own_time_beside_spinners(run_js) -> None:  # type: ignore[no-untyped-def]
    from js_runtime.lanes import abandoned_work

    abandoned = abandoned_work()

    async def timed(source: str) -> tuple[Any, float]:
        started = time.monotonic()
        result = await run_js(source, limits=Limits(timeout=3.0))
        return result, time.monotonic() - started

    spinners = [asyncio.ensure_future(timed(SPINNER)) for _ in range(3)]
    await asyncio.sleep(0.1)
    busy, busy_seconds = await timed(BUSY_FOR_TWO_SECONDS)
    assert (busy.output, busy.error) == ("done", None), f"failed after {busy_seconds:.2f} s"
    for spinner, seconds in await asyncio.gather(*spinners):
        assert code_of(spinner) == "TIMEOUT", spinner.error
        assert 2.95 <= seconds < 3.75, seconds  # on time: neither early nor left to the stop grace
    assert abandoned_work() == abandoned  # every spinner was stopped, none given up


# Run in a child process: an abandoned engine keeps its thread busy until the process exits, which is
# exactly what the worker and the CLI do about it (this test process must not keep burning CPU).
_IGNORING_CHILD = """
import asyncio, json, os, sys, time
from js_runtime import lanes
from js_runtime.limits import Limits
from js_runtime.session import ContextObject
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

async def run(source, limits):
    async def no_network(request):
        raise AssertionError("no request is made")
    started = time.monotonic()
    try:
        output, code = await run_method(MethodCall(load_module(source, "t.js"), "default", {}), engine=sys.argv[1],
                                        send=no_network, limits=limits, trace=Trace()), None
    except Exception as exc:
        output, code = None, getattr(exc, "code", repr(exc))
    return {"output": output, "code": code, "seconds": time.monotonic() - started}

async def main():
    sources = json.loads(sys.stdin.read())
    hostile = [asyncio.ensure_future(run(source, Limits(timeout=1.0))) for source in sources]
    await asyncio.sleep(0.2)
    healthy = await run("module.exports = () => 'healthy'", Limits(timeout=1.0))
    print(json.dumps({"healthy": healthy, "hostile": await asyncio.gather(*hostile),
                      "abandoned": lanes.abandoned_work()}), flush=True)
    os._exit(0)

asyncio.run(main())
"""


async def test_built_ins_that_ignore_the_time_limit(engine) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys

    from js_runtime.engine import STOP_GRACE_SECONDS

    cases = [p.values[0] for p in IGNORES_THE_TIME_LIMIT]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _IGNORING_CHILD, engine, cwd=root,
                                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(child.communicate(json.dumps([c.source for c in cases]).encode()), 60)
    assert child.returncode == 0, stderr.decode()[-2000:]
    seen = json.loads(stdout)
    assert seen["healthy"]["output"] == "healthy", seen["healthy"]
    assert seen["healthy"]["seconds"] < 0.8  # not queued behind a hostile job's lane
    bound = 1.0 + 2 * STOP_GRACE_SECONDS + 1.0
    outcomes = {c.id: (r["code"], r["seconds"] < bound) for c, r in zip(cases, seen["hostile"], strict=True)}
    assert outcomes == {c.id: ("TIMEOUT", True) for c in cases}
    assert seen["abandoned"] >= 1  # at least one built-in really ignored the limit (and was given up)


# A process that gave up on stuck engine work still exits normally (no os._exit): interpreter
# finalisation must not free what an abandoned engine thread may still be inside. pytest itself hung
# at exit this way (a V8 context freed at module teardown waits for its spinning isolate forever).
_ABANDONING_CHILD = """
import asyncio, sys
from js_runtime import lanes
from js_runtime.limits import Limits
from js_runtime.session import ContextObject
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

async def main():
    async def no_network(request):
        raise AssertionError("no request is made")
    source = ("module.exports = () => [Array.prototype.reverse.call({ length: 2 ** 32 - 1 }),"
              " Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1)];")  # ignored by QuickJS / V8
    try:
        await run_method(MethodCall(load_module(source, "t.js"), "default", {}), engine=sys.argv[1],
                         send=no_network, limits=Limits(timeout=0.5), trace=Trace())
    except Exception as exc:
        print(getattr(exc, "code", repr(exc)), lanes.abandoned_work(), flush=True)

asyncio.run(main())
"""


async def test_a_process_holding_abandoned_engine_work_still_exits(engine) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _ABANDONING_CHILD, engine, cwd=root,
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(child.communicate(), 30)
    finally:
        if child.returncode is None:
            child.kill()
    assert child.returncode == 0, stderr.decode()[-2000:]
    code, abandoned = stdout.decode().split()
    assert code == "TIMEOUT"
    assert int(abandoned) >= 1  # the engine really was given up while still running


# ---- memory outside the heap: ArrayBuffer backing stores (#19 item 4) ------------------------------
# V8 keeps backing stores outside its heap limit; a per-job budget (js_runtime/shims/
# v8_backing_stores.js) charges every way JS can make one. QuickJS counts them in its allocator limit.
# Each case keeps more than the 64 MiB limit alive through one maker: MEMORY_LIMIT on both engines.
KEEP = "const kept = []; for (let i = 0; i < 12; i++) kept.push(MAKE); return kept.length;"
MB8 = 8 * 1024 * 1024
BACKING_STORES = [
    case(name, f"module.exports = () => {{ {setup} {KEEP.replace('MAKE', make)} }};", code="MEMORY_LIMIT")
    for name, setup, make in [
        ("four-256MiB-typed-arrays", "", "new Uint8Array(256 * 1024 * 1024)"),
        ("ArrayBuffer", "", f"new ArrayBuffer({MB8})"),
        ("ArrayBuffer-length-valueOf", "", f"new ArrayBuffer({{ valueOf: () => {MB8} }})"),
        ("resizable-grown-by-resize", f"const grown = (b) => (b.resize({MB8}), b);",
         f"grown(new ArrayBuffer(0, {{ maxByteLength: {MB8} }}))"),
        ("Float64Array-from-a-typed-array", f"const s = new Uint8Array({MB8 // 8});", "new Float64Array(s)"),
        ("array-like-with-a-lying-length", "",
         "new Float64Array({ n: 0, get length() { return this.n++ ? 2 ** 30 : 2 ** 20; } })"),
        ("iterable", "", "new Uint8Array({ *[Symbol.iterator]() { for (let i = 0; i < 2 ** 23; i++) yield 1; } })"),
        ("Reflect.construct-with-a-subclass",
         "class Sub extends Uint16Array {}", f"Reflect.construct(Uint16Array, [{MB8 // 2}], Sub)"),
        ("typed-array-slice", f"const s = new Uint8Array({MB8});", "s.slice()"),
        ("slice-with-valueOf-arguments", f"const s = new Uint8Array({MB8});",
         f"s.slice({{ valueOf: () => 0 }}, {{ valueOf: () => {MB8} }})"),
        ("slice-with-the-species-removed", f"const s = new Uint8Array({MB8}); s.constructor = undefined;", "s.slice()"),
        ("map-with-an-undefined-species",
         f"class X extends Float64Array {{ static get [Symbol.species]() {{ return undefined; }} }} const s = new X({MB8 // 8});",
         "s.map((v) => v)"),
        ("filter", f"const s = new Float64Array({MB8 // 8});", "s.filter(() => true)"),
        ("toReversed", f"const s = new Uint8Array({MB8});", "s.toReversed()"),
        ("toSorted", f"const s = new Uint8Array({MB8});", "s.toSorted()"),
        ("with", f"const s = new Uint8Array({MB8});", "s.with(0, 1)"),
        ("ArrayBuffer-slice", f"const s = new ArrayBuffer({MB8});", "s.slice(0)"),
        ("ArrayBuffer-transfer-growing", "", f"new ArrayBuffer(8).transfer({MB8})"),
        ("Uint8Array.from", f"const s = new Uint8Array({MB8});", "Uint8Array.from(s)"),
        ("Buffer.alloc", "", f"Buffer.alloc({MB8})"),
        ("Buffer.concat", f"const b = Buffer.alloc({MB8 // 2});", "Buffer.concat([b, b])"),
        ("structuredClone", f"const s = new Uint8Array({MB8});", "structuredClone(s)"),
        ("Blob-bytes-through-Response", f"const s = new Uint8Array({MB8 // 2});", "new Blob([s, s])"),
        # a shim's own first typed array (the prelude makes none: see the test below)
        ("TextEncoder-as-the-first-maker", f"const s = 'x'.repeat({MB8});", "new TextEncoder().encode(s)"),
    ]
]


@pytest.mark.parametrize("c", BACKING_STORES)
async def test_backing_stores_count_against_the_memory_limit(c: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    result = await run_case(c, run_js, api_server)
    assert "memory limit" in result.error.message


# Every constructor a script can lay hands on (globals, `constructor` properties of prototypes and
# instances, the functions of stack frames while a maker calls back into the script), used to keep
# more than the limit alive: none of them gets past it.
MAKERS_ARE_ALL_CHARGED = f"""
module.exports = () => {{
  const names = ['ArrayBuffer', 'Uint8Array', 'Float64Array', 'BigInt64Array', 'DataView'];
  const found = new Set();
  for (const n of names) {{
    const C = globalThis[n];
    found.add(C);
    found.add(C.prototype.constructor);
    try {{ found.add(Object.getPrototypeOf(n === 'DataView' ? new C(new ArrayBuffer(1)) : new C(1)).constructor); }} catch (e) {{}}
  }}
  const spy = new Proxy(function () {{}}, {{ get(t, k) {{
    if (k === 'prototype') {{
      const saved = Error.prepareStackTrace;
      Error.prepareStackTrace = (e, sites) => sites;
      const sites = new Error().stack;
      Error.prepareStackTrace = saved;
      for (const s of Array.isArray(sites) ? sites : []) {{ try {{ const f = s.getFunction(); if (f) found.add(f); }} catch (e) {{}} }}
    }}
    return t[k];
  }} }});
  for (const n of names.slice(0, 3)) {{ try {{ Reflect.construct(globalThis[n], [8], spy); }} catch (e) {{}} }}
  const kept = [];
  let bytes = 0;
  for (const C of found) {{
    for (let i = 0; i < 12; i++) {{
      try {{ const b = Reflect.construct(C, [{MB8}]); kept.push(b); bytes += b.byteLength || 0; }} catch (e) {{ break; }}
    }}
  }}
  return bytes <= 64 * 1024 * 1024;
}};"""


async def test_no_maker_escapes_the_backing_store_budget(run_js) -> None:  # type: ignore[no-untyped-def]
    result = await run_js(MAKERS_ARE_ALL_CHARGED, limits=LIMITS)
    assert result.error is None and result.output is True, result.error


# Buffers dropped along the way are given back: a job may go through far more than the limit.
async def test_dropped_buffers_do_not_count(run_js) -> None:  # type: ignore[no-untyped-def]
    source = f"""module.exports = async () => {{
      let total = 0;
      for (let i = 0; i < 40; i++) {{
        total += new Uint8Array({MB8}).length + Buffer.alloc({MB8 // 2}).length;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }}
      return total;
    }};"""
    result = await run_js(source, limits=Limits(timeout=20.0))
    assert result.error is None and result.output == 40 * (MB8 + MB8 // 2), result.error


# Peak RSS of a process running the hostile job, measured in a child process: bounded by the limit
# plus the process's own footprint (it was 1.1 GB on V8 before the budget).
_RSS_CHILD = """
import asyncio, json, sys
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

async def main():
    async def no_network(request):
        raise AssertionError("no request is made")
    source = "module.exports = () => { const a = []; for (let i = 0; i < 4; i++) a.push(new Uint8Array(2 ** 28).fill(1)); return a.length; }"
    try:
        await run_method(MethodCall(load_module(source, "t.js"), "default", {}), engine=sys.argv[1],
                         send=no_network, limits=Limits(timeout=10.0), trace=Trace())
        code = None
    except Exception as exc:
        code = getattr(exc, "code", repr(exc))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest) across exec
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(json.dumps({"code": code, "maxrss_mb": peak // 1024}))

asyncio.run(main())
"""


async def test_peak_memory_of_a_hostile_job_is_bounded(engine) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", _RSS_CHILD, engine, cwd=root,
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, stderr.decode()[-2000:]
    seen = json.loads(stdout)
    assert seen["code"] == "MEMORY_LIMIT"
    assert seen["maxrss_mb"] < 200, seen  # measured: 35 MB QuickJS, 82 MB V8


# The budget is set up when a script first reads one of the makers: by then the script may have
# replaced Reflect, Object/Array prototypes (Proxy traps and iteration look there) and the rest.
POLLUTED_BEFORE_FIRST_USE = f"""
module.exports = () => {{
  const found = [];
  const saved = {{ construct: Reflect.construct, apply: Reflect.apply, iterator: Array.prototype[Symbol.iterator] }};
  const grab = (t) => {{ if (typeof t === 'function') found.push(t); }};
  for (const trap of ['get', 'apply', 'construct', 'getOwnPropertyDescriptor', 'has']) {{
    Object.defineProperty(Object.prototype, trap, {{ __proto__: null, configurable: true, writable: true, value(t, ...rest) {{
      grab(t); return trap === 'construct' ? saved.construct(t, rest[0], rest[1]) : trap === 'apply' ? saved.apply(t, rest[0], rest[1]) : undefined; }} }});
  }}
  Reflect.construct = (t, a, n) => {{ grab(t); return saved.construct(t, a, n); }};
  Reflect.apply = (f, self, a) => {{ grab(f); return saved.apply(f, self, a); }};
  Array.prototype[Symbol.iterator] = function () {{ return [][Symbol.iterator].call([]); }};
  let U;
  const sliced = [];
  try {{ U = Uint8Array; const s = new U({MB8}); for (let i = 0; i < 12; i++) sliced.push(s.slice()); }} catch (e) {{}}
  const slicedBytes = sliced.reduce((n, b) => n + b.byteLength, 0);
  sliced.length = 0;
  Array.prototype[Symbol.iterator] = saved.iterator;
  Reflect.construct = saved.construct;
  Reflect.apply = saved.apply;
  for (const trap of ['get', 'apply', 'construct', 'getOwnPropertyDescriptor', 'has']) delete Object.prototype[trap];
  const kept = [];
  let bytes = 0;
  for (const C of [...found, U, Uint8Array]) {{
    for (let i = 0; i < 12; i++) {{
      try {{ const b = saved.construct(C, [{MB8}], C); kept.push(b); bytes += b.byteLength || 0; }} catch (e) {{ break; }}
    }}
  }}
  return [found.length > 0 || 'nothing grabbed', slicedBytes < 64 * 1024 * 1024, bytes <= 64 * 1024 * 1024];
}};"""


async def test_polluting_built_ins_before_first_use_does_not_escape_the_budget(run_js) -> None:  # type: ignore[no-untyped-def]
    result = await run_js(POLLUTED_BEFORE_FIRST_USE, limits=LIMITS)
    assert result.error is None, result.error
    assert result.output[1:] == [True, True]


# One job's budget is its own: a job using most of it runs beside one that exhausts its own.
async def test_a_job_over_its_budget_does_not_fail_a_bystander(run_js) -> None:  # type: ignore[no-untyped-def]
    hostile = f"module.exports = () => {{ const k = []; for (;;) k.push(new Uint8Array({MB8})); }};"
    bystander = f"""module.exports = async () => {{
      const b = new Uint8Array(5 * {MB8}).fill(7);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return b.length === 5 * {MB8} && b[0] + b[b.length - 1] === 14;
    }};"""
    results = await asyncio.gather(run_js(hostile, limits=LIMITS), run_js(bystander, limits=LIMITS),
                                   run_js(hostile, limits=LIMITS))
    assert [code_of(r) for r in results] == ["MEMORY_LIMIT", None, "MEMORY_LIMIT"], [r.error for r in results]
    assert results[1].output is True
