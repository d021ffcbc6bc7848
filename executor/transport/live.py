"""The real network: aiohttp, with the policy checked on the exact addresses it connects to."""

from __future__ import annotations

import asyncio
import base64
import errno
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from executor.errors import NetworkError
from executor.transport.policy import NetworkPolicy, ParsedTarget
from js_runtime.http import HttpRequest, HttpResponse

SessionFactory = Callable[[aiohttp.BaseConnector], aiohttp.ClientSession]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CROSS_ORIGIN_DROPPED = frozenset({"authorization", "proxy-authorization", "cookie"})
_CERT_CODES = {
    10: "CERT_HAS_EXPIRED",
    18: "DEPTH_ZERO_SELF_SIGNED_CERT",
    19: "SELF_SIGNED_CERT_IN_CHAIN",
    20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    62: "ERR_TLS_CERT_ALTNAME_INVALID",
}


class PolicyResolver(AbstractResolver):
    """Resolves with `inner`, then refuses the lookup if ANY address is blocked for that host and port.

    Nothing is cached, but lookups of the same name that are in flight at the same time are one
    lookup: a burst of jobs calling one API opens a connection each, and aiohttp's ThreadedResolver
    runs every getaddrinfo on the loop's default executor (a handful of threads), so 1000 separate
    lookups of 20 ms would take seconds. Each caller still checks the answer it gets.
    """

    def __init__(self, policy: NetworkPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else aiohttp.ThreadedResolver()
        self._owns_inner = inner is None
        self._in_flight: dict[tuple[str, int, int], asyncio.Future[list[ResolveResult]]] = {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The inner resolver's answer, if every address passes the policy for `host`:`port`."""
        key = (host, port, int(family))
        lookup = self._in_flight.get(key)
        if lookup is None:
            lookup = self._in_flight[key] = asyncio.ensure_future(self._inner.resolve(host, port, family))
            lookup.add_done_callback(lambda done: self._lookup_done(key, done))
        # shield: one caller giving up (its job timed out) does not cancel the others' lookup
        results = [ResolveResult(**result) for result in await asyncio.shield(lookup)]  # copies: one each
        # aiohttp connects only to these results, so checking them here leaves no rebinding window.
        for result in results:
            self._policy.check_address(host, port, result["host"])
        return results

    def _lookup_done(self, key: tuple[str, int, int], lookup: asyncio.Future[list[ResolveResult]]) -> None:
        if self._in_flight.get(key) is lookup:
            del self._in_flight[key]
        if not lookup.cancelled():
            lookup.exception()  # retrieved: a failure every caller gave up on is not "never retrieved"

    async def close(self) -> None:
        """Cancel lookups in flight; close the inner resolver if this one created it."""
        for lookup in list(self._in_flight.values()):
            lookup.cancel()
        self._in_flight.clear()
        if self._owns_inner:
            await self._inner.close()


def _default_session(connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
    # No cookie jar (Node fetch has none) and no proxy from the environment (it would skip the checks).
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)


class LiveTransport:
    """A `Send` over the real network under a NetworkPolicy; use as an async context manager."""

    def __init__(
        self,
        policy: NetworkPolicy,
        *,
        max_response_bytes: int,
        session_factory: SessionFactory | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self._policy = policy
        self._max_response_bytes = max_response_bytes
        self._session_factory = session_factory or _default_session
        self._inner_resolver = resolver
        self._resolver: PolicyResolver | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> LiveTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
        if self._resolver is not None:
            await self._resolver.close()
        self._session = self._resolver = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._resolver = PolicyResolver(self._policy, self._inner_resolver)
            # No DNS cache: every new connection resolves (concurrent ones share one lookup) and is checked again.
            # No connection cap (aiohttp's default is 100): every job waiting on its upstream holds one,
            # and jobs are already bounded per worker and in requests each.
            connector = aiohttp.TCPConnector(resolver=self._resolver, use_dns_cache=False, limit=0)
            self._session = self._session_factory(connector)
        return self._session

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Perform `request`, following redirects with the policy re-checked on every hop."""
        target = self._policy.check_url(request.url)
        session = self._get_session()
        method, body = request.method.upper(), request.body
        headers = _with_userinfo_auth(request.headers, request.url)
        max_hops = min(self._policy.max_redirects, request.max_redirects)
        history: list[str] = []
        while True:
            with _network_errors(target):
                async with session.request(
                    method, target.url, headers=list(headers), data=body, allow_redirects=False,
                    skip_auto_headers=_skipped_auto_headers(headers),
                ) as resp:
                    location = resp.headers.get("Location")
                    if not (request.follow_redirects and location and resp.status in _REDIRECTS):
                        return await self._response(resp, target, history)
                    status = resp.status
            if len(history) >= max_hops:
                raise NetworkError(f"too many redirects (more than {max_hops}) from {target.origin}",
                                   details={"errno": "ERR_FR_TOO_MANY_REDIRECTS"})
            with _network_errors(target):
                next_url = urljoin(str(target.url), location)
            next_target = self._policy.check_url(next_url)
            method, body, headers = _redirected(status, method, body, headers,
                                                cross_origin=next_target.origin != target.origin)
            history.append(str(target.url))
            target = next_target

    async def _response(self, resp: aiohttp.ClientResponse, target: ParsedTarget,
                        history: list[str]) -> HttpResponse:
        limit = self._max_response_bytes
        length = resp.content_length
        if length is not None and length <= limit and not resp.headers.get("Content-Encoding"):
            # Uncompressed with a declared length within the limit: the parser reads exactly that many
            # bytes, so one read is as bounded as the loop below and cheaper.
            body: bytes | bytearray = await resp.read()
        else:
            body = bytearray()
            # Counts decompressed bytes: that is what the script receives (and it stops zip bombs).
            async for chunk in resp.content.iter_any():
                if len(body) + len(chunk) > limit:
                    resp.close()
                    raise NetworkError(f"response body from {target.origin} exceeds the {limit}-byte limit",
                                       details={"errno": "ERR_RESPONSE_TOO_LARGE", "limit": limit})
                body += chunk
        return HttpResponse(
            status=resp.status,
            reason=resp.reason or "",
            headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers),
            body=bytes(body),
            url=str(target.url),
            redirected=bool(history),
            history=tuple(history),
        )


Headers = tuple[tuple[str, str], ...]


def _redirected(status: int, method: str, body: bytes | None, headers: Headers, *,
                cross_origin: bool) -> tuple[str, bytes | None, Headers]:
    """The next hop's method, body and headers, as Node fetch and follow-redirects (axios) build them."""
    if (status in (301, 302) and method == "POST") or (status == 303 and method not in ("GET", "HEAD")):
        method, body = "GET", None
        headers = tuple(h for h in headers if not h[0].lower().startswith("content-"))
    if cross_origin:
        headers = tuple(h for h in headers if h[0].lower() not in _CROSS_ORIGIN_DROPPED)
    return method, body, headers


def _with_userinfo_auth(headers: Headers, url: str) -> Headers:
    """URL credentials become a Basic Authorization header (as axios and curl do), never part of the URL."""
    if "@" not in url:
        return headers  # no userinfo possible
    parsed = URL(url)
    if (parsed.user is None and parsed.password is None) or any(
        k.lower() == "authorization" for k, _ in headers
    ):
        return headers
    token = base64.b64encode(f"{parsed.user or ''}:{parsed.password or ''}".encode()).decode("ascii")
    return (*headers, ("Authorization", f"Basic {token}"))


def _skipped_auto_headers(headers: Headers) -> list[str]:
    # The JS shims decide User-Agent and Content-Type; aiohttp must not invent them.
    present = {k.lower() for k, _ in headers}
    return [h for h in ("User-Agent", "Content-Type") if h.lower() not in present]


@contextmanager
def _network_errors(target: ParsedTarget) -> Iterator[None]:
    """The one place aiohttp/OS failures become NetworkError; messages name only the origin."""
    try:
        yield
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        code = _node_code(exc)
        raise NetworkError(f"request to {target.origin} failed: {code}", details={"errno": code}) from exc


def _node_code(exc: Exception) -> str:
    """The Node.js error code a script would see for `exc`."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "ENOTFOUND"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        verify_code = getattr(exc.certificate_error, "verify_code", None)
        return _CERT_CODES.get(verify_code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE") if isinstance(verify_code, int) \
            else "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return "EPROTO"
    if isinstance(exc, TimeoutError):
        return "ETIMEDOUT"
    if isinstance(exc, aiohttp.InvalidURL):
        return "ERR_INVALID_URL"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return "ECONNRESET"
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno in errno.errorcode:
        return errno.errorcode[exc.errno]
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "ECONNREFUSED"
    if isinstance(exc, aiohttp.ClientResponseError):
        return "EPROTO"
    if isinstance(exc, ValueError):
        return "ERR_INVALID_ARG_VALUE"
    return "ECONNRESET"
