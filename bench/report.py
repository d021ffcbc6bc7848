"""The results: one table (figure, baseline, ratio), the targets with PASS/FAIL, results.md and the chart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Stats

NAMES = {"quickjs": "QuickJS", "v8": "V8"}
FLOOR_HOW = {"quickjs": "quickjs.Context() + eval", "v8": "mini_racer(loop) + eval_cancelable"}
MB = 1024 * 1024

SECTIONS = ("1 engine floor", "2 front-end", "3 others", "4 bridge", "5 scale", "6 soak")


@dataclass(frozen=True)
class Row:
    section: str
    measurement: str
    value: str
    baseline: str
    ratio: str


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    required: str
    passed: bool | None  # None: not applicable on this machine

    @property
    def verdict(self) -> str:
        return "n/a" if self.passed is None else "PASS" if self.passed else "FAIL"


def _ms(stats: Stats) -> str:
    return f"{stats.ms:.3f} ms" if stats.ms < 1 else f"{stats.ms:.2f} ms"


def _x(value: float) -> str:
    if value < 0.1:
        return f"{value:.3f}x"
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def _mb(value: float) -> str:
    return f"{value / MB:.0f} MB"


def _workers_key(frontend: dict[str, Any], engine: str) -> tuple[str, str | None]:
    one = f"serve.{engine}.1w"
    many = sorted((k for k in frontend if k.startswith(f"serve.{engine}.") and k != one),
                  key=lambda k: int(k.rsplit(".", 1)[1][:-1]))
    return one, (many[-1] if many else None)


def efficiency(data: dict[str, Any], engine: str, key: str) -> tuple[float, float]:
    """(efficiency, ideal jobs/s): jobs/s ÷ (1 / (front-end time per request + engine floor))."""
    front = 1 / data["frontend"]["bare"]["rps"]
    floor = data["engine"][f"floor.{engine}"].median
    ideal = 1 / (front + floor)
    return data["frontend"][key]["rps"] / ideal, ideal


def rows_and_targets(data: dict[str, Any]) -> tuple[list[Row], list[Target]]:
    rows: list[Row] = []
    targets: list[Target] = []
    engine, frontend, node, bridge = data["engine"], data["frontend"], data["node"], data["bridge"]
    plan = data["plan"]

    # 1. the engine floor
    for kind in ("quickjs", "v8"):
        ours, floor = engine[f"ours.{kind}"], engine[f"floor.{kind}"]
        ratio = ours.median / floor.median
        rows.append(Row(SECTIONS[0], f"{NAMES[kind]} job in-process (run_method)", _ms(ours),
                        f"floor ({FLOOR_HOW[kind]}) {_ms(floor)}", _x(ratio)))
        targets.append(Target(f"{NAMES[kind]} in-process job cost: ours / floor", _x(ratio), "<= 1.3x", ratio <= 1.3))
    for kind in ("quickjs", "v8") if "crypto" in data else ():
        crypto, plain = data["crypto"], data["crypto"][f"plain.{kind}"]
        rows.append(Row(SECTIONS[0], f"{NAMES[kind]} job mentioning crypto (unit loaded, unused)",
                        _ms(crypto[f"loaded.{kind}"]), f"same job without crypto {_ms(plain)} (unit not loaded)",
                        f"+{(crypto[f'loaded.{kind}'].median - plain.median) * 1000:.2f} ms"))
        rows.append(Row(SECTIONS[0], f"{NAMES[kind]} job signing one RS256 JWT (createSign, 2048-bit)",
                        _ms(crypto[f"rs256.{kind}"]), f"job without crypto {_ms(plain)}",
                        f"+{(crypto[f'rs256.{kind}'].median - plain.median) * 1000:.1f} ms"))

    # 2. the front-end floor and serve
    bare = frontend["bare"]
    front_ms = 1000 / bare["rps"]
    rows.append(Row(SECTIONS[1], f"bare aiohttp app, no JS ({bare['tool']}, {bare['connections']} conns)",
                    f"{bare['rps']:.0f} req/s (p50 {bare['p50_ms']:.1f} ms; "
                    f"CPU per request {bare['cpu_front_ms']:.3f} ms)", "-",
                    f"front-end time {front_ms:.3f} ms/req"))
    for kind in ("quickjs", "v8"):
        one, many = _workers_key(frontend, kind)
        eff, ideal = efficiency(data, kind, one)
        r1 = frontend[one]
        rows.append(Row(SECTIONS[1], f"serve {NAMES[kind]}, 1 worker", _rate(r1),
                        f"1/(front-end + floor) = {ideal:.0f} jobs/s", f"efficiency {eff:.2f}"))
        targets.append(Target(f"{NAMES[kind]} serve efficiency, 1 worker", f"{eff:.2f}", ">= 0.8", eff >= 0.8))
        if many is None:
            targets.append(Target(f"{NAMES[kind]} serve throughput, one worker per core / 1 worker", "1 core",
                                  ">= 1.7x", None))
            continue
        rm = frontend[many]
        workers = many.rsplit(".", 1)[1][:-1]
        scaling = rm["rps"] / r1["rps"]
        eff_many, _ = efficiency(data, kind, many)
        # With one worker, the front-end and the worker's threads already keep more than one core busy;
        # on `workers` cores no number of workers can scale beyond cores / cores busy with one worker.
        busy = cores_busy(r1)
        ceiling = int(workers) / busy if busy else float("inf")
        rows.append(Row(SECTIONS[1], f"serve {NAMES[kind]}, {workers} workers (one per core)", _rate(rm),
                        f"1 worker {r1['rps']:.0f} jobs/s, {busy:.2f} cores busy (ceiling ~{_x(ceiling)})",
                        f"{_x(scaling)} (efficiency {eff_many:.2f})"))
        targets.append(Target(f"{NAMES[kind]} serve throughput, {workers} workers / 1 worker",
                              f"{_x(scaling)} (ceiling ~{_x(ceiling)})", ">= 1.7x", scaling >= 1.7))

    # 3. what others do
    for kind in ("quickjs", "v8"):
        ours = engine[f"ours.{kind}"]
        for how, label in (("spawn", "a Node process per job"), ("vm", "a Node vm context per job")):
            theirs = node[how]
            rows.append(Row(SECTIONS[2], f"{NAMES[kind]} job in-process vs {label}", _ms(ours),
                            f"{label} {_ms(theirs)}", f"ours/theirs {_x(ours.median / theirs.median)}"))
    lower = node["spawn"].median / engine["ours.quickjs"].median
    targets.append(Target("QuickJS job cost lower than a Node process per job", f"{lower:.1f}x lower", ">= 20x lower",
                          lower >= 20))

    # 4. the HTTP bridge
    rows.append(Row(SECTIONS[3], "one GET to the local upstream, directly with aiohttp, back to back",
                    _ms(bridge["direct"]), "-", "-"))
    for kind in ("quickjs", "v8"):
        fetch, plain, after = bridge[f"fetch.{kind}"], bridge[f"plain.{kind}"], bridge[f"direct.{kind}"]
        cost, direct = fetch.median - plain.median, after.median - plain.median
        ratio = cost / direct
        rows.append(Row(SECTIONS[3], f"{NAMES[kind]}: one GET through the bridge (job with it {_ms(fetch)} - "
                        f"without {_ms(plain)})", f"{cost * 1000:.3f} ms",
                        f"direct after the same job {direct * 1000:.3f} ms ({_ms(after)} - {_ms(plain)})", _x(ratio)))
        targets.append(Target(f"{NAMES[kind]} bridge overhead: one request via the bridge / direct", _x(ratio),
                              "<= 1.5x", ratio <= 1.5))

    # 5. scale
    for kind, result in data["scale"].items():
        jobs, delay = result["jobs"], result["delay"]
        what = f"{NAMES[kind]}: {jobs} jobs in flight, {delay:g} s upstream each (wall, peak RSS)"
        rows.append(Row(SECTIONS[4], what,
                        f"{result['wall']:.2f} s, {_mb(result['peak_rss'])} (upstream saw at most "
                        f"{result['upstream_peak']} of them at once)",
                        f"upstream {delay:g} s; idle RSS {_mb(result['idle_rss'])}", _x(result["wall"] / delay)))
        reduced = "" if (jobs, delay) == (1000, 1.0) else f" (this run: {jobs} jobs, {delay:g} s)"
        ok = result["wall"] < 3 * delay and result["peak_rss"] < 1024 * MB
        targets.append(Target(f"{NAMES[kind]} 1000 jobs in flight on a 1 s upstream{reduced}",
                              f"{result['wall']:.2f} s, {_mb(result['peak_rss'])}",
                              f"< {3 * delay:g} s and < 1024 MB", ok))

    # 5. the shared store's cost per job (a fresh Idempotency-Key per job), beside no store use
    stores = data.get("store") or {}
    base = stores.get("none")
    for name in ("memory", "redis"):
        result = stores.get(name)
        if base is None or result is None:
            continue
        extra_cpu = result["cpu_front_ms"] - base["cpu_front_ms"]
        rows.append(Row(SECTIONS[4], f"QuickJS: {name} store, a fresh Idempotency-Key per job (front-end CPU per "
                        f"job; p50)", f"{result['cpu_front_ms']:.2f} ms (+{extra_cpu:.2f} ms); p50 "
                        f"{result['p50_ms']:.1f} ms, {result['rps']:.0f} jobs/s",
                        f"no key: {base['cpu_front_ms']:.2f} ms; p50 {base['p50_ms']:.1f} ms, "
                        f"{base['rps']:.0f} jobs/s", _x(result["cpu_front_ms"] / max(base["cpu_front_ms"], 1e-9))))

    # 6. soak
    for kind, result in data["soak"].items():
        ratio = result["rss_end"] / result["rss_first"]
        rows.append(Row(SECTIONS[5], f"{NAMES[kind]}: service RSS after {result['total']} jobs "
                        f"({result['jobs_per_s']:.0f} jobs/s)", _mb(result["rss_end"]),
                        f"after {result['first']}: {_mb(result['rss_first'])}", _x(ratio)))
        targets.append(Target(f"{NAMES[kind]} soak: RSS after {result['total']} / after {result['first']} jobs",
                              _x(ratio), "<= 1.10x", ratio <= 1.10))
    del plan
    return rows, targets


def cores_busy(result: dict[str, Any]) -> float:
    """Cores the whole service kept busy under the load: jobs/s x CPU seconds per job (all processes)."""
    return result["rps"] * (result["cpu_front_ms"] + result["cpu_workers_ms"]) / 1000


def _rate(result: dict[str, Any]) -> str:
    return (f"{result['rps']:.0f} jobs/s (p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; CPU per job: "
            f"front-end {result['cpu_front_ms']:.2f} ms, workers {result['cpu_workers_ms']:.2f} ms)")


def _table(headers: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(out)


def _md_table(headers: list[str], body: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(out)


ROW_HEADERS = ["section", "measurement", "value", "baseline (same run)", "ratio"]
TARGET_HEADERS = ["target", "measured", "required", "verdict"]


def _row_cells(rows: list[Row]) -> list[list[str]]:
    return [[r.section, r.measurement, r.value, r.baseline, r.ratio] for r in rows]


def _target_cells(targets: list[Target]) -> list[list[str]]:
    return [[t.name, t.measured, t.required, t.verdict] for t in targets]


def cold_start_note(data: dict[str, Any]) -> str:
    """The services are not primed: say so (a crash of their first jobs fails the run instead)."""
    return ("No service is primed before its load: a fresh worker's first jobs arrive all at once with it, "
            "and any failed job (ENGINE_CRASHED included) fails the run.")


def render_text(data: dict[str, Any], rows: list[Row], targets: list[Target]) -> str:
    machine = "\n".join(f"  {k}: {v}" for k, v in data["machine"].items())
    passed = sum(1 for t in targets if t.passed)
    return "\n".join([
        "", f"connector-executor bench ({data['plan'].name} run, {data['seconds']:.0f} s, HTTP load: {data['tool']})",
        machine, "", _table(ROW_HEADERS, _row_cells(rows)), "",
        _table(TARGET_HEADERS, _target_cells(targets)), "",
        f"targets: {passed} PASS, {sum(1 for t in targets if t.passed is False)} FAIL of {len(targets)}",
        cold_start_note(data),
    ])


DEFINITIONS = """\
How to read it: every baseline was measured in the same run, on the same machine, interleaved with
the figure it is compared to where that is possible; times per job are medians.

