"""Compiled formula nodes, the UNDEFINED sentinel, and the JavaScript value rules they share.

Every node is a small frozen dataclass with `evaluate(scope)`, where `scope` maps top-level variable
names (`credentials`, `connectorParameters`, ...) to JSON-like values. Nodes never raise for missing
data: a path that leads nowhere is UNDEFINED. The only evaluation errors are `InvalidInput`, raised
when the variables hold something that is not JSON-like; their messages name types, never values.

Value rules follow JavaScript where it matters to mapping authors:

* truthiness: UNDEFINED, None, False, 0, NaN and "" are falsy, everything else (even [] and {}) truthy;
* string conversion: numbers print as JS prints them (1.0 -> "1", 1e-7 -> "1e-7"), booleans as
  "true"/"false", lists joined with ",", objects as "[object Object]";
* equality (`is`, `oneOf`, `$map`) is strict like `===` (1 is not True, "1" is not 1) but deep for
  lists and objects.
"""

from __future__ import annotations

import copy
import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from executor.errors import InvalidInput

Scope = Mapping[str, Any]
Segment = str | int


class _Undefined(enum.Enum):
    UNDEFINED = "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined.UNDEFINED
"""The value of anything missing; distinct from None (JSON null). Dropped from objects on output."""


class Node(Protocol):
    """A compiled piece of a mapping."""

    def evaluate(self, scope: Scope) -> Any:
        """Compute this node's value for the given variables."""
        ...


# --- JavaScript value rules ---------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """True for UNDEFINED and None (JS `undefined` and `null`)."""
    return value is UNDEFINED or value is None


def is_number(value: Any) -> bool:
    """True for ints and floats, but not booleans."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """JavaScript truthiness."""
    if is_missing(value) or value is False or value == "":
        return False
    if is_number(value):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    return True


def as_float(number: int | float) -> float:
    """Convert to float, turning ints too large for a double into +-Infinity like JS parsing does."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def js_number(number: int | float) -> str:
    """Format a number as JavaScript's `String(number)` does."""
    if isinstance(number, int) and abs(number) < 10**21:
        return str(number)
    number = as_float(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(abs(number))).as_tuple()
    digits = "".join(map(str, digit_tuple))
    stripped = digits.rstrip("0")
    exponent = int(exponent) + len(digits) - len(stripped)
    prefix = "-" if number < 0 else ""
    return prefix + _place_point(stripped, exponent + len(stripped))


def _place_point(digits: str, point: int) -> str:
    """The ECMAScript Number::toString layout for `0.digits * 10**point`."""
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    exp = point - 1
    return f"{mantissa}e{'+' if exp >= 0 else '-'}{abs(exp)}"


def js_string(value: Any) -> str:
    """JavaScript's `String(value)` for JSON-like values."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number(value)
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, list | tuple):
        return ",".join(render(item) for item in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    raise not_json(value)


def render(value: Any) -> str:
    """A value as text inside a template: UNDEFINED and None render as the empty string."""
    return "" if is_missing(value) else js_string(value)


def not_json(value: Any) -> InvalidInput:
    """The error for a non-JSON value found in the variables (names the type, not the value)."""
    kind = type(value).__name__
    return InvalidInput(f"formula variables contain a value of type {kind}, which is not JSON")


def js_equal(left: Any, right: Any) -> bool:
    """Strict equality (`===`) for scalars, deep equality for lists and objects."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(js_equal, left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(js_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return left is right


def js_add(left: Any, right: Any) -> Any:
    """`+`: numeric addition for two numbers/booleans, otherwise concatenation of their texts.

    Unlike JavaScript, UNDEFINED and None concatenate as "" (never "undefined"/"null"/NaN).
    """
    if (is_number(left) or isinstance(left, bool)) and (is_number(right) or isinstance(right, bool)):
        if isinstance(left, float) or isinstance(right, float):
            return as_float(left) + as_float(right)
        return int(left) + int(right)
    return render(left) + render(right)


def lookup(container: Any, segment: Segment) -> Any:
    """One step of a path: object key or list index; anything that does not fit is UNDEFINED."""
    if isinstance(container, Mapping):
        key = segment if isinstance(segment, str) else str(segment)
        return container.get(key, UNDEFINED)
    if isinstance(container, list | tuple):
        index = segment if isinstance(segment, int) else _index(segment)
        if index is not None and 0 <= index < len(container):
            return container[index]
    return UNDEFINED


def _index(segment: str) -> int | None:
    """A canonical array index written as text ("0", "12"), else None."""
    if 0 < len(segment) <= 15 and segment.isascii() and segment.isdigit() and str(int(segment)) == segment:
        return int(segment)
    return None


