"""Send requests for one origin to another (tests against local servers, staging environments)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from yarl import URL

from js_runtime.http import HttpRequest, HttpResponse, Send


def _origin(url: URL) -> tuple[str, str, int | None]:
    return url.scheme.lower(), (url.host or "").lower(), url.port


class HostRewrite:
    """A `Send` that rewrites scheme+host+port of matching origins and maps response URLs back.

    Redirects are followed by the inner transport, so a Location naming the original origin is
    not rewritten.
    """

    def __init__(self, inner_send: Send, mapping: Mapping[str, str]) -> None:
        self._inner = inner_send
        pairs = [(URL(src), URL(dst)) for src, dst in mapping.items()]
        self._forward = {_origin(src): dst for src, dst in pairs}
        self._back = {_origin(dst): src for src, dst in pairs}

    def _map(self, url: str, table: dict[tuple[str, str, int | None], URL]) -> str:
        parsed = URL(url)
        to = table.get(_origin(parsed))
        if to is None:
            return url
        return str(parsed.with_scheme(to.scheme).with_host(to.raw_host or "").with_port(to.port))

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        """Send `request` with its origin rewritten; the response names the original origin."""
        response = await self._inner(replace(request, url=self._map(request.url, self._forward)))
        return replace(
            response,
            url=self._map(response.url, self._back),
            history=tuple(self._map(u, self._back) for u in response.history),
        )

    send = __call__
