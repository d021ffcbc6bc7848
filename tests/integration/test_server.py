"""The job service end to end: the real app on a real socket (aiohttp TestServer), real worker
subprocesses, and a real local upstream API that counts the requests jobs make."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import os
import shutil
import signal
import time
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import openapi_spec_validator
import pytest
import pytest_asyncio
from aiohttp import test_utils, web
from prometheus_client.parser import text_string_to_metric_families

from executor.jobs import JobInput
from executor.jobs.wire import JobMessage
from executor.secrets import Secrets
from executor.server import service as service_module
from executor.server.app import SERVICE, create_app
from executor.server.config import ServerConfig
from executor.server.logging import JsonLinesLogger, job_log_context, make_logger, redact_secrets
from executor.server.openapi import JOB_REQUEST_SCHEMA, JOB_RESULT_SCHEMA, openapi_document
from executor.server.supervisor import WorkerOptions, WorkerPool
from executor.server.worker import LOWEST_PRIORITY

pytestmark = pytest.mark.asyncio(loop_scope="module")

GET_CREDENTIALS = "getCredentialsFromConnectionParameters"
DEMO_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters }) {
  console.log('making credentials')
  if (connectionParameters.fail) throw new Error('rejected key ' + connectionParameters.apiKey)
  return { apiKey: connectionParameters.apiKey }
}
"""
SPIN_JS = "exports.getCredentialsFromConnectionParameters = async function () { while (true) {} }"
FETCH_REFRESH_JS = """
exports.refreshCredentials = async function ({ connectorParameters }) {
  const response = await fetch(connectorParameters.url)
  const data = await response.json()
  return { accessToken: data.token }
}
"""


