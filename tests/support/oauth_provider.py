"""A real OAuth2 provider for tests: an aiohttp application over oauthlib's WebApplicationServer.

Endpoints (all on one origin):

    GET  /oauth/authorize   RFC 6749 §4.1.1 with RFC 7636 PKCE required; the user is "alice" and
                            consents at once (a 302 to redirect_uri with code and state), unless
                            `deny_next` is set: then the redirect carries error=access_denied.
    POST /oauth/token       authorization_code and refresh_token grants; confidential clients only.
    GET  /me                a protected resource: Bearer tokens (RFC 6750), 401 when invalid.

What it enforces: registered redirect URIs (exact match, also at the token endpoint), PKCE S256
verification, client authentication (HTTP Basic with RFC 6749 §2.3.1 form-decoding, and/or the
body; both are accepted when they agree, as many providers do), single-use codes (a reused code
also revokes the tokens issued from it, §4.1.2), refresh token rotation (the old one is revoked).
The clock is injectable: `provider.now`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web
from aiohttp.test_utils import TestServer
from oauthlib.common import Request
from oauthlib.oauth2 import RequestValidator, WebApplicationServer
from oauthlib.oauth2.rfc6749 import errors

CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 3600


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    secret: str
    redirect_uris: tuple[str, ...]
    scopes: frozenset[str] = frozenset({"read", "write"})


@dataclass
class CodeGrant:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    user: str
    challenge: str | None
    challenge_method: str | None
    expires_at: float
    used: bool = False


@dataclass
class Token:
    client_id: str
    user: str
    scopes: list[str]
    expires_at: float
    code: str  # the authorization code the token descends from


@dataclass
class TokenRequest:
    """What the token endpoint saw: the grant and how the client authenticated."""

    grant_type: str
    client_auth: tuple[str, ...]


@dataclass
class ProviderState:
    clients: dict[str, RegisteredClient]
    now: Callable[[], float] = time.time
    codes: dict[str, CodeGrant] = field(default_factory=dict)
    access_tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, Token] = field(default_factory=dict)
    token_requests: list[TokenRequest] = field(default_factory=list)
    deny_next: bool = False

    def expire_access_tokens(self) -> None:
        for token in self.access_tokens.values():
            token.expires_at = self.now() - 1

    def revoke_refresh_token(self, refresh_token: str) -> None:
        self.refresh_tokens.pop(refresh_token, None)

    def revoke_descendants(self, code: str) -> None:
        for table in (self.access_tokens, self.refresh_tokens):
            for key in [k for k, t in table.items() if t.code == code]:
                del table[key]


class Validator(RequestValidator):
    """oauthlib's storage and policy hooks, over ProviderState."""

    def __init__(self, state: ProviderState) -> None:
        super().__init__()
        self.state = state

    # -- clients --
    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        return True

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        presented: list[tuple[str, str | None, str | None]] = []
        basic = _basic_credentials(request.headers.get("Authorization"))
        if basic is not None:
            presented.append(("basic", *basic))
        if request.client_secret is not None:
            presented.append(("body", request.client_id, request.client_secret))
        if not presented or len({client_id for _, client_id, _ in presented}) != 1:
            return False
        client = self.state.clients.get(presented[0][1] or "")
        if client is None or not all(hmac.compare_digest((s or "").encode(), client.secret.encode())
                                     for _, _, s in presented):
            return False
        request.client = client
        request.client_id = client.client_id
        self.state.token_requests.append(TokenRequest(request.grant_type, tuple(m for m, _, _ in presented)))
        return True

    def validate_client_id(self, client_id: str, request: Request, *args: Any, **kwargs: Any) -> bool:
        return client_id in self.state.clients

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Request,
                              *args: Any, **kwargs: Any) -> bool:
        return redirect_uri in self.state.clients[client_id].redirect_uris

    def get_default_redirect_uri(self, client_id: str, request: Request, *args: Any, **kwargs: Any) -> str | None:
        return None  # redirect_uri is always required

    def validate_response_type(self, client_id: str, response_type: str, client: Any, request: Request,
                               *args: Any, **kwargs: Any) -> bool:
        return response_type == "code"

    def validate_scopes(self, client_id: str, scopes: list[str], client: Any, request: Request,
                        *args: Any, **kwargs: Any) -> bool:
        return set(scopes) <= self.state.clients[client_id].scopes

    def get_default_scopes(self, client_id: str, request: Request, *args: Any, **kwargs: Any) -> list[str]:
        return ["read"]

    def validate_grant_type(self, client_id: str, grant_type: str, client: Any, request: Request,
                            *args: Any, **kwargs: Any) -> bool:
        return grant_type in ("authorization_code", "refresh_token")

    # -- authorization codes and PKCE --
    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        return True

    def save_authorization_code(self, client_id: str, code: dict[str, str], request: Request,
                                *args: Any, **kwargs: Any) -> None:
        self.state.codes[code["code"]] = CodeGrant(
            client_id=client_id, redirect_uri=request.redirect_uri, scopes=list(request.scopes),
            user=request.user, challenge=request.code_challenge,
            challenge_method=request.code_challenge_method, expires_at=self.state.now() + CODE_LIFETIME)

    def validate_code(self, client_id: str, code: str, client: Any, request: Request,
                      *args: Any, **kwargs: Any) -> bool:
        grant = self.state.codes.get(code)
        if grant is None or grant.client_id != client.client_id:
            return False
        if grant.used:
            self.state.revoke_descendants(code)  # RFC 6749 §4.1.2: a replayed code
            return False
        if self.state.now() > grant.expires_at:
            return False
        request.user, request.scopes = grant.user, list(grant.scopes)
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        return self.state.codes[code].challenge

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        return self.state.codes[code].challenge_method

    def confirm_redirect_uri(self, client_id: str, code: str, redirect_uri: str, client: Any,
                             request: Request, *args: Any, **kwargs: Any) -> bool:
        return self.state.codes[code].redirect_uri == redirect_uri

    def invalidate_authorization_code(self, client_id: str, code: str, request: Request,
                                      *args: Any, **kwargs: Any) -> None:
        self.state.codes[code].used = True

    # -- tokens --
    def save_bearer_token(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> None:
        if request.grant_type == "refresh_token":
            old = self.state.refresh_tokens.pop(request.refresh_token)  # rotation: the old one is dead
            code = old.code
        else:
            code = request.code
        issued = Token(request.client_id, request.user, list(request.scopes),
                       self.state.now() + token["expires_in"], code)
        self.state.access_tokens[token["access_token"]] = issued
        if "refresh_token" in token:
            self.state.refresh_tokens[token["refresh_token"]] = Token(
                issued.client_id, issued.user, issued.scopes, float("inf"), code)

    def validate_refresh_token(self, refresh_token: str, client: Any, request: Request,
                               *args: Any, **kwargs: Any) -> bool:
        grant = self.state.refresh_tokens.get(refresh_token)
        if grant is None or grant.client_id != client.client_id:
            return False
        request.user = grant.user
        return True

    def get_original_scopes(self, refresh_token: str, request: Request, *args: Any, **kwargs: Any) -> list[str]:
        return list(self.state.refresh_tokens[refresh_token].scopes)

    def rotate_refresh_token(self, request: Request) -> bool:
        return True

    def validate_bearer_token(self, token: str, scopes: list[str], request: Request) -> bool:
        issued = self.state.access_tokens.get(token or "")
        if issued is None or self.state.now() >= issued.expires_at or not set(scopes) <= set(issued.scopes):
            return False
        request.user, request.client_id, request.scopes = issued.user, issued.client_id, issued.scopes
        return True


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: Basic over the form-urlencoded client id and secret."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None


def create_app(state: ProviderState) -> web.Application:
    """The provider as an aiohttp application."""
    server = WebApplicationServer(Validator(state), token_expires_in=ACCESS_TOKEN_LIFETIME)

    async def authorize(request: web.Request) -> web.StreamResponse:
        uri, headers = str(request.url), dict(request.headers)
        try:
            scopes, credentials = server.validate_authorization_request(uri, "GET", None, headers)
        except errors.FatalClientError as exc:  # bad client or redirect_uri: never redirect
            return web.json_response({"error": exc.error, "error_description": exc.description}, status=400)
        except errors.OAuth2Error as exc:
            return _redirect(exc.in_uri(exc.redirect_uri))
        if state.deny_next:
            state.deny_next = False
            denied = errors.AccessDeniedError(description="The user denied access", state=credentials["state"])
            return _redirect(denied.in_uri(credentials["redirect_uri"]))
        out_headers, body, status = server.create_authorization_response(
            uri, "GET", None, headers, scopes=scopes, credentials={"user": "alice"})
        return web.Response(status=status, headers=out_headers, text=body or "")

    async def token(request: web.Request) -> web.StreamResponse:
        body = await request.text()
        out_headers, text, status = server.create_token_response(str(request.url), "POST", body,
                                                                 dict(request.headers))
        return web.Response(status=status, headers=out_headers, text=text or "")

    async def me(request: web.Request) -> web.StreamResponse:
        valid, checked = server.verify_request(str(request.url), "GET", None, dict(request.headers),
                                               scopes=["read"])
        if not valid:
            return web.json_response({"error": "invalid_token"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return web.json_response({"id": checked.user, "client": checked.client_id})

    app = web.Application()
    app.router.add_get("/oauth/authorize", authorize)
    app.router.add_post("/oauth/token", token)
    app.router.add_get("/me", me)
    return app


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


@dataclass
class RunningProvider:
    state: ProviderState
    base: str


@asynccontextmanager
async def running_provider(*clients: RegisteredClient) -> AsyncIterator[RunningProvider]:
    """Serve a provider for `clients` on 127.0.0.1 (an ephemeral port) for the block's duration."""
    state = ProviderState({c.client_id: c for c in clients})
    server = TestServer(create_app(state), host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningProvider(state, str(server.make_url("")).rstrip("/"))
    finally:
        await server.close()
