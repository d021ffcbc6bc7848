"""`record` end to end: every example connector's methods and flows recorded against a real local
server, replayed on both engines with no network, and searched for every secret value; what record
refuses (a run the placeholders do not reproduce, a run the network policy stopped, an existing
file without --force, a suffix replay would not read); JSON or YAML by the output's suffix.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from executor.cli import main
from executor.replay import RecordRefused, find_fixtures, load_fixture, record_job, replay_fixture
from executor.replay.model import Fixture
from executor.transport import HostRewrite, LiveTransport, NetworkPolicy
from js_runtime.engine import ENGINE_KINDS
from js_runtime.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
REPLAY_DIR = ROOT / "fixtures" / "replay"
EXAMPLES = find_fixtures([REPLAY_DIR])
PLACEHOLDER = re.compile(r"<<secret:(\d+)>>")


def real_secret(number: str) -> str:
    return f"RealSecret{number}Zq7x9Kw"


def with_real_secrets(text: str) -> str:
    """`text` with each placeholder (plain or URL-encoded) replaced by a real-looking secret."""
    text = PLACEHOLDER.sub(lambda m: real_secret(m.group(1)), text)
    return re.sub(r"%3C%3Csecret%3A(\d+)%3E%3E", lambda m: quote(real_secret(m.group(1))), text)


class Upstream:
    """A real server answering the i-th request with the i-th recorded response (real secrets in
    place of the placeholders), or dropping the connection where a transport error was recorded."""

    def __init__(self, fixture: Fixture) -> None:
        self.fixture = fixture
        self.served = 0
        self.server = TestServer(self._app(), host="127.0.0.1")

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        return app

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        if self.served >= len(self.fixture.http):
            return web.Response(status=599, text="request not in the example")
        entry = self.fixture.http[self.served]
        self.served += 1
        if entry.response is None:  # a recorded transport error
            assert request.transport is not None
            request.transport.abort()
            raise ConnectionResetError
        headers = {k: with_real_secrets(v) for k, v in entry.response.headers}
        body = with_real_secrets(entry.response.body.decode("utf-8")).encode()
        return web.Response(status=entry.response.status, headers=headers, body=body)

    def rewrites(self) -> dict[str, str]:
        base = str(self.server.make_url("")).rstrip("/")
        origins = {f"{urlsplit(e.request.url).scheme}://{urlsplit(e.request.url).netloc}" for e in self.fixture.http}
        return {origin: base for origin in origins}


@pytest.fixture
async def live_transport() -> AsyncIterator[LiveTransport]:
    async with LiveTransport(NetworkPolicy.from_strings(["127.0.0.1"]),
                             max_response_bytes=Limits().max_response_bytes) as transport:
        yield transport


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.relative_to(REPLAY_DIR).as_posix() for p in EXAMPLES])
async def test_every_example_records_a_fixture_that_replays_and_holds_no_secret(
        path: Path, tmp_path: Path, live_transport: LiveTransport) -> None:
    example = load_fixture(path)
    numbers = set(PLACEHOLDER.findall(path.read_text(encoding="utf-8")))
    live_input = json.loads(with_real_secrets(json.dumps(dict(example.input))))
    upstream = Upstream(example)
    await upstream.server.start_server()
    try:
        output = tmp_path / "recorded.yml"
        result, _ = await record_job(example.connector_dir, example.method, live_input,
                                     send=HostRewrite(live_transport.send, upstream.rewrites()), output=output,
                                     auth_option=example.auth_option, limits=Limits(timeout=10))
    finally:
        await upstream.server.close()
    assert upstream.served == len(example.http)
    assert result.status == (example.expect or {}).get("status", result.status)

    text = output.read_text(encoding="utf-8")
    for number in numbers:
        secret = real_secret(number)
        assert secret not in text and quote(secret) not in text, f"{secret} is in the fixture"
    recorded = load_fixture(output)
    for engine in ENGINE_KINDS:  # no server is running any more: the fixture alone answers
        outcome = await replay_fixture(recorded, engine=engine)
        assert outcome.passed, outcome.report()
        assert outcome.result.status == result.status


# ---- what record refuses ----

CONNECTOR_SPEC = """key: record-checks
name: Record checks
auth:
  type: client-credentials
  getCredentialsFromConnectionParameters:
    implementationType: javascript