def kebab(name: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def inline(methods: dict[str, str], *, salt: str = "", key: str = "inline-test") -> dict[str, Any]:
    """An inline client-credentials connector implementing `methods` in JavaScript."""
    slots = "".join(f"  {name}:\n    implementationType: javascript\n" for name in methods)
    spec = f"# {salt}\nkey: {key}\nname: Inline test\nauth:\n  type: client-credentials\n{slots}"
    files = {"spec.yml": spec}
    files.update({f"auth/{kebab(name)}.js": code for name, code in methods.items()})
    return {"files": files}


def write_demo_connector(root: Path) -> Path:
    directory = root / "demo"
    (directory / "auth").mkdir(parents=True)
    (directory / "spec.yml").write_text(
        "key: demo\nname: Demo API\nauth:\n  type: client-credentials\n  title: API key\n"
        "  ui:\n    schema:\n      type: object\n      properties:\n        apiKey: {type: string, format: password}\n"
        "  getCredentialsFromConnectionParameters:\n    implementationType: javascript\n"
        "  options:\n    sandbox:\n      type: client-credentials\n      title: Sandbox\n")
    (directory / "auth" / "get-credentials-from-connection-parameters.js").write_text(DEMO_JS)
    (root / "not-a-connector").mkdir()
    return root


@dataclass
class Upstream:
    """A fake provider API: `/token/<name>?delay=s` answers {"token": "<name>-<n>"}, counting hits."""

    url: str
    hits: Counter[str] = field(default_factory=Counter)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def upstream() -> AsyncIterator[Upstream]:
    holder: dict[str, Upstream] = {}

    async def token(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        holder["u"].hits[name] += 1
        count = holder["u"].hits[name]
        await asyncio.sleep(float(request.query.get("delay", "0")))
        return web.json_response({"token": f"{name}-{count}"})

    app = web.Application()
    app.router.add_get("/token/{name}", token)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    holder["u"] = Upstream(f"http://127.0.0.1:{runner.addresses[0][1]}")
    yield holder["u"]
    await runner.cleanup()


@dataclass
class Service:
    """A running app: its base URL, an HTTP session, the app itself and what it logged."""

    app: web.Application
    server: test_utils.TestServer
    session: aiohttp.ClientSession
    logs: io.StringIO

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def job(self, body: Any, *, headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        async with self.session.post(self.url("/v1/jobs"), data=data, headers=headers) as response:
            return response.status, await response.json(), response.headers

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
        async with self.session.get(self.url(path), **kwargs) as response:
            text = await response.text()
            is_json = response.content_type == "application/json"
            return response.status, json.loads(text) if is_json else text, response.headers

    async def metric(self, name: str, **labels: str) -> float:
        _, text, _ = await self.get("/metrics")
        total = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines() if line.strip()]


async def start_service(config: ServerConfig) -> Service:
    logs = io.StringIO()
    app = create_app(config, log_stream=logs)
    server = test_utils.TestServer(app, host="127.0.0.1")
    await server.start_server()
    return Service(app, server, aiohttp.ClientSession(), logs)


async def stop_service(service: Service) -> None:
    await service.session.close()
    await service.server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def svc(tmp_path_factory: pytest.TempPathFactory, upstream: Upstream) -> AsyncIterator[Service]:
    connectors = write_demo_connector(tmp_path_factory.mktemp("connectors"))
    config = ServerConfig(port=0, workers=2, jobs_per_worker=4, queue_size=16, connectors_dir=connectors,
                          allow_hosts=("127.0.0.1",))
    service = await start_service(config)
    yield service
    await stop_service(service)


def demo_job(api_key: str = "sk-test-0001", **extra: Any) -> dict[str, Any]:
    return {"connector": "demo", "method": GET_CREDENTIALS,
            "input": {"connectionParameters": {"apiKey": api_key, **extra}}}


# ---- 200: the job ran ----

@pytest.mark.parametrize("engine", ["quickjs", "v8"])
async def test_succeeded_job_is_200_with_result(svc: Service, engine: str) -> None:
    status, body, _ = await svc.job({**demo_job(), "engine": engine})
    assert status == 200
    assert body["status"] == "succeeded"
    assert body["output"] == {"apiKey": "sk-test-0001"}
    assert body["credentials"] == {"apiKey": "sk-test-0001"}
    assert body["logs"] == [{"level": "log", "message": "making credentials"}]
    jsonschema.validate(body, JOB_RESULT_SCHEMA)


async def test_failed_job_is_200_with_error(svc: Service) -> None:
    status, body, _ = await svc.job(demo_job("sk-secret-9876", fail=True))
    assert status == 200
    assert body["status"] == "failed"
    assert body["error"]["code"] == "SCRIPT_ERROR"
    assert "sk-secret-9876" not in body["error"]["message"]
    jsonschema.validate(body, JOB_RESULT_SCHEMA)


async def test_inline_connector_job(svc: Service) -> None:
    status, body, _ = await svc.job({"connector": inline({GET_CREDENTIALS: DEMO_JS}, salt="inline-ok"),
                                     "method": GET_CREDENTIALS,
                                     "input": {"connectionParameters": {"apiKey": "k-inline"}}})
    assert (status, body["status"], body["output"]) == (200, "succeeded", {"apiKey": "k-inline"})


async def test_broken_inline_connector_is_a_failed_job(svc: Service) -> None:
    status, body, _ = await svc.job({"connector": {"files": {"spec.yml": "auth: [oops"}}, "method": "test"})
    assert status == 200
    assert body["status"] == "failed"
    assert body["error"]["code"] == "CONNECTOR_INVALID"


async def test_unknown_auth_option_is_a_failed_job(svc: Service) -> None:
    status, body, _ = await svc.job({**demo_job(), "authOption": "nope"})
    assert (status, body["error"]["code"]) == (200, "INVALID_INPUT")


# ---- 400, 404, 405 ----

@pytest.mark.parametrize("body, fragment", [
    ("{not json", "not valid JSON"),
    ('{"connector": "demo", "method": "test", "timeoutMs": NaN}', "not valid JSON"),
    ([], "must be of type object"),
    ({"connector": "demo"}, "'method' is a required property"),
    ({"method": "test"}, "'connector' is a required property"),
    ({"connector": "demo", "method": "fly"}, "body.method: must be one of"),
    ({"connector": "demo", "method": "test", "engine": "spidermonkey"}, "body.engine"),
    ({"connector": "demo", "method": "test", "input": "x"}, "body.input: must be of type object"),
    ({"connector": "demo", "method": "test", "input": {"credentials": "hunter2-secret"}}, "body.input.credentials"),
    ({"connector": "demo", "method": "test", "timeoutMs": 0}, "body.timeoutMs"),
    ({"connector": "demo", "method": "test", "timeoutMs": "1000"}, "body.timeoutMs"),
    ({"connector": {"files": {"spec.yml": 1}}, "method": "test"}, "body.connector"),
    ({"connector": 7, "method": "test"}, "body.connector"),
    ({"connector": "demo", "method": "test", "colour": "red"}, "'colour' was unexpected"),
])
async def test_invalid_job_is_400(svc: Service, body: Any, fragment: str) -> None:
    status, answer, _ = await svc.job(body)
    assert status == 400
    assert answer["error"]["code"] == "INVALID_JOB"
    assert fragment in answer["error"]["message"]
    assert "hunter2-secret" not in answer["error"]["message"]


async def test_overlong_idempotency_key_is_400(svc: Service) -> None:
    status, answer, _ = await svc.job(demo_job(), headers={"Idempotency-Key": "k" * 256})
    assert (status, answer["error"]["code"]) == (400, "INVALID_JOB")


async def test_unknown_connector_is_404(svc: Service) -> None:
    status, answer, _ = await svc.job({"connector": "no-such-connector", "method": "test"})
    assert status == 404
    assert answer["error"]["code"] == "CONNECTOR_NOT_FOUND"


async def test_unknown_route_and_wrong_method_answer_json(svc: Service) -> None:
    status, answer, _ = await svc.get("/v2/nothing")
    assert (status, answer["error"]["code"]) == (404, "NOT_FOUND")
    async with svc.session.put(svc.url("/v1/jobs")) as response:
        assert response.status == 405
        assert (await response.json())["error"]["code"] == "METHOD_NOT_ALLOWED"
        assert "POST" in response.headers["Allow"]


# ---- the other endpoints ----

async def test_list_connectors(svc: Service) -> None:
    status, body, _ = await svc.get("/v1/connectors")
    assert status == 200
    assert body == {"connectors": [{
        "key": "demo", "name": "Demo API", "authType": "client-credentials", "title": "API key",
        "options": [{"key": "sandbox", "type": "client-credentials", "title": "Sandbox", "enabled": True}],
    }]}


async def test_list_connectors_says_which_options_the_connector_parameters_enable(tmp_path: Path) -> None:
    # rest-mapping-example's `oauth` option is enabled by {$eval: connectorParameters.oauthEnabled is true}
    connectors = tmp_path / "connectors"
    shutil.copytree(Path(__file__).parents[2] / "fixtures" / "connectors" / "rest-mapping-example",
                    connectors / "rest-mapping-example")
    service = await start_service(ServerConfig(port=0, workers=1, connectors_dir=connectors))
    try:
        async def options(query: str) -> dict[str, bool]:
            status, body, _ = await service.get(f"/v1/connectors{query}")
            assert status == 200, body
            return {o["key"]: o["enabled"] for o in body["connectors"][0]["options"]}

        assert await options("") == {"key": True, "oauth": False}
        enabled = urllib.parse.quote(json.dumps({"oauthEnabled": True}))
        assert await options(f"?connectorParameters={enabled}") == {"key": True, "oauth": True}
        status, body, _ = await service.get("/v1/connectors?connectorParameters=%5B1%5D")
        assert (status, body["error"]["code"]) == (400, "INVALID_INPUT")
    finally:
        await stop_service(service)


async def test_healthz_and_readyz(svc: Service) -> None:
    assert (await svc.get("/healthz"))[:2] == (200, {"status": "ok"})
    status, body, _ = await svc.get("/readyz")
    assert status == 200
    assert body["status"] == "ready"
    assert body["workers"] == 2


async def test_openapi_document_is_valid_and_is_what_validates_bodies(svc: Service) -> None:
    status, document, _ = await svc.get("/openapi.json")
    assert status == 200
    openapi_spec_validator.validate(document)
    assert document == openapi_document()
    assert document["components"]["schemas"]["JobRequest"] == JOB_REQUEST_SCHEMA
    assert service_module._VALIDATOR.schema is JOB_REQUEST_SCHEMA
    assert set(document["paths"]) == {"/v1/jobs", "/v1/connectors", "/healthz", "/readyz", "/metrics",
                                      "/openapi.json"}
    assert "bearerAuth" in document["components"]["securitySchemes"]


async def test_metrics_count_jobs_by_connector_method_engine_and_outcome(svc: Service, upstream: Upstream) -> None:
    labels = {"connector": "demo", "method": GET_CREDENTIALS, "engine": "quickjs"}
    before_ok = await svc.metric("connector_executor_jobs_total", **labels, outcome="succeeded")
    before_failed = await svc.metric("connector_executor_jobs_total", **labels, outcome="failed",
                                     error_code="SCRIPT_ERROR")
    before_requests = await svc.metric("connector_executor_outbound_requests_total", connector="inline",
                                       status_class="2xx")
    await svc.job(demo_job())
    await svc.job(demo_job())
    await svc.job(demo_job(fail=True))
    await svc.job({"connector": inline({"refreshCredentials": FETCH_REFRESH_JS}, salt="metrics"),
                   "method": "refreshCredentials", "input": {"connectorParameters": {"url": f"{upstream.url}/token/m"}}})
    assert await svc.metric("connector_executor_jobs_total", **labels, outcome="succeeded") == before_ok + 2
    assert await svc.metric("connector_executor_jobs_total", **labels, outcome="failed",
                            error_code="SCRIPT_ERROR") == before_failed + 1
    assert await svc.metric("connector_executor_outbound_requests_total", connector="inline",
                            status_class="2xx") == before_requests + 1
    assert await svc.metric("connector_executor_job_duration_seconds_count", method=GET_CREDENTIALS) >= 3
    assert await svc.metric("connector_executor_jobs_in_flight") == 0
    assert await svc.metric("connector_executor_workers_alive") == 2
    _, _, headers = await svc.get("/metrics")
    assert headers["Content-Type"].startswith("text/plain")


async def test_inline_connector_is_parsed_once(svc: Service) -> None:
    job = {"connector": inline({GET_CREDENTIALS: DEMO_JS}, salt="parsed-once"), "method": GET_CREDENTIALS}
    before = await svc.metric("connector_executor_connector_loads_total", source="inline")
    for _ in range(3):
        status, body, _ = await svc.job(job)
        assert (status, body["status"]) == (200, "succeeded")
    assert await svc.metric("connector_executor_connector_loads_total", source="inline") == before + 1


# ---- once-only execution ----

def refresh_job(upstream: Upstream, name: str, delay: float = 0.0, **extra: Any) -> dict[str, Any]:
    url = f"{upstream.url}/token/{name}?delay={delay}"
    return {"connector": inline({"refreshCredentials": FETCH_REFRESH_JS}, salt="refresh"),
            "method": "refreshCredentials", "input": {"connectorParameters": {"url": url},
                                                      "credentials": {"refreshToken": "r-1"}}, **extra}


async def test_idempotent_retry_gets_the_stored_result_and_runs_once(svc: Service, upstream: Upstream) -> None:
    job = refresh_job(upstream, "idem")
    key = {"Idempotency-Key": "retry-1"}
    status, first, headers = await svc.job(job, headers=key)
    assert (status, first["status"], first["output"]) == (200, "succeeded", {"accessToken": "idem-1"})
    assert "Idempotent-Replayed" not in headers
    status, second, headers = await svc.job(job, headers=key)
    assert (status, second) == (200, first)
    assert headers["Idempotent-Replayed"] == "true"
    assert upstream.hits["idem"] == 1
    status, _, _ = await svc.job(job, headers={"Idempotency-Key": "retry-2"})
    assert upstream.hits["idem"] == 2  # another key is another job


async def test_same_idempotency_key_with_another_body_is_409(svc: Service, upstream: Upstream) -> None:
    await svc.job(refresh_job(upstream, "reuse"), headers={"Idempotency-Key": "reuse-1"})
    status, answer, _ = await svc.job(refresh_job(upstream, "reuse-other"), headers={"Idempotency-Key": "reuse-1"})
    assert (status, answer["error"]["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert upstream.hits["reuse-other"] == 0


async def test_concurrent_retry_waits_for_the_first_run(svc: Service, upstream: Upstream) -> None:
    job = refresh_job(upstream, "idem-concurrent", delay=0.3)
    answers = await asyncio.gather(*(svc.job(job, headers={"Idempotency-Key": "concurrent-1"}) for _ in range(3)))
    assert {json.dumps(body) for _, body, _ in answers} == {json.dumps(answers[0][1])}
    assert answers[0][1]["output"] == {"accessToken": "idem-concurrent-1"}
    assert upstream.hits["idem-concurrent"] == 1


async def test_concurrent_refreshes_of_one_connection_collapse(svc: Service, upstream: Upstream) -> None:
    shared_before = await svc.metric("connector_executor_jobs_shared_total", reason="collapsed")
    same = refresh_job(upstream, "collapse", delay=0.4, connectionId="conn-1")
    other = refresh_job(upstream, "collapse", delay=0.4, connectionId="conn-2")
    answers = await asyncio.gather(*(svc.job(same) for _ in range(5)), svc.job(other))
    results = [body for status, body, _ in answers if status == 200]
    assert len(results) == 6
    assert all(r == results[0] for r in results[:5])
    assert results[0]["credentials"]["accessToken"].startswith("collapse-")
    assert results[5]["credentials"]["accessToken"] != results[0]["credentials"]["accessToken"]
    assert upstream.hits["collapse"] == 2  # once for conn-1, once for conn-2
    assert await svc.metric("connector_executor_jobs_shared_total", reason="collapsed") == shared_before + 4


# ---- isolation: a spinning job, a crashed engine ----

async def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_spinning_job_does_not_slow_healthy_jobs(svc: Service) -> None:
    pool = svc.app[SERVICE].pool
    spinning = asyncio.ensure_future(svc.job({"connector": inline({GET_CREDENTIALS: SPIN_JS}, salt="spin"),
                                              "method": GET_CREDENTIALS, "timeoutMs": 2000}))
    await wait_until(lambda: pool.in_flight >= 1)
    started = time.monotonic()
    for i in range(10):
        status, body, _ = await svc.job(demo_job(f"sk-healthy-{i:04}"))
        assert (status, body["status"]) == (200, "succeeded")
    assert time.monotonic() - started < 1.5
    assert not spinning.done()
    status, body, _ = await spinning
    assert (status, body["status"], body["error"]["code"]) == (200, "failed", "TIMEOUT")


async def test_crashed_engine_fails_its_job_and_the_worker_restarts(svc: Service) -> None:
    pool = svc.app[SERVICE].pool
    restarts_before = await svc.metric("connector_executor_worker_restarts_total")
    spinning = asyncio.ensure_future(svc.job({"connector": inline({GET_CREDENTIALS: SPIN_JS}, salt="crash"),
                                              "method": GET_CREDENTIALS, "timeoutMs": 20000}))
    await wait_until(lambda: any(w.load for w in pool.workers))
    victim = next(w for w in pool.workers if w.load)
    others_before = {w.index: w.pid for w in pool.workers if w is not victim}
    os.kill(victim.pid, signal.SIGSEGV)
    status, body, _ = await asyncio.wait_for(spinning, 5)
    assert (status, body["status"], body["error"]["code"]) == (200, "failed", "ENGINE_CRASHED")
    assert "SIGSEGV" in body["error"]["message"]
    for _ in range(4):  # the service keeps serving, on the other worker meanwhile
        status, body, _ = await svc.job(demo_job())
        assert (status, body["status"]) == (200, "succeeded")
    await wait_until(lambda: pool.alive == 2, timeout=10)
    assert pool.workers[victim.index].pid != victim.pid
    # (on a loaded machine an earlier test's abandoned engine may also have the other worker recycled)
    recycled = sum(pool.workers[index].pid != pid for index, pid in others_before.items())
    assert await svc.metric("connector_executor_worker_restarts_total") == restarts_before + 1 + recycled
    assert (await svc.get("/readyz"))[0] == 200


# ---- logs ----

async def test_one_json_log_line_per_job_without_secrets(svc: Service) -> None:
    svc.logs.seek(0, io.SEEK_END)
    mark = svc.logs.tell()
    secret = "sk-live-UNIQUE-4242"
    await svc.job(demo_job(secret))
    await svc.job(demo_job(secret, fail=True))
    written = svc.logs.getvalue()[mark:]
    lines = [json.loads(line) for line in written.splitlines()]
    jobs = [line for line in lines if line["event"] == "job"]
    assert len(jobs) == 2
    for line in jobs:
        assert {"job_id", "connector", "method", "engine", "outcome", "error_code", "duration_ms",
                "request_count", "level", "timestamp"} <= set(line)
        assert (line["connector"], line["method"], line["engine"]) == ("demo", GET_CREDENTIALS, "quickjs")
    assert [line["outcome"] for line in jobs] == ["succeeded", "failed"]
    assert jobs[1]["error_code"] == "SCRIPT_ERROR"
    assert secret not in written


async def test_redaction_processor_uses_the_bound_job_secrets() -> None:
    event = {"event": "job", "error_message": "bad key sk-abc-123", "nested": {"v": ["sk-abc-123"]}}
    with job_log_context(Secrets(("sk-abc-123",)), job_id="j1"):
        redacted = redact_secrets(None, "info", dict(event))
    assert "sk-abc-123" not in json.dumps(redacted)
    assert redact_secrets(None, "info", dict(event)) == event  # outside the job: nothing bound


# ---- a token, a small body limit ----

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def strict() -> AsyncIterator[Service]:
    service = await start_service(ServerConfig(port=0, workers=1, token="t0ken-for-tests", max_body_bytes=64 * 1024))
    yield service
    await stop_service(service)


async def test_bearer_token_is_required_on_v1(strict: Service) -> None:
    job = {"connector": inline({GET_CREDENTIALS: DEMO_JS}, salt="auth"), "method": GET_CREDENTIALS}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "t0ken-for-tests"}):
        status, answer, response_headers = await strict.job(job, headers=headers)
        assert (status, answer["error"]["code"]) == (401, "UNAUTHORIZED")
        assert response_headers["WWW-Authenticate"].startswith("Bearer")
    assert (await strict.get("/v1/connectors"))[0] == 401
    good = {"Authorization": "Bearer t0ken-for-tests"}
    status, answer, _ = await strict.job(job, headers=good)
    assert (status, answer["status"]) == (200, "succeeded")
    assert (await strict.get("/v1/connectors", headers=good))[:2] == (200, {"connectors": []})
    for open_path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert (await strict.get(open_path))[0] == 200


async def test_body_over_the_limit_is_413_json(strict: Service) -> None:
    good = {"Authorization": "Bearer t0ken-for-tests"}
    big = json.dumps({"connector": "x", "method": "test", "input": {"blob": "x" * 100_000}}).encode()
    status, answer, _ = await strict.job(big, headers=good)
    assert (status, answer["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit applies while reading
        for start in range(0, len(big), 16 * 1024):
            yield big[start:start + 16 * 1024]

    async with strict.session.post(strict.url("/v1/jobs"), data=chunks(), headers=good) as response:
        assert response.status == 413
        assert (await response.json())["error"]["code"] == "PAYLOAD_TOO_LARGE"


# ---- saturation ----

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tiny() -> AsyncIterator[Service]:
    config = ServerConfig(port=0, workers=1, jobs_per_worker=1, queue_size=1, max_timeout_ms=1000)
    service = await start_service(config)
    yield service
    await stop_service(service)


async def test_full_queue_is_429_with_retry_after_and_readyz_503(tiny: Service) -> None:
    pool = tiny.app[SERVICE].pool
    spin = {"connector": inline({GET_CREDENTIALS: SPIN_JS}, salt="tiny"), "method": GET_CREDENTIALS,
            "timeoutMs": 10**9}  # capped at the server's 1 s maximum
    started = time.monotonic()
    running = asyncio.ensure_future(tiny.job(spin))
    await wait_until(lambda: pool.in_flight == 1)
    waiting = asyncio.ensure_future(tiny.job(spin))
    await wait_until(lambda: pool.queued == 1)
    status, body, _ = await tiny.get("/readyz")
    assert (status, body["status"]) == (503, "saturated")
    status, answer, headers = await tiny.job(spin)
    assert (status, answer["error"]["code"]) == (429, "QUEUE_FULL")
    assert int(headers["Retry-After"]) >= 1
    for task in (running, waiting):
        status, body, _ = await task
        assert (status, body["error"]["code"]) == (200, "TIMEOUT")
    assert time.monotonic() - started < 4  # two capped 1 s jobs, one after the other
    assert (await tiny.get("/readyz"))[0] == 200
    assert await tiny.metric("connector_executor_jobs_rejected_total", reason="queue_full") == 1


async def test_jobs_arriving_while_shutting_down_are_503(tiny: Service) -> None:
    tiny.app[SERVICE].shutting_down = True
    try:
        status, answer, headers = await tiny.job({"connector": inline({GET_CREDENTIALS: DEMO_JS}, salt="late"),
                                            "method": GET_CREDENTIALS})
        assert (status, answer["error"]["code"]) == (503, "SHUTTING_DOWN")
        assert int(headers["Retry-After"]) >= 1
        status, body, _ = await tiny.get("/readyz")
        assert (status, body["status"]) == (503, "shutting_down")
    finally:
        tiny.app[SERVICE].shutting_down = False


# ---- the per-job fast paths give what the general paths give: validation, log lines, the pipe ----

VALID_BODIES: list[Any] = [
    {"connector": "demo", "method": "test"},
    {"connector": "demo", "method": "refreshCredentials", "input": {"credentials": {"token": "abc"}}, "engine": "v8"},
    {"connector": "demo", "method": "test", "input": None, "engine": None, "authOption": "sandbox",
     "timeoutMs": 1500, "connectionId": "c-1"},
    {"connector": {"files": {"spec.yml": "key: x", "auth/test.js": ""}}, "method": "test",
     "input": {"connectionInput": {"a": 1}, "state": "s", "redirectUri": None, "extra": [1, 2]}},
    {"connector": "k" * 256, "method": "connect", "input": {"tokenResponse": {}, "codeVerifier": "v"}},
    # valid, but outside the hand-written check: the schema validator decides
    {"connector": "demo", "method": "test", "timeoutMs": 1000.0},
    {"connector": "demo", "method": "test", "authOption": None},
]

INVALID_BODIES: list[Any] = [
    [], "text", 7, None, {},
    {"connector": "demo"},
    {"method": "test"},
    {"connector": "", "method": "test"},
    {"connector": "k" * 257, "method": "test"},
    {"connector": 7, "method": "test"},
    {"connector": {}, "method": "test"},
    {"connector": {"files": {}}, "method": "test"},
    {"connector": {"files": {"": "x"}}, "method": "test"},
    {"connector": {"files": {"p" * 513: "x"}}, "method": "test"},
    {"connector": {"files": {"spec.yml": 1}}, "method": "test"},
    {"connector": {"files": {"spec.yml": "x"}, "more": 1}, "method": "test"},
    {"connector": {"files": ["spec.yml"]}, "method": "test"},
    {"connector": "demo", "method": "fly"},
    {"connector": "demo", "method": 1},
    {"connector": "demo", "method": "test", "input": "x"},
    {"connector": "demo", "method": "test", "input": []},
    {"connector": "demo", "method": "test", "input": {"credentials": "hunter2-secret"}},
    {"connector": "demo", "method": "test", "input": {"connectionInput": []}},
    {"connector": "demo", "method": "test", "input": {"state": 5}},
    {"connector": "demo", "method": "test", "engine": "spidermonkey"},
    {"connector": "demo", "method": "test", "engine": 1},
    {"connector": "demo", "method": "test", "authOption": 3},
    {"connector": "demo", "method": "test", "timeoutMs": 0},
    {"connector": "demo", "method": "test", "timeoutMs": "1000"},
    {"connector": "demo", "method": "test", "timeoutMs": True},
    {"connector": "demo", "method": "test", "timeoutMs": 1.5},
    {"connector": "demo", "method": "test", "connectionId": ""},
    {"connector": "demo", "method": "test", "connectionId": "c" * 257},
    {"connector": "demo", "method": "test", "connectionId": None},
    {"connector": "demo", "method": "test", "colour": "red"},
]


def schema_accepts(body: Any) -> bool:
    return jsonschema.Draft202012Validator(JOB_REQUEST_SCHEMA).is_valid(body)


def mutations(body: dict[str, Any]) -> list[Any]:
    """Each key of `body` (and of its input) replaced by values of every JSON type, or dropped."""
    values: list[Any] = [None, True, 0, 1, -1, 2.5, "", "x", "test", "quickjs", [], {}, {"files": {"a": "b"}}]
    out: list[Any] = []
    for key in body:
        out.append({k: v for k, v in body.items() if k != key})
        out.extend({**body, key: value} for value in values)
    for key in ("credentials", "state", "tokenResponse", "codeVerifier", "other"):
        out.extend({**body, "input": {key: value}} for value in values)
    return out


async def test_hand_written_check_never_accepts_what_the_schema_refuses() -> None:
    bodies = VALID_BODIES + INVALID_BODIES + [m for b in VALID_BODIES[:5] for m in mutations(b)]
    for body in bodies:
        if service_module.surely_valid(copy.deepcopy(body)):
            assert schema_accepts(body), body
    for body in VALID_BODIES[:5]:
        assert service_module.surely_valid(body), body
    for body in INVALID_BODIES:
        assert not schema_accepts(body) and not service_module.surely_valid(body), body


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def single(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Service]:
    connectors = write_demo_connector(tmp_path_factory.mktemp("connectors"))
    service = await start_service(ServerConfig(port=0, workers=1, jobs_per_worker=4, queue_size=64,
                                               connectors_dir=connectors))
    yield service
    await stop_service(service)


async def test_invalid_bodies_get_the_schema_validators_error(single: Service) -> None:
    validator = jsonschema.Draft202012Validator(JOB_REQUEST_SCHEMA)
    for body in INVALID_BODIES:
        status, answer, _ = await single.job(json.dumps(body))
        expected = service_module.schema_message(jsonschema.exceptions.best_match(validator.iter_errors(body)))
        assert (status, answer) == (400, {"error": {"code": "INVALID_JOB", "message": expected}}), body
        assert "hunter2-secret" not in answer["error"]["message"]


async def test_valid_bodies_outside_the_hand_written_check_still_run(single: Service) -> None:
    for extra in ({"timeoutMs": 5000.0}, {"authOption": None}, {"engine": None}):
        status, body, _ = await single.job({**demo_job(), **extra})
        assert (status, body["status"], body["output"]) == (200, "succeeded", {"apiKey": "sk-test-0001"}), extra


async def test_concurrent_jobs_on_one_worker_each_get_their_own_result(single: Service) -> None:
    keys = [f"sk-concurrent-{i:03}" for i in range(40)]  # more than the slots: some wait in line
    answers = await asyncio.gather(*(single.job(demo_job(key)) for key in keys))
    assert [(status, body["output"]) for status, body, _ in answers] == [(200, {"apiKey": k}) for k in keys]
    inline_answers = await asyncio.gather(*(
        single.job({"connector": inline({GET_CREDENTIALS: DEMO_JS}, salt=f"batch-{i % 3}"), "method": GET_CREDENTIALS,
                 "input": {"connectionParameters": {"apiKey": key}}}) for i, key in enumerate(keys[:12])))
    assert [body["output"] for _, body, _ in inline_answers] == [{"apiKey": k} for k in keys[:12]]


async def test_fast_log_lines_are_the_structlog_chains_lines() -> None:
    stream = io.StringIO()
    logger = make_logger(stream, json_lines=True)
    assert isinstance(logger, JsonLinesLogger)
    fields = {"outcome": "failed", "error_code": "SCRIPT_ERROR", "error_message": "bad key sk-abc-123",
              "nested": {"v": ["sk-abc-123", 1.5, None]}, "duration_ms": 1.25, "request_count": 2}
    with job_log_context(Secrets(("sk-abc-123",)), job_id="j1", connector="demo", method="test"):
        with job_log_context(Secrets(("sk-abc-123",)), engine="quickjs"):
            for level in ("info", "warning"):
                getattr(logger, level)("job", **fields)  # the fast path
                getattr(logger._structured, level)("job", **fields)  # the structlog chain
        logger.info("outside", job_id="mine")
    fast_info, slow_info, fast_warning, slow_warning, own = (json.loads(line) for line in stream.getvalue().splitlines())
    for fast, slow, level in ((fast_info, slow_info, "info"), (fast_warning, slow_warning, "warning")):
        assert fast.pop("timestamp").endswith("Z") and slow.pop("timestamp").endswith("Z")
        assert list(fast) == list(slow)
        assert fast == slow
        assert fast["level"] == level
        assert (fast["job_id"], fast["connector"], fast["method"], fast["engine"]) == ("j1", "demo", "test", "quickjs")
    assert "sk-abc-123" not in stream.getvalue()
    assert own["job_id"] == "mine"  # the call's own keys win over bound ones
    console = make_logger(io.StringIO(), json_lines=False)
    assert not isinstance(console, JsonLinesLogger)


async def test_a_worker_silent_past_the_hard_timeout_is_killed_and_replaced(tmp_path: Path) -> None:
    connectors = write_demo_connector(tmp_path)
    restarts: list[int] = []
    pool = WorkerPool(WorkerOptions(connectors_dir=connectors), size=1, jobs_per_worker=2, queue_size=2,
                      on_restart=lambda: restarts.append(1), hard_timeout_margin=0.2)
    await pool.start()
    try:
        message = JobMessage(connector={"key": "demo"}, method=GET_CREDENTIALS, engine="quickjs", auth_option=None,
                             input=JobInput.from_json({"connectionParameters": {"apiKey": "sk-stuck-0001"}}),
                             timeout_ms=300, secrets=Secrets()).to_wire()
        stuck = pool.workers[0]
        os.kill(stuck.pid, signal.SIGSTOP)  # alive but silent
        reply = await asyncio.wait_for(pool.run(message, 0.3), 30)
        assert reply["result"]["status"] == "failed"
        assert reply["result"]["error"]["code"] == "ENGINE_CRASHED"
        assert "stopped responding" in reply["result"]["error"]["message"]
        for _ in range(600):
            if restarts and pool.alive == 1:
                break
            await asyncio.sleep(0.05)
        assert pool.workers[0].pid != stuck.pid
        reply = await asyncio.wait_for(pool.run({**message, "timeoutMs": 5000}, 5.0), 30)
        assert (reply["result"]["status"], reply["result"]["output"]) == ("succeeded", {"apiKey": "sk-stuck-0001"})
    finally:
        await pool.close(grace=2.0)


# ---- a job whose engine ignores its time limit ----

async def test_an_engine_that_ignores_its_limit_costs_a_worker_recycle_not_a_bystander(
        tmp_path: Path, engine: str) -> None:
    # One worker: the bystander shares it with a job stuck in a built-in that never checks the time
    # limit. The hostile job answers TIMEOUT, the bystander succeeds, the worker is then replaced.
    hostile_js = ("exports.getCredentialsFromConnectionParameters = async function () {"
                  " const a = []; a[2 ** 32 - 2] = 1; return a.sort().length }")
    slow_js = ("exports.getCredentialsFromConnectionParameters = async function () {"
               " await new Promise((r) => setTimeout(r, 2500)); return { apiKey: 'bystander' } }")
    config = ServerConfig(port=0, workers=1, jobs_per_worker=4, queue_size=4,
                          connectors_dir=write_demo_connector(tmp_path), engine=engine)  # type: ignore[arg-type]
    service = await start_service(config)
    try:
        pool = service.app[SERVICE].pool
        first_pid = pool.workers[0].pid
        bystander = asyncio.ensure_future(service.job({"connector": inline({GET_CREDENTIALS: slow_js}, salt="by"),
                                                       "method": GET_CREDENTIALS, "timeoutMs": 10000}))
        await wait_until(lambda: pool.in_flight >= 1)
        started = time.monotonic()
        status, body, _ = await service.job({"connector": inline({GET_CREDENTIALS: hostile_js}, salt="ignores"),
                                             "method": GET_CREDENTIALS, "timeoutMs": 1000})
        assert (status, body["status"], body["error"]["code"]) == (200, "failed", "TIMEOUT")
        assert time.monotonic() - started < 1.0 + 4.0 + 1.5  # limit + stop grace (+ V8's drain) + slack
        status, body, _ = await bystander
        assert (status, body["status"], body["output"]) == (200, "succeeded", {"apiKey": "bystander"})
        await wait_until(lambda: pool.alive == 1 and pool.workers[0].pid != first_pid, timeout=10)
        status, body, _ = await service.job(demo_job())
        assert (status, body["status"]) == (200, "succeeded")
        assert await service.metric("connector_executor_worker_restarts_total") == 1
    finally:
        await stop_service(service)


async def test_a_retiring_worker_is_replaced_at_once_not_after_its_last_job(tmp_path: Path, engine: str) -> None:
    # One worker, which asks to retire (an engine ignored its limit) while it still holds a job waiting on
    # its upstream until the test lets it answer (it used to wait a fixed 10 s: most of the test's time, and
    # a race on a loaded machine). New jobs must not wait for that job: the replacement starts at once, the old worker takes
    # jobs until it is ready, then drains beside it. (The replacement used to start when the old worker
    # exited: with every worker retiring at once, no job could start until their longest job ended;
    # the mixed-load test saw 4-7 s waits.)
    hostile_js = ("exports.getCredentialsFromConnectionParameters = async function () {"
                  " return [Array.prototype.reverse.call({ length: 2 ** 32 - 1 }),"
                  " Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1)] }")
    answer = asyncio.Event()

    async def held(_: web.Request) -> web.Response:
        await answer.wait()
        return web.json_response({"apiKey": "long"})

    app = web.Application()
    app.router.add_get("/held", held)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    long_js = ("exports.getCredentialsFromConnectionParameters = async function () {"
               f" return (await fetch('http://127.0.0.1:{runner.addresses[0][1]}/held')).json() }}")
    config = ServerConfig(port=0, workers=1, jobs_per_worker=4, queue_size=4, allow_hosts=("127.0.0.1",),
                          connectors_dir=write_demo_connector(tmp_path), engine=engine)  # type: ignore[arg-type]
    service = await start_service(config)
    try:
        pool = service.app[SERVICE].pool
        first_pid = pool.workers[0].pid
        long = asyncio.ensure_future(service.job({"connector": inline({GET_CREDENTIALS: long_js}, salt="long"),
                                                  "method": GET_CREDENTIALS, "timeoutMs": 20000}))
        await wait_until(lambda: pool.in_flight >= 1)
        status, body, _ = await service.job({"connector": inline({GET_CREDENTIALS: hostile_js}, salt="retire"),
                                             "method": GET_CREDENTIALS, "timeoutMs": 1000})
        assert (status, body["status"], body["error"]["code"]) == (200, "failed", "TIMEOUT")
        status, body, _ = await service.job(demo_job())  # on the old worker or its replacement
        assert (status, body["status"]) == (200, "succeeded")
        await wait_until(lambda: pool.workers[0].pid != first_pid, timeout=8)
        status, body, _ = await service.job(demo_job())
        assert (status, body["status"]) == (200, "succeeded")
        assert not long.done()  # answered while the retired worker still drains its long job
        assert first_pid in pool.pids() and pool.in_flight == 1
        nice = {int((task / "stat").read_text().rsplit(")", 1)[1].split()[16])
                for task in Path(f"/proc/{first_pid}/task").iterdir()}
        assert LOWEST_PRIORITY in nice  # its threads (the abandoned engine's included) yield the cores
        answer.set()
        status, body, _ = await long
        assert (status, body["status"], body["output"]) == (200, "succeeded", {"apiKey": "long"})
        await wait_until(lambda: first_pid not in pool.pids(), timeout=10)
        assert await service.metric("connector_executor_worker_restarts_total") == 1
    finally:
        answer.set()
        await stop_service(service)
        await runner.cleanup()


async def test_a_job_nested_past_the_encoder_limit_fails_alone(tmp_path: Path) -> None:
    # (a job body nested ~975 levels reached the worker pipe's json.dumps and raised: HTTP 500)
    pool = WorkerPool(WorkerOptions(connectors_dir=write_demo_connector(tmp_path)), size=1, jobs_per_worker=2,
                      queue_size=2)
    await pool.start()
    try:
        deep: dict[str, Any] = {}
        node = deep
        for _ in range(5000):
            node["a"] = {}
            node = node["a"]
        def message(parameters: dict[str, Any]) -> dict[str, Any]:
            return JobMessage(connector={"key": "demo"}, method=GET_CREDENTIALS, engine="quickjs", auth_option=None,
                              input=JobInput.from_json({"connectionParameters": parameters}), timeout_ms=5000,
                              secrets=Secrets(("sk-deep-0001",))).to_wire()

        reply = await asyncio.wait_for(pool.run(message({"apiKey": "sk-deep-0001", "deep": deep}), 5.0), 30)
        assert (reply["result"]["status"], reply["result"]["error"]["code"]) == ("failed", "INVALID_INPUT")
        assert "nested too deeply" in reply["result"]["error"]["message"]
        reply = await asyncio.wait_for(pool.run(message({"apiKey": "sk-deep-0001"}), 5.0), 30)
        assert (reply["result"]["status"], reply["result"]["output"]) == ("succeeded", {"apiKey": "sk-deep-0001"})
    finally:
        await pool.close(grace=2.0)


async def test_a_v8_abort_fails_every_job_in_flight_on_that_worker_and_none_queued(tmp_path: Path) -> None:
    """What bystanders get when V8 aborts its process (#19 item 5: `Array(1e9).fill(0)` ends in
    "Fatal JavaScript out of memory" and SIGTRAP after ~30 s, whatever the job's limits): every job in
    flight on that worker, the hostile one and its bystanders, is answered ENGINE_CRASHED; a job still
    waiting for a slot is not, it runs on the replacement worker. Here the worker gets V8's SIGTRAP
    while the hostile job spins beside a bystander that waits on a timer."""
    connectors = write_demo_connector(tmp_path)
    pool = WorkerPool(WorkerOptions(connectors_dir=connectors), size=1, jobs_per_worker=2, queue_size=2)
    await pool.start()

    def job(js: str, salt: str) -> dict[str, Any]:
        return JobMessage(connector=inline({GET_CREDENTIALS: js}, salt=salt), method=GET_CREDENTIALS, engine="v8",
                          auth_option=None, input=JobInput.from_json({"connectionParameters": {}}),
                          timeout_ms=20000, secrets=Secrets()).to_wire()

    waits = ("exports.getCredentialsFromConnectionParameters = async () => {"
             " await new Promise((resolve) => setTimeout(resolve, 1500)); return { ok: 1 } }")
    try:
        hostile = asyncio.ensure_future(pool.run(job(SPIN_JS, "abort"), 20.0))
        bystander = asyncio.ensure_future(pool.run(job(waits, "bystander"), 20.0))
        await wait_until(lambda: pool.workers[0].load == 2)
        queued = asyncio.ensure_future(pool.run(job(waits, "queued"), 20.0))
        await asyncio.sleep(0.3)
        victim = pool.workers[0].pid
        os.kill(victim, signal.SIGTRAP)
        for reply in await asyncio.wait_for(asyncio.gather(hostile, bystander), 10):
            assert (reply["result"]["status"], reply["result"]["error"]["code"]) == ("failed", "ENGINE_CRASHED")
            assert "SIGTRAP" in reply["result"]["error"]["message"]
        reply = await asyncio.wait_for(queued, 30)
        assert (reply["result"]["status"], reply["result"]["output"]) == ("succeeded", {"ok": 1})
        assert pool.workers[0].pid != victim
    finally:
        await pool.close(grace=2.0)
