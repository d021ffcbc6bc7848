""""Did you mean" for names a user typed: the closest known names by difflib's ratio.

Imports nothing of the project; used by the CLI, the input reader and `check`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(word: str, known: Iterable[str], cutoff: float = 0.75) -> list[str]:
    """Known names close to `word` (compared case-insensitively), best first; [] when none is close."""
    by_folded: dict[str, str] = {}
    for name in known:
        by_folded.setdefault(name.casefold(), name)
    matches = difflib.get_close_matches(word.casefold(), list(by_folded), n=3, cutoff=cutoff)
    return [by_folded[m] for m in matches]


def did_you_mean(word: str, known: Iterable[str], cutoff: float = 0.75) -> str:
    """' (did you mean X?)' for the closest known name, or '' when none is close."""
    matches = close_matches(word, known, cutoff)
    return f" (did you mean {matches[0]!r}?)" if matches else ""
