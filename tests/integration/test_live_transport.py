"""LiveTransport against a real aiohttp server on 127.0.0.1.

Safety net: the `connects` fixture records every TCP connect the client attempts and refuses any
non-loopback one without touching the network, so even a policy bug cannot send traffic off-host.
Names are answered by `TableResolver` (no real DNS).
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from support.resolvers import TableResolver

from executor.errors import NetworkBlocked, NetworkError
from executor.transport import HostRewrite, LiveTransport, NetworkPolicy
from js_runtime.http import HttpRequest, HttpResponse

PUBLIC_LOOKING = "93.184.215.14"  # never contacted: the `connects` guard refuses non-loopback connects



async def _echo(request: web.Request) -> web.Response:
    return web.json_response({
        "method": request.method,
        "path_qs": request.raw_path,
        "host": request.host,
        "headers": [[k, v] for k, v in request.headers.items()],
        "body": (await request.read()).decode("latin-1"),
    })


async def _redirect(request: web.Request) -> web.Response:
    status = int(request.query.get("status", "302"))
    return web.Response(status=status, headers={"Location": request.query["to"]})


async def _chain(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    if n == 0:
        return web.Response(text="done")
    return web.Response(status=302, headers={"Location": f"/chain/{n - 1}"})


async def _bytes(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * int(request.match_info["n"]))


async def _stream(request: web.Request) -> web.StreamResponse:
    """n bytes in chunks of 100, with no Content-Length (chunked transfer encoding)."""
    response = web.StreamResponse()
    await response.prepare(request)
    left = int(request.match_info["n"])
    while left > 0:
        await response.write(b"y" * min(100, left))
        left -= 100
    await response.write_eof()
    return response


async def _gzip(request: web.Request) -> web.Response:
    body = gzip.compress(b"\0" * int(request.match_info["n"]))
    return web.Response(body=body, headers={"Content-Encoding": "gzip"})


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    app.router.add_route("*", "/redirect", _redirect)
    app.router.add_get("/chain/{n}", _chain)
    app.router.add_get("/bytes/{n}", _bytes)
    app.router.add_get("/gzip/{n}", _gzip)
    app.router.add_get("/stream/{n}", _stream)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
def port(server: TestServer) -> int:
    assert server.port is not None
    return server.port


@pytest.fixture
def resolver(port: int) -> TableResolver:
    return TableResolver({"localhost": ["127.0.0.1"], "app.test": ["127.0.0.1"]})


@pytest.fixture
async def make_transport(resolver: TableResolver) -> AsyncIterator[Callable[..., LiveTransport]]:
    made: list[LiveTransport] = []

    def make(*allow: str, max_redirects: int = 10, max_response_bytes: int = 1 << 20) -> LiveTransport:
        policy = NetworkPolicy.from_strings(allow, max_redirects=max_redirects)
        made.append(LiveTransport(policy, max_response_bytes=max_response_bytes, resolver=resolver))
        return made[-1]

    yield make
    for transport in made:
        await transport.close()


def _echoed(response: HttpResponse) -> dict[str, Any]:
    data = json.loads(response.body)
    data["headers"] = {k.lower(): v for k, v in data["headers"]}
    return data


BLOCKED_SPELLINGS = [
    "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "127.0.0.1", "0", "0.0.0.0",
    "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "localhost", "app.localhost",
    "10.0.0.1", "169.254.169.254", "[fd00:ec2::254]", "100.64.0.1", "metadata.google.internal",
]


@pytest.mark.parametrize("spelling", BLOCKED_SPELLINGS)
async def test_blocked_by_default_without_any_connect_or_lookup(
    spelling: str, port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
    resolver: TableResolver,
) -> None:
    transport = make_transport()
    with pytest.raises(NetworkBlocked):
        await transport.send(HttpRequest("GET", f"http://{spelling}:{port}/echo?token=SECRET"))
    assert connects == [] and resolver.calls == []


@pytest.mark.parametrize("spelling", ["127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1"])
async def test_loopback_spelling_allowed_as_written_reaches_local_server(
    spelling: str, port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
) -> None:
    transport = make_transport(f"{spelling}:{port}")
    response = await transport.send(HttpRequest("GET", f"http://{spelling}:{port}/echo?a=1"))
    assert response.status == 200
    assert _echoed(response)["path_qs"] == "/echo?a=1"
    assert response.url == f"http://127.0.0.1:{port}/echo?a=1"
    assert connects == ["127.0.0.1"]


async def test_allow_entry_is_port_specific(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
) -> None:
    with pytest.raises(NetworkBlocked):
        await make_transport(f"127.0.0.1:{port + 1}").send(HttpRequest("GET", f"http://127.0.0.1:{port}/"))
    assert connects == []


async def test_name_resolving_to_private_address_is_blocked_at_connect_time(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str], resolver: TableResolver,
) -> None:
    resolver.table["intranet.test"] = ["10.0.0.1"]
    with pytest.raises(NetworkBlocked, match="10.0.0.1 is a private address"):
        await make_transport().send(HttpRequest("GET", f"http://intranet.test:{port}/"))
    assert resolver.calls == ["intranet.test"] and connects == []


async def test_dns_rebinding_any_blocked_address_refuses_the_lookup(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str], resolver: TableResolver,
) -> None:
    assert ipaddress.ip_address(PUBLIC_LOOKING).is_global
    resolver.table["rebind.test"] = [PUBLIC_LOOKING, "127.0.0.1"]
    with pytest.raises(NetworkBlocked, match="127.0.0.1 is a loopback address"):
        await make_transport().send(HttpRequest("GET", f"http://rebind.test:{port}/echo"))
    assert resolver.calls == ["rebind.test"] and connects == []


async def test_allowed_name_connects_to_the_checked_address(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
) -> None:
    response = await make_transport(f"app.test:{port}").send(HttpRequest("GET", f"http://app.test:{port}/echo"))
    assert _echoed(response)["host"] == f"app.test:{port}"
    assert connects == ["127.0.0.1"]


async def test_allowed_name_may_resolve_anywhere_and_every_attempt_is_recorded(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str], resolver: TableResolver,
) -> None:
    # Also proves the `connects` guard sees the client's connects (127.0.0.2 refuses, 127.0.0.1 answers).
    resolver.table["multi.test"] = ["127.0.0.2", "127.0.0.1"]
    response = await make_transport(f"multi.test:{port}").send(HttpRequest("GET", f"http://multi.test:{port}/echo"))
    assert response.status == 200
    assert connects == ["127.0.0.2", "127.0.0.1"]


@pytest.mark.parametrize("target", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data",
                                    "http://[::ffff:10.0.0.1]/", "http://localhost:{port}/echo",
                                    "file:///etc/passwd"])
async def test_redirect_hop_is_rechecked(
    target: str, port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
    resolver: TableResolver,
) -> None:
    transport = make_transport(f"127.0.0.1:{port}")
    url = f"http://127.0.0.1:{port}/redirect"
    with pytest.raises(NetworkBlocked):
        await transport.send(HttpRequest("GET", f"{url}?to={target.format(port=port)}"))
    assert connects == ["127.0.0.1"] and resolver.calls == []


async def test_redirect_to_name_resolving_to_blocked_address(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str], resolver: TableResolver,
) -> None:
    resolver.table["evil.test"] = ["169.254.169.254"]
    transport = make_transport(f"127.0.0.1:{port}")
    with pytest.raises(NetworkBlocked, match="link-local"):
        await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/redirect?to=http://evil.test/"))
    assert connects == ["127.0.0.1"] and resolver.calls == ["evil.test"]


async def test_redirect_chain_within_and_over_the_limit(
    port: int, make_transport: Callable[..., LiveTransport],
) -> None:
    transport = make_transport(f"127.0.0.1:{port}", max_redirects=3)
    ok = await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/chain/3"))
    assert (ok.status, ok.body, ok.redirected) == (200, b"done", True)
    assert ok.url.endswith("/chain/0") and [u.rsplit("/", 1)[1] for u in ok.history] == ["3", "2", "1"]
    with pytest.raises(NetworkError, match="too many redirects") as info:
        await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/chain/4"))
    assert not isinstance(info.value, NetworkBlocked)
    with pytest.raises(NetworkError, match="too many redirects"):
        await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/chain/2", max_redirects=1))


@pytest.mark.parametrize(
    ("status", "method", "expected_method", "keeps_body"),
    [(303, "POST", "GET", False), (303, "PUT", "GET", False), (302, "POST", "GET", False),
     (301, "POST", "GET", False), (307, "POST", "POST", True), (308, "PUT", "PUT", True)],
)
async def test_redirect_method_and_body(
    status: int, method: str, expected_method: str, keeps_body: bool, port: int,
    make_transport: Callable[..., LiveTransport],
) -> None:
    request = HttpRequest(method, f"http://127.0.0.1:{port}/redirect?status={status}&to=/echo",
                          headers=(("Content-Type", "application/json"),), body=b'{"a":1}')
    echoed = _echoed(await make_transport(f"127.0.0.1:{port}").send(request))
    assert echoed["method"] == expected_method
    assert echoed["body"] == ('{"a":1}' if keeps_body else "")
    assert ("content-type" in echoed["headers"]) is keeps_body


async def test_credentials_dropped_across_origins_only(
    port: int, make_transport: Callable[..., LiveTransport],
) -> None:
    transport = make_transport(f"127.0.0.1:{port}", f"localhost:{port}")
    headers = (("Authorization", "Bearer t0k"), ("Cookie", "sid=1"), ("X-Keep", "yes"))
    same = f"http://127.0.0.1:{port}/redirect?to=/echo"
    kept = _echoed(await transport.send(HttpRequest("GET", same, headers=headers)))["headers"]
    assert (kept["authorization"], kept["cookie"]) == ("Bearer t0k", "sid=1")
    respelled = f"http://127.1:{port}/redirect?to=http://127.0.0.1:{port}/echo"
    kept = _echoed(await transport.send(HttpRequest("GET", respelled, headers=headers)))["headers"]
    assert kept["authorization"] == "Bearer t0k"
    other = f"http://127.0.0.1:{port}/redirect?to=http://localhost:{port}/echo"
    response = await transport.send(HttpRequest("GET", other, headers=headers))
    dropped = _echoed(response)["headers"]
    assert "authorization" not in dropped and "cookie" not in dropped and dropped["x-keep"] == "yes"
    assert response.url == f"http://localhost:{port}/echo"


async def test_follow_redirects_false_returns_the_3xx(
    port: int, make_transport: Callable[..., LiveTransport],
) -> None:
    url = f"http://127.0.0.1:{port}/redirect?status=301&to=http://10.0.0.1/"
    response = await make_transport(f"127.0.0.1:{port}").send(HttpRequest("GET", url, follow_redirects=False))
    assert response.status == 301 and response.header("location") == "http://10.0.0.1/"
    assert not response.redirected


async def test_response_size_cap_counts_decompressed_bytes(
    port: int, make_transport: Callable[..., LiveTransport],
) -> None:
    transport = make_transport(f"127.0.0.1:{port}", max_response_bytes=1000)
    assert len((await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/bytes/1000"))).body) == 1000
    with pytest.raises(NetworkError, match="1000-byte limit") as info:
        await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/bytes/1001"))
    assert info.value.details["errno"] == "ERR_RESPONSE_TOO_LARGE"
    with pytest.raises(NetworkError, match="1000-byte limit"):
        await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/gzip/100000"))
    small = await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/gzip/500"))
    assert small.body == b"\0" * 500 and small.header("content-encoding") == "gzip"
    # Without a declared length the body is counted as it arrives.
    streamed = await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/stream/1000"))
    assert streamed.body == b"y" * 1000 and streamed.header("content-length") is None
    with pytest.raises(NetworkError, match="1000-byte limit"):
        await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/stream/1001"))


async def test_connection_refused_maps_to_econnrefused(make_transport: Callable[..., LiveTransport]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(NetworkError) as info:
        await make_transport(f"127.0.0.1:{closed_port}").send(
            HttpRequest("GET", f"http://127.0.0.1:{closed_port}/x?token=SECRET"))
    assert info.value.details == {"errno": "ECONNREFUSED"}
    assert "SECRET" not in info.value.message and "/x" not in info.value.message


async def test_unknown_name_maps_to_enotfound(
    make_transport: Callable[..., LiveTransport], connects: list[str],
) -> None:
    with pytest.raises(NetworkError) as info:
        await make_transport().send(HttpRequest("GET", "https://nowhere.test/?key=SECRET"))
    assert info.value.details == {"errno": "ENOTFOUND"} and "SECRET" not in info.value.message
    assert connects == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)"])
async def test_non_http_schemes_blocked(
    url: str, port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
) -> None:
    with pytest.raises(NetworkBlocked, match="scheme"):
        await make_transport(f"127.0.0.1:{port}", "127.0.0.1").send(HttpRequest("GET", url))
    assert connects == []


async def test_no_invented_headers_and_userinfo_becomes_basic_auth(
    port: int, make_transport: Callable[..., LiveTransport],
) -> None:
    transport = make_transport(f"127.0.0.1:{port}")
    plain = _echoed(await transport.send(HttpRequest("POST", f"http://127.0.0.1:{port}/echo", body=b"raw")))
    assert "user-agent" not in plain["headers"] and "content-type" not in plain["headers"]
    ua = (("User-Agent", "node"),)
    named = _echoed(await transport.send(HttpRequest("GET", f"http://u:p%40ss@127.0.0.1:{port}/echo", ua)))
    assert named["headers"]["user-agent"] == "node"
    assert named["headers"]["authorization"] == "Basic dTpwQHNz"


async def test_host_rewrite_points_an_origin_at_the_local_server(
    port: int, make_transport: Callable[..., LiveTransport], connects: list[str],
) -> None:
    transport = make_transport(f"127.0.0.1:{port}")
    send = HostRewrite(transport.send, {"https://api.example.com": f"http://127.0.0.1:{port}"})
    response = await send(HttpRequest("GET", "https://api.example.com/redirect?to=/echo%3Fq%3D1"))
    assert _echoed(response)["path_qs"] == "/echo?q=1"
    assert response.url == "https://api.example.com/echo?q=1"
    assert response.history == ("https://api.example.com/redirect?to=/echo%3Fq%3D1",)
    assert connects == ["127.0.0.1"]


async def test_url_escapes_reach_the_server_unchanged(
    port: int, make_transport: Callable[..., LiveTransport],
) -> None:
    url = f"http://127.0.0.1:{port}/echo?sig=a%2Cb%3D&q=x y"
    echoed = _echoed(await make_transport(f"127.0.0.1:{port}").send(HttpRequest("GET", url)))
    assert echoed["path_qs"] == "/echo?sig=a%2Cb%3D&q=x%20y"


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(0.3)
    return web.Response(text="late")


async def test_session_factory_and_timeout_maps_to_etimedout(resolver: TableResolver) -> None:
    app = web.Application()
    app.router.add_get("/slow", _slow)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()

    def factory(connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=0.05))

    policy = NetworkPolicy.from_strings([f"127.0.0.1:{srv.port}"])
    try:
        async with LiveTransport(policy, max_response_bytes=100, session_factory=factory,
                                 resolver=resolver) as transport:
            with pytest.raises(NetworkError) as info:
                await transport.send(HttpRequest("GET", f"http://127.0.0.1:{srv.port}/slow"))
        assert info.value.details == {"errno": "ETIMEDOUT"}
    finally:
        await srv.close()


async def test_context_manager_closes(port: int, resolver: TableResolver) -> None:
    policy = NetworkPolicy.from_strings([f"127.0.0.1:{port}"])
    async with LiveTransport(policy, max_response_bytes=100, resolver=resolver) as transport:
        assert (await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/bytes/3"))).body == b"xxx"
    assert transport._session is None


# ---- a burst of connections to one name: one lookup in flight, every answer checked ----

class _SlowTable(TableResolver):
    """A TableResolver whose lookups take a while, so concurrent ones overlap."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[Any]:
        answer = await super().resolve(host, port, family)
        await asyncio.sleep(0.05)
        return answer


