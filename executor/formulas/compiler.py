"""Compiles a parsed mapping file (dicts, lists, scalars) into a node tree, once, at connector load.

A dict with a `$`-key is a formula; it must be that dict's only key, except that `$eval` may have
operator keys beside it. Other dicts are plain objects whose values are compiled recursively; lists
are compiled item by item; scalars are literals (JSON types only: a YAML date must be quoted).
Wherever a shape below says <formula>, any mapping value (formula, object, list or literal) fits.

    {$var: "credentials.apiKey"}        also "$.a.b", "a[0]['k']", "a.0"; "$" is all variables
    {$template: "Bearer ${expr}"}       see `expressions`; UNDEFINED/None render as ""
    {$tpl: {template: "Bearer {token}", values: {token: <formula>}}}
    {$concat: [<formula>, ...]}         or {$concat: {values: <list or formula>, delimiter: <formula>}}
    {$firstNotEmpty: [<formula>, ...]}  first value not UNDEFINED, None or ""
    {$case: {cases: [{filter: <formula>, value: <formula>}, ...], default: <formula>}}
    {$map: {value: <formula>, mapping: [{from: <formula>, to: <formula>}, ...], default: <formula>}}
    {$eval: <formula>, <op>: <formula>, ...}        operators beside $eval, or inside it:
    {$eval: {value: <formula>, <op>: <formula>, ...}}
        op: is isNot isEmpty isNotEmpty contains oneOf gt gte lt lte startsWith endsWith; several
        operators must all hold; with none, the value's truthiness
    {$and: [<formula>, ...]}, {$or: [<formula>, ...]}   booleans, JS truthiness, short-circuit
    {$plain: <anything>}                returned as written
    {$mergeObjects: [<formula>, ...]}   shallow merge of the objects, later keys win
    {$iterate: {source: <formula>, item: <formula>}}    `item` and `index` are variables in `item`

Compile errors are `FormulaError`s whose message names the file and the path inside it; they can
only quote the mapping itself, never variables.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from executor.errors import ConnectorInvalid, InvalidInput
from executor.formulas.expressions import (
    ExpressionSyntaxError,
    Placeholder,
    parse_locator,
    parse_template,
    split_placeholders,
)
from executor.formulas.nodes import (
    OPERATORS,
    UNDEFINED,
    AllOfNode,
    AnyOfNode,
    CaseNode,
    ConcatNode,
    EvalNode,
    FirstNotEmptyNode,
    IterateNode,
    ListNode,
    Literal,
    MapNode,
    MergeObjectsNode,
    Node,
    ObjectNode,
    Segment,
    TemplateNode,
    VarNode,
    to_json,
)
from executor.limits import LIMITS

DEFAULT_VARIABLES = frozenset(
    {"connectorParameters", "connectionParameters", "connectionInput", "credentials", "redirectUri", "state"}
)
"""Variable names a `${...}` path may start with, unless `compile_mapping` is given others."""

MAX_DEPTH = LIMITS.mapping_depth
"""Deepest allowed nesting of a mapping file (keys plus list indexes)."""

MAX_VALUES = LIMITS.mapping_values
"""Most values a mapping may compile to (YAML aliases could otherwise expand exponentially)."""

Path = tuple[Segment, ...]


class FormulaError(ConnectorInvalid):
    """A mapping that cannot be compiled; the message names the file and the path inside it."""

    @classmethod
    def at(cls, source: str, path: Path, problem: str) -> FormulaError:
        """Build the error for `problem` at `path` in file `source`."""
        where = format_path(path)
        return cls(f"{source}: {where}: {problem}", details={"file": source, "path": where})


def format_path(path: Path) -> str:
    """`headers.Authorization.$template`, `scopes[0]`, `a["odd.key"]`; `(root)` for the empty path."""
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        elif segment and not any(c in segment for c in '.[]"\' \t\n'):
            out += f".{segment}" if out else segment
        else:
            out += f"[{json.dumps(segment)}]"
    return out or "(root)"


@dataclass(frozen=True)
class Formula:
    """A compiled mapping; evaluate it any number of times with different variables."""

    root: Node
    source: str

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The mapping's plain-JSON value for these variables (UNDEFINED at the top becomes None)."""
        if not isinstance(variables, Mapping):
            raise InvalidInput(f"{self.source}: formula variables must be an object")
        try:
            return to_json(self.root.evaluate(variables))
        except InvalidInput as exc:
            raise InvalidInput(f"{self.source}: {exc.message}") from None
        except RecursionError:
            raise InvalidInput(f"{self.source}: formula variables are nested too deeply") from None


def compile_mapping(value: Any, *, source: str, variables: Collection[str] = DEFAULT_VARIABLES) -> Formula:
    """Compile a parsed mapping file; `variables` are the names `${...}` expressions may use."""
    return Formula(_Compiler(source, frozenset(variables)).compile(value, ()), source)


