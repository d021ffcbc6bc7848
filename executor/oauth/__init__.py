"""OAuth and the other redirect/token auth types, layered as authlib is:

    pkce.py      RFC 7636 verifier and S256 challenge, `state` creation and checking   (pure)
    config.py    getOAuthConfig's output parsed into frozen OAuth2Config / OAuth1Config  (pure)
    oauth2.py    RFC 6749 steps: authorize URI, token requests, token responses,
                 credentials from a token response, merging a refresh                    (pure)
    oauth1.py    RFC 5849 steps: signed temporary/token credential requests, sign_request (pure)
    tokens.py    the workspace JWT of integration-app-token / membrane-token            (pure)
    handlers.py  thin async handlers: run the connector's methods (`ctx.call`) and send the
                 requests the pure steps build (`ctx.send`), nothing else

Pure modules build `HttpRequest`s and read `HttpResponse`s and take the time as an argument, so
they are unit-tested without a network. Nothing registers itself: executor.jobs.auth_types names the
handlers each auth type runs.
May import: executor.errors, executor.secrets, executor.connector, js_runtime.http; handlers.py also
executor.jobs' lower modules (context, methods, connect), never executor.jobs.dispatch.
"""

from __future__ import annotations

from executor.oauth.config import OAuth1Config, OAuth2Config
from executor.oauth.oauth1 import Signing, sign_request
from executor.oauth.pkce import create_code_verifier, create_state, s256_challenge

__all__ = [
    "OAuth1Config",
    "OAuth2Config",
    "Signing",
    "create_code_verifier",
    "create_state",
    "s256_challenge",
    "sign_request",
]

