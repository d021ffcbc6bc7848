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

import aiohttp

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


async def _client(session: aiohttp.ClientSession, url: str, body: bytes, phase: Phase,
                  deadline: float, limit: int | None, unique_header: str | None = None) -> None:
    headers = {"Content-Type": "application/json"}
    while time.monotonic() < deadline and (limit is None or phase.issued < limit):
        phase.issued += 1
        if unique_header:  # e.g. a fresh Idempotency-Key per request: every job goes through the store
            headers[unique_header] = f"bench-{_RUN}-{next(_SERIAL)}"
        started = time.perf_counter()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
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


async def run_phase(session: aiohttp.ClientSession, url: str, body: bytes, connections: int,
                    seconds: float, limit: int | None, unique_header: str | None = None) -> tuple[Phase, float]:
    phase = Phase()
    started = time.monotonic()
    deadline = started + min(seconds, MAX_SECONDS)
    await asyncio.gather(*(_client(session, url, body, phase, deadline, limit, unique_header)
                           for _ in range(connections)))
    return phase, time.monotonic() - started


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(args: argparse.Namespace) -> dict[str, object]:
    body = Path(args.body_file).read_bytes()
    seconds = args.duration if args.duration is not None else MAX_SECONDS
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if args.warmup > 0:
            await run_phase(session, args.url, body, args.connections, args.warmup, None, args.unique_header)
        phase, elapsed = await run_phase(session, args.url, body, args.connections, seconds, args.requests,
                                         args.unique_header)
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
