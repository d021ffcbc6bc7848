"""The bench command: every section in one run, each figure beside its baseline, targets, report.

    python -m bench                 the full run (about 6 minutes on 2 cores; soak: 20,000 jobs per engine)
    python -m bench --quick         counts / 10 (about 1.5 minutes)
    python -m bench --smoke         a handful of jobs per section (seconds; the smoke test runs it)
    options: --loadgen auto|wrk|python, --out DIR (default bench/; --smoke: a temporary directory),
             --no-chart

Writes DIR/results.md and DIR/results.png (the chart needs matplotlib: the `bench` extra).
Exit status 0 when every section ran (whatever the targets say), 1 when a section failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import inproc, node, report, service
from bench.common import BENCH_DIR, machine_info, python_server, write_connectors


@dataclass(frozen=True)
class Plan:
    """How much of everything a run does."""

    name: str
    inproc_jobs: int  # per measurement of section 1
    bridge_jobs: int  # per measurement of section 4
    node_spawn_jobs: int
    node_vm_jobs: int
    connections: int  # concurrent keep-alive connections of the HTTP load (section 2)
    load_seconds: float
    warmup_seconds: float
    scale_jobs: int
    scale_delay_ms: int
    soak_total: int
    soak_first: int
    soak_connections: int = 16
    soak_batches: int = 10  # RSS points over the soak (the first batch is the baseline)
    settle_seconds: float = 1.0  # wait after a soak batch before reading RSS


PLANS = {
    "full": Plan("full", inproc_jobs=1000, bridge_jobs=400, node_spawn_jobs=40, node_vm_jobs=2000, connections=16,
                 load_seconds=10, warmup_seconds=2, scale_jobs=1000, scale_delay_ms=1000,
                 soak_total=20000, soak_first=2000),
    "quick": Plan("quick", inproc_jobs=100, bridge_jobs=40, node_spawn_jobs=5, node_vm_jobs=200, connections=16,
                  load_seconds=3, warmup_seconds=1, scale_jobs=100, scale_delay_ms=1000,
                  soak_total=2000, soak_first=200),
    "smoke": Plan("smoke", inproc_jobs=5, bridge_jobs=5, node_spawn_jobs=1, node_vm_jobs=5, connections=4,
                  load_seconds=0.3, warmup_seconds=0, scale_jobs=10, scale_delay_ms=200,
                  soak_total=40, soak_first=10, soak_connections=4, soak_batches=2, settle_seconds=0.1),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="counts and durations / 10")
    mode.add_argument("--smoke", action="store_true", help="a handful of jobs per section (the smoke test)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                        help="HTTP load for section 2: wrk if installed (auto; --smoke: python), else the Python "
                             "generator")
    parser.add_argument("--out", type=Path, default=None, help="where results.md/.png go (default: bench/)")
    parser.add_argument("--no-chart", action="store_true", help="skip results.png")
    return parser


_T0 = time.monotonic()


def _say(text: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f} s] {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]
    # wrk runs whole seconds: the smoke run's 0.3 s loads take the Python generator unless told otherwise.
    tool = service.pick_tool("python" if args.smoke and args.loadgen == "auto" else args.loadgen)
    out = args.out or (Path(tempfile.mkdtemp(prefix="bench-smoke-")) if args.smoke else BENCH_DIR)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-work-"))
    connectors = write_connectors(work / "connectors")
    logs = work / "logs"
    logs.mkdir()
    data: dict[str, Any] = {"plan": plan, "tool": tool, "machine": machine_info(),
                            "command": "python -m bench " + " ".join(sys.argv[1:])}
    started = time.monotonic()
    _say(f"bench: {plan.name} run, HTTP load from {tool}; logs in {logs}")

    _say("section 1: engine floor vs run_method, in-process")
    data["engine"] = asyncio.run(inproc.engine_floor(plan.inproc_jobs))
    data["crypto"] = asyncio.run(inproc.crypto_cost(max(20, plan.inproc_jobs // 10)))
    with python_server("upstream", log_dir=logs, name="upstream") as upstream:
        _say("section 4: the HTTP bridge vs a direct aiohttp request")
        data["bridge"] = asyncio.run(inproc.bridge(upstream.url, plan.bridge_jobs))
        _say("section 3: Node.js: a process per job, a vm context per job")
        if not node.available():
            raise RuntimeError("node is not installed")
        data["node"] = {"spawn": node.spawn_per_job(plan.node_spawn_jobs),
                        "vm": node.vm_context_per_job(plan.node_vm_jobs)}
        _say(f"section 2: front-end floor and serve under load ({plan.connections} connections, "
             f"{plan.load_seconds:g} s each)")
        data["frontend"] = service.frontend(connectors=connectors, log_dir=logs, tool=tool,
                                            connections=plan.connections, seconds=plan.load_seconds,
                                            warmup=plan.warmup_seconds)
        _say(f"section 5: scale: {plan.scale_jobs} jobs in flight on a {plan.scale_delay_ms} ms upstream")
        data["scale"] = service.scale(jobs=plan.scale_jobs, delay_ms=plan.scale_delay_ms, upstream=upstream.url,
                                      connectors=connectors, log_dir=logs)
    _say(f"section 5: the shared store's cost per job, memory vs Redis ({plan.connections} connections, "
         f"{plan.load_seconds:g} s each)")
    data["store"] = service.store_cost(connections=plan.connections, seconds=plan.load_seconds,
                                       warmup=plan.warmup_seconds, connectors=connectors, log_dir=logs)
    _say(f"section 6: soak: {plan.soak_total} jobs per engine")
    data["soak"] = service.soak(total=plan.soak_total, first=plan.soak_first, connections=plan.soak_connections,
                                batches=plan.soak_batches, settle=plan.settle_seconds, connectors=connectors,
                                log_dir=logs)
    data["seconds"] = time.monotonic() - started

    rows, targets = report.rows_and_targets(data)
    text = report.render_text(data, rows, targets)
    print(text)
    (out / "results.md").write_text(report.render_markdown(data, rows, targets))
    _say(f"bench: wrote {out / 'results.md'}")
    if not args.no_chart:
        chart = report.write_chart(data, out / "results.png")
        _say(f"bench: {chart}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (RuntimeError, OSError) as exc:
        print(f"bench: failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