def to_json(value: Any) -> Any:
    """A fresh plain-JSON copy: UNDEFINED object members dropped, UNDEFINED list items -> None."""
    if value is UNDEFINED or value is None or isinstance(value, str | bool | int | float):
        return None if value is UNDEFINED else value
    if isinstance(value, Mapping):
        return {_json_key(k): to_json(v) for k, v in value.items() if v is not UNDEFINED}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    raise not_json(value)


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    raise InvalidInput(f"formula variables contain an object key of type {type(key).__name__}")


def is_empty(value: Any) -> bool:
    """Empty for `isEmpty`: UNDEFINED, None, "", [] and {}."""
    if is_missing(value) or value == "":
        return True
    return isinstance(value, list | tuple | Mapping) and len(value) == 0


# --- $eval operators ----------------------------------------------------------------------------


def _compare(left: Any, right: Any) -> int | None:
    """-1/0/1 for two numbers or two strings, None when they cannot be ordered."""
    both_numbers = is_number(left) and is_number(right)
    if both_numbers and not any(isinstance(v, float) and math.isnan(v) for v in (left, right)):
        return int((left > right) - (left < right))
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    return None


def _ordered(test: Callable[[int], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, operand: Any) -> bool:
        order = _compare(value, operand)
        return order is not None and test(order)

    return check


def _contains(value: Any, operand: Any) -> bool:
    if isinstance(value, str):
        return isinstance(operand, str) and operand in value
    if isinstance(value, list | tuple):
        return any(js_equal(item, operand) for item in value)
    return False


def _one_of(value: Any, operand: Any) -> bool:
    return isinstance(operand, list | tuple) and any(js_equal(value, item) for item in operand)


def _affix(method: str) -> Callable[[Any, Any], bool]:
    def check(value: Any, operand: Any) -> bool:
        return isinstance(value, str) and isinstance(operand, str) and getattr(value, method)(operand)

    return check


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "is": js_equal,
    "isNot": lambda value, operand: not js_equal(value, operand),
    "isEmpty": lambda value, operand: is_empty(value) == truthy(operand),
    "isNotEmpty": lambda value, operand: (not is_empty(value)) == truthy(operand),
    "contains": _contains,
    "oneOf": _one_of,
    "gt": _ordered(lambda order: order > 0),
    "gte": _ordered(lambda order: order >= 0),
    "lt": _ordered(lambda order: order < 0),
    "lte": _ordered(lambda order: order <= 0),
    "startsWith": _affix("startswith"),
    "endsWith": _affix("endswith"),
}
"""`$eval` operators (value, operand) -> bool; `isEmpty: false` means "is not empty"."""


# --- structural nodes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """A constant; containers (from `$plain`) are copied on every evaluation."""

    value: Any

    def evaluate(self, scope: Scope) -> Any:
        """The constant itself (a deep copy for lists and objects)."""
        if isinstance(self.value, list | dict):
            return copy.deepcopy(self.value)
        return self.value


@dataclass(frozen=True)
class ObjectNode:
    """A plain object whose values are formulas; members that evaluate to UNDEFINED are dropped."""

    items: tuple[tuple[str, Node], ...]

    def evaluate(self, scope: Scope) -> dict[str, Any]:
        """The object with UNDEFINED members left out."""
        out = {}
        for key, node in self.items:
            value = node.evaluate(scope)
            if value is not UNDEFINED:
                out[key] = value
        return out


@dataclass(frozen=True)
class ListNode:
    """A list of formulas; UNDEFINED items become None."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> list[Any]:
        """The list with UNDEFINED items as None."""
        values = (node.evaluate(scope) for node in self.items)
        return [None if value is UNDEFINED else value for value in values]


@dataclass(frozen=True)
class VarNode:
    """A variable path such as `credentials.apiKey` or `items[0]['id']`; the empty path is the whole scope."""

    path: tuple[Segment, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The value at the path, or UNDEFINED."""
        value: Any = scope
        for segment in self.path:
            value = lookup(value, segment)
            if value is UNDEFINED:
                return UNDEFINED
        return dict(scope) if not self.path else value


@dataclass(frozen=True)
class TemplateNode:
    """Text with embedded expressions (`$template`, `$tpl`); always evaluates to a string."""

    parts: tuple[str | Node, ...]

    def evaluate(self, scope: Scope) -> str:
        """The joined text; UNDEFINED and None parts render as ""."""
        return "".join(part if isinstance(part, str) else render(part.evaluate(scope)) for part in self.parts)


@dataclass(frozen=True)
class ConcatNode:
    """`$concat`: the texts of a list's items joined by a delimiter, skipping UNDEFINED/None items."""

    values: Node
    delimiter: Node

    def evaluate(self, scope: Scope) -> str:
        """The joined string."""
        values = self.values.evaluate(scope)
        items = values if isinstance(values, list | tuple) else [values]
        return render(self.delimiter.evaluate(scope)).join(js_string(v) for v in items if not is_missing(v))


