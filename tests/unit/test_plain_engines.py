"""The plain binding path: the engines without their bindings' internals (js_runtime.bindings).

The engine tests are run once more in a child pytest with CONNECTOR_EXECUTOR_PLAIN_ENGINES set, so
both engines are shown to give the suite's answers on the binding's public path alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from js_runtime.bindings import PLAIN_ENGINES_ENV, WRITTEN_FOR, plain_reason

ROOT = Path(__file__).resolve().parents[2]

# The engine tests that exercise what the internals change (making, renewing and freeing contexts, the
# prelude's loading, limits, abandoned work, the globals a context holds, the bridge under attack), run on
# the plain path; the rest of tests/engines only drives the bridge, the same on either path. Left out: those
# that spend seconds on data sizes, and those whose seconds are waits on a time limit or on lanes that the
# plain path does not change (the lane pool is the same on either path): the spinning-job and overlapping-
# burst tests, the microtask flood (one TIMEOUT case of each kind stays: a spinning loop, a timer, a promise
# that never settles), and the built-ins that ignore the time limit (abandoned work stays, through the
# process that must still exit while holding it). About 30 s instead of 50 s.
PLAIN_RUN = ("tests/engines/test_smoke.py", "tests/engines/test_sandbox.py", "tests/engines/test_globals.py",
             "tests/engines/test_modules.py", "tests/engines/test_escapes.py")
PLAIN_SELECTION = ("(not test_escapes or global_names or bridge_resists or abandoned_engine_work or engine_surfaces"
                   " or prototype_pollution) and not (urls_in_the_result_are_capped or huge_structured_clone"
                   " or blob_past_the_cap or spinning or overlaps or hostile_scripts_end_cleanly and source2)")


@pytest.mark.parametrize(("distribution", "installed", "switch", "expected"), [
    ("quickjs-ng", WRITTEN_FOR["quickjs-ng"], None, None),
    ("mini-racer", WRITTEN_FOR["mini-racer"], "", None),
    ("mini-racer", WRITTEN_FOR["mini-racer"], "0", None),
    ("quickjs-ng", WRITTEN_FOR["quickjs-ng"], "1", f"{PLAIN_ENGINES_ENV} is set"),
    ("mini-racer", WRITTEN_FOR["mini-racer"], "yes", f"{PLAIN_ENGINES_ENV} is set"),
    ("quickjs-ng", "0.17.1", None, "quickjs-ng 0.17.1 is not 0.17.0.2, the version its internals were written for"),
    ("mini-racer", "0.14.10", None, "mini-racer 0.14.10 is not 0.14.1, the version its internals were written for"),
    ("mini-racer", "0.14", None, "mini-racer 0.14 is not 0.14.1, the version its internals were written for"),
    ("quickjs-ng", None, None, "quickjs-ng (not installed) is not 0.17.0.2, the version its internals were written for"),
    ("quickjs", "0.17.0.2", None, "no internals of quickjs are known"),
])
def test_internals_only_for_the_exact_version_and_without_the_switch(
        distribution: str, installed: str | None, switch: str | None, expected: str | None) -> None:
    assert plain_reason(distribution, installed, switch) == expected


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env[PLAIN_ENGINES_ENV] = "1"
    return env


def test_the_switch_turns_the_internals_off_in_both_engines() -> None:
    probe = (
        "import asyncio\n"
        "from js_runtime.quickjs import bytecode as quickjs_bytecode, recycle as quickjs_recycle, engine as quickjs_engine\n"
        "from js_runtime.v8 import engine as v8_engine\n"
        "from js_runtime.bindings import internals_allowed\n"
        "from js_runtime.lanes import LanePool\n"
        "from js_runtime.limits import DEFAULT_LIMITS\n"
        "async def main():\n"
        "    engine = await v8_engine.V8Engine.open(DEFAULT_LIMITS, LanePool())\n"
        "    try:\n"
        "        print(type(engine._racer).__name__, await engine.step(['typeof __timer_manager'], timeout=5))\n"
        "    finally:\n"
        "        await engine.close()\n"
        "print(internals_allowed('quickjs-ng'), internals_allowed('mini-racer'), quickjs_bytecode.available(),\n"
        "      quickjs_recycle.available(), quickjs_engine._renewer())\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=_child_env(), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["False False False False None", "MiniRacer undefined"]


@pytest.mark.timeout(260)  # the child's own bound is 240 s; the suite's default of 60 s cut it under load
def test_the_engine_tests_pass_on_the_plain_binding_path() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", PLAIN_SELECTION, *PLAIN_RUN],
        cwd=ROOT, env=_child_env(), capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
