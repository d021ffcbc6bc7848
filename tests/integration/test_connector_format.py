"""The newer connector format end to end on both engines: a rest-api-mapping test through the
apiClient, not-supported methods, option `enabled`, and the new formulas in a real connector."""

from pathlib import Path

import pytest
from aiohttp import web

from executor.transport import HostRewrite

pytestmark = pytest.mark.asyncio

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "connectors" / "rest-mapping-example"
HOSTS = ("https://api.example.test", "https://eu.api.example.test")
INPUT = {"connectionParameters": {"apiKey": "ACME-123", "account": " Acme ", "email": "ann@acme.example", "fullName": "Ann van Dyke",
                                  "since": "2024-03-05T23:30:00-02:00"},
         "connectorParameters": {"region": "eu"}}


@pytest.fixture
def send(api_server, live_send):
    return HostRewrite(live_send, {host: api_server.base for host in HOSTS})


async def test_rest_api_mapping_test_runs_through_the_api_client(run_connector, api_server, send):
    api_server.reply("GET", "/v1/accounts/acme", json_body={"status": "active"})
    result = await run_connector(EXAMPLE, "connect", INPUT, send=send)
    assert result.succeeded, result.to_dict()
    received = api_server.received[0]
    assert received.query == {"since": "2024-03-06"}
    assert received.headers["X-API-Key"] == "ACME-123"
    assert received.headers["X-User-Domain"] == "acme.example"
    assert (received.headers["X-User-First-Name"], received.headers["X-User-Last-Name"]) == ("Ann", "van Dyke")
    assert result.requests == [{"method": "GET", "url": "https://eu.api.example.test/v1/accounts/acme?since=2024-03-06",
                                "status": 200}]


async def test_rest_api_mapping_response_mapping_decides(run_connector, api_server, send):
    api_server.reply("GET", "/v1/accounts/acme", json_body={"status": "suspended"})
    result = await run_connector(EXAMPLE, "test", {**INPUT, "credentials": {"apiKey": "ACME-1"}}, send=send)
    assert result.to_dict()["error"]["code"] == "CONNECTION_TEST_FAILED"


async def test_rest_api_mapping_non_2xx_fails_like_the_api_client(run_connector, api_server, send):
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"status": "active"}, status=401)

    api_server.route("GET", "/v1/accounts/acme", refuse)
    result = await run_connector(EXAMPLE, "test", {**INPUT, "credentials": {"apiKey": "ACME-1"}}, send=send)
    assert result.to_dict()["error"]["code"] == "ACCESS_TOKEN_EXPIRED"


async def test_not_supported_answers_with_its_reason_and_runs_no_default(run_connector):
    params = {"connectorParameters": {"oauthEnabled": True}}
    result = await run_connector(EXAMPLE, "getOAuthConfig", params, auth_option="oauth")
    error = result.to_dict()["error"]
    assert error["code"] == "METHOD_NOT_IMPLEMENTED"
    assert "OAuth is announced but not yet available" in error["message"]
    assert result.requests == []


async def test_a_disabled_option_is_invalid_input(run_connector):
    result = await run_connector(EXAMPLE, "getOAuthConfig", {"connectorParameters": {"oauthEnabled": False}},
                                 auth_option="oauth")
    assert result.to_dict()["error"]["code"] == "INVALID_INPUT"
    assert "not enabled" in result.to_dict()["error"]["message"]


async def test_a_header_left_as_bearer_space_is_warned_about(run_connector, api_server):
    api_server.reply("GET", "/me", json_body={"ok": True})
    files = {"spec.yml": "auth:\n  type: client-credentials\n  makeApiClient:\n    type: mapping\n    mapping:\n"
                         f"      baseUri: {api_server.base}\n      headers:\n"
                         "        Authorization: {$tpl: {template: 'Bearer {t}', values: {t: {$var: credentials.tokne}}}}\n"
                         "  test: {type: rest-api-mapping, mapping: {path: /me, method: GET}}\n"}
    result = await run_connector(files, "test", {"credentials": {"token": "secret-token"}})
    assert result.succeeded, result.to_dict()
    warnings = [log["message"] for log in result.to_dict()["logs"] if log["level"] == "warn"]
    assert warnings == ["spec.yml (auth.makeApiClient.mapping): headers.Authorization is empty or ends in a space: "
                        "a value it is built from resolved to nothing"]
