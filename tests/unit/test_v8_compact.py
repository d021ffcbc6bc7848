"""The prelude V8 is given once a process uses it often: the same tokens, the same lines, no comments
(js_runtime/v8/compact.py). Every engine test that runs a prelude more than COMPACT_AFTER times runs
the compacted one on V8."""

from __future__ import annotations

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from js_runtime.prelude import ALL_UNITS, prelude_source
from js_runtime.v8 import compact

_PARSER = Parser(Language(tree_sitter_javascript.language()))


def _tokens(source: str) -> tuple[list[str], int]:
    """The source's leaves but comments, and how many comments it has."""
    data = source.encode("utf-8")
    leaves: list[str] = []
    comments = 0
    stack: list[Node] = [_PARSER.parse(data).root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            comments += 1
        elif node.child_count == 0:
            leaves.append(data[node.start_byte:node.end_byte].decode("utf-8"))
        else:
            stack.extend(reversed(node.children))
    return leaves, comments


def test_the_whole_prelude_keeps_its_tokens_and_lines_without_comments() -> None:
    source = prelude_source(ALL_UNITS)
    compacted = compact.without_comments(source)
    before, comments_before = _tokens(source)
    after, comments_after = _tokens(compacted)
    assert comments_before > 300 and comments_after == 0
    assert after == before
    assert compacted.count("\n") == source.count("\n")
    assert len(compacted) < len(source) * 0.95


def test_a_prelude_is_compacted_only_once_it_is_used_often() -> None:
    prelude = "(function () {\n  // a comment\n  const a = 1; /* another */ return a;\n})();\n"
    given = [compact.for_v8(prelude) for _ in range(compact.COMPACT_AFTER + 2)]
    assert given[:compact.COMPACT_AFTER] == [prelude] * compact.COMPACT_AFTER
    assert given[-1] == "(function () {\n   \n  const a = 1;   return a;\n})();\n"


def test_a_script_the_parser_does_not_read_cleanly_is_given_as_it_is() -> None:
    broken = "const a = (1; // not JavaScript\n"
    assert compact.without_comments(broken) == broken
    template = "const t = `line // not a comment\n  /* nor this */`; // this is\n"
    assert compact.without_comments(template) == "const t = `line // not a comment\n  /* nor this */`;  \n"