@dataclass
class _Compiler:
    """Compilation state: the file name, the variable names in scope, and how many values so far."""

    source: str
    roots: frozenset[str]
    count: int = 0

    def visit(self, path: Path) -> None:
        """Enforce MAX_DEPTH and MAX_VALUES before compiling the value at `path`."""
        if len(path) > MAX_DEPTH:
            raise self.error(path[:MAX_DEPTH], f"mapping is nested deeper than {MAX_DEPTH} levels")
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.error(path, f"mapping has more than {MAX_VALUES} values")

    def error(self, path: Path, problem: str) -> FormulaError:
        """A FormulaError at `path` in this file."""
        return FormulaError.at(self.source, path, problem)

    def syntax(self, path: Path, parse: Callable[..., Any], *args: Any) -> Any:
        """Run an expression-level parser, turning its syntax errors into FormulaErrors at `path`."""
        try:
            return parse(*args)
        except ExpressionSyntaxError as exc:
            raise self.error(path, str(exc)) from None

    def compile(self, value: Any, path: Path) -> Node:
        """Compile any mapping value found at `path`."""
        self.visit(path)
        if isinstance(value, dict):
            return self.compile_dict(value, path)
        if isinstance(value, list):
            return ListNode(tuple(self.compile(item, (*path, i)) for i, item in enumerate(value)))
        return Literal(self.scalar(value, path))

    def compile_dict(self, value: dict[Any, Any], path: Path) -> Node:
        """A formula when the dict has a `$`-key, else a plain object."""
        for key in value:
            if not isinstance(key, str):
                raise self.error(path, f"object keys must be strings, not {type(key).__name__} (quote it)")
        formula_keys = [key for key in value if key.startswith("$")]
        if not formula_keys:
            return ObjectNode(tuple((key, self.compile(item, (*path, key))) for key, item in value.items()))
        if len(formula_keys) > 1:
            raise self.error(path, f"more than one formula key ({', '.join(formula_keys)})")
        key = formula_keys[0]
        siblings = {k: v for k, v in value.items() if k != key}
        if key == "$eval":
            return compile_eval(self, value[key], siblings, path)
        handler = FORMULAS.get(key)
        if handler is None:
            raise self.error((*path, key), f"unknown formula {key}")
        if siblings:
            raise self.error(path, f"{key} cannot be combined with other keys ({', '.join(siblings)})")
        return handler(self, value[key], (*path, key))

    def scalar(self, value: Any, path: Path) -> Any:
        """Check that a literal scalar is JSON: a string, boolean, null or finite number."""
        if value is None or isinstance(value, str | bool | int):
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        kind = type(value).__name__
        raise self.error(path, f"unsupported value of type {kind} (quote it or use JSON types)")

    def plain(self, value: Any, path: Path) -> Any:
        """Check a `$plain` value: JSON all the way down, with string keys and bounded size."""
        self.visit(path)
        if isinstance(value, list):
            return [self.plain(item, (*path, i)) for i, item in enumerate(value)]
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise self.error(path, f"object keys must be strings, not {type(key).__name__}")
            return {key: self.plain(item, (*path, key)) for key, item in value.items()}
        return self.scalar(value, path)

    def args(self, value: Any, path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
             ) -> dict[str, Any]:
        """Check a formula's object argument: the required keys present, no keys beyond the allowed."""
        allowed = ", ".join(required + optional)
        if not isinstance(value, dict):
            raise self.error(path, f"expects an object with keys {allowed}")
        for key in required:
            if key not in value:
                raise self.error(path, f"missing key '{key}'")
        for key in value:
            if key not in required + optional:
                raise self.error(path, f"unknown key '{key}' (expected {allowed})")
        return value

    def items(self, value: Any, path: Path) -> tuple[Node, ...]:
        """Compile a formula's list argument item by item."""
        if not isinstance(value, list):
            raise self.error(path, "expects a list")
        return tuple(self.compile(item, (*path, i)) for i, item in enumerate(value))

    def optional(self, args: dict[str, Any], key: str, path: Path) -> Node:
        """Compile `args[key]` if present, else a node that is UNDEFINED."""
        return self.compile(args[key], (*path, key)) if key in args else Literal(UNDEFINED)


# --- one compile function per formula -----------------------------------------------------------


