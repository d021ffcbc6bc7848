"""The worker process: reads jobs as JSON lines on stdin, runs many at once, writes results to stdout.

    python -m executor.server.worker [--connectors DIR] [--engine E] [--allow-host H]... [--lanes N]

Protocol (one JSON object per line, both ways):
    first line out  {"ready": {"pid": ..., "connectors": n}}
    in              {"id", **JobMessage.to_wire()}: the job as the front-end parsed it, its input's
                    secrets included (executor.jobs.wire); the worker trusts it and parses nothing again
    out             {"id", "result": <job result>, "runMs": <time inside run_job>}
    out             {"retire": <reason>} once an engine call was abandoned (js_runtime.lanes): its thread
                    may spin until the process ends, so the supervisor sends no more jobs, closes stdin
                    and starts a replacement
The process exits when stdin closes, after finishing the jobs it has. Engine work runs on lane
threads, so a spinning script never blocks this loop; a crash of the whole process is the
supervisor's business (it fails the jobs in flight with ENGINE_CRASHED and starts a new worker).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from executor.connector import Connector, load_connector_files
from executor.errors import ExecutorError, InvalidInput, InvalidOutput
from executor.jobs import JobRequest, run_job
from executor.jobs.result import JobResult
from executor.jobs.wire import JobMessage
from executor.limits import LIMITS
from executor.server.connectors import load_connectors
from executor.server.gc_tuning import settle_after_startup
from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.engine import ENGINE_KINDS, EngineKind
from js_runtime.lanes import LanePool, abandoned_work
from js_runtime.limits import DEFAULT_LIMITS, Limits

MAX_LINE_BYTES = LIMITS.pipe_line_bytes


class LineBatcher:
    """Protocol lines for one pipe: those queued in one loop iteration leave in one write, and a sender
    waits for the pipe only once more than HIGH_WATER bytes are queued in it. Both ends use one."""

    HIGH_WATER = 1024 * 1024

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._queued: list[bytes] = []

    def send(self, line: bytes) -> None:
        """Queue one line (newline included)."""
        if not self._queued:
            asyncio.get_running_loop().call_soon(self.flush)
        self._queued.append(line)

    def flush(self) -> None:
        """Write what is queued now (a closed pipe takes nothing: its reader's EOF tells the story)."""
        data, self._queued = b"".join(self._queued), []
        if data and not self._writer.is_closing():
            with contextlib.suppress(ConnectionError, RuntimeError):
                self._writer.write(data)

    async def drain_if_full(self) -> None:
        """Wait for the pipe if more than HIGH_WATER bytes are queued in it."""
        if self._writer.transport.get_write_buffer_size() > self.HIGH_WATER:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._writer.drain()


class Worker:
    """This process's connectors, transport and lanes; turns job messages into JobRequests and runs them."""

    def __init__(self, connectors: dict[str, Connector], engine: EngineKind, transport: LiveTransport,
                 lanes: LanePool, reload: Callable[[], dict[str, Connector]] | None = None) -> None:
        self._connectors = connectors
        self._reload = reload  # serve --reload: read the connectors folder again for each job
        self._engine = engine
        self._transport = transport
        self._lanes = lanes

    async def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        """The reply to one job message; never raises."""
        started = time.perf_counter()
        try:
            job = self._job(message)
            result = await run_job(job, send=self._transport.send, lanes=self._lanes)
        except ExecutorError as exc:
            result = JobResult.failed(exc)
        except Exception as exc:  # a bug of ours: the job fails, the worker goes on
            print(f"worker: internal error: {exc.__class__.__name__}", file=sys.stderr)
            result = JobResult.failed(ExecutorError("internal error while running the job"))
        run_ms = round((time.perf_counter() - started) * 1000, 3)
        return {"id": message.get("id"), "result": result.to_dict(), "runMs": run_ms}

    def _job(self, wire: dict[str, Any]) -> JobRequest:
        message = JobMessage.from_wire(wire)
        ref = message.connector
        if self._reload is not None and "files" not in ref:
            self._connectors = self._reload()
        if "files" in ref:
            connector = load_connector_files(ref["files"], default_key="inline")
        elif ref.get("key") in self._connectors:
            connector = self._connectors[ref["key"]]
        else:
            raise InvalidInput(f"unknown connector {ref.get('key')!r}")
        return JobRequest(connector=connector, method=message.method, input=message.input,
                          engine=message.engine or self._engine, auth_option=message.auth_option,
                          limits=_limits(message.timeout_ms), secrets=message.secrets)


@functools.lru_cache(maxsize=256)
def _limits(timeout_ms: float) -> Limits:
    """The default limits with the job's timeout (a handful of distinct values: cached)."""
    return DEFAULT_LIMITS.with_timeout(timeout_ms / 1000)


def encode_reply(reply: dict[str, Any]) -> bytes:
    """One protocol line; a result that is not JSON-serialisable becomes a failed one (never no answer)."""
    try:
        return json.dumps(reply).encode() + b"\n"
    except (TypeError, ValueError):
        failed = JobResult.failed(InvalidOutput("the job's result is not serialisable as JSON"))
        return json.dumps({**reply, "result": failed.to_dict()}).encode() + b"\n"


async def _pipes(protocol_out: BinaryIO) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, protocol_out)
    return reader, asyncio.StreamWriter(transport, protocol, None, loop)


