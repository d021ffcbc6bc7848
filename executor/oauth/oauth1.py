"""RFC 5849 (OAuth 1.0a) steps with no I/O: signed requests for temporary and token credentials,
the authorize URI, and reading the provider's form-encoded answers. Signing is oauthlib's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

import oauthlib.oauth1

from executor.errors import InvalidInput, NetworkError
from executor.oauth.config import OAuth1Config
from executor.oauth.oauth2 import FORM, decode_body, with_query
from js_runtime.http import HttpRequest, HttpResponse


class OAuth1RequestRejected(InvalidInput):
    """The provider refused a temporary-credentials or token request (4xx); details carry its problem."""


@dataclass(frozen=True)
class Signing:
    """Per-signature values. nonce and timestamp default to fresh ones; tests pin them.

    `version` "1.0" sends oauth_version (optional per RFC 5849 §3.1, expected by some providers);
    None leaves it out, as the RFC's own examples do.
    """

    nonce: str | None = None
    timestamp: str | None = None
    realm: str | None = None
    version: str | None = "1.0"


class _Client(oauthlib.oauth1.Client):
    def __init__(self, *args: Any, version: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._version = version

    def get_oauth_params(self, request: Any) -> list[tuple[str, str]]:
        params = [p for p in super().get_oauth_params(request)  # type: ignore[no-untyped-call]
                  if p[0] != "oauth_version"]
        return params if self._version is None else [*params, ("oauth_version", self._version)]


def sign_request(request: HttpRequest, config: OAuth1Config, credentials: Mapping[str, Any],
                 signing: Signing = Signing()) -> HttpRequest:
    """`request` with `Authorization: OAuth ...` for the token credentials in `credentials`
    (`oauth_token`, `oauth_token_secret`). Form-encoded bodies are part of the signature."""
    return _sign(request, config, token=_opt(credentials.get("oauth_token")),
                 token_secret=_opt(credentials.get("oauth_token_secret")), signing=signing)


def temporary_credentials_request(config: OAuth1Config, callback: str,
                                  signing: Signing = Signing()) -> HttpRequest:
    """RFC 5849 §2.1: POST requestTokenUri, signed with the client credentials and oauth_callback."""
    request = HttpRequest("POST", config.request_token_uri, follow_redirects=False)
    return _sign(request, config, callback=callback, signing=signing)


def token_credentials_request(config: OAuth1Config, token: str, token_secret: str, verifier: str,
                              signing: Signing = Signing()) -> HttpRequest:
    """RFC 5849 §2.3: POST tokenUri, signed with the temporary credentials and oauth_verifier."""
    request = HttpRequest("POST", config.token_uri, follow_redirects=False)
    return _sign(request, config, token=token, token_secret=token_secret, verifier=verifier, signing=signing)


def authorize_uri(config: OAuth1Config, oauth_token: str) -> str:
    """RFC 5849 §2.2: authorizeUri with oauth_token (and every `extra` parameter)."""
    return with_query(config.authorize_uri, {**config.extra, "oauth_token": oauth_token})


def parse_credentials_response(response: HttpResponse, step: str) -> dict[str, Any]:
    """The form-encoded answer of `step` ('temporary credentials' or 'token credentials').

    Requires oauth_token and oauth_token_secret; a temporary-credentials answer that says
    oauth_callback_confirmed other than "true" is refused (RFC 5849 §2.1). An answer without it
    is accepted, as OAuth 1.0 (pre-1.0a) providers send none.
    """
    status = response.status
    body = decode_body(response)
    if status >= 500 or (not 200 <= status < 300 and not body):
        raise NetworkError(f"the {step} endpoint answered HTTP {status}", details={"status": status})
    if not 200 <= status < 300:
        problem = str(body.get("oauth_problem") or body.get("error") or "") if body else ""
        said = f": {problem}" if problem else ""
        raise OAuth1RequestRejected(f"the provider refused the {step} request (HTTP {status}){said}",
                                    details={"status": status, **({"oauth_problem": problem} if problem else {})})
    if body is None or not all(isinstance(body.get(k), str) and body[k] for k in ("oauth_token",
                                                                                   "oauth_token_secret")):
        raise NetworkError(f"the {step} response has no oauth_token and oauth_token_secret",
                           details={"status": status})
    if step == "temporary credentials" and body.get("oauth_callback_confirmed", "true") != "true":
        raise NetworkError("the provider did not confirm the callback (oauth_callback_confirmed)",
                           details={"status": status})
    return body


def _sign(request: HttpRequest, config: OAuth1Config, *, signing: Signing, token: str | None = None,
          token_secret: str | None = None, callback: str | None = None,
          verifier: str | None = None) -> HttpRequest:
    client = _Client(
        config.consumer_key, client_secret=config.consumer_secret, resource_owner_key=token,
        resource_owner_secret=token_secret, callback_uri=callback, verifier=verifier,
        signature_method=config.signature_method, realm=signing.realm, nonce=signing.nonce,
        timestamp=signing.timestamp, version=signing.version,
    )
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    form = content_type == FORM and request.body is not None and request.method not in ("GET", "HEAD")
    # Only a form-encoded body takes part in the signature (RFC 5849 §3.4.1.3.1); others pass as is.
    body = request.body.decode("utf-8") if form and request.body is not None else None
    headers = {"Content-Type": FORM} if form else {}
    try:
        _, signed, _ = client.sign(request.url, cast(Any, request.method), body=body, headers=headers)
    except ValueError as exc:  # oauthlib's refusals name the problem, not the credentials
        raise InvalidInput(f"cannot sign the request with OAuth 1.0a: {str(exc)[:200]}") from None
    kept = tuple(h for h in request.headers if h[0].lower() != "authorization")
    return replace(request, headers=(*kept, ("Authorization", signed["Authorization"])))


def _opt(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
