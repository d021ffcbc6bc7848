"""Sections 1 and 4, in this process: the engine floor vs our job cost, and the HTTP bridge.

Floor: the fastest honest use of each engine library alone, per job: a fresh context, compile and
call the method (a plain script), read its JSON output.
    QuickJS  quickjs.Context() + eval + run pending jobs + eval of the result
    V8       `with py_mini_racer.mini_racer(loop)` + `await racer.eval_cancelable(...)` + await the promise
Ours: `js_runtime.session.run_method` on the ES-module form of the same method (fresh context,
prelude, bridge, lanes: everything a job pays).

Measurements are interleaved in rounds (A B C D, A B C D, ...) so that a burst of load from
another process on the shared machine hits all of them alike; the table reports medians.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import py_mini_racer
import quickjs

from bench.common import (
    EXPECTED_OUTPUT,
    FETCH_SOURCE,
    METHOD_CONTEXT,
    METHOD_NAME,
    METHOD_PLAIN,
    METHOD_SOURCE,
    Stats,
    rounds,
)
from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.http import HttpRequest, HttpResponse
from js_runtime.lanes import LanePool
from js_runtime.limits import DEFAULT_LIMITS
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method
from js_runtime.v8 import engine as v8_engine

Call = Callable[[], Awaitable[Any]]

_FLOOR_SCRIPT = f"{METHOD_PLAIN}({json.dumps(METHOD_CONTEXT)}).then((value) => JSON.stringify(value))"


def quickjs_floor_job() -> Any:
    """QuickJS alone: fresh context, compile + call, settle the promise, read the JSON output."""
    ctx = quickjs.Context()
    ctx.eval(f"var __out; {_FLOOR_SCRIPT}.then((text) => {{ __out = text }})")
    while ctx.execute_pending_job():
        pass
    return json.loads(ctx.eval("__out"))


async def v8_floor_job(loop: asyncio.AbstractEventLoop) -> Any:
    """V8 alone: a fresh isolate and context, compile + call, await the promise, read the JSON output."""
    v8_engine.initialise()  # V8 loaded with the flags the executor runs it with
    with py_mini_racer.mini_racer(loop) as racer:
        promise = await racer.eval_cancelable(_FLOOR_SCRIPT)
        return json.loads(await promise)


async def _no_network(request: HttpRequest) -> HttpResponse:
    raise AssertionError(f"the bench method made a request: {request.url}")


def ours_call(engine: str, lanes: LanePool, source: str = METHOD_SOURCE,
              context: dict[str, Any] | None = None, send: Any = _no_network) -> Call:
    """One job of `source` through run_method, as the executor runs it."""
    module = load_module(source, "bench.js")  # cached by source: parsed once, as the connector cache does
    call = MethodCall(module, METHOD_NAME, context or METHOD_CONTEXT)

    async def job() -> Any:
        return await run_method(call, engine=engine, send=send, limits=DEFAULT_LIMITS, trace=Trace(), lanes=lanes)

    return job


async def measure(calls: dict[str, Call], n: int, parts: int = 5, warmup: int = 5) -> dict[str, Stats]:
    """Per-call times of each call, interleaved in `parts` rounds, after `warmup` untimed calls each."""
    for call in calls.values():
        for _ in range(warmup):
            await call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for count in rounds(n, parts):
        for name, call in calls.items():
            for _ in range(count):
                started = time.perf_counter()
                await call()
                samples[name].append(time.perf_counter() - started)
    return {name: Stats.of(values) for name, values in samples.items()}


def _check(name: str, value: Any, expected: Any) -> None:
    if value != expected:
        raise RuntimeError(f"{name} returned {value!r}, expected {expected!r}")


async def engine_floor(n: int) -> dict[str, Stats]:
    """Section 1: floor and ours per engine (keys floor.quickjs, ours.quickjs, floor.v8, ours.v8)."""
    loop = asyncio.get_running_loop()
    lanes = LanePool()

    async def qjs_floor() -> Any:
        return quickjs_floor_job()

    async def v8_floor() -> Any:
        return await v8_floor_job(loop)

    calls: dict[str, Call] = {
        "floor.quickjs": qjs_floor,
        "ours.quickjs": ours_call("quickjs", lanes),
        "floor.v8": v8_floor,
        "ours.v8": ours_call("v8", lanes),
    }
    for name, call in calls.items():
        _check(name, await call(), EXPECTED_OUTPUT)
    try:
        return await measure(calls, n)
    finally:
        lanes.close()


CRYPTO_TOUCH_SOURCE = "export async function run() { return typeof crypto; }"
RS256_SOURCE = """import crypto from 'node:crypto';
export async function run({ key }) {
  return crypto.createSign('RSA-SHA256').update('header.claims').sign(key, 'base64url').length;
}"""


async def crypto_cost(n: int) -> dict[str, Stats]:
    """Section 1, crypto, per engine E: `plain.E` the section's method (its prelude has no crypto unit:
    a job that does not mention crypto pays nothing for it), `loaded.E` a method that only mentions
    `crypto` (the unit's evaluation), `rs256.E` one RS256 signature with createSign (2048-bit key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from js_runtime.prelude import units_for

    assert "crypto" not in units_for(load_module(METHOD_SOURCE, "bench.js").names)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    lanes = LanePool()
    calls: dict[str, Call] = {}
    for engine in ("quickjs", "v8"):
        calls[f"plain.{engine}"] = ours_call(engine, lanes)
        calls[f"loaded.{engine}"] = ours_call(engine, lanes, CRYPTO_TOUCH_SOURCE)
        calls[f"rs256.{engine}"] = ours_call(engine, lanes, RS256_SOURCE, {"key": key})
    for engine in ("quickjs", "v8"):
        _check(f"loaded.{engine}", await calls[f"loaded.{engine}"](), "object")
        _check(f"rs256.{engine}", await calls[f"rs256.{engine}"](), 342)
    try:
        return await measure(calls, n)
    finally:
        lanes.close()


async def bridge(upstream: str, n: int) -> dict[str, Stats]:
    """Section 4, per engine E: `fetch.E` a job whose method makes one GET to the local upstream;
    `plain.E` the same job (same module, same prelude) told to skip it; `direct.E` that plain job
    followed by the same GET made directly with aiohttp. The bridge's cost of one request is
    fetch - plain, the direct cost in the same situation (a job's work just done, the upstream idle
    for as long) is direct - plain. `direct` alone: the GET back to back, for reference."""
    url = f"{upstream}/token"
    lanes = LanePool()
    policy = NetworkPolicy.from_strings(["127.0.0.1"])
    with_request = {**METHOD_CONTEXT, "connectorParameters": {"url": url}}
    without = {**METHOD_CONTEXT, "connectorParameters": {}}
    async with LiveTransport(policy, max_response_bytes=DEFAULT_LIMITS.max_response_bytes) as transport, \
            aiohttp.ClientSession() as session:

        async def direct() -> Any:
            async with session.get(url) as response:
                return await response.json()

        calls: dict[str, Call] = {"direct": direct}
        for engine in ("quickjs", "v8"):
            plain = ours_call(engine, lanes, FETCH_SOURCE, without, transport.send)
            calls[f"plain.{engine}"] = plain
            calls[f"fetch.{engine}"] = ours_call(engine, lanes, FETCH_SOURCE, with_request, transport.send)

            async def plain_then_direct(plain: Call = plain) -> Any:
                await plain()
                return await direct()

            calls[f"direct.{engine}"] = plain_then_direct
        _check("direct", await direct(), {"token": "up"})
        for name in calls:
            if name.startswith(("plain.", "fetch.")):
                _check(name, await calls[name](), {"accessToken": "upABC"})
        try:
            return await measure(calls, n)
        finally:
            lanes.close()
