"""Where the time goes: py-spy profiles of the in-process job path and of serve under load, plus a
phase-by-phase timing of one job done with the engine libraries directly.

    python -m bench.profile [--seconds 8] [--out bench/profile.md] [--loadgen auto|wrk|python]

Needs py-spy (`pip install py-spy`; the `bench` extra). Writes the markdown report to --out and
py-spy's raw stacks (flamegraph.pl input) to bench/out/profile/. Every thread is sampled at every
tick (--idle); threads parked with nothing to do (an idle lane, the event loop in epoll) and threads
waiting to take the GIL back are told apart by their frames, and the shares are of the busy samples.

What a profile cannot show: V8 runs on mini-racer's own native threads, which py-spy does not
sample, so the V8 job path's engine time is only in the phase timing; QuickJS runs on our lane
threads with its C frames visible (py-spy --native; quickjs-ng ships symbols).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    BENCH_DIR,
    PYTHON,
    ROOT,
    Stats,
    dump_json,
    job_body,
    machine_info,
    serve_server,
    tree_pids,
    write_connectors,
)

OUR_CODE = ("js_runtime/", "executor/", "bench/")


# ---- py-spy raw stacks ----------------------------------------------------------------------------

def _frame(raw: str) -> str:
    """`name (path/file.py:12)` -> `name (path/file.py)`; an address-only native frame -> `[lib]`."""
    match = re.fullmatch(r"(.*) \((.*?)(?::\d+)?\)", raw)
    if not match:
        return raw
    name, where = match.groups()
    if name.startswith("0x"):
        return f"[{where}]"
    where = re.sub(r"^.*/site-packages/", "", where)
    return f"{name} ({where})"


@dataclass
class Profile:
    """Collapsed stacks: (frames root-first, samples)."""

    stacks: list[tuple[list[str], int]]

    @classmethod
    def read(cls, path: Path) -> Profile:
        stacks = []
        for line in path.read_text(errors="replace").splitlines():
            if not line.strip():
                continue
            stack, _, count = line.rpartition(" ")
            stacks.append(([_frame(f) for f in stack.split(";") if f], int(count)))
        return cls(stacks)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.stacks)

    def where(self, keep: Callable[[list[str]], bool]) -> Profile:
        return Profile([(s, n) for s, n in self.stacks if keep(s)])

    def self_top(self, n: int) -> list[tuple[str, float]]:
        counts: Counter[str] = Counter()
        for frames, count in self.stacks:
            counts[frames[-1] if frames else "?"] += count
        return [(f, c / self.total) for f, c in counts.most_common(n)]

    def inclusive(self, keep: Callable[[str], bool] = lambda f: True) -> list[tuple[str, float]]:
        counts: Counter[str] = Counter()
        for frames, count in self.stacks:
            for frame in set(frames):
                if keep(frame):
                    counts[frame] += count
        return [(f, c / self.total) for f, c in counts.most_common()]

    def split(self) -> tuple[Profile, Profile, Profile]:
        """(busy, GIL waits, idle): with --native py-spy samples every thread, parked or not, so
        blocking waits are recognised by their frames."""
        busy, gil, idle = [], [], []
        for frames, count in self.stacks:
            if any(_IDLE.match(f) for f in frames):
                idle.append((frames, count))
            elif any(_GIL.match(f) for f in frames[-3:]):
                gil.append((frames, count))
            else:
                busy.append((frames, count))
        return Profile(busy), Profile(gil), Profile(idle)

    def share(self, pattern: str) -> float:
        """The fraction of samples with a frame matching `pattern` (a regex) anywhere in the stack."""
        rx = re.compile(pattern)
        hit = sum(n for frames, n in self.stacks if any(rx.search(f) for f in frames))
        return hit / self.total if self.total else 0.0


# A thread parked with nothing to do: an idle lane or resolver thread, the event loop in epoll, the
# child watcher in waitpid.
_IDLE = re.compile(r"^([\w<>.]*\.)?(_queue_SimpleQueue_get|select_epoll_poll|EpollSelector\.select|Condition\.wait"
                   r"|Event\.wait|Thread\.join|_wait_for_tstate_lock|sem_timedwait|_do_waitpid) ")
# Blocked on a pthread condition or mutex with work to do: in CPython 3.11 that is taking the GIL back
# (take_gil is inlined; quickjs-ng's end_call_js after JavaScript ran without the GIL, os.write, recv...).
_GIL = re.compile(r"^(pthread_cond_timedwait|pthread_cond_wait|pthread_mutex_lock|take_gil) ")


def _ours(frame: str) -> bool:
    return any(part in frame for part in OUR_CODE) and "bench/profile.py" not in frame


def py_spy() -> str:
    local = Path(sys.executable).with_name("py-spy")
    found = str(local) if local.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is not installed: pip install py-spy (or pip install -e '.[bench]')")
    return found


def _command(target: list[str], out: Path, seconds: float, rate: int, native: bool) -> list[str]:
    out.unlink(missing_ok=True)
    # --idle: every thread at every tick; Profile.split tells parked threads from busy ones by their frames
    command = [py_spy(), "record", "-r", str(rate), "-f", "raw", "-o", str(out), "-d", str(int(seconds)), "--idle"]
    if native:
        command.append("--native")
    return command + (target if target[0] == "--pid" else ["--", *target])


def record(target: list[str], out: Path, seconds: float, *, rate: int = 250, native: bool = True) -> Profile:
    """py-spy record of `target` (a command, or ["--pid", PID]) for at most `seconds`."""
    done = subprocess.run(_command(target, out, seconds, rate, native), capture_output=True, text=True,
                          timeout=seconds + 120, cwd=ROOT)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"py-spy failed: {done.stderr[-1500:]}")
    return Profile.read(out)


def record_pids(pids: dict[str, int], raw_dir: Path, prefix: str, seconds: float,
                rates: dict[str, int]) -> dict[str, Profile]:
    """One py-spy per process, all at once (one py-spy following every process cannot keep its rate)."""
    runs = {name: (raw_dir / f"{prefix}-{name}.txt", subprocess.Popen(
        _command(["--pid", str(pid)], raw_dir / f"{prefix}-{name}.txt", seconds, rates.get(name, 100), True),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)) for name, pid in pids.items()}
    profiles = {}
    for name, (out, process) in runs.items():
        _, err = process.communicate(timeout=seconds + 120)
        if process.returncode != 0 or not out.exists():
            raise RuntimeError(f"py-spy failed on {name}: {err[-1500:]}")
        profiles[name] = Profile.read(out)
    return profiles


# ---- the in-process job loop (what py-spy records for the in-process profiles) -----------------------

async def _job_loop(engine: str, seconds: float) -> int:
    from bench.inproc import ours_call
    from js_runtime.lanes import LanePool

    job = ours_call(engine, LanePool())
    for _ in range(20):
        await job()
    return await _measured_loop(job, seconds)


async def _measured_loop(job: Callable[[], Any], seconds: float) -> int:
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        await job()
        done += 1
    return done


# ---- one job, phase by phase, with the engine libraries directly -----------------------------------

def _median_ms(fn: Callable[[], Any], n: int) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return Stats.of(samples).ms


def _shim_sources() -> list[tuple[str, str]]:
    """Every shim file, largest first."""
    shims = ROOT / "js_runtime" / "shims"
    files = [(path.name, path.read_text(encoding="utf-8")) for path in shims.glob("*.js")]
    return sorted(files, key=lambda item: -len(item[1]))


def _job_scripts() -> tuple[str, list[str]] | None:
    """The prelude and the scripts a job's first step evaluates, from the session (None if its
    private helper moved)."""
    try:
        from js_runtime.session import _reachable_names, _start_scripts
    except ImportError:
        return None
    from bench.common import METHOD_CONTEXT, METHOD_NAME, METHOD_SOURCE
    from js_runtime.limits import DEFAULT_LIMITS
    from js_runtime.modules import load_module
    from js_runtime.prelude import prelude_for
    from js_runtime.session import MethodCall

    call = MethodCall(load_module(METHOD_SOURCE, "bench.js"), METHOD_NAME, METHOD_CONTEXT)
    return prelude_for(_reachable_names(call)), [*_start_scripts(call, DEFAULT_LIMITS), "__ce.poll()"]


def _full_prelude() -> str:
    """Every shim, as the prelude of a module that mentions all of them."""
    try:
        from js_runtime.prelude import prelude_source

        return prelude_source()
    except (ImportError, TypeError):  # the prelude module moved on: join the shims the same way
        return "(function () {\n" + "\n".join(text for _, text in _shim_sources()) + "\n})();\n"


async def lane_hop_ms(n: int) -> float:
    """One awaited round trip to a lane thread and back (Lane.run of a no-op)."""
    from js_runtime.lanes import LanePool

    pool = LanePool()
    lane = pool.acquire()
    samples = []
    for _ in range(n + 20):
        started = time.perf_counter()
        await lane.run(int)
        samples.append(time.perf_counter() - started)
    pool.release(lane)
    pool.close()
    return Stats.of(samples[20:]).ms


def quickjs_phases(n: int) -> list[tuple[str, float]]:
    """ms per phase of a QuickJS job, each timed on its own (medians)."""
    import quickjs

    from js_runtime.limits import DEFAULT_LIMITS
    from js_runtime.quickjs import bytecode as quickjs_bytecode

    job = _job_scripts()
    full = _full_prelude()
    prelude, scripts = job if job else (full, None)
    bytecode = quickjs_bytecode.compiled(prelude)

    def fresh() -> quickjs.Context:
        ctx = quickjs.Context()
        ctx.set_memory_limit(DEFAULT_LIMITS.memory)
        ctx.set_max_stack_size(DEFAULT_LIMITS.stack)
        return ctx

    def loaded() -> quickjs.Context:
        ctx = fresh()
        quickjs_bytecode.evaluate(ctx, bytecode)
        return ctx

    frees = []
    for _ in range(n):
        ctx = loaded()
        started = time.perf_counter()
        del ctx  # the last reference: freed here
        frees.append(time.perf_counter() - started)
    rows = [("new context + limits", _median_ms(fresh, n))]
    rows.append(("free a context (its prelude loaded)", Stats.of(frees).ms))
    def on_fresh(load: Callable[[quickjs.Context], Any]) -> float:
        """Median ms of `load` alone, each time on a context made just before (as a job's is: made
        in advance, a few hundred contexts would leave the CPU caches cold and double the figure)."""
        samples = []
        for _ in range(n):
            ctx = fresh()
            started = time.perf_counter()
            load(ctx)
            samples.append(time.perf_counter() - started)
        return Stats.of(samples).ms

    rows.append((f"this job's prelude ({len(prelude) // 1024} KiB): read its bytecode + run (as jobs do)",
                 on_fresh(lambda ctx: quickjs_bytecode.evaluate(ctx, bytecode))))
    rows.append(("the same prelude compiled from source + run (before bytecode)",
                 on_fresh(lambda ctx: ctx.eval(prelude))))
    if scripts is not None:
        rest_times: list[float] = []
        for _ in range(n):
            ctx = loaded()
            started = time.perf_counter()
            for script in scripts:
                ctx.eval(script)
                while ctx.execute_pending_job():
                    pass
            rest_times.append(time.perf_counter() - started)
        rows.append(("configure + start (the method module) + poll", Stats.of(rest_times).ms))
    uncalled = full.rstrip().removesuffix("();")  # the same text as a function never called: compile only
    rows.append((f"every shim ({len(full) // 1024} KiB): compile + run", _median_ms(lambda: fresh().eval(full), n)))
    rows.append(("every shim: compile only (wrapped, never called)", _median_ms(lambda: fresh().eval(uncalled), n)))
    for name, text in _shim_sources():
        rows.append((f"  compile {name} ({len(text) // 1024} KiB)",
                     _median_ms(lambda t=text: fresh().eval(f"(function () {{\n{t}\n}})"), n)))
    return rows


async def v8_phases(n: int) -> list[tuple[str, float]]:
    """ms per phase of a V8 job, each timed on its own (medians)."""
    import py_mini_racer

    from js_runtime.v8 import engine as v8_engine

    v8_engine.initialise()  # V8 loaded with the flags the executor runs it with
    loop = asyncio.get_running_loop()
    job = _job_scripts()
    prelude = job[0] if job else _full_prelude()
    rows: list[tuple[str, float]] = []

    opened, closed, evals, preludes = [], [], [], []
    for _ in range(n):
        started = time.perf_counter()
        maker = py_mini_racer.mini_racer(loop)
        racer = maker.__enter__()
        opened.append(time.perf_counter() - started)
        started = time.perf_counter()
        await racer.eval_cancelable("1")
        evals.append(time.perf_counter() - started)
        started = time.perf_counter()
        await racer.eval_cancelable(prelude)
        preludes.append(time.perf_counter() - started)
        started = time.perf_counter()
        maker.__exit__(None, None, None)
        closed.append(time.perf_counter() - started)
    rows.append(("new isolate + context (mini_racer(loop).__enter__)", Stats.of(opened).ms))
    rows.append(("one eval round trip (`1`, awaited on the loop)", Stats.of(evals).ms))
    rows.append((f"this job's prelude ({len(prelude) // 1024} KiB): compile + run", Stats.of(preludes).ms))
    rows.append(("close the isolate", Stats.of(closed).ms))
    return rows


# ---- the report -----------------------------------------------------------------------------------

def _pct(rows: Iterable[tuple[str, float]]) -> list[list[str]]:
    return [[f"{share:.1%}", f"`{frame}`"] for frame, share in rows]


def _md(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    return "\n".join(out + ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows])


def _frames_section(title: str, profile: Profile, n: int = 12) -> str:
    # the entry frames every sample passes through say nothing: leave them out
    ours = [(f, s) for f, s in profile.inclusive(_ours)
            if s < 0.995 and not f.startswith(("<module> ", "main ", "ours_call.<locals>.job "))][:n]
    return "\n\n".join([
        f"#### {title}: {profile.total} samples",
        "Our frames, inclusive (time in the frame and below it):\n\n" + _md(["share", "frame"], _pct(ours)),
        "Top frames, self (time in the frame itself):\n\n" + _md(["share", "frame"], _pct(profile.self_top(n))),
    ])


QUICKJS_SHARES = {
    "QuickJS compile (js_create_function/js_parse_*)": r"^(js_create_function|js_parse_program|__JS_EvalInternal) ",
    "QuickJS run (JS_CallInternal)": r"^JS_CallInternal ",
    "QuickJS new context (JS_NewContext/_new_context)": r"^(JS_NewContext|JS_NewRuntime|_new_context) ",
    "QuickJS free context (runtime_dealloc, JS_Free*)": r"^(runtime_dealloc|JS_FreeContext|JS_FreeRuntime) ",
    "QuickJS GC (JS_RunGC/gc_*)": r"^(JS_RunGC|gc_decref|gc_scan|gc_free_cycles) ",
}
COMMON_SHARES = {
    "lane threads: engine work, its Python wrapper, freeing contexts": r"^Lane\._serve \(js_runtime/lanes.py\)",
    "event-loop thread (BaseEventLoop._run_once)": r"^BaseEventLoop\._run_once ",
    "JSON encode/decode (json/)": r"\(json/",
    "run_method's bridge loop in Python (session.py, excl. engine)":
        r"^(_drive|_poll|_start_scripts|_collect_logs|_outcome) \(js_runtime/session.py\)"
        r"|^[\w.]+ \(js_runtime/bridge.py\)",
}
FRONTEND_SHARES = {
    "aiohttp HTTP server (web_protocol)": r"\(aiohttp/web_protocol.py\)",
    "request body validation (jsonschema)": r"\(jsonschema/",
    "JobService.submit": r"^JobService\.submit ",
    "job log line (structlog)": r"\(structlog/",
    "metrics (prometheus_client)": r"\(prometheus_client/",
    "worker pipe (WorkerProcess: call, send, flush, read)": r"^WorkerProcess\.(call|_send|_flush|_drain|_read\w*) ",
    "JSON encode/decode (json/)": r"\(json/",
}
WORKER_SHARES = {
    "run_job": r"^run_job ",
    "run_method": r"^run_method ",
    "JSON encode/decode (json/)": r"\(json/",
    "connector lookup / job message (Worker._job)": r"^Worker\._job ",
    "reply encoding (encode_reply)": r"^encode_reply ",
}


def _census(busy: Profile, gil: Profile, idle: Profile) -> str:
    threads = busy.total + gil.total + idle.total
    return (f"Samples (all threads): {threads}; busy {busy.total}, waiting for the GIL {gil.total}, idle {idle.total}. "
            f"Shares below are of the busy samples; GIL waits are {gil.total / max(1, busy.total + gil.total):.0%} "
            "of busy + GIL-waiting samples.")


def _shares(profile: Profile, patterns: dict[str, str]) -> str:
    rows = [[f"{profile.share(p):.1%}", label] for label, p in patterns.items()]
    return _md(["share of samples", "where"], rows)


def profile_inproc(engine: str, seconds: float, raw_dir: Path) -> tuple[Profile, str]:
    out = raw_dir / f"inproc-{engine}.txt"
    profile = record([PYTHON, "-m", "bench.profile", "--loop", engine, "--seconds", str(seconds)], out, seconds + 15)
    # keep the measured loop (event-loop thread) and the lane threads: start-up and imports are not the job path
    lane_or_loop = ("_measured_loop ", "Lane._serve (js_runtime/lanes.py)")
    loop = profile.where(lambda frames: any(f.startswith(lane_or_loop) for f in frames))
    busy, gil, idle = loop.split()
    shares = {**(QUICKJS_SHARES if engine == "quickjs" else {}), **COMMON_SHARES}
    text = "\n\n".join([_census(busy, gil, idle), _shares(busy, shares), _frames_section(f"in-process {engine}", busy)])
    return busy, text


def profile_serve(engine: str, seconds: float, raw_dir: Path, tool: str, work: Path) -> str:
    from bench.service import prime

    connectors = write_connectors(work / "connectors")
    body = job_body(engine)
    with serve_server(engine, 1, connectors, log_dir=work, name=f"profile-serve-{engine}") as serve:
        prime(serve.url, body, 1)
        load_seconds = int(seconds) + 4
        if tool == "wrk":
            script = work / "post.lua"
            script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                              f"wrk.body = [[{dump_json(body)}]]\n")
            command = ["wrk", "-t1", "-c16", f"-d{load_seconds}s", "-s", str(script), f"{serve.url}/v1/jobs"]
        else:
            body_file = work / "body.json"
            body_file.write_text(dump_json(body))
            command = [PYTHON, "-m", "bench.loadgen", "--url", f"{serve.url}/v1/jobs", "--body-file", str(body_file),
                       "--connections", "16", "--duration", str(load_seconds)]
        loader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            time.sleep(1.5)
            workers = [pid for pid in tree_pids(serve.pid) if pid != serve.pid]
            profiles = record_pids({"frontend": serve.pid, "worker": workers[0]}, raw_dir, f"serve-{engine}", seconds,
                                   {"frontend": 250, "worker": 100})
        finally:
            loader.wait(load_seconds + 30)
    worker, worker_gil, worker_idle = profiles["worker"].split()
    frontend, front_gil, front_idle = profiles["frontend"].split()
    return "\n\n".join([
        f"Load: {tool}, 16 connections, 1 worker, for {seconds:g} s of sampling.",
        "##### front-end process\n\n" + _census(frontend, front_gil, front_idle),
        _shares(frontend, FRONTEND_SHARES),
        _frames_section(f"serve {engine}, front-end", frontend),
        "##### worker process\n\n" + _census(worker, worker_gil, worker_idle),
        _shares(worker, {**WORKER_SHARES, **(QUICKJS_SHARES if engine == "quickjs" else {}), **COMMON_SHARES}),
        _frames_section(f"serve {engine}, worker", worker),
    ])


def _phase_table(rows: list[tuple[str, float]], job_ms: float) -> str:
    body = [[name, f"{ms:.3f}", f"{ms / job_ms:.0%}"] for name, ms in rows]
    return _md(["phase", "ms (median)", "of a job"], body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds each profile records")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "profile.md")
    parser.add_argument("--raw-dir", type=Path, default=BENCH_DIR / "out" / "profile")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--phase-jobs", type=int, default=200)
    parser.add_argument("--loop", choices=("quickjs", "v8"), help=argparse.SUPPRESS)  # the profiled target
    args = parser.parse_args(argv)
    if args.loop:
        done = asyncio.run(_job_loop(args.loop, args.seconds))
        print(json.dumps({"jobs": done}))
        return 0

    from bench import inproc, service

    py_spy()
    tool = service.pick_tool(args.loadgen)
    args.raw_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    print("profile: job cost and phases", file=sys.stderr, flush=True)
    jobs = asyncio.run(inproc.engine_floor(100))
    hop = ("one lane hop: await Lane.run(no-op) (QuickJS: one per step; V8: making and freeing the isolate)",
           asyncio.run(lane_hop_ms(args.phase_jobs * 5)))
    qjs_phases = [*quickjs_phases(args.phase_jobs), hop]
    v8_rows = [*asyncio.run(v8_phases(args.phase_jobs)), hop]
    sections = [
        "# Where the time goes",
        f"`python -m bench.profile` ({machine_info()['date']}, {machine_info()['cores']} cores, "
        f"{machine_info()['cpu']}). py-spy {args.seconds:g} s per profile at 250 Hz with --native; "
        f"raw stacks in {args.raw_dir.relative_to(ROOT) if args.raw_dir.is_relative_to(ROOT) else args.raw_dir}.",
        "## One job, phase by phase (engine libraries called directly; medians)",
        f"QuickJS job via run_method: {jobs['ours.quickjs'].ms:.2f} ms; floor {jobs['floor.quickjs'].ms:.3f} ms.\n\n"
        + _phase_table(qjs_phases, jobs["ours.quickjs"].ms),
        f"V8 job via run_method: {jobs['ours.v8'].ms:.2f} ms; floor {jobs['floor.v8'].ms:.3f} ms. A job's first "
        "step is 2 evals (set-up, prelude, start; then poll), and every further step 2 (deliver, poll).\n\n"
        + _phase_table(v8_rows, jobs["ours.v8"].ms),
    ]
    for engine in ("quickjs", "v8"):
        print(f"profile: in-process {engine} job path", file=sys.stderr, flush=True)
        _, text = profile_inproc(engine, args.seconds, args.raw_dir)
        sections += [f"## In-process job path, {engine} (run_method in a loop)", text]
    for engine in ("quickjs", "v8"):
        print(f"profile: serve {engine} under load", file=sys.stderr, flush=True)
        sections += [f"## serve under load, {engine}", profile_serve(engine, args.seconds, args.raw_dir, tool, work)]
    args.out.write_text("\n\n".join(sections) + "\n")
    print(f"profile: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
