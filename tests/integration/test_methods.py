"""Documented methods and their defaults, end to end through the example connectors.

The connectors hard-code https://*.example.test URLs; requests reach the local `api_server`
through HostRewrite in the transport, never by editing the scripts.
"""

import json
from pathlib import Path

import pytest

from executor.transport import HostRewrite

pytestmark = pytest.mark.asyncio

CONNECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "connectors"
HOSTS = ("https://api.example.test", "https://eu.api.example.test", "https://login.example.test")


@pytest.fixture
def send(api_server, live_send):
    return HostRewrite(live_send, {host: api_server.base for host in HOSTS})


async def test_connect_validates_builds_credentials_and_tests(run_connector, api_server, send):
    api_server.reply("GET", "/v2/me", json_body={"id": 7})
    result = await run_connector(CONNECTORS / "api-key-example", "connect",
                                 {"connectionParameters": {"apiKey": "key-123456"}}, send=send)
    assert result.to_dict()["status"] == "succeeded", result.to_dict()
    assert result.credentials == {"apiKey": "key-123456"}
    assert api_server.received[0].headers["X-API-Key"] == "key-123456"
    assert result.requests == [{"method": "GET", "url": "https://api.example.test/v2/me", "status": 200}]


async def test_make_api_client_mapping_follows_case_formula(run_connector, api_server, send):
    api_server.reply("GET", "/v2/me", json_body={"id": 7})
    result = await run_connector(CONNECTORS / "api-key-example", "connect",
                                 {"connectionParameters": {"apiKey": "key-123456", "region": "eu"}}, send=send)
    assert result.succeeded
    assert result.requests[0]["url"] == "https://eu.api.example.test/v2/me"


async def test_falsy_test_fails_connect_and_keeps_script_logs(run_connector, api_server, send):
    api_server.reply("GET", "/v2/me", status=403, json_body={"error": "forbidden"})
    result = await run_connector(CONNECTORS / "api-key-example", "connect",
                                 {"connectionParameters": {"apiKey": "key-123456"}}, send=send)
    out = result.to_dict()
    assert out["error"]["code"] == "CONNECTION_TEST_FAILED"
    assert out["logs"] == [{"level": "warn", "message": "test request failed with 403"}]


async def test_invalid_connection_parameters_name_the_field_not_the_value(run_connector):
    result = await run_connector(CONNECTORS / "api-key-example", "connect",
                                 {"connectionParameters": {"region": "mars-secret-region"}})
    error = result.to_dict()["error"]
    assert error["code"] == "INVALID_INPUT"
    assert "connectionParameters.apiKey is required" in error["message"]
    assert "connectionParameters.region" in error["message"]
    assert "mars-secret-region" not in error["message"]


async def test_default_credentials_are_the_connection_parameters(run_connector):
    result = await run_connector(CONNECTORS / "api-key-example", "getCredentialsFromConnectionParameters",
                                 {"connectionParameters": {"apiKey": "abc-key"}, "credentials": {"old": "x"}})
    assert result.succeeded
    assert result.output == {"apiKey": "abc-key"}
    assert result.credentials == {"old": "x", "apiKey": "abc-key"}


async def test_token_exchange_connect_uses_axios_and_custom_schema(run_connector, api_server, send):
    api_server.reply("POST", "/v1/sessions", json_body={"access_token": "tok-1", "expires_in": 60})
    api_server.reply("GET", "/v1/account", json_body={"active": True})
    result = await run_connector(CONNECTORS / "token-exchange-example", "connect",
                                 {"connectionParameters": {"email": "a@b.c", "password": "hunter22"}}, send=send)
    assert result.succeeded, result.to_dict()
    assert result.credentials["accessToken"] == "tok-1"
    login, account = api_server.received
    assert login.json() == {"email": "a@b.c", "password": "hunter22"}
    assert login.headers["Content-Type"] == "application/json"
    assert account.headers["Authorization"] == "Bearer tok-1"
    assert account.query == {"format": "json"}


async def test_credentials_failing_custom_schema_are_invalid_output(run_connector, api_server, send):
    api_server.reply("POST", "/v1/sessions", json_body={"access_token": 12345})
    result = await run_connector(CONNECTORS / "token-exchange-example", "getCredentialsFromConnectionParameters",
                                 {"connectionParameters": {"email": "a@b.c", "password": "pw-secret"}}, send=send)
    error = result.to_dict()["error"]
    assert error["code"] == "INVALID_OUTPUT"
    assert "credentials.accessToken must be of type string" in error["message"]


