"""The lists of globals in docs/globals.md, read for the tests that enumerate a fresh context's globals.

Sections: '## Provided by the shims' (backticked names before a bullet's first parenthesis, then the unit
that defines them, as named in js_runtime/prelude.py), '## Always
there', '## ECMAScript built-ins' (every backticked name), '## Engine-specific' (bullets starting
`QuickJS:`, `QuickJS, in a module that mentions none...:`, `V8:`, `V8 on the plain binding path...:`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "globals.md"


@dataclass(frozen=True)
class DocumentedGlobals:
    shims: frozenset[str]
    by_unit: dict[str, frozenset[str]]
    core: frozenset[str]
    ecmascript: frozenset[str]
    engine: dict[str, frozenset[str]]
    quickjs_native_web: frozenset[str]
    v8_plain: frozenset[str]  # names V8 also holds on the plain binding path (js_runtime.bindings)


def _bullets(section: str) -> list[str]:
    items: list[str] = []
    for line in section.splitlines():
        if line.startswith("- "):
            items.append(line[2:])
        elif line.startswith("  ") and items:
            items[-1] += " " + line.strip()
    return items


def _names(text: str) -> set[str]:
    return set(re.findall(r"`([A-Za-z_$][\w$]*)`", text))


def documented_globals(doc: Path = DOC) -> DocumentedGlobals:
    sections = {part.split("\n", 1)[0].strip(): part for part in doc.read_text(encoding="utf-8").split("\n## ")[1:]}
    by_unit: dict[str, set[str]] = {}
    for item in _bullets(sections["Provided by the shims"]):
        names, _, rest = item.partition("(")
        unit = re.split(r"[);:,\s]", rest, maxsplit=1)[0]
        by_unit.setdefault(unit, set()).update(_names(names))
    shims = {n for names in by_unit.values() for n in names}
    core = {n for item in _bullets(sections["Always there"]) for n in _names(item.split("(", 1)[0])}
    ecmascript = _names(sections["ECMAScript built-ins (both engines)"])
    engine: dict[str, set[str]] = {"quickjs": set(), "v8": set()}
    native: set[str] = set()
    plain: set[str] = set()
    for item in _bullets(sections["Engine-specific"]):
        if item.startswith("V8 on the plain binding path"):
            plain |= _names(item.split("removed instead:", 1)[1])
            continue
        head, _, rest = item.partition(":")
        names = _names(rest.split("(", 1)[0]) if head in ("QuickJS", "V8") else _names(rest)
        if head == "QuickJS":
            engine["quickjs"] |= names
        elif head == "V8":
            engine["v8"] |= names
        else:
            native |= names
    return DocumentedGlobals(frozenset(shims), {k: frozenset(v) for k, v in by_unit.items()}, frozenset(core), frozenset(ecmascript),
                             {k: frozenset(v) for k, v in engine.items()}, frozenset(native), frozenset(plain))
