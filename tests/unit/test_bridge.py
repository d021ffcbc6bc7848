"""The bridge protocol's Python side (js_runtime.bridge): what __ce.poll() may answer, parsed or refused,
and the scripts the session sends. The shims' side is exercised by every engine test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from js_runtime import bridge
from js_runtime.bridge import (
    CarriedError,
    Delivery,
    Failed,
    HttpAnswer,
    HttpAsk,
    MalformedAsk,
    NetworkFailure,
    NoExport,
    NotJson,
    Returned,
    ScriptFailure,
    ServiceAnswer,
    ServiceAsk,
)
from js_runtime.errors import InvalidInput, ScriptError
from js_runtime.http import HttpRequest, HttpResponse


def snapshot(**changes: Any) -> str:
    base: dict[str, Any] = {"settled": None, "requests": [], "logs": [], "logsTruncated": False, "nextTimer": None,
                            "requestsTooLarge": False}
    return json.dumps({**base, **changes})


def test_a_quiet_snapshot() -> None:
    parsed = bridge.parse_snapshot(snapshot(nextTimer=12.5, logs=[{"level": "log", "message": "hi"}]))
    assert parsed.settled is None and parsed.asks == () and parsed.next_timer_ms == 12.5
    assert parsed.requests_too_large is False
    assert bridge.parse_snapshot(snapshot(requestsTooLarge=True)).requests_too_large is True
    assert [(line.level, line.message) for line in parsed.logs] == [("log", "hi")]


@pytest.mark.parametrize("text", [
    None, "", "not json", "[]", "1", json.dumps({"settled": None}),
    snapshot(settled=[1]), snapshot(requests={}), snapshot(requests=[{"url": "x"}]), snapshot(requests=[5]),
    snapshot(logs=[{"level": "log"}]), snapshot(logs=[{"level": 1, "message": "m"}]), snapshot(logs="x"),
    snapshot(logsTruncated=0), snapshot(nextTimer=True), snapshot(nextTimer="5"), snapshot(requestsTooLarge=1),
    "[" * 100_000 + "]" * 100_000,  # nesting beyond the parser's recursion limit
])
def test_a_reshaped_snapshot_is_the_scripts_error(text: str | None) -> None:
    with pytest.raises(ScriptError, match="broke the executor's bridge"):
        bridge.parse_snapshot(text)


@pytest.mark.parametrize(("settled", "expected"), [
    ({"ok": True, "value": {"a": [1]}}, Returned({"a": [1]})),
    ({"ok": True}, Returned(None)),
    ({"ok": "yes", "value": 1}, Failed(None)),  # only ok === true is a success
    ({"ok": False, "invalidOutput": "a BigInt at output"}, NotJson("a BigInt at output")),
    ({"ok": False, "noExport": True}, NoExport()),
    ({"ok": False, "error": "text"}, Failed(None)),
    ({"ok": False, "error": {"name": "TypeError", "message": "x is not a function"}},
     Failed(ScriptFailure("TypeError", "x is not a function"))),
    ({"ok": False, "error": {"name": "Error", "message": None, "nullish": True}},
     Failed(ScriptFailure("Error", "None", nullish=True))),
    ({"ok": False, "error": {"message": "m", "executorError": {"code": "ACCESS_TOKEN_EXPIRED", "message": "401",
                                                               "details": {"status": 401}}}},
     Failed(ScriptFailure("Error", "m", CarriedError("ACCESS_TOKEN_EXPIRED", "401", {"status": 401}),
                          from_executor=True))),
    # a code outside the contract, details that are not an object, a message left out
    ({"ok": False, "error": {"message": "m", "executorError": {"code": "NO_SUCH_CODE"}}},
     Failed(ScriptFailure("Error", "m", from_executor=True))),
    ({"ok": False, "error": {"message": "m", "executorError": {"code": "RATE_LIMIT_EXCEEDED", "details": [1]}}},
     Failed(ScriptFailure("Error", "m", CarriedError("RATE_LIMIT_EXCEEDED", "m"), from_executor=True))),
    ({"ok": False, "error": {"message": "m", "executorError": "ACCESS_TOKEN_EXPIRED"}},
     Failed(ScriptFailure("Error", "m", from_executor=True))),
    ({"ok": False, "error": {"message": "gone", "network": {"code": "ECONNRESET"}}},
     Failed(ScriptFailure("Error", "gone", network_errno="ECONNRESET", from_executor=True))),
    ({"ok": False, "error": {"message": "m", "network": "ECONNREFUSED"}},
     Failed(ScriptFailure("Error", "m", from_executor=True))),
])
def test_settlements(settled: dict[str, Any], expected: bridge.Settlement) -> None:
    assert bridge.parse_snapshot(snapshot(settled=settled)).settled == expected


def test_asks_are_http_requests_service_questions_or_malformed() -> None:
    requests = [
        {"id": 1, "method": "POST", "url": "https://a.test/x", "headers": [["X-A", "1"], ["x-a", "2"]],
         "body": {"text": "héllo"}, "followRedirects": False, "maxRedirects": 0},
        {"id": 2, "url": "https://a.test/", "body": {"base64": "AAEC"}},
        {"id": 3, "service": "crypto", "payload": {"op": "sign"}},
        {"id": 4, "service": 7},
    ]
    asks = bridge.parse_snapshot(snapshot(requests=requests)).asks
    assert asks == (
        HttpAsk(1, HttpRequest("POST", "https://a.test/x", (("X-A", "1"), ("x-a", "2")), "héllo".encode(),
                               follow_redirects=False, max_redirects=0)),
        HttpAsk(2, HttpRequest("GET", "https://a.test/", (), b"\x00\x01\x02", max_redirects=bridge.DEFAULT_MAX_REDIRECTS)),
        ServiceAsk(3, "crypto", {"op": "sign"}),
        ServiceAsk(4, "7", None),
    )


@pytest.mark.parametrize("request_", [
    {"url": 5}, {"url": "https://a.test", "method": ["GET"]}, {"method": "GET"},
    {"url": "https://a.test", "body": "raw text"}, {"url": "https://a.test", "body": {"base64": "not base64!"}},
    {"url": "https://a.test", "body": {"bytes": [1]}}, {"url": "https://a.test", "headers": [["a"]]},
    {"url": "https://a.test", "headers": [["a", 1]]}, {"url": "https://a.test", "headers": "a: b"},
    {"url": "https://a.test", "maxRedirects": "many"},
])
def test_a_request_no_shim_would_queue_is_malformed(request_: dict[str, Any]) -> None:
    assert bridge.parse_snapshot(snapshot(requests=[{"id": 9, **request_}])).asks == (MalformedAsk(9),)


def test_the_start_script_carries_options_context_and_objects_as_json_strings() -> None:
    options = bridge.Options(100, 5, 1024, 2048, entropy="ab" * 32)
    objects = [bridge.MakeObject("apiClient", ("apiClient", "externalApiClient"), {"baseUrl": "x"}, {"a": 1})]
    script = bridge.start_script(options, "(function (module) {})", "run", {"q": "</script>\u2028'\""}, objects)
    configure, start = script.split(";__ce.start(", 1)
    assert json.loads(json.loads(configure.removeprefix("__ce.configure(").removesuffix(")"))) == \
        {"maxLogBytes": 100, "maxLogEntries": 5, "maxOutputBytes": 1024, "maxQueuedRequestBytes": 2048,
         "entropy": "ab" * 32}
    assert start.startswith("(function (module) {}), ")
    args = json.loads("[" + start.split(", ", 1)[1].removesuffix(");\n") + "]")
    assert args[0] == "run"
    assert json.loads(args[1]) == {"q": "</script>\u2028'\""}
    assert json.loads(args[2]) == [{"maker": "apiClient", "keys": ["apiClient", "externalApiClient"],
                                    "config": {"baseUrl": "x"}, "options": {"a": 1}}]


@pytest.mark.parametrize("context", [{"n": float("nan")}, {"n": float("inf")}, {"b": b"bytes"}])
def test_a_context_that_is_not_json_is_invalid_input(context: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        bridge.start_script(bridge.Options(1, 1, 1, 1), "f", "run", context)


def test_a_delivery_carries_each_answer_kind() -> None:
    response = HttpResponse(201, "Created", (("a", "1"),), b"\xff\x00", "https://a.test/y", redirected=True)
    script = Delivery((HttpAnswer(1, response), NetworkFailure(2, "ECONNREFUSED", "refused"),
                       ServiceAnswer(3, {"authorization": "OAuth x"})), fire_timers=True).script()
    payload = json.loads(json.loads(script.removeprefix("__ce.deliver(").removesuffix(")")))
    assert payload == {"fireTimers": True, "responses": [
        {"id": 1, "response": {"status": 201, "statusText": "Created", "headers": [["a", "1"]],
                               "url": "https://a.test/y", "redirected": True, "body": {"base64": "/wA="}}},
        {"id": 2, "error": {"__ceNetwork": {"code": "ECONNREFUSED"}, "message": "refused"}},
        {"id": 3, "response": {"authorization": "OAuth x"}},
    ]}


def test_a_service_answer_that_is_not_json_is_the_scripts_error() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    for answer in ({"x": float("nan")}, deep):
        with pytest.raises(ScriptError, match="an executor service answer cannot be serialised"):
            Delivery((ServiceAnswer(1, answer),), fire_timers=False).script()
