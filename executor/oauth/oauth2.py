"""RFC 6749 / 7636 steps with no I/O: build the authorize URI and the token requests, read token
responses, turn them into credentials.

Times are passed in (`now_ms`, milliseconds since the Unix epoch): `expires_at` is kept in the
unit the docs' refresh example uses (`Date.now() + expires_in * 1000`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote, quote_plus, unquote_plus, urlencode, urlsplit, urlunsplit

from executor.errors import ConnectionDefunct, InvalidInput, InvalidOutput, NetworkError
from executor.oauth.config import OAuth2Config
from executor.oauth.pkce import check_state
from executor.transport import bodies
from js_runtime.http import HttpRequest, HttpResponse

FORM = "application/x-www-form-urlencoded"
Grant = Literal["authorization_code", "refresh_token"]

# `extra` may add or override authorize parameters, but not the ones that bind the redirect to us.
RESERVED_EXTRA = frozenset({"state", "code_challenge", "code_challenge_method"})


class TokenRequestRejected(InvalidInput):
    """The token endpoint refused the request with an RFC 6749 §5.2 error (other than a dead grant).

    INVALID_INPUT: what the provider rejected is something the job was given (client id or secret,
    scopes, the authorization code); `details` carries `error` and `error_description`.
    """


class AuthorizationRefused(InvalidInput):
    """The provider redirected back with an error (RFC 6749 §4.1.2.1), e.g. the user denied access.

    INVALID_INPUT: the queryParameters given to connect hold no grant to exchange. It is not
    CONNECTION_TEST_FAILED (nothing was tested) nor CONNECTION_DEFUNCT (no connection exists yet).
    """


def raise_for_redirect_error(query: Mapping[str, Any]) -> None:
    """AuthorizationRefused, carrying `error` and `error_description`, if the redirect reports one."""
    error = query.get("error")
    if error is None or error == "":
        return
    details = {"error": _printable(str(error))}
    description = query.get("error_description")
    if description:
        details["error_description"] = _printable(str(description))
    said = details["error"] + (f": {details['error_description']}" if "error_description" in details else "")
    raise AuthorizationRefused(f"the provider did not grant access ({said})", details=details)


def code_from_redirect(query: Mapping[str, Any], expected_state: str | None) -> str:
    """The authorization code of the redirect, after the provider's error and the state are checked."""
    raise_for_redirect_error(query)
    check_state(expected_state, query.get("state"))
    code = query.get("code")
    if not isinstance(code, str) or not code:
        raise InvalidInput("queryParameters.code is missing: the redirect carried no authorization code")
    return code


def authorize_uri(config: OAuth2Config, redirect_uri: str, state: str, code_challenge: str | None) -> str:
    """The URI to send the user to (RFC 6749 §4.1.1, RFC 7636 §4.3), keeping authorizeUri's own query."""
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
    }
    if config.scopes:
        params["scope"] = " ".join(config.scopes)
    params["state"] = state
    if code_challenge is not None:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"
    for key, value in config.extra.items():
        if key in RESERVED_EXTRA:
            raise InvalidOutput(f"getOAuthConfig returned an unusable config: extra.{key} is reserved")
        params[key] = value
    return with_query(config.require_authorize_uri(), params)


