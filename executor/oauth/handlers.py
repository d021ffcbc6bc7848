"""The OAuth flows: thin async handlers over the pure steps of oauth2, oauth1 and tokens.

Every handler has the signature `async def fn(ctx: JobContext) -> Any`. The only I/O is
`ctx.call` (the connector's implementations) and `send` (the job's transport), and every request
made from here goes through the job's I/O edge (`ctx.edge`), as the JS bridge's requests do.

The table executor.jobs.auth_types names these handlers; importing `executor.jobs` loads that table
and so this module. The few job helpers used here are therefore imported when first used, not at
module import: importing this module first must not start that cycle.
May import: executor.oauth's pure modules, executor.errors, js_runtime.http, and (lazily)
executor.jobs.methods / executor.jobs.connect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from executor.errors import (
    InvalidInput,
    JobTimeout,
    MethodNotImplemented,
)
from executor.oauth import oauth1, oauth2, tokens
from executor.oauth.config import OAuth1Config, OAuth2Config
from executor.oauth.pkce import check_state, create_code_verifier, create_state, s256_challenge
from executor.secrets import token_values
from js_runtime.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from executor.jobs.context import JobContext

TOKEN_RESPONSE_METHODS = ("getCredentialsFromTokenResponse", "getCredentialsFromAccessTokenResponse")


def now_ms() -> int:
    """The current time in ms since the Unix epoch (the unit of `expires_at`)."""
    return int(time.time() * 1000)


async def send(ctx: JobContext, request: HttpRequest) -> HttpResponse:
    """Perform `request` through the job's I/O edge (request cap, trace), within its time budget."""
    try:
        return await asyncio.wait_for(ctx.edge.send(request), timeout=ctx.remaining())
    except TimeoutError:
        raise JobTimeout("the job exceeded its time limit") from None


# ---- getOAuthConfig ----

async def get_oauth_config(ctx: JobContext) -> Any:
    """The `getOAuthConfig` method: its raw output, checked against the auth type's config shape."""
    raw = await _run_get_oauth_config(ctx, ctx.input.state)
    if ctx.auth.type == "oauth1":
        OAuth1Config.from_output(raw)
    elif ctx.auth.type == "oauth2":
        OAuth2Config.from_output(raw)
    return raw


async def oauth2_config(ctx: JobContext, state: str | None) -> OAuth2Config:
    """getOAuthConfig parsed as an OAuth2 config; its secret becomes one of the job's secrets."""
    config = OAuth2Config.from_output(await _run_get_oauth_config(ctx, state))
    ctx.secrets = ctx.secrets.with_values(config.secret_values())
    return config


async def oauth1_config(ctx: JobContext) -> OAuth1Config:
    """getOAuthConfig parsed as an OAuth 1.0a config."""
    config = OAuth1Config.from_output(await _run_get_oauth_config(ctx, None))
    ctx.secrets = ctx.secrets.with_values(config.secret_values())
    return config


async def oauth1_request_signer(ctx: JobContext) -> Callable[[Any], dict[str, str]]:
    """The apiClient's signer for an OAuth1 connection: `{method, url, body?, contentType?}` in,
    `{authorization}` out, signed with the consumer and the connection's token credentials."""
    config = await oauth1_config(ctx)
    credentials = dict(ctx.credentials or {})

    def sign(payload: Any) -> dict[str, str]:
        if not isinstance(payload, dict) or not isinstance(payload.get("url"), str):
            raise InvalidInput("the apiClient asked to sign a malformed request")
        body = payload.get("body")
        headers = (("Content-Type", str(payload.get("contentType"))),) if body is not None else ()
        request = HttpRequest(str(payload.get("method") or "GET").upper(), payload["url"], headers,
                              str(body).encode() if body is not None else None)
        return {"authorization": oauth1.sign_request(request, config, credentials).header("Authorization") or ""}

    return sign


