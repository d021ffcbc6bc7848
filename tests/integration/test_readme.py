"""Every example of the README runs as written, in a fresh copy of the checkout.

The README is read top to bottom: a fenced block whose first line is `# File: PATH` (or
`// File: PATH`) is written to PATH; every `sh` block is run by bash (`set -euo pipefail`) from the
copy's root and must exit 0 without a failed job result in its output. A line that starts the
service (`.venv/bin/connector-executor serve ...`) is started in the background, the rest of its
block runs once it listens, and it is stopped at the end of the block.

The copy holds the checkout's files (`git ls-files`, or the tree without build and cache folders)
and a `.venv` that is this test run's own virtual environment, so the examples use exactly the
`.venv/bin/...` paths the README gives. The README's first block (install, serve, install and run
the tests) is not run here: installing takes minutes and the suite cannot run itself; `.ci/run`
runs that install and test command on a fresh machine, and this test checks it is the same command.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = "```"
SERVE = ".venv/bin/connector-executor serve"
INSTALL_AND_TEST = "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"
_IGNORED = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
                                  ".mypy_cache", ".ruff_cache")


@dataclass(frozen=True)
class Block:
    info: str  # the fence's info string: sh, yaml, json, javascript...
    text: str
    line: int  # where the block starts in the README, for messages

    @property
    def file(self) -> str | None:
        first = self.text.splitlines()[0] if self.text else ""
        for marker in ("# File:", "// File:"):
            if first.startswith(marker):
                return first.removeprefix(marker).strip()
        return None


def fenced_blocks(markdown: str) -> list[Block]:
    blocks: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith(FENCE):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(FENCE))
            blocks.append(Block(lines[i][len(FENCE):].strip(), "\n".join(lines[i + 1:end]) + "\n", i + 1))
            i = end
        i += 1
    return blocks


def fresh_copy(destination: Path) -> Path:
    """The checkout's files in `destination`, with this run's virtual environment as `.venv`."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=False)
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            source = ROOT / name
            if source.is_file():
                (destination / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination / name)
    else:
        shutil.copytree(ROOT, destination, ignore=_IGNORED, dirs_exist_ok=True)
    (destination / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return destination


def run_script(script: str, cwd: Path, env: dict[str, str], where: str) -> str:
    done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{where} exited {done.returncode}:\n{script}\n{output}"
    assert '"status": "failed"' not in done.stdout, f"{where} gave a failed job:\n{script}\n{output}"
    return output


def run_block(block: Block, cwd: Path, env: dict[str, str]) -> None:
    where = f"README.md line {block.line}"
    lines = block.text.splitlines()
    serve_at = next((i for i, line in enumerate(lines) if line.startswith(SERVE)), None)
    if serve_at is None:
        run_script(block.text, cwd, env, where)
        return
    run_script("\n".join(lines[:serve_at]) + "\n", cwd, env, where)
    log = cwd / f"serve-{block.line}.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(["bash", "-c", "exec " + lines[serve_at]], cwd=cwd, env=env,
                                  stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 30
        while "listening on" not in log.read_text():
            assert server.poll() is None and time.monotonic() < deadline, f"{where}: serve did not start:\n" \
                                                                           + log.read_text()
            time.sleep(0.1)
        run_script("\n".join(lines[serve_at + 1:]) + "\n", cwd, env, where)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


@pytest.mark.skipif(not (Path(sys.prefix) / "bin" / "connector-executor").exists(),
                    reason="the tests do not run from a virtual environment holding connector-executor")
@pytest.mark.timeout(300)
def test_every_readme_example_runs_as_written(tmp_path: Path) -> None:
    blocks = fenced_blocks(README.read_text(encoding="utf-8"))
    first, rest = blocks[0], blocks[1:]
    assert first.info == "sh" and INSTALL_AND_TEST in first.text
    # CI runs exactly the README's command as one line of its own (the lint and type gates follow it)
    assert INSTALL_AND_TEST in (ROOT / ".ci" / "run").read_text().splitlines()
    copy = fresh_copy(tmp_path / "checkout")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_EXECUTOR_")}
    ran = 0
    for block in rest:
        if block.file is not None:
            target = copy / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text.split("\n", 1)[1])
        elif block.info == "sh":
            run_block(block, copy, env)
            ran += 1
    assert ran >= 6  # the README has examples of run, check, authorize, replay, pytest and serve


def test_the_readme_says_when_to_activate_the_virtual_environment() -> None:
    text = README.read_text(encoding="utf-8")
    assert "No virtual environment needs activating" in text and ". .venv/bin/activate" in text
    commands = [line for block in fenced_blocks(text)[1:] if block.info == "sh" for line in block.text.splitlines()]
    starts = [line for line in commands if line and not line.startswith((" ", "#", "{", "EOF", '"'))]
    assert all(line.startswith((".venv/bin/", "echo ", "curl ")) for line in starts), starts