async def test_script_error_message_is_the_thrown_message(run_connector, api_server, send):
    api_server.reply("POST", "/v1/sessions", json_body={})
    result = await run_connector(CONNECTORS / "token-exchange-example", "getCredentialsFromConnectionParameters",
                                 {"connectionParameters": {"email": "a@b.c", "password": "pw-secret"}}, send=send)
    error = result.to_dict()["error"]
    assert (error["code"], error["message"]) == ("SCRIPT_ERROR", "The login service returned no access token")
    # where it was thrown, in the connector's own file (docs/modules.md)
    assert error["details"]["location"].startswith("auth/get-credentials-from-connection-parameters.js:")


async def test_refresh_result_is_shallow_merged_into_credentials(run_connector, api_server, send):
    api_server.reply("POST", "/v1/tokens", json_body={"access_token": "tok-2", "expires_in": 60})
    result = await run_connector(
        CONNECTORS / "token-exchange-example", "refreshCredentials",
        {"connectorParameters": {"clientId": "cid", "clientSecret": "csecret"},
         "credentials": {"accessToken": "tok-1", "accountId": "acc-9"}}, send=send)
    assert result.succeeded, result.to_dict()
    assert result.credentials["accessToken"] == "tok-2"
    assert result.credentials["accountId"] == "acc-9"
    request = api_server.received[0]
    assert request.headers["Authorization"] == "Basic Y2lkOmNzZWNyZXQ="
    assert request.body == b"grant_type=session&token=tok-1"


async def test_401_during_test_refreshes_once_and_returns_new_credentials(run_connector, api_server, send):
    calls = []

    async def account(request):
        from aiohttp import web
        calls.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer tok-1":
            return web.json_response({"error": "expired"}, status=401)
        return web.json_response({"active": True})

    api_server.route("GET", "/v1/account", account)
    api_server.reply("POST", "/v1/tokens", json_body={"access_token": "tok-2", "expires_in": 60})
    result = await run_connector(
        CONNECTORS / "token-exchange-example", "test",
        {"connectorParameters": {"clientId": "cid", "clientSecret": "csecret"},
         "credentials": {"accessToken": "tok-1"}}, send=send)
    assert result.succeeded, result.to_dict()
    assert calls == ["Bearer tok-1", "Bearer tok-2"]
    assert result.credentials["accessToken"] == "tok-2"


async def test_401_without_a_way_to_refresh_is_access_token_expired(run_connector, api_server, send):
    api_server.reply("GET", "/whoami", status=401, json_body={})
    result = await run_connector(CONNECTORS / "options-example", "test",
                                 {"credentials": {"apiKey": "k-1234"}}, send=send)
    assert result.to_dict()["error"]["code"] == "ACCESS_TOKEN_EXPIRED"


async def test_basic_auth_template_and_inline_code(run_connector, api_server, send):
    api_server.reply("GET", "/v1/user/profile", json_body={"ok": True})
    result = await run_connector(CONNECTORS / "basic-auth-example", "test",
                                 {"credentials": {"username": "ann", "password": "s3cret!"}}, send=send)
    assert result.succeeded, result.to_dict()
    assert api_server.received[0].headers["Authorization"] == "Basic YW5uOnMzY3JldCE="


async def test_disconnect_errors_are_logged_never_fatal(run_connector, api_server, send):
    api_server.reply("DELETE", "/v1/sessions/current", status=500)
    result = await run_connector(CONNECTORS / "basic-auth-example", "disconnect",
                                 {"credentials": {"username": "ann", "password": "s3cret!"}},
                                 send=HostRewrite(send, {"https://api.example.test": "http://127.0.0.1:1"}))
    assert result.succeeded
    assert result.logs[-1]["level"] == "warn"
    assert "s3cret!" not in result.logs[-1]["message"]


async def test_auth_options_choose_their_own_methods(run_connector, api_server, send):
    api_server.reply("GET", "/whoami", json_body={"ok": True})
    result = await run_connector(CONNECTORS / "options-example", "connect",
                                 {"connectionParameters": {"apiKey": "  padded-key "}}, send=send,
                                 auth_option="api-key")
    assert result.succeeded, result.to_dict()
    assert result.credentials == {"apiKey": "padded-key"}
    assert api_server.received[0].headers["Authorization"] == "Token padded-key"


async def test_unknown_auth_option_and_method_are_clear_errors(run_connector):
    bad_option = await run_connector(CONNECTORS / "options-example", "test", {}, auth_option="nope")
    assert bad_option.to_dict()["error"]["code"] == "INVALID_INPUT"
    assert "api-key, oauth" in bad_option.to_dict()["error"]["message"]
    unknown = await run_connector(CONNECTORS / "api-key-example", "launchRockets", {})
    assert unknown.to_dict()["error"]["code"] == "INVALID_INPUT"
    missing = await run_connector(CONNECTORS / "api-key-example", "refreshCredentials", {})
    assert missing.to_dict()["error"]["code"] == "METHOD_NOT_IMPLEMENTED"


