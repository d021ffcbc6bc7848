"""Issue #19's "done when": one real `serve` process with its default settings takes a steady stream of
healthy jobs while every kind of hostile job and hostile client of the issue runs beside them; every
healthy job succeeds within the latency bound SECURITY.md states ("Healthy jobs under a mixed load"),
and every hostile one gets its documented answer."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from support.serve_process import Replica, metric, start_replica, stop_replica

from executor.server.admission import rss_bytes
from executor.server.config import ServerConfig
from executor.server.connectors import MAX_INLINE_FILE_BYTES, PARSE_SECONDS
from js_runtime.limits import DEFAULT_LIMITS

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The bound SECURITY.md states for a healthy job's latency (POST to answer) under this load. Measured
# on 2 cores with a load average of 8-12 from other work: p99 2.2-4.3 s on QuickJS, 2.2-9.6 s on V8
# (its tail: bystanders of the huge-URL job's worker, see SECURITY.md); alone the stream answers in ~20 ms.
HEALTHY_P99_SECONDS = 15.0
HEALTHY_MAX_SECONDS = 20.0

LOAD_SECONDS = 11.0  # the header timeout (10 s) must pass inside it: slowloris connections get closed
HEALTHY_EVERY = 0.1  # ten healthy jobs a second, alternately plain and fetching
DEFAULTS = ServerConfig()

METHOD = "getCredentialsFromConnectionParameters"
PLAIN_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters }) {
  return { apiKey: connectionParameters.apiKey }
}
"""
FETCH_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters }) {
  const response = await fetch(connectionParameters.url)
  return { token: (await response.json()).token }
}
"""
# Each kind of hostile job of issue #19, chosen by the input (one connector, parsed once).
HOSTILE_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters: p }) {
  switch (p.kind) {
    case 'spin': while (true) {}
    case 'ignores-the-limit':  // QuickJS ignores its interrupt in reverse, V8 its termination in lastIndexOf
      return [Array.prototype.reverse.call({ length: 2 ** 32 - 1 }),
              Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1)]
    case 'memory-hog': { const a = []; while (true) a.push(new Array(10000).fill(1)) }
    case 'huge-output': return 'x'.repeat(16 * 2 ** 20)
    case 'huge-urls': {
      const url = p.url + '?q=' + 'a'.repeat(1.5 * 2 ** 20)
      let answered = 0
      await Promise.all(Array.from({ length: 50 }, () => fetch(url).then(() => answered++, () => answered++)))
      return { answered }
    }
    case 'deep': { let depth = 0; for (let c = p.deep; c && c.a; c = c.a) depth++; return { depth } }
  }
}
"""


def spec(key: str) -> str:
    return (f"key: {key}\nname: {key}\nauth:\n  type: client-credentials\n"
            f"  {METHOD}:\n    implementationType: javascript\n")


