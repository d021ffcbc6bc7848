"""The prelude: the shim files a module can reach, joined in order into one script per context.

All shims share one function scope, so `host` (defined by bridge.js) is visible to each of them and
to nothing else. The core (the bridge and its entry points) is always there. The units (console,
timers, web APIs, fetch, axios...) are only evaluated when the module mentions one of
the names they provide — any identifier, property name or short string in its source — because
compiling them is most of a QuickJS job's cost. A name reached only through a computed string
(`globalThis['fe' + 'tch']`) does not count; README says so. Each combination is joined once.

A layer above may add units of its own (`extra`, e.g. the executor's apiClient): they follow the same
rules, their files live in their own package's `shims/` folder, and their needs are built-in units or
earlier extra ones. That is how a caller's context objects get their makers (session.ContextObject).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser


@dataclass(frozen=True)
class Unit:
    """A group of shim files, the global (or module) names they provide, and the units they need.

    `module_only`: the unit defines no global, only modules, so a module selects it by importing
    one of them, not by merely mentioning the name (`const url = ...` does not need the `url` module).
    `package`: the package whose `shims/` folder holds `files` (a layer above adds units of its own).
    """

    name: str
    files: tuple[str, ...]
    provides: frozenset[str]
    needs: tuple[str, ...] = ()
    module_only: bool = False
    package: str = "js_runtime"


TIMER_NAMES = frozenset({"setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval",
                         "clearImmediate", "queueMicrotask"})

BUFFER_NUMBER_METHODS = frozenset(
    [f"{op}{kind}{bits}{end}" for op in ("read", "write") for kind in ("UInt", "Uint", "Int")
     for bits, ends in (("8", ("",)), ("16", ("LE", "BE")), ("32", ("LE", "BE"))) for end in ends]
    + [f"{op}{kind}{end}" for op in ("read", "write") for end in ("LE", "BE")
       for kind in ("UInt", "Uint", "Int", "Float", "Double", "BigUInt64", "BigUint64", "BigInt64")]
    + ["swap16", "swap32", "swap64"])

UNITS: tuple[Unit, ...] = (
    # util.inspect/formatWithOptions (Node's layout), for console and the util module; selected only through them
    Unit("inspect", ("inspect.js",), frozenset()),
    Unit("console", ("console.js",), frozenset({"console"}), needs=("inspect",)),
    Unit("timers", ("timers.js",), TIMER_NAMES),
    Unit("web", ("web.js",), frozenset({"URL", "URLSearchParams", "TextEncoder", "TextDecoder",
                                        "atob", "btoa", "DOMException"})),
    # Blob/File/FormData; `blob`/`formData` select it too, for Response#blob() and Response#formData()
    Unit("formData", ("form_data.js", "form_parse.js"), frozenset({"Blob", "File", "FormData", "blob", "formData"}),
         needs=("web",)),
    Unit("clone", ("clone.js",), frozenset({"structuredClone"}), needs=("web",)),
    Unit("buffer", ("buffer.js",), frozenset({"Buffer"}), needs=("web",)),
    # Buffer's numeric helpers, selected by their own names (a job using Buffer without them skips them)
    Unit("bufferNumbers", ("buffer_numbers.js",), BUFFER_NUMBER_METHODS, needs=("buffer",)),
    Unit("net", ("net.js",), frozenset()),  # queuing requests and service calls, for the units below
    Unit("eventTarget", ("event_target.js",), frozenset({"EventTarget", "Event", "CustomEvent"})),
    Unit("fetch", ("fetch.js",), frozenset({"fetch", "Headers", "Request", "Response", "AbortController",
                                            "AbortSignal"}), needs=("web", "timers", "net", "eventTarget")),
    # axios hands arraybuffer responses over as a Buffer, as in Node
    Unit("axios", ("axios_form.js", "axios.js"), frozenset({"axios"}), needs=("fetch", "buffer")),
    # 'crypto' is both the Web Crypto global and the module name (require('crypto'), 'node:crypto')
    Unit("crypto", ("crypto_hash.js", "crypto_keys.js", "crypto.js"), frozenset({"crypto", "CryptoKey"}),
         needs=("buffer", "net")),
    # Node built-in modules: each registers itself with host.registerModule under its bare name
    Unit("querystring", ("mod_querystring.js",), frozenset({"querystring"}), needs=("buffer",), module_only=True),
    Unit("util", ("mod_util.js",), frozenset({"util"}), needs=("web", "inspect"), module_only=True),
    Unit("url", ("mod_url.js",), frozenset({"url"}), needs=("web",), module_only=True),
    Unit("bufferModule", ("mod_buffer.js",), frozenset({"buffer"}), needs=("buffer",), module_only=True),
    Unit("events", ("mod_events.js",), frozenset({"events"}), module_only=True),
    Unit("timersPromises", ("mod_timers_promises.js",), frozenset({"timers/promises"}), needs=("timers",),
         module_only=True),
)
CORE_HEAD = ("bridge.js", "intl.js")
CORE_TAIL = ("bridge_end.js",)
ALL_UNITS = tuple(unit.name for unit in UNITS)


@functools.cache
def builtin_modules() -> frozenset[str]:
    """The module names connector code may import: those a unit's shim registers with a literal
    `host.registerModule('name', value)` and lists in its `provides` (so importing it selects the unit).

    Read from the shims themselves with the JavaScript parser, so a new module unit needs no other list.
    """
    parser = Parser(Language(tree_sitter_javascript.language()))
    names: set[str] = set()
    for unit in UNITS:
        for file in unit.files:
            data = _shim_text(file, unit.package).encode("utf-8")
            stack = [parser.parse(data).root_node]
            while stack:
                node = stack.pop()
                stack.extend(node.children)
                name = _registered_name(node, data)
                if name is not None and name in unit.provides:
                    names.add(name)
    return frozenset(names)


def module_only_names() -> frozenset[str]:
    """Names that select a unit only when imported (see Unit.module_only)."""
    return frozenset(name for unit in UNITS if unit.module_only for name in unit.provides)


def _registered_name(node: Node, data: bytes) -> str | None:
    if node.type != "call_expression":
        return None
    callee, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if callee is None or args is None or data[callee.start_byte:callee.end_byte] != b"host.registerModule":
        return None
    first = args.named_children[0] if args.named_children else None
    if first is None or first.type != "string":
        return None
    return data[first.start_byte + 1:first.end_byte - 1].decode("utf-8")


def _shim_text(name: str, package: str = "js_runtime") -> str:
    return (resources.files(package) / "shims" / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=64)
def _all_units(extra: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """The built-in units followed by `extra`, checked: unique names, needs on earlier units only."""
    seen: set[str] = set()
    for unit in (*UNITS, *extra):
        if unit.name in seen:
            raise ValueError(f"two shim units are named {unit.name!r}")
        missing = set(unit.needs) - seen
        if missing:
            raise ValueError(f"shim unit {unit.name!r} needs {sorted(missing)}, which are not earlier units")
        seen.add(unit.name)
    return (*UNITS, *extra)


def units_for(names: Iterable[str], extra: tuple[Unit, ...] = ()) -> tuple[str, ...]:
    """The units a module mentioning `names` needs, dependencies included, in evaluation order;
    `extra` units (see the module docstring) are chosen by the same rule."""
    units = _all_units(extra)
    mentioned = set(names)
    wanted = {unit.name for unit in units if unit.provides & mentioned}
    for unit in reversed(units):  # needs point to earlier units only
        if unit.name in wanted:
            wanted.update(unit.needs)
    return tuple(unit.name for unit in units if unit.name in wanted)


@functools.lru_cache(maxsize=1024)
def prelude_for(names: frozenset[str], extra: tuple[Unit, ...] = ()) -> str:
    """The prelude for a module that mentions `names` (remembered per set of names: per module)."""
    return prelude_source(units_for(names, extra), extra)


@functools.cache
def prelude_source(units: tuple[str, ...] = ALL_UNITS, extra: tuple[Unit, ...] = ()) -> str:
    """The core plus the given units as one script (each combination built once per process)."""
    by_name = {unit.name: unit for unit in _all_units(extra)}
    files = [*((f, "js_runtime") for f in CORE_HEAD),
             *((f, by_name[name].package) for name in units for f in by_name[name].files),
             *((f, "js_runtime") for f in CORE_TAIL)]
    parts = [f"// ---- {name}\n{_shim_text(name, package)}" for name, package in files]
    return "(function () {\n" + "\n".join(parts) + "\n})();\n"
