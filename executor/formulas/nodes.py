"""Compiled formula nodes: each a small frozen dataclass with `evaluate(scope)`.

`scope` maps variable names (`credentials`, `connectorParameters`, ...) to JSON-like values. Nodes
never raise for missing data: a path that leads nowhere is UNDEFINED. Evaluation follows the
vendor's data builder (`buildValue` of @membranehq/sdk, checked case by case by
tests/unit/test_formula_corpus.py): an object drops its UNDEFINED members and a list its UNDEFINED
items, and a non-empty object or list left with nothing becomes UNDEFINED itself (a literal `{}` or
`[]` stays). The value rules live in `jsvalues`, locators in `locators`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from executor.errors import InvalidInput
from executor.formulas import textual
from executor.formulas.jsonata_engine import compile_expression
from executor.formulas.jsvalues import (  # noqa: F401  (re-exported for expressions and callers)
    OPERATORS,
    UNDEFINED,
    Node,
    Scope,
    Segment,
    as_float,
    is_missing,
    is_number,
    js_add,
    js_equal,
    js_number,
    js_string,
    loose_equal,
    not_json,
    render,
    to_json,
    truthy,
)
from executor.formulas.locators import Step, read


def lookup(container: Any, segment: Segment) -> Any:
    """One step of an expression path (`${a.b[0]}`): object key or list index, else UNDEFINED."""
    from executor.formulas.locators import read_index, read_prop

    if isinstance(segment, int):
        return read_index(container, segment)
    return read_prop(container, segment)


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
    """A plain object: UNDEFINED members dropped; UNDEFINED when every member was (`{}` stays `{}`)."""

    items: tuple[tuple[str, Node], ...]

    def evaluate(self, scope: Scope) -> Any:
        """The object with UNDEFINED members left out, or UNDEFINED."""
        out = {}
        for key, node in self.items:
            value = node.evaluate(scope)
            if value is not UNDEFINED:
                out[key] = value
        return out if out or not self.items else UNDEFINED


@dataclass(frozen=True)
class ListNode:
    """A list: UNDEFINED items dropped; UNDEFINED when every item was (`[]` stays `[]`)."""

    items: tuple[Node, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The list without its UNDEFINED items, or UNDEFINED."""
        out = [value for value in (node.evaluate(scope) for node in self.items) if value is not UNDEFINED]
        return out if out or not self.items else UNDEFINED


@dataclass(frozen=True)
class VarNode:
    """`$var`: the value at a locator; `$` is all the variables."""

    steps: tuple[Step, ...]

    def evaluate(self, scope: Scope) -> Any:
        """The value at the locator, or UNDEFINED."""
        return read(scope, self.steps) if self.steps else dict(scope)


@dataclass(frozen=True)
class TemplateNode:
    """`$template`: text with embedded expressions; always a string (UNDEFINED/None render as "")."""

    parts: tuple[str | Node, ...]

    def evaluate(self, scope: Scope) -> str:
        """The joined text."""
        return "".join(part if isinstance(part, str) else render(part.evaluate(scope)) for part in self.parts)


@dataclass(frozen=True)
class TplNode:
    """`$tpl`: each `{name}` replaced, value by value in order, by that value's text (null/UNDEFINED: "").

    A `$` in a value is copied as is (the vendor's `String.replace` reads `$&`, `$1`... as patterns).
    """

    template: str
    values: tuple[tuple[str, Node], ...]

    def evaluate(self, scope: Scope) -> str:
        """The filled-in text."""
        text = self.template
        for name, node in self.values:
            text = text.replace("{" + name + "}", render(node.evaluate(scope)))
        return text


@dataclass(frozen=True)
class ConcatNode:
    """`$concat`: the texts of a list's items joined by a delimiter, skipping null/UNDEFINED/"" items."""

    values: Node
    delimiter: Node

    def evaluate(self, scope: Scope) -> Any:
        """The joined string; UNDEFINED unless the values are a non-empty list."""
        values = self.values.evaluate(scope)
        if not isinstance(values, list | tuple) or not values:
            return UNDEFINED
        texts = (js_string(v) for v in values if not is_missing(v))
        return js_string(self.delimiter.evaluate(scope)).join(t for t in texts if t != "")


