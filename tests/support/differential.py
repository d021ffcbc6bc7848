"""The differential harness: the same JavaScript module run by Node.js 20 and by both engines.

A corpus is a list of named cases sharing one header (imports and helpers). Each case is a JS
expression, evaluated as `async () => (EXPRESSION)`; the module built from a corpus is byte for byte
the module both sides run: Node imports it as an `.mjs` file, the engines load it as connector code.
Every result is encoded by the same JS function (`ENCODE_JS`) into plain JSON that keeps what
`JSON.stringify` would lose (undefined, NaN, -0, bigint, bytes and their class, errors with name,
message and code, Dates, Maps, Sets, class names), so a difference a user could observe is a
difference here. A thrown error is `{"threw": ...}`, a value `{"ok": ...}`.

Cases that check thousands of generated inputs should generate them in JS from a seeded PRNG and
return a digest of all outputs (`__digest`), so one case stays small while covering many inputs.

A corpus may list deliberate differences (`deliberate = {name: reason}` for every engine, or
`{"name@quickjs": reason}` for one engine); the test checks that each of them still differs (else it
is no longer deliberate and must leave the list). Node itself is the
oracle, run live: no expected value is written by hand. Without a `node` 20 on PATH the tests skip.

A corpus that imports an npm package on the Node side (`axios`: the engines have their own) names it in
`npm`; Node then resolves it from `node_modules_dir()` (`$CONNECTOR_EXECUTOR_NODE_MODULES`, else
`.node/node_modules` in the repository, which `.ci/run` fills with `npm install --prefix .node`), and
the corpus is skipped with that reason where the package is not installed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENCODE_JS = r"""
const __className = (v) => { try { const c = Object.getPrototypeOf(v)?.constructor; return typeof c === 'function' ? c.name : null; } catch { return null; } };
const __hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const __enc = (v, seen = new Set(), depth = 0) => {
  if (depth > 40) return { $: 'too-deep' };
  if (v === undefined) return { $: 'undefined' };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $: 'NaN' };
    if (!Number.isFinite(v)) return { $: String(v) };
    if (Object.is(v, -0)) return { $: '-0' };
    return v;
  }
  if (typeof v === 'bigint') return { $: 'bigint', v: String(v) };
  if (typeof v === 'function') return { $: 'function' };
  if (typeof v === 'symbol') return { $: 'symbol', v: String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return { $: 'cycle' };
  seen.add(v);
  const inner = (x) => __enc(x, seen, depth + 1);
  if (v instanceof Error) {
    const out = { $: 'error', name: v.name, message: v.message };
    if (v.code !== undefined) out.code = inner(v.code);
    return out;
  }
  if (v instanceof ArrayBuffer) return { $: 'ArrayBuffer', hex: __hex(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { $: 'view', class: __className(v), hex: __hex(bytes) };
  }
  if (v instanceof Date) return { $: 'Date', v: Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() };
  if (v instanceof Map) return { $: 'Map', entries: Array.from(v, ([k, x]) => [inner(k), inner(x)]) };
  if (v instanceof Set) return { $: 'Set', values: Array.from(v, inner) };
  if (Array.isArray(v)) return v.map(inner);
  const props = {};
  for (const key of Object.keys(v)) props[key] = inner(v[key]);
  const cls = __className(v);
  return cls === 'Object' || cls === null ? props : { $: 'object', class: cls, props };
};
const __digest = (values) => {
  // FNV-1a over the JSON of every value: one small number for thousands of outputs.
  let h = 0x811c9dc5;
  const text = JSON.stringify(values.map((x) => __enc(x)));
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return [values.length, h];
};
const __run = async (f) => { try { return { ok: __enc(await f()) }; } catch (e) { return { threw: __enc(e) }; } };
"""


@dataclass(frozen=True)
class Corpus:
    """Named JS expressions sharing `header` (imports first, then helpers)."""

    name: str
    cases: tuple[tuple[str, str], ...]
    header: str = ""
    deliberate: dict[str, str] = field(default_factory=dict)
    npm: tuple[str, ...] = ()

    def module_source(self) -> str:
        """The one module both Node and the engines run; its default export returns every result."""
        imports, helpers = _split_imports(self.header)
        body = ",\n".join(f"  async () => ({expression})" for _, expression in self.cases)
        return (f"{imports}\n{ENCODE_JS}\n{helpers}\nconst __cases = [\n{body}\n];\n"
                "export default async () => { const out = []; for (const c of __cases) out.push(await __run(c));"
                " return out; };\n")


def _split_imports(header: str) -> tuple[str, str]:
    lines = header.splitlines()
    imports = [line for line in lines if line.startswith("import ")]
    return "\n".join(imports), "\n".join(line for line in lines if not line.startswith("import "))


def node_version() -> str | None:
    """`v20.x.y` when a Node.js 20 is on PATH, else None."""
    node = shutil.which("node")
    if node is None:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return version if version.startswith("v20.") else None


NPM_PACKAGES = {"axios": "1.21.1"}  # the versions the shims follow; .ci/run installs these


def node_modules_dir() -> Path:
    """Where Node finds the npm packages corpora name (see the module docstring)."""
    configured = os.environ.get("CONNECTOR_EXECUTOR_NODE_MODULES")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / ".node" / "node_modules"


def missing_npm(packages: tuple[str, ...]) -> str | None:
    """Why Node cannot import `packages` at the versions the shims follow (None when it can)."""
    for name in packages:
        manifest = node_modules_dir() / name / "package.json"
        try:
            version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        except (OSError, ValueError, KeyError):
            version = None
        if version != NPM_PACKAGES[name]:
            return (f"Node needs {name}@{NPM_PACKAGES[name]} in {node_modules_dir()} "
                    f"(npm install --prefix .node {name}@{NPM_PACKAGES[name]}); found {version}")
    return None


@functools.cache
def _node_results_cached(source: str, npm: bool = False) -> tuple[str, ...]:
    with tempfile.TemporaryDirectory() as folder:
        if npm:
            (Path(folder) / "node_modules").symlink_to(node_modules_dir())
        module = Path(folder) / "case.mjs"
        module.write_text(source, encoding="utf-8")
        runner = Path(folder) / "run.mjs"
        runner.write_text("const m = await import('./case.mjs');\n"
                          "process.stdout.write(JSON.stringify(await m.default()));\n", encoding="utf-8")
        done = subprocess.run(["node", str(runner)], capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"node failed on the corpus module: {done.stderr[-2000:]}")
    return tuple(json.dumps(item, sort_keys=True) for item in json.loads(done.stdout))


def node_results(corpus: Corpus) -> list[Any]:
    """What Node.js 20 returns for each case of `corpus`, in order."""
    return [json.loads(item) for item in _node_results_cached(corpus.module_source(), bool(corpus.npm))]


def mismatches(corpus: Corpus, engine: str, node: list[Any], ours: list[Any]) -> tuple[
        list[dict[str, Any]], list[str]]:
    """(cases that differ on `engine` and are not deliberate, deliberate cases that no longer differ)."""
    differing: list[dict[str, Any]] = []
    no_longer: list[str] = []
    for (name, expression), theirs, got in zip(corpus.cases, node, ours, strict=True):
        same = theirs == got
        if name in corpus.deliberate or f"{name}@{engine}" in corpus.deliberate:
            if same:
                no_longer.append(name)
        elif not same:
            differing.append({"case": name, "expression": expression, "node": theirs, "ours": got})
    return differing, no_longer
