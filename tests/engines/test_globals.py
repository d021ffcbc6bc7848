"""The globals of fresh contexts against docs/globals.md, unit by unit, on both engines; the Intl
refusal; hostile structuredClone and console use; and what a job not using the new units pays."""

from __future__ import annotations

import email.policy
import re
from email.parser import BytesParser

import pytest
from support.globals_doc import DOC, documented_globals

from executor.errors import MemoryLimitExceeded
from js_runtime import prelude
from js_runtime.bindings import internals_allowed
from js_runtime.limits import Limits

DOCUMENTED = documented_globals()
ENUMERATE = """module.exports = () => Reflect.ownKeys(globalThis).map(String)
  .filter((n) => n !== 'Symbol(Symbol.toStringTag)');"""


def _unit_globals(unit: prelude.Unit) -> frozenset[str]:
    return DOCUMENTED.by_unit.get(unit.name, frozenset())


GLOBAL_UNITS = [unit for unit in prelude.UNITS if _unit_globals(unit)]


@pytest.mark.parametrize("unit", GLOBAL_UNITS, ids=[unit.name for unit in GLOBAL_UNITS])
async def test_a_module_mentioning_one_unit_gets_exactly_its_documented_globals(run_js, engine, unit):
    # The module mentions one name of the unit; it must see that unit's globals and those of the units it
    # needs, all listed in docs/globals.md, and nothing undocumented.
    name = sorted(_unit_globals(unit) & unit.provides)[0]
    result = await run_js(f"const MENTION = typeof {name};\n" + ENUMERATE)
    assert result.error is None, result.error
    wanted = prelude.units_for({name})
    expected = set(DOCUMENTED.core | DOCUMENTED.ecmascript | DOCUMENTED.engine[engine])
    for other in prelude.UNITS:
        if other.name in wanted:
            expected |= _unit_globals(other)
    if engine == "quickjs":  # QuickJS's own natives where the shims that replace them are not loaded
        expected |= DOCUMENTED.quickjs_native_web
    if engine == "v8" and not internals_allowed("mini-racer"):  # what mini-racer's public path leaves
        expected |= DOCUMENTED.v8_plain
    names = set(result.output)
    assert names == expected, (sorted(names - expected), sorted(expected - names))


def test_every_documented_unit_exists_and_is_selected_by_a_documented_name():
    units = {unit.name: unit for unit in prelude.UNITS}
    assert set(DOCUMENTED.by_unit) <= set(units)
    for name, globals_ in DOCUMENTED.by_unit.items():
        assert globals_ & units[name].provides, name
    assert {unit.name for unit in prelude.UNITS if not unit.module_only and unit.provides
            and unit.name not in ("bufferNumbers", "axios")} == set(DOCUMENTED.by_unit)