async def serve(args: argparse.Namespace, protocol_out: BinaryIO) -> int:
    """Run jobs until stdin closes; then finish the running ones and return."""
    connectors = load_connectors(args.connectors, warn=lambda m: print(f"worker: {m}", file=sys.stderr))
    policy = NetworkPolicy.from_env(os.environ, args.allow_host)
    reader, writer = await _pipes(protocol_out)
    settle_after_startup()
    lanes = LanePool(max_lanes=args.lanes)
    running: set[asyncio.Task[None]] = set()
    async with LiveTransport(policy, max_response_bytes=DEFAULT_LIMITS.max_response_bytes) as transport:
        reload = functools.partial(load_connectors, args.connectors) if args.reload else None
        worker = Worker(connectors, args.engine, transport, lanes, reload)

        replies = LineBatcher(writer)

        retiring = False

        async def answer(message: dict[str, Any]) -> None:
            nonlocal retiring
            replies.send(encode_reply(await worker.handle(message)))
            if abandoned_work() and not retiring:
                retiring = True
                lower_engine_threads()
                replies.send(json.dumps({"retire": "an engine did not stop at a job's time limit"}).encode() + b"\n")
            await replies.drain_if_full()

        writer.write(json.dumps({"ready": {"pid": os.getpid(), "connectors": len(connectors)}}).encode() + b"\n")
        await writer.drain()
        while line := await reader.readline():
            task = asyncio.ensure_future(answer(json.loads(line)))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running)
        replies.flush()
        await writer.drain()
    lanes.close()
    writer.close()
    return 0


def lower_engine_threads() -> None:
    """Every thread of this process but the calling one (the event loop) gets the lowest CPU priority:
    an abandoned engine thread spins until the process exits, and must not take the cores from the
    jobs of the other workers (a retiring worker gets no new jobs once its replacement is ready).
    Linux's priorities are per thread; where /proc is missing this does nothing."""
    me = threading.get_native_id()
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{os.getpid()}/task"):
            if int(task) != me:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, int(task), LOWEST_PRIORITY)


LOWEST_PRIORITY = 19


def build_parser() -> argparse.ArgumentParser:
    """The worker's command line (the supervisor builds it: see supervisor.WorkerOptions.command)."""
    parser = argparse.ArgumentParser(prog="python -m executor.server.worker")
    parser.add_argument("--connectors", type=Path, default=None)
    parser.add_argument("--engine", choices=ENGINE_KINDS, default="quickjs")
    parser.add_argument("--allow-host", action="append", default=[])
    parser.add_argument("--lanes", type=int, default=8, help="most engine threads (lanes) to start")
    parser.add_argument("--reload", action="store_true", help="read --connectors again for each job")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: keep the real stdout for the protocol, send stray prints to stderr, serve."""
    args = build_parser().parse_args(argv)
    # Stop signals are the front-end's to handle (a whole process group may get them): it drains
    # this worker by closing stdin, and stdin also closes if the front-end dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    status = asyncio.run(serve(args, protocol_out))
    if abandoned_work():
        sys.stderr.flush()
        os._exit(status)  # abandoned engine threads may still be running: no interpreter shutdown
    return status


if __name__ == "__main__":
    sys.exit(main())