def compile_var(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$var: credentials.apiKey`"""
    if not isinstance(arg, str):
        raise c.error(path, "expects a variable path string")
    return VarNode(c.syntax(path, parse_locator, arg))


def compile_template(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$template: "Bearer ${credentials.token}"`"""
    if not isinstance(arg, str):
        raise c.error(path, "expects a template string")
    return TemplateNode(c.syntax(path, parse_template, arg, c.roots))


def compile_tpl(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$tpl: {template: "Bearer {token}", values: {token: <formula>}}`"""
    args = c.args(arg, path, ("template",), ("values",))
    template, values = args["template"], args.get("values", {})
    if not isinstance(template, str):
        raise c.error((*path, "template"), "expects a string")
    if not isinstance(values, dict):
        raise c.error((*path, "values"), "expects an object")
    nodes = {name: c.compile(value, (*path, "values", name)) for name, value in values.items()}
    parts: list[str | Node] = []
    for part in split_placeholders(template):
        if isinstance(part, Placeholder) and part.name not in nodes:
            raise c.error((*path, "template"), f"placeholder {{{part.name}}} has no entry in values")
        parts.append(nodes[part.name] if isinstance(part, Placeholder) else part)
    return TemplateNode(tuple(parts))


def compile_concat(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$concat: [a, b]` or `$concat: {values: <list or formula>, delimiter: ", "}`"""
    if isinstance(arg, list):
        return ConcatNode(ListNode(c.items(arg, path)), Literal(""))
    if isinstance(arg, dict) and not any(isinstance(k, str) and k.startswith("$") for k in arg):
        args = c.args(arg, path, ("values",), ("delimiter",))
        delimiter = c.compile(args.get("delimiter", ""), (*path, "delimiter"))
        return ConcatNode(c.compile(args["values"], (*path, "values")), delimiter)
    raise c.error(path, "expects a list, or an object with keys values, delimiter")


def compile_first_not_empty(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$firstNotEmpty: [a, b, ...]`"""
    return FirstNotEmptyNode(c.items(arg, path))


def compile_case(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$case: {cases: [{filter: <condition>, value: <formula>}, ...], default: <formula>}`"""
    args = c.args(arg, path, ("cases",), ("default",))
    cases_path = (*path, "cases")
    if not isinstance(args["cases"], list):
        raise c.error(cases_path, "expects a list")
    cases = []
    for i, case in enumerate(args["cases"]):
        case = c.args(case, (*cases_path, i), ("filter", "value"))
        filter_node = c.compile(case["filter"], (*cases_path, i, "filter"))
        cases.append((filter_node, c.compile(case["value"], (*cases_path, i, "value"))))
    return CaseNode(tuple(cases), c.optional(args, "default", path))


def compile_map(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$map: {value: <formula>, mapping: [{from: x, to: y}, ...], default: <formula>}`"""
    args = c.args(arg, path, ("value", "mapping"), ("default",))
    table_path = (*path, "mapping")
    if not isinstance(args["mapping"], list):
        raise c.error(table_path, "expects a list")
    table = []
    for i, row in enumerate(args["mapping"]):
        row = c.args(row, (*table_path, i), ("from", "to"))
        source = c.compile(row["from"], (*table_path, i, "from"))
        table.append((source, c.compile(row["to"], (*table_path, i, "to"))))
    value = c.compile(args["value"], (*path, "value"))
    return MapNode(value, tuple(table), c.optional(args, "default", path))


def compile_eval(c: _Compiler, arg: Any, siblings: dict[str, Any], path: Path) -> Node:
    """`{$eval: <formula>, <op>: operand}` or `{$eval: {value: <formula>, <op>: operand}}`."""
    formula_path = (*path, "$eval")
    wrapped = isinstance(arg, dict) and "value" in arg and not any(str(k).startswith("$") for k in arg)
    if wrapped and not siblings:
        operators = {k: v for k, v in arg.items() if k != "value"}
        value, operator_path = c.compile(arg["value"], (*formula_path, "value")), formula_path
    else:
        operators, operator_path = siblings, path
        value = c.compile(arg, formula_path)
    checks = []
    for name, operand in operators.items():
        if name not in OPERATORS:
            raise c.error((*operator_path, name), f"unknown $eval operator '{name}'")
        checks.append((name, c.compile(operand, (*operator_path, name))))
    return EvalNode(value, tuple(checks))


def compile_and(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$and: [condition, ...]`"""
    return AllOfNode(c.items(arg, path))


def compile_or(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$or: [condition, ...]`"""
    return AnyOfNode(c.items(arg, path))


def compile_plain(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$plain: <anything>`, returned as is."""
    return Literal(c.plain(arg, path))


def compile_merge_objects(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$mergeObjects: [object, ...]`"""
    return MergeObjectsNode(c.items(arg, path))


def compile_iterate(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$iterate: {source: <list formula>, item: <formula using item and index>}`"""
    args = c.args(arg, path, ("source", "item"))
    source, outer_roots = c.compile(args["source"], (*path, "source")), c.roots
    c.roots = outer_roots | {"item", "index"}
    try:
        item = c.compile(args["item"], (*path, "item"))
    finally:
        c.roots = outer_roots
    return IterateNode(source, item)


FORMULAS: dict[str, Callable[[_Compiler, Any, Path], Node]] = {
    "$var": compile_var,
    "$template": compile_template,
    "$tpl": compile_tpl,
    "$concat": compile_concat,
    "$firstNotEmpty": compile_first_not_empty,
    "$case": compile_case,
    "$map": compile_map,
    "$and": compile_and,
    "$or": compile_or,
    "$plain": compile_plain,
    "$mergeObjects": compile_merge_objects,
    "$iterate": compile_iterate,
}
"""Compile functions by formula key (`$eval` is handled separately because of its sibling keys)."""