1. Engine floor: a fresh context, compile and call of the method with the engine library alone
   (QuickJS: `quickjs.Context()` + eval + pending jobs; V8: the `mini_racer(loop)` context manager +
   `await eval_cancelable`), vs `js_runtime.session.run_method` on the ES-module form of the same method.
2. Front-end floor: a bare aiohttp app (bench/bare_app.py) answering the same job body with no JS, under
   the same load as `serve`. Efficiency = jobs/s / (1 / (front-end time per request + engine floor)),
   where the front-end time per request is 1 / the bare app's requests/s. A worker runs several jobs at
   once on several threads (the engines release the GIL), so efficiency can exceed 1. CPU per job: user +
   system time of serve's own process (front-end) and of its children (workers) during the measured
   load, divided by the requests answered. Cores busy = jobs/s x that CPU per job: when one worker
   already keeps more than one core busy (the front-end is a process of its own, and V8 runs each
   isolate on a thread of its own), one worker per core cannot scale beyond cores / cores busy, the
   ceiling printed next to the 2-worker figure (an estimate: it assumes the CPU per job stays what
   it was with one worker, and it drops a little with two).
3. Node.js: `node bench/node_job.js` spawned per job; one `node bench/node_vm_worker.js` with a fresh
   `vm` context per job (a line on its stdin per job, so the pipe hop is included). Ratio: ours / theirs.