async def test_secrets_never_reach_error_messages(run_connector):
    files = {
        "spec.yml": "auth:\n  type: client-credentials\n  getCredentialsFromConnectionParameters:\n"
                    "    code: \"export default ({connectionParameters: p}) =>"
                    " { throw new Error('bad key ' + p.apiKey) }\"\n",
    }
    result = await run_connector(files, "getCredentialsFromConnectionParameters",
                                 {"connectionParameters": {"apiKey": "very-secret-value"},
                                  "credentials": {"token": "another-secret"}})
    error = result.to_dict()["error"]
    assert (error["code"], error["message"]) == ("SCRIPT_ERROR", "bad key [REDACTED]")
    assert error["details"]["location"].startswith("spec.yml (auth.getCredentialsFromConnectionParameters.code):1:")
    assert "very-secret-value" not in json.dumps(error)


async def test_secrets_are_redacted_from_error_details_and_in_their_url_encoded_form(run_connector):
    script = """export default async ({ credentials }) => {
  if (credentials.mode === 'url') await fetch('http://[bad/x?api_key=' + encodeURIComponent(credentials.key))
  const e = new Error('refused')
  e.__ceError = { code: 'SCRIPT_ERROR', message: 'refused', details: { sent: credentials.key, n: 1 } }
  throw e
}"""
    files = {"spec.yml": "auth:\n  type: client-credentials\n  getCredentialsFromConnectionParameters:\n"
                         "    implementationType: javascript\n",
             "auth/get-credentials-from-connection-parameters.js": script}
    key = "S3CR/ET+KEY=="
    carried = await run_connector(files, "getCredentialsFromConnectionParameters", {"credentials": {"key": key}})
    assert carried.to_dict()["error"] == {"code": "SCRIPT_ERROR", "message": "refused",
                                          "details": {"sent": "[REDACTED]", "n": 1}}
    encoded = await run_connector(files, "getCredentialsFromConnectionParameters",
                                  {"credentials": {"key": key, "mode": "url"}})
    message = encoded.to_dict()["error"]["message"]
    assert "api_key=[REDACTED]" in message and "S3CR" not in message


def inline(make_api_client: str, test_js: str, refresh_js: str | None = None) -> dict[str, str]:
    spec = "auth:\n  type: client-credentials\n  makeApiClient:\n    implementationType: mapping\n" \
           "  test:\n    implementationType: javascript\n"
    files = {"spec.yml": spec, "auth/make-api-client.map.yml": make_api_client, "auth/test.js": test_js}
    if refresh_js:
        files["spec.yml"] += "  refreshCredentials:\n    implementationType: javascript\n"
        files["auth/refresh-credentials.js"] = refresh_js
    return files


def status_sequence(*replies):
    from aiohttp import web
    remaining = list(replies)

    async def handler(request):
        status, body, headers = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return web.json_response(body, status=status, headers=headers)
    return handler


async def test_rate_limited_calls_are_retried_with_backoff(run_connector, api_server):
    api_server.route("GET", "/items", status_sequence((429, {}, {"Retry-After": "0"}), (429, {}, {}),
                                                      (200, {"ok": 1}, {})))
    files = inline(f"baseUrl: {api_server.base}\n",
                   "export default async ({ apiClient }) => (await apiClient.get('/items')).data.ok === 1")
    result = await run_connector(files, "test", {})
    assert result.succeeded, result.to_dict()
    assert [r["status"] for r in result.requests] == [429, 429, 200]


async def test_rate_limit_that_outlasts_the_job_is_rate_limit_exceeded(run_connector, api_server):
    from js_runtime.limits import Limits
    api_server.reply("GET", "/items", status=429, json_body={})
    files = inline(f"baseUrl: {api_server.base}\n",
                   "export default async ({ apiClient }) => (await apiClient.get('/items')).status")
    result = await run_connector(files, "test", {}, limits=Limits(timeout=2.5))
    assert result.to_dict()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert 2 <= len(api_server.received) <= 4


HANDLERS = """baseUrl: {base}
responseHandlers:
  - match: {{$eval: {{$var: response.status}}, is: 404}}
    isSuccess: true
    data: {{missing: true, path: {{$var: response.data.path}}}}
  - match: {{$eval: {{$var: response.data.error}}, is: token_expired}}
    error:
      message: {{$template: "token expired for ${{credentials.user}}"}}
      key: ACCESS_TOKEN_EXPIRED
  - match: {{$eval: {{$var: response.status}}, gte: 400}}
    error:
      message: {{$var: response.data.message}}
      key: apiError
"""


