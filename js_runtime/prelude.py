"""The prelude: the shim files a module can reach, joined in order into one script per context.

All shims share one function scope, so `host` (defined by bridge.js) is visible to each of them and
to nothing else. The core (the bridge and its entry points) is always there. The units (console,
timers, web APIs, fetch, axios, the apiClient) are only evaluated when the module mentions one of
the names they provide — any identifier, property name or short string in its source — because
compiling them is most of a QuickJS job's cost. A name reached only through a computed string
(`globalThis['fe' + 'tch']`) does not count; README says so. Each combination is joined once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Unit:
    """A group of shim files, the global (or module) names they provide, and the units they need."""

    name: str
    files: tuple[str, ...]
    provides: frozenset[str]
    needs: tuple[str, ...] = ()


TIMER_NAMES = frozenset({"setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval",
                         "clearImmediate", "queueMicrotask"})

UNITS: tuple[Unit, ...] = (
    Unit("console", ("console.js",), frozenset({"console"})),
    Unit("timers", ("timers.js",), TIMER_NAMES),
    Unit("web", ("web.js",), frozenset({"URL", "URLSearchParams", "TextEncoder", "TextDecoder",
                                        "atob", "btoa", "DOMException"})),
    Unit("buffer", ("buffer.js",), frozenset({"Buffer"}), needs=("web",)),
    Unit("net", ("net.js",), frozenset()),  # queuing requests and service calls, for the units below
    Unit("fetch", ("fetch.js",), frozenset({"fetch", "Headers", "Request", "Response", "AbortController",
                                            "AbortSignal"}), needs=("web", "timers", "net")),
    # axios hands arraybuffer responses over as a Buffer, as in Node
    Unit("axios", ("axios.js",), frozenset({"axios"}), needs=("fetch", "buffer")),
    # 'crypto' is both the Web Crypto global and the module name (require('crypto'), 'node:crypto')
    Unit("crypto", ("crypto_hash.js", "crypto_keys.js", "crypto.js"), frozenset({"crypto", "CryptoKey"}),
         needs=("buffer", "net")),
    Unit("apiClient", ("api_client.js",), frozenset({"apiClient", "externalApiClient"}), needs=("axios",)),
)
_BY_NAME = {unit.name: unit for unit in UNITS}
CORE_HEAD = ("bridge.js",)
CORE_TAIL = ("bridge_end.js",)
ALL_UNITS = tuple(unit.name for unit in UNITS)


def units_for(names: Iterable[str]) -> tuple[str, ...]:
    """The units a module mentioning `names` needs, dependencies included, in evaluation order."""
    mentioned = set(names)
    wanted = {unit.name for unit in UNITS if unit.provides & mentioned}
    for unit in reversed(UNITS):  # needs point to earlier units only
        if unit.name in wanted:
            wanted.update(unit.needs)
    return tuple(unit.name for unit in UNITS if unit.name in wanted)


@functools.lru_cache(maxsize=1024)
def prelude_for(names: frozenset[str]) -> str:
    """The prelude for a module that mentions `names` (remembered per set of names: per module)."""
    return prelude_source(units_for(names))


@functools.cache
def prelude_source(units: tuple[str, ...] = ALL_UNITS) -> str:
    """The core plus the given units as one script (each combination built once per process)."""
    files = [*CORE_HEAD, *(f for name in units for f in _BY_NAME[name].files), *CORE_TAIL]
    shims = resources.files("js_runtime") / "shims"
    parts = [f"// ---- {name}\n{(shims / name).read_text(encoding='utf-8')}" for name in files]
    return "(function () {\n" + "\n".join(parts) + "\n})();\n"
