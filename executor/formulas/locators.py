"""`$var` and `$copy` locators, read as the vendor's data builder reads them (`locatorToSteps`).

A locator is `$` (all variables), or steps after an optional `$`: `.name` (backslash escapes `.`,
`[`, `]` and `\\`) or `[index]`, where the index is the text's JavaScript number value (`[ 1]`,
`[01]` and `[1e0]` are all index 1) and must not be negative or NaN. A locator that does not start
with `$` is read as `$.` + locator. Only the standard library and `ExpressionSyntaxError` live here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from executor.formulas.jsvalues import UNDEFINED, ExpressionSyntaxError, js_to_number


@dataclass(frozen=True)
class Prop:
    """`.name`: an object member, or on a list a canonical index or `length`."""

    name: str


@dataclass(frozen=True)
class Index:
    """`[n]`: a list item; n may be fractional (then it finds nothing)."""

    number: float


Step = Prop | Index


def parse_locator(text: str) -> tuple[Step, ...]:
    """The steps of a locator, or ExpressionSyntaxError saying what is wrong."""
    if not text:
        raise ExpressionSyntaxError("empty locator")
    if text == "$":
        return ()
    if not text.startswith("$"):
        text = "$." + text
    steps: list[Step] = []
    pos = 1
    while pos < len(text):
        if text[pos] == ".":
            end = _next_separator(text, pos + 1)
            steps.append(Prop(_unescape(text[pos + 1:end])))
            pos = end
        elif text[pos] == "[":
            close = text.find("]", pos)
            if close == -1:
                raise ExpressionSyntaxError(f"no closing bracket for the bracket at offset {pos}")
            number = js_to_number(text[pos + 1:close])
            if math.isnan(number) or number < 0:
                raise ExpressionSyntaxError(f"invalid index [{text[pos + 1:close]}]: not a number >= 0")
            steps.append(Index(number))
            pos = close + 1
        else:
            raise ExpressionSyntaxError(f"unexpected {text[pos]!r} at offset {pos} (write .name or [index])")
    return tuple(steps)


def _next_separator(text: str, start: int) -> int:
    escaped = False
    for i in range(start, len(text)):
        if text[i] == "\\":
            escaped = not escaped
            continue
        if escaped:
            escaped = False
            continue
        if text[i] in "[.":
            return i
    return len(text)


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def canonical_index(name: str) -> int | None:
    """The list index a property name denotes in JavaScript ("0", "12"; not "01", "-1", "1.0")."""
    if 0 < len(name) <= 15 and name.isascii() and name.isdigit() and str(int(name)) == name:
        return int(name)
    return None


def read_prop(value: Any, name: str) -> Any:
    """`value[name]` for an object or a list (`length` and canonical indexes), else UNDEFINED."""
    if isinstance(value, Mapping):
        return value.get(name, UNDEFINED)
    if isinstance(value, list | tuple):
        if name == "length":
            return len(value)
        index = canonical_index(name)
        if index is not None and index < len(value):
            return value[index]
    return UNDEFINED


def read_index(value: Any, number: float) -> Any:
    """`value[number]` for a list, else UNDEFINED; fractional and out-of-range numbers find nothing."""
    if isinstance(value, list | tuple) and number == int(number) and 0 <= number < len(value):
        return value[int(number)]
    return UNDEFINED


def read(value: Any, steps: tuple[Step, ...]) -> Any:
    """Follow the steps from `value`; UNDEFINED as soon as one finds nothing."""
    for step in steps:
        value = read_prop(value, step.name) if isinstance(step, Prop) else read_index(value, step.number)
        if value is UNDEFINED:
            return UNDEFINED
    return value


def read_step(value: Any, key: str | int) -> Any:
    """One step by a Python key (dict key or list position), UNDEFINED when absent."""
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key, UNDEFINED)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return UNDEFINED
