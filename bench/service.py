"""Sections 2, 5 and 6: the service (`connector-executor serve`) as a real process under real HTTP load.

2. The front-end floor (bench.bare_app: a bare aiohttp app answering the same job body with no JS)
   and serve per engine with 1 worker and one worker per core, under the same load.
5. Scale: `jobs` jobs in flight at once, each waiting `delay` on the local upstream, through serve
   with its default settings; wall time and peak RSS of serve's whole process tree (front-end +
   workers). And the shared store's cost per job: the same load with a fresh Idempotency-Key per job
   (every job claims, then completes, a record in the store) on the memory store and on Redis.
6. Soak: many jobs through serve; RSS of the tree after them vs after the first tenth.

Every server is a child process on a free loopback port; every load is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import wrk
from bench.common import (
    FETCH_CONNECTOR,
    PYTHON,
    ROOT,
    ChildServer,
    RssSampler,
    dump_json,
    job_body,
    python_server,
    running,
    serve_server,
    tree_pids,
    tree_rss_bytes,
)

CORES = os.cpu_count() or 1
ENGINES = ("quickjs", "v8")
Load = dict[str, Any]


def pick_tool(choice: str) -> str:
    """`wrk` when asked for or (auto) installed, else the Python load generator."""
    if choice == "auto":
        return "wrk" if wrk.available() else "python"
    if choice == "wrk" and not wrk.available():
        raise SystemExit("--loadgen wrk: wrk is not installed (apt-get install -y wrk)")
    return choice


def load(url: str, body: dict[str, Any], *, tool: str, connections: int, seconds: float | None = None,
         requests: int | None = None, warmup: float = 0.0, unique_header: str | None = None) -> Load:
    """POST `body` to `url`/v1/jobs from `connections` keep-alive connections, in another process."""
    target = f"{url}/v1/jobs"
    data = dump_json(body).encode()
    if tool == "wrk" and requests is None and unique_header is None:
        assert seconds is not None
        if warmup > 0:
            wrk.run(target, data, connections=connections, seconds=max(1, round(warmup)))
        return wrk.run(target, data, connections=connections, seconds=max(1, round(seconds)))
    with tempfile.NamedTemporaryFile("wb", suffix=".json", prefix="bench-body-") as file:
        file.write(data)
        file.flush()
        command = [PYTHON, "-m", "bench.loadgen", "--url", target, "--body-file", file.name,
                   "--connections", str(connections), "--warmup", str(warmup)]
        if seconds is not None:
            command += ["--duration", str(seconds)]
        if requests is not None:
            command += ["--requests", str(requests)]
        if unique_header is not None:
            command += ["--unique-header", unique_header]
        limit = (seconds or 0) + warmup + 660
        out = subprocess.run(command, capture_output=True, text=True, timeout=limit, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def upstream_stats(url: str, reset: bool = False) -> dict[str, int]:
    """The upstream's /sleep counters: served, and the most requests it had in flight at once."""
    with urllib.request.urlopen(f"{url}/stats{'?reset=1' if reset else ''}", timeout=10) as response:
        return json.loads(response.read())


def job_outcomes(url: str) -> dict[str, float]:
    """Jobs the service counted, by outcome (from /metrics)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode()
    counts: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("connector_executor_jobs_total{"):
            outcome = re.search(r'outcome="([^"]*)"', line)
            if outcome:
                counts[outcome.group(1)] = counts.get(outcome.group(1), 0.0) + float(line.rsplit(" ", 1)[1])
    return counts


def prime(url: str, body: dict[str, Any], workers: int, attempts: int = 5) -> int:
    """One job per worker, all at once (the pool gives each idle worker one); retried until every one
    succeeds. Returns how many came back ENGINE_CRASHED. Only the profile warms up with it: the load
    sections do not prime their fresh workers (V8's one-time set-up is the engine's own business,
    js_runtime.v8.engine), so a crash of concurrent first jobs fails the run's verification."""
    crashes = 0
    data = dump_json(body).encode()

    def post(_: int) -> dict[str, Any]:
        request = urllib.request.Request(f"{url}/v1/jobs", data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    for _ in range(attempts):
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(post, range(workers)))
        crashes += sum(1 for r in results if (r.get("error") or {}).get("code") == "ENGINE_CRASHED")
        if all(r.get("status") == "succeeded" for r in results):
            return crashes
        time.sleep(1.0)  # a crashed worker is being restarted
    raise RuntimeError(f"could not get one job through each of {workers} workers: {results}")