@pytest.fixture(scope="module")
def connectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("connectors")
    for key, source in (("plain", PLAIN_JS), ("fetcher", FETCH_JS), ("hostile", HOSTILE_JS)):
        (root / key / "auth").mkdir(parents=True)
        (root / key / "spec.yml").write_text(spec(key))
        (root / key / "auth" / "get-credentials-from-connection-parameters.js").write_text(source)
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def upstream() -> AsyncIterator[str]:
    async def token(request: web.Request) -> web.Response:
        return web.json_response({"token": request.query["t"]})

    app = web.Application()
    async def anything(_request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/token", token)
    app.router.add_get("/huge", anything)
    # (it reads URLs of 1.5 MiB: the hostile job's requests really arrive)
    runner = web.AppRunner(app, access_log=None, max_line_size=2 * 2**20)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@dataclass
class Load:
    """What one run saw: healthy latencies and failures, and each hostile kind's answers."""

    replica: Replica
    upstream: str
    engine: str
    session: aiohttp.ClientSession
    until: float = 0.0
    latencies: list[float] = field(default_factory=list)
    healthy_failures: list[Any] = field(default_factory=list)
    hostile: dict[str, list[Any]] = field(default_factory=dict)

    def running(self) -> bool:
        return time.monotonic() < self.until

    def job(self, connector: Any, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"connector": connector, "method": METHOD, "engine": self.engine,
                "input": {"connectionParameters": parameters}, **extra}

    async def post(self, body: bytes) -> tuple[int, Any]:
        async with self.session.post(f"{self.replica.url}/v1/jobs", data=body,
                                     headers={"Content-Type": "application/json"}) as response:
            return response.status, await response.json()

    def note(self, kind: str, answer: Any) -> None:
        self.hostile.setdefault(kind, []).append(answer)


# ---- healthy traffic ----

async def healthy_job(load: Load, n: int) -> None:
    if n % 2:
        body, expected = load.job("fetcher", {"url": f"{load.upstream}/token?t=t{n}"}), {"token": f"t{n}"}
    else:
        body, expected = load.job("plain", {"apiKey": f"k-{n}"}), {"apiKey": f"k-{n}"}
    started = time.monotonic()
    try:
        status, answer = await load.post(json.dumps(body).encode())
    except (aiohttp.ClientError, TimeoutError) as exc:
        status, answer = 0, repr(exc)
    load.latencies.append(time.monotonic() - started)
    if status != 200 or answer.get("status") != "succeeded" or answer.get("output") != expected:
        load.healthy_failures.append((status, answer))


async def healthy_stream(load: Load) -> None:
    """Open loop: job n leaves at n * HEALTHY_EVERY whatever the answers take (late ones catch up when
    this process itself is slowed down: the rate is the server's to bear, not the client's to lower)."""
    jobs: list[asyncio.Future[None]] = []
    started = time.monotonic()
    while load.running():
        while len(jobs) <= (time.monotonic() - started) / HEALTHY_EVERY:
            jobs.append(asyncio.ensure_future(healthy_job(load, len(jobs))))
        await asyncio.sleep(HEALTHY_EVERY / 2)
    await asyncio.gather(*jobs)


# ---- hostile jobs ----

async def hostile_loop(load: Load, kind: str, *, timeout_ms: int, parallel: int = 1, **parameters: Any) -> None:
    async def one() -> None:
        while load.running():
            body = load.job("hostile", {"kind": kind, **parameters}, timeoutMs=timeout_ms)
            status, answer = await load.post(json.dumps(body).encode())
            load.note(kind, (status, answer))

    await asyncio.gather(*(one() for _ in range(parallel)))


async def ignores_the_limit(load: Load) -> None:
    """Two at once (a worker each, with serve's default of one per core), then one more."""
    body = json.dumps(load.job("hostile", {"kind": "ignores-the-limit"}, timeoutMs=2000)).encode()
    for answer in await asyncio.gather(load.post(body), load.post(body)):
        load.note("ignores-the-limit", answer)
    await asyncio.sleep(1.0)
    load.note("ignores-the-limit", await load.post(body))


def nested(depth: int) -> str:
    return '{"a":' * depth + "{}" + "}" * depth


async def deep_inputs(load: Load) -> None:
    """Bodies nested past what the front end parses, and an input nested 900 levels, which runs."""
    while load.running():
        for depth in (100_000, 5_000, 900):
            body = json.dumps(load.job("hostile", {"kind": "deep", "deep": "DEEP"})).replace('"DEEP"', nested(depth))
            load.note(f"deep-{depth}", await load.post(body.encode()))
        await asyncio.sleep(0.2)


# ---- hostile clients ----

async def raw_connection(load: Load) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = load.replica.url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def slowloris(load: Load, connections: int) -> None:
    """Headers that never finish, a byte a second: each must be closed by the server's header timeout."""
    async def one() -> None:
        reader, writer = await raw_connection(load)
        opened = time.monotonic()
        writer.write(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        closed = False
        while not closed and time.monotonic() - opened < DEFAULTS.header_timeout + 5:
            writer.write(b"a")
            try:
                closed = await asyncio.wait_for(reader.read(1), 1.0) == b""
            except TimeoutError:
                continue
            except ConnectionError:  # closed with our unread bytes: a reset
                closed = True
        load.note("slowloris", time.monotonic() - opened if closed else None)
        writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, Any]:
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, json.loads(await reader.readexactly(length))


async def slow_bodies(load: Load, connections: int) -> None:
    """Valid job bodies sent a few bytes at a time over ~6 s (within the body timeout): answered normally."""
    async def one(n: int) -> None:
        body = json.dumps(load.job("plain", {"apiKey": f"slow-{n}"})).encode()
        reader, writer = await raw_connection(load)
        writer.write(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        for start in range(0, len(body), 8):
            writer.write(body[start:start + 8])
            await asyncio.sleep(6.0 * 8 / len(body))
        status, answer = await read_answer(reader)
        writer.close()
        load.note("slow-body", (status, answer.get("status"), answer.get("output") == {"apiKey": f"slow-{n}"}))

    await asyncio.gather(*(one(n) for n in range(connections)))


async def slow_specs(load: Load, parallel: int) -> None:
    """Inline spec.yml files just under the inline bound and slow to parse, each new (no cache hit)."""
    counter = iter(range(1_000_000))

    async def one() -> None:
        while load.running():
            items = MAX_INLINE_FILE_BYTES // 2 - 100
            text = f"# {next(counter):08d}\nkey: slow\nname: Slow\nauth:\n  type: client-credentials\nextra: [{'0,' * items}0]\n"
            started = time.monotonic()
            status, answer = await load.post(json.dumps({"connector": {"files": {"spec.yml": text}},
                                                         "method": "test", "engine": load.engine}).encode())
            load.note("slow-spec", (status, (answer.get("error") or {}).get("code"), time.monotonic() - started))

    await asyncio.gather(*(one() for _ in range(parallel)))


async def many_connections(load: Load, connections: int) -> None:
    """Keep-alive connections that ask once and then sit idle for the whole load."""
    async def one() -> None:
        reader, writer = await raw_connection(load)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _ = await read_answer(reader)
        load.note("idle-connection", status)
        while load.running():
            await asyncio.sleep(0.5)
        writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))


