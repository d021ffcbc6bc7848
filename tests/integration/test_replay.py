"""Replay fixtures: every fixture under fixtures/replay on both engines, record → replay against a
real local server, the matching rules of ReplayTransport, `expect` diffs, the CLI and the plugin."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from executor.cli import main
from executor.errors import UnrecordedRequest
from executor.replay import (
    Fixture,
    FixtureError,
    ReplayTransport,
    compare_expected,
    find_fixtures,
    load_fixture,
    record_job,
    replay_fixture,
)
from executor.replay.model import parse_entry
from executor.replay.placeholders import Placeholders
from executor.secrets import Secrets
from executor.transport import HostRewrite
from js_runtime.engine import ENGINE_KINDS
from js_runtime.http import HttpRequest

ROOT = Path(__file__).resolve().parents[2]
REPLAY_DIR = ROOT / "fixtures" / "replay"
CONNECTORS = ROOT / "fixtures" / "connectors"
REPLAY_FIXTURES = find_fixtures([REPLAY_DIR])
FORM = "application/x-www-form-urlencoded"


# ---- the project's fixtures ----

@pytest.mark.parametrize("path", REPLAY_FIXTURES, ids=[p.relative_to(REPLAY_DIR).as_posix() for p in REPLAY_FIXTURES])
async def test_project_fixture_replays(path: Path, engine: str) -> None:
    outcome = await replay_fixture(load_fixture(path), engine=engine)  # type: ignore[arg-type]
    assert outcome.passed, outcome.report()


def test_every_example_connector_has_fixtures() -> None:
    covered = {load_fixture(p).connector_dir.name for p in REPLAY_FIXTURES}
    assert {d.name for d in CONNECTORS.iterdir() if (d / "spec.yml").exists()} <= covered


# ---- record against a real server, then replay without it ----

PASSWORD = "hunter2-Pass-9f3k"
CLIENT_SECRET = "cs-Very-Secret-77aa"
LOGIN_TOKEN = "tok-Login-0c1d2e3f4a5b"
REFRESHED_TOKEN = "tok-Refreshed-9a8b7c6d"
LIVE_INPUT = {
    "connectorParameters": {"clientId": "cid-1", "clientSecret": CLIENT_SECRET},
    "connectionParameters": {"email": "ann@example.test", "password": PASSWORD},
}
SECRET_VALUES = [PASSWORD, CLIENT_SECRET, LOGIN_TOKEN, REFRESHED_TOKEN,
                 base64.b64encode(f"cid-1:{CLIENT_SECRET}".encode()).decode()]


def serve_token_exchange(api_server: Any) -> None:
    """Login, then an account endpoint that rejects the first token so `connect` refreshes once."""
    async def login(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if body.get("password") != PASSWORD:
            return web.json_response({"error": "bad password"}, status=401)
        return web.json_response({"access_token": LOGIN_TOKEN, "expires_in": 3600})

    async def tokens(request: web.Request) -> web.StreamResponse:
        expected = "Basic " + base64.b64encode(f"cid-1:{CLIENT_SECRET}".encode()).decode()
        form = await request.post()
        if request.headers.get("Authorization") != expected or form.get("token") != LOGIN_TOKEN:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"access_token": REFRESHED_TOKEN, "expires_in": 7200})

    async def account(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {REFRESHED_TOKEN}":
            return web.json_response({"error": "token_expired"}, status=401)
        return web.json_response({"id": 7, "active": True})

    api_server.route("POST", "/v1/sessions", login)
    api_server.route("POST", "/v1/tokens", tokens)
    api_server.route("GET", "/v1/account", account)


async def record_connect(api_server: Any, live_send: Any, output: Path, engine: str) -> Any:
    serve_token_exchange(api_server)
    send = HostRewrite(live_send, {"https://login.example.test": api_server.base,
                                   "https://api.example.test": api_server.base})
    result, built = await record_job(CONNECTORS / "token-exchange-example", "connect", LIVE_INPUT, send=send,
                                     output=output, engine=engine)  # type: ignore[arg-type]
    assert result.succeeded, result.to_dict()
    assert built.warnings == []
    return result


async def test_record_then_replay_without_the_server(api_server: Any, live_send: Any, engine: str,
                                                     tmp_path: Path) -> None:
    output = tmp_path / "recorded" / "connect.yml"
    live = await record_connect(api_server, live_send, output, engine)
    await api_server.server.close()

    fixture = load_fixture(output)
    assert fixture.connector_dir == (CONNECTORS / "token-exchange-example").resolve()
    assert len(fixture.http) == 4  # login, 401, refresh, retried test
    for replay_engine in ENGINE_KINDS:
        outcome = await replay_fixture(fixture, engine=replay_engine)
        assert outcome.passed, outcome.report()
        replayed = outcome.result.to_dict()
        assert replayed["status"] == live.status == "succeeded"
        assert replayed["requests"] == live.requests
        assert replayed["credentials"].keys() == live.credentials.keys()
        assert re.fullmatch(r"<<secret:\d+>>", replayed["credentials"]["accessToken"])


async def test_recorded_fixture_holds_no_secret(api_server: Any, live_send: Any, tmp_path: Path) -> None:
    output = tmp_path / "connect.yml"
    await record_connect(api_server, live_send, output, "quickjs")
    text = output.read_text()
    for value in SECRET_VALUES:
        assert value not in text
    document = yaml.safe_load(text)
    password = document["input"]["connectionParameters"]["password"]
    assert re.fullmatch(r"<<secret:\d+>>", password)
    assert document["http"][0]["request"]["body"]["password"] == password  # the same placeholder everywhere
    refreshed = document["http"][2]["response"]["body"]["access_token"]
    assert document["http"][3]["request"]["headers"]["authorization"] == f"Bearer {refreshed}"
    assert document["expect"]["credentials"] == {"accessToken": refreshed}  # expiresAt (from the clock) left out


async def test_changed_recorded_response_fails_with_a_diff(api_server: Any, live_send: Any, tmp_path: Path) -> None:
    output = tmp_path / "connect.yml"
    await record_connect(api_server, live_send, output, "quickjs")
    document = yaml.safe_load(output.read_text())
    document["http"][2]["response"]["body"]["access_token"] = "<<secret:99>>"
    output.write_text(yaml.safe_dump(document, sort_keys=False))

    outcome = await replay_fixture(load_fixture(output))
    assert not outcome.passed
    report = outcome.report()
    assert "request #4 does not match http[3] of connect.yml" in report
    assert re.search(r"! header authorization +Bearer <<secret:\d+>> +Bearer <<secret:99>>", report), report
    assert 'credentials.accessToken: expected "<<secret:' in report


# ---- ReplayTransport matching ----

def entries(*documents: dict[str, Any]) -> list[Any]:
    return [parse_entry(d, Path("inline.yml"), f"http[{i}]") for i, d in enumerate(documents)]


def ok(request: dict[str, Any]) -> dict[str, Any]:
    return {"request": request, "response": {"status": 200, "body": {"ok": True}}}


def req(method: str, url: str, headers: dict[str, str] | None = None, body: str | None = None) -> HttpRequest:
    return HttpRequest(method, url, tuple((headers or {}).items()), None if body is None else body.encode())


async def test_query_order_does_not_matter() -> None:
    transport = ReplayTransport(entries(ok({"method": "get", "url": "https://x.test/a?b=2&a=1&a=0"})))
    response = await transport.send(req("GET", "https://x.test/a?a=1&a=0&b=2"))
    assert response.status == 200 and json.loads(response.body) == {"ok": True}
    assert transport.unused() == []


async def test_query_values_still_compare() -> None:
    transport = ReplayTransport(entries(ok({"method": "GET", "url": "https://x.test/a?a=1"})))
    with pytest.raises(UnrecordedRequest, match=r"! url +https://x.test/a\?a=1 +https://x.test/a\?a=2"):
        await transport.send(req("GET", "https://x.test/a?a=2"))


async def test_headers_are_a_case_insensitive_subset() -> None:
    transport = ReplayTransport(entries(
        ok({"method": "GET", "url": "https://x.test/", "headers": {"X-Api-Key": "k1"}}),
        ok({"method": "GET", "url": "https://x.test/", "headers": {"x-api-key": "k1", "x-debug": None}}),
    ))
    await transport.send(req("GET", "https://x.test/", {"X-API-KEY": "k1", "Accept": "*/*"}))
    with pytest.raises(UnrecordedRequest) as caught:
        await transport.send(req("GET", "https://x.test/", {"x-api-key": "k2", "X-Debug": "1"}))
    message = caught.value.message
    assert re.search(r"! header x-api-key +k1 +k2", message)
    assert re.search(r"! header x-debug +\(absent\) +1", message)


async def test_object_body_matches_json_or_form_fields() -> None:
    transport = ReplayTransport(entries(
        ok({"method": "POST", "url": "https://x.test/json", "body": {"a": 1, "b": [True, None]}}),
        ok({"method": "POST", "url": "https://x.test/form", "body": {"grant_type": "refresh_token", "n": 3}}),
        ok({"method": "POST", "url": "https://x.test/raw", "body": "a=1&b=2"}),
    ))
    await transport.send(req("POST", "https://x.test/json", {"Content-Type": "application/json"},
                             '{"b": [true, null], "a": 1}'))
    await transport.send(req("POST", "https://x.test/form", {"Content-Type": FORM}, "n=3&grant_type=refresh_token"))
    await transport.send(req("POST", "https://x.test/raw", {}, "a=1&b=2"))
    assert transport.unused() == []


async def test_body_differences_are_reported_per_field() -> None:
    transport = ReplayTransport(entries(
        ok({"method": "POST", "url": "https://x.test/t", "body": {"grant_type": "refresh_token", "scope": "a"}}),
    ))
    with pytest.raises(UnrecordedRequest) as caught:
        await transport.send(req("POST", "https://x.test/t", {"Content-Type": "application/json"},
                                 '{"grant_type": "client_credentials", "extra": 1}'))
    message = caught.value.message
    assert re.search(r"! body\.grant_type +refresh_token +client_credentials", message)
    assert re.search(r"! body\.scope +a +\(absent\)", message)
    assert re.search(r"! body\.extra +\(absent\) +1", message)
    assert re.search(r"^    method +POST +POST$", message, re.M)  # method and URL always shown, unmarked


async def test_true_is_not_one_in_bodies() -> None:
    transport = ReplayTransport(entries(ok({"method": "POST", "url": "https://x.test/", "body": {"a": True}})))
    with pytest.raises(UnrecordedRequest, match=r"body\.a"):
        await transport.send(req("POST", "https://x.test/", {}, '{"a": 1}'))


async def test_mismatch_masks_secret_values() -> None:
    secrets = Secrets().with_values(["sk_live_abcdef123456"])
    transport = ReplayTransport(entries(ok({"method": "GET", "url": "https://x.test/",
                                            "headers": {"authorization": "Bearer sk_live_abcdef123456"}})), secrets)
    with pytest.raises(UnrecordedRequest) as caught:
        await transport.send(req("POST", "https://x.test/?key=sk_live_abcdef123456",
                                 {"Authorization": "Bearer sk_live_abcdef123456x"}))
    assert "sk_live_abcdef123456" not in caught.value.message
    assert "[REDACTED]" in caught.value.message
    assert re.search(r"! method +GET +POST", caught.value.message)


async def test_requests_beyond_the_entries_are_unrecorded() -> None:
    transport = ReplayTransport(entries(ok({"method": "GET", "url": "https://x.test/"})), source="f.yml")
    await transport.send(req("GET", "https://x.test/"))
    with pytest.raises(UnrecordedRequest, match=r"request #2 \(GET https://x.test/again\) is not recorded: "
                                                 r"f.yml has only 1 http entries"):
        await transport.send(req("GET", "https://x.test/again"))


async def test_unused_entries_are_listed() -> None:
    transport = ReplayTransport(entries(ok({"method": "GET", "url": "https://x.test/1"}),
                                        ok({"method": "GET", "url": "https://x.test/2"})))
    await transport.send(req("GET", "https://x.test/1"))
    assert [(i, e.request.url) for i, e in transport.unused()] == [(1, "https://x.test/2")]


def write_fixture(directory: Path, name: str, document: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump({"connector": str(CONNECTORS / "api-key-example"), **document}, sort_keys=False))
    return path


API_KEY_TEST = {
    "method": "test",
    "input": {"credentials": {"apiKey": "<<secret:1>>"}},
    "http": [{"request": {"method": "GET", "url": "https://api.example.test/v2/me"},
              "response": {"status": 200, "body": {"id": "a1"}}}],
    "expect": {"status": "succeeded", "output": True},
}


async def test_unused_entries_fail_the_fixture(tmp_path: Path) -> None:
    extra = {"request": {"method": "GET", "url": "https://api.example.test/v2/extra"}, "response": {"status": 204}}
    path = write_fixture(tmp_path, "unused.yml", {**API_KEY_TEST, "http": [*API_KEY_TEST["http"], extra]})
    outcome = await replay_fixture(load_fixture(path))
    assert outcome.result.succeeded
    assert outcome.problems == ["http[1] (GET https://api.example.test/v2/extra) was never requested"]


def test_response_bodies_are_encoded_by_content_type() -> None:
    request = {"method": "GET", "url": "https://x.test/"}
    as_json, as_form, as_text = entries(
        {"request": request, "response": {"status": 200, "body": {"a": [1, True, None]}}},
        {"request": request, "response": {"status": 200, "headers": {"Content-Type": FORM},
                                          "body": {"access_token": "t 1", "scope": ["a", "b"]}}},
        {"request": request, "response": {"status": 404, "headers": {"content-type": "text/plain"}, "body": "{no"}},
    )
    sent = req("GET", "https://x.test/")
    response = as_json.reply(sent)
    assert response.header("Content-Type") == "application/json"
    assert json.loads(response.body) == {"a": [1, True, None]}
    assert as_form.reply(sent).body == b"access_token=t+1&scope=a&scope=b"
    response = as_text.reply(sent)
    assert (response.status, response.reason, response.body, response.url) == (404, "Not Found", b"{no", sent.url)


# ---- expect ----

@pytest.mark.parametrize(("expected", "actual", "problems"), [
    ({"status": "succeeded"}, {"status": "succeeded", "output": 1}, []),
    ({"output": {"a": {"b": 1}}}, {"output": {"a": {"b": 1, "c": 2}, "d": 3}}, []),
    ({"output": {"a": {"b": 1}}}, {"output": {"a": {"b": 2}}}, ["output.a.b: expected 1, actual 2"]),
    ({"output": {"a": 1}}, {"output": {}}, ["output.a: expected 1, actual (absent)"]),
    ({"output": True}, {"output": 1}, ["output: expected true, actual 1"]),
    ({"output": [1, 2]}, {"output": [1, 2, 3]}, ["output: expected [1, 2], actual [1, 2, 3]"]),
    ({"credentials": None}, {"status": "failed"}, []),
    ({"error": {"code": "X"}}, {"error": "boom"}, ['error: expected {"code": "X"}, actual "boom"']),
])
def test_expect_is_a_subset(expected: Any, actual: Any, problems: list[str]) -> None:
    assert compare_expected(expected, actual) == problems


def test_placeholders_are_stable_and_never_rewritten() -> None:
    placeholders = Placeholders()
    placeholders.add(["secret", "a-longer-secret", "secret"])
    once = placeholders.apply({"a": "secret", "b": ["x a-longer-secret y"], "n": 7})
    assert once == {"a": "<<secret:1>>", "b": ["x <<secret:2>> y"], "n": 7}
    assert placeholders.apply(once) == once


def test_fixture_errors_name_the_file_and_field(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, "broken.yml", {**API_KEY_TEST, "http": [{"request": {"method": "GET"}}]})
    with pytest.raises(FixtureError, match=r"broken.yml: http\[0\]\.request\.url: missing"):
        load_fixture(path)
    path = write_fixture(tmp_path, "typo.yml", {**API_KEY_TEST, "expected": {"status": "failed"}})
    with pytest.raises(FixtureError, match=r"typo.yml: expected: unknown field \(did you mean 'expect'\?\)"):
        load_fixture(path)
    path = write_fixture(tmp_path, "odd.yml", {**API_KEY_TEST, "zzz": 1})
    with pytest.raises(FixtureError, match=r"odd.yml: zzz: unknown field \(expected one of: authOption, "):
        load_fixture(path)


# ---- command line ----

def test_cli_replay_passes_every_project_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(REPLAY_DIR), "--engine", "quickjs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(REPLAY_FIXTURES) + 1
    assert all(re.fullmatch(r"PASS \S+\.ya?ml \(\d+ ms\)", line) for line in lines[:-1]), lines
    assert lines[-1] == f"{len(REPLAY_FIXTURES)} passed, 0 failed"


def test_cli_replay_reports_failures_with_a_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_fixture(tmp_path, "good.yml", API_KEY_TEST)
    write_fixture(tmp_path / "more", "bad.yml", {**API_KEY_TEST, "expect": {"status": "succeeded", "output": False}})
    (tmp_path / "more" / "notes.yml").write_text("just: a file\n")  # not a fixture: skipped
    assert main(["replay", str(good), str(tmp_path / "more"), "--engine", "v8"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^PASS {re.escape(str(good))} \(\d+ ms\)$", out, re.M)
    assert re.search(r"^FAIL \S+/more/bad\.yml \(\d+ ms\)$", out, re.M)
    assert "  engine: v8\n  output: expected false, actual true\n" in out
    assert out.endswith("1 passed, 1 failed\n")


def test_cli_replay_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["replay", str(tmp_path)]) == 2  # an empty directory holds no fixture


async def test_cli_record_writes_a_replayable_fixture(api_server: Any, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    connector = tmp_path / "local-connector"
    (connector / "auth").mkdir(parents=True)
    (connector / "spec.yml").write_text(
        "key: local\nauth:\n  type: client-credentials\n"
        "  getCredentialsFromConnectionParameters: {implementationType: javascript}\n")
    (connector / "auth" / "get-credentials-from-connection-parameters.js").write_text(
        "export default async ({ connectorParameters, connectionParameters }) => {\n"
        "  const res = await fetch(connectorParameters.baseUrl + '/login?b=2&a=1', {\n"
        "    method: 'POST', headers: { 'x-api-key': connectionParameters.apiKey } })\n"
        "  return { token: (await res.json()).token }\n}\n")
    api_server.reply("POST", "/login", json_body={"token": "tok-From-Server-123"})
    job_input = tmp_path / "input.json"
    job_input.write_text(json.dumps({"connectorParameters": {"baseUrl": api_server.base},
                                     "connectionParameters": {"apiKey": "key-Live-456789"}}))
    output = tmp_path / "out" / "login.yml"
    code = await asyncio.to_thread(main, ["record", str(connector), "getCredentialsFromConnectionParameters",
                                          "--input", str(job_input), "--output", str(output),
                                          "--allow-host", "127.0.0.1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out)["credentials"] == {"token": "tok-From-Server-123"}
    text = output.read_text()
    assert "key-Live-456789" not in text and "tok-From-Server-123" not in text
    assert load_fixture(output).connector_dir == connector.resolve()
    await api_server.server.close()
    assert await asyncio.to_thread(main, ["replay", str(output), "--engine", "v8"]) == 0


def test_pytest_plugin_runs_fixtures_on_both_engines(tmp_path: Path) -> None:
    write_fixture(tmp_path / "fx", "good.yml", API_KEY_TEST)
    write_fixture(tmp_path / "fx", "bad.yml", {**API_KEY_TEST, "expect": {"output": False}})
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    # Not named on the command line, so not collected: a test module and a fixture in the current folder.
    (tmp_path / "test_elsewhere.py").write_text("def test_elsewhere():\n    pass\n")
    write_fixture(tmp_path, "stray.yml", API_KEY_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "pytest.ini", "-p", "executor.replay.pytest_plugin",
         "-p", "no:cacheprovider", "--connector-fixtures", "fx", "-q", "-rf"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "2 failed, 2 passed in" in run.stdout, run.stdout + run.stderr
    assert "FAILED fx/bad.yml::bad[quickjs]" in run.stdout
    assert "FAILED fx/bad.yml::bad[v8]" in run.stdout
    assert "output: expected false, actual true" in run.stdout


def test_fixture_model_is_frozen() -> None:
    fixture = load_fixture(REPLAY_FIXTURES[0])
    assert isinstance(fixture, Fixture)
    with pytest.raises(AttributeError):
        fixture.method = "other"  # type: ignore[misc]
