"""JavaScript value rules shared by the formula nodes, and the `$eval` operators of the vendor's engine.

The UNDEFINED sentinel (JS `undefined`, distinct from None = JSON null); truthiness; `String(x)`;
strict deep equality (fast-deep-equal) and loose `==`; `Number(text)` and `parseFloat(text)`.
Imports only the standard library and executor.errors.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from executor.errors import InvalidInput


class ExpressionSyntaxError(ValueError):
    """A syntax problem in an expression, locator or placeholder; the compiler adds file and path."""


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
    """Deep equality as fast-deep-equal has it: `===` for scalars (NaN equals NaN), lists item by item,
    objects with the same keys and equal members (a subset is not equal)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return left == right or (_is_nan(left) and _is_nan(right))
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



def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\Z", re.ASCII)
_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)", re.ASCII)
_RADIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def _text_to_float(text: str) -> float:
    try:
        return float(text)
    except OverflowError:  # pragma: no cover - float() of text saturates to inf instead
        return math.inf


def js_to_number(text: str) -> float:
    """JavaScript's `Number(text)` (`+text`): "" is 0, hex/octal/binary literals, else NaN."""
    text = text.strip(_JS_SPACE)
    if not text:
        return 0.0
    if text in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if text[0] == "-" else math.inf
    radix = _RADIX.get(text[:2])
    if radix is not None:
        try:
            return float(int(text[2:], radix)) if text[2:].isascii() and text[2:].isalnum() else math.nan
        except ValueError:
            return math.nan
    return _text_to_float(text) if _DECIMAL.match(text) else math.nan


def js_parse_float(value: Any) -> float:
    """JavaScript's `parseFloat(value)`: the longest numeric prefix of `String(value)`, else NaN."""
    match = _FLOAT_PREFIX.match(js_string(value).lstrip(_JS_SPACE))
    if match is None:
        return math.nan
    text = match.group()
    return (-math.inf if text[0] == "-" else math.inf) if text.endswith("Infinity") else _text_to_float(text)


def _primitive_number(value: Any) -> float:
    """ToNumber of a primitive (string, number or boolean)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if is_number(value):
        return as_float(value)
    return js_to_number(value)


def loose_equal(left: Any, right: Any) -> bool:
    """JavaScript's `==` for JSON-like values (lists and objects compare by identity)."""
    if is_missing(left) or is_missing(right):
        return is_missing(left) and is_missing(right)
    left_container = isinstance(left, list | tuple | Mapping)
    right_container = isinstance(right, list | tuple | Mapping)
    if left_container or right_container:
        if left_container and right_container:
            return left is right
        # ToPrimitive: a list or object becomes its text, then compares with the primitive
        return loose_equal(js_string(left), right) if left_container else loose_equal(left, js_string(right))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, bool) and isinstance(right, bool):
        return left == right
    a, b = _primitive_number(left), _primitive_number(right)
    return a == b


def same_value_zero(left: Any, right: Any) -> bool:
    """`Array.prototype.includes` equality: `===`, except that NaN equals NaN."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return left == right or (_is_nan(left) and _is_nan(right))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return left is right


def _includes(items: Any, value: Any) -> bool:
    return any(same_value_zero(item, value) for item in items)


def _contains(value: Any, operand: Any) -> bool:
    if not truthy(value):
        return False
    if isinstance(value, list | tuple):
        return _includes(value, operand)
    needle = "undefined" if is_missing(operand) else js_string(operand).lower()
    return needle in js_string(value).lower()


def _is_empty(value: Any) -> bool:
    if isinstance(value, list | tuple | Mapping):
        return len(value) == 0
    return value is None or value is UNDEFINED or value == ""


def _ordered(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, operand: Any) -> bool:
        a, b = js_parse_float(value), js_parse_float(operand)
        return not (math.isnan(a) or math.isnan(b)) and test(a, b)

    return check


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "is": loose_equal,
    "isNot": lambda value, operand: not loose_equal(value, operand),
    "oneOf": lambda value, operand: isinstance(operand, list | tuple) and _includes(operand, value),
    "noneOf": lambda value, operand: not isinstance(operand, list | tuple) or not _includes(operand, value),
    "contains": _contains,
    "doesNotContain": lambda value, operand: not _contains(value, operand) if truthy(value) else True,
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
    "isEmpty": lambda value, _operand: _is_empty(value),
    "isNotEmpty": lambda value, _operand: not _is_empty(value),
}
"""`$eval` operators (value, operand) -> bool, as the vendor's OPERATOR_SPECS define them: `is` is
loose `==`, the orderings compare `parseFloat` of both sides, `contains` ignores case on text, and
`isEmpty`/`isNotEmpty` ignore their operand."""