def test_documented_modules_are_the_registered_ones():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z/]+)`", section)) - {"node"}
    assert documented == set(prelude.builtin_modules())


INTL_CALLS = [
    "new Date(0).toLocaleString('en-US', { timeZone: 'America/New_York' })", "new Date(0).toLocaleDateString()",
    "new Date(0).toLocaleTimeString()", "(1234.5).toLocaleString()", "(5n).toLocaleString()",
    "[1, 2].toLocaleString()", "new Float64Array(2).toLocaleString()", "'a'.localeCompare('B')",
    "'i'.toLocaleUpperCase('tr')", "'I'.toLocaleLowerCase('tr')", "['b', 'a'].sort((x, y) => x.localeCompare(y))",
]


async def test_intl_is_refused_the_same_way_on_both_engines(run_js):
    result = await run_js("module.exports = () => [typeof Intl, typeof globalThis.Intl, " + ", ".join(
        f"(() => {{ try {{ return ['no error', {call}]; }} catch (e) {{ return [e.name, e.code, e.message.split(' is ')[0]]; }} }})()"
        for call in INTL_CALLS) + ", 'ß'.toLocaleUpperCase(), 'Ä'.toLocaleLowerCase(undefined), String(new Date(0))]")
    assert result.error is None, result.error
    out = result.output
    assert out[:2] == ["undefined", "undefined"]
    assert [entry[:2] for entry in out[2:-3]] == [["TypeError", "ERR_NO_INTL"]] * len(INTL_CALLS)
    assert out[2][2] == "Date.prototype.toLocaleString()"
    assert out[9][2] == "String.prototype.localeCompare()"
    assert out[-3:] == ["SS", "ä", "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"]


async def test_huge_structured_clone_ends_with_memory_limit(run_js):
    result = await run_js("""module.exports = () => {
      const big = Array.from({ length: 100000 }, (_, i) => ({ i, s: 'x' + i, d: new Date(i) }));
      const kept = [];
      for (;;) kept.push(structuredClone(big));
    };""", limits=Limits(timeout=20))
    assert isinstance(result.error, MemoryLimitExceeded), result.error


async def test_structured_clone_of_a_cycle_heavy_graph_keeps_sharing(run_js):
    result = await run_js("""module.exports = () => {
      const nodes = Array.from({ length: 20000 }, (_, i) => ({ i }));
      nodes.forEach((n, i) => { n.next = nodes[(i * 7919) % nodes.length]; n.self = n; });
      const c = structuredClone(nodes);
      return c.every((n, i) => n.self === n && n.next === c[(i * 7919) % c.length]);
    };""")
    assert result.error is None, result.error
    assert result.output is True


def test_a_job_not_using_the_new_units_compiles_none_of_them():
    plain = prelude.units_for({"JSON", "Math", "return"})
    assert plain == ()
    assert prelude.units_for({"Buffer"}) == ("web", "buffer")
    assert prelude.units_for({"fetch"}) == ("timers", "web", "net", "eventTarget", "fetch")
    assert "bufferNumbers" in prelude.units_for({"readUInt32BE"})
    assert prelude.units_for({"structuredClone"}) == ("web", "clone")
    assert "intl.js" in prelude.prelude_source(())


async def test_fetch_uploads_a_form_data_with_a_blob_as_multipart(run_js, api_server):
    seen: dict[str, object] = {}

    async def upload(request):  # type: ignore[no-untyped-def]
        from aiohttp import web
        # the recording server has read the body already: parsed by the standard library's MIME parser
        raw = b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + await request.read()
        for part in BytesParser(policy=email.policy.HTTP).parsebytes(raw).iter_parts():
            seen[part.get_param("name", header="content-disposition")] = (
                part.get_filename(), part["Content-Type"], part.get_payload(decode=True))
        return web.json_response({"ok": True})
    api_server.routes[("POST", "/upload")] = upload
    result = await run_js(f"""module.exports = async () => {{
      const form = new FormData();
      form.append('title', 'a report\\nline 2');
      form.append('file', new Blob([new Uint8Array([0, 1, 254, 255]), 'tail'], {{ type: 'application/pdf' }}), 'r.pdf');
      const res = await fetch('{api_server.base}/upload', {{ method: 'POST', body: form }});
      return res.json();
    }};""")
    assert result.error is None, (result.error, api_server.received[0].body[:600])
    assert result.output == {"ok": True}
    assert seen == {"title": (None, None, b"a report\r\nline 2"),
                    "file": ("r.pdf", "application/pdf", b"\x00\x01\xfe\xfftail")}
    assert api_server.received[0].headers["Content-Type"].startswith("multipart/form-data; boundary=----formdata-undici-0")


@pytest.mark.parametrize("build", [
    "const form = new FormData(); for (let i = 0; ; i++) form.append('f' + i, new Blob([chunk, chunk, chunk, chunk]));",
    "new Blob(Array(100).fill(chunk));",
])
async def test_form_data_or_blob_past_the_cap_fails_clearly(run_js, build):
    # Blob bytes live in ArrayBuffers, outside V8's heap limit: the shim caps them at the heap limit
    result = await run_js(f"""module.exports = () => {{
      const chunk = 'x'.repeat(1 << 20);
      try {{ {build} }} catch (e) {{ return [e.name, e.code]; }}
    }};""", limits=Limits(timeout=20))
    assert result.error is None, result.error
    assert result.output == ["RangeError", "ERR_BLOB_TOO_LARGE"]