async def _run_get_oauth_config(ctx: JobContext, state: str | None) -> Any:
    impl = ctx.auth.method("getOAuthConfig")
    if impl is None:
        raise MethodNotImplemented(f"the connector does not implement getOAuthConfig, "
                                   f"which {ctx.auth.type} connectors need")
    return await ctx.call(impl, ctx.context(redirectUri=ctx.input.redirect_uri, state=state))


# ---- OAuth2 ----

async def authorize_oauth2(ctx: JobContext) -> dict[str, Any]:
    """`authorize`: {authorizeUri, state, codeVerifier}; codeVerifier is absent with skipPkce.

    A `state` in the input is used as given (a platform may bind its own); otherwise a fresh one.
    """
    redirect_uri = _required(ctx.input.redirect_uri, "redirectUri")
    state = ctx.input.state or create_state()
    config = await oauth2_config(ctx, state)
    verifier = None if config.skip_pkce else create_code_verifier()
    challenge = None if verifier is None else s256_challenge(verifier)
    output: dict[str, Any] = {"authorizeUri": oauth2.authorize_uri(config, redirect_uri, state, challenge),
                              "state": state}
    if verifier is not None:
        output["codeVerifier"] = verifier
        ctx.secrets = ctx.secrets.with_values([verifier])
    return output


async def connect_oauth2(ctx: JobContext) -> dict[str, Any]:
    """`connect`: check the redirect (provider error, state), exchange the code, build and test credentials."""
    query = dict(ctx.input.query_parameters)
    expected_state = ctx.input.expected_state or ctx.input.state
    code = oauth2.code_from_redirect(query, expected_state)
    ctx.secrets = ctx.secrets.with_values([code])
    token_response = await _token_data(ctx, code, expected_state)
    credentials = await _credentials_from_token_response(ctx, token_response, query)
    return await _finish_connect(ctx, credentials)


async def get_token_data(ctx: JobContext) -> dict[str, Any]:
    """The `getTokenData` method: the connector's, else the standard code exchange (no state check)."""
    code = ctx.input.query_parameters.get("code")
    return await _token_data(ctx, code if isinstance(code, str) else None, ctx.input.state)


async def _token_data(ctx: JobContext, code: str | None, state: str | None) -> dict[str, Any]:
    impl = ctx.auth.method("getTokenData")
    if impl is not None:
        context = ctx.context(codeVerifier=ctx.input.code_verifier, redirectUri=ctx.input.redirect_uri,
                              queryParameters=dict(ctx.input.query_parameters))
        data = _require_object(await ctx.call(impl, context), impl.name)
        # The docs' own example returns `response.json()` unchecked: an error body must not become credentials.
        oauth2.raise_for_error_body(data, "authorization_code")
    else:
        data = await _standard_code_exchange(ctx, code, state)
    ctx.secrets = ctx.secrets.with_values(token_values(data))
    return data


async def _standard_code_exchange(ctx: JobContext, code: str | None, state: str | None) -> dict[str, Any]:
    if not code:
        raise InvalidInput("queryParameters.code is missing: the redirect carried no authorization code")
    redirect_uri = _required(ctx.input.redirect_uri, "redirectUri")
    config = await oauth2_config(ctx, state)
    verifier = None if config.skip_pkce else _required(ctx.input.code_verifier, "codeVerifier")
    response = await send(ctx, oauth2.code_exchange_request(config, code, redirect_uri, verifier))
    return oauth2.parse_token_response(response, "authorization_code")


async def get_credentials_from_token_response(ctx: JobContext, name: str) -> dict[str, Any]:
    """getCredentialsFromTokenResponse (or its newer name): the connector's, else the default
    conversion of input.tokenResponse. The result replaces the job's credentials."""
    token_response = ctx.input.token_response
    has_impl = any(ctx.auth.method(n) is not None for n in (name, *TOKEN_RESPONSE_METHODS))
    if token_response is None and not has_impl:
        raise InvalidInput(f"{name} is not implemented; its default needs input.tokenResponse")
    return await _credentials_from_token_response(ctx, dict(token_response or {}),
                                                  dict(ctx.input.query_parameters), prefer=name)


