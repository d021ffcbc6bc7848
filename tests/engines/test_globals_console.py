"""console.* against Node.js 20, live: the same script prints on Node's stdout/stderr and into the
job's logs; the lines must be the same (elapsed times in `console.time*` lines are normalised)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from support.differential import node_version

needs_node = pytest.mark.skipif(node_version() is None, reason="compares with Node.js 20 on PATH")

SCRIPT = r"""
console.count(); console.count('a'); console.count(); console.countReset(); console.count();
console.group('G1'); console.log('in', 1); console.group(); console.info('two\nlines'); console.groupEnd();
console.groupEnd(); console.groupEnd(); console.log('out');
console.groupCollapsed(); console.warn('collapsed'); console.groupEnd();
console.assert(true, 'not printed'); console.assert(false, 'yes %s', 'fmt', 3); console.assert(false);
console.assert(0, 'x', 'y');
console.time('t'); console.timeLog('t', 'extra', 1); console.timeEnd('t'); console.time(); console.timeEnd();
console.table([{ a: 1, b: 'x' }, { a: 2, c: true }]); console.table([[1, 2], [3]]); console.table(5);
console.table({ x: { y: 1 }, z: { y: 'q', w: 2 } }, ['y']); console.table([]); console.table([1, 'two']);
console.table([{ a: 'long value', b: { x: 1 } }, 'str', [1, [2]]]); console.table(new Map([['k', 7]]));
console.table({ a: 1, b: { c: 2 } }); console.table(new Set(['s']));
console.debug('dbg'); console.error('err', 2); console.dirxml('xml', 1);
console.log('%s|%d|%i|%f|%j|%%|%c', 'a', '42', 3.7, '1.5', { j: 1 }, 'css', 'extra');
console.log('%s:%s', 'only'); console.log(5, '%s', 'a'); console.log('%d %i %d', -0, 2n, {}); console.log('100%');
console.log('%s', null, undefined, true); console.log('%i', '0x1f'); console.log('%f', 'abc');
console.log(Array.from({ length: 30 }, (_, i) => i * 37 % 1000)); console.log([1, 2, 3, 4, 5, 6, 7]);
console.log({ rows: Array.from({ length: 120 }, (_, i) => i * 1.5), names: ['ann', 'bob', 'cy', 'di', 'ed', 'flo', 'gus', 'hal'] });
console.log('ids %O', Array.from({ length: 12 }, (_, i) => 1000 + i)); console.info(new Set(Array.from({ length: 8 }, (_, i) => 'item' + i)));
console.dir({ a: { b: { c: { d: [1, 2] } } } }, { depth: 0 }); console.table([[1, 2, 3, 4, 5]]);
"""


def _node_streams(script: str) -> tuple[list[str], list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.js"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run(["node", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return _normalise(done.stdout.splitlines()), _normalise(done.stderr.splitlines())


def _normalise(lines: list[str]) -> list[str]:
    return [re.sub(r"\d+(\.\d+)?(ms|s|min)\b", "N.NNNms", line) for line in lines]  # Node drops trailing zeros: 0.45ms


@needs_node
async def test_console_methods_print_as_node_does(run_js):
    # Node writes log/info/debug/table/count/time* to stdout and warn/error/assert/trace to stderr:
    # each stream is compared in order with the job's log lines of the matching levels.
    result = await run_js(f"export default () => {{ {SCRIPT} }}", export="default")
    assert result.error is None, result.error
    def lines(levels: set[str]) -> list[str]:
        return _normalise([line for entry in result.trace.logs if entry["level"] in levels
                           for line in entry["message"].split("\n")])
    stdout, stderr = _node_streams(SCRIPT)
    assert lines({"log", "info", "debug"}) == stdout
    assert lines({"warn", "error", "trace"}) == stderr


async def test_console_levels_and_warnings_for_unknown_labels(run_js):
    result = await run_js("""export default () => {
      console.timeEnd('nope'); console.time('t'); console.time('t'); console.countReset('zz');
      console.assert(false, 'a'); console.trace('tr %d', 5); console.debug('d'); console.count('c');
    }""", export="default")
    assert result.error is None, result.error
    assert [(e["level"], e["message"]) for e in result.trace.logs] == [
        ("warn", "Warning: No such label 'nope' for console.timeEnd()"),
        ("warn", "Warning: Label 't' already exists for console.time()"),
        ("warn", "Warning: Count for 'zz' does not exist"),
        ("warn", "Assertion failed: a"), ("trace", "Trace: tr 5"), ("debug", "d"), ("info", "c: 1")]


async def test_console_table_rejects_properties_that_are_not_an_array(run_js):
    result = await run_js("export default () => { try { console.table([{a: 1}], 'a') } catch (e) "
                          "{ return [e.name, e.code, e.message] } }", export="default")
    assert result.output == ["TypeError", "ERR_INVALID_ARG_TYPE",
                             "The \"properties\" argument must be an instance of Array. Received type string ('a')"]


async def test_console_time_reports_elapsed_time(run_js):
    result = await run_js("""export default async () => { console.time('w');
      await new Promise((r) => setTimeout(r, 30)); console.timeEnd('w'); }""", export="default")
    assert result.error is None, result.error
    (entry,) = result.trace.logs
    elapsed = float(re.fullmatch(r"w: (\d+\.\d{3})ms", entry["message"]).group(1))  # type: ignore[union-attr]
    assert 25 <= elapsed < 2000


async def test_console_hostile_group_depth_and_huge_table_stay_within_the_log_budget(run_js):
    result = await run_js("""export default () => {
      for (let i = 0; i < 100000; i++) console.group();
      console.log('deep');
      console.table(Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x'.repeat(50) })));
      return 'done';
    }""", export="default")
    assert result.output == "done"
    assert result.trace.logs_truncated
