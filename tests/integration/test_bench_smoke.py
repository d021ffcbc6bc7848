"""The bench command in its smoke mode: every section runs with a handful of jobs and prints its rows,
so `python -m bench` cannot silently rot (see README, "Benchmarks")."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One row (at least) per section, by the measurement it names.
EXPECTED_ROWS = {
    "1 engine floor": ["QuickJS job in-process (run_method)", "V8 job in-process (run_method)"],
    "2 front-end": ["bare aiohttp app, no JS", "serve QuickJS, 1 worker", "serve V8, 1 worker"],
    "3 others": ["vs a Node process per job", "vs a Node vm context per job"],
    "4 bridge": ["directly with aiohttp", "QuickJS: one GET through the bridge", "V8: one GET through the bridge"],
    "5 scale": ["QuickJS: 10 jobs in flight", "V8: 10 jobs in flight",
                "QuickJS: memory store, a fresh Idempotency-Key per job"]
    + (["QuickJS: redis store, a fresh Idempotency-Key per job"] if shutil.which("redis-server") else []),
    "6 soak": ["QuickJS: service RSS after 40 jobs", "V8: service RSS after 40 jobs"],
}
TARGETS = [
    "QuickJS in-process job cost: ours / floor",
    "V8 in-process job cost: ours / floor",
    "QuickJS serve efficiency, 1 worker",
    "V8 serve efficiency, 1 worker",
    "QuickJS job cost lower than a Node process per job",
    "QuickJS bridge overhead",
    "V8 bridge overhead",
    "QuickJS 1000 jobs in flight on a 1 s upstream",
    "V8 1000 jobs in flight on a 1 s upstream",
    "QuickJS soak: RSS after",
    "V8 soak: RSS after",
]


# ~40 s on an idle 2-core machine; 93 s was measured on one loaded by other work.
@pytest.mark.timeout(200)
def test_bench_smoke_prints_every_section_and_target(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert re.search(r"^section\s+measurement\s+value\s+baseline \(same run\)\s+ratio", table, re.MULTILINE)
    for section, measurements in EXPECTED_ROWS.items():
        rows = [line for line in table.splitlines() if line.startswith(section)]
        for measurement in measurements:
            matching = [row for row in rows if measurement in row]
            assert matching, f"no {section!r} row for {measurement!r} in:\n{table}"
            assert re.search(r"\d", matching[0].split(measurement, 1)[1]), f"a row without a figure: {matching[0]}"
    for target in TARGETS:
        line = next((row for row in table.splitlines() if row.startswith(target)), None)
        assert line is not None, f"no target {target!r} in:\n{table}"
        assert line.rstrip().endswith(("PASS", "FAIL")), line
    assert re.search(r"^targets: \d+ PASS, \d+ FAIL of \d+$", table, re.MULTILINE)
    report = (tmp_path / "results.md").read_text()
    assert "## Results" in report and "## Targets" in report and "cpu:" in report
