"""Replicas sharing a real Redis: several `serve` processes on loopback ports, one redis-server, and a
token endpoint that rotates refresh tokens (a refresh token spent twice is `invalid_grant`, as with
Auth0, Okta, Xero...). Shows each "Done when" point of issue #18."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import redis
from aiohttp import web
from support.redis_server import RedisServer
from support.serve_process import EXECUTABLE, LEASE_SECONDS, Replica, metric, post, start_replica, stop_replica

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFRESH_JS = """
exports.refreshCredentials = async function ({ connectorParameters, credentials }) {
  const response = await fetch(connectorParameters.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=refresh_token&refresh_token=' + encodeURIComponent(credentials.refreshToken),
  })
  const data = await response.json()
  if (!response.ok) throw new Error('refresh failed: ' + data.error)
  return { accessToken: data.access_token, refreshToken: data.refresh_token }
}
"""
SPEC = """key: rotating
name: Rotating refresh tokens
auth:
  type: client-credentials
  refreshCredentials:
    implementationType: javascript
"""
PLAIN_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters }) {
  return { apiKey: connectionParameters.apiKey }
}
"""
PLAIN_SPEC = """key: plain
name: Plain
auth:
  type: client-credentials
  getCredentialsFromConnectionParameters:
    implementationType: javascript
"""


@dataclass
class Provider:
    """A token endpoint with rotating refresh tokens: each refresh token grants once; its grant gives a
    new access token and a new refresh token. A grant whose client went away before the answer (its
    replica died) is not completed. `requests` counts token requests by refresh token."""

    url: str = ""
    requests: Counter[str] = field(default_factory=Counter)
    spent: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    in_flight: int = 0

    def token_url(self, delay: float = 0.0) -> str:
        return f"{self.url}/token?delay={delay}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider() -> AsyncIterator[Provider]:
    state = Provider()
    counter = [0]

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        refresh_token = str(form.get("refresh_token"))
        state.requests[refresh_token] += 1
        state.in_flight += 1
        try:
            await asyncio.sleep(float(request.query.get("delay", "0")))
        finally:
            state.in_flight -= 1
        if request.transport is None or request.transport.is_closing():
            return web.json_response({"error": "client_gone"}, status=499)
        if refresh_token in state.spent:
            return web.json_response({"error": "invalid_grant"}, status=400)
        state.spent.add(refresh_token)
        counter[0] += 1
        access, rotated = f"at-SECRET-{counter[0]:04d}", f"rt-SECRET-{counter[0]:04d}"
        state.issued += [access, rotated]
        return web.json_response({"access_token": access, "refresh_token": rotated, "token_type": "Bearer"})

    async def sleep(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("s", "1")))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/token", token)
    app.router.add_get("/sleep", sleep)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield state
    await runner.cleanup()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def connectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("connectors")
    for key, spec, name, code in (("rotating", SPEC, "refresh-credentials.js", REFRESH_JS),
                                  ("plain", PLAIN_SPEC, "get-credentials-from-connection-parameters.js", PLAIN_JS)):
        (root / key / "auth").mkdir(parents=True)
        (root / key / "spec.yml").write_text(spec)
        (root / key / "auth" / name).write_text(code)
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replicas(redis_server: RedisServer, connectors: Path) -> AsyncIterator[list[Replica]]:
    started = await asyncio.gather(*(start_replica(connectors, redis_server.url) for _ in range(3)))
    yield list(started)
    await asyncio.gather(*(stop_replica(r) for r in started))


@pytest_asyncio.fixture(loop_scope="module")
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:
        yield client


def refresh(provider: Provider, refresh_token: str, *, delay: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"connector": "rotating", "method": "refreshCredentials",
            "input": {"connectorParameters": {"tokenUrl": provider.token_url(delay)},
                      "credentials": {"refreshToken": refresh_token}}, **extra}


