"""Send requests for one origin to another (tests against local servers, staging environments)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import SplitResult, urlsplit, urlunsplit

from js_runtime.http import HttpRequest, HttpResponse, Send

_DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int | None]


def _origin(parts: SplitResult) -> Origin:
    scheme = parts.scheme.lower()
    return scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS.get(scheme)


class HostRewrite:
    """A `Send` that rewrites scheme+host+port of matching origins and maps response URLs back.

    Only the origin changes (string surgery, so path and query escapes are untouched). Redirects are
    followed by the inner transport, so a Location naming the original origin is not rewritten.
    """

    def __init__(self, inner_send: Send, mapping: Mapping[str, str]) -> None:
        self._inner = inner_send
        pairs = [(urlsplit(src), urlsplit(dst)) for src, dst in mapping.items()]
        self._forward = {_origin(src): dst for src, dst in pairs}
        self._back = {_origin(dst): src for src, dst in pairs}

    @staticmethod
    def _map(url: str, table: dict[Origin, SplitResult]) -> str:
        parts = urlsplit(url)
        to = table.get(_origin(parts))
        if to is None:
            return url
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{to.netloc}" if userinfo else to.netloc
        return urlunsplit((to.scheme, netloc, parts.path, parts.query, parts.fragment))

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        """Send `request` with its origin rewritten; the response names the original origin."""
        response = await self._inner(replace(request, url=self._map(request.url, self._forward)))
        return replace(
            response,
            url=self._map(response.url, self._back),
            history=tuple(self._map(u, self._back) for u in response.history),
        )

    send = __call__
