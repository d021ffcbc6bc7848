"""Property-based fuzzing (hypothesis, bounded) of everything that takes untrusted input.

(a) connector loading: arbitrary spec.yml documents and method files raise ConnectorInvalid or load;
(b) job inputs: arbitrary JSON to JobInput.from_json raises InvalidInput or parses;
(c) the module transform: arbitrary source raises ConnectorInvalid, and a factory always parses;
(d) end to end: random method bodies from a small statement grammar, with random JSON contexts, run
    through `run_js` on both engines (no network: a canned transport), end with a result or an
    ExecutorError within the time limit.

Every crash found became an `@example` here (and a fix; see each example's comment).
"""

from __future__ import annotations

import json
import time
from typing import Any

import tree_sitter_javascript
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Parser

from executor.connector import load_connector_files
from executor.connector.loader import kebab_case
from executor.connector.spec import AUTH_TYPES, METHOD_NAMES
from executor.errors import ERRORS_BY_CODE, ConnectorInvalid, InvalidInput
from executor.jobs import JobInput
from js_runtime.http import HttpRequest, HttpResponse
from js_runtime.limits import Limits
from js_runtime.modules import load_module

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.function_scoped_fixture])
_PARSER = Parser(Language(tree_sitter_javascript.language()))

# ---- shared strategies --------------------------------------------------------------------------

FORMULA_KEYS = ["$var", "$template", "$tpl", "$concat", "$firstNotEmpty", "$case", "$map", "$eval", "$and",
                "$or", "$plain", "$mergeObjects", "$iterate", "$unknown", "values", "template", "cases",
                "default", "responseHandlers", "match", "error", "key", "baseUrl", "headers"]
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False) | st.text(max_size=12)
           | st.sampled_from(["$.credentials.apiKey", "${credentials.apiKey}", "{x}", "${", "$", "[]"]))
keys = st.text(max_size=8) | st.sampled_from(FORMULA_KEYS)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(keys, inner, max_size=4), max_leaves=25)

JS_TOKENS = ["export", "default", "import", "from", "'axios'", "'fs'", "function", "async", "await", "(", ")",
             "{", "}", "[", "]", "=>", ";", ",", ".", "=", "const", "let", "x", "y", "module", "exports",
             "require", "return", "import(", "as", "*", "class", "new", "`", "${", "'", '"', "//", "/*", "*/",
             "#!", "\n", " ", "0", "1e999", "\\u{61}", "<!--", "-->", "with", "yield", "\ud800"]
js_like = st.lists(st.sampled_from(JS_TOKENS), max_size=30).map(" ".join)
texts = st.text(max_size=200)


def yaml_text(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


# (a) ---- connector loading ----------------------------------------------------------------------

method_slots = st.fixed_dictionaries({}, optional={
    "implementationType": st.sampled_from(["javascript", "mapping", "python", None, 1]),
    "code": js_like | texts,
    "mapping": json_values,
}) | json_values
auth_specs = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from([*AUTH_TYPES, "bogus", None, 7])}, optional={
        **{name: method_slots for name in METHOD_NAMES},
        "ui": st.fixed_dictionaries({}, optional={"schema": json_values, "helpUri": scalars}) | json_values,
        "customCredentialsSchema": json_values,
        "title": scalars,
    }),
    lambda inner: st.builds(lambda auth, options: {**auth, "options": options}, inner,
                            st.dictionaries(st.text(max_size=6), inner, max_size=2)),
    max_leaves=3,
)
specs = st.fixed_dictionaries({"auth": auth_specs}, optional={
    "key": scalars, "name": scalars, "parametersSchema": json_values})
method_files = st.dictionaries(
    st.sampled_from([f"auth/{kebab_case(n)}{suffix}" for n in METHOD_NAMES for suffix in (".js", ".map.yml")]),
    js_like | texts | json_values.map(yaml_text), max_size=4)
spec_texts = specs.map(yaml_text) | json_values.map(yaml_text) | texts


