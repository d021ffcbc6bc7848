"""The network policy seen from connector code: fetch and axios, on QuickJS and V8, through the live
transport, against real local servers.

For every alternative spelling of an internal address, a script that catches the rejection still
fails the job with NETWORK_BLOCKED under the default policy and nothing is connected to; with the
host explicitly allowed, the same script reaches the local server. Redirects from an allowed server
to a blocked spelling are refused before any connect.

Names are answered by `TableResolver` (no real DNS). A guard refuses every TCP connect to an address
that is not local before it happens, so even a policy bug could not send traffic off the host; the
one exception, 169.254.169.254 when a test allows it, is rerouted to the local server.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from support.resolvers import TableResolver

from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.limits import Limits

pytestmark = pytest.mark.asyncio

METADATA = "169.254.169.254"
LIMITS = Limits(timeout=5.0)
# Addresses a server bound to 127.0.0.1 does not answer on: when allowed, connects go there instead.
REROUTED = {METADATA, "127.0.0.2", "0.0.0.0"}


@dataclass
class SeenOnV6:
    """A request the [::1] server received (recorded with api_server's, same attribute names)."""

    method: str
    path: str
    headers: dict[str, str]


def _is_local(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or ip.is_unspecified or (mapped is not None and mapped.is_loopback)


@pytest.fixture
async def connects(monkeypatch: pytest.MonkeyPatch, api_server: Any) -> list[str]:
    """Every TCP connect attempted. Non-local ones are refused before connecting, except the metadata
    address, which is sent to the local server instead (so an allowed request can be seen arriving)."""
    loop = asyncio.get_running_loop()
    real = loop.sock_connect
    attempts: list[str] = []

    async def guarded(sock: socket.socket, address: Any) -> None:
        attempts.append(address[0])
        if address[0] in REROUTED:
            await real(sock, ("127.0.0.1", api_server.server.port if address[0] == METADATA else address[1]))
            return
        if not _is_local(address[0]):
            raise ConnectionRefusedError(errno.ECONNREFUSED, "test guard: non-local connect refused")
        await real(sock, address)

    monkeypatch.setattr(loop, "sock_connect", guarded)
    return attempts


@pytest.fixture
async def v6_port(api_server: Any) -> AsyncIterator[int]:
    """A second server on [::1] that records into the same list as api_server."""
    async def dispatch(request: web.Request) -> web.StreamResponse:
        await request.read()
        api_server.received.append(SeenOnV6(request.method, request.path, dict(request.headers)))
        return web.json_response({"reached": True, "host": request.host})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    server = TestServer(app, host="::1")
    await server.start_server()
    assert server.port is not None
    yield server.port
    await server.close()


@pytest.fixture
def resolver() -> TableResolver:
    return TableResolver({"internal.test": ["127.0.0.1"], "metadata.test": [METADATA],
                          "mixed.test": ["93.184.215.14", "127.0.0.1"], "localhost": ["127.0.0.1"],
                          "localhost.": ["127.0.0.1"]})


@pytest.fixture
async def transport_for(resolver: TableResolver) -> AsyncIterator[Callable[..., LiveTransport]]:
    made: list[LiveTransport] = []

    def make(*allow: str) -> LiveTransport:
        made.append(LiveTransport(NetworkPolicy.from_strings(allow), max_response_bytes=1 << 20, resolver=resolver))
        return made[-1]

    yield make
    for transport in made:
        await transport.close()


# (id, host as written in the URL, where the server is: "v4" api_server, "v6" the [::1] one, or
# "metadata" for port 80 rerouted by the guard). `allow` is what --allow-host would be given.
SPELLINGS = [
    ("dotted", "127.0.0.1", "v4"),
    ("decimal", "2130706433", "v4"),
    ("hex", "0x7f000001", "v4"),
    ("hex-dotted", "0x7f.0.0.1", "v4"),
    ("octal", "0177.0.0.1", "v4"),
    ("short", "127.1", "v4"),
    ("other-loopback", "127.0.0.2", "v4-any"),
    ("unspecified", "0.0.0.0", "v4-any"),
    ("zero", "0", "v4-any"),
    ("v6-loopback", "[::1]", "v6"),
    ("v4-mapped-v6", "[::ffff:127.0.0.1]", "v4-mapped"),
    ("v4-mapped-v6-hex", "[::ffff:7f00:1]", "v4-mapped"),
    ("localhost", "localhost", "v4"),
    ("localhost-trailing-dot", "localhost.", "v4"),
    ("name-resolving-to-loopback", "internal.test", "v4"),
    ("name-resolving-to-metadata", "metadata.test", "metadata"),
    ("metadata-ip", METADATA, "metadata"),
]

CLIENTS = {
    "fetch": """module.exports = async () => {
      try { const r = await fetch(URL_, { headers: { 'x-probe': '1' } }); return ['reached', r.status]; }
      catch (e) { return ['caught', String(e.cause && e.cause.code)]; } };""",
    "axios": """const axios = require('axios');
      module.exports = async () => {
        try { const r = await axios.get(URL_, { headers: { 'x-probe': '1' } }); return ['reached', r.status]; }
        catch (e) { return ['caught', String(e.code)]; } };""",
}


def _url(host: str, where: str, port: int, v6_port: int) -> str:
    if where == "metadata":
        return f"http://{host}/latest/meta-data/"
    return f"http://{host}:{v6_port if where == 'v6' else port}/probe"


def _code(result: Any) -> str | None:
    if result.error is None:
        return None
    return result.error.code if result.error is not None else repr(result.error)


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize(("host", "where"), [pytest.param(h, w, id=i) for i, h, w in SPELLINGS])
async def test_blocked_by_default(run_js, api_server, v6_port, connects, transport_for, client, host,  # type: ignore[no-untyped-def]
                                  where) -> None:
    url = _url(host, where, api_server.server.port, v6_port)
    source = CLIENTS[client].replace("URL_", repr(url))
    result = await run_js(source, send=transport_for().send, limits=LIMITS)
    assert _code(result) == "NETWORK_BLOCKED", (result.error, result.output)
    assert "blocked request" in result.error.message
    assert api_server.received == []
    assert connects == []


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize(("host", "where"), [pytest.param(h, w, id=i) for i, h, w in SPELLINGS])
async def test_reaches_the_server_when_allowed(run_js, api_server, v6_port, connects, transport_for, client,  # type: ignore[no-untyped-def]
                                               host, where) -> None:
    api_server.reply("GET", "/probe", json_body={"reached": True})
    api_server.reply("GET", "/latest/meta-data/", json_body={"reached": True})
    url = _url(host, where, api_server.server.port, v6_port)
    source = CLIENTS[client].replace("URL_", repr(url))
    result = await run_js(source, send=transport_for(host).send, limits=LIMITS)
    assert result.error is None, result.error
    assert result.output == ["reached", 200]
    assert [(r.path, r.headers.get("x-probe")) for r in api_server.received] == [
        ("/latest/meta-data/" if where == "metadata" else "/probe", "1")]
    assert all(_is_local(a) or a == METADATA for a in connects) and connects


async def test_one_blocked_address_blocks_the_name(run_js, api_server, connects, transport_for, resolver) -> None:  # type: ignore[no-untyped-def]
    url = f"http://mixed.test:{api_server.server.port}/probe"
    result = await run_js(CLIENTS["fetch"].replace("URL_", repr(url)), send=transport_for().send, limits=LIMITS)
    assert _code(result) == "NETWORK_BLOCKED"
    assert resolver.calls == ["mixed.test"] and connects == [] and api_server.received == []


async def test_allowing_one_spelling_does_not_allow_another_address(run_js, api_server, v6_port, connects,  # type: ignore[no-untyped-def]
                                                                    transport_for) -> None:
    port = api_server.server.port
    transport = transport_for(f"127.0.0.1:{port}")
    for url in (f"http://[::1]:{v6_port}/probe", f"http://127.0.0.2:{port}/probe", f"http://localhost:{port}/probe",
                f"http://2130706433:{port + 1}/probe", "http://internal.test/probe"):
        result = await run_js(CLIENTS["axios"].replace("URL_", repr(url)), send=transport.send, limits=LIMITS)
        assert _code(result) == "NETWORK_BLOCKED", (url, result.error)
    assert api_server.received == [] and connects == []


# ---- redirects from an allowed server to a blocked spelling ------------------------------------

REDIRECT_TARGETS = [
    ("localhost", "http://localhost:{port}/secret"),
    ("localhost-subdomain", "http://app.localhost:{port}/secret"),
    ("v6-loopback", "http://[::1]:{v6}/secret"),
    ("v4-mapped", "http://[::ffff:7f00:1]:{port}/secret"),
    ("decimal-other-port", "http://2130706433:{other}/secret"),
    ("other-loopback", "http://127.0.0.2:{port}/secret"),
    ("unspecified", "http://0.0.0.0:{port}/secret"),
    ("metadata", "http://169.254.169.254/latest/meta-data/"),
    ("name-resolving-to-loopback", "http://internal.test:{port}/secret"),
    ("private", "http://10.0.0.1/secret"),
    ("non-http-scheme", "file:///etc/passwd"),
]


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("target", [pytest.param(t, id=i) for i, t in REDIRECT_TARGETS])
async def test_redirect_to_a_blocked_spelling(run_js, api_server, v6_port, connects, transport_for, client,  # type: ignore[no-untyped-def]
                                              status, target) -> None:
    port = api_server.server.port
    location = target.format(port=port, v6=v6_port, other=port + 1)
    api_server.reply("GET", "/redirect", status=status, headers={"Location": location})
    url = f"http://127.0.0.1:{port}/redirect"
    result = await run_js(CLIENTS[client].replace("URL_", repr(url)), send=transport_for(f"127.0.0.1:{port}").send,
                          limits=LIMITS)
    assert _code(result) == "NETWORK_BLOCKED", (result.error, result.output)
    assert [r.path for r in api_server.received] == ["/redirect"]
    assert set(connects) == {"127.0.0.1"}


async def test_manual_redirect_is_not_followed(run_js, api_server, connects, transport_for) -> None:  # type: ignore[no-untyped-def]
    port = api_server.server.port
    api_server.reply("GET", "/redirect", status=302, headers={"Location": "http://169.254.169.254/"})
    source = f"""module.exports = async () => {{
      const r = await fetch('http://127.0.0.1:{port}/redirect', {{ redirect: 'manual' }});
      const a = await require('axios').get('http://127.0.0.1:{port}/redirect', {{ maxRedirects: 0, validateStatus: null }});
      return [r.status, r.headers.get('location'), a.status] }}"""
    result = await run_js(source, send=transport_for(f"127.0.0.1:{port}").send, limits=LIMITS)
    assert result.output == [302, "http://169.254.169.254/", 302], result.error
    assert set(connects) == {"127.0.0.1"}