async def test_an_idempotent_retry_is_answered_by_another_replica(
        replicas: list[Replica], provider: Provider, session: aiohttp.ClientSession) -> None:
    a, b, _ = replicas
    job = refresh(provider, "rt-SECRET-idem")
    status, first, headers = await post(session, a, job, {"Idempotency-Key": "idem-1"})
    assert status == 200 and first["status"] == "succeeded", first
    assert "Idempotent-Replayed" not in headers
    status, again, headers = await post(session, b, job, {"Idempotency-Key": "idem-1"})
    assert (status, again, headers["Idempotent-Replayed"]) == (200, first, "true")
    assert provider.requests["rt-SECRET-idem"] == 1
    status, conflict, _ = await post(session, b, refresh(provider, "rt-other"), {"Idempotency-Key": "idem-1"})
    assert (status, conflict["error"]["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    # concurrent: the retry on another replica waits for the first run and gets its result
    slow = refresh(provider, "rt-SECRET-idem-slow", delay=0.5)
    answers = await asyncio.gather(*(post(session, r, slow, {"Idempotency-Key": "idem-2"}) for r in (a, b, a, b)))
    assert all(s == 200 for s, _, _ in answers)
    assert len({json.dumps(body, sort_keys=True) for _, body, _ in answers}) == 1
    assert answers[0][1]["status"] == "succeeded"
    assert provider.requests["rt-SECRET-idem-slow"] == 1


async def test_concurrent_refreshes_of_one_connection_reach_the_token_endpoint_once(
        replicas: list[Replica], provider: Provider, session: aiohttp.ClientSession) -> None:
    job = refresh(provider, "rt-SECRET-collapse", delay=0.5, connectionId="conn-collapse")
    answers = await asyncio.gather(*(post(session, replicas[i % 3], job) for i in range(12)))
    assert {s for s, _, _ in answers} == {200}
    credentials = {json.dumps(body["credentials"], sort_keys=True) for _, body, _ in answers}
    assert len(credentials) == 1 and answers[0][1]["status"] == "succeeded"
    assert provider.requests["rt-SECRET-collapse"] == 1
    # Another caller's body under the same connectionId never gets these credentials: it runs itself.
    status, other, _ = await post(session, replicas[1], refresh(provider, "rt-SECRET-someone-else",
                                                                connectionId="conn-collapse"))
    assert status == 200 and other["status"] == "succeeded"
    assert other["credentials"] != answers[0][1]["credentials"]
    assert provider.requests["rt-SECRET-someone-else"] == 1


async def test_a_retry_after_a_lost_answer_gets_the_rotated_credentials_without_a_second_grant(
        replicas: list[Replica], provider: Provider, session: aiohttp.ClientSession) -> None:
    job = refresh(provider, "rt-SECRET-lost", connectionId="conn-lost")
    status, first, _ = await post(session, replicas[0], job)  # ...and suppose the caller never saw this
    assert status == 200 and first["status"] == "succeeded"
    for replica in replicas[1:]:
        status, retried, _ = await post(session, replica, job)  # with or without an Idempotency-Key
        assert (status, retried["credentials"]) == (200, first["credentials"])
    status, keyed, _ = await post(session, replicas[2], job, {"Idempotency-Key": "lost-retry"})
    assert (status, keyed["credentials"]) == (200, first["credentials"])
    assert provider.requests["rt-SECRET-lost"] == 1  # a second grant would have been invalid_grant


async def test_redis_holds_no_secret_in_clear(replicas: list[Replica], provider: Provider,
                                              redis_server: RedisServer, session: aiohttp.ClientSession) -> None:
    status, _, _ = await post(session, replicas[0], refresh(provider, "rt-SECRET-raw", connectionId="conn-raw"),
                              {"Idempotency-Key": "raw-1"})
    assert status == 200
    client = redis.Redis.from_url(redis_server.url)
    raw = b"".join(key + b"=" + (client.get(key) or b"") for key in client.keys("*"))
    client.close()
    assert raw.count(b":done") >= 3  # records are there...
    secrets = [s.encode() for s in provider.issued] + [b"rt-SECRET-raw", b"SECRET", b"conn-raw", b"raw-1"]
    assert not [s for s in secrets if s in raw]  # ...but no token, key or connection id in clear


async def test_a_replica_killed_while_holding_a_lease_frees_it(
        redis_server: RedisServer, connectors: Path, provider: Provider, session: aiohttp.ClientSession) -> None:
    doomed, survivor = await asyncio.gather(start_replica(connectors, redis_server.url),
                                            start_replica(connectors, redis_server.url))
    try:
        job = refresh(provider, "rt-SECRET-kill", delay=2.0, connectionId="conn-kill")
        lost = asyncio.ensure_future(post(session, doomed, job))
        for _ in range(300):
            if provider.requests["rt-SECRET-kill"]:
                break
            await asyncio.sleep(0.01)
        retry = asyncio.ensure_future(post(session, survivor, job))
        await asyncio.sleep(0.3)
        assert not retry.done()  # the lease is held (and renewed) by the doomed replica: the retry waits
        started = time.monotonic()
        doomed.kill_all()
        with pytest.raises(aiohttp.ClientError):
            await lost
        status, answer, _ = await asyncio.wait_for(retry, 15)
        waited = time.monotonic() - started
        assert status == 200 and answer["status"] == "succeeded", answer
        assert provider.requests["rt-SECRET-kill"] == 2  # the dead replica's grant never completed
        assert waited < LEASE_SECONDS + 2.0 + 2.0  # lease expiry, then the retry's own 2 s grant
    finally:
        await doomed.process.wait()
        await stop_replica(survivor)


async def test_redis_stopped_and_restarted_mid_run(
        redis_server: RedisServer, connectors: Path, provider: Provider, session: aiohttp.ClientSession) -> None:
    replica = await start_replica(connectors, redis_server.url)
    try:
        plain = {"connector": "plain", "method": "getCredentialsFromConnectionParameters",
                 "input": {"connectionParameters": {"apiKey": "k"}}}
        assert (await post(session, replica, plain, {"Idempotency-Key": "before"}))[0] == 200
        redis_server.stop()
        status, answer, _ = await post(session, replica, plain)
        assert (status, answer["status"]) == (200, "succeeded")  # needs no coordination: still runs
        for headers, body in (({"Idempotency-Key": "during"}, plain),
                              (None, refresh(provider, "rt-SECRET-outage", connectionId="conn-outage"))):
            status, answer, response_headers = await post(session, replica, body, headers)
            assert (status, answer["error"]["code"]) == (503, "STORE_UNAVAILABLE")
            assert int(response_headers["Retry-After"]) >= 1
        assert provider.requests["rt-SECRET-outage"] == 0
        async with session.get(f"{replica.url}/readyz") as response:
            ready = await response.json()
        assert (response.status, ready["status"], ready["store"]) == (200, "degraded",
                                                                     {"kind": "redis", "available": False})
        assert await metric(session, replica, "connector_executor_store_errors_total") >= 2
        assert await metric(session, replica, "connector_executor_store_up") == 0
        assert await metric(session, replica, "connector_executor_store_operation_seconds_count") >= 3
        redis_server.start()  # empty: Redis restarted without persistence
        for _ in range(100):
            async with session.get(f"{replica.url}/readyz") as response:
                if (await response.json())["store"]["available"]:
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the service did not notice that the store is back")
        status, answer, _ = await post(session, replica, refresh(provider, "rt-SECRET-outage", connectionId="conn-outage"),
                                       {"Idempotency-Key": "after"})
        assert (status, answer["status"]) == (200, "succeeded")
        assert await metric(session, replica, "connector_executor_store_up") == 1
        assert replica.process.returncode is None
        warnings = [line for line in replica.stderr if "store.unavailable" in line]
        assert len(warnings) == 1  # one line per outage, not one per job
    finally:
        await stop_replica(replica)


async def test_serve_refuses_a_redis_store_without_a_long_enough_key(redis_server: RedisServer) -> None:
    for key in ("", "too-short"):
        env = {k: v for k, v in os.environ.items() if k != "CONNECTOR_EXECUTOR_STORE_KEY"}
        if key:
            env["CONNECTOR_EXECUTOR_STORE_KEY"] = key
        process = await asyncio.create_subprocess_exec(
            str(EXECUTABLE), "serve", "--port", "0", "--store", redis_server.url, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 2
        assert b"CONNECTOR_EXECUTOR_STORE_KEY" in stderr and b"32 characters" in stderr
