"""#19 item 16, the axios shim and URL behaviours no test watched (each test fails if the behaviour breaks):
the caller's User-Agent and Content-Type are never overridden; user:password in the URL is decoded into
Basic auth; exactly 400 is ERR_BAD_REQUEST (399 and 500 are ERR_BAD_RESPONSE, as in axios 1.x settle.js); an encoded dot-dot segment is
removed and a trailing `/..` keeps its slash, in the JS URL, on the wire and in the network policy."""

from __future__ import annotations

import base64

import pytest
from aiohttp import web

from executor.transport import NetworkPolicy


def reply(status: int):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({}, status=status)
    return handler


async def test_axios_keeps_the_callers_user_agent_and_content_type(run_js, api_server):
    api_server.routes[("POST", "/h")] = reply(200)
    result = await run_js(f"""const axios = require('axios');
      module.exports = async () => {{
        await axios.post('{api_server.base}/h', {{ a: 1 }}, {{ headers: {{ 'User-Agent': 'mine/1', 'Content-Type': 'text/x-mine' }} }});
        await axios.post('{api_server.base}/h', 'k=v', {{ headers: {{ 'user-agent': 'lower/2', 'content-type': 'application/x-custom' }} }});
        await axios.post('{api_server.base}/h', {{ a: 1 }});
        return 1;
      }};""")
    assert result.error is None, result.error
    first, second, default = (r.headers for r in api_server.received)
    assert (first["User-Agent"], first["Content-Type"]) == ("mine/1", "text/x-mine")
    assert (second["User-Agent"], second["Content-Type"]) == ("lower/2", "application/x-custom")
    assert default["User-Agent"].startswith("axios/")
    assert default["Content-Type"] == "application/json"


async def test_axios_decodes_url_userinfo_into_basic_auth(run_js, api_server):
    api_server.routes[("GET", "/a")] = reply(200)
    base = api_server.base.replace("http://", "http://us%40er%3A1:p%C3%A4ss%2Fw%3Ad@")
    result = await run_js(f"""const axios = require('axios');
      module.exports = async () => (await axios.get('{base}/a')).status;""")
    assert result.error is None, result.error
    sent = api_server.received[0].headers["Authorization"]
    assert sent.startswith("Basic ")
    assert base64.b64decode(sent[6:]).decode("utf-8") == "us@er:1:päss/w:d"


@pytest.mark.parametrize(("status", "code"), [(399, "ERR_BAD_RESPONSE"), (400, "ERR_BAD_REQUEST"), (499, "ERR_BAD_REQUEST"),
                                              (500, "ERR_BAD_RESPONSE")])
async def test_axios_error_code_by_status(run_js, api_server, status, code):
    api_server.routes[("GET", "/s")] = reply(status)
    result = await run_js(f"""const axios = require('axios');
      module.exports = async () => {{ try {{ return ['ok', (await axios.get('{api_server.base}/s', {{ maxRedirects: 0 }})).status]; }}
        catch (e) {{ return [e.code, e.response.status]; }} }};""")
    assert result.error is None, result.error
    assert result.output == (["ok", status] if code is None else [code, status])


PATHS = [("/a/b/%2e%2E/c", "/a/c"), ("/a/b/.%2E/c", "/a/c"), ("/a/b/%2E./c", "/a/c"), ("/a/b/c/..", "/a/b/"),
         ("/a/b/c/%2e%2e", "/a/b/"), ("/a/./b/.", "/a/b/"), ("/a/%2e/b", "/a/b")]


@pytest.mark.parametrize(("written", "normalised"), PATHS)
async def test_dot_segments_in_js_urls_and_on_the_wire(run_js, api_server, written, normalised):
    api_server.routes[("GET", normalised)] = reply(200)
    result = await run_js(f"""const axios = require('axios');
      module.exports = async () => [new URL('{api_server.base}{written}').pathname,
        (await fetch('{api_server.base}{written}')).status, (await axios.get('{api_server.base}{written}')).status];""")
    assert result.error is None, result.error
    assert result.output == [normalised, 200, 200]
    assert [r.path for r in api_server.received] == [normalised, normalised]


@pytest.mark.parametrize(("written", "normalised"), PATHS)
def test_dot_segments_in_the_network_policy(written, normalised):
    target = NetworkPolicy.from_strings(["127.0.0.1"]).check_url(f"http://127.0.0.1:8080{written}")
    assert target.url.raw_path == normalised
