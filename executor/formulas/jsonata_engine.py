"""The JSONata implementation of `$jsonata` (jsonata-python), imported on first use, without its side effect.

Importing jsonata-python raises the interpreter's recursion limit to 10,000 for the whole process;
deep Python recursion in the engines' lane threads (with smaller C stacks) then crashed the process
with a segmentation fault instead of a RecursionError. The limit is put back right after import.
`compile_expression` is the one entry point; it bounds time and recursion of every evaluation.
"""

from __future__ import annotations

import sys
from typing import Any

TIMEOUT_MS = 1000
"""Longest a `$jsonata` expression may run; past it the formula is undefined, as any JSONata error."""
MAX_DEPTH = 100
"""Deepest recursion a `$jsonata` expression may reach."""


def compile_expression(text: str) -> Any:
    """A compiled, bounded JSONata expression whose null results stay distinguishable from no result."""
    limit = sys.getrecursionlimit()
    try:
        import jsonata  # type: ignore[import-untyped]  # first use only: connectors without $jsonata never load it

        compiled = jsonata.Jsonata(text, timeout=TIMEOUT_MS, stack=MAX_DEPTH)
    finally:
        sys.setrecursionlimit(limit)
    compiled.set_output_convert_nulls(False)
    return compiled
