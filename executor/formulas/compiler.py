"""Compiles a parsed mapping file (dicts, lists, scalars) into a node tree, once, at connector load.

A dict whose FIRST key names a formula is that formula (as in the vendor's engine); `$eval` takes
one operator key after it, any other formula must be the dict's only key. A dict whose first key
is an unknown `$name` is a plain object, unless the name is a near miss of a formula or one of the
platform-only formulas, which are refused. Lists are compiled item by item; scalars are literals
(JSON types only: a YAML date must be quoted). <formula> below is any mapping value.

    {$var: "credentials.apiKey"}        locators: "$.a.b", "a[0]", "a.0", "odd\\.key"; "$" is all
    {$template: "Bearer ${expr}"}       ours, see `expressions`; UNDEFINED/None render as ""
    {$tpl: {template: "Bearer {token}", values: {token: <formula>}}}
    {$concat: [<formula>, ...]}         or {$concat: {values: <formula>, delimiter: <formula>}}
    {$firstNotEmpty: <list formula>}    first item not null/UNDEFINED
    {$case: {cases: [{filter: <formula>, value: <formula>}, ...], default: <formula>}}  or a bare list
    {$map: {value: <formula>, mapping: [{from: <formula>, to: <formula>}, ...], default: <formula>}}
    {$eval: <formula>, <op>: <formula>}     op: is isNot oneOf noneOf contains doesNotContain gt gte
                                            lt lte isEmpty isNotEmpty (exactly one)
    {$and: <list formula>}, {$or: <list formula>}, {$mergeObjects: <list formula>}
    {$iterate: {source: <formula>, item: <formula over item, index, parent>}}
    {$plain: <anything>}, {$record: {id: ...}}, {$formula: <anything with $var inside>}
    {$copy: <locator into the mapping's own result>}, {$jsonata: <JSONata expression>}
    {$domainFromEmail | $extractDate | $extractTime | $firstName | $lastName: <formula>}

Compile errors are `FormulaError`s whose message names the file and the path inside it; they can
only quote the mapping itself, never variables.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from executor.errors import ConnectorInvalid, InvalidInput
from executor.formulas import locators
from executor.formulas.expressions import parse_template
from executor.formulas.jsonata_engine import compile_expression
from executor.formulas.jsvalues import OPERATORS, UNDEFINED, ExpressionSyntaxError, Node, Segment, to_json, truthy
from executor.formulas.nodes import (
    AllOfNode,
    AnyOfNode,
    CaseNode,
    ConcatNode,
    CopyNode,
    CopyRef,
    EvalNode,
    FirstNotEmptyNode,
    FormulaNode,
    IterateNode,
    JsonataNode,
    ListNode,
    Literal,
    MapNode,
    MergeObjectsNode,
    ObjectNode,
    OnValueNode,
    TemplateNode,
    TplNode,
    VarNode,
    domain_from_email,
    extract_date,
    extract_time,
    first_name,
    last_name,
)
from executor.limits import LIMITS

DEFAULT_VARIABLES = frozenset(
    {"connectorParameters", "connectionParameters", "connectionInput", "credentials", "redirectUri", "state"}
)
"""Variable names a `${...}` path may start with, unless `compile_mapping` is given others."""

ITERATE_VARIABLES = frozenset({"item", "index", "parent"})
"""The only variables inside `$iterate`'s item."""

PLATFORM_ONLY = frozenset({"$lookup", "$findAppRecordId", "$findExternalRecordId", "$dataSchemaRef"})
"""Formulas of the vendor's engine that need its platform (records, data collections)."""

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
    copies: bool = False

    def value(self, variables: Mapping[str, Any]) -> Any:
        """The mapping's value, `$copy`s resolved; UNDEFINED when nothing is left."""
        if not isinstance(variables, Mapping):
            raise InvalidInput(f"{self.source}: formula variables must be an object")
        try:
            result = self.root.evaluate(variables)
            return resolve_copies(result) if self.copies else result
        except InvalidInput as exc:
            raise InvalidInput(f"{self.source}: {exc.message}") from None
        except RecursionError:
            raise InvalidInput(f"{self.source}: formula variables are nested too deeply") from None

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The mapping's plain-JSON value for these variables (UNDEFINED at the top becomes None)."""
        result = self.value(variables)
        try:
            return to_json(result)
        except InvalidInput as exc:
            raise InvalidInput(f"{self.source}: {exc.message}") from None
        except RecursionError:
            raise InvalidInput(f"{self.source}: formula variables are nested too deeply") from None