async def test_concurrent_connections_to_one_name_share_one_lookup(port: int, connects: list[str]) -> None:
    slow = _SlowTable({"app.test": ["127.0.0.1"]})
    async with LiveTransport(NetworkPolicy.from_strings([f"app.test:{port}"]), max_response_bytes=1 << 20,
                             resolver=slow) as transport:
        url = f"http://app.test:{port}/echo"
        responses = await asyncio.gather(*(transport.send(HttpRequest("GET", url)) for _ in range(20)))
        assert [r.status for r in responses] == [200] * 20
        assert slow.calls == ["app.test"]
        assert len(connects) == 20  # a connection each, all to the checked address
        # Nothing is cached: a later connection looks the name up again (the keep-alive ones are busy).
        await asyncio.gather(*(transport.send(HttpRequest("GET", url)) for _ in range(21)))
        assert slow.calls.count("app.test") == 2


async def test_a_shared_lookup_is_checked_and_fails_for_every_caller(port: int, connects: list[str]) -> None:
    slow = _SlowTable({"rebind.test": [PUBLIC_LOOKING, "127.0.0.1"]})
    async with LiveTransport(NetworkPolicy(), max_response_bytes=1 << 20, resolver=slow) as transport:
        outcomes = await asyncio.gather(
            *(transport.send(HttpRequest("GET", f"http://{name}.test:{port}/echo")) for name in ("rebind", "rebind", "app")),
            return_exceptions=True)
    assert [type(o) for o in outcomes] == [NetworkBlocked, NetworkBlocked, NetworkError]  # app.test: ENOTFOUND
    assert all("127.0.0.1 is a loopback address" in str(o) for o in outcomes[:2])
    assert slow.calls == ["rebind.test", "app.test"]
    assert connects == []


