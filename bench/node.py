"""Section 3, what others do: the same method in Node.js, one process per job and one `vm` context per job.

    spawn   `node bench/node_job.js` per job, the job on stdin, the output on stdout (process start
            included: that is the point of the comparison)
    vm      one long-lived `node bench/node_vm_worker.js`; a job is one line on its stdin, a fresh
            `vm.createContext` + compile + call inside, one line back (the pipe hop included, as in
            our own worker protocol)
Jobs run one after another; the table reports the median per job.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

from bench.common import BENCH_DIR, EXPECTED_OUTPUT, METHOD_CONTEXT, METHOD_PLAIN, Stats

JOB = {"source": METHOD_PLAIN, "context": METHOD_CONTEXT}


def available() -> bool:
    return shutil.which("node") is not None


def spawn_per_job(n: int) -> Stats:
    """`n` jobs, each in a new node process."""
    data = json.dumps(JOB)
    script = str(BENCH_DIR / "node_job.js")
    samples = []
    for i in range(n + 1):
        started = time.perf_counter()
        out = subprocess.run(["node", script], input=data, capture_output=True, text=True, timeout=30, check=True)
        elapsed = time.perf_counter() - started
        if json.loads(out.stdout) != EXPECTED_OUTPUT:
            raise RuntimeError(f"node_job.js returned {out.stdout!r}")
        if i:  # the first start warms the page cache
            samples.append(elapsed)
    return Stats.of(samples)


def vm_context_per_job(n: int, warmup: int = 20) -> Stats:
    """`n` jobs through one node worker, a fresh vm context each."""
    worker = subprocess.Popen(["node", str(BENCH_DIR / "node_vm_worker.js")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, bufsize=1)
    assert worker.stdin is not None and worker.stdout is not None
    samples = []
    try:
        for i in range(warmup + n):
            line = json.dumps({"id": i, **JOB}) + "\n"
            started = time.perf_counter()
            worker.stdin.write(line)
            worker.stdin.flush()
            reply = json.loads(worker.stdout.readline())
            elapsed = time.perf_counter() - started
            if reply.get("id") != i or reply.get("output") != EXPECTED_OUTPUT:
                raise RuntimeError(f"node_vm_worker.js replied {reply!r}")
            if i >= warmup:
                samples.append(elapsed)
    finally:
        worker.stdin.close()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return Stats.of(samples)
