"""`connector-executor serve` as real processes on loopback ports (replicas), and small clients for them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

EXECUTABLE = Path(sys.executable).with_name("connector-executor")
STORE_KEY = "test-store-key-0123456789abcdef-0123456789"
LEASE_SECONDS = 1.0


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    url: str = ""
    stderr: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
        return pids

    def kill_all(self) -> None:
        """SIGKILL the replica and its workers: a pod that dies."""
        for pid in [*self.worker_pids(), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def start_replica(connectors: Path, store: str | None = None, *, env: dict[str, str] | None = None,
                        workers: int | None = 1) -> Replica:
    """A `serve` on a free port (`workers` None: serve's default), once it says it listens."""
    environment = {**os.environ, "CONNECTOR_EXECUTOR_STORE_KEY": STORE_KEY,
                   "CONNECTOR_EXECUTOR_LEASE_SECONDS": str(LEASE_SECONDS), **(env or {})}
    args = ["serve", "--port", "0", "--connectors", str(connectors), "--allow-host", "127.0.0.1"]
    if workers is not None:
        args += ["--workers", str(workers)]
    if store is not None:
        args += ["--store", store]
    process = await asyncio.create_subprocess_exec(str(EXECUTABLE), *args, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE, env=environment)
    replica = Replica(process)
    listening: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def read() -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            text = line.decode(errors="replace").rstrip("\n")
            replica.stderr.append(text)
            match = re.search(r"listening on (http://\S+)", text)
            if match and not listening.done():
                listening.set_result(match.group(1))
        if not listening.done():
            listening.set_exception(RuntimeError("serve exited: " + "\n".join(replica.stderr)))

    replica.reader = asyncio.ensure_future(read())
    replica.url = await asyncio.wait_for(listening, 30)
    return replica


async def stop_replica(replica: Replica) -> None:
    if replica.process.returncode is None:
        replica.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(replica.process.wait(), 15)
        except TimeoutError:
            replica.kill_all()
            await replica.process.wait()


async def post(session: aiohttp.ClientSession, replica: Replica, body: Any,
               headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
    async with session.post(f"{replica.url}/v1/jobs", json=body, headers=headers) as response:
        return response.status, await response.json(), response.headers


async def metric(session: aiohttp.ClientSession, replica: Replica, name: str, **labels: str) -> float:
    async with session.get(f"{replica.url}/metrics") as response:
        text = await response.text()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


