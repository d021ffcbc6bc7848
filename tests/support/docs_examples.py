"""The Connector Builder docs' own JavaScript examples, read from the docs folder at test time.

They are not copied into this repository: tests run them unchanged from the pages they document.
The folder is `$CONNECTOR_EXECUTOR_DOCS`, default `../shared/docs` beside the checkout (the build
machine and CI have it; a fresh clone does not). Without it, `example()` gives "" and every test
marked `needs_docs` is skipped with the reason; with it, a missing example is a KeyError (the docs
changed). Each example is keyed by the page's file stem and the file named in its `// File:` comment.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

DOCS_ENV = "CONNECTOR_EXECUTOR_DOCS"
DOCS = Path(os.environ.get(DOCS_ENV) or Path(__file__).resolve().parents[2].parent / "shared" / "docs")
DOCS_AVAILABLE = DOCS.is_dir()
needs_docs = pytest.mark.skipif(
    not DOCS_AVAILABLE,
    reason=f"needs the Connector Builder docs at {DOCS} (outside the repository; set {DOCS_ENV} to their folder)")
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
    """One example ("" when the docs are absent: its tests are skipped); KeyError names what is
    missing if the docs changed."""
    if not DOCS_AVAILABLE:
        return ""
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
