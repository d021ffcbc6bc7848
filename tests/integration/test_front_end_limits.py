"""What one client or one tenant cannot do to the front end of a real `serve` process: stall it with
unfinished headers or bodies, exhaust its connections, block its event loop with connector text, or
leave callers unanswered at shutdown; and what its default admission holds (1,000 I/O-bound jobs)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import yaml
from aiohttp import web
from support.serve_process import Replica, metric, post, start_replica, stop_replica

from executor.server.admission import rss_bytes
from executor.server.connectors import MAX_INLINE_FILE_BYTES, PARSE_SECONDS
from executor.server.main import TEARDOWN_SECONDS

pytestmark = pytest.mark.asyncio(loop_scope="module")

WAIT_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters }) {
  const response = await fetch(connectionParameters.url)
  return { waited: (await response.json()).ok }
}
"""
WAIT_SPEC = """key: waiter
name: Waits on its upstream
auth:
  type: client-credentials
  getCredentialsFromConnectionParameters:
    implementationType: javascript
"""
REPO = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def upstream() -> AsyncIterator[str]:
    async def sleep(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("s", "1")))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/sleep", sleep)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.fixture(scope="module")
def connectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("connectors")
    (root / "waiter" / "auth").mkdir(parents=True)
    (root / "waiter" / "spec.yml").write_text(WAIT_SPEC)
    (root / "waiter" / "auth" / "get-credentials-from-connection-parameters.js").write_text(WAIT_JS)
    return root


def wait_job(upstream: str, seconds: float) -> dict[str, Any]:
    return {"connector": "waiter", "method": "getCredentialsFromConnectionParameters",
            "input": {"connectionParameters": {"url": f"{upstream}/sleep?s={seconds}"}}}


def tree_rss(replica: Replica) -> int:
    return rss_bytes(replica.process.pid) + sum(rss_bytes(pid) for pid in replica.worker_pids())


async def test_defaults_hold_1000_concurrent_jobs_waiting_on_their_upstream(connectors: Path, upstream: str) -> None:
    replica = await start_replica(connectors, workers=None)  # no tuning at all
    peak = [0]

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], tree_rss(replica))
            await asyncio.sleep(0.1)

    try:
        sampler = asyncio.ensure_future(sample())
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=60)) as session:
            job = wait_job(upstream, 1.0)
            started = time.monotonic()
            answers = await asyncio.gather(*(post(session, replica, job) for _ in range(1000)))
            wall = time.monotonic() - started
        sampler.cancel()
        statuses = Counter(status for status, _, _ in answers)
        assert statuses == {200: 1000}  # none refused with 429
        assert Counter(body["status"] for _, body, _ in answers) == {"succeeded": 1000}
        print(f"1000 jobs waiting 1 s each, default settings: {wall:.2f} s, peak tree RSS {peak[0] / 2**20:.0f} MB")
        assert peak[0] < 1024 * 2**20
        assert wall < 20  # 1 s of waiting: ~2 s on an idle 2-core machine (bench section 5); generous for load
    finally:
        await stop_replica(replica)


async def test_sigterm_answers_every_caller_and_exits_within_the_grace(connectors: Path, upstream: str) -> None:
    replica = await start_replica(connectors, env={"CONNECTOR_EXECUTOR_JOBS_PER_WORKER": "1",
                                                   "CONNECTOR_EXECUTOR_QUEUE_SIZE": "10",
                                                   "CONNECTOR_EXECUTOR_SHUTDOWN_GRACE": "1"})
    async with aiohttp.ClientSession() as session:
        running = asyncio.ensure_future(post(session, replica, wait_job(upstream, 4.0)))
        queued = [asyncio.ensure_future(post(session, replica, wait_job(upstream, 0.1))) for _ in range(5)]
        for _ in range(200):
            if await metric(session, replica, "connector_executor_jobs_queued") == 5:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the jobs never queued")
        stopped = time.monotonic()
        replica.process.send_signal(signal.SIGTERM)
        for task in queued:  # never started: refused at once, with a hint to retry elsewhere
            status, body, headers = await asyncio.wait_for(task, 1.0)
            assert (status, body["error"]["code"]) == (503, "SHUTTING_DOWN")
            assert int(headers["Retry-After"]) >= 1
        status, body, _ = await asyncio.wait_for(running, 1 + TEARDOWN_SECONDS + 1)
        assert (status, body["status"], body["error"]["code"]) == (200, "failed", "ENGINE_CRASHED")
        assert "stopped" in body["error"]["message"]
    assert await asyncio.wait_for(replica.process.wait(), 1 + TEARDOWN_SECONDS + 2) == 0
    assert time.monotonic() - stopped < 1 + TEARDOWN_SECONDS