def _verify(name: str, result: Load, before: dict[str, float] | None = None,
            after: dict[str, float] | None = None) -> Load:
    """Every response must be a 200 with a succeeded job (wrk: checked through the service's /metrics)."""
    failed = int(result["failed_jobs"])
    if before is not None and after is not None:
        failed = max(failed, int(after.get("failed", 0) - before.get("failed", 0)))
        result["failed_jobs"] = failed
    problems = int(result["non200"]) + int(result["errors"]) + failed
    if problems or not result["requests"]:
        raise RuntimeError(f"{name}: {problems} bad responses of {result['requests']}: {result['first_problem']}")
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _under_load(server: ChildServer, name: str, body: dict[str, Any], *, tool: str, connections: int,
                seconds: float, warmup: float, metrics: bool, unique_header: str | None = None) -> Load:
    """Warm-up load, then the measured load; with the CPU time each process of the server spent per
    request during the measured part (front-end: the server process; workers: its children)."""
    if warmup > 0:
        load(server.url, body, tool=tool, connections=connections, seconds=warmup, unique_header=unique_header)
    before = job_outcomes(server.url) if metrics else None
    pids = tree_pids(server.pid)
    cpu_before = {pid: cpu_seconds(pid) for pid in pids}
    result = load(server.url, body, tool=tool, connections=connections, seconds=seconds, unique_header=unique_header)
    spent = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
    after = job_outcomes(server.url) if metrics else None
    requests = max(1, int(result["requests"]))
    result["cpu_front_ms"] = spent[server.pid] * 1000 / requests
    result["cpu_workers_ms"] = sum(v for pid, v in spent.items() if pid != server.pid) * 1000 / requests
    return _verify(name, result, before, after)


def frontend(*, connectors: Path, log_dir: Path, tool: str, connections: int, seconds: float,
             warmup: float) -> dict[str, Load]:
    """Section 2: keys `bare`, and `serve.<engine>.<workers>w` for 1 worker and one per core. The
    servers start together (start-ups overlap) and are loaded one at a time; the others sit idle."""
    configs = [(engine, workers) for engine in ENGINES for workers in sorted({1, CORES})]
    servers = [python_server("bare_app", log_dir=log_dir, name="bare-app")]
    servers += [serve_server(engine, workers, connectors, log_dir=log_dir) for engine, workers in configs]
    results: dict[str, Load] = {}
    with running(servers):
        bare = servers[0]
        results["bare"] = _under_load(bare, "bare app", job_body("quickjs"), tool=tool, connections=connections,
                                      seconds=seconds, warmup=warmup, metrics=False)
        for (engine, workers), serve in zip(configs, servers[1:], strict=True):
            name = f"serve.{engine}.{workers}w"
            results[name] = _under_load(serve, name, job_body(engine), tool=tool, connections=connections,
                                        seconds=seconds, warmup=warmup, metrics=True)
            results[name]["rss_after"] = tree_rss_bytes(serve.pid)
    return results


def scale(*, jobs: int, delay_ms: int, upstream: str, connectors: Path, log_dir: Path) -> dict[str, dict[str, Any]]:
    """Section 5, per engine: `jobs` jobs at once, each waiting `delay_ms` on the upstream, through serve
    with its default settings (one worker per core, serve's default; no admission tuning)."""
    servers = [serve_server(engine, CORES, connectors, log_dir=log_dir, name=f"scale-{engine}")
               for engine in ENGINES]
    results = {}
    with running(servers):
        for engine, serve in zip(ENGINES, servers, strict=True):
            body = job_body(engine, connector=FETCH_CONNECTOR, url=f"{upstream}/sleep?ms={delay_ms}")
            upstream_stats(upstream, reset=True)
            idle = tree_rss_bytes(serve.pid)
            with RssSampler(serve.pid, interval=0.05) as sampler:
                result = load(serve.url, body, tool="python", connections=jobs, requests=jobs)
                time.sleep(0.2)
            _verify(f"scale {engine}", result)
            seen = upstream_stats(upstream)
            results[engine] = {"upstream_peak": seen["peak_in_flight"], "upstream_served": seen["served"],
                               "wall": result["elapsed"], "jobs": result["requests"], "peak_rss": sampler.peak,
                               "idle_rss": idle, "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
                               "series": sampler.samples, "delay": delay_ms / 1000}
    return results


