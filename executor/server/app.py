"""The aiohttp application: routes, the JSON-errors and bearer-token middlewares, and the worker pool's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TextIO

from aiohttp import web

from executor.server.admission import MemoryBudget
from executor.server.config import ServerConfig
from executor.server.connectors import ConnectorRegistry, load_connectors
from executor.server.logging import make_logger
from executor.server.metrics import ServerMetrics
from executor.server.openapi import openapi_document
from executor.server.service import ApiError, JobService
from executor.server.supervisor import WorkerOptions, WorkerPool

CONFIG = web.AppKey("config", ServerConfig)
SERVICE = web.AppKey("service", JobService)
METRICS = web.AppKey("metrics", ServerMetrics)
OPENAPI = web.AppKey("openapi", bytes)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATUS_CODES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "QUEUE_FULL",
    503: "UNAVAILABLE",
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The JSON error body every refusal uses."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as `{"error": {"code", "message"}}`, aiohttp's own (404, 405, 413) included."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after", "connection")}
        return error_response(exc.status, _STATUS_CODES.get(exc.status, "HTTP_ERROR"), exc.reason, headers)
    except Exception:
        request.app[SERVICE].log.exception("request.failed", path=request.path)
        return error_response(500, "INTERNAL_ERROR", "internal error")


@web.middleware
async def bearer_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """/v1/ needs `Authorization: Bearer <CONNECTOR_EXECUTOR_TOKEN>` when the token is set."""
    token = request.app[CONFIG].token
    if token is not None and request.path.startswith("/v1/"):
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, "UNAUTHORIZED", "a valid bearer token is required",
                           {"WWW-Authenticate": 'Bearer realm="connector-executor"'})
    return await handler(request)


async def post_job(request: web.Request) -> web.Response:
    """POST /v1/jobs: run a job; 200 with its result whether it succeeded or failed."""
    limit = request.app[CONFIG].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"the body is over the limit of {limit} bytes")
    try:
        async with asyncio.timeout(request.app[CONFIG].body_timeout):
            raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"the body is over the limit of {limit} bytes") from None
    except TimeoutError:
        raise ApiError(408, "REQUEST_TIMEOUT", "the body did not arrive in time",
                       {"Connection": "close"}) from None
    body = parse_json(raw)
    outcome = await request.app[SERVICE].submit(body, request.headers.get("Idempotency-Key"))
    return web.json_response(outcome.body, status=outcome.status, headers=dict(outcome.headers))


def parse_json(raw: bytes) -> Any:
    """The body as JSON (NaN and Infinity refused, as JSON has no such numbers); ApiError 400 otherwise."""
    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        return json.loads(raw, parse_constant=refuse)
    except (ValueError, RecursionError):
        raise ApiError(400, "INVALID_JOB", "the body is not valid JSON") from None


async def list_connectors(request: web.Request) -> web.Response:
    """GET /v1/connectors[?connectorParameters=JSON]: keys, names, auth types and options of the loaded
    connectors; each option says whether it is `enabled` for those connector parameters (default {})."""
    raw = request.query.get("connectorParameters")
    parameters: Any = {}
    if raw is not None:
        try:
            parameters = json.loads(raw)
        except (ValueError, RecursionError):
            parameters = None
        if not isinstance(parameters, dict):
            raise ApiError(400, "INVALID_INPUT", "connectorParameters must be a JSON object")
    return web.json_response({"connectors": request.app[SERVICE].registry.describe_all(parameters)})


async def healthz(_request: web.Request) -> web.Response:
    """GET /healthz: the process answers HTTP."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: 503 while starting, saturated or shutting down. A shared store that fails does not
    make the replica unready (jobs that need no coordination still run); it shows as "degraded"."""
    service = request.app[SERVICE]
    pool = service.pool
    if service.shutting_down:
        state = "shutting_down"
    elif pool.alive == 0:
        state = "starting"
    elif pool.saturated:
        state = "saturated"
    elif not service.store.available:
        state = "degraded"
    else:
        state = "ready"
    body = {"status": state, "workers": pool.alive, "inFlight": pool.in_flight, "queued": pool.queued,
            "store": {"kind": service.store.kind, "available": service.store.available}}
    return web.json_response(body, status=200 if state in ("ready", "degraded") else 503)


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: Prometheus text."""
    registry = request.app[METRICS]
    return web.Response(body=registry.render(), headers={"Content-Type": registry.content_type})


async def openapi(request: web.Request) -> web.Response:
    """GET /openapi.json."""
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


async def _worker_pool(app: web.Application) -> AsyncIterator[None]:
    """Workers, the memory budget and the store's health check live as long as the app."""
    service = app[SERVICE]
    await service.pool.start()
    if service.budget is not None:
        service.budget.start()
    health = asyncio.ensure_future(_watch_store(service))
    yield
    service.begin_shutdown()
    health.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await health
    if service.budget is not None:
        await service.budget.stop()
    await service.pool.close(grace=0.0)
    await service.store.close()
    service.registry.close()


STORE_CHECK_SECONDS = 1.0


async def _watch_store(service: JobService) -> None:
    """Ping the store every second while it is down (so /readyz and the metric recover without traffic),
    every few seconds while it is up."""
    while True:
        await asyncio.sleep(STORE_CHECK_SECONDS if not service.store.available else 5 * STORE_CHECK_SECONDS)
        with contextlib.suppress(Exception):
            await service.store.ping()


async def _stop_taking_jobs(app: web.Application) -> None:
    app[SERVICE].begin_shutdown()


def create_app(config: ServerConfig, *, log_stream: TextIO | None = None) -> web.Application:
    """The service: connectors loaded now, workers started when the app starts."""
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[json_errors, bearer_auth])
    server_metrics = ServerMetrics()
    logger = make_logger(log_stream if log_stream is not None else sys.stderr)
    named = load_connectors(config.connectors_dir, warn=lambda m: logger.warning("connector.skipped", reason=m))
    server_metrics.connector_loads.labels("directory").inc(len(named))
    reload = functools.partial(load_connectors, config.connectors_dir) if config.reload else None
    registry = ConnectorRegistry(named, on_parse=lambda source: server_metrics.connector_loads.labels(source).inc(),
                                 reload=reload, directory=config.connectors_dir)
    options = WorkerOptions(engine=config.engine, connectors_dir=config.connectors_dir, reload=config.reload,
                            allow_hosts=config.allow_hosts, lanes=config.lanes,
                            start_timeout=config.worker_start_timeout)
    pool = WorkerPool(options, size=config.workers, jobs_per_worker=config.jobs_per_worker,
                      queue_size=config.queue_size, on_restart=server_metrics.worker_restarts.inc)
    server_metrics.in_flight.set_function(lambda: pool.in_flight)
    server_metrics.queued.set_function(lambda: pool.queued)
    server_metrics.workers_alive.set_function(lambda: pool.alive)
    budget = MemoryBudget(config.memory_budget_mb * 1024 * 1024, pool.pids)
    server_metrics.tree_rss.set_function(lambda: budget.sampled)
    app[CONFIG] = config
    app[METRICS] = server_metrics
    app[SERVICE] = JobService(config, registry, pool, server_metrics, logger, budget=budget)
    app[OPENAPI] = json.dumps(openapi_document()).encode()
    app.cleanup_ctx.append(_worker_pool)
    app.on_shutdown.append(_stop_taking_jobs)
    app.router.add_post("/v1/jobs", post_job)
    app.router.add_get("/v1/connectors", list_connectors)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.json", openapi)
    return app