async def _credentials_from_token_response(ctx: JobContext, token_response: dict[str, Any],
                                           query: dict[str, Any], prefer: str | None = None) -> dict[str, Any]:
    ctx.secrets = ctx.secrets.with_values(token_values(token_response))
    names = (prefer, *TOKEN_RESPONSE_METHODS) if prefer else TOKEN_RESPONSE_METHODS
    impl = next((i for i in (ctx.auth.method(n) for n in names if n) if i is not None), None)
    if impl is not None:
        context = ctx.context(tokenResponse=token_response, queryParameters=query)
        credentials = _require_object(await ctx.call(impl, context), impl.name)
    elif ctx.auth.type == "oauth1":
        credentials = dict(token_response)
    else:
        credentials = oauth2.credentials_from_token_response(token_response, now_ms())
    return ctx.update_credentials(credentials, merge=False)


async def refresh_oauth2(ctx: JobContext) -> dict[str, Any]:
    """The standard refresh (RFC 6749 §6); the output is the refreshed credentials.

    noRefreshToken: METHOD_NOT_IMPLEMENTED (the connector declares its tokens cannot be refreshed).
    No refresh_token in the input credentials: INVALID_INPUT (what is missing is the caller's).
    """
    credentials = dict(ctx.credentials or {})
    config = await oauth2_config(ctx, None)
    if config.no_refresh_token:
        raise MethodNotImplemented("the connector's OAuth config sets noRefreshToken: its tokens cannot "
                                   "be refreshed; the user must reconnect when they expire")
    refresh_token = credentials.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise InvalidInput("credentials.refresh_token is missing: there is nothing to refresh with")
    response = await send(ctx, oauth2.refresh_request(config, refresh_token))
    token_response = oauth2.parse_token_response(response, "refresh_token")
    ctx.secrets = ctx.secrets.with_values(token_values(token_response))
    return await _apply_refresh_response(ctx, credentials, token_response)


async def get_credentials_from_refresh_token_response(ctx: JobContext) -> dict[str, Any]:
    """The `getCredentialsFromRefreshTokenResponse` method, else the default merge (needs input.tokenResponse)."""
    token_response = ctx.input.token_response
    if token_response is None and ctx.auth.method("getCredentialsFromRefreshTokenResponse") is None:
        raise InvalidInput("getCredentialsFromRefreshTokenResponse is not implemented; "
                           "its default needs input.tokenResponse")
    return await _apply_refresh_response(ctx, dict(ctx.credentials or {}), dict(token_response or {}))


async def _apply_refresh_response(ctx: JobContext, old: dict[str, Any],
                                  token_response: dict[str, Any]) -> dict[str, Any]:
    impl = ctx.auth.method("getCredentialsFromRefreshTokenResponse")
    if impl is not None:
        output = _require_object(
            await ctx.call(impl, ctx.context(tokenResponse=token_response)), impl.name)
        return ctx.update_credentials(output)
    return ctx.update_credentials(oauth2.merge_refreshed(old, token_response, now_ms()), merge=False)


# ---- OAuth1 ----

async def authorize_oauth1(ctx: JobContext) -> dict[str, Any]:
    """`authorize` for oauth1: temporary credentials, then the URI to send the user to.

    Output {authorizeUri, state, oauthToken, oauthTokenSecret}. `state` is the temporary oauth_token:
    the provider echoes it on the redirect, so it binds the redirect as an OAuth2 state does.
    """
    redirect_uri = _required(ctx.input.redirect_uri, "redirectUri")
    config = await oauth1_config(ctx)
    response = await send(ctx, oauth1.temporary_credentials_request(config, redirect_uri))
    temporary = oauth1.parse_credentials_response(response, "temporary credentials")
    ctx.secrets = ctx.secrets.with_values([temporary["oauth_token_secret"]])
    token = temporary["oauth_token"]
    return {"authorizeUri": oauth1.authorize_uri(config, token), "state": token,
            "oauthToken": token, "oauthTokenSecret": temporary["oauth_token_secret"]}


