"""Our formula engine against the vendor's own (`buildData` of @membranehq/sdk), case by case.

tests/unit/formula_corpus.json holds each mapping, its variables and the SDK's answer, made by
tests/unit/formula_corpus_generate.js (see there how to regenerate it). Every case must agree,
except the deliberate differences below, each with its reason (also in docs/formulas.md); those
must still differ, so that the list stays true.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from executor.errors import ConnectorInvalid
from executor.formulas import UNDEFINED, compile_mapping

CORPUS = json.loads((Path(__file__).parent / "formula_corpus.json").read_text(encoding="utf-8"))

REFUSED_AT_LOAD = "refused at load (CONNECTOR_INVALID naming the place); the SDK evaluates it silently"
DIFFERENCES: dict[str, str] = {
    # $var locators the SDK cannot read give null there; a typo in a locator is an author's mistake
    **{f"var/{i}:{loc}": "an invalid locator is " + REFUSED_AT_LOAD + " (to null)" for i, loc in [
        (20, "items[-1]"), (26, "items[4"), (40, "credentials[apiKey]"), (41, "credentials['apiKey']"),
        (49, "$credentials"), (3, "")]},
    "var/non-string-number": "a non-string $var is " + REFUSED_AT_LOAD,
    "var/non-string-null": "a non-string $var is " + REFUSED_AT_LOAD,
    "struct/dollar-key-not-first": "a formula key after other keys is " + REFUSED_AT_LOAD + " as a plain key",
    "concat/null": "a $concat argument that is neither list nor object is " + REFUSED_AT_LOAD,
    "concat/values-not-list": "$concat values that are a literal scalar are " + REFUSED_AT_LOAD,
    "mergeObjects/not-list": "a literal object argument is " + REFUSED_AT_LOAD,
    "firstNotEmpty/not-list": "a literal scalar argument is " + REFUSED_AT_LOAD,
    "and/not-list": "a literal scalar argument is " + REFUSED_AT_LOAD,
    "or/not-list": "a literal scalar argument is " + REFUSED_AT_LOAD,
    "case/invalid-string": "a $case that is neither list nor object is " + REFUSED_AT_LOAD,
    "case/invalid-null": "a $case that is neither list nor object is " + REFUSED_AT_LOAD,
    "case/cases-not-list": "cases that are not a list are " + REFUSED_AT_LOAD,
    "case/non-object-case": "a case that is not an object is " + REFUSED_AT_LOAD + " (skipped there)",
    "case/old-filter-list-match": "the legacy list form of a filter is " + REFUSED_AT_LOAD,
    "case/old-filter-list-miss": "the legacy list form of a filter is " + REFUSED_AT_LOAD,
    "map/mappings-spelling": "an unknown key of $map (here `mappings`) is " + REFUSED_AT_LOAD + " (to the default)",
    "map/not-object": "a $map that is not an object is " + REFUSED_AT_LOAD,
    "eval/no-operator-true": "an $eval without operator is " + REFUSED_AT_LOAD + " (always true)",
    "eval/no-operator-false": "an $eval without operator is " + REFUSED_AT_LOAD + " (always true)",
    "eval/no-operator-undefined": "an $eval without operator is " + REFUSED_AT_LOAD + " (always true)",
    "eval/nested-object-form": "an $eval without operator is " + REFUSED_AT_LOAD + " (always true)",
    "eval/two-operators": "an $eval with two operators is " + REFUSED_AT_LOAD + " (the second is ignored)",
    "eval/two-operators-second-false": "an $eval with two operators is " + REFUSED_AT_LOAD,
    "iterate/no-args": "an $iterate without source and item is " + REFUSED_AT_LOAD,
    "jsonata/9:((": "a JSONata expression that does not parse is " + REFUSED_AT_LOAD + " (to undefined)",
    "jsonata/empty": "an empty JSONata expression is " + REFUSED_AT_LOAD,
    "tpl/dollar-in-value": "$tpl copies `$` in values as is (the SDK's String.replace reads $& and $1 "
                           "as patterns and mangles a password such as tok$&en$1)",
    "tpl/dollar-dollar": "$tpl copies `$$` as is (SDK: `$`)",
    "tpl/dollar-backtick": "$tpl copies $` and $' as is (SDK: the text before/after the placeholder)",
}
DIFFERENCES.update({
    case["id"]: "an unknown $eval operator is " + REFUSED_AT_LOAD + " (always true; startsWith included)"
    for case in CORPUS["cases"] if case["id"].split("/")[1] in ("unknownOp", "startsWith")
})
# The SDK's `[n]` step tests the item's truthiness: items[1] (0), [2] (""), [3] (null), [6] (false)
# are undefined there while the dot form items.1 returns them; we return the item either way.
DIFFERENCES.update({
    case["id"]: "a falsy list item read by [index] is returned (SDK: undefined, though the dot form returns it)"
    for case in CORPUS["cases"] if case["id"].startswith("var/") and case["id"].split(":", 1)[-1] in
    ("items[1]", "items[2]", "items[3]", "items[6]")
})


def same(ours: Any, theirs: Any) -> bool:
    """JSON equality that tells booleans from numbers and compares numbers by value."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(same, ours, theirs))
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in ours)
    return type(ours) is type(theirs) and ours == theirs


def ours(case: dict[str, Any]) -> dict[str, Any]:
    """Our answer in the corpus's encoding."""
    variables = case.get("variables", CORPUS["variables"])
    try:
        formula = compile_mapping(case["mapping"], source="corpus.map.yml")
    except ConnectorInvalid as exc:
        return {"refused": exc.message}
    value = formula.value(variables)
    if value is UNDEFINED:
        return {"undefined": True}
    return {"value": json.loads(json.dumps(value))}


def agrees(mine: dict[str, Any], sdk: dict[str, Any]) -> bool:
    """Both undefined, or both the same value."""
    if "undefined" in sdk or "undefined" in mine:
        return "undefined" in sdk and "undefined" in mine
    return "value" in sdk and "value" in mine and same(mine["value"], sdk["value"])


def test_the_corpus_is_large_and_from_the_sdk() -> None:
    assert CORPUS["reference"].startswith("@membranehq/sdk@")
    assert len(CORPUS["cases"]) >= 400
    assert len({case["id"] for case in CORPUS["cases"]}) == len(CORPUS["cases"])


def test_every_listed_difference_is_a_case_of_the_corpus() -> None:
    ids = {case["id"] for case in CORPUS["cases"]}
    assert set(DIFFERENCES) <= ids, sorted(set(DIFFERENCES) - ids)


@pytest.mark.parametrize("case", CORPUS["cases"], ids=lambda case: case["id"])
def test_our_engine_agrees_with_the_vendor_sdk(case: dict[str, Any]) -> None:
    mine = ours(case)
    if case["id"] in DIFFERENCES:
        assert not agrees(mine, case["sdk"]), f"listed as a difference but agrees: {DIFFERENCES[case['id']]}"
        if DIFFERENCES[case["id"]].find("refused at load") >= 0:
            assert "refused" in mine
    else:
        assert agrees(mine, case["sdk"]), f"ours {mine} != SDK {case['sdk']} for mapping {case['mapping']}"
