"""A process gives back the memory of its finished hostile jobs (issue #19, SECURITY.md "Healthy jobs
under a mixed load"): after memory hogs that reach the heap limit or the backing-store budget, several
at once, the RSS of the process that ran them returns to near its level before. Measured in a child
process (a worker runs jobs the same way: js_runtime.session.run_method), so that this process's own
memory does not interfere. Before: V8 kept its high-water mark for good (pooled heap pages, +400 MB
after three hogs at once), QuickJS ~120 MB of it (glibc's per-lane arenas)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

# Growth allowed once the jobs are over; each batch below first raises the peak by more than
# HOGS_RAISE_PEAK_BY_MB, so a process that kept even a third of it fails.
RETURNS_WITHIN_MB = 40
HOGS_RAISE_PEAK_BY_MB = 100
SETTLE_SECONDS = 5.0

_CHILD = """
import asyncio, json, sys, time
from js_runtime.limits import Limits
from js_runtime.modules import load_module
from js_runtime.session import MethodCall, Trace, run_method

HEALTHY = "module.exports = () => 42"
HOGS = [  # three of each at once: the heap limit, then the backing-store budget
    "module.exports = () => { const a = []; while (true) a.push(new Array(10000).fill(1)) }",
    "module.exports = () => { const a = []; while (true) a.push(new Uint8Array(2 ** 20).fill(1)) }",
]

def rss_mb(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field)) // 1024

async def run(source):
    async def no_network(request):
        raise AssertionError("no request is made")
    try:
        return await run_method(MethodCall(load_module(source, "t.js"), "default", {}), engine=sys.argv[1],
                                send=no_network, limits=Limits(timeout=10.0), trace=Trace())
    except Exception as exc:
        return getattr(exc, "code", repr(exc))

async def main():
    settle, allowed = float(sys.argv[2]), int(sys.argv[3])
    for _ in range(3):
        assert await run(HEALTHY) == 42
    await asyncio.sleep(1.0)
    before = rss_mb("VmRSS:")
    codes = [await asyncio.gather(*(run(hog) for _ in range(3))) for hog in HOGS]
    peak = rss_mb("VmHWM:")
    healthy = [await run(HEALTHY) for _ in range(3)]
    waited, after = time.monotonic(), rss_mb("VmRSS:")
    while after - before > allowed and time.monotonic() - waited < settle:
        await asyncio.sleep(0.1)
        after = rss_mb("VmRSS:")
    print(json.dumps({"codes": codes, "healthy": healthy, "before": before, "peak": peak, "after": after}))

asyncio.run(main())
"""


async def test_memory_hogs_leave_no_memory_behind(engine: str) -> None:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CHILD, engine, str(SETTLE_SECONDS), str(RETURNS_WITHIN_MB), cwd=root,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(child.communicate(), 90)
    assert child.returncode == 0, stderr.decode()[-2000:]
    seen = json.loads(stdout)
    assert seen["codes"] == [["MEMORY_LIMIT"] * 3] * 2 and seen["healthy"] == [42] * 3, seen
    assert seen["peak"] - seen["before"] > HOGS_RAISE_PEAK_BY_MB, seen  # the hogs really took memory
    assert seen["after"] - seen["before"] <= RETURNS_WITHIN_MB, seen  # ...and it went back