async def test_kubernetes_grace_fits_the_service_grace_and_the_longest_job() -> None:
    documents = list(yaml.safe_load_all((REPO / "deploy" / "kubernetes.yaml").read_text()))
    pod = next(d for d in documents if d and d["kind"] == "Deployment")["spec"]["template"]["spec"]
    container = next(c for c in pod["containers"] if c["name"] == "connector-executor")
    env = {e["name"]: e.get("value") for e in container["env"]}
    grace = float(env["CONNECTOR_EXECUTOR_SHUTDOWN_GRACE"])
    longest_job = int(env["CONNECTOR_EXECUTOR_MAX_TIMEOUT_MS"]) / 1000
    pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert grace >= longest_job  # a job started just before SIGTERM can finish
    assert pre_stop + grace + TEARDOWN_SECONDS < pod["terminationGracePeriodSeconds"]


async def test_unfinished_headers_and_bodies_and_too_many_connections(connectors: Path) -> None:
    replica = await start_replica(connectors, env={"CONNECTOR_EXECUTOR_HEADER_TIMEOUT": "0.5",
                                                   "CONNECTOR_EXECUTOR_BODY_TIMEOUT": "0.5",
                                                   "CONNECTOR_EXECUTOR_MAX_CONNECTIONS": "40"})
    host, port = replica.url.removeprefix("http://").split(":")
    try:
        loop = asyncio.get_running_loop()
        slow = []
        for _ in range(60):  # headers that never finish; 20 past the cap
            sock = socket.create_connection((host, int(port)))
            sock.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sock.setblocking(False)
            slow.append(sock)
        started = time.monotonic()

        async def closed_by_server(sock: socket.socket) -> bool:
            try:
                return await asyncio.wait_for(loop.sock_recv(sock, 1), 5) == b""
            except ConnectionResetError:  # closed with our unread bytes: a reset
                return True
            finally:
                sock.close()

        assert all(await asyncio.gather(*(closed_by_server(s) for s in slow)))  # every one closed...
        assert time.monotonic() - started < 2  # ...within the header timeout (those past the cap at once)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{replica.url}/healthz") as response:
                assert response.status == 200  # the service serves again
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"connector\":")
            status_line = await asyncio.wait_for(reader.readline(), 3)
            assert b" 408 " in status_line  # a body that stops arriving
            writer.close()
        lines = replica.stderr
        assert sum("connections.over_limit" in line for line in lines) == 1  # one line per condition
        assert sum("connections.header_timeout" in line for line in lines) == 1
    finally:
        await stop_replica(replica)


def _slow_spec(items: int) -> str:
    return f"key: slow\nname: Slow\nauth:\n  type: client-credentials\nextra: [{'0,' * items}0]\n"


async def test_inline_connector_text_is_parsed_off_the_event_loop_with_bounds(connectors: Path) -> None:
    replica = await start_replica(connectors)
    try:
        async with aiohttp.ClientSession() as session:
            huge = _slow_spec(300_000)  # 586 KiB: under the body limit, over the inline file bound
            assert len(huge) > MAX_INLINE_FILE_BYTES
            status, body, _ = await post(session, replica, {"connector": {"files": {"spec.yml": huge}},
                                                            "method": "test"})
            assert (status, body["error"]["code"]) == (200, "CONNECTOR_INVALID")
            assert "over the limit" in body["error"]["message"]
            slow = _slow_spec(MAX_INLINE_FILE_BYTES // 2 - 100)  # just under the bound: slow to parse
            assert len(slow) <= MAX_INLINE_FILE_BYTES
            job = asyncio.ensure_future(post(session, replica, {"connector": {"files": {"spec.yml": slow}},
                                                                "method": "test"}))
            worst, started = 0.0, time.monotonic()
            while not job.done():
                before = time.monotonic()
                async with session.get(f"{replica.url}/healthz") as response:
                    assert response.status == 200
                worst = max(worst, time.monotonic() - before)
                await asyncio.sleep(0.02)
            status, body, _ = await job
            assert status == 200  # parsed or refused for taking too long, but answered in bounded time
            assert time.monotonic() - started < PARSE_SECONDS + 3
            assert worst < 0.5, f"/healthz took {worst:.2f} s while an inline connector was parsed"
    finally:
        await stop_replica(replica)