async def test_a_caller_giving_up_does_not_cancel_the_shared_lookup(port: int, connects: list[str]) -> None:
    slow = _SlowTable({"app.test": ["127.0.0.1"]})
    async with LiveTransport(NetworkPolicy.from_strings([f"app.test:{port}"]), max_response_bytes=1 << 20,
                             resolver=slow) as transport:
        url = f"http://app.test:{port}/echo"
        impatient = asyncio.ensure_future(transport.send(HttpRequest("GET", url)))
        patient = asyncio.ensure_future(transport.send(HttpRequest("GET", url)))
        await asyncio.sleep(0.01)
        impatient.cancel()
        assert (await patient).status == 200
        assert impatient.cancelled()
        assert slow.calls == ["app.test"]


async def test_a_response_declaring_both_a_length_and_chunks_is_refused(
    make_transport: Callable[..., LiveTransport],
) -> None:
    # A short Content-Length is what lets a body be read in one call; a hostile upstream pairing it
    # with a long chunked body must not get that body past the size limit.
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        chunk = b"x" * 5000
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write((b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 20 + b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        transport = make_transport(f"127.0.0.1:{port}", max_response_bytes=1000)
        with pytest.raises(NetworkError) as info:
            await transport.send(HttpRequest("GET", f"http://127.0.0.1:{port}/"))
        assert info.value.details["errno"] == "EPROTO"
    finally:
        server.close()
        await server.wait_closed()
