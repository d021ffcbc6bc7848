"""V8's backing-store budget (js_runtime/shims/v8_backing_stores.js) is set up on first use of a maker,
and loading the shims is not a use: setting it up costs a fresh isolate about 1.5 ms, which a job that
never makes a typed array should not pay (the budget's behaviour, on both engines, is in
tests/engines/test_escapes.py)."""

from __future__ import annotations

import json

import pytest

from js_runtime.lanes import LanePool
from js_runtime.limits import Limits
from js_runtime.prelude import UNITS, prelude_source
from js_runtime.v8.engine import V8Engine

pytestmark = pytest.mark.asyncio

MAKERS = ["ArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
          "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]
# The makers whose globals are still the budget's lazy accessors: it is not set up yet.
NOT_SET_UP = f"""JSON.stringify({json.dumps(MAKERS)}.filter((name) => {{
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  return d !== undefined && typeof d.get === 'function';
}}))"""
# Units that define classes over a maker at load (class Buffer extends Uint8Array), and those needing them.
MAKER_AT_LOAD = {"buffer"}


async def _not_set_up_after(prelude: str, script: str = "0") -> list[str]:
    js = await V8Engine.open(Limits(), LanePool())
    try:
        await js.step([script], timeout=5.0, prelude=prelude)
        return list(json.loads(await js.step([NOT_SET_UP], timeout=5.0) or "null"))
    finally:
        await js.close()


async def test_loading_the_shims_sets_nothing_up() -> None:
    units = tuple(u.name for u in UNITS if not ({u.name, *u.needs} & MAKER_AT_LOAD))
    assert {"web", "fetch", "formData", "clone", "console", "inspect", "url", "util"} <= set(units)
    assert await _not_set_up_after(prelude_source(units)) == MAKERS


@pytest.mark.parametrize("first_use", [
    "new Uint8Array(1)",
    "globalThis['Float' + '64Array']",
    "new TextEncoder().encode('x')",
    "atob('aGk=')",
    "Uint8Array = null",
])
async def test_a_first_use_sets_it_up(first_use: str) -> None:
    assert await _not_set_up_after(prelude_source(("web",)), first_use) == []