@dataclass(frozen=True)
class FirstNotEmptyNode:
    """`$firstNotEmpty`: the first item of the list that is not null or UNDEFINED."""

    items: Node

    def evaluate(self, scope: Scope) -> Any:
        """The first present value, or UNDEFINED."""
        values = self.items.evaluate(scope)
        if isinstance(values, list | tuple):
            for value in values:
                if not is_missing(value):
                    return value
        return UNDEFINED


@dataclass(frozen=True)
class CaseNode:
    """`$case`: the value of the first case whose filter matches, else the default.

    A case without a filter (or with a falsy literal one) always matches; a filter that evaluates
    to null or UNDEFINED matches too (the vendor's `?? true`).
    """

    cases: tuple[tuple[Node | None, Node], ...]
    default: Node

    def evaluate(self, scope: Scope) -> Any:
        """The chosen case's value."""
        for condition, value in self.cases:
            if condition is None:
                return value.evaluate(scope)
            matched = condition.evaluate(scope)
            if is_missing(matched) or truthy(matched):
                return value.evaluate(scope)
        chosen = self.default.evaluate(scope)
        return UNDEFINED if chosen is None else chosen


@dataclass(frozen=True)
class MapNode:
    """`$map`: the `to` of the first row whose `from` equals the value (deeply, or by loose `==`)."""

    value: Node
    table: tuple[tuple[Node, Node], ...]
    default: Node

    def evaluate(self, scope: Scope) -> Any:
        """The matching row's `to`, or the default."""
        value = self.value.evaluate(scope)
        for source, target in self.table:
            expected = source.evaluate(scope)
            if js_equal(value, expected) or loose_equal(value, expected):
                return target.evaluate(scope)
        return self.default.evaluate(scope)


@dataclass(frozen=True)
class EvalNode:
    """`$eval`: one operator applied to the value and the operand."""

    value: Node
    operator: str
    operand: Node

    def evaluate(self, scope: Scope) -> bool:
        """The boolean result."""
        return OPERATORS[self.operator](self.value.evaluate(scope), self.operand.evaluate(scope))


def _present(items: Node, scope: Scope) -> list[Any] | None:
    """The non-null items of a list-valued node; None unless it is a list with at least one."""
    values = items.evaluate(scope)
    if not isinstance(values, list | tuple):
        return None
    present = [value for value in values if not is_missing(value)]
    return present or None


@dataclass(frozen=True)
class AllOfNode:
    """`$and`: whether every non-null item is truthy; UNDEFINED when no item is present."""

    items: Node

    def evaluate(self, scope: Scope) -> Any:
        """The boolean result, or UNDEFINED."""
        present = _present(self.items, scope)
        return UNDEFINED if present is None else all(map(truthy, present))


@dataclass(frozen=True)
class AnyOfNode:
    """`$or`: whether some item is truthy; UNDEFINED when no item is present."""

    items: Node

    def evaluate(self, scope: Scope) -> Any:
        """The boolean result, or UNDEFINED."""
        present = _present(self.items, scope)
        return UNDEFINED if present is None else any(map(truthy, present))


@dataclass(frozen=True)
class MergeObjectsNode:
    """`$mergeObjects`: shallow merge of the objects (and lists, by index) among the items."""

    items: Node

    def evaluate(self, scope: Scope) -> Any:
        """The merged object, or UNDEFINED when it is empty."""
        values = self.items.evaluate(scope)
        if not isinstance(values, list | tuple):
            return UNDEFINED
        out: dict[str, Any] = {}
        for value in values:
            if isinstance(value, Mapping):
                out.update(value)
            elif isinstance(value, list | tuple):  # Object.assign copies a list's items by index
                out.update((str(i), item) for i, item in enumerate(value))
        return out or UNDEFINED


@dataclass(frozen=True)
class IterateNode:
    """`$iterate`: `item` evaluated per element of `source` with variables `item`, `index`, `parent`.

    Only `item`, `index` and `parent` (the outer variables) are visible inside; falsy results are
    dropped, and an empty result is UNDEFINED.
    """

    source: Node
    item: Node

    def evaluate(self, scope: Scope) -> Any:
        """The list of results, or UNDEFINED."""
        source = self.source.evaluate(scope)
        if not isinstance(source, list | tuple):
            return UNDEFINED
        parent = dict(scope)
        results = (self.item.evaluate({"item": v, "parent": parent, "index": i}) for i, v in enumerate(source))
        out = [value for value in results if truthy(value)]
        return out or UNDEFINED


