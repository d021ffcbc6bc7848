"""OAuth flows end to end, on both engines, through `run_connector` and the live transport.

1. Against a real OAuth2 provider (tests/support/oauth_provider.py, oauthlib's server): the
   oauth2-example connector's URLs (https://auth.example.test, https://api.example.test) reach it
   through HostRewrite; the test plays the browser between `authorize` and `connect`.
2. Against the `api_server` recording server: the exact token requests as a server receives them,
   the docs' getTokenData / getCredentialsFromTokenResponse examples, OAuth 1.0a and the token types.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import aiohttp
import jwt
import pytest
import yaml
from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature as rfc5849
from support.docs_examples import example, needs_docs
from support.oauth_provider import RegisteredClient, RunningProvider, running_provider
from yarl import URL

from executor.errors import MAX_ERROR_DETAIL
from executor.oauth.pkce import create_code_verifier, s256_challenge
from executor.transport import HostRewrite

CONNECTOR = Path(__file__).resolve().parents[2] / "fixtures" / "connectors" / "oauth2-example"
REDIRECT_URI = "https://app.example.test/oauth/callback"
CLIENT = RegisteredClient("example-client", "s3cret: with spaces & symbols+/", (REDIRECT_URI,))
PARAMS = {"clientId": CLIENT.client_id, "clientSecret": CLIENT.secret}
TOKEN_URL = "https://auth.example.test/oauth/token"
ME_URL = "https://api.example.test/me"


@pytest.fixture
async def provider():  # type: ignore[no-untyped-def]
    async with running_provider(CLIENT) as running:
        yield running


@pytest.fixture
def send(provider: RunningProvider, live_send: Any) -> HostRewrite:
    return HostRewrite(live_send, {"https://auth.example.test": provider.base,
                                   "https://api.example.test": provider.base})


async def authorize(run_connector: Any, send: Any) -> dict[str, Any]:
    result = await run_connector(CONNECTOR, "authorize",
                                 {"connectorParameters": PARAMS, "redirectUri": REDIRECT_URI}, send=send)
    assert result.succeeded, result.to_dict()
    return dict(result.output)


async def browse(provider: RunningProvider, authorize_uri: str) -> dict[str, str]:
    """The user's browser: open the authorize URI at the provider, read where it redirects to."""
    url, local = URL(authorize_uri, encoded=True), URL(provider.base)
    assert url.origin() == URL("https://auth.example.test")
    at_provider = url.with_scheme(local.scheme).with_host(local.host or "").with_port(local.port)
    async with aiohttp.ClientSession() as session:
        async with session.get(at_provider, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == REDIRECT_URI
    return dict(location.query)


def connect_input(authorized: dict[str, Any], query: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return {"connectorParameters": PARAMS, "redirectUri": REDIRECT_URI, "state": authorized["state"],
            "codeVerifier": authorized["codeVerifier"], "queryParameters": query, **overrides}


async def connected(run_connector: Any, send: Any, provider: RunningProvider) -> dict[str, Any]:
    authorized = await authorize(run_connector, send)
    result = await run_connector(CONNECTOR, "connect",
                                 connect_input(authorized, await browse(provider, authorized["authorizeUri"])),
                                 send=send)
    assert result.succeeded, result.to_dict()
    return dict(result.credentials)


def failure(result: Any) -> dict[str, Any]:
    out = result.to_dict()
    assert out["status"] == "failed", out
    return dict(out["error"])


# ---- 1. the real provider ----

async def test_authorize_connect_test_and_refresh(run_connector, send, provider):  # type: ignore[no-untyped-def]
    authorized = await authorize(run_connector, send)
    query = dict(URL(authorized["authorizeUri"]).query)
    assert query == {"response_type": "code", "client_id": CLIENT.client_id, "redirect_uri": REDIRECT_URI,
                     "scope": "read write", "state": authorized["state"], "prompt": "consent",
                     "code_challenge": s256_challenge(authorized["codeVerifier"]), "code_challenge_method": "S256"}

    redirect = await browse(provider, authorized["authorizeUri"])
    assert redirect["state"] == authorized["state"]
    before = time.time() * 1000
    result = await run_connector(CONNECTOR, "connect", connect_input(authorized, redirect), send=send)
    out = result.to_dict()
    assert out["status"] == "succeeded", out
    credentials = out["credentials"]
    assert out["output"] == credentials
    assert credentials["token_type"] == "Bearer" and credentials["scope"] == "read write"
    assert before + 3_600_000 <= credentials["expires_at"] <= time.time() * 1000 + 3_600_000
    assert out["requests"] == [{"method": "POST", "url": TOKEN_URL, "status": 200},
                               {"method": "GET", "url": ME_URL, "status": 200}]
    assert provider.state.token_requests[-1].client_auth == ("basic", "body")  # clientAuthLocation unset

    tested = await run_connector(CONNECTOR, "test", {"connectorParameters": PARAMS, "credentials": credentials},
                                 send=send)
    assert tested.to_dict()["output"] is True and tested.credentials is None

    refreshed = await run_connector(CONNECTOR, "refreshCredentials",
                                    {"connectorParameters": PARAMS, "credentials": credentials}, send=send)
    new = refreshed.to_dict()["credentials"]
    assert refreshed.succeeded and refreshed.output == new
    assert new["access_token"] != credentials["access_token"]
    assert new["refresh_token"] != credentials["refresh_token"]  # rotated
    assert provider.state.token_requests[-1].grant_type == "refresh_token"
    retest = await run_connector(CONNECTOR, "test", {"connectorParameters": PARAMS, "credentials": new}, send=send)
    assert retest.succeeded

    stale = await run_connector(CONNECTOR, "refreshCredentials",
                                {"connectorParameters": PARAMS, "credentials": credentials}, send=send)
    assert failure(stale)["code"] == "CONNECTION_DEFUNCT"  # the rotated-out refresh token is dead


async def test_reused_code_fails_cleanly_and_revokes_its_tokens(run_connector, send, provider):  # type: ignore[no-untyped-def]
    authorized = await authorize(run_connector, send)
    job_input = connect_input(authorized, await browse(provider, authorized["authorizeUri"]))
    first = await run_connector(CONNECTOR, "connect", job_input, send=send)
    assert first.succeeded

    again = await run_connector(CONNECTOR, "connect", job_input, send=send)
    error = failure(again)
    assert error["code"] == "INVALID_INPUT"
    assert error["details"]["error"] == "invalid_grant" and "authorization code" in error["message"]
    assert again.requests == [{"method": "POST", "url": TOKEN_URL, "status": 400}]

    # RFC 6749 §4.1.2: the provider revoked what the first exchange issued, refresh token included.
    tested = await run_connector(CONNECTOR, "test", {"connectorParameters": PARAMS,
                                                     "credentials": first.credentials}, send=send)
    assert failure(tested)["code"] == "CONNECTION_DEFUNCT"


async def test_wrong_code_verifier_fails_cleanly(run_connector, send, provider):  # type: ignore[no-untyped-def]
    authorized = await authorize(run_connector, send)
    query = await browse(provider, authorized["authorizeUri"])
    result = await run_connector(CONNECTOR, "connect",
                                 connect_input(authorized, query, codeVerifier=create_code_verifier()), send=send)
    error = failure(result)
    assert error["code"] == "INVALID_INPUT" and error["details"]["error"] == "invalid_grant"
    assert result.credentials is None


async def test_state_mismatch_is_refused_before_any_exchange(run_connector, send, provider):  # type: ignore[no-untyped-def]
    authorized = await authorize(run_connector, send)
    query = await browse(provider, authorized["authorizeUri"])
    result = await run_connector(CONNECTOR, "connect",
                                 connect_input(authorized, {**query, "state": "forged-state"}), send=send)
    assert failure(result)["code"] == "STATE_MISMATCH"
    assert result.requests == []
    missing = await run_connector(CONNECTOR, "connect", connect_input(authorized, query, state=None), send=send)
    assert failure(missing)["code"] == "INVALID_INPUT"


async def test_access_denied_redirect_is_a_clear_failure(run_connector, send, provider):  # type: ignore[no-untyped-def]
    provider.state.deny_next = True
    authorized = await authorize(run_connector, send)
    query = await browse(provider, authorized["authorizeUri"])
    assert query["error"] == "access_denied" and query["state"] == authorized["state"]
    error = failure(await run_connector(CONNECTOR, "connect", connect_input(authorized, query), send=send))
    assert error["code"] == "INVALID_INPUT"
    assert "access_denied" in error["message"] and "The user denied access" in error["message"]
    assert error["details"] == {"error": "access_denied", "error_description": "The user denied access"}


async def test_revoked_refresh_token_is_connection_defunct(run_connector, send, provider):  # type: ignore[no-untyped-def]
    credentials = await connected(run_connector, send, provider)
    provider.state.revoke_refresh_token(credentials["refresh_token"])
    result = await run_connector(CONNECTOR, "refreshCredentials",
                                 {"connectorParameters": PARAMS, "credentials": credentials}, send=send)
    error = failure(result)
    assert error["code"] == "CONNECTION_DEFUNCT" and "invalid_grant" in error["message"]
    assert result.credentials is None
    assert credentials["refresh_token"] not in error["message"]


async def test_expired_access_token_makes_test_refresh_once(run_connector, send, provider):  # type: ignore[no-untyped-def]
    credentials = await connected(run_connector, send, provider)
    provider.state.expire_access_tokens()
    result = await run_connector(CONNECTOR, "test", {"connectorParameters": PARAMS, "credentials": credentials},
                                 send=send)
    out = result.to_dict()
    assert out["status"] == "succeeded", out
    assert out["requests"] == [{"method": "GET", "url": ME_URL, "status": 401},
                               {"method": "POST", "url": TOKEN_URL, "status": 200},
                               {"method": "GET", "url": ME_URL, "status": 200}]
    assert out["credentials"]["access_token"] != credentials["access_token"]
    assert out["credentials"]["refresh_token"] in provider.state.refresh_tokens


# ---- 2. the recording server ----

CODE_VERIFIER = "v" * 43
ODD_ID, ODD_SECRET = "client id:1", "p@ss word&+/"
ODD_BASIC = "Basic " + base64.b64encode(b"client+id%3A1:p%40ss+word%26%2B%2F").decode()


def oauth2_files(**config: Any) -> dict[str, str]:
    mapping = {"clientId": {"$var": "connectorParameters.clientId"},
               "clientSecret": {"$var": "connectorParameters.clientSecret"},
               "authorizeUri": "https://auth.example.test/authorize",
               "tokenUri": {"$var": "connectorParameters.tokenUri"}, **config}
    spec = {"key": "recorded-oauth2", "auth": {"type": "oauth2", "getOAuthConfig": {"mapping": mapping}}}
    return {"spec.yml": yaml.safe_dump(spec)}


def recorded_params(api_server: Any) -> dict[str, str]:
    return {"clientId": ODD_ID, "clientSecret": ODD_SECRET, "tokenUri": f"{api_server.base}/token"}


def fields(received: Any) -> dict[str, str]:
    return dict(parse_qsl(received.body.decode(), keep_blank_values=True, strict_parsing=True))


@pytest.mark.parametrize(("location", "basic", "in_body"), [("headers", True, False), ("body", False, True),
                                                             (None, True, True)])
async def test_token_requests_as_the_server_received_them(run_connector, api_server, location, basic,  # type: ignore[no-untyped-def]
                                                          in_body):
    files = oauth2_files(**({"clientAuthLocation": location} if location else {}))
    params = recorded_params(api_server)
    api_server.reply("POST", "/token", json_body={"access_token": "at-1", "refresh_token": "rt-1",
                                                  "expires_in": 3600, "token_type": "Bearer"})
    connect = await run_connector(files, "connect", {
        "connectorParameters": params, "redirectUri": REDIRECT_URI, "state": "st-1", "codeVerifier": CODE_VERIFIER,
        "queryParameters": {"code": "code-1", "state": "st-1"}})
    assert connect.succeeded, connect.to_dict()
    client_auth = {"client_id": ODD_ID, "client_secret": ODD_SECRET} if in_body else {}

    exchange = api_server.received[0]
    assert (exchange.method, exchange.path) == ("POST", "/token")
    assert exchange.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert exchange.headers["Accept"] == "application/json"
    assert exchange.headers.get("Authorization") == (ODD_BASIC if basic else None)
    assert fields(exchange) == {"grant_type": "authorization_code", "code": "code-1", "redirect_uri": REDIRECT_URI,
                                "code_verifier": CODE_VERIFIER, **client_auth}

    api_server.reply("POST", "/token", json_body={"access_token": "at-2", "expires_in": 60})
    refresh = await run_connector(files, "refreshCredentials",
                                  {"connectorParameters": params, "credentials": connect.credentials})
    assert refresh.succeeded, refresh.to_dict()
    assert refresh.credentials["access_token"] == "at-2" and refresh.credentials["refresh_token"] == "rt-1"
    renewal = api_server.received[1]
    assert renewal.headers.get("Authorization") == (ODD_BASIC if basic else None)
    assert fields(renewal) == {"grant_type": "refresh_token", "refresh_token": "rt-1", **client_auth}


DOCS_GET_TOKEN_DATA = example("auth-type-oauth2", "auth/get-token-data.js")

DOCS_GET_CREDENTIALS = example("auth-type-oauth2", "auth/get-credentials-from-token-response.js")


def docs_connector() -> dict[str, str]:
    files = oauth2_files()
    spec = yaml.safe_load(files["spec.yml"])
    spec["auth"] |= {"getTokenData": {"implementationType": "javascript"},
                     "getCredentialsFromTokenResponse": {"implementationType": "javascript"}}
    return {"spec.yml": yaml.safe_dump(spec), "auth/get-token-data.js": DOCS_GET_TOKEN_DATA,
            "auth/get-credentials-from-token-response.js": DOCS_GET_CREDENTIALS}


@needs_docs
async def test_docs_custom_token_data_and_credentials_run_unchanged(run_connector, api_server, live_send):  # type: ignore[no-untyped-def]
    api_server.reply("POST", "/token", json_body={"access_token": "at-9", "refresh_token": "rt-9"})
    api_server.reply("GET", "/userinfo", json_body={"id": "u-1", "name": "Ada"})
    send = HostRewrite(live_send, {"https://api.example.com": api_server.base})
    result = await run_connector(docs_connector(), "connect", {
        "connectorParameters": recorded_params(api_server), "redirectUri": REDIRECT_URI, "state": "s",
        "codeVerifier": CODE_VERIFIER, "queryParameters": {"code": "code-9", "state": "s"}}, send=send)
    assert result.to_dict()["status"] == "succeeded", result.to_dict()
    assert result.credentials == {"access_token": "at-9", "refresh_token": "rt-9", "userId": "u-1", "userName": "Ada"}
    assert fields(api_server.received[0]) == {"grant_type": "authorization_code", "code": "code-9",
                                              "redirect_uri": REDIRECT_URI, "client_id": ODD_ID,
                                              "client_secret": ODD_SECRET, "code_verifier": CODE_VERIFIER}
    assert api_server.received[1].headers["Authorization"] == "Bearer at-9"


@needs_docs
async def test_docs_get_token_data_error_body_is_not_taken_for_tokens(run_connector, api_server):  # type: ignore[no-untyped-def]
    api_server.reply("POST", "/token", status=400, json_body={"error": "invalid_grant"})
    result = await run_connector(docs_connector(), "connect", {
        "connectorParameters": recorded_params(api_server), "redirectUri": REDIRECT_URI, "state": "s",
        "codeVerifier": CODE_VERIFIER, "queryParameters": {"code": "code-9", "state": "s"}})
    assert failure(result)["details"]["error"] == "invalid_grant"


async def test_oauth_methods_run_on_their_own(run_connector, api_server):  # type: ignore[no-untyped-def]
    files = oauth2_files(extra={"callback": {"$var": "redirectUri"}, "st": {"$var": "state"}}, skipPkce=True)
    params = recorded_params(api_server)
    config = await run_connector(files, "getOAuthConfig", {"connectorParameters": params,
                                                            "redirectUri": REDIRECT_URI, "state": "s-1"})
    assert config.output["extra"] == {"callback": REDIRECT_URI, "st": "s-1"}

    authorized = await run_connector(files, "authorize", {"connectorParameters": params, "redirectUri": REDIRECT_URI})
    assert set(authorized.output) == {"authorizeUri", "state"}  # skipPkce: no codeVerifier
    assert "code_challenge" not in authorized.output["authorizeUri"]

    converted = await run_connector(files, "getCredentialsFromTokenResponse",
                                    {"tokenResponse": {"access_token": "a", "expires_in": 10}})
    assert converted.credentials["access_token"] == "a" and converted.credentials["expires_at"] > 0

    bad = await run_connector(oauth2_files(clientId=None), "authorize",
                              {"connectorParameters": params, "redirectUri": REDIRECT_URI})
    error = failure(bad)
    assert error["code"] == "INVALID_OUTPUT" and "clientId" in error["message"]


async def test_refresh_refusals(run_connector, api_server):  # type: ignore[no-untyped-def]
    params = recorded_params(api_server)
    no_refresh = await run_connector(oauth2_files(noRefreshToken=True), "refreshCredentials",
                                     {"connectorParameters": params, "credentials": {"refresh_token": "r"}})
    assert failure(no_refresh)["code"] == "METHOD_NOT_IMPLEMENTED"
    missing = await run_connector(oauth2_files(), "refreshCredentials",
                                  {"connectorParameters": params, "credentials": {"access_token": "a"}})
    assert failure(missing)["code"] == "INVALID_INPUT" and "refresh_token" in failure(missing)["message"]
    assert api_server.received == []


# ---- OAuth 1.0a ----

CONSUMER_KEY, CONSUMER_SECRET = "consumer-key", "consumer-secret"


def verify_oauth1(request: web.Request, token_secret: str, form: dict[str, str] | None = None) -> dict[str, str]:
    """Check an OAuth 1.0a HMAC-SHA1 signature the way a provider does (query and form-encoded body
    parameters included, RFC 5849 §3.4.1.3); return the oauth params."""
    params = dict(rfc5849.utils.parse_authorization_header(request.headers["Authorization"]))
    params = {k: rfc5849.utils.unescape(v) for k, v in params.items()}
    given = params.pop("oauth_signature")
    collected = list(params.items()) + list(request.query.items()) + list((form or {}).items())
    base = rfc5849.signature_base_string(request.method, rfc5849.base_string_uri(str(request.url)),
                                         rfc5849.normalize_parameters(collected))
    key = f"{quote(CONSUMER_SECRET, safe='')}&{quote(token_secret, safe='')}".encode()
    expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
    assert hmac.compare_digest(given, expected), "bad OAuth 1.0a signature"
    return params


async def test_oauth1_authorize_and_connect(run_connector, api_server):  # type: ignore[no-untyped-def]
    async def initiate(request: web.Request) -> web.Response:
        params = verify_oauth1(request, "")
        assert params["oauth_callback"] == REDIRECT_URI and params["oauth_consumer_key"] == CONSUMER_KEY
        return web.Response(text="oauth_token=temp-token&oauth_token_secret=temp-secret&oauth_callback_confirmed=true",
                            content_type="application/x-www-form-urlencoded")

    async def token(request: web.Request) -> web.Response:
        params = verify_oauth1(request, "temp-secret")
        assert params["oauth_token"] == "temp-token" and params["oauth_verifier"] == "verifier-1"
        return web.Response(text="oauth_token=final-token&oauth_token_secret=final-secret&user_id=42",
                            content_type="application/x-www-form-urlencoded")

    api_server.route("POST", "/initiate", initiate)
    api_server.route("POST", "/token", token)
    mapping = {"consumerKey": {"$var": "connectorParameters.consumerKey"},
               "consumerSecret": {"$var": "connectorParameters.consumerSecret"},
               "requestTokenUri": f"{api_server.base}/initiate", "tokenUri": f"{api_server.base}/token",
               "authorizeUri": "https://photos.example.test/authorize"}
    files = {"spec.yml": yaml.safe_dump({"key": "oauth1", "auth": {"type": "oauth1",
                                                                    "getOAuthConfig": {"mapping": mapping}}})}
    params = {"consumerKey": CONSUMER_KEY, "consumerSecret": CONSUMER_SECRET}

    authorized = await run_connector(files, "authorize", {"connectorParameters": params, "redirectUri": REDIRECT_URI})
    assert authorized.output == {"authorizeUri": "https://photos.example.test/authorize?oauth_token=temp-token",
                                 "state": "temp-token", "oauthToken": "temp-token", "oauthTokenSecret": "temp-secret"}

    job_input = {"connectorParameters": params, "state": "temp-token", "oauthTokenSecret": "temp-secret",
                 "queryParameters": {"oauth_token": "temp-token", "oauth_verifier": "verifier-1"}}
    result = await run_connector(files, "connect", job_input)
    assert result.to_dict()["status"] == "succeeded", result.to_dict()
    assert result.credentials == {"oauth_token": "final-token", "oauth_token_secret": "final-secret", "user_id": "42"}

    forged = {**job_input, "queryParameters": {"oauth_token": "other", "oauth_verifier": "verifier-1"}}
    assert failure(await run_connector(files, "connect", forged))["code"] == "STATE_MISMATCH"


async def test_oauth1_api_client_signs_every_request(run_connector, api_server):  # type: ignore[no-untyped-def]
    seen: list[dict[str, str]] = []

    async def photos(request: web.Request) -> web.Response:
        body = dict(await request.post())
        seen.append(verify_oauth1(request, "final-secret", body))
        return web.json_response({"size": request.query.get("size"), "title": body.get("title")})

    api_server.route("POST", "/photos", photos)
    mapping = {"consumerKey": CONSUMER_KEY, "consumerSecret": {"$var": "connectorParameters.consumerSecret"},
               "requestTokenUri": f"{api_server.base}/initiate", "tokenUri": f"{api_server.base}/token",
               "authorizeUri": "https://photos.example.test/authorize"}
    test_js = """export default async ({ apiClient }) => {
      const first = await apiClient.post('/photos', new URLSearchParams({ title: 'a b' }), { params: { size: 'original' } })
      const second = await apiClient.post('/photos', new URLSearchParams({ title: 'c' }))
      return [first.data, second.data]
    }"""
    spec = {"key": "oauth1-client", "auth": {"type": "oauth1", "getOAuthConfig": {"mapping": mapping},
                                             "makeApiClient": {"mapping": {"baseUri": api_server.base}},
                                             "test": {"code": test_js}}}
    result = await run_connector({"spec.yml": yaml.safe_dump(spec)}, "test", {
        "connectorParameters": {"consumerSecret": CONSUMER_SECRET},
        "credentials": {"oauth_token": "final-token", "oauth_token_secret": "final-secret"}})
    assert result.to_dict()["status"] == "succeeded", result.to_dict()
    assert result.output == [{"size": "original", "title": "a b"}, {"size": None, "title": "c"}]
    assert [p["oauth_token"] for p in seen] == ["final-token", "final-token"]
    assert seen[0]["oauth_nonce"] != seen[1]["oauth_nonce"]


# ---- integration-app-token, membrane-token, proxy ----

WORKSPACE_SECRET = "workspace-secret-" + "x" * 32


async def test_membrane_token_connect_mints_a_workspace_jwt(run_connector, api_server):  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}

    async def whoami(request: web.Request) -> web.Response:
        seen.update(request.headers)
        return web.json_response({"ok": True})

    api_server.route("GET", "/whoami", whoami)
    spec = {"key": "membrane", "auth": {
        "type": "membrane-token",
        "makeApiClient": {"mapping": {"baseUri": api_server.base, "headers": {"$var": "credentials.headers"}}},
        "test": {"code": "exports.test = async ({ apiClient }) => (await apiClient.get('/whoami')).data.ok"}}}
    result = await run_connector({"spec.yml": yaml.safe_dump(spec)}, "connect", {
        "connectorParameters": {"workspaceKey": "ws-1", "workspaceSecret": WORKSPACE_SECRET},
        "connectionParameters": {"userId": "user-7", "userFields": {"plan": "pro"}}})
    assert result.to_dict()["status"] == "succeeded", result.to_dict()
    token = result.credentials["token"]
    claims = jwt.decode(token, WORKSPACE_SECRET, algorithms=["HS256"])
    assert (claims["iss"], claims["sub"], claims["fields"]) == ("ws-1", "user-7", {"plan": "pro"})
    assert seen["X-Membrane-Token"] == token == seen["X-Integration-App-Token"]


async def test_proxy_connect_and_authorize_are_for_the_platform(run_connector):  # type: ignore[no-untyped-def]
    files = {"spec.yml": yaml.safe_dump({"key": "proxy", "auth": {"type": "proxy"}})}
    for method in ("connect", "authorize"):
        error = failure(await run_connector(files, method, {}))
        assert error["code"] == "METHOD_NOT_IMPLEMENTED" and "platform" in error["message"]


async def test_provider_error_text_echoing_secrets_is_redacted_in_message_and_details(  # type: ignore[no-untyped-def]
        run_connector, api_server):
    # Providers echo what they got; the cut to a bounded length comes after redaction, so a secret
    # straddling the cut leaves no prefix behind.
    refresh_token = "RT_" + "abcdefghij" * 4
    description = "x" * (MAX_ERROR_DETAIL - 20) + f" refresh token {refresh_token} revoked for client-secret-1"
    api_server.reply("POST", "/token", status=400, json_body={"error": "invalid_grant",
                                                             "error_description": description})
    params = {**recorded_params(api_server), "clientSecret": "client-secret-1"}
    result = await run_connector(oauth2_files(), "refreshCredentials",
                                 {"connectorParameters": params, "credentials": {"refresh_token": refresh_token}})
    error = failure(result)
    assert error["code"] == "CONNECTION_DEFUNCT"
    shown = json.dumps(error)
    assert "RT_" not in shown and "client-secret-1" not in shown
    assert "refresh token [REDACTED] revoked for [REDACTED]" in error["message"]
    assert len(error["details"]["error_description"]) <= MAX_ERROR_DETAIL + 1


async def test_code_verifier_and_authorization_code_are_job_secrets(run_connector):  # type: ignore[no-untyped-def]
    files = {"spec.yml": "auth:\n  type: oauth2\n  getTokenData:\n    code: \"export default"
                         " ({ codeVerifier, queryParameters }) => { throw new Error('v=' + codeVerifier"
                         " + ' c=' + queryParameters.code) }\"\n"}
    result = await run_connector(files, "getTokenData", {"codeVerifier": "VERIFIER-8888",
                                                         "queryParameters": {"code": "AUTHCODE-7777"}})
    assert failure(result)["message"] == "v=[REDACTED] c=[REDACTED]"
