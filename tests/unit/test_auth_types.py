"""The auth-type table: one frozen row per declared auth type, read (never filled) by the job layer."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from executor.connector.spec import AUTH_TYPES as DECLARED
from executor.jobs.auth_types import AUTH_TYPES, auth_type
from executor.server.openapi import JOB_METHODS


def test_every_auth_type_the_loader_accepts_has_a_row() -> None:
    assert set(AUTH_TYPES) == set(DECLARED)
    assert all(row.name == name for name, row in AUTH_TYPES.items())


def test_rows_are_frozen_and_their_methods_read_only() -> None:
    row = AUTH_TYPES["oauth2"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.connect = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        row.methods["getOAuthConfig"] = row.methods["getTokenData"]  # type: ignore[index]
    with pytest.raises(TypeError):
        AUTH_TYPES["oauth3"] = row  # type: ignore[index]


def test_only_redirect_types_authorize_and_only_oauth1_signs() -> None:
    assert {n for n, r in AUTH_TYPES.items() if r.authorize is not None} == {"oauth2", "oauth1", "proxy"}
    assert {n for n, r in AUTH_TYPES.items() if r.request_signer is not None} == {"oauth1"}
    assert AUTH_TYPES["client-credentials"].connect is None  # the default: connect with the parameters


def test_an_unknown_type_gets_the_defaults() -> None:
    row = auth_type("no-such-type")
    assert (row.connect, row.authorize, row.standard_refresh, row.request_signer, dict(row.methods)) == (
        None, None, None, None, {})


@pytest.mark.parametrize("first_import", ["executor.server.openapi", "executor.oauth.handlers", "executor.jobs"])
def test_the_openapi_method_enum_does_not_depend_on_import_order(first_import: str) -> None:
    code = (f"import {first_import}\nimport json\nfrom executor.server.openapi import JOB_METHODS\n"
            "print(json.dumps(JOB_METHODS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == list(JOB_METHODS)
    assert {"getOAuthConfig", "getTokenData", "connect", "authorize", "test"} <= set(JOB_METHODS)
