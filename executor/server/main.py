"""`connector-executor serve`: run the app until SIGTERM/SIGINT, then drain and exit 0."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from aiohttp import web

from executor.errors import ConnectorInvalid
from executor.server.app import SERVICE, create_app
from executor.server.config import ServerConfig
from executor.server.connectors import connectors_dir_problem, load_connectors
from executor.server.workers import WorkerStartError


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


LISTEN_BACKLOG = 4096


async def serve(config: ServerConfig) -> int:
    """Serve until a stop signal: then readyz turns 503, the listener closes, in-flight jobs get
    `shutdown_grace` seconds to finish, and the workers stop."""
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=config.shutdown_grace)
    try:
        await runner.setup()
        # A burst of clients connecting at once (1000 in bench section 5) overflows the default listen
        # queue of 128: the dropped connections retry a second later. The kernel caps it at somaxconn.
        site = web.TCPSite(runner, config.host, config.port, backlog=LISTEN_BACKLOG)
        await site.start()
    except (WorkerStartError, OSError) as exc:
        print(f"error: cannot start the server: {exc}", file=sys.stderr)
        await runner.cleanup()
        return 1
    _announce(runner, config, len(app[SERVICE].registry))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print(f"connector-executor: stopping; in-flight jobs have {config.shutdown_grace:g} s to finish",
          file=sys.stderr, flush=True)
    app[SERVICE].shutting_down = True
    await runner.cleanup()
    return 0


def _announce(runner: web.AppRunner, config: ServerConfig, connectors: int) -> None:
    host, port = runner.addresses[0][:2]
    shown = f"[{host}]" if ":" in host else host
    where = f" from {config.connectors_dir}" if config.connectors_dir else ""
    print(f"connector-executor: listening on http://{shown}:{port} (workers: {config.workers}, "
          f"engine: {config.engine}, connectors: {connectors}{where})", file=sys.stderr, flush=True)
