"""Secrets in job results, end to end on both engines: every spelling our shims and Node's APIs give
a secret is redacted from error messages; URLs named like tokens are not secrets; schema hints mark
parameters secret; tokens learned from traffic are redacted."""

from __future__ import annotations

from typing import Any

import pytest

from executor.secrets import REDACTED

KEY = "Sk:live/2024$key (a+b)!~*'"  # the hostile API key, plus characters each encoder treats differently

SPEC = """key: leak-check
name: Leak check
parametersSchema:
  type: object
  properties:
    tenant: {type: string, isSensitive: true}
    tokenUri: {type: string}
auth:
  type: client-credentials
  getCredentialsFromConnectionParameters:
    implementationType: javascript
"""


def files(body: str) -> dict[str, str]:
    code = ("import axios from 'axios';\nexport default async ({ connectionParameters: p, connectorParameters: c }) => {\n"
            + body + "\n};\n")
    return {"spec.yml": SPEC, "auth/get-credentials-from-connection-parameters.js": code}


SPELLING_SCRIPTS = {
    "axios params": "throw new Error(axios.getUri({ url: 'https://x.test/a', params: { key: p.apiKey } }))",
    "encodeURIComponent": "throw new Error('https://x.test/a?key=' + encodeURIComponent(p.apiKey))",
    "URLSearchParams": "throw new Error(new URLSearchParams({ key: p.apiKey }).toString())",
    "URL searchParams": "const u = new URL('https://x.test/a'); u.searchParams.set('key', p.apiKey);"
                        " throw new Error(u.href)",
    "URL parser": "throw new Error(new URL('https://x.test/a?key=' + p.apiKey).href)",
    "JSON": "throw new Error(JSON.stringify({ key: p.apiKey }))",
    "base64": "throw new Error(Buffer.from(p.apiKey).toString('base64'))",
    "btoa Basic": "throw new Error('Basic ' + btoa('user:' + p.apiKey))",
    "fetch URL": "const r = await fetch('http://127.0.0.1:9/x?key=' + encodeURIComponent(p.apiKey));",
}


@pytest.mark.parametrize("name", SPELLING_SCRIPTS)
async def test_no_spelling_of_a_secret_survives_in_the_error(name: str, run_connector: Any) -> None:
    result = await run_connector(files(SPELLING_SCRIPTS[name]), "getCredentialsFromConnectionParameters",
                                 {"connectionParameters": {"apiKey": KEY}})
    assert result.status == "failed"
    message = result.error.message
    assert "Sk" not in message and "live" not in message and "2024" not in message, message
    if name != "fetch URL":  # fetch's own failure message names only the origin
        assert REDACTED in message


async def test_a_token_uri_is_not_redacted_but_its_query_secret_is(run_connector: Any) -> None:
    body = "throw new Error('POST ' + c.tokenUri + ' returned 500')"
    uri = "https://auth.example.com/oauth2/token?client_secret=cs-Query-99"
    result = await run_connector(files(body), "getCredentialsFromConnectionParameters",
                                 {"connectorParameters": {"tokenUri": uri}})
    assert result.error.message == f"POST https://auth.example.com/oauth2/token?client_secret={REDACTED} returned 500"


async def test_a_parameter_marked_is_sensitive_is_redacted(run_connector: Any) -> None:
    result = await run_connector(files("throw new Error('tenant ' + c.tenant + ' unknown')"),
                                 "getCredentialsFromConnectionParameters", {"connectorParameters": {"tenant": "acme-7"}})
    assert result.error.message == f"tenant {REDACTED} unknown"


async def test_tokens_learned_from_a_form_response_are_redacted(run_connector: Any, api_server: Any,
                                                               live_send: Any) -> None:
    api_server.reply("POST", "/token", text="access_token=at-Form-5150&token_type=bearer",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = (f"const r = await fetch('{api_server.base}/token', {{ method: 'POST' }});\n"
            "const t = new URLSearchParams(await r.text()).get('access_token');\n"
            "throw new Error('got ' + t + ' twice: ' + t)")
    result = await run_connector(files(body), "getCredentialsFromConnectionParameters", {})
    assert result.error.message == f"got {REDACTED} twice: {REDACTED}"