def _load(files: dict[str, str]) -> None:
    started = time.thread_time()
    try:
        load_connector_files(files)
    except ConnectorInvalid:
        pass
    # Catches runaway parsing (alias bombs, exponential schemas). CPU time of this thread, where the
    # loading runs: wall time also counted a loaded machine's stalls (29 s for an empty spec once).
    # The slowest legitimate input here measured 1-2 s.
    assert time.thread_time() - started < 10


_BASE = "auth:\n  type: client-credentials\n"
_LAUGHS = "l0: &l0 {type: string}\n" + "".join(
    f"l{i}: &l{i} {{type: object, properties: {{a: *l{i - 1}, b: *l{i - 1}, c: *l{i - 1}}}}}\n" for i in range(1, 14))


@FAST
@given(spec=spec_texts, extra=method_files)
# A YAML alias that contains itself: the schema check recursed until RecursionError.
@example(spec=_BASE + "parametersSchema: &s {type: object, properties: {a: *s}}\n", extra={})
@example(spec="auth: &a\n  type: oauth2\n  options: {x: *a}\n", extra={})
# An alias "billion laughs" in a schema: exponential time in the schema check (a hang).
@example(spec=_LAUGHS + _BASE + "parametersSchema: *l13\n", extra={})
# responseHandlers that is not a list: INVALID_OUTPUT at load instead of CONNECTOR_INVALID.
@example(spec=_BASE + "  makeApiClient:\n    mapping: {responseHandlers: 5}\n", extra={})
# A lone surrogate (legal in JSON and in YAML escapes): UnicodeEncodeError in the module transform.
@example(spec=_BASE + '  test:\n    code: "\\ud800"\n', extra={})
@example(spec=_BASE + "  test: {implementationType: javascript}\n", extra={"auth/test.js": "\ud800"})
# An integer past Python's digit limit: ValueError from the YAML constructor.
@example(spec=_BASE + "  title: 1" + "0" * 5000 + "\n", extra={})
# Deep flow nesting.
@example(spec=_BASE + "  title: " + "[" * 3000 + "]" * 3000 + "\n", extra={})
def test_connector_loading_raises_only_connector_invalid(spec: str, extra: dict[str, str]) -> None:
    _load({"spec.yml": spec, **extra})


@FAST
@given(auth=auth_specs, bodies=st.lists(js_like | texts | json_values.map(yaml_text), min_size=1, max_size=3))
def test_declared_methods_with_random_files(auth: dict[str, Any], bodies: list[str]) -> None:
    """Every declared method gets a file (random content), so loading reaches the parsers."""
    files = {"spec.yml": yaml_text({"key": "fuzz", "auth": auth})}
    for i, name in enumerate(n for n in METHOD_NAMES if isinstance(auth.get(n), dict)):
        body = bodies[i % len(bodies)]
        files[f"auth/{kebab_case(name)}.js"] = body
        files[f"auth/{kebab_case(name)}.map.yml"] = body
    _load(files)


# (b) ---- job inputs ----------------------------------------------------------------------------

input_objects = st.fixed_dictionaries({}, optional={
    name: json_values for name in ["connectorParameters", "connectionParameters", "connectionInput", "credentials",
                                   "queryParameters", "tokenResponse", "redirectUri", "state", "codeVerifier",
                                   "expectedState"]})


@FAST
@given(raw=json_values | input_objects | st.dictionaries(st.text(max_size=20), json_values, max_size=6))
def test_job_input_raises_only_invalid_input(raw: Any) -> None:
    try:
        parsed = JobInput.from_json(raw)
    except InvalidInput:
        return
    context = parsed.base_context()
    assert json.loads(json.dumps(context)) == context


# (c) ---- the module transform ------------------------------------------------------------------

