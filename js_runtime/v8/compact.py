"""The prelude as V8 is given it: the same script without its comments, once it is used often.

V8 compiles the prelude in every fresh isolate (mini-racer has no code cache across isolates), and
its scanner pays for every byte: the fetch units' prelude (86 KB, 14 KB of it comments) evaluated
12% faster without them, measured in fresh isolates. QuickJS compiles each prelude once per process
to bytecode and gains nothing. Comments are found by tree-sitter (a real JavaScript parser) and each
is replaced by its own line breaks, or a space, so every line keeps its number; a script the parser
does not read cleanly is given as it is. Parsing costs milliseconds, so a prelude is compacted only
after COMPACT_AFTER uses in this process (a `run` of one job never pays for it).

Imports only tree-sitter.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter

import tree_sitter_javascript
from tree_sitter import Language, Parser, Query, QueryCursor

COMPACT_AFTER = 3  # uses of a prelude before its comments go
_MAX_TRACKED = 1024  # distinct preludes counted (each module's set of units gives one)

_LANGUAGE = Language(tree_sitter_javascript.language())
_COMMENTS = Query(_LANGUAGE, "(comment) @comment")
_uses: Counter[str] = Counter()
_lock = threading.Lock()


def for_v8(prelude: str) -> str:
    """`prelude` without its comments once it has been asked for COMPACT_AFTER times, else as it is."""
    with _lock:
        if len(_uses) >= _MAX_TRACKED and prelude not in _uses:
            _uses.clear()
        _uses[prelude] += 1
        seen = _uses[prelude]
    return without_comments(prelude) if seen > COMPACT_AFTER else prelude


@functools.lru_cache(maxsize=64)
def without_comments(source: str) -> str:
    """`source` with every comment replaced by the line breaks it spans (or one space)."""
    data = source.encode("utf-8", "surrogatepass")
    tree = Parser(_LANGUAGE).parse(data)  # a parser of its own: callers may be on any thread
    comments = QueryCursor(_COMMENTS).captures(tree.root_node).get("comment", [])
    if tree.root_node.has_error:
        return source
    cuts = sorted((node.start_byte, node.end_byte) for node in comments)
    out = bytearray()
    at = 0
    for start, end in cuts:
        out += data[at:start]
        breaks = data.count(b"\n", start, end)
        out += b"\n" * breaks if breaks else b" "
        at = end
    out += data[at:]
    return out.decode("utf-8", "surrogatepass")
