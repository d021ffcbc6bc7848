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
from executor.fixtures import RecordRefused, find_fixtures, load_fixture, record_job, replay_fixture
from executor.fixtures.model import Fixture
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
