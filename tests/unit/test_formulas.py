"""Mapping formulas: every formula shape, undefined pruning, compile errors, the docs' mappings, fuzzing."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from executor.errors import ConnectorInvalid, ExecutorError, InvalidInput
from executor.formulas import UNDEFINED, Formula, FormulaError, compile_mapping

SOURCE = "auth/make-api-client.map.yml"

VARIABLES: dict[str, Any] = {
    "credentials": {"apiKey": "k-123", "username": "user", "password": "pass", "token": "t0k",
                    "empty": "", "nothing": None, "zero": 0, "flag": False, "spaced": "  Mixed Case  "},
    "connectorParameters": {"clientId": "cid", "clientSecret": "csecret", "region": "eu",
                            "scopes": ["read", "write"], "odd.key": "dotted", "count": 3},
    "connectionParameters": {"items": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}],
                             "tags": ["a", "b"], "nested": {"deep": {"value": 42}}},
    "redirectUri": "https://app.example.com/callback",
    "state": "st-1",
}


def evaluate(mapping: Any, variables: dict[str, Any] | None = None) -> Any:
    return compile_mapping(mapping, source=SOURCE).evaluate(VARIABLES if variables is None else variables)


def compile_error(mapping: Any) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        compile_mapping(mapping, source=SOURCE)
    return info.value


# --- plain values and $var ----------------------------------------------------------------------


@pytest.mark.parametrize(("mapping", "expected"), [
    ("text", "text"),
    (12, 12),
    (1.5, 1.5),
    (None, None),
    (True, True),
    ([1, "a", None], [1, "a", None]),
    ({"a": {"b": [1, {"c": "d"}]}}, {"a": {"b": [1, {"c": "d"}]}}),
    ({}, {}),
    ({"$var": "credentials.apiKey"}, "k-123"),
    ({"$var": "$.credentials.apiKey"}, "k-123"),
    ({"$var": "connectionParameters.items[1].name"}, "two"),
    ({"$var": "connectionParameters.items.0.id"}, 1),
    ({"$var": "connectionParameters.items[5].name"}, None),
    ({"$var": "connectorParameters.odd\\.key"}, "dotted"),
    ({"$var": "$.connectorParameters.odd\\.key"}, "dotted"),
    ({"$var": "connectorParameters.scopes.length"}, 2),
    ({"$var": "connectorParameters.scopes"}, ["read", "write"]),
    ({"$var": "connectionParameters.nested"}, {"deep": {"value": 42}}),
    ({"$var": "credentials.nothing"}, None),
    ({"$var": "credentials.apiKey.length"}, None),
    ({"$var": "nowhere.at.all"}, None),
    ({"$var": "state"}, "st-1"),
])
def test_literals_and_var(mapping: Any, expected: Any) -> None:
    assert evaluate(mapping) == expected


def test_var_dollar_alone_is_the_whole_scope() -> None:
    assert evaluate({"$var": "$"}, {"state": "x"}) == {"state": "x"}


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"a": {"$var": "credentials.missing"}, "b": 1}, {"b": 1}),
    ({"a": {"b": {"$var": "credentials.missing"}}}, None),
    ({"a": {"b": {"$var": "credentials.missing"}}, "c": {}}, {"c": {}}),
    ({"a": {"$var": "credentials.nothing"}}, {"a": None}),
    ([{"$var": "credentials.missing"}, 1], [1]),
    ([{"$var": "credentials.missing"}], None),
    ({"query": {"api_key": {"$var": "credentials.missing"}}, "b": []}, {"b": []}),
    ({"$var": "credentials.missing"}, None),
    ({"headers": {"X-Key": {"$var": "credentials.missing"}, "Accept": "json"}}, {"headers": {"Accept": "json"}}),
])
def test_undefined_is_pruned(mapping: Any, expected: Any) -> None:
    assert evaluate(mapping) == expected


def test_list_indexes_are_bounded_and_canonical() -> None:
    """The last item is found, one past it is not; `.01` is no index (only `[01]` is, as in the SDK)."""
    variables = {"a": ["x", "y"]}
    assert evaluate({"$var": "a[1]"}, variables) == "y"
    assert evaluate({"$var": "a.1"}, variables) == "y"
    assert evaluate({"k": {"$var": "a[2]"}}, variables) is None
    assert evaluate({"k": {"$var": "a.2"}}, variables) is None
    assert evaluate({"k": {"$var": "a.01"}, "z": 1}, variables) == {"z": 1}
    assert evaluate({"$var": "a[01]"}, variables) == "y"


def test_undefined_members_and_items_are_dropped_not_null() -> None:
    mapping = {"a": {"$var": "gone"}, "b": [{"$var": "gone"}, "x"], "c": None}
    assert evaluate(mapping, {}) == {"b": ["x"], "c": None}


def test_results_are_fresh_copies() -> None:
    formula = compile_mapping({"p": {"$plain": {"a": [1]}}, "v": {"$var": "x"}}, source=SOURCE)
    variables = {"x": {"y": [1]}}
    first = formula.evaluate(variables)
    first["p"]["a"].append(2)
    first["v"]["y"].append(2)
    assert formula.evaluate(variables) == {"p": {"a": [1]}, "v": {"y": [1]}}
    assert variables == {"x": {"y": [1]}}


# --- $template and its expression language ------------------------------------------------------


@pytest.mark.parametrize(("template", "expected"), [
    ("Bearer ${credentials.apiKey}", "Bearer k-123"),
    ("${$.credentials.apiKey}", "k-123"),
    ("no expressions", "no expressions"),
    ("", ""),
    ("[${credentials.missing}]", "[]"),
    ("[${credentials.nothing}]", "[]"),
    ("${ credentials . apiKey }", "k-123"),
    ("${credentials['apiKey']}/${credentials[\"token\"]}", "k-123/t0k"),
    ("${connectionParameters.items[0].name}", "one"),
    ("${connectionParameters.tags}", "a,b"),
    ("${connectionParameters.nested}", "[object Object]"),
    ("${'lit' + \"eral\"}", "literal"),
    ("${'a}b'}", "a}b"),
    ("${'it\\'s'}", "it's"),
    ("${'\\u0041\\n'}", "A\n"),
    ("${1 + 2}", "3"),
    ("${1 + 2 + 'x'}", "3x"),
    ("${'x' + 1 + 2}", "x12"),
    ("${'x' + (1 + 2)}", "x3"),
    ("${connectorParameters.count + 1}", "4"),
    ("${1.5 + 1.5}", "3"),
    ("${0.1 + 0.2}", "0.30000000000000004"),
    ("${2e-7}", "2e-7"),
    ("${1e21}", "1e+21"),
    ("${123456789012345678}", "123456789012345680"),
    ("${0.000001}", "0.000001"),
    ("${true + 1}", "2"),
    ("${'v' + true + null}", "vtrue"),
    ("${credentials.missing + credentials.missing}", ""),
    ("${credentials.missing + ':' + credentials.password}", ":pass"),
    ("${credentials.missing ?? 'fallback'}", "fallback"),
    ("${credentials.nothing ?? credentials.empty ?? 'x'}", ""),
    ("${credentials.empty || 'fallback'}", "fallback"),
    ("${credentials.zero || credentials.flag}", "false"),
    ("${credentials.apiKey && 'yes'}", "yes"),
    ("${credentials.empty && 'yes'}", ""),
    ("${base64('user:pass')}", "dXNlcjpwYXNz"),
    ("${base64('é')}", "w6k="),
    ("${base64url('??>>')}", "Pz8-Pg"),
    ("${lower('AbC')}${upper('dEf')}", "abcDEF"),
    ("${trim(credentials.spaced)}", "Mixed Case"),
    ("${trim('\u00a0x\ufeff')}", "x"),
    ("${json(connectionParameters.nested)}", '{"deep":{"value":42}}'),
    ("${json('a\"b')}", '"a\\"b"'),
    ("${json(1.0)}${json(null)}${json(true)}", "1nulltrue"),
    ("${json(credentials.missing)}", ""),
    ("${encodeURIComponent(\"a b&c/d?é!'()*~-_.\")}", "a%20b%26c%2Fd%3F%C3%A9!'()*~-_."),
    ("${encodeURIComponent('😀')}", "%F0%9F%98%80"),
    ("${upper(credentials.missing)}", ""),
    ("${base64(credentials.nothing)}", ""),
    ("${lower(12)}", "12"),
    ("literal $ and { and } and $x", "literal $ and { and } and $x"),
    ("${'${'}not an expression}", "${not an expression}"),
])
def test_template(template: str, expected: str) -> None:
    assert evaluate({"$template": template}) == expected


def test_item_and_index_are_only_known_inside_iterate() -> None:
    error = compile_error({"$template": "${item.id}-${index}"})
    assert "unknown identifier 'item'" in error.message


def test_compile_mapping_accepts_extra_variable_names() -> None:
    formula = compile_mapping({"$template": "${tokenResponse.access_token}"}, source=SOURCE,
                              variables={"tokenResponse"})
    assert formula.evaluate({"tokenResponse": {"access_token": "abc"}}) == "abc"


# --- $tpl -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"$tpl": {"template": "Bearer {token}", "values": {"token": {"$var": "credentials.token"}}}}, "Bearer t0k"),
    ({"$tpl": {"template": "{a}-{a}-{b}", "values": {"a": 1, "b": {"$var": "credentials.missing"}}}}, "1-1-"),
    ({"$tpl": {"template": "{not a placeholder} {}"}}, "{not a placeholder} {}"),
    ({"$tpl": {"template": "{x.y}!", "values": {"x.y": "dots"}}}, "dots!"),
])
def test_tpl(mapping: Any, expected: str) -> None:
    assert evaluate(mapping) == expected


# --- $concat, $firstNotEmpty, $mergeObjects, $plain, $iterate ------------------------------------


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"$concat": ["a", {"$var": "credentials.apiKey"}, 1, True]}, "ak-1231true"),
    ({"$concat": ["a", {"$var": "credentials.missing"}, None, "b"]}, "ab"),
    ({"$concat": []}, None),
    ({"$concat": ["", None]}, ""),
    ({"$concat": {"values": ["a", "b", {"$var": "credentials.missing"}, "c"], "delimiter": ", "}}, "a, b, c"),
    ({"$concat": {"values": {"$var": "connectorParameters.scopes"}, "delimiter": " "}}, "read write"),
    ({"$concat": {"values": {"$var": "connectorParameters.region"}}}, None),
    ({"$firstNotEmpty": [{"$var": "credentials.missing"}, None, "", {"$var": "credentials.token"}, "x"]}, ""),
    ({"$firstNotEmpty": [0, "x"]}, 0),
    ({"$firstNotEmpty": [{"$var": "credentials.missing"}]}, None),
    ({"a": {"$firstNotEmpty": []}}, None),
    ({"$mergeObjects": [{"a": 1, "b": 1}, {"b": 2}, "skip", {"$var": "credentials.missing"}, {"c": 3}]},
     {"a": 1, "b": 2, "c": 3}),
    ({"$mergeObjects": [{"$var": "connectionParameters.nested"}, {"x": {"$var": "credentials.missing"}}]},
     {"deep": {"value": 42}}),
    ({"$plain": {"$var": "credentials.apiKey", "x": ["${credentials.apiKey}"]}},
     {"$var": "credentials.apiKey", "x": ["${credentials.apiKey}"]}),
    ({"$plain": "${credentials.apiKey}"}, "${credentials.apiKey}"),
    ({"$iterate": {"source": {"$var": "connectionParameters.items"},
                   "item": {"key": {"$template": "${index}:${item.name}"}, "id": {"$var": "item.id"}}}},
     [{"key": "0:one", "id": 1}, {"key": "1:two", "id": 2}]),
    ({"$iterate": {"source": {"$var": "connectionParameters.tags"}, "item": {"$var": "item.missing"}}}, None),
    ({"$iterate": {"source": [1, 2, 3], "item": {"$var": "parent.connectorParameters.count"}}}, [3, 3, 3]),
    ({"a": {"$iterate": {"source": {"$var": "credentials.apiKey"}, "item": 1}}}, None),
    ({"$iterate": {"source": [[1, 2], [3]], "item": {
        "$iterate": {"source": {"$var": "item"}, "item": {"$template": "${item}"}}}}}, [["1", "2"], ["3"]]),
])
def test_collection_formulas(mapping: Any, expected: Any) -> None:
    assert evaluate(mapping) == expected


# --- conditions: $eval, $and, $or, $case, $map --------------------------------------------------


def check(value: Any, **operators: Any) -> dict[str, Any]:
    return {"$eval": value, **operators}


@pytest.mark.parametrize(("condition", "expected"), [
    (check({"$var": "connectorParameters.region"}, **{"is": "eu"}), True),
    (check({"$var": "connectorParameters.region"}, **{"is": "us"}), False),
    (check({"$var": "connectorParameters.region"}, isNot="us"), True),
    (check({"$var": "connectorParameters.count"}, **{"is": 3.0}), True),
    (check({"$var": "connectorParameters.count"}, **{"is": "3"}), True),
    (check({"$var": "credentials.flag"}, **{"is": 0}), True),
    (check({"$var": "credentials.missing"}, **{"is": None}), True),
    (check({"$var": "connectorParameters.scopes"}, **{"is": ["read", "write"]}), False),
    (check({"$var": "connectorParameters.scopes"}, **{"is": "read,write"}), True),
    (check({"$var": "credentials.missing"}, isEmpty=True), True),
    (check({"$var": "credentials.empty"}, isEmpty=True), True),
    (check({"$var": "credentials.zero"}, isEmpty=True), False),
    (check([], isEmpty=True), True),
    (check({"$var": "credentials.apiKey"}, isEmpty=False), False),
    (check({"$var": "credentials.apiKey"}, isNotEmpty=True), True),
    (check({"$var": "credentials.nothing"}, isNotEmpty=True), False),
    (check({"$var": "credentials.apiKey"}, contains="123"), True),
    (check({"$var": "connectorParameters.scopes"}, contains="write"), True),
    (check({"$var": "connectorParameters.scopes"}, contains="admin"), False),
    (check({"$var": "credentials.zero"}, contains="0"), False),
    (check({"$var": "connectorParameters.region"}, oneOf=["us", "eu"]), True),
    (check({"$var": "connectorParameters.region"}, oneOf="eu"), False),
    (check({"$var": "connectorParameters.count"}, gt=2), True),
    (check({"$var": "connectorParameters.count"}, gte=3), True),
    (check({"$var": "connectorParameters.count"}, lte=3), True),
    (check({"$var": "connectorParameters.count"}, lt=3), False),
    (check({"$var": "connectorParameters.count"}, gt=3), False),
    (check({"$var": "connectorParameters.count"}, gt="2"), True),
    (check("10px", gt="9"), True),
    (check("b", gt="a"), False),
    (check({"$var": "credentials.apiKey"}, contains="K-1"), True),
    (check({"$var": "connectorParameters.region"}, noneOf=["us"]), True),
    (check({"$var": "connectorParameters.region"}, doesNotContain="u"), False),
    (check({"$var": "credentials.apiKey"}, **{"is": {"$var": "credentials.apiKey"}}), True),
    ({"$and": [True, {"$var": "credentials.apiKey"}, []]}, True),
    ({"$and": [True, {"$var": "credentials.empty"}]}, False),
    ({"$and": [None, True]}, True),
    ({"$or": [0, None, {"$var": "credentials.missing"}, {}]}, True),
    ({"$and": []}, None),
    ({"$or": [{"$var": "credentials.missing"}]}, None),
    ({"$or": [0, "", False, None]}, False),
    ({"$or": [None, 0]}, False),
    ({"$or": [{"$eval": {"$var": "state"}, "is": "st-1"}, {"$var": "nope"}]}, True),
])
def test_conditions(condition: Any, expected: bool | None) -> None:
    assert evaluate(condition) is expected


def test_eval_with_nan_is_not_ordered() -> None:
    formula = compile_mapping(check({"$var": "x"}, gt=0), source=SOURCE)
    assert formula.evaluate({"x": math.nan}) is False


CASES = {"$case": {
    "cases": [
        {"filter": {"$eval": {"$var": "connectorParameters.region"}, "is": "us"}, "value": "https://us.example.com"},
        {"filter": {"$eval": {"$var": "connectorParameters.region"}, "is": "eu"},
         "value": {"$template": "https://${connectorParameters.region}.example.com"}},
    ],
    "default": "https://example.com",
}}


@pytest.mark.parametrize(("mapping", "variables", "expected"), [
    (CASES, {"connectorParameters": {"region": "eu"}}, "https://eu.example.com"),
    (CASES, {"connectorParameters": {"region": "us"}}, "https://us.example.com"),
    (CASES, {}, "https://example.com"),
    ({"x": {"$case": {"cases": [{"filter": False, "value": 1}]}}}, {}, {"x": 1}),
    ({"$case": [{"filter": {"$var": "missing"}, "value": "undefined filter matches"}]}, {}, "undefined filter matches"),
    ({"$case": [{"filter": {"$var": "no"}, "value": 1}, {"value": "else"}]}, {"no": False}, "else"),
    ({"$case": {"cases": [{"filter": {"$var": "a"}, "value": 1}, {"filter": 1, "value": 2}]}}, {"a": ""}, 2),
    ({"$map": {"value": {"$var": "t"}, "mapping": [{"from": "a", "to": 1}, {"from": "b", "to": 2}]}}, {"t": "b"}, 2),
    ({"$map": {"value": {"$var": "t"}, "mapping": [{"from": 1, "to": "one"}], "default": "other"}}, {"t": True},
     "one"),
    ({"$map": {"value": {"$var": "t"}, "mapping": [{"from": {"a": 1}, "to": "same"}], "default": "other"}},
     {"t": {"a": 1, "b": 2}}, "other"),
    ({"$map": {"value": {"$var": "t"}, "mapping": [{"from": {"a": 1, "b": 2}, "to": "same"}], "default": "other"}},
     {"t": {"a": 1}}, "other"),
    ({"$map": {"value": {"$var": "t"}, "mapping": [{"from": {"a": 1, "b": 2}, "to": "same"}], "default": "other"}},
     {"t": {"b": 2, "a": 1}}, "same"),
    ({"$map": {"value": {"$var": "t"}, "mapping": [{"from": {"$var": "u"}, "to": {"$var": "u"}}]}},
     {"t": [1], "u": [1]}, [1]),
    ({"k": {"$map": {"value": {"$var": "t"}, "mapping": [{"from": "a", "to": 1}]}}}, {"t": "z"}, None),
])
def test_case_and_map(mapping: Any, variables: dict[str, Any], expected: Any) -> None:
    assert evaluate(mapping, variables) == expected


# --- compile errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("mapping", "where", "problem"), [
    ({"headers": {"Authorization": {"$template": "Bearer ${credentials.apiKey"}}},
     "headers.Authorization.$template", "unterminated ${ expression"),
    ({"headers": {"Authorization": {"$template": "Bearer ${"}}}, "headers.Authorization.$template",
     "unterminated ${ expression"),
    ({"a": {"$template": "${base64(credentials.apiKey}"}}, "a.$template", "unexpected '}' at offset 27"),
    ({"a": {"$template": "${}"}}, "a.$template", "empty ${} expression"),
    ({"a": {"$template": "${(}"}}, "a.$template", "unexpected '}' at offset 3"),
    ({"a": {"$template": "${(credentials.apiKey"}}, "a.$template", "unterminated ${ expression"),
    ({"a": {"$template": "${nope(credentials.apiKey)}"}}, "a.$template", "unknown function 'nope'"),
    ({"a": {"$template": "${secretThing}"}}, "a.$template", "unknown identifier 'secretThing'"),
    ({"a": {"$template": "${$.bogus.x}"}}, "a.$template", "unknown identifier 'bogus'"),
    ({"a": {"$template": "${base64()}"}}, "a.$template", "base64() takes 1 argument, got 0"),
    ({"a": {"$template": "${lower('a', 'b')}"}}, "a.$template", "lower() takes 1 argument, got 2"),
    ({"a": {"$template": "${credentials.apiKey - 1}"}}, "a.$template", "unexpected character '-'"),
    ({"a": {"$template": "${credentials.apiKey credentials}"}}, "a.$template", "unexpected 'credentials'"),
    ({"a": {"$template": "${'abc}"}}, "a.$template", "unterminated string literal"),
    ({"a": {"$template": "${credentials[1.5]}"}}, "a.$template", "unexpected '1.5'"),
    ({"a": {"$template": "${credentials.}"}}, "a.$template", "unexpected '}'"),
    ({"a": {"$template": "${" + "(" * 40 + "1" + ")" * 40 + "}"}}, "a.$template", "nested deeper than"),
    ({"a": {"$template": 5}}, "a.$template", "expects a template string"),
    ({"list": [1, {"$vars": 1}]}, "list[1].$vars", "unknown formula $vars (did you mean $var?)"),
    ({"list": [{"$lookup": 1}]}, "list[0].$lookup", "needs the integration platform"),
    ({"$var": "a", "$template": "b"}, "(root)", "$var cannot be combined with other keys ($template)"),
    ({"a": 1, "$var": "b"}, "(root)", "formula key $var must be the object's first and only key"),
    ({"x": {"$var": "a", "other": 1}}, "x", "$var cannot be combined with other keys (other)"),
    ({"x": {"$var": ["a"]}}, "x.$var", "expects a locator string"),
    ({"x": {"$var": "a[b]"}}, "x.$var", "invalid index [b]"),
    ({"x": {"$var": "a[-1]"}}, "x.$var", "invalid index [-1]"),
    ({"x": {"$var": "a[0"}}, "x.$var", "no closing bracket"),
    ({"x": {"$var": "$a"}}, "x.$var", "unexpected 'a' at offset 1"),
    ({"x": {"$var": ""}}, "x.$var", "empty locator"),
    ({"x": {"$tpl": {"template": "x", "extra": 1}}}, "x.$tpl.extra", "unknown key 'extra'"),
    ({"x": {"$tpl": {"template": "x", "value": 1}}}, "x.$tpl.value", "did you mean 'values'?"),
    ({"x": {"$case": {"cases": [{"filtre": 1}]}}}, "x.$case.cases[0].filtre", "did you mean 'filter'?"),
    ({"x": {"$case": {"cases": ["a"]}}}, "x.$case.cases[0]", "expects an object"),
    ({"x": {"$case": {"cases": [{"filter": [{"field": "a"}]}]}}}, "x.$case.cases[0].filter", "legacy list form"),
    ({"x": {"$case": {"cases": {}}}}, "x.$case.cases", "expects a list"),
    ({"x": {"$case": "a"}}, "x.$case", "expects an object with keys cases"),
    ({"x": {"$map": {"value": 1, "mappings": []}}}, "x.$map.mappings", "did you mean 'mapping'?"),
    ({"x": {"$map": {"value": 1, "mapping": [{"from": 1}]}}}, "x.$map.mapping[0]", "missing key 'to'"),
    ({"x": {"$map": {"value": 1, "mapping": {}}}}, "x.$map.mapping", "expects a list"),
    ({"x": {"$eval": 1, "bigger": 2}}, "x.bigger", "unknown $eval operator 'bigger'"),
    ({"x": {"$eval": 1, "iss": 2}}, "x.iss", "did you mean is?"),
    ({"x": {"$eval": {"value": 1, "is": 2}}}, "x", "$eval needs an operator"),
    ({"x": {"$eval": 1, "gt": 2, "lt": 3}}, "x", "$eval takes one operator, got gt, lt"),
    ({"x": {"$jsonata": "(("}}, "x.$jsonata", "JSONata does not parse"),
    ({"x": {"$jsonata": ""}}, "x.$jsonata", "empty string"),
    ({"x": {"$iterate": None}}, "x.$iterate", "expects an object with keys source, item"),
    ({"x": {"$concat": {"values": "abc"}}}, "x.$concat.values", "expects a list"),
    ({"x": {"$mergeObjects": {"a": 1}}}, "x.$mergeObjects", "expects a list"),
    ({"x": {"$and": {"a": 1}}}, "x.$and", "expects a list"),
    ({"x": {"$firstNotEmpty": "a"}}, "x.$firstNotEmpty", "expects a list"),
    ({"x": {"$concat": "a"}}, "x.$concat", "expects a list"),
    ({"x": {"$iterate": {"source": []}}}, "x.$iterate", "missing key 'item'"),
    ({"x": {"$iterate": {"source": [], "item": {"$template": "${index + nope}"}}}}, "x.$iterate.item.$template",
     "unknown identifier 'nope'"),
    ({"x": {1: "a"}}, "x", "object keys must be strings"),
    ({"x": float("nan")}, "x", "unsupported value of type float"),
    ({"x": {"$plain": {"y": {1, 2}}}}, "x.$plain.y", "unsupported value of type set"),
    ({"odd.key": {"$var": 1}}, '["odd.key"].$var', "expects a locator string"),
])
def test_compile_errors_name_file_and_path(mapping: Any, where: str, problem: str) -> None:
    error = compile_error(mapping)
    assert isinstance(error, ConnectorInvalid)
    assert error.code == "CONNECTOR_INVALID"
    assert error.message.startswith(f"{SOURCE}: {where}: ")
    assert problem in error.message
    assert error.details == {"file": SOURCE, "path": where}
    assert not any(secret in error.message for secret in ("k-123", "csecret", "t0k", "st-1"))


def test_compile_error_message_is_exact_for_unterminated_expression() -> None:
    broken = {"headers": {"Authorization": {"$template": "Bearer ${credentials.apiKey"}}}
    assert compile_error(broken).message == (
        "auth/make-api-client.map.yml: headers.Authorization.$template: unterminated ${ expression")


def test_too_deep_mapping_is_a_formula_error() -> None:
    mapping: Any = "leaf"
    for _ in range(150):
        mapping = {"a": mapping}
    assert "nested deeper than" in compile_error(mapping).message


def test_yaml_alias_bombs_and_cycles_are_formula_errors() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    assert "more than 50000 values" in compile_error(yaml.safe_load("\n".join(lines))).message
    assert "nested deeper than" in compile_error(yaml.safe_load("&loop [*loop]")).message


def test_iterate_variables_do_not_leak_out_of_item() -> None:
    mapping = {"a": {"$iterate": {"source": [1], "item": {"$template": "${item}"}}}, "b": {"$template": "${item}"}}
    assert "b.$template: unknown identifier 'item'" in compile_error(mapping).message


def test_yaml_dates_are_rejected_with_a_hint() -> None:
    error = compile_error(yaml.safe_load("since: 2024-01-01"))
    assert error.message == f"{SOURCE}: since: unsupported value of type date (quote it or use JSON types)"


# --- evaluation errors --------------------------------------------------------------------------


@pytest.mark.parametrize("mapping", [
    {"$var": "credentials"},
    {"$template": "${credentials.apiKey}"},
    {"$template": "${json(credentials)}"},
])
def test_non_json_variables_are_invalid_input_without_values(mapping: Any) -> None:
    variables = {"credentials": {"apiKey": b"super-secret-bytes"}}
    with pytest.raises(InvalidInput) as info:
        compile_mapping(mapping, source=SOURCE).evaluate(variables)
    assert info.value.message.startswith(f"{SOURCE}: ")
    assert "bytes" in info.value.message
    assert "super-secret" not in info.value.message


def test_lone_surrogate_in_encode_uri_component_is_invalid_input() -> None:
    formula = compile_mapping({"$template": "${encodeURIComponent(credentials.apiKey)}"}, source=SOURCE)
    with pytest.raises(InvalidInput) as info:
        formula.evaluate({"credentials": {"apiKey": "secret\ud800"}})
    assert "secret" not in info.value.message
    assert formula.evaluate({"credentials": {"apiKey": "\ud83d\ude00"}}) == "%F0%9F%98%80"


def test_deeply_nested_variables_are_invalid_input() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InvalidInput, match="nested too deeply"):
        compile_mapping({"$var": "credentials"}, source=SOURCE).evaluate({"credentials": deep})


def test_variables_must_be_a_mapping() -> None:
    with pytest.raises(InvalidInput):
        compile_mapping({}, source=SOURCE).evaluate(["not", "a", "mapping"])  # type: ignore[arg-type]


def test_undefined_is_a_falsy_singleton_distinct_from_none() -> None:
    assert UNDEFINED is not None and not UNDEFINED and repr(UNDEFINED) == "UNDEFINED"
    assert isinstance(compile_mapping({}, source=SOURCE), Formula)


# --- the mappings from the Connector Builder docs -----------------------------------------------

DOCS_BEARER = """
baseUrl: https://api.example.com/v1
headers:
  Authorization:
    $template: "Bearer ${credentials.apiKey}"
  Content-Type: application/json
