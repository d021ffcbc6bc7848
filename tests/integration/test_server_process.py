"""`connector-executor serve` as a real process: startup line, graceful SIGTERM, JSON logs on stderr."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

pytestmark = pytest.mark.asyncio

EXECUTABLE = Path(sys.executable).with_name("connector-executor")
SLEEP_JS = """
exports.getCredentialsFromConnectionParameters = async function ({ connectionParameters }) {
  await new Promise((resolve) => setTimeout(resolve, 1000))
  return { apiKey: connectionParameters.apiKey, slept: true }
}
"""
SPEC = """key: sleepy
name: Sleepy
auth:
  type: client-credentials
  ui:
    schema:
      type: object
      properties:
        apiKey: {type: string, format: password}
  getCredentialsFromConnectionParameters:
    implementationType: javascript
"""


@dataclass
class ServeProcess:
    """A running `serve` with its stderr collected line by line."""

    process: asyncio.subprocess.Process
    url: str = ""
    stderr: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
        return pids

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stderr if line.startswith("{")]


async def start_serve(*args: str, env: dict[str, str] | None = None) -> ServeProcess:
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE), "serve", "--port", "0", "--workers", "1", *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    serve = ServeProcess(process)
    listening: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def read() -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            text = line.decode().rstrip("\n")
            serve.stderr.append(text)
            match = re.search(r"listening on (http://\S+)", text)
            if match and not listening.done():
                listening.set_result(match.group(1))
        if not listening.done():
            listening.set_exception(RuntimeError("serve exited: " + "\n".join(serve.stderr)))

    serve._reader = asyncio.ensure_future(read())
    serve.url = await asyncio.wait_for(listening, 20)
    return serve


async def wait_for_in_flight(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(200):
        async with session.get(f"{url}/metrics") as response:
            if "connector_executor_jobs_in_flight 1.0" in await response.text():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the job never started")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_sigterm_finishes_in_flight_job_then_exits_0(tmp_path: Path, session: aiohttp.ClientSession) -> None:
    (tmp_path / "sleepy" / "auth").mkdir(parents=True)
    (tmp_path / "sleepy" / "spec.yml").write_text(SPEC)
    (tmp_path / "sleepy" / "auth" / "get-credentials-from-connection-parameters.js").write_text(SLEEP_JS)
    serve = await start_serve("--connectors", str(tmp_path), env={"CONNECTOR_EXECUTOR_SHUTDOWN_GRACE": "10"})
    assert "workers: 1" in serve.stderr[-1] and "connectors: 1" in serve.stderr[-1]
    workers = serve.worker_pids()
    assert len(workers) == 1
    secret = "sk-live-SIGTERM-7777"
    job = {"connector": "sleepy", "method": "getCredentialsFromConnectionParameters",
           "input": {"connectionParameters": {"apiKey": secret}}}
    in_flight = asyncio.ensure_future(session.post(f"{serve.url}/v1/jobs", json=job))
    await wait_for_in_flight(session, serve.url)  # the job is now sleeping on its 1 s timer
    serve.process.send_signal(signal.SIGTERM)
    response = await asyncio.wait_for(in_flight, 10)
    assert response.status == 200
    result = await response.json()
    assert (result["status"], result["output"]) == ("succeeded", {"apiKey": secret, "slept": True})
    assert await asyncio.wait_for(serve.process.wait(), 15) == 0
    await serve._reader
    for pid in workers:  # the worker went with it
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    jobs = [line for line in serve.json_lines() if line.get("event") == "job"]
    assert len(jobs) == 1
    assert jobs[0]["outcome"] == "succeeded"
    assert {"job_id", "connector", "method", "engine", "duration_ms", "request_count"} <= set(jobs[0])
    assert jobs[0]["duration_ms"] >= 1000
    assert secret not in "\n".join(serve.stderr)
    assert any("stopping" in line for line in serve.stderr)


async def test_defaults_serve_builtin_examples_and_stop_on_sigint(session: aiohttp.ClientSession) -> None:
    serve = await start_serve(env={"CONNECTOR_EXECUTOR_TOKEN": "proc-token"})
    line = serve.stderr[-1]
    assert serve.url.startswith("http://127.0.0.1:")
    assert "engine: quickjs" in line
    assert "fixtures/connectors" in line or "only inline connectors" in "\n".join(serve.stderr)
    async with session.get(f"{serve.url}/v1/connectors") as response:
        assert response.status == 401
    async with session.get(f"{serve.url}/v1/connectors", headers={"Authorization": "Bearer proc-token"}) as response:
        assert response.status == 200
        assert "connectors" in await response.json()
    async with session.get(f"{serve.url}/readyz") as response:
        assert response.status == 200
    serve.process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(serve.process.wait(), 15) == 0
    await serve._reader
