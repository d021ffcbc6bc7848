"""The table of auth types: one frozen AuthType per `auth.type` a connector may declare.

Read by executor.jobs.dispatch (which AuthType a job runs with) and executor.server.openapi (the
method enum). Nothing registers itself: adding an auth type is adding a row here.
May import: executor.jobs.auth_type, executor.oauth.handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from executor.jobs.auth_type import AuthType
from executor.oauth import handlers as oauth

_OAUTH_METHODS = oauth.method_handlers()

AUTH_TYPES: Mapping[str, AuthType] = MappingProxyType({
    "client-credentials": AuthType("client-credentials"),
    "oauth2": AuthType("oauth2", connect=oauth.connect_oauth2, authorize=oauth.authorize_oauth2,
                       standard_refresh=oauth.refresh_oauth2, methods=_OAUTH_METHODS),
    "oauth1": AuthType("oauth1", connect=oauth.connect_oauth1, authorize=oauth.authorize_oauth1,
                       request_signer=oauth.oauth1_request_signer, methods=_OAUTH_METHODS),
    "integration-app-token": AuthType("integration-app-token", connect=oauth.connect_workspace_token,
                                      standard_refresh=oauth.refresh_workspace_token),
    "membrane-token": AuthType("membrane-token", connect=oauth.connect_workspace_token,
                               standard_refresh=oauth.refresh_workspace_token),
    "proxy": AuthType("proxy", connect=oauth.proxy_not_available, authorize=oauth.proxy_not_available),
})


def auth_type(name: str) -> AuthType:
    """The row of `name` (the loader accepts only declared types; an unknown one gets the defaults)."""
    return AUTH_TYPES.get(name) or AuthType(name)


def extra_method_names() -> frozenset[str]:
    """Every method some auth type answers beyond the documented ones."""
    return frozenset(name for row in AUTH_TYPES.values() for name in row.methods)
