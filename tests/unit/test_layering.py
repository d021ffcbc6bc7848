"""The import layering of the two packages, read from their source with `ast` (no import is run).

A module may import modules of its own layer and of lower ones, never of a higher one. Lowest first:

    js_runtime                                   the engines and the error tree (js_runtime.errors):
                                                 knows nothing of the executor
    executor.errors, executor.limits,            the error tree, the limits value, "did you mean"
    executor.suggest
    executor.secrets, executor.formulas,         leaf services of a job
    executor.transport
    executor.connector                           connectors parsed from files
    executor.jobs, executor.oauth                running one job (oauth: the OAuth types' handlers)
    executor.replay                              record and replay of jobs
    executor.server                              the HTTP service and its workers
    executor.cli, executor                       the command line (and the package itself)

Inside the job layer, executor.oauth reaches only the lower parts of executor.jobs (the table of
auth types in executor.jobs names oauth's handlers, so the reverse would be a cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LAYERS: tuple[tuple[str, ...], ...] = (
    ("js_runtime",),
    ("executor.errors", "executor.limits", "executor.suggest"),
    ("executor.secrets", "executor.formulas", "executor.transport"),
    ("executor.connector",),
    ("executor.jobs", "executor.oauth"),
    ("executor.replay",),
    ("executor.server",),
    ("executor.cli", "executor"),
)
# What executor.oauth may import from executor.jobs.
OAUTH_MAY_IMPORT = frozenset({"executor.jobs.context", "executor.jobs.methods", "executor.jobs.connect",
                              "executor.jobs.auth_type"})

# Known violations, each with its reason; a listed import that is gone makes the test fail, so this
# list only shrinks.
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    # The replay and record sub-commands are part of the command line: exit codes and result printing.
    ("executor.replay.commands", "executor.cli"),
})


def layer_of(module: str) -> int | None:
    """The index of `module`'s layer (the longest matching prefix wins), None for other packages."""
    best: tuple[int, int] | None = None
    for index, names in enumerate(LAYERS):
        for name in names:
            if module == name or module.startswith(name + "."):
                if best is None or len(name) > best[1]:
                    best = (index, len(name))
    return None if best is None else best[0]


def imported_modules(module: str, source: str) -> Iterator[tuple[str, bool]]:
    """Every absolute module `source` imports (top level, inside functions and under TYPE_CHECKING),
    with False; `from package import name` also gives `package.name` with True, since `name` may be a
    submodule."""
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((alias.name, False) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.removesuffix(".__init__").split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            yield base, False
            yield from ((f"{base}.{alias.name}", True) for alias in node.names)


def violations(module: str, source: str) -> set[tuple[str, str]]:
    """(module, imported group) pairs that break the layering."""
    own = layer_of(module)
    found: set[tuple[str, str]] = set()
    for target, expansion in imported_modules(module, source):
        layer = layer_of(target)
        if own is None or layer is None:
            continue
        if layer > own:
            found.add((module, _group(target)))
        # Importing executor.jobs itself (or any name from it) loads dispatch, which loads the table
        # of auth types, which loads oauth's handlers: from oauth, only the modules below that.
        if module.startswith("executor.oauth") and not expansion \
                and (target == "executor.jobs" or target.startswith("executor.jobs.")) \
                and target not in OAUTH_MAY_IMPORT:
            found.add((module, target))
    return found


def _group(target: str) -> str:
    names = [n for layer in LAYERS for n in layer if target == n or target.startswith(n + ".")]
    return max(names, key=len)


def project_modules() -> Iterator[tuple[str, Path]]:
    for package in ("executor", "js_runtime"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def test_no_lower_layer_imports_a_higher_one() -> None:
    found: set[tuple[str, str]] = set()
    for module, path in project_modules():
        found |= violations(module, path.read_text(encoding="utf-8"))
    assert found - ALLOWED == set(), "imports against the layering (see this module's docstring)"
    assert ALLOWED - found == set(), "allowed violations that no longer exist: remove them from ALLOWED"


def test_every_package_is_in_a_layer() -> None:
    for module, _ in project_modules():
        assert layer_of(module) is not None, module


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("js_runtime.engine", "from executor.errors import ScriptError", {("js_runtime.engine", "executor.errors")}),
    ("js_runtime.engine", "def f():\n    import executor.jobs.dispatch", {("js_runtime.engine", "executor.jobs")}),
    ("executor.transport.live", "from executor.jobs import run_job", {("executor.transport.live", "executor.jobs")}),
    ("executor.jobs.methods", "from ..server import app", {("executor.jobs.methods", "executor.server")}),
    ("executor.oauth.handlers", "from executor.jobs.dispatch import DISPATCH",
     {("executor.oauth.handlers", "executor.jobs.dispatch")}),
    ("executor.oauth.handlers", "from executor.jobs import JobRequest", {("executor.oauth.handlers", "executor.jobs")}),
    ("executor.oauth.handlers", "from executor.jobs.methods import require_object", set()),
    ("executor.server.app", "from executor.jobs import run_job\nimport js_runtime.lanes", set()),
    ("executor.jobs.request", "from js_runtime.limits import Limits\nimport json", set()),
])
def test_the_check_catches_an_import_against_the_layering(module: str, source: str,
                                                           expected: set[tuple[str, str]]) -> None:
    assert violations(module, source) == expected
