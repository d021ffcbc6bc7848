"""OAuth and the other redirect/token auth types, layered as authlib is:

    pkce.py      RFC 7636 verifier and S256 challenge, `state` creation and checking   (pure)
    config.py    getOAuthConfig's output parsed into frozen OAuth2Config / OAuth1Config  (pure)
    oauth2.py    RFC 6749 steps: authorize URI, token requests, token responses,
                 credentials from a token response, merging a refresh                    (pure)
    oauth1.py    RFC 5849 steps: signed temporary/token credential requests, sign_request (pure)
    tokens.py    the workspace JWT of integration-app-token / membrane-token            (pure)
    handlers.py  thin async runners: run the connector's methods (`ctx.call`) and send the
                 requests the pure steps build (`ctx.send`), nothing else

Pure modules build `HttpRequest`s and read `HttpResponse`s and take the time as an argument, so
they are unit-tested without a network. `install()` registers the runners with executor.jobs.
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
    "install",
    "s256_challenge",
    "sign_request",
]


def install() -> None:
    """Fill executor.jobs' registries: AUTHORIZE, CONNECT, OAUTH_METHODS, STANDARD_REFRESH and
    API_CLIENT_SIGNERS.

    Idempotent. Imports executor.jobs lazily: executor.jobs.dispatch calls this at import.
    """
    from executor.jobs import connect as job_flows
    from executor.jobs import methods as job_methods
    from executor.oauth import handlers as flows

    job_flows.AUTHORIZE.update({
        "oauth2": flows.authorize_oauth2,
        "oauth1": flows.authorize_oauth1,
        "proxy": flows.proxy_not_available,
    })
    job_flows.CONNECT.update({
        "oauth2": flows.connect_oauth2,
        "oauth1": flows.connect_oauth1,
        "integration-app-token": flows.connect_workspace_token,
        "membrane-token": flows.connect_workspace_token,
        "proxy": flows.proxy_not_available,
    })
    job_flows.OAUTH_METHODS.update(flows.method_runners())
    job_methods.API_CLIENT_SIGNERS.update({"oauth1": flows.oauth1_request_signer})
    job_methods.STANDARD_REFRESH.update({
        "oauth2": flows.refresh_oauth2,
        "integration-app-token": flows.refresh_workspace_token,
        "membrane-token": flows.refresh_workspace_token,
    })
