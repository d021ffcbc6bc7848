"""The prelude: every shim file joined, in order, into one script evaluated in each fresh context.

All shims share one function scope, so `host` (defined by bridge.js) is visible to each of them and
to nothing else. The joined text is built once per process.
"""

from __future__ import annotations

import functools
from importlib import resources

# Order matters: the bridge first, the entry points last.
SHIM_FILES = (
    "bridge.js",
    "web.js",          # URL, URLSearchParams, Buffer, TextEncoder/Decoder, atob/btoa
    "fetch.js",        # fetch, Headers, Request, Response
    "axios.js",        # axios
    "api_client.js",   # host.makeApiClient: the `apiClient` given to `test`
    "timers_console.js",
    "bridge_end.js",
)


@functools.cache
def prelude_source() -> str:
    """The whole prelude as one script."""
    shims = resources.files("js_runtime") / "shims"
    parts = []
    for name in SHIM_FILES:
        path = shims / name
        if path.is_file():
            parts.append(f"// ---- {name}\n{path.read_text(encoding='utf-8')}")
    return "(function () {\n" + "\n".join(parts) + "\n})();\n"