4. Bridge: the cost of one request through the bridge is (a job whose method makes one GET to the
   local upstream) - (the same job, same module and prelude, told to skip it), both through run_method
   with the live transport. The baseline is the same GET made directly with one aiohttp session right
   after that same job ((job + direct GET) - job): an isolated request after a few ms of other work
   costs more than one of a back-to-back series (wake-ups of an idle upstream and loop), which is
   shown too but is not the fair comparison.
5. Scale: N jobs at once through `serve` with its default settings (one worker per core; no
   admission tuning), each job's method fetching an upstream URL that answers after the delay.
   Peak RSS: the summed VmRSS of serve's process tree (front-end and workers), sampled every 50 ms.
   Store cost: QuickJS serve under the section-2 load three times: no Idempotency-Key (the store is
   not used), then a fresh key per job on the memory store and on a local redis-server (each job
   claims and completes a record; Redis records sealed with AES-GCM). The cost is the front-end's
   CPU per job above the no-key run, and the p50 beside it.
6. Soak: jobs through `serve` (one worker per core, default settings); the tree's RSS one second after the
   first tenth of the jobs and one second after all of them.
"""


def render_markdown(data: dict[str, Any], rows: list[Row], targets: list[Target]) -> str:
    machine = "\n".join(f"- {k}: {v}" for k, v in data["machine"].items())
    return "\n\n".join([
        "# connector-executor benchmark results",
        f"`{data['command'].strip()}` ({data['plan'].name} run, {data['seconds']:.0f} s; "
        f"HTTP load in section 2 from {data['tool']}). The machine:\n\n{machine}",
        "## Results\n\n" + _md_table(ROW_HEADERS, _row_cells(rows)),
        "## Targets\n\n" + _md_table(TARGET_HEADERS, _target_cells(targets)),
        "## Definitions\n\n" + DEFINITIONS + "\n" + cold_start_note(data),
        "![results](results.png)\n",
    ])


def write_chart(data: dict[str, Any], path: Path) -> str:
    """results.png: per-job cost, throughput, RSS under scale, RSS over the soak."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "chart skipped: matplotlib is not installed (pip install -e '.[bench]')"
    engine, node, frontend = data["engine"], data["node"], data["frontend"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    fig.suptitle(f"connector-executor bench, {data['machine']['date']} ({data['plan'].name} run, "
                 f"{data['machine']['cores']} cores, {data['machine']['cpu']})")

    ax = axes[0][0]
    labels = ["QuickJS floor", "QuickJS ours", "V8 floor", "V8 ours", "Node vm ctx", "Node process"]
    values = [engine["floor.quickjs"].ms, engine["ours.quickjs"].ms, engine["floor.v8"].ms, engine["ours.v8"].ms,
              node["vm"].ms, node["spawn"].ms]
    colors = ["#9ecae1", "#3182bd", "#fdae6b", "#e6550d", "#a1d99b", "#31a354"]
    ax.bar(labels, values, color=colors)
    ax.set_yscale("log")
    ax.set_ylabel("ms per job (median, log scale)")
    ax.set_title("1, 3: per-job cost")
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=8)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)

    ax = axes[0][1]
    keys = ["bare"] + sorted(k for k in frontend if k.startswith("serve."))
    names = ["bare app"] + [k.replace("serve.", "").replace("quickjs", "QuickJS").replace("v8", "V8") for k in keys[1:]]
    rates = [frontend[k]["rps"] for k in keys]
    ax.bar(names, rates, color=["#bdbdbd"] + ["#3182bd" if "quickjs" in k else "#e6550d" for k in keys[1:]])
    for kind, color in (("quickjs", "#3182bd"), ("v8", "#e6550d")):
        _, ideal = efficiency(data, kind, f"serve.{kind}.1w")
        ax.axhline(ideal, color=color, linestyle="--", linewidth=1, label=f"{NAMES[kind]} ideal, 1 worker")
    ax.set_yscale("log")
    ax.set_ylabel("requests / jobs per second (log scale)")
    ax.set_title(f"2: throughput under load ({frontend['bare']['tool']}, {frontend['bare']['connections']} conns)")
    ax.legend(fontsize=8)
    for i, v in enumerate(rates):
        ax.text(i, v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)

    ax = axes[1][0]
    for kind, result in data["scale"].items():
        ts = [t for t, _ in result["series"]]
        ax.plot(ts, [b / MB for _, b in result["series"]],
                label=f"{NAMES[kind]}: {result['jobs']} jobs, wall {result['wall']:.2f} s")
    ax.axhline(1024, color="red", linestyle=":", linewidth=1, label="1 GB")
    ax.set_xlabel("seconds")
    ax.set_ylabel("service RSS (MB)")
    ax.set_title("5: jobs in flight on a slow upstream")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    for kind, result in data["soak"].items():
        ax.plot([j for j, _ in result["series"]], [b / MB for _, b in result["series"]], marker="o",
                label=f"{NAMES[kind]} ({result['jobs_per_s']:.0f} jobs/s)")
    ax.set_xlabel("jobs done")
    ax.set_ylabel("service RSS (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title("6: soak")
    ax.legend(fontsize=8)

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"wrote {path}"