async def connect_oauth1(ctx: JobContext) -> dict[str, Any]:
    """`connect` for oauth1: input {state (or oauthToken), oauthTokenSecret, queryParameters:
    {oauth_token, oauth_verifier}}; exchanges them at tokenUri, builds and tests credentials."""
    query = dict(ctx.input.query_parameters)
    if query.get("denied"):
        raise oauth2.AuthorizationRefused("the provider did not grant access (denied)",
                                          details={"error": "denied"})
    oauth2.raise_for_redirect_error(query)
    extra = ctx.input.extra
    expected = ctx.input.expected_state or ctx.input.state or _optional_text(extra.get("oauthToken"))
    check_state(expected, query.get("oauth_token"), "oauth_token")
    verifier = _required(_optional_text(query.get("oauth_verifier")), "queryParameters.oauth_verifier")
    secret = _required(_optional_text(extra.get("oauthTokenSecret")), "oauthTokenSecret")
    ctx.secrets = ctx.secrets.with_values([secret, verifier])
    config = await oauth1_config(ctx)
    assert expected is not None  # check_state refused a missing one
    request = oauth1.token_credentials_request(config, expected, secret, verifier)
    response = await send(ctx, request)
    token_response = oauth1.parse_credentials_response(response, "token credentials")
    credentials = await _credentials_from_token_response(ctx, token_response, query)
    return await _finish_connect(ctx, credentials)


# ---- integration-app-token, membrane-token, proxy ----

async def connect_workspace_token(ctx: JobContext) -> dict[str, Any]:
    """`connect` for the token types: mint the workspace JWT (see executor.oauth.tokens), then test."""
    return await _finish_connect(ctx, _mint_workspace_token(ctx))


async def refresh_workspace_token(ctx: JobContext) -> dict[str, Any]:
    """The token types' standard refresh: a freshly minted JWT from the same input."""
    return _mint_workspace_token(ctx)


def _mint_workspace_token(ctx: JobContext) -> dict[str, Any]:
    token = tokens.WorkspaceToken.from_input(ctx.input.connector_parameters, ctx.input.connection_parameters)
    ctx.secrets = ctx.secrets.with_values([token.workspace_secret])
    credentials = tokens.token_credentials(ctx.auth.type, token, int(time.time()))
    return ctx.update_credentials(credentials, merge=False)


async def proxy_not_available(ctx: JobContext) -> Any:
    """`connect`/`authorize` for proxy connectors: only the platform holds the proxied connection."""
    raise MethodNotImplemented("proxy connectors authenticate through another connector's connection, "
                               "which only the platform holds: connect and authorize cannot run here")


# ---- shared ----

async def _finish_connect(ctx: JobContext, credentials: dict[str, Any]) -> dict[str, Any]:
    _check_credentials(ctx, credentials)
    await _run_connection_test(ctx)
    return dict(ctx.credentials or {})


def _required(value: str | None, key: str) -> str:
    if not value:
        where = key if key.startswith("queryParameters.") else f"input.{key}"
        raise InvalidInput(f"{where} is required")
    return value


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _require_object(value: Any, method: str) -> dict[str, Any]:
    from executor.jobs.methods import require_object

    return require_object(value, method)


def _check_credentials(ctx: JobContext, credentials: dict[str, Any]) -> None:
    from executor.jobs.methods import check_credentials

    check_credentials(ctx, credentials)


async def _run_connection_test(ctx: JobContext) -> None:
    from executor.jobs.connect import run_connection_test

    await run_connection_test(ctx)


def method_handlers() -> Mapping[str, Any]:
    """OAuth-only method names -> handlers (the `methods` of the OAuth rows of executor.jobs.auth_types)."""
    return {
        "getOAuthConfig": get_oauth_config,
        "getTokenData": get_token_data,
        **{name: _token_response_handler(name) for name in TOKEN_RESPONSE_METHODS},
        "getCredentialsFromRefreshTokenResponse": get_credentials_from_refresh_token_response,
    }


def _token_response_handler(name: str) -> Any:
    async def run(ctx: JobContext) -> dict[str, Any]:
        return await get_credentials_from_token_response(ctx, name)

    run.__name__ = run.__qualname__ = f"run_{name}"
    return run