@dataclass(frozen=True)
class FirstNotEmptyNode:
    """`$firstNotEmpty`: the first item that is not UNDEFINED, None or "" (evaluated lazily)."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The first non-empty value, or UNDEFINED."""
        for node in self.items:
            value = node.evaluate(scope)
            if not is_missing(value) and value != "":
                return value
        return UNDEFINED


@dataclass(frozen=True)
class CaseNode:
    """`$case`: the value of the first case whose filter is truthy, else the default."""

    cases: tuple[tuple[Node, Node], ...]
    default: Node

    def evaluate(self, scope: Scope) -> Any:
        """The chosen case's value."""
        for condition, value in self.cases:
            if truthy(condition.evaluate(scope)):
                return value.evaluate(scope)
        return self.default.evaluate(scope)


@dataclass(frozen=True)
class MapNode:
    """`$map`: looks a value up in a from/to table (strict deep equality), else the default."""

    value: Node
    table: tuple[tuple[Node, Node], ...]
    default: Node

    def evaluate(self, scope: Scope) -> Any:
        """The `to` of the first matching `from`, or the default."""
        value = self.value.evaluate(scope)
        for source, target in self.table:
            if js_equal(value, source.evaluate(scope)):
                return target.evaluate(scope)
        return self.default.evaluate(scope)


@dataclass(frozen=True)
class EvalNode:
    """`$eval`: true when every operator check holds; with no operators, the value's truthiness."""

    value: Node
    checks: tuple[tuple[str, Node], ...]

    def evaluate(self, scope: Scope) -> bool:
        """The boolean result."""
        value = self.value.evaluate(scope)
        if not self.checks:
            return truthy(value)
        return all(OPERATORS[name](value, operand.evaluate(scope)) for name, operand in self.checks)


@dataclass(frozen=True)
class AllOfNode:
    """`$and`: true when every condition is truthy (short-circuits; empty is true)."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> bool:
        """The boolean result."""
        return all(truthy(node.evaluate(scope)) for node in self.items)


@dataclass(frozen=True)
class AnyOfNode:
    """`$or`: true when some condition is truthy (short-circuits; empty is false)."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> bool:
        """The boolean result."""
        return any(truthy(node.evaluate(scope)) for node in self.items)


@dataclass(frozen=True)
class MergeObjectsNode:
    """`$mergeObjects`: shallow merge of the objects among the items, later keys win."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> dict[str, Any]:
        """The merged object (non-objects skipped)."""
        out: dict[str, Any] = {}
        for node in self.items:
            value = node.evaluate(scope)
            if isinstance(value, Mapping):
                out.update(value)
        return out


@dataclass(frozen=True)
class IterateNode:
    """`$iterate`: evaluates `item` once per element of `source`, with variables `item` and `index`."""

    source: Node
    item: Node

    def evaluate(self, scope: Scope) -> Any:
        """The list of results, or UNDEFINED when the source is not a list."""
        source = self.source.evaluate(scope)
        if not isinstance(source, list | tuple):
            return UNDEFINED
        results = (self.item.evaluate({**scope, "item": v, "index": i}) for i, v in enumerate(source))
        return [None if value is UNDEFINED else value for value in results]


# --- expression nodes (inside `${...}`) ---------------------------------------------------------


@dataclass(frozen=True)
class AddNode:
    """`a + b + ...`, folded left to right with `js_add`."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The sum or concatenation."""
        result = self.items[0].evaluate(scope)
        for node in self.items[1:]:
            result = js_add(result, node.evaluate(scope))
        return result


@dataclass(frozen=True)
class CoalesceNode:
    """`a ?? b ?? ...`: the first value that is not UNDEFINED/None (else the last)."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The first present value."""
        value: Any = UNDEFINED
        for node in self.items:
            value = node.evaluate(scope)
            if not is_missing(value):
                return value
        return value


@dataclass(frozen=True)
class OrNode:
    """`a || b || ...`: the first truthy value (else the last), as in JavaScript."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The first truthy value."""
        value: Any = UNDEFINED
        for node in self.items:
            value = node.evaluate(scope)
            if truthy(value):
                return value
        return value


@dataclass(frozen=True)
class AndNode:
    """`a && b && ...`: the first falsy value (else the last), as in JavaScript."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The first falsy value."""
        value: Any = UNDEFINED
        for node in self.items:
            value = node.evaluate(scope)
            if not truthy(value):
                return value
        return value


@dataclass(frozen=True)
class CallNode:
    """A call to one of the expression language's built-in functions."""

    name: str
    function: Callable[..., Any]
    args: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The function's result."""
        return self.function(*(arg.evaluate(scope) for arg in self.args))
