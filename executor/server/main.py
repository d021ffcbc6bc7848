"""`connector-executor serve`: run the app until SIGTERM/SIGINT, then drain and exit 0.

The listener is ours (not aiohttp's TCPSite) so that every connection passes `ConnectionGuard`: a
cap on open connections, and a deadline for a new connection's first request headers (aiohttp's
keep-alive timeout then closes idle ones). Each condition logs one line when it starts, not one per
connection.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from executor.errors import ConnectorInvalid
from executor.limits import LIMITS
from executor.server.app import SERVICE, create_app
from executor.server.config import ServerConfig
from executor.server.connectors import connectors_dir_problem, load_connectors
from executor.server.gc_tuning import settle_after_startup
from executor.server.supervisor import WorkerStartError

LISTEN_BACKLOG = LIMITS.listen_backlog
TEARDOWN_SECONDS = 3.0  # after the grace period: answering the killed jobs' callers and closing


async def serve_command(args: argparse.Namespace) -> int:
    """The `serve` sub-command: 0 after a graceful stop, 1 when the server cannot start, 2 for bad settings."""
    try:
        config = ServerConfig.from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = connectors_problem(config)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if config.connectors_dir is None:
        print("warning: no --connectors directory and no built-in examples found; "
              "only inline connectors can run", file=sys.stderr)
    return await serve(config)


def connectors_problem(config: ServerConfig) -> str | None:
    """Why `--connectors` cannot be served: a missing folder, one connector's own folder, two
    connectors with one key. A folder holding no connector only gets a warning."""
    if config.connectors_dir is None:
        return None
    problem = connectors_dir_problem(config.connectors_dir)
    if problem is not None:
        return problem
    try:
        found = load_connectors(config.connectors_dir)  # broken ones are logged when the app loads them
    except ConnectorInvalid as exc:
        return exc.message
    if not found:
        print(f"warning: --connectors {config.connectors_dir}: no connector folder (a subfolder with a spec.yml) "
              "in it; only inline connectors can run", file=sys.stderr)
    return None


class ConnectionGuard:
    """Wraps aiohttp's protocol factory: at most `limit` open connections (past it a new one is closed
    at once), and a connection whose first request has not started `header_timeout` s after it opened
    is closed (slow or never-finished headers)."""

    def __init__(self, factory: Any, *, limit: int, header_timeout: float, log: Any) -> None:
        self._factory = factory
        self._limit = limit
        self._header_timeout = header_timeout
        self._log = log
        self.open: weakref.WeakSet[Any] = weakref.WeakSet()
        self.started: weakref.WeakSet[Any] = weakref.WeakSet()  # transports whose first request arrived
        self._over_since: float | None = None
        self._slow_logged_at = 0.0

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self, self._factory())

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        """Whether a new connection may stay open (one log line when the cap starts and stops biting)."""
        if len(self.open) >= self._limit:
            if self._over_since is None:
                self._over_since = time.monotonic()
                self._log.warning("connections.over_limit", limit=self._limit)
            return False
        if self._over_since is not None:
            self._over_since = None
            self._log.info("connections.under_limit", limit=self._limit)
        self.open.add(transport)
        asyncio.get_running_loop().call_later(self._header_timeout, self._check_started, transport)
        return True

    def _check_started(self, transport: asyncio.BaseTransport) -> None:
        if transport.is_closing() or transport in self.started:
            return
        now = time.monotonic()
        if now - self._slow_logged_at > 60:  # one line a minute while it goes on
            self._slow_logged_at = now
            self._log.warning("connections.header_timeout", seconds=self._header_timeout)
        self.open.discard(transport)
        transport.close()


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol (its RequestHandler has __slots__: it is wrapped, not patched) behind the guard."""

    def __init__(self, guard: ConnectionGuard, inner: Any) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._guard.admit(transport):
            transport.close()
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._guard.open.discard(self._transport)
            self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport is not None else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


@web.middleware
async def _mark_started(request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    guard: ConnectionGuard | None = request.app.get(GUARD)
    if guard is not None and request.transport is not None:
        guard.started.add(request.transport)
    return await handler(request)


GUARD = web.AppKey("guard", ConnectionGuard)


async def serve(config: ServerConfig) -> int:
    """Serve until a stop signal, then: readyz turns 503, jobs not yet started are answered 503 with
    Retry-After, running jobs get `shutdown_grace` seconds to finish, those still running then fail
    (ENGINE_CRASHED: the server stopped) so that every caller gets an answer, and the process exits
    within about grace + TEARDOWN_SECONDS."""
    app = create_app(config)
    app.middlewares.insert(0, _mark_started)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=TEARDOWN_SECONDS,
                           keepalive_timeout=config.idle_timeout)
    service = app[SERVICE]
    try:
        await runner.setup()
        guard = ConnectionGuard(runner.server, limit=config.max_connections, header_timeout=config.header_timeout,
                                log=service.log)
        app[GUARD] = guard
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((config.host, config.port))
        sock.listen(LISTEN_BACKLOG)  # a burst of 1000 clients overflows the default of 128
        sock.setblocking(False)
        server = await asyncio.get_running_loop().create_server(guard, sock=sock, backlog=LISTEN_BACKLOG)
    except (WorkerStartError, OSError) as exc:
        print(f"error: cannot start the server: {exc}", file=sys.stderr)
        await runner.cleanup()
        return 1
    settle_after_startup()
    _announce(sock.getsockname(), config, len(service.registry))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print(f"connector-executor: stopping; in-flight jobs have {config.shutdown_grace:g} s to finish",
          file=sys.stderr, flush=True)
    service.begin_shutdown()
    deadline = loop.time() + config.shutdown_grace
    while service.pool.in_flight and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await service.pool.close(grace=0.0)  # what still runs fails now, and its caller is answered
    server.close()
    await asyncio.sleep(0.1)  # let the handlers write those answers
    await runner.cleanup()
    return 0


def _announce(address: Any, config: ServerConfig, connectors: int) -> None:
    host, port = address[:2]
    shown = f"[{host}]" if ":" in host else host
    where = f" from {config.connectors_dir}" if config.connectors_dir else ""
    print(f"connector-executor: listening on http://{shown}:{port} (workers: {config.workers}, "
          f"engine: {config.engine}, connectors: {connectors}, store: {config.store and 'redis' or 'memory'}"
          f"{where})", file=sys.stderr, flush=True)
