"""The `integration-app-token` and `membrane-token` types: a JWT (HS256) signed with the workspace
secret, carrying `iss` (workspace key), `sub` (user id) and `fields` (user fields). No I/O.

Job input (chosen here; the platform's docs name the claims, not where a runner gets them):

    connectorParameters.workspaceKey     -> iss            (required)
    connectorParameters.workspaceSecret  -> the HS256 key  (required, at least 32 bytes)
    connectionParameters.userId          -> sub            (required)
    connectionParameters.userFields      -> fields         (optional object)

Credentials: {token, expires_at (ms epoch), headers: {header name: token}}, the headers being the
ones the platform sends for the type (membrane-token: X-Membrane-Token and the legacy
X-Integration-App-Token; integration-app-token: X-Integration-App-Token only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from executor.errors import InvalidInput
from executor.limits import LIMITS

TOKEN_LIFETIME_SECONDS = LIMITS.workspace_token_lifetime
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key is at least as long as the hash output
HEADERS_BY_TYPE: Mapping[str, tuple[str, ...]] = {
    "membrane-token": ("X-Membrane-Token", "X-Integration-App-Token"),
    "integration-app-token": ("X-Integration-App-Token",),
}


@dataclass(frozen=True)
class WorkspaceToken:
    """What a token is minted from, parsed from the job input."""

    workspace_key: str
    workspace_secret: str
    user_id: str
    user_fields: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_input(cls, connector_parameters: Mapping[str, Any],
                   connection_parameters: Mapping[str, Any]) -> WorkspaceToken:
        """InvalidInput names the missing or mistyped key."""
        secret = _text(connector_parameters, "workspaceSecret", "connectorParameters")
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise InvalidInput(f"connectorParameters.workspaceSecret must be at least {MIN_SECRET_BYTES} "
                               "bytes long (the HS256 minimum)")
        fields = connection_parameters.get("userFields") or {}
        if not isinstance(fields, Mapping):
            raise InvalidInput("connectionParameters.userFields must be an object")
        return cls(workspace_key=_text(connector_parameters, "workspaceKey", "connectorParameters"),
                   workspace_secret=secret,
                   user_id=_text(connection_parameters, "userId", "connectionParameters"),
                   user_fields=dict(fields))


def mint(token: WorkspaceToken, now_s: int, lifetime_s: int = TOKEN_LIFETIME_SECONDS) -> str:
    """The signed JWT: iss, sub, fields, iat and exp."""
    claims = {"iss": token.workspace_key, "sub": token.user_id, "fields": dict(token.user_fields),
              "iat": now_s, "exp": now_s + lifetime_s}
    return jwt.encode(claims, token.workspace_secret, algorithm="HS256")


def token_credentials(auth_type: str, token: WorkspaceToken, now_s: int) -> dict[str, Any]:
    """The credentials of a token-type connection (see the module docstring)."""
    value = mint(token, now_s)
    return {
        "token": value,
        "expires_at": (now_s + TOKEN_LIFETIME_SECONDS) * 1000,
        "headers": {name: value for name in HEADERS_BY_TYPE[auth_type]},
    }


def _text(params: Mapping[str, Any], key: str, where: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{where}.{key} is required (a non-empty string)")
    return value