"""


def connector(tmp_path: Path, code: str) -> Path:
    folder = tmp_path / "connector"
    (folder / "auth").mkdir(parents=True, exist_ok=True)
    (folder / "spec.yml").write_text(CONNECTOR_SPEC)
    (folder / "auth" / "get-credentials-from-connection-parameters.js").write_text(code)
    return folder


FETCH_WITH_KEY = """
export default async ({ connectionParameters }) => {
  const res = await fetch('https://api.example.test/me?api_key=' + encodeURIComponent(connectionParameters.apiKey));
  return { apiKey: connectionParameters.apiKey, user: (await res.json()).name };
};
"""


@pytest.fixture
async def me_server(api_server: Any) -> Any:
    api_server.reply("GET", "/me", json_body={"name": "ann"})
    return api_server


async def record_me(tmp_path: Path, transport: LiveTransport, server: Any, code: str, output: Path,
                    **options: Any) -> Any:
    send = HostRewrite(transport.send, {"https://api.example.test": server.base})
    return await record_job(connector(tmp_path, code), "getCredentialsFromConnectionParameters",
                            {"connectionParameters": {"apiKey": "sk_live_Key-42"}}, send=send, output=output,
                            **options)


@pytest.mark.parametrize("suffix", [".json", ".yml", ".yaml"])
async def test_the_output_suffix_chooses_json_or_yaml(suffix: str, tmp_path: Path, live_transport: LiveTransport,
                                                      me_server: Any) -> None:
    output = tmp_path / f"fixture{suffix}"
    await record_me(tmp_path, live_transport, me_server, FETCH_WITH_KEY, output)
    text = output.read_text()
    document = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    # as the script spells the placeholder (encodeURIComponent), so a replay computes the same URL
    assert document["http"][0]["request"]["url"] == "https://api.example.test/me?api_key=%3C%3Csecret%3A1%3E%3E"
    assert "sk_live_Key-42" not in text
    outcome = await replay_fixture(load_fixture(output))
    assert outcome.passed, outcome.report()


async def test_a_run_the_placeholders_do_not_reproduce_is_refused(tmp_path: Path, live_transport: LiveTransport,
                                                                  me_server: Any) -> None:
    depends_on_the_value = FETCH_WITH_KEY.replace("const res =", "if (!connectionParameters.apiKey.startsWith('sk_'))"
                                                  " throw new Error('not a live key');\n  const res =")
    output = tmp_path / "f.yml"
    with pytest.raises(RecordRefused, match="does not reproduce the live run") as refused:
        await record_me(tmp_path, live_transport, me_server, depends_on_the_value, output)
    assert "SCRIPT_ERROR" in refused.value.message and "sk_live" not in refused.value.message
    assert not output.exists()


async def test_a_run_the_network_policy_stopped_is_not_recorded(tmp_path: Path, me_server: Any) -> None:
    output = tmp_path / "f.yml"
    async with LiveTransport(NetworkPolicy(), max_response_bytes=1 << 20) as strict:  # loopback refused
        with pytest.raises(RecordRefused, match="network policy"):
            await record_me(tmp_path, strict, me_server, FETCH_WITH_KEY, output)
    assert not output.exists() and me_server.received == []


async def test_an_existing_fixture_is_replaced_only_when_asked(tmp_path: Path, live_transport: LiveTransport,
                                                               me_server: Any) -> None:
    output = tmp_path / "f.yml"
    output.write_text("keep me")
    with pytest.raises(RecordRefused, match="exists: pass --force"):
        await record_me(tmp_path, live_transport, me_server, FETCH_WITH_KEY, output)
    assert output.read_text() == "keep me" and me_server.received == []
    await record_me(tmp_path, live_transport, me_server, FETCH_WITH_KEY, output, overwrite=True)
    assert load_fixture(output).method == "getCredentialsFromConnectionParameters"


def cli_record(folder: Path, input_file: Path, output: Path, *extra: str) -> int:
    return main(["record", str(folder), "getCredentialsFromConnectionParameters", "--input", str(input_file),
                 "--output", str(output), *extra])


async def test_cli_refusals_exit_non_zero_with_a_message(tmp_path: Path, me_server: Any,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONNECTOR_EXECUTOR_ALLOW_HOSTS", raising=False)
    folder = connector(tmp_path, FETCH_WITH_KEY.replace("https://api.example.test", me_server.base))
    input_file = tmp_path / "input.json"
    input_file.write_text(json.dumps({"connectionParameters": {"apiKey": "sk_live_Key-42"}}))
    existing = tmp_path / "existing.yml"
    existing.write_text("keep me")

    assert await asyncio.to_thread(cli_record, folder, input_file, tmp_path / "f.txt") == 2
    assert "a fixture file ends in .yml, .yaml, .json" in capsys.readouterr().err
    assert await asyncio.to_thread(cli_record, folder, input_file, existing) == 2
    assert "exists: pass --force" in capsys.readouterr().err
    assert await asyncio.to_thread(cli_record, folder, input_file, tmp_path / "blocked.yml") == 1
    err = capsys.readouterr().err
    assert "not recording" in err and "network policy" in err and not (tmp_path / "blocked.yml").exists()
    assert await asyncio.to_thread(cli_record, folder, input_file, existing, "--force", "--allow-host",
                                   "127.0.0.1") == 0
    assert load_fixture(existing).method == "getCredentialsFromConnectionParameters"


# ---- the docs' own OAuth2 connector (auth-type-oauth2: tokenUri in connectorParameters) ----

DOCS_CLIENT_SECRET = "cs-Docs-Secret-4471"
DOCS_CODE = "code-Docs-8c7b"
DOCS_VERIFIER = "verifier-Docs-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
DOCS_TOKENS = {"access_token": "at-Docs-11aa22bb", "refresh_token": "rt-Docs-33cc44dd"}
DOCS_REFRESHED = "at-Docs-Refreshed-55ee"
DOCS_SPEC = """key: docs-oauth2
name: Docs OAuth2
parametersSchema:
  type: object
  properties:
    clientId: {type: string}
    clientSecret: {type: string}
    tokenUri: {type: string}