def with_query(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` appended; existing parameters of the same name are replaced."""
    parts = urlsplit(url)
    kept = [p for p in parts.query.split("&") if p and unquote_plus(p.split("=", 1)[0]) not in params]
    # %20 rather than '+' for spaces: some providers read '+' in scope literally.
    added = urlencode(dict(params), quote_via=quote)
    return urlunsplit(parts._replace(query="&".join([*kept, added])))


def basic_authorization(client_id: str, client_secret: str) -> str:
    """RFC 6749 §2.3.1: both parts form-urlencoded (Appendix B), then HTTP Basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def code_exchange_request(config: OAuth2Config, code: str, redirect_uri: str,
                          code_verifier: str | None) -> HttpRequest:
    """RFC 6749 §4.1.3 access token request (with the RFC 7636 code_verifier when given)."""
    fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)]
    if code_verifier is not None:
        fields.append(("code_verifier", code_verifier))
    return token_request(config, fields)


def refresh_request(config: OAuth2Config, refresh_token: str) -> HttpRequest:
    """RFC 6749 §6 refresh request."""
    return token_request(config, [("grant_type", "refresh_token"), ("refresh_token", refresh_token)])


def token_request(config: OAuth2Config, fields: list[tuple[str, str]]) -> HttpRequest:
    """A form-encoded POST to tokenUri with client authentication per clientAuthLocation.

    headers: HTTP Basic only; body: client_id and client_secret fields only; unspecified: both.
    A client without a secret (a public client) sends client_id in the body and no Authorization.
    Redirects are not followed: a token endpoint that redirects would get the secret re-posted.
    """
    headers = [("Content-Type", FORM), ("Accept", "application/json")]
    body = list(fields)
    location = config.client_auth_location
    if config.client_secret is None:
        body.append(("client_id", config.client_id))
    else:
        if location in (None, "headers"):
            headers.append(("Authorization", basic_authorization(config.client_id, config.client_secret)))
        if location in (None, "body"):
            body += [("client_id", config.client_id), ("client_secret", config.client_secret)]
    return HttpRequest("POST", config.require_token_uri(), headers=tuple(headers),
                       body=urlencode(body).encode("utf-8"), follow_redirects=False)


def parse_token_response(response: HttpResponse, grant: Grant = "refresh_token") -> dict[str, Any]:
    """The token endpoint's JSON or form-encoded answer, or the error it stands for.

    5xx, other non-2xx answers without an OAuth error, and unreadable bodies: NETWORK_ERROR (worth
    retrying, the connection is fine). RFC 6749 §5.2 errors (also those sent with status 200, as
    some providers do): see `raise_for_error_body`.
    """
    status = response.status
    if status >= 500:
        raise NetworkError(f"the token endpoint answered HTTP {status}", details={"status": status})
    body = decode_body(response)
    if body is not None:
        raise_for_error_body(body, grant, status)
    if not 200 <= status < 300:
        raise NetworkError(f"the token endpoint answered HTTP {status} without an OAuth error response",
                           details={"status": status})
    if body is None:
        raise NetworkError("the token endpoint's response is neither a JSON object nor form-encoded",
                           details={"status": status})
    return body


def raise_for_error_body(body: Mapping[str, Any], grant: Grant, status: int | None = None) -> None:
    """Raise for an RFC 6749 §5.2 error body: `invalid_grant` on refresh is CONNECTION_DEFUNCT.

    `invalid_grant` during the code exchange (a used, expired or foreign code, or a wrong
    code_verifier) is a TokenRequestRejected: there is no connection yet, the user must authorize again.
    """
    error = body.get("error")
    if not isinstance(error, str) or not error or (body.get("access_token") and (status or 200) < 300):
        return
    description = body.get("error_description")
    details: dict[str, Any] = {"error": _printable(error)}
    if isinstance(description, str) and description:
        details["error_description"] = _printable(description)
    if status is not None:
        details["status"] = status
    said = details["error"] + (f": {details['error_description']}" if "error_description" in details else "")
    if error == "invalid_grant" and grant == "refresh_token":
        raise ConnectionDefunct(f"the provider rejected the refresh token ({said}); the user must reconnect",
                                details=details)
    if error == "invalid_grant":
        raise TokenRequestRejected(f"the provider rejected the authorization code ({said}); "
                                   "start again with authorize", details=details)
    raise TokenRequestRejected(f"the token endpoint refused the request: {said}", details=details)


def decode_body(response: HttpResponse) -> dict[str, Any] | None:
    """A JSON object or form-encoded body as a dict (read by executor.transport.bodies); None otherwise."""
    value = bodies.decode_body(response.body, response.header("Content-Type"))
    return value if isinstance(value, dict) else None


def credentials_from_token_response(token_response: Mapping[str, Any], now_ms: int) -> dict[str, Any]:
    """The default credentials: the token response itself, plus `expires_at` (ms epoch) from expires_in."""
    _require_access_token(token_response)
    credentials = dict(token_response)
    expires_at = expires_at_from(token_response, now_ms)
    if expires_at is not None:
        credentials["expires_at"] = expires_at
    return credentials


def merge_refreshed(old: Mapping[str, Any], token_response: Mapping[str, Any], now_ms: int) -> dict[str, Any]:
    """Credentials after a standard refresh: old ones updated with the response.

    The old refresh_token is kept when the provider returns none (no rotation). The old expiry
    (`expires_at`, `expires_in`) is dropped: it described the old access token.
    """
    _require_access_token(token_response)
    merged = {k: v for k, v in old.items() if k not in ("expires_at", "expires_in")}
    merged.update(token_response)
    if not token_response.get("refresh_token") and old.get("refresh_token"):
        merged["refresh_token"] = old["refresh_token"]
    expires_at = expires_at_from(token_response, now_ms)
    if expires_at is not None:
        merged["expires_at"] = expires_at
    return merged


def expires_at_from(token_response: Mapping[str, Any], now_ms: int) -> int | None:
    """now + expires_in seconds, in ms; None without a numeric expires_in (a number or numeric string)."""
    value = token_response.get("expires_in")
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    if seconds is None or seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return now_ms + int(seconds * 1000)


def _require_access_token(token_response: Mapping[str, Any]) -> None:
    token = token_response.get("access_token")
    if not isinstance(token, str) or not token:
        raise InvalidOutput("the token response has no access_token")


def _printable(text: str) -> str:
    """Provider text on one line (its length is bounded with the job's error, after redaction)."""
    return "".join(c if c.isprintable() else " " for c in text)
