"""Shared fixtures: both engines, a real local HTTP server that records what it receives, and a
helper that runs connector source through the real runtime."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from js_runtime.engine import ENGINE_KINDS
from js_runtime.http import HttpRequest, HttpResponse
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.session import ContextObject, MethodCall, Trace, run_method


@pytest.fixture(params=ENGINE_KINDS)
def engine(request: pytest.FixtureRequest) -> str:
    """Every engine-level test runs on QuickJS and on V8."""
    return str(request.param)


@pytest.fixture
async def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every TCP connect the test's loop attempts; non-loopback ones are refused before any packet is sent."""
    loop = asyncio.get_running_loop()
    real_sock_connect = loop.sock_connect
    attempts: list[str] = []

    async def guarded(sock: socket.socket, address: Any) -> None:
        attempts.append(address[0])
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "test guard: non-loopback connect refused")
        await real_sock_connect(sock, address)

    monkeypatch.setattr(loop, "sock_connect", guarded)
    return attempts


@dataclass
class Received:
    """One request as the local server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RecordingServer:
    """A real aiohttp server on 127.0.0.1: records requests, answers with queued or routed replies."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    routes: dict[tuple[str, str], Callable[[web.Request], Awaitable[web.StreamResponse]]] = field(
        default_factory=dict
    )

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def route(self, method: str, path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        self.routes[(method.upper(), path)] = handler

    def reply(self, method: str, path: str, *, status: int = 200, json_body: Any = None,
              text: str | None = None, headers: dict[str, str] | None = None) -> None:
        async def handler(_: web.Request) -> web.StreamResponse:
            if json_body is not None:
                return web.json_response(json_body, status=status, headers=headers)
            return web.Response(text=text or "", status=status, headers=headers)
        self.route(method, path, handler)


@pytest.fixture
async def api_server() -> AsyncIterator[RecordingServer]:
    holder: dict[str, RecordingServer] = {}

    async def dispatch(request: web.Request) -> web.StreamResponse:
        rec = holder["s"]
        body = await request.read()
        rec.received.append(Received(request.method, request.path, dict(request.query),
                                     dict(request.headers), body))
        handler = rec.routes.get((request.method, request.path))
        if handler is None:
            return web.json_response({"error": "no route"}, status=404)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    holder["s"] = RecordingServer(server)
    yield holder["s"]
    await server.close()


@dataclass
class JsRun:
    """The result of running a snippet: output or error, plus what it logged and requested."""

    output: Any = None
    error: Exception | None = None
    trace: Trace = field(default_factory=Trace)
    requests: list[dict[str, Any]] = field(default_factory=list)  # the job edge's request trace


@pytest.fixture
def run_js(engine: str, live_send: Callable[[HttpRequest], Awaitable[HttpResponse]]):  # type: ignore[no-untyped-def]
    """`await run_js(source, context={}, limits=Limits(), send=None)` on the current engine, sending
    through a job's I/O edge (request cap and trace) as a job does."""
    from executor.transport.edge import JobEdge

    async def run(source: str, context: dict[str, Any] | None = None, *, limits: Limits | None = None,
                  send: Callable[[HttpRequest], Awaitable[HttpResponse]] | None = None,
                  export: str = "run", objects: tuple[ContextObject, ...] = ()) -> JsRun:
        result = JsRun()
        call = MethodCall(load_module(source, "test.js"), export, context or {}, objects=objects)
        limits = limits or Limits(timeout=10)
        edge = JobEdge(send or live_send, max_requests=limits.max_requests,
                       max_url_chars=limits.max_summary_url_chars)
        result.requests = edge.requests
        try:
            result.output = await run_method(call, engine=engine, send=edge.send,  # type: ignore[arg-type]
                                             limits=limits, trace=result.trace)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            result.error = exc
        return result
    return run


@pytest.fixture
async def live_send() -> AsyncIterator[Callable[[HttpRequest], Awaitable[HttpResponse]]]:
    """The real LiveTransport, with loopback allowed so tests can reach their local servers."""
    from executor.transport import LiveTransport, NetworkPolicy

    policy = NetworkPolicy.from_strings(["127.0.0.1", "localhost"])
    async with LiveTransport(policy, max_response_bytes=Limits().max_response_bytes) as transport:
        yield transport.send


@pytest.fixture
def run_connector(engine: str, live_send):  # type: ignore[no-untyped-def]
    """`await run_connector(files_or_dir, method, input={}, send=None, auth_option=None)` -> JobResult."""
    from pathlib import Path

    from executor.connector import load_connector_dir, load_connector_files
    from executor.jobs import JobInput, JobRequest, run_job

    async def run(source: Any, method: str, job_input: dict[str, Any] | None = None, *,
                  send: Callable[[HttpRequest], Awaitable[HttpResponse]] | None = None,
                  auth_option: str | None = None, limits: Limits | None = None):  # type: ignore[no-untyped-def]
        connector = (load_connector_dir(Path(source)) if isinstance(source, str | Path)
                     else load_connector_files(source))
        job = JobRequest(connector=connector, method=method, input=JobInput.from_json(job_input or {}),
                  engine=engine, auth_option=auth_option, limits=limits or Limits(timeout=10))  # type: ignore[arg-type]
        return await run_job(job, send=send or live_send)
    return run


@pytest.fixture
def run_js_files(engine: str, live_send):  # type: ignore[no-untyped-def]
    """`await run_js_files(source, {path: text})`: the method file test.js importing the given files;
    returns the output or raises the job's error."""
    async def run(source: str, files: dict[str, str], context: dict[str, Any] | None = None,
                  entry: str = "test.js") -> Any:
        call = MethodCall(load_module(source, entry, files), "run", context or {})
        return await run_method(call, engine=engine, send=live_send,  # type: ignore[arg-type]
                                limits=Limits(timeout=10), trace=Trace())
    return run
