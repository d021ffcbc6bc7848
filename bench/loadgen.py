"""The Python load generator: N concurrent keep-alive connections POSTing one body, in its own process.

    python -m bench.loadgen --url URL --body-file FILE --connections N [--duration S] [--requests M] [--warmup S]
                            [--unique-header NAME]

Bounded: it stops issuing requests at the first of `--duration` seconds or `--requests` requests
(at most 10 minutes either way), waits for those in flight, and prints one JSON object on stdout:
requests, ok (job results with status "succeeded"), non200, failed_jobs, errors, elapsed, rps,
p50_ms, p99_ms, first_problem. Run as a separate process so that its CPU time is its own and not
the measured server's (on a 2-core machine it still competes for the cores: see README).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

MAX_SECONDS = 600.0


@dataclass
class Phase:
    requests: int = 0
    ok: int = 0
    non200: int = 0
    failed_jobs: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    first_problem: str = ""
    issued: int = 0

    def problem(self, text: str) -> None:
        self.first_problem = self.first_problem or text[:300]


_SERIAL = itertools.count()
_RUN = secrets.token_hex(4)


class Connection:
    """One keep-alive HTTP/1.1 connection on plain asyncio streams: the generator's cost per request is
    a write and two reads, so that on a shared 2-core machine its CPU stays small next to the server's
    (aiohttp's client cost ~1.6 ms of CPU per request at 1,000 connections, this ~4x less)."""

    def __init__(self, url: str, body: bytes, timeout: float) -> None:
        parts = urlsplit(url)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._head = (f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n").encode()
        self._body = body
        self._timeout = timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, extra_header: str | None) -> tuple[int, bytes]:
        """One request; (status, body). A connection the server closed is reopened once."""
        for attempt in (0, 1):
            reused = self._streams is not None
            try:
                return await asyncio.wait_for(self._exchange(extra_header), self._timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt or not reused:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, extra_header: str | None) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(*self._address, limit=2**22)
        reader, writer = self._streams
        head = self._head + (extra_header.encode() + b"\r\n" if extra_header else b"")
        writer.write(head + b"\r\n" + self._body)
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in
                   (line.partition(":") for line in lines if line)}
        if "content-length" in headers:
            payload = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _read_chunked(reader)
        else:
            payload = await reader.read()
        if headers.get("connection", "").lower() == "close" or "content-length" not in headers and \
                "transfer-encoding" not in headers:
            self.close()
        return int(status_line.split(" ", 2)[1]), payload

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    payload = bytearray()
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        payload += await reader.readexactly(size)
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return bytes(payload)


async def _client(connection: Connection, phase: Phase, deadline: float, limit: int | None,
                  unique_header: str | None = None) -> None:
    while time.monotonic() < deadline and (limit is None or phase.issued < limit):
        phase.issued += 1
        # e.g. a fresh Idempotency-Key per request: every job goes through the store
        extra = f"{unique_header}: bench-{_RUN}-{next(_SERIAL)}" if unique_header else None
        started = time.perf_counter()
        try:
            status, raw = await connection.post(extra)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, OSError, ValueError) as exc:
            phase.errors += 1
            phase.problem(f"{exc.__class__.__name__}: {exc}")
            continue
        phase.latencies.append(time.perf_counter() - started)
        phase.requests += 1
        if status != 200:
            phase.non200 += 1
            phase.problem(f"HTTP {status}: {raw[:200]!r}")
            continue
        try:
            result = json.loads(raw)
        except ValueError:
            result = {}
        if result.get("status") == "succeeded":
            phase.ok += 1
        else:
            phase.failed_jobs += 1
            phase.problem(f"job failed: {json.dumps(result.get('error'))}")


async def run_phase(connections: list[Connection], seconds: float, limit: int | None,
                    unique_header: str | None = None) -> tuple[Phase, float]:
    phase = Phase()
    started = time.monotonic()
    deadline = started + min(seconds, MAX_SECONDS)
    await asyncio.gather(*(_client(connection, phase, deadline, limit, unique_header)
                           for connection in connections))
    return phase, time.monotonic() - started


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(args: argparse.Namespace) -> dict[str, object]:
    body = Path(args.body_file).read_bytes()
    seconds = args.duration if args.duration is not None else MAX_SECONDS
    connections = [Connection(args.url, body, args.timeout) for _ in range(args.connections)]
    try:
        if args.warmup > 0:
            await run_phase(connections, args.warmup, None, args.unique_header)
        phase, elapsed = await run_phase(connections, seconds, args.requests, args.unique_header)
    finally:
        for connection in connections:
            connection.close()
    return {
        "tool": "python", "connections": args.connections, "requests": phase.requests, "ok": phase.ok,
        "non200": phase.non200, "failed_jobs": phase.failed_jobs, "errors": phase.errors,
        "elapsed": elapsed, "rps": phase.requests / elapsed if elapsed else 0.0,
        "p50_ms": _percentile(phase.latencies, 0.5), "p99_ms": _percentile(phase.latencies, 0.99),
        "first_problem": phase.first_problem,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("--url", required=True)
    parser.add_argument("--body-file", required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=None, help="seconds of load (default: until --requests)")
    parser.add_argument("--requests", type=int, default=None, help="requests to send in all")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds of untimed load first")
    parser.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    parser.add_argument("--unique-header", default=None, help="a header set to a new value on every request")
    return parser


if __name__ == "__main__":
    parsed = build_parser().parse_args()
    if parsed.duration is None and parsed.requests is None:
        sys.exit("give --duration or --requests")
    print(json.dumps(asyncio.run(main(parsed))))