MODULE_SNIPPETS = [
    "import axios from 'axios';", "import * as ax from 'axios';", "import ax, { create } from 'axios';",
    "import { default as d, 'a-b' as c } from 'axios';", "import 'axios';", "import fs from 'fs';",
    "export default function () { return 1 }", "export default async (ctx) => ctx;", "export default class {}",
    "export const a = 1, b = 2;", "export let { c } = {};", "export function f() {}", "export class K {}",
    "export { a as default };", "export { a as 'quoted name' };", "export * from 'axios';",
    "export { x } from 'axios';", "module.exports = () => 1;", "exports.test = async () => true;",
    "const m = await import('axios');", "import('fs').then(() => 1);", "#!/usr/bin/env node\n", "'use strict';",
    "let a = 1; var b;", "/* c */", "// c\n", "label: for (;;) break label;", "x = 1 <!-- html comment\n",
]
module_sources = st.lists(st.sampled_from(MODULE_SNIPPETS) | js_like, max_size=6).map("\n".join) | texts


def _transform(source: str) -> None:
    try:
        module = load_module(source, "fuzz.js")
    except ConnectorInvalid:
        return
    tree = _PARSER.parse(module.factory.encode())
    assert not tree.root_node.has_error, module.factory
    assert tree.root_node.named_child_count == 1, module.factory  # one expression: the factory


@FAST
@given(source=module_sources)
# `export { a as 'quoted name' }` became `exports.'quoted name' = a` (not JavaScript).
@example(source="const a = 1;\nexport { a as 'quoted name' };")
@example(source="const a = 1;\nexport { a as \"default\" };")
# A hashbang line ended up inside the factory function (not JavaScript there).
@example(source="#!/usr/bin/env node\nexport default 1")
# A lone surrogate: UnicodeEncodeError instead of ConnectorInvalid.
@example(source="export default '\ud800'")
# An HTML comment in an ES module (Node refuses it): the transformed factory did not parse.
@example(source="export default function () { return 1 }\nimport axios from 'axios';\n<!--")
def test_module_transform(source: str) -> None:
    _transform(source)


# (d) ---- end to end ----------------------------------------------------------------------------

JS_LITERALS = ["0", "-0", "1.5", "NaN", "Infinity", "1e308", "10n", "null", "undefined", "true", "''",
               "'\\u2028'", "'\\ud800'", "'x'.repeat(1000)", "[]", "{}", "[1, [2, [3]]]", "{ a: { b: 1 } }",
               "Symbol('s')", "() => 1", "new Date(0)", "new Map([[1, 2]])", "new Error('e')",
               "{ toJSON() { return 'j' } }", "Object.create(null)", "new Proxy({}, {})", "new Uint8Array(3)"]
JS_EXPRESSIONS = [
    "ctx", "ctx.a", "ctx && ctx.credentials", "Object.keys(ctx)", "JSON.stringify(ctx)", "JSON.parse('[1]')",
    "typeof ctx", "String(ctx)", "[ctx, ctx]", "({ ...ctx })", "Buffer.from('hi').toString('base64')",
    "new URL('https://api.example.test/p?q=1').searchParams.get('q')", "btoa('x')", "atob('eA==')",
    "new TextEncoder().encode('é').length", "await Promise.resolve(1)", "await new Promise((r) => setTimeout(r, 1))",
    "await fetch('https://api.example.test/x').then((r) => r.json())",
    "await require('axios').get('https://api.example.test/x').then((r) => r.data)",
    "await fetch('http://127.0.0.1/').catch((e) => e.message)", "await import('axios').then((m) => typeof m.default)",
    "await Promise.all([1, Promise.resolve(2)])", "await Promise.race([])",
]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(st.sampled_from(JS_LITERALS + JS_EXPRESSIONS))
    a, b = draw(expressions(depth + 1)), draw(expressions(depth + 1))
    return draw(st.sampled_from([f"[{a}, {b}]", f"({{ k: {a}, [String({b})]: 1 }})", f"({a}) + ({b})",
                                 f"(({a}) ? ({b}) : null)", f"typeof ({a})", f"JSON.stringify({a})"]))


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> str:
    e = draw(expressions())
    simple = [f"let v{depth} = {e};", f"console.log({e});", f"out.push({e});", f"return {e};", f"throw {e};",
              f"await {e};", f"setTimeout(() => out.push({e}), {draw(st.integers(0, 5))});",
              "Object.prototype.polluted = 1;", "queueMicrotask(() => out.push(1));"]
    if depth > 1 or draw(st.booleans()):
        return draw(st.sampled_from(simple))
    inner = " ".join(draw(st.lists(statements(depth + 1), max_size=3)))
    return draw(st.sampled_from([
        f"if ({e}) {{ {inner} }} else {{ out.push(0); }}",
        f"for (let i = 0; i < {draw(st.integers(0, 3))}; i++) {{ {inner} }}",
        f"try {{ {inner} }} catch (err) {{ out.push(String(err)); }}",
        f"await (async () => {{ {inner} }})();",
    ]))