auth:
  type: oauth2
  getOAuthConfig:
    implementationType: mapping
  getTokenData:
    implementationType: javascript
  getCredentialsFromTokenResponse:
    implementationType: javascript
  refreshCredentials:
    implementationType: javascript
"""
DOCS_OAUTH_CONFIG = """clientId:
  $var: connectorParameters.clientId
clientSecret:
  $var: connectorParameters.clientSecret
authorizeUri: https://auth.example.com/oauth2/authorize
tokenUri: https://auth.example.com/oauth2/token
scopes:
  - read
  - write
clientAuthLocation: body
noRefreshToken: false
skipPkce: false
extra:
  prompt: consent
  access_type: offline
"""
DOCS_PARAMETERS = {"clientId": "docs-client", "clientSecret": DOCS_CLIENT_SECRET,
                   "tokenUri": "https://auth.example.com/oauth2/token"}
DOCS_JOBS = {
    "getTokenData": {"connectorParameters": DOCS_PARAMETERS, "codeVerifier": DOCS_VERIFIER,
                     "queryParameters": {"code": DOCS_CODE}, "redirectUri": "https://app.example.test/cb"},
    "getCredentialsFromTokenResponse": {"connectorParameters": DOCS_PARAMETERS, "tokenResponse": DOCS_TOKENS},
    "refreshCredentials": {"connectorParameters": DOCS_PARAMETERS, "credentials": DOCS_TOKENS},
    "connect": {"connectorParameters": DOCS_PARAMETERS, "codeVerifier": DOCS_VERIFIER, "state": "st-1",
                "queryParameters": {"code": DOCS_CODE, "state": "st-1"}, "redirectUri": "https://app.example.test/cb"},
    "authorize": {"connectorParameters": DOCS_PARAMETERS, "redirectUri": "https://app.example.test/cb"},
}


def docs_connector(tmp_path: Path) -> Path:
    from support.docs_examples import DOCS, example

    if not DOCS.exists():
        pytest.skip(f"the Connector Builder docs are not at {DOCS}")
    folder = tmp_path / "docs-oauth2"
    (folder / "auth").mkdir(parents=True)
    (folder / "spec.yml").write_text(DOCS_SPEC)
    (folder / "auth" / "get-oauth-config.map.yml").write_text(DOCS_OAUTH_CONFIG)
    for name in ("get-token-data", "get-credentials-from-token-response", "refresh-credentials"):
        (folder / "auth" / f"{name}.js").write_text(example("auth-type-oauth2", f"auth/{name}.js"))
    return folder


def serve_docs_provider(api_server: Any) -> None:
    async def token(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if form.get("client_secret") != DOCS_CLIENT_SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") == "refresh_token":
            return web.json_response({"access_token": DOCS_REFRESHED, "expires_in": 3600})
        if form.get("code") != DOCS_CODE or form.get("code_verifier") != DOCS_VERIFIER:
            return web.json_response({"error": "invalid_grant"}, status=400)
        return web.json_response({**DOCS_TOKENS, "token_type": "Bearer", "expires_in": 3600})

    async def userinfo(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {DOCS_TOKENS['access_token']}":
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response({"id": "u-1", "name": "Ann"})

    api_server.route("POST", "/oauth2/token", token)
    api_server.route("GET", "/userinfo", userinfo)


@pytest.mark.parametrize("method", DOCS_JOBS)
async def test_the_docs_oauth2_connector_records_fixtures_that_replay_and_hold_no_secret(
        method: str, tmp_path: Path, api_server: Any, live_transport: LiveTransport) -> None:
    folder = docs_connector(tmp_path)
    serve_docs_provider(api_server)
    send = HostRewrite(live_transport.send, {"https://auth.example.com": api_server.base,
                                             "https://api.example.com": api_server.base})
    output = tmp_path / f"{method}.yml"
    result, _ = await record_job(folder, method, DOCS_JOBS[method], send=send, output=output)
    assert result.succeeded, result.to_dict()
    await api_server.server.close()

    text = output.read_text(encoding="utf-8")
    for secret in [DOCS_CLIENT_SECRET, DOCS_CODE, DOCS_VERIFIER, *DOCS_TOKENS.values(), DOCS_REFRESHED]:
        assert secret not in text and quote(secret) not in text, f"{secret} is in the {method} fixture"
    document = yaml.safe_load(text)
    assert document["input"]["connectorParameters"]["tokenUri"] == "https://auth.example.com/oauth2/token"
    if method != "authorize":
        assert document["http"], "the fixture records the exchanges"
    for engine in ENGINE_KINDS:
        outcome = await replay_fixture(load_fixture(output), engine=engine)
        assert outcome.passed, outcome.report()
        assert outcome.result.succeeded
