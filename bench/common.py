"""What every section shares: the method under test, timing statistics, process-tree RSS, child servers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
PYTHON = sys.executable
SERVE_EXECUTABLE = str(Path(sys.executable).with_name("connector-executor"))

# The one small method every section runs: the connector's form (an ES module, as connectors are
# written) and the plain-script form the floors and Node evaluate.
METHOD_SOURCE = "export default async ({ credentials }) => ({ accessToken: credentials.token.toUpperCase() })\n"
METHOD_PLAIN = "(async ({ credentials }) => ({ accessToken: credentials.token.toUpperCase() }))"
METHOD_CONTEXT: dict[str, Any] = {"credentials": {"token": "abc"}}
EXPECTED_OUTPUT = {"accessToken": "ABC"}

# The HTTP bridge method: one GET to the local upstream (connectorParameters.url), its JSON body in
# the output. Without a url it makes no request: the same module, so the same prelude (the prelude
# depends on the names a module mentions), which makes "with the request - without" the bridge alone.
FETCH_SOURCE = """export default async ({ credentials, connectorParameters }) => {
  if (!connectorParameters.url) return { accessToken: 'up' + credentials.token.toUpperCase() }
  const response = await fetch(connectorParameters.url)
  const body = await response.json()
  return { accessToken: body.token + credentials.token.toUpperCase() }
}
"""

METHOD_NAME = "refreshCredentials"
_SPEC = """key: {key}
name: {key}
auth:
  type: client-credentials
  refreshCredentials:
    implementationType: javascript
"""
TOKEN_CONNECTOR = "bench-token"
FETCH_CONNECTOR = "bench-fetch"


def write_connectors(directory: Path) -> Path:
    """The bench's connectors as a `--connectors` directory: bench-token and bench-fetch."""
    for key, source in ((TOKEN_CONNECTOR, METHOD_SOURCE), (FETCH_CONNECTOR, FETCH_SOURCE)):
        (directory / key / "auth").mkdir(parents=True, exist_ok=True)
        (directory / key / "spec.yml").write_text(_SPEC.format(key=key))
        (directory / key / "auth" / "refresh-credentials.js").write_text(source)
    return directory


def job_body(engine: str, *, connector: str = TOKEN_CONNECTOR, url: str | None = None) -> dict[str, Any]:
    """A POST /v1/jobs body for the bench method (bench-fetch needs the upstream `url`)."""
    job_input: dict[str, Any] = {"credentials": dict(METHOD_CONTEXT["credentials"])}
    if url is not None:
        job_input["connectorParameters"] = {"url": url}
    return {"connector": connector, "method": METHOD_NAME, "input": job_input, "engine": engine}


# ---- timing ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    """Per-call times of one measurement, in seconds."""

    n: int
    median: float
    mean: float
    p90: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        ordered = sorted(samples)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        return cls(len(ordered), statistics.median(ordered), statistics.fmean(ordered), p90)

    @property
    def ms(self) -> float:
        """The median in milliseconds: what the table reports (robust to the shared machine's noise)."""
        return self.median * 1000


def rounds(total: int, parts: int) -> list[int]:
    """`total` calls split into `parts` interleaved rounds (each at least one call)."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# ---- memory ---------------------------------------------------------------------------------------

def tree_pids(root: int) -> list[int]:
    """`root` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def rss_bytes(pid: int) -> int:
    """VmRSS of one process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_rss_bytes(root: int) -> int:
    """The summed RSS of `root` and its descendants (shared pages count once per process)."""
    return sum(rss_bytes(pid) for pid in tree_pids(root))


class RssSampler:
    """Samples a process tree's RSS on a thread; `peak` and the (time, bytes) series."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        self.root = root
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._started = 0.0

    def __enter__(self) -> RssSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic() - self._started, tree_rss_bytes(self.root)))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - self._started, tree_rss_bytes(self.root)))
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max((b for _, b in self.samples), default=0)


# ---- child servers --------------------------------------------------------------------------------

_LISTENING = re.compile(r"listening on (http://\S+)")


def serve_app(module: str, app: web.Application, *, backlog: int = 128) -> None:
    """`python -m <module> [--port N]` for a child server: serve `app` on 127.0.0.1 (port 0: any free
    one), announce "listening on URL" on stderr, as ChildServer waits for, and run until SIGTERM."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}")
    parser.add_argument("--port", type=int, default=0)
    port = parser.parse_args().port

    async def serve() -> None:
        runner = web.AppRunner(app, access_log=None)  # as serve runs it
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, backlog=backlog).start()
        host, bound = runner.addresses[0][:2]
        print(f"{module}: listening on http://{host}:{bound}", file=sys.stderr, flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the bench process dies, so no server outlives a killed run."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ChildServer:
    """A server process whose stderr goes to a log file; started when its "listening on URL" line appears."""

    def __init__(self, name: str, command: Sequence[str], *, env: dict[str, str] | None = None,
                 log_dir: Path | None = None) -> None:
        self.name = name
        self.command = list(command)
        self.env = {**os.environ, **(env or {})}
        directory = log_dir or Path(tempfile.gettempdir())
        self.log_path = directory / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.started_in = 0.0
        self._launched = 0.0

    def start(self, timeout: float = 60.0) -> ChildServer:
        """Launch and wait until it listens."""
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        self._launched = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=log, env=self.env, cwd=ROOT, preexec_fn=_die_with_parent)

    def wait_ready(self, timeout: float = 60.0) -> ChildServer:
        assert self.process is not None
        while time.monotonic() - self._launched < timeout:
            match = _LISTENING.search(self.log_path.read_text(errors="replace"))
            if match:
                self.url = match.group(1)
                self.started_in = time.monotonic() - self._launched
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; only this process (and its own workers)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ChildServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(servers: Sequence[ChildServer]) -> Iterator[list[ChildServer]]:
    """Start every server at once (their start-ups overlap), stop them all on the way out."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        yield list(servers)
    finally:
        for server in servers:
            server.stop()


def serve_server(engine: str, workers: int, connectors: Path, *, log_dir: Path,
                 env: dict[str, str] | None = None, name: str | None = None) -> ChildServer:
    """`connector-executor serve` on a free port with the bench's connectors and 127.0.0.1 allowed."""
    command = [SERVE_EXECUTABLE, "serve", "--port", "0", "--workers", str(workers), "--engine", engine,
               "--connectors", str(connectors)]
    settings = {"CONNECTOR_EXECUTOR_ALLOW_HOSTS": "127.0.0.1", "CONNECTOR_EXECUTOR_SHUTDOWN_GRACE": "5", **(env or {})}
    return ChildServer(name or f"serve-{engine}-{workers}w", command, env=settings, log_dir=log_dir)


def python_server(module: str, *args: str, log_dir: Path, name: str) -> ChildServer:
    """One of the bench's own servers (`python -m bench.<module> --port 0 ...`)."""
    return ChildServer(name, [PYTHON, "-m", f"bench.{module}", "--port", "0", *args], log_dir=log_dir)


# ---- the machine ----------------------------------------------------------------------------------

def _first_line(command: Sequence[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def machine_info() -> dict[str, str]:
    """CPU model, cores, Python, the engines' and tools' versions, the date, and the load when we started."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "engines": f"quickjs-ng {pkg('quickjs-ng')}, mini-racer {pkg('mini-racer')}",
        "aiohttp": pkg("aiohttp"),
        "node": _first_line(["node", "--version"]),
        "load average at start": load,
    }


def dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
