"""util.inspect and console.log on hostile values, on both engines: huge arrays and Sets print their first 100
items (maxArrayLength) quickly, a cyclic web is marked <ref>/[Circular], very deep nesting with depth: null is cut
with Node's marker where the stack ends, getters are not called. Layout is compared with Node in corpus_inspect.py."""

from __future__ import annotations

from typing import Any

from js_runtime.limits import Limits


async def test_huge_collections_print_their_first_hundred_items(run_js: Any) -> None:
    result = await run_js("""import { inspect } from 'util';
    export default () => {
      const big = Array.from({ length: 1000000 }, (_, i) => i % 7);
      console.log(big);
      return [inspect(new Set(big.slice(0, 300).map((x, i) => i))).split('\\n').pop(),
              inspect(new Float64Array(500000)).split('\\n').slice(-2)];
    };""", export="default", limits=Limits(timeout=20))
    assert result.error is None, result.error
    logged = result.trace.logs[0]["message"].split("\n")
    assert logged[-3:] == ["  5, 6, 0, 1,", "  ... 999900 more items", "]"] and len(logged) == 12  # as Node prints it
    assert result.output == ["}", ["  ... 499900 more items", "]"]]


async def test_very_deep_nesting_is_cut_where_the_stack_ends_as_node_does(run_js: Any) -> None:
    result = await run_js("""import { inspect } from 'util';
    export default () => {
      let deep = [];
      for (let i = 0; i < 200000; i++) deep = [deep];
      const full = inspect(deep, { depth: null });
      return [inspect(deep), full.includes('[Array: Inspection interrupted prematurely. Maximum call stack size exceeded.]'),
              full.startsWith('[\\n  [\\n    [')];
    };""", export="default", limits=Limits(timeout=20))
    assert result.error is None, result.error
    assert result.output == ["[ [ [ [Array] ] ] ]", True, True]


async def test_getters_are_not_called_and_throwing_proxies_do_not_fail_the_log(run_js: Any) -> None:
    result = await run_js("""export default () => {
      console.log({ get a() { throw new Error('y'); }, set b(x) {}, c: 1 }, new Proxy({}, { ownKeys() { throw new Error('x'); } }));
    };""", export="default")
    assert result.error is None, result.error
    assert result.trace.logs[0]["message"] == "{ a: [Getter], b: [Setter], c: 1 } [Object]"  # Node shows the target: {}


async def test_cycles_are_marked(run_js: Any) -> None:
    result = await run_js("""export default () => {
      const a = { name: 'a' }; const b = { a, list: [a] }; a.b = b; a.self = a;
      console.log(a);
    };""", export="default")
    assert result.error is None, result.error
    assert result.trace.logs[0]["message"] == (  # as Node prints it
        "<ref *1> {\n  name: 'a',\n  b: { a: [Circular *1], list: [ [Circular *1] ] },\n  self: [Circular *1]\n}")
