"""Drive wrk (Debian package `wrk`) with a POST body and read its report into the loadgen's keys."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0


def run(url: str, body: bytes, *, connections: int, seconds: int, threads: int = 1) -> dict[str, object]:
    """`wrk -t1 -cN -dS --latency` POSTing `body` to `url`; bounded by its duration (and a kill after it)."""
    if b"]]" in body:
        raise ValueError("the body cannot be written as a Lua long string")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text('wrk.method = "POST"\n'
                          'wrk.headers["Content-Type"] = "application/json"\n'
                          f"wrk.body = [[{body.decode()}]]\n")
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency",
                   "--timeout", "30s", "-s", str(script), url]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    requests = int(total.group(1))
    elapsed = _ms(total.group(2) + total.group(3)) / 1000
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    bad = int(non2xx.group(1)) if non2xx else 0
    return {
        "tool": "wrk", "connections": connections, "requests": requests, "ok": requests - bad,
        "non200": bad, "failed_jobs": 0, "errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "elapsed": elapsed, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(latency.get("50", "0ms")), "p99_ms": _ms(latency.get("99", "0ms")),
        "first_problem": "",
    }