method_bodies = st.lists(statements(), max_size=5).map(
    lambda body: "export default async function (ctx) { const out = [];\n" + "\n".join(body) + "\nreturn out; }")
contexts = st.dictionaries(st.sampled_from(["a", "credentials", "connectionParameters", "__proto__", "x"]),
                           json_values, max_size=4)
E2E_LIMITS = Limits(timeout=2.0, max_requests=5)


class _DeepContext(dict):  # type: ignore[type-arg]
    """{"a": [[[...]]]} nested `depth` levels, with a short repr (hypothesis prints examples)."""

    def __init__(self, depth: int) -> None:
        value: list[Any] = []
        for _ in range(depth):
            value = [value]
        super().__init__(a=value)
        self.depth = depth

    def __repr__(self) -> str:
        return f"_DeepContext({self.depth})"


async def _canned(request: HttpRequest) -> HttpResponse:
    """No network: every request gets the same small JSON answer."""
    return HttpResponse(200, "OK", (("content-type", "application/json"),), b'{"ok": true}', request.url)


def _strict_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@SLOW
@given(source=method_bodies, context=contexts)
# A polluted Object.prototype.toJSON reshaped the bridge's snapshot: TypeError in the session.
@example(source="export default () => { Object.prototype.toJSON = function () { return 5 }; return 1 }", context={})
# A thrown object carrying a non-object __ceNetwork / non-object __ceError details: AttributeError, ValueError.
@example(source="export default () => { throw { message: 'x', __ceNetwork: 5 } }", context={})
@example(source="export default () => { throw { message: 'x', __ceError: { code: 'TIMEOUT', details: 'ab' } } }",
         context={})
# Output nested 1000+ levels: RecursionError parsing the snapshot (V8); QuickJS overflowed at 200.
@example(source="export default () => { let a = []; for (let i = 0; i < 1500; i++) a = [a]; return a }",
         context={})
# A context with Infinity (json.loads accepts it): the script's JSON.parse failed, a misleading SCRIPT_ERROR.
@example(source="export default (ctx) => 1", context={"a": float("inf")})
# A context nested ~1000 levels: RecursionError serialising it for the engine.
@example(source="export default (ctx) => 1", context=_DeepContext(990))
async def test_random_methods_end_cleanly(run_js: Any, engine: str, source: str, context: dict[str, Any]) -> None:
    started = time.monotonic()
    try:
        result = await run_js(source, context, limits=E2E_LIMITS, send=_canned)
    except ConnectorInvalid:
        return  # the grammar can write something the parser refuses: a clean error too
    assert time.monotonic() - started < E2E_LIMITS.timeout + 2
    if result.error is None:
        assert _strict_json(result.output), result.output
        assert _strict_json(context), "a context with NaN/Infinity must not reach the script"
        return
    assert result.error is not None, repr(result.error)
    assert result.error.code in ERRORS_BY_CODE and result.error.code != "INVALID_JOB", result.error
    if not _strict_json(context):
        assert result.error.code == "INVALID_INPUT", result.error