# ---- the test ----

async def sample_peak_rss(load: Load) -> int:
    """The largest RSS of the serve process tree seen while the load runs."""
    peak = 0
    while load.running():
        pids = [load.replica.process.pid, *load.replica.worker_pids()]
        peak = max(peak, sum(rss_bytes(pid) for pid in pids))
        await asyncio.sleep(0.1)
    return peak


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def test_healthy_jobs_keep_their_latency_beside_every_hostile_job_and_client(
        connectors: Path, upstream: str, engine: str) -> None:
    replica = await start_replica(connectors, workers=None)  # serve's defaults: a worker per core
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=60)) as session:
            load = Load(replica, upstream, engine, session)
            load.until = time.monotonic() + 2.0  # the same stream alone first: the idle baseline
            await healthy_stream(load)
            idle = sorted(load.latencies)
            assert load.healthy_failures == []
            load.latencies = []
            load.until = time.monotonic() + LOAD_SECONDS
            attackers: list[Awaitable[None]] = [
                hostile_loop(load, "spin", timeout_ms=3000),
                ignores_the_limit(load),
                hostile_loop(load, "memory-hog", timeout_ms=10_000),
                hostile_loop(load, "huge-output", timeout_ms=10_000),
                hostile_loop(load, "huge-urls", timeout_ms=20_000, url=f"{upstream}/huge"),
                deep_inputs(load),
                slowloris(load, 300),
                slow_bodies(load, 10),
                slow_specs(load, 1),
                many_connections(load, 1000),
            ]
            attack = asyncio.gather(*attackers)
            peak_rss = asyncio.ensure_future(sample_peak_rss(load))
            await healthy_stream(load)
            await attack
            restarts = await metric(session, replica, "connector_executor_worker_restarts_total")
            peak = await peak_rss
    finally:
        await stop_replica(replica)

    latencies = load.latencies
    p50, p99, worst = percentile(latencies, 0.5), percentile(latencies, 0.99), max(latencies)
    print(f"\n{engine}: {len(latencies)} healthy jobs under load: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
          f" max {worst * 1000:.0f} ms (alone: p50 {percentile(idle, 0.5) * 1000:.0f} ms,"
          f" max {idle[-1] * 1000:.0f} ms); worker restarts {restarts:.0f}; peak tree RSS {peak >> 20} MB")
    for kind, answers in sorted(load.hostile.items()):
        if kind not in ("slowloris", "idle-connection"):
            print(f"  {kind}: {dict(Counter(repr(a if kind.startswith('slow-') else summary(a)) for a in answers))}")

    # Healthy jobs: none fails (no error, no 503, no 429 from the memory budget: what hostile jobs leave
    # behind is given back) and their latency keeps the bound. Peak tree RSS measured against the
    # default 1 GiB budget: V8 576-847 MB, QuickJS 497-591 MB; before V8 gave back the pages of freed
    # isolates (~200 MB kept per worker after a memory hog) V8 833-1,202 MB, 429s in about half the runs.
    refused = [failure for failure in load.healthy_failures if summary(failure) == BUDGET]
    assert refused == [], (f"{len(refused)} healthy jobs refused 429 by the memory budget (peak tree RSS "
                           f"{peak >> 20} MB of {DEFAULTS.memory_budget_mb})")
    assert load.healthy_failures == []
    assert len(latencies) >= 0.9 * LOAD_SECONDS / HEALTHY_EVERY
    assert p99 < HEALTHY_P99_SECONDS and worst < HEALTHY_MAX_SECONDS

    # Hostile jobs: each got its documented answer.
    h = load.hostile

    def answered(kind: str, *expected: tuple[int, str | None]) -> None:
        seen = {summary(a) for a in h[kind]}
        assert seen & set(expected) and seen <= set(expected), (kind, seen)

    answered("spin", (200, "TIMEOUT"))
    answered("ignores-the-limit", (200, "TIMEOUT"))
    assert restarts >= 1  # an engine really ignored its limit, and its worker was replaced
    answered("memory-hog", (200, "MEMORY_LIMIT"))
    answered("huge-output", (200, "INVALID_OUTPUT"))
    # 50 URLs of 1.5 MiB queued in one step: past max_queued_request_bytes, refused in the engine
    answered("huge-urls", (200, "NETWORK_BLOCKED"))
    for _, answer in h["huge-urls"]:  # the result is bounded however the job ended
        assert len(json.dumps(answer)) < 50 * (DEFAULT_LIMITS.max_summary_url_chars + 200)
        assert all(len(r["url"]) <= DEFAULT_LIMITS.max_summary_url_chars + 100 for r in answer.get("requests", ()))
        assert answer.get("output", {"answered": 50}) == {"answered": 50}
    answered("deep-100000", (400, "INVALID_JOB"))  # past the JSON parser's depth
    answered("deep-5000", (400, "INVALID_JOB"))
    answered("deep-900", (200, None))
    assert {a[1]["output"]["depth"] for a in h["deep-900"] if a[0] == 200} == {900}

    # Hostile clients: cut off by the documented timeouts, or answered normally.
    closed = h["slowloris"]
    assert None not in closed and max(closed) < DEFAULTS.header_timeout + 2  # all closed by the header timeout
    assert set(h["slow-body"]) == {(200, "succeeded", True)}
    for status, code, seconds in h["slow-spec"]:
        # refused, in bounded time (measured up to 5.8 s: the parse child's start under this load)
        assert (status, code) == (200, "CONNECTOR_INVALID") and seconds < PARSE_SECONDS + 5
    assert h["idle-connection"] == [200] * 1000


BUDGET = (429, "QUEUE_FULL")


def summary(answer: Any) -> tuple[int, str | None]:
    """(HTTP status, error code) of a job answer."""
    status, body = answer
    error = (body.get("error") if isinstance(body, dict) else None) or {}
    return status, error.get("code")