def compile_mapping(value: Any, *, source: str, variables: Collection[str] = DEFAULT_VARIABLES) -> Formula:
    """Compile a parsed mapping file; `variables` are the names `${...}` expressions may use."""
    compiler = _Compiler(source, frozenset(variables))
    root = compiler.compile(value, ())
    return Formula(root, source, copies=compiler.copies)


# --- $copy, after the whole mapping is evaluated ------------------------------------------------


def resolve_copies(data: Any) -> Any:
    """Replace each pending `$copy` by the value at its locator in `data` (removed when there is none)."""
    paths: list[tuple[Any, ...]] = []
    _find_copies(data, (), paths)
    if not paths:
        return data
    if paths == [()]:
        return {"$copy": data.locator}  # a mapping that is only a $copy stays as written
    for path in paths:
        parent, key = _at(data, path[:-1]), path[-1]
        if parent is UNDEFINED or locators.read_step(parent, key) is UNDEFINED:
            continue
        ref = parent[key]
        if not isinstance(ref, CopyRef):
            continue
        value = _copy_source(data, ref.locator)
        found: list[tuple[Any, ...]] = []
        _find_copies(value, (), found)
        if found:
            raise InvalidInput(f"{format_path(path)} is copying {ref.locator}, which contains a $copy")
        if value is UNDEFINED:
            del parent[key]
        else:
            parent[key] = value
    return data