STORE_KEY = "bench-store-key-" + "0" * 32  # the bench's own throwaway Redis


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def store_cost(*, connections: int, seconds: float, warmup: float, connectors: Path,
               log_dir: Path) -> dict[str, Load]:
    """Section 5b: what the shared store costs per job. QuickJS serve (one worker per core) under the
    same load: `none` (no Idempotency-Key: the store is not used), `memory` and `redis` (a fresh key per
    job: one claim and one complete per job, the Redis record sealed with AES-GCM). A Redis row is
    missing when redis-server is not installed."""
    redis_server = shutil.which("redis-server")
    results: dict[str, Load] = {}
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        redis_process = None
        servers = [serve_server("quickjs", CORES, connectors, log_dir=log_dir, name="store-memory")]
        if redis_server is not None:
            port = free_port()
            redis_process = subprocess.Popen(
                [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers.append(serve_server("quickjs", CORES, connectors, log_dir=log_dir, name="store-redis",
                                        env={"CONNECTOR_EXECUTOR_STORE": f"redis://127.0.0.1:{port}/0",
                                             "CONNECTOR_EXECUTOR_STORE_KEY": STORE_KEY}))
        try:
            with running(servers):
                body = job_body("quickjs")
                for name, server, header in (("none", servers[0], None), ("memory", servers[0], "Idempotency-Key"),
                                             *((("redis", servers[1], "Idempotency-Key"),) if redis_process else ())):
                    prime(server.url, body, CORES)
                    results[name] = _under_load(server, f"store {name}", body, tool="python",
                                                connections=connections, seconds=seconds, warmup=warmup,
                                                metrics=True, unique_header=header)
        finally:
            if redis_process is not None:
                redis_process.terminate()
                redis_process.wait(10)
    return results


def soak(*, total: int, first: int, connections: int, batches: int, settle: float, connectors: Path,
         log_dir: Path) -> dict[str, dict[str, Any]]:
    """Section 6, per engine: `total` jobs through serve (one worker per core, default settings); the
    tree's RSS after the first `first` and after all, each measured `settle` seconds after the load stops."""
    servers = [serve_server(engine, CORES, connectors, log_dir=log_dir, name=f"soak-{engine}") for engine in ENGINES]
    results = {}
    with running(servers):
        for engine, serve in zip(ENGINES, servers, strict=True):
            results[engine] = _soak_one(serve, engine, total, first, connections, batches, settle)
    return results


def _soak_one(serve: ChildServer, engine: str, total: int, first: int, connections: int, batches: int,
              settle: float) -> dict[str, Any]:
    body = job_body(engine)
    before = job_outcomes(serve.url)
    series: list[tuple[int, int]] = [(0, tree_rss_bytes(serve.pid))]
    done, rss_first, busy = 0, 0, 0.0
    for count in _soak_steps(total, first, batches):
        result = _verify(f"soak {engine}", load(serve.url, body, tool="python", connections=connections,
                                                requests=count))
        busy += float(result["elapsed"])
        done += count
        time.sleep(settle)
        series.append((done, tree_rss_bytes(serve.pid)))
        if done == first:
            rss_first = series[-1][1]
    after = job_outcomes(serve.url)
    succeeded = after.get("succeeded", 0) - before.get("succeeded", 0)
    if int(succeeded) != total:
        raise RuntimeError(f"soak {engine}: the service counted {succeeded} succeeded jobs, expected {total}")
    return {"total": total, "first": first, "rss_first": rss_first, "rss_end": series[-1][1], "series": series,
            "jobs_per_s": total / busy if busy > 0 else 0.0}


def _soak_steps(total: int, first: int, batches: int) -> list[int]:
    """The first batch, then the rest in up to `batches` - 1 more (an RSS point after each)."""
    rest = total - first
    parts = max(1, min(batches - 1, rest // max(1, first)))
    steps = [first] + [rest // parts + (1 if i < rest % parts else 0) for i in range(parts)]
    return [s for s in steps if s > 0]