@dataclass(frozen=True)
class OnValueNode:
    """A formula computing from one value: `$domainFromEmail`, `$extractDate`, `$firstName`, ..."""

    name: str
    function: Callable[[Any], Any]
    value: Node

    def evaluate(self, scope: Scope) -> Any:
        """The function of the value."""
        return self.function(self.value.evaluate(scope))


def domain_from_email(value: Any) -> Any:
    """The part after the only `@` of a string, else UNDEFINED."""
    if not isinstance(value, str):
        return UNDEFINED
    parts = value.split("@")
    return parts[1] if len(parts) == 2 else UNDEFINED


def _datetime_part(start: int, end: int) -> Callable[[Any], Any]:
    def extract(value: Any) -> Any:
        moment = textual.parse_datetime(value)
        return UNDEFINED if moment is None else textual.iso_string(moment)[start:end]

    return extract


extract_date = _datetime_part(0, 10)
extract_time = _datetime_part(11, 19)


def first_name(value: Any) -> Any:
    """humanparser's first name, only when a last name was found too."""
    parts = textual.parse_name("" if is_missing(value) else js_string(value))
    return parts.get("firstName", UNDEFINED) if parts.get("lastName") else UNDEFINED


def last_name(value: Any) -> Any:
    """humanparser's last name, else its first name (a single word), else UNDEFINED."""
    parts = textual.parse_name("" if is_missing(value) else js_string(value))
    return parts.get("lastName") or parts.get("firstName") or UNDEFINED


@dataclass(frozen=True)
class JsonataNode:
    """`$jsonata`: a JSONata expression (jsonata-python) over the variables; errors give UNDEFINED."""

    expression: Node

    def evaluate(self, scope: Scope) -> Any:
        """The expression's value, or UNDEFINED."""
        text = self.expression.evaluate(scope)
        if not isinstance(text, str) or not text:
            return UNDEFINED
        try:
            return _from_jsonata(compile_expression(text).evaluate(dict(scope)))
        except Exception:  # noqa: BLE001 - any JSONata failure is UNDEFINED, as in the vendor's engine
            return UNDEFINED


def _from_jsonata(value: Any) -> Any:
    """jsonata-python's result as formula values: its None is UNDEFINED, its null sentinel None."""
    if value is None:
        return UNDEFINED
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Mapping):
        return {str(k): v for k, v in ((k, _from_jsonata(v)) for k, v in value.items()) if v is not UNDEFINED}
    if isinstance(value, list | tuple):
        return [v for v in map(_from_jsonata, value) if v is not UNDEFINED]
    if type(value).__name__ == "NullValue" or repr(value) == "null":
        return None
    raise InvalidInput(f"$jsonata gave a value of type {type(value).__name__}, which is not JSON")


@dataclass(frozen=True)
class CopyNode:
    """`$copy`: a reference to another place of the mapping's own result, filled in by `resolve_copies`."""

    locator: Node

    def evaluate(self, scope: Scope) -> Any:
        """A CopyRef to be replaced once the whole mapping is evaluated."""
        return CopyRef(self.locator.evaluate(scope))


@dataclass(frozen=True)
class CopyRef:
    """A pending `$copy` inside an evaluated mapping."""

    locator: Any


@dataclass(frozen=True)
class FormulaNode:
    """`$formula`: the argument as written, with each `$var` inside it replaced by its value.

    Other formulas inside stay as written (their `$var`s replaced); an UNDEFINED value removes the
    member or item; empty objects and lists stay.
    """

    template: Any  # a nested structure of dicts, lists, scalars and VarNodes

    def evaluate(self, scope: Scope) -> Any:
        """The substituted structure."""
        return _substitute(self.template, scope)


def _substitute(value: Any, scope: Scope) -> Any:
    if isinstance(value, VarNode):
        return value.evaluate(scope)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _substitute(item, scope)
            if item is not UNDEFINED:
                out[key] = item
        return out
    if isinstance(value, list):
        return [item for item in (_substitute(v, scope) for v in value) if item is not UNDEFINED]
    return value


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
