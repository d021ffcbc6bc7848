"""The Connector Builder docs' own JavaScript examples, read from ../shared/docs at test time.

They are not copied into this repository: tests run them unchanged from the pages they document.
Each example is keyed by the page's file stem and the file named in its `// File:` comment.
"""

from __future__ import annotations

import functools
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2].parent / "shared" / "docs"
_FENCE = "```"


@functools.cache
def docs_examples() -> dict[tuple[str, str], str]:
    """{(page stem, 'auth/xyz.js'): code} for every JavaScript block naming its file."""
    examples: dict[tuple[str, str], str] = {}
    for page in sorted(DOCS.glob("*.md")):
        for block in _javascript_blocks(page.read_text(encoding="utf-8")):
            first = block.splitlines()[0].strip() if block.strip() else ""
            if first.startswith("// File:"):
                examples[(page.stem, first.removeprefix("// File:").strip())] = block
    return examples


def example(page: str, file: str) -> str:
    """One example; KeyError names what is missing if the docs changed."""
    return docs_examples()[(page, file)]


def _javascript_blocks(markdown: str) -> list[str]:
    blocks: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == _FENCE + "javascript":
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == _FENCE)
            blocks.append("\n".join(lines[i + 1:end]) + "\n")
            i = end
        i += 1
    return blocks