"""

DOCS_HEADER_KEY = """
baseUrl: https://api.example.com/v1
headers:
  X-API-Key:
    $var: credentials.apiKey
  Content-Type: application/json
"""

DOCS_QUERY_KEY = """
baseUrl: https://api.example.com/v1
defaultQueryParameters:
  api_key:
    $var: credentials.apiKey
headers:
  Content-Type: application/json
"""

DOCS_BASIC = """
baseUrl: https://api.example.com/v1
headers:
  Authorization:
    $template: "Basic ${base64(credentials.username + ':' + credentials.password)}"
  Content-Type: application/json
"""

DOCS_OAUTH = """
clientId:
  $var: connectorParameters.clientId
clientSecret:
  $var: connectorParameters.clientSecret
authorizeUri: https://auth.example.com/oauth2/authorize
tokenUri: https://auth.example.com/oauth2/token
scopes:
  - read
  - write
clientAuthLocation: body  # or 'headers'
noRefreshToken: false
skipPkce: false
extra:
  prompt: consent
  access_type: offline
"""

JSON_HEADERS = {"Content-Type": "application/json"}
BASE = "https://api.example.com/v1"


@pytest.mark.parametrize(("text", "variables", "expected"), [
    (DOCS_BEARER, {"credentials": {"apiKey": "abc"}},
     {"baseUrl": BASE, "headers": {"Authorization": "Bearer abc", **JSON_HEADERS}}),
    (DOCS_HEADER_KEY, {"credentials": {"apiKey": "abc"}},
     {"baseUrl": BASE, "headers": {"X-API-Key": "abc", **JSON_HEADERS}}),
    (DOCS_HEADER_KEY, {"credentials": {}}, {"baseUrl": BASE, "headers": JSON_HEADERS}),
    (DOCS_QUERY_KEY, {"credentials": {"apiKey": "abc"}},
     {"baseUrl": BASE, "defaultQueryParameters": {"api_key": "abc"}, "headers": JSON_HEADERS}),
    (DOCS_BASIC, {"credentials": {"username": "user", "password": "pass"}},
     {"baseUrl": BASE, "headers": {
         "Authorization": "Basic " + base64.b64encode(b"user:pass").decode(), **JSON_HEADERS}}),
    (DOCS_BASIC, {"credentials": {"username": "jürgen", "password": "p:w"}},
     {"baseUrl": BASE, "headers": {
         "Authorization": "Basic " + base64.b64encode("jürgen:p:w".encode()).decode(), **JSON_HEADERS}}),
    (DOCS_OAUTH, {"connectorParameters": {"clientId": "cid", "clientSecret": "cs"}, "redirectUri": "r", "state": "s"},
     {"clientId": "cid", "clientSecret": "cs", "authorizeUri": "https://auth.example.com/oauth2/authorize",
      "tokenUri": "https://auth.example.com/oauth2/token", "scopes": ["read", "write"], "clientAuthLocation": "body",
      "noRefreshToken": False, "skipPkce": False, "extra": {"prompt": "consent", "access_type": "offline"}}),
])
def test_docs_mappings(text: str, variables: dict[str, Any], expected: Any) -> None:
    source = "auth/get-oauth-config.map.yml" if text is DOCS_OAUTH else SOURCE
    assert compile_mapping(yaml.safe_load(text), source=source).evaluate(variables) == expected


def test_basic_auth_matches_python_base64() -> None:
    formula = compile_mapping(yaml.safe_load(DOCS_BASIC), source=SOURCE)
    result = formula.evaluate({"credentials": {"username": "user", "password": "pass"}})
    assert result["headers"]["Authorization"] == "Basic dXNlcjpwYXNz"


# --- the formulas new to the catalogue (the corpus compares them with the SDK case by case) ----


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"$domainFromEmail": "ann@example.org"}, "example.org"),
    ({"$domainFromEmail": "a@b@c"}, None),
    ({"$extractDate": "2024-03-05T23:30:00-02:00"}, "2024-03-06"),
    ({"$extractTime": "2024-03-05T23:30:00-02:00"}, "01:30:00"),
    ({"$extractDate": "yesterday"}, None),
    ({"$firstName": "Ludwig van Beethoven"}, "Ludwig"),
    ({"$lastName": "Ludwig van Beethoven"}, "van Beethoven"),
    ({"$lastName": "Cher"}, "Cher"),
    ({"$firstName": "Cher"}, None),
    ({"$record": {"id": "r-1", "name": "x"}}, "r-1"),
    ({"$formula": {"key": {"$var": "credentials.apiKey"}, "gone": {"$var": "nope"}, "empty": {}}},
     {"key": "k-123", "empty": {}}),
    ({"a": {"$var": "credentials.apiKey"}, "b": {"$copy": "a"}}, {"a": "k-123", "b": "k-123"}),
    ({"a": 1, "b": {"$copy": "nowhere"}}, {"a": 1}),
    ({"$jsonata": "$uppercase(credentials.apiKey) & '/' & connectorParameters.count"}, "K-123/3"),
    ({"$jsonata": "connectorParameters.scopes[0]"}, "read"),
    ({"k": {"$jsonata": "nothing.here"}}, None),
])
def test_new_formulas(mapping: Any, expected: Any) -> None:
    assert evaluate(mapping) == expected


def test_jsonata_runs_bounded_and_fails_to_undefined() -> None:
    endless = compile_mapping({"k": {"$jsonata": "($f := function($n) { $f($n + 1) }; $f(0))"}, "z": 1}, source=SOURCE)
    assert endless.evaluate({}) == {"z": 1}
    slow = compile_mapping({"k": {"$jsonata": "$count([1..100000000])"}, "z": 1}, source=SOURCE)
    assert slow.evaluate({}) == {"z": 1}


def test_copy_of_a_subtree_holding_a_copy_is_invalid_input() -> None:
    in_order = compile_mapping({"a": {"x": 1, "y": {"$copy": "a.x"}}, "b": {"$copy": "a"}}, source=SOURCE)
    assert in_order.evaluate({}) == {"a": {"x": 1, "y": 1}, "b": {"x": 1, "y": 1}}
    formula = compile_mapping({"b": {"$copy": "a"}, "a": {"x": 1, "y": {"$copy": "a.x"}}}, source=SOURCE)
    with pytest.raises(InvalidInput, match="contains a \\$copy"):
        formula.evaluate({})


def test_iterate_sees_only_item_index_and_parent() -> None:
    mapping = {"$iterate": {"source": ["a"], "item": {"v": {"$var": "item"}, "k": {"$var": "credentials.apiKey"},
                                                       "p": {"$var": "parent.credentials.apiKey"}}}}
    assert evaluate(mapping) == [{"v": "a", "p": "k-123"}]


# --- property test: any input gives a value or an ExecutorError, quickly ------------------------

FORMULA_KEYS = ["$var", "$template", "$tpl", "$concat", "$firstNotEmpty", "$case", "$map", "$eval", "$and",
                "$or", "$plain", "$mergeObjects", "$iterate", "$bogus", "$", "$formula", "$jsonata", "$copy",
                "$record", "$domainFromEmail", "$extractDate", "$extractTime", "$firstName", "$lastName"]
ARG_KEYS = ["value", "values", "template", "delimiter", "cases", "filter", "default", "mapping", "from", "to",
            "source", "item", "is", "isNot", "isEmpty", "isNotEmpty", "contains", "oneOf", "gt", "gte", "lt",
            "lte", "noneOf", "doesNotContain", "id", "$eval"]
FRAGMENTS = ["${", "}", "$.", "credentials", "connectorParameters", "item", "index", ".", "apiKey", "[0]",
             "['a']", "[", "]", "'", '"', "\\", "+", "??", "||", "&&", "(", ")", ",", "base64", "json", "lower",
             "encodeURIComponent", "nope", " ", "1", "2.5e3", "true", "null", "undefined", "{", "{a}", "-", "é"]
PATHS = ["credentials.apiKey", "$.credentials.apiKey", "item", "item.a[0]", "index", "a['b'].c", "$", "x.0",
         "credentials.list[1]", "credentials"]

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
templates = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
keys = st.sampled_from(FORMULA_KEYS + ARG_KEYS) | st.text(max_size=6)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    formula = st.builds(lambda k, v: {k: v}, st.sampled_from(FORMULA_KEYS), children)
    return (st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4) | formula
            | st.builds(lambda p: {"$var": p}, st.sampled_from(PATHS) | templates)
            | st.builds(lambda t: {"$template": t}, templates))


mappings = st.recursive(scalars | templates | st.sampled_from(PATHS), _extend, max_leaves=25)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["apiKey", "a", "b", "c", "0", "list"]) | st.text(max_size=4), children,
                      max_size=4),
    max_leaves=20,
)
variable_sets = st.dictionaries(st.sampled_from(["credentials", "connectorParameters", "state", "item", "x", "a"]),
                                json_values, max_size=4)


def _contains_undefined(value: Any) -> bool:
    if value is UNDEFINED:
        return True
    if isinstance(value, dict):
        return any(_contains_undefined(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_undefined(v) for v in value)
    return False


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mapping=mappings, variables=variable_sets)
def test_any_mapping_and_variables_give_json_or_an_executor_error(mapping: Any, variables: dict[str, Any]) -> None:
    try:
        formula = compile_mapping(mapping, source="fuzz.map.yml")
    except FormulaError as exc:
        assert exc.message.startswith("fuzz.map.yml: ")
        return
    try:
        result = formula.evaluate(variables)
    except ExecutorError:
        return
    assert not _contains_undefined(result)
    json.dumps(result)
    assert formula.evaluate(variables) == result or _has_nan(result)


@settings(max_examples=300, deadline=2000)
@given(template=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=30).map("".join),
       variables=variable_sets)
def test_any_template_compiles_or_fails_cleanly(template: str, variables: dict[str, Any]) -> None:
    try:
        formula = compile_mapping({"h": {"$template": template}}, source="fuzz.map.yml")
    except FormulaError as exc:
        assert exc.message.startswith("fuzz.map.yml: h.$template: ")
        return
    try:
        assert isinstance(formula.evaluate(variables)["h"], str)
    except ExecutorError:
        pass


def test_long_templates_compile_in_linear_time() -> None:
    template = "x${credentials.apiKey + 'y'}" * 20_000
    assert evaluate({"$template": template}) == "xk-123y" * 20_000


def _has_nan(value: Any) -> bool:
    return "NaN" in json.dumps(value)


def test_jsonata_leaves_the_interpreter_recursion_limit_alone() -> None:
    """jsonata-python raises it to 10,000 on import; deep recursion in a lane thread then segfaulted."""
    import subprocess
    import sys

    code = ("import sys; before = sys.getrecursionlimit(); from executor.formulas import compile_mapping; "
            "compile_mapping({'$jsonata': 'a'}, source='x').evaluate({'a': 1}); print(before == sys.getrecursionlimit())")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"
