"""Stack frames mapped back to connector files: where a script error happened, in source coordinates.

The bridge reports a failed method's error stack and, for each connector file that ran, the stack of
a probe created on the line just above that file's first line (see js_runtime/modules.py): a frame
in the same script whose line falls in the file's range is that file's line `frame - probe`, and the
column is unchanged (modules.py keeps columns). Frames elsewhere (the prelude, the executor's own
scripts) are dropped. Both engines write frames as `at NAME (SCRIPT:LINE:COLUMN)` or `at SCRIPT:LINE:COLUMN`.
Imports nothing of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_FRAME = re.compile(r"^\s*at (?:(?P<name>.*?) \()?(?P<script>[^()\s][^()]*?):(?P<line>\d+):(?P<column>\d+)\)?\s*$")
MAX_FRAMES = 20


@dataclass(frozen=True)
class _File:
    name: str
    script: str
    base: int
    lines: int


@dataclass(frozen=True)
class Location:
    """Where an error happened: `file:line:column` of the innermost connector frame, and the connector frames."""

    where: str
    stack: tuple[str, ...]


def locate(report: Any) -> Location | None:
    """The connector location of the bridge's `where` report, or None when no frame is in connector code."""
    if not isinstance(report, dict) or not isinstance(report.get("stack"), str):
        return None
    files = [f for f in (_file(item) for item in report.get("files") or []) if f is not None]
    frames: list[tuple[str, str]] = []
    for line in report["stack"].splitlines():
        match = _FRAME.match(line)
        if match is None:
            continue
        mapped = _map(match, files)
        if mapped is not None:
            frames.append(mapped)
        if len(frames) >= MAX_FRAMES:
            break
    if not frames:
        return None
    return Location(where=frames[0][1],
                    stack=tuple(f"at {name} ({place})" if name else f"at {place}" for name, place in frames))


def _file(item: Any) -> _File | None:
    if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[2], str)):
        return None
    for line in item[2].splitlines():
        match = _FRAME.match(line)
        if match is not None:
            return _File(item[0], match["script"], int(match["line"]), int(item[1]) if isinstance(item[1], int) else 0)
    return None


def _map(match: re.Match[str], files: list[_File]) -> tuple[str, str] | None:
    """(function name or '', file:line:column) of a frame in a connector file."""
    script, line, column = match["script"], int(match["line"]), int(match["column"])
    for file in files:
        if file.script == script and file.base < line <= file.base + file.lines:
            place = f"{file.name}:{line - file.base}:{column}"
            name = "default" if match["name"] == "__ceDefault" else match["name"]  # as Node names it
            return (name if name and name != "<anonymous>" else "", place)
    return None