def _find_copies(value: Any, path: tuple[Any, ...], out: list[tuple[Any, ...]]) -> None:
    if isinstance(value, CopyRef):
        out.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _find_copies(item, (*path, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _find_copies(item, (*path, index), out)


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = locators.read_step(data, key)
        if data is UNDEFINED:
            return UNDEFINED
    return data


def _copy_source(data: Any, locator: Any) -> Any:
    if not isinstance(locator, str) or not locator or data is None:
        return UNDEFINED
    try:
        steps = locators.parse_locator(locator)
    except ExpressionSyntaxError:
        return UNDEFINED
    return locators.read(data, steps) if steps else data


# --- the compiler -------------------------------------------------------------------------------


@dataclass
class _Compiler:
    """Compilation state: the file name, the variable names in scope, and how many values so far."""

    source: str
    roots: frozenset[str]
    count: int = 0
    copies: bool = False

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
        """A formula when the first key names one, else a plain object."""
        for key in value:
            if not isinstance(key, str):
                raise self.error(path, f"object keys must be strings, not {type(key).__name__} (quote it)")
        keys: list[str] = list(value)
        first = keys[0] if keys else ""
        if first == "$eval":
            return compile_eval(self, value, path)
        handler = FORMULAS.get(first)
        if handler is not None:
            if len(keys) > 1:
                raise self.error(path, f"{first} cannot be combined with other keys ({', '.join(keys[1:])})")
            return handler(self, value[first], (*path, first))
        for key in keys:
            self.check_formula_key(key, path, first=key == first)
        return ObjectNode(tuple((key, self.compile(item, (*path, key))) for key, item in value.items()))

    def check_formula_key(self, key: str, path: Path, *, first: bool) -> None:
        """Refuse a formula key that would silently be a plain key (misplaced, misspelt, platform-only)."""
        if not key.startswith("$"):
            return
        if key in FORMULAS or key == "$eval":
            raise self.error(path, f"formula key {key} must be the object's first and only key")
        if key in PLATFORM_ONLY:
            raise self.error((*path, key), f"{key} needs the integration platform and is not supported here")
        close = difflib.get_close_matches(key, [*FORMULAS, "$eval"], n=1, cutoff=0.75)
        if close and first:
            raise self.error((*path, key), f"unknown formula {key} (did you mean {close[0]}?)")

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
        allowed = required + optional
        if not isinstance(value, dict) or (value and str(next(iter(value))) in FORMULAS):
            raise self.error(path, f"expects an object with keys {', '.join(allowed)}")
        for key in required:
            if key not in value:
                raise self.error(path, f"missing key '{key}'")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"expected {', '.join(allowed)}"
                raise self.error((*path, key), f"unknown key '{key}' ({hint})")
        return value

    def listish(self, value: Any, path: Path) -> Node:
        """A formula's list argument: a list, or a formula giving one (a literal scalar is refused)."""
        if isinstance(value, list) or (isinstance(value, dict) and value and str(next(iter(value))).startswith("$")):
            return self.compile(value, path)
        raise self.error(path, "expects a list (or a formula giving one)")

    def optional(self, args: dict[str, Any], key: str, path: Path) -> Node:
        """Compile `args[key]` if present, else a node that is UNDEFINED."""
        return self.compile(args[key], (*path, key)) if key in args else Literal(UNDEFINED)


# --- one compile function per formula -----------------------------------------------------------


def compile_var(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$var: credentials.apiKey`"""
    if not isinstance(arg, str):
        raise c.error(path, "expects a locator string")
    return VarNode(c.syntax(path, locators.parse_locator, arg))


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
    nodes = tuple((str(name), c.compile(value, (*path, "values", name))) for name, value in values.items())
    return TplNode(template, nodes)


def compile_concat(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$concat: [a, b]` or `$concat: {values: <list or formula>, delimiter: ", "}`"""
    if isinstance(arg, list):
        return ConcatNode(c.compile(arg, path), Literal(""))
    if isinstance(arg, dict) and not any(isinstance(k, str) and k.startswith("$") for k in arg):
        args = c.args(arg, path, (), ("values", "delimiter"))
        # a missing or null delimiter is "" (the SDK's `?? ''`); a formula giving null joins with "null"
        delimiter = c.compile(args.get("delimiter") if args.get("delimiter") is not None else "", (*path, "delimiter"))
        values = c.listish(args["values"], (*path, "values")) if "values" in args else Literal(UNDEFINED)
        return ConcatNode(values, delimiter)
    raise c.error(path, "expects a list, or an object with keys values, delimiter")


def compile_first_not_empty(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$firstNotEmpty: [a, b, ...]`"""
    return FirstNotEmptyNode(c.listish(arg, path))


def compile_case(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$case: {cases: [{filter, value}, ...], default}` or `$case: [{filter, value}, ...]`"""
    default: Node
    if isinstance(arg, list):
        raw_cases, default, cases_path = arg, Literal(UNDEFINED), path
    else:
        args = c.args(arg, path, ("cases",), ("default",))
        raw_cases, default, cases_path = args["cases"], c.optional(args, "default", path), (*path, "cases")
        if not isinstance(raw_cases, list):
            raise c.error(cases_path, "expects a list")
    cases: list[tuple[Node | None, Node]] = []
    for i, case in enumerate(raw_cases):
        case = c.args(case, (*cases_path, i), (), ("filter", "value"))
        raw_filter = case.get("filter")
        if isinstance(raw_filter, list):
            raise c.error((*cases_path, i, "filter"), "the legacy list form of a filter is not supported "
                          "(write a formula such as $eval)")
        if not isinstance(raw_filter, dict) and not truthy(raw_filter):
            filter_node = None  # no filter, or a falsy literal one: the case always matches
        else:
            filter_node = c.compile(raw_filter, (*cases_path, i, "filter"))
        cases.append((filter_node, c.optional(case, "value", (*cases_path, i))))
    return CaseNode(tuple(cases), default)


def compile_map(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$map: {value: <formula>, mapping: [{from: x, to: y}, ...], default: <formula>}`"""
    args = c.args(arg, path, ("value",), ("mapping", "default"))
    table_path = (*path, "mapping")
    rows = args.get("mapping", [])
    if not isinstance(rows, list):
        raise c.error(table_path, "expects a list")
    table = []
    for i, row in enumerate(rows):
        row = c.args(row, (*table_path, i), ("from", "to"))
        source = c.compile(row["from"], (*table_path, i, "from"))
        table.append((source, c.compile(row["to"], (*table_path, i, "to"))))
    value = c.compile(args["value"], (*path, "value"))
    return MapNode(value, tuple(table), c.optional(args, "default", path))


def compile_eval(c: _Compiler, formula: dict[str, Any], path: Path) -> Node:
    """`{$eval: <formula>, <operator>: <operand>}`: exactly one operator, after `$eval`."""
    operators = [key for key in formula if key != "$eval"]
    if not operators:
        raise c.error(path, f"$eval needs an operator beside it (one of {', '.join(OPERATORS)})")
    if len(operators) > 1:
        raise c.error(path, f"$eval takes one operator, got {', '.join(operators)}")
    name = operators[0]
    if name not in OPERATORS:
        close = difflib.get_close_matches(name, list(OPERATORS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else f" (expected one of {', '.join(OPERATORS)})"
        raise c.error((*path, name), f"unknown $eval operator '{name}'{hint}")
    value = c.compile(formula["$eval"], (*path, "$eval"))
    return EvalNode(value, name, c.compile(formula[name], (*path, name)))


def compile_and(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$and: [condition, ...]`"""
    return AllOfNode(c.listish(arg, path))


def compile_or(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$or: [condition, ...]`"""
    return AnyOfNode(c.listish(arg, path))


def compile_plain(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$plain: <anything>`, returned as is."""
    return Literal(c.plain(arg, path))


def compile_merge_objects(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$mergeObjects: [object, ...]`"""
    return MergeObjectsNode(c.listish(arg, path))


def compile_iterate(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$iterate: {source: <list formula>, item: <formula using item, index and parent>}`"""
    args = c.args(arg, path, ("source", "item"))
    source, outer_roots = c.compile(args["source"], (*path, "source")), c.roots
    c.roots = ITERATE_VARIABLES
    try:
        item = c.compile(args["item"], (*path, "item"))
    finally:
        c.roots = outer_roots
    return IterateNode(source, item)


def compile_record(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$record: {id: ...}`: the record's id, as written."""
    record = c.plain(arg, path)
    return Literal(record.get("id", UNDEFINED) if isinstance(record, dict) else UNDEFINED)


def compile_formula(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$formula: <structure>`: the structure with each `$var` inside replaced by its value."""
    if isinstance(arg, dict) and arg and next(iter(arg)) == "$var":
        return Literal(c.plain(arg, path))  # a bare $var stays as written, as in the vendor's engine
    return FormulaNode(_var_template(c, arg, path))


def _var_template(c: _Compiler, value: Any, path: Path) -> Any:
    c.visit(path)
    if isinstance(value, dict):
        if value and next(iter(value)) == "$var":
            return compile_var(c, value["$var"], (*path, "$var"))
        for key in value:
            if not isinstance(key, str):
                raise c.error(path, f"object keys must be strings, not {type(key).__name__}")
        return {key: _var_template(c, item, (*path, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_var_template(c, item, (*path, i)) for i, item in enumerate(value)]
    return c.scalar(value, path)


def compile_copy(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$copy: "other.place"`: a value copied from elsewhere in the mapping's own result."""
    c.copies = True
    return CopyNode(c.compile(arg, path))


def compile_jsonata(c: _Compiler, arg: Any, path: Path) -> Node:
    """`$jsonata: "expression"` (a literal expression is checked at load)."""
    if isinstance(arg, str):
        if not arg:
            raise c.error(path, "expects a JSONata expression, got an empty string")
        try:
            compile_expression(arg)
        except Exception as exc:  # noqa: BLE001 - jsonata-python raises its JException and others
            raise c.error(path, f"JSONata does not parse: {str(exc)[:200]}") from None
    return JsonataNode(c.compile(arg, path))


def _on_value(name: str, function: Callable[[Any], Any]) -> Callable[[_Compiler, Any, Path], Node]:
    def compile_on_value(c: _Compiler, arg: Any, path: Path) -> Node:
        return OnValueNode(name, function, c.compile(arg, path))

    return compile_on_value


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
    "$record": compile_record,
    "$formula": compile_formula,
    "$copy": compile_copy,
    "$jsonata": compile_jsonata,
    "$domainFromEmail": _on_value("$domainFromEmail", domain_from_email),
    "$extractDate": _on_value("$extractDate", extract_date),
    "$extractTime": _on_value("$extractTime", extract_time),
    "$firstName": _on_value("$firstName", first_name),
    "$lastName": _on_value("$lastName", last_name),
}
"""Compile functions by formula key (`$eval` is handled separately because of its operator key)."""
