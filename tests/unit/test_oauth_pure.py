"""The pure OAuth steps (executor.oauth): no network, no engine, fixed times.

Vectors: RFC 7636 Appendix B (PKCE), RFC 5849 §1.2 and §3.4.1.1 (OAuth 1.0a signatures).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import jwt
import pytest
from oauthlib.oauth1.rfc5849 import signature as rfc5849

from executor.errors import ExecutorError
from executor.oauth import oauth1, oauth2, pkce, tokens
from executor.oauth.config import OAuth1Config, OAuth2Config
from js_runtime.http import HttpRequest, HttpResponse

NOW_MS = 1_700_000_000_000
FORM = "application/x-www-form-urlencoded"


def config(**overrides: Any) -> OAuth2Config:
    raw = {"clientId": "client-1", "clientSecret": "secret-1", "authorizeUri": "https://auth.example.test/authorize",
           "tokenUri": "https://auth.example.test/token", **overrides}
    return OAuth2Config.from_output(raw)


def response(status: int, body: Any, content_type: str = "application/json") -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    return HttpResponse(status, "", (("Content-Type", content_type),), raw, "https://auth.example.test/token")


def form_fields(request: HttpRequest) -> dict[str, str]:
    assert request.body is not None
    pairs = parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    assert len(pairs) == len({k for k, _ in pairs}), "no field may appear twice"
    return dict(pairs)


def raises(code: str, call: Any, *args: Any, **kwargs: Any) -> ExecutorError:
    with pytest.raises(ExecutorError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value


# ---- PKCE and state (RFC 7636) ----

RFC7636_OCTETS = bytes([116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
                        22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121])
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_challenge_matches_rfc7636_appendix_b() -> None:
    assert base64.urlsafe_b64encode(RFC7636_OCTETS).rstrip(b"=").decode() == RFC7636_VERIFIER
    assert pkce.s256_challenge(RFC7636_VERIFIER) == RFC7636_CHALLENGE


@pytest.mark.parametrize("length", [43, 64, 128])
def test_code_verifier_length_and_alphabet(length: int) -> None:
    verifiers = {pkce.create_code_verifier(length) for _ in range(20)}
    assert len(verifiers) == 20
    for verifier in verifiers:
        assert len(verifier) == length
        assert set(verifier) <= set(pkce.UNRESERVED)


@pytest.mark.parametrize("length", [42, 129])
def test_code_verifier_refuses_lengths_outside_rfc(length: int) -> None:
    with pytest.raises(ValueError):
        pkce.create_code_verifier(length)


def test_state_is_unguessable_and_url_safe() -> None:
    states = {pkce.create_state() for _ in range(50)}
    assert len(states) == 50
    assert all(len(s) >= 43 and set(s) <= set(pkce.UNRESERVED) for s in states)


# ---- getOAuthConfig parsing ----

def test_config_parses_every_documented_field() -> None:
    parsed = config(scopes=["read", "write"], clientAuthLocation="body", noRefreshToken=True, skipPkce=True,
                    extra={"prompt": "consent", "access_type": "offline", "n": 2, "flag": True, "unset": None})
    assert parsed.scopes == ("read", "write")
    assert parsed.client_auth_location == "body"
    assert parsed.no_refresh_token and parsed.skip_pkce
    assert dict(parsed.extra) == {"prompt": "consent", "access_type": "offline", "n": "2", "flag": "true"}
    assert config(scopes="a  b c").scopes == ("a", "b", "c")
    assert config().client_auth_location is None and config().scopes == ()


@pytest.mark.parametrize(("raw", "field"), [
    ({"clientSecret": "hunter2-secret"}, "clientId"),
    ({"clientId": ["x"], "clientSecret": "hunter2-secret"}, "clientId"),
    ({"clientId": "c", "clientSecret": "hunter2-secret", "scopes": 5}, "scopes"),
    ({"clientId": "c", "clientSecret": "hunter2-secret", "clientAuthLocation": "query"}, "clientAuthLocation"),
    ({"clientId": "c", "clientSecret": "hunter2-secret", "skipPkce": "yes"}, "skipPkce"),
    ({"clientId": "c", "clientSecret": "hunter2-secret", "extra": {"x": {"y": 1}}}, "extra.x"),
])
def test_config_problems_name_the_field_never_a_value(raw: dict[str, Any], field: str) -> None:
    error = raises("INVALID_OUTPUT", OAuth2Config.from_output, raw)
    assert field in error.message
    assert "hunter2" not in error.message


def test_missing_endpoints_are_reported_when_needed() -> None:
    partial = OAuth2Config.from_output({"clientId": "c"})
    assert "authorizeUri" in raises("INVALID_OUTPUT", oauth2.authorize_uri, partial, "https://r", "s", None).message
    assert "tokenUri" in raises("INVALID_OUTPUT", oauth2.refresh_request, partial, "r").message


# ---- authorize URI ----

def query_of(uri: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(uri).query, keep_blank_values=True)


def test_authorize_uri_carries_every_parameter() -> None:
    cfg = config(scopes=["read", "write"], extra={"prompt": "consent", "access_type": "offline"})
    uri = oauth2.authorize_uri(cfg, "https://app.example.test/cb?x=1", "st-1", RFC7636_CHALLENGE)
    assert uri.startswith("https://auth.example.test/authorize?")
    assert dict(query_of(uri)) == {
        "response_type": "code", "client_id": "client-1", "redirect_uri": "https://app.example.test/cb?x=1",
        "scope": "read write", "state": "st-1", "code_challenge": RFC7636_CHALLENGE,
        "code_challenge_method": "S256", "prompt": "consent", "access_type": "offline",
    }
    assert "scope=read%20write" in uri  # a space, never a literal '+'


def test_authorize_uri_keeps_existing_query_and_skips_pkce_without_challenge() -> None:
    cfg = config(authorizeUri="https://auth.example.test/authorize?tenant=acme&response_type=token",
                 extra={"response_type": "code id_token"})
    pairs = query_of(oauth2.authorize_uri(cfg, "https://r.example.test/", "s", None))
    assert ("tenant", "acme") in pairs
    assert [v for k, v in pairs if k == "response_type"] == ["code id_token"]  # replaced, not duplicated
    assert not {"code_challenge", "code_challenge_method", "scope"} & {k for k, _ in pairs}


@pytest.mark.parametrize("key", ["state", "code_challenge", "code_challenge_method"])
def test_extra_may_not_override_binding_parameters(key: str) -> None:
    raises("INVALID_OUTPUT", oauth2.authorize_uri, config(extra={key: "x"}), "https://r", "s", "c")


# ---- token requests ----

ODD_ID, ODD_SECRET = "my client:1", "s3cr&t +/é"
# RFC 6749 §2.3.1: each part form-urlencoded (space '+', ':' '%3A', ...) before Basic.
ODD_BASIC = "Basic " + base64.b64encode(b"my+client%3A1:s3cr%26t+%2B%2F%C3%A9").decode()


@pytest.mark.parametrize(("location", "basic", "body_auth"), [
    ("headers", True, False),
    ("body", False, True),
    (None, True, True),
])
def test_code_exchange_request_per_client_auth_location(location: str | None, basic: bool, body_auth: bool) -> None:
    cfg = config(clientId=ODD_ID, clientSecret=ODD_SECRET, clientAuthLocation=location)
    request = oauth2.code_exchange_request(cfg, "code-1", "https://app.example.test/cb", RFC7636_VERIFIER)
    assert (request.method, request.url) == ("POST", "https://auth.example.test/token")
    assert request.follow_redirects is False
    assert request.header("Content-Type") == FORM
    assert request.header("Accept") == "application/json"
    assert request.header("Authorization") == (ODD_BASIC if basic else None)
    expected = {"grant_type": "authorization_code", "code": "code-1", "redirect_uri": "https://app.example.test/cb",
                "code_verifier": RFC7636_VERIFIER}
    if body_auth:
        expected |= {"client_id": ODD_ID, "client_secret": ODD_SECRET}
    assert form_fields(request) == expected


def test_public_client_sends_its_id_in_the_body_only() -> None:
    cfg = OAuth2Config.from_output({"clientId": "pub", "tokenUri": "https://auth.example.test/token",
                                    "clientAuthLocation": "headers"})
    request = oauth2.code_exchange_request(cfg, "c", "https://r", None)
    assert request.header("Authorization") is None
    assert form_fields(request) == {"grant_type": "authorization_code", "code": "c", "redirect_uri": "https://r",
                                    "client_id": "pub"}


def test_refresh_request() -> None:
    request = oauth2.refresh_request(config(clientAuthLocation="headers"), "refresh-1")
    assert (request.method, request.url) == ("POST", "https://auth.example.test/token")
    assert request.header("Authorization") == "Basic " + base64.b64encode(b"client-1:secret-1").decode()
    assert form_fields(request) == {"grant_type": "refresh_token", "refresh_token": "refresh-1"}


# ---- token responses ----

def test_parse_json_and_form_encoded_token_responses() -> None:
    assert oauth2.parse_token_response(response(200, {"access_token": "a", "expires_in": 60})) == {
        "access_token": "a", "expires_in": 60}
    form = response(200, "access_token=a%2Bb&token_type=bearer&scope=x+y", FORM)
    assert oauth2.parse_token_response(form) == {"access_token": "a+b", "token_type": "bearer", "scope": "x y"}
    untyped = response(200, "access_token=a&expires_in=5", "text/plain")
    assert oauth2.parse_token_response(untyped)["access_token"] == "a"


def test_rfc6749_error_bodies() -> None:
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    error = raises("INVALID_INPUT", oauth2.parse_token_response, response(401, body))
    assert "invalid_client" in error.message and "Client authentication failed" in error.message
    assert error.details == {**body, "status": 401}
    # Some providers (GitHub) answer 200 with an error body.
    raises("INVALID_INPUT", oauth2.parse_token_response, response(200, "error=bad_verification_code", FORM),
           "authorization_code")


def test_invalid_grant_is_defunct_on_refresh_and_a_bad_code_on_exchange() -> None:
    body = {"error": "invalid_grant", "error_description": "Token revoked"}
    defunct = raises("CONNECTION_DEFUNCT", oauth2.parse_token_response, response(400, body), "refresh_token")
    assert "invalid_grant" in defunct.message and "Token revoked" in defunct.message
    bad_code = raises("INVALID_INPUT", oauth2.parse_token_response, response(400, body), "authorization_code")
    assert bad_code.details["error"] == "invalid_grant"


@pytest.mark.parametrize(("status", "body", "content_type"), [
    (503, {"error": "temporarily_unavailable"}, "application/json"),
    (500, "oops", "text/plain"),
    (200, "<html>maintenance</html>", "text/html"),
    (404, "", "text/plain"),
    (302, "", "text/plain"),
])
def test_server_failures_are_network_errors_not_defunct(status: int, body: Any, content_type: str) -> None:
    error = raises("NETWORK_ERROR", oauth2.parse_token_response, response(status, body, content_type))
    assert error.details["status"] == status


# ---- credentials ----

def test_default_credentials_are_the_token_response_plus_expires_at_in_ms() -> None:
    token = {"access_token": "a", "refresh_token": "r", "expires_in": 3600, "token_type": "Bearer"}
    assert oauth2.credentials_from_token_response(token, NOW_MS) == {**token, "expires_at": NOW_MS + 3_600_000}
    assert oauth2.credentials_from_token_response({"access_token": "a", "expires_in": "60"}, NOW_MS)[
        "expires_at"] == NOW_MS + 60_000
    assert "expires_at" not in oauth2.credentials_from_token_response({"access_token": "a"}, NOW_MS)
    raises("INVALID_OUTPUT", oauth2.credentials_from_token_response, {"token": "x"}, NOW_MS)


def test_merge_refreshed_keeps_refresh_token_and_renews_expiry() -> None:
    old = {"access_token": "a1", "refresh_token": "r1", "expires_at": 1, "expires_in": 10, "userId": "u"}
    kept = oauth2.merge_refreshed(old, {"access_token": "a2", "expires_in": 60}, NOW_MS)
    assert kept == {"access_token": "a2", "refresh_token": "r1", "expires_in": 60, "expires_at": NOW_MS + 60_000,
                    "userId": "u"}
    rotated = oauth2.merge_refreshed(old, {"access_token": "a3", "refresh_token": "r2"}, NOW_MS)
    assert rotated == {"access_token": "a3", "refresh_token": "r2", "userId": "u"}  # old expiry dropped


# ---- the redirect ----

def test_redirect_checks() -> None:
    assert oauth2.code_from_redirect({"code": "c", "state": "s1"}, "s1") == "c"
    denied = raises("INVALID_INPUT", oauth2.code_from_redirect,
                    {"error": "access_denied", "error_description": "User said no", "state": "s1"}, "s1")
    assert "access_denied" in denied.message and "User said no" in denied.message
    assert denied.details == {"error": "access_denied", "error_description": "User said no"}
    raises("STATE_MISMATCH", oauth2.code_from_redirect, {"code": "c", "state": "s2"}, "s1")
    raises("STATE_MISMATCH", oauth2.code_from_redirect, {"code": "c"}, "s1")
    raises("INVALID_INPUT", oauth2.code_from_redirect, {"code": "c", "state": "s1"}, None)
    raises("INVALID_INPUT", oauth2.code_from_redirect, {"state": "s1"}, "s1")


# ---- OAuth 1.0a (RFC 5849) ----

PHOTOS = OAuth1Config.from_output({
    "consumerKey": "dpf43f3p2l4k3l03", "consumerSecret": "kd94hf93k423kf44",
    "requestTokenUri": "https://photos.example.net/initiate", "authorizeUri": "https://photos.example.net/authorize",
    "tokenUri": "https://photos.example.net/token",
})


def auth_params(request: HttpRequest) -> dict[str, str]:
    header = request.header("Authorization")
    assert header is not None and header.startswith("OAuth ")
    return {k: unquote(v) for k, v in rfc5849.utils.parse_authorization_header(header)}


def test_rfc5849_section_1_2_temporary_credentials_request() -> None:
    signing = oauth1.Signing(nonce="wIjqoS", timestamp="137131200", realm="Photos", version=None)
    request = oauth1.temporary_credentials_request(PHOTOS, "http://printer.example.com/ready", signing)
    assert (request.method, request.url) == ("POST", "https://photos.example.net/initiate")
    assert auth_params(request) == {
        "realm": "Photos", "oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "137131200", "oauth_nonce": "wIjqoS", "oauth_callback": "http://printer.example.com/ready",
        "oauth_signature": "74KNZJeDHnMBp0EMJ9ZHt/XKycU=",
    }


def test_rfc5849_section_1_2_token_and_resource_requests() -> None:
    token = oauth1.token_credentials_request(
        PHOTOS, "hh5s93j4hdidpola", "hdhd0244k9j7ao03", "hfdp7dh39dks9884",
        oauth1.Signing(nonce="walatlh", timestamp="137131201", realm="Photos", version=None))
    assert auth_params(token)["oauth_signature"] == "gKgrFCywp7rO0OXSjdot/IHF7IU="
    assert auth_params(token)["oauth_verifier"] == "hfdp7dh39dks9884"
    photo = HttpRequest("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
                        headers=(("Accept", "image/*"),))
    signed = oauth1.sign_request(photo, PHOTOS, {"oauth_token": "nnch734d00sl2jdk",
                                                 "oauth_token_secret": "pfkkdhi9sl3r4s00"},
                                 oauth1.Signing(nonce="chapoH", timestamp="137131202", realm="Photos", version=None))
    assert auth_params(signed)["oauth_signature"] == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    assert signed.header("Accept") == "image/*" and signed.url == photo.url


def test_rfc5849_section_3_4_1_form_body_is_signed() -> None:
    cfg = OAuth1Config.from_output({"consumerKey": "9djdj82h48djs9d2", "consumerSecret": "j49sk3j29djd",
                                    "requestTokenUri": "https://x", "authorizeUri": "https://x", "tokenUri": "https://x"})
    request = HttpRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
                          headers=(("Content-Type", FORM),), body=b"c2&a3=2+q")
    token = {"oauth_token": "kkk9d7dh3k39sjv7", "oauth_token_secret": "dh893hdasih9"}
    signed = oauth1.sign_request(request, cfg, token,
                                 oauth1.Signing(nonce="7d8f3e4a", timestamp="137131201", version=None))
    params = auth_params(signed)
    signature = params.pop("oauth_signature")
    collected = rfc5849.collect_parameters(uri_query=urlsplit(request.url).query, body="c2&a3=2+q",
                                           headers={}, exclude_oauth_signature=True) + list(params.items())
    base = rfc5849.signature_base_string("POST", rfc5849.base_string_uri(request.url),
                                         rfc5849.normalize_parameters(collected))
    assert base == (  # RFC 5849 §3.4.1.1
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D"
        "%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1"
        "%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7")
    key = f"{quote('j49sk3j29djd', safe='')}&{quote('dh893hdasih9', safe='')}".encode()
    assert signature == base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
    assert signed.body == request.body


def test_oauth1_sends_version_by_default_and_reads_provider_answers() -> None:
    request = oauth1.temporary_credentials_request(PHOTOS, "https://app.example.test/cb")
    assert auth_params(request)["oauth_version"] == "1.0"
    ok = response(200, "oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true", FORM)
    assert oauth1.parse_credentials_response(ok, "temporary credentials")["oauth_token"] == "t"
    unconfirmed = response(200, "oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=false", FORM)
    raises("NETWORK_ERROR", oauth1.parse_credentials_response, unconfirmed, "temporary credentials")
    rejected = raises("INVALID_INPUT", oauth1.parse_credentials_response,
                      response(401, "oauth_problem=token_rejected", FORM), "token credentials")
    assert rejected.details["oauth_problem"] == "token_rejected"
    assert "oauth_token=t" in oauth1.authorize_uri(PHOTOS, "t")


# ---- token types ----

WORKSPACE_SECRET = "w" * 40


def test_workspace_token_claims_and_headers() -> None:
    source = tokens.WorkspaceToken.from_input({"workspaceKey": "ws-1", "workspaceSecret": WORKSPACE_SECRET},
                                              {"userId": "user-7", "userFields": {"plan": "pro"}})
    credentials = tokens.token_credentials("membrane-token", source, 1_700_000_000)
    claims = jwt.decode(credentials["token"], WORKSPACE_SECRET, algorithms=["HS256"],
                        options={"verify_exp": False})
    assert claims == {"iss": "ws-1", "sub": "user-7", "fields": {"plan": "pro"}, "iat": 1_700_000_000,
                      "exp": 1_700_003_600}
    assert credentials["expires_at"] == 1_700_003_600_000
    assert credentials["headers"] == {"X-Membrane-Token": credentials["token"],
                                      "X-Integration-App-Token": credentials["token"]}
    legacy = tokens.token_credentials("integration-app-token", source, 1_700_000_000)
    assert list(legacy["headers"]) == ["X-Integration-App-Token"]


@pytest.mark.parametrize(("connector", "connection", "key"), [
    ({"workspaceKey": "ws"}, {"userId": "u"}, "workspaceSecret"),
    ({"workspaceKey": "ws", "workspaceSecret": "short"}, {"userId": "u"}, "workspaceSecret"),
    ({"workspaceSecret": WORKSPACE_SECRET}, {"userId": "u"}, "workspaceKey"),
    ({"workspaceKey": "ws", "workspaceSecret": WORKSPACE_SECRET}, {}, "userId"),
])
def test_workspace_token_input_problems(connector: dict[str, Any], connection: dict[str, Any], key: str) -> None:
    error = raises("INVALID_INPUT", tokens.WorkspaceToken.from_input, connector, connection)
    assert key in error.message and "short" not in error.message