async def test_response_handlers_override_success_and_errors(run_connector, api_server):
    api_server.reply("GET", "/gone", status=404, json_body={"path": "/gone"})
    api_server.reply("GET", "/bad", status=400, json_body={"message": "quota exceeded"})
    test_js = """export default async ({ apiClient }) => {
      const gone = await apiClient.get('/gone')
      try { await apiClient.get('/bad') } catch (e) { return [gone.status, gone.data, e.message, e.key] }
    }"""
    result = await run_connector(inline(HANDLERS.format(base=api_server.base), test_js), "test",
                                 {"credentials": {"user": "ann"}})
    assert result.succeeded, result.to_dict()
    assert result.output == [404, {"missing": True, "path": "/gone"}, "quota exceeded", "apiError"]


async def test_a_response_handler_key_can_trigger_the_refresh(run_connector, api_server):
    from aiohttp import web

    async def me(request):
        if request.headers.get("Authorization") == "Bearer old":
            return web.json_response({"error": "token_expired"}, status=200)
        return web.json_response({"id": 1})

    api_server.route("GET", "/me", me)
    client = HANDLERS.format(base=api_server.base)
    client += "headers:\n  Authorization: {$template: 'Bearer ${credentials.token}'}\n"
    files = inline(client, "export default async ({ apiClient }) => (await apiClient.get('/me')).data.id === 1",
                   "export default async () => ({ token: 'new' })")
    result = await run_connector(files, "test", {"credentials": {"token": "old", "user": "ann"}})
    assert result.succeeded, result.to_dict()
    assert result.credentials == {"token": "new", "user": "ann"}


async def test_tokens_seen_in_responses_are_redacted_from_error_messages(run_connector, api_server):
    api_server.reply("POST", "/token", json_body={"access_token": "tok-from-the-wire", "user": {"id": 7}})
    script = f"""import axios from 'axios'
export default async () => {{
  const {{ data }} = await axios.post('{api_server.base}/token')
  throw new Error('could not use ' + data.access_token + ' for user ' + data.user.id)
}}"""
    files = {"spec.yml": "auth:\n  type: client-credentials\n  getCredentialsFromConnectionParameters:\n"
                         "    implementationType: javascript\n",
             "auth/get-credentials-from-connection-parameters.js": script}
    result = await run_connector(files, "getCredentialsFromConnectionParameters", {})
    error = result.to_dict()["error"]
    assert (error["code"], error["message"]) == ("SCRIPT_ERROR", "could not use [REDACTED] for user 7")
    # the column is the engine's own choice within the throwing expression; the line is the file's
    assert error["details"]["location"].startswith("auth/get-credentials-from-connection-parameters.js:4:")
    assert error["details"]["stack"][0].startswith("at default (auth/get-credentials-from-connection-parameters.js:4:")


@pytest.mark.parametrize(("returned", "passes"), [("[]", True), ("({})", True), ("'ok'", True), ("0", False),
                                                  ("''", False), ("null", False), ("undefined", False)])
async def test_test_result_uses_javascript_truthiness(run_connector, returned, passes):
    files = {"spec.yml": "auth:\n  type: client-credentials\n  test:\n    code: \"export default () => "
                         + returned + "\"\n"}
    result = await run_connector(files, "test", {})
    assert result.succeeded is passes, result.to_dict()
    if not passes:
        assert result.to_dict()["error"]["code"] == "CONNECTION_TEST_FAILED"


async def test_api_client_honours_a_callers_validate_status(run_connector, api_server):
    api_server.reply("GET", "/missing", status=404, json_body={"gone": True})
    files = inline(f"baseUrl: {api_server.base}\n", """export default async ({ apiClient }) => {
      const res = await apiClient.get('/missing', { validateStatus: (s) => s < 500 })
      return res.status === 404 && res.data.gone }""")
    result = await run_connector(files, "test", {})
    assert result.succeeded, result.to_dict()


async def test_an_internal_error_is_logged_with_its_traceback_redacted(run_connector, monkeypatch, caplog):
    from executor.jobs import dispatch

    async def broken(ctx, method):  # a bug of ours that puts an input value in its message
        raise RuntimeError("could not handle " + ctx.input.credentials["token"])

    monkeypatch.setattr(dispatch, "_dispatch", broken)
    result = await run_connector(CONNECTORS / "api-key-example", "test", {"credentials": {"token": "tok-secret-99"}})
    assert result.to_dict()["error"] == {"code": "INTERNAL_ERROR", "message": "internal error while running the job"}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError: could not handle [REDACTED]" in logged and "tok-secret-99" not in logged
