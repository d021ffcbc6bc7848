"""Which destinations a job may reach (docs/contract.md §4): scheme, host name and resolved-address checks."""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

from yarl import URL

from executor.errors import NetworkBlocked, NetworkError
from js_runtime.limits import DEFAULT_LIMITS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ENV_ALLOW_HOSTS = "CONNECTOR_EXECUTOR_ALLOW_HOSTS"

# Names refused before any DNS lookup; everything else is judged by the addresses it resolves to.
_BLOCKED_NAMES = frozenset({"localhost", "metadata.google.internal", "metadata.goog"})
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

_PATH_ENCODE = frozenset(' "#<>?`{}')
_QUERY_ENCODE = frozenset(' "#<>')
_DOT_DOT_SEGMENTS = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})

_CATEGORIES: tuple[tuple[str, Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]], ...] = (
    ("link-local", lambda ip: ip.is_link_local),
    ("shared address space", lambda ip: ip.version == 4 and ip in _SHARED),
    ("unique-local", lambda ip: ip.version == 6 and ip in _UNIQUE_LOCAL),
    ("site-local", lambda ip: ip.version == 6 and ip.is_site_local),
    ("multicast", lambda ip: ip.is_multicast),
    ("reserved", lambda ip: ip.is_reserved),
    ("private", lambda ip: ip.is_private),
)


@dataclass(frozen=True)
class ParsedTarget:
    """A URL that passed `check_url`: `url` has no userinfo or fragment and a canonical IP-literal host."""

    url: URL
    host: str
    port: int
    ip: IPAddress | None

    @property
    def origin(self) -> str:
        """scheme://host:port as connected to: compared across redirects, and all that messages show."""
        host = self.url.raw_host or ""
        return f"{self.url.scheme}://{f'[{host}]' if ':' in host else host}:{self.port}"


@dataclass(frozen=True)
class NetworkPolicy:
    """Allowed schemes, the allow-list of (host as written, port or None) and the redirect cap."""

    allow_hosts: frozenset[tuple[str, int | None]] = frozenset()
    max_redirects: int = DEFAULT_LIMITS.max_redirects
    allowed_schemes: tuple[str, ...] = ("http", "https")

    @classmethod
    def from_strings(cls, hosts: Iterable[str], *, max_redirects: int = DEFAULT_LIMITS.max_redirects) -> NetworkPolicy:
        """A policy allowing `host`, `host:port`, `[v6]` or `[v6]:port` entries."""
        return cls(frozenset(_parse_allow_entry(h) for h in hosts), max_redirects=max_redirects)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, hosts: Iterable[str] = ()) -> NetworkPolicy:
        """`hosts` plus the comma-separated CONNECTOR_EXECUTOR_ALLOW_HOSTS of `environ` (os.environ)."""
        env = os.environ if environ is None else environ
        listed = [h for h in env.get(ENV_ALLOW_HOSTS, "").split(",") if h.strip()]
        return cls.from_strings([*listed, *hosts])

    def with_allowed(self, *hosts: str) -> NetworkPolicy:
        """A copy that also allows `hosts` (same syntax as from_strings)."""
        return replace(self, allow_hosts=self.allow_hosts | NetworkPolicy.from_strings(hosts).allow_hosts)

    def is_allowed(self, host: str, port: int) -> bool:
        """Whether the allow-list names this host (as written, or the same IP literal) and port."""
        keys = _host_keys(host)
        return any((p is None or p == port) and keys & _host_keys(h) for h, p in self.allow_hosts)

    def check_url(self, url: str | URL) -> ParsedTarget:
        """Check scheme, host name and IP-literal host: NetworkBlocked, or NetworkError if malformed."""
        try:
            parsed = url if isinstance(url, URL) else URL(url)
            raw_host = parsed.raw_host
            port = parsed.port
        except (ValueError, TypeError):
            raise NetworkError("invalid URL", details={"errno": "ERR_INVALID_URL"}) from None
        scheme = parsed.scheme.lower()
        if not scheme:
            raise NetworkError("invalid URL: not absolute", details={"errno": "ERR_INVALID_URL"})
        if scheme not in self.allowed_schemes:
            shown = f"{scheme!r} " if scheme.isalnum() else ""
            raise NetworkBlocked(f"blocked request: the {shown}scheme is not allowed "
                                 f"(only {', '.join(self.allowed_schemes)})")
        if not raw_host or port is None:
            raise NetworkError("invalid URL: no host", details={"errno": "ERR_INVALID_URL"})
        host = _normalize_host(raw_host)
        ip = _ip_literal(host, parsed.host or host)
        if ip is not None:
            self.check_address(host, port, ip)
        elif _is_blocked_name(host) and not self.is_allowed(host, port):
            raise NetworkBlocked(f"blocked request to {host}:{port}: the name is reserved for local or "
                                 f"metadata services; allow it with --allow-host {host}:{port}",
                                 details={"host": host, "port": port, "reason": "local name"})
        # An IP literal is connected to exactly as checked, spelled canonically as WHATWG URL (Node) does.
        wire_host = raw_host if ip is None else str(ip)
        try:
            wire = _wire_url(scheme, wire_host, parsed.explicit_port, str(url))
        except ValueError:
            raise NetworkError("invalid URL", details={"errno": "ERR_INVALID_URL"}) from None
        return ParsedTarget(wire, host, port, ip)

    def check_address(self, host: str, port: int, ip: IPAddress | str) -> None:
        """Raise NetworkBlocked if `ip` is non-public and `host`:`port` (as written) is not allowed."""
        address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        reason = blocked_reason(address)
        if reason is None or self.is_allowed(host, port):
            return
        shown = f"[{host}]" if ":" in host else host
        raise NetworkBlocked(
            f"blocked request to {shown}:{port}: {address} is a {reason} address; "
            f"allow it with --allow-host {shown}:{port}",
            details={"host": host, "port": port, "address": str(address), "reason": reason},
        )


def blocked_reason(ip: IPAddress) -> str | None:
    """Why `ip` is not reachable by default ("loopback", "private", ...), or None for a public address."""
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if isinstance(ip, ipaddress.IPv6Address):
        direct = _direct_ipv4(ip)
        if direct is not None:
            # The kernel connects to the embedded IPv4 itself, so it alone decides.
            inner = blocked_reason(direct)
            return f"{inner} (IPv4 embedded in IPv6)" if inner else None
        for tunnelled in _tunnel_ipv4s(ip):
            inner = blocked_reason(tunnelled)
            if inner:
                return f"{inner} (IPv4 embedded in IPv6)"
    for reason, test in _CATEGORIES:
        if test(ip):
            return reason
    return None if ip.is_global else "non-public"


def inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """Parse an IPv4 literal as glibc inet_aton (and WHATWG URL) do: `127.1`, `0x7f000001`, `0177.0.0.1`."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    parsed = [_aton_number(p) for p in parts]
    values = [v for v in parsed if v is not None]
    if len(values) != len(parsed):
        return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for i, value in enumerate(head):
        number |= value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def _aton_number(part: str) -> int | None:
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits or any(c not in "0123456789abcdef"[:base] for c in digits.lower()):
        return None
    return int(digits, base)


def _wire_url(scheme: str, host: str, port: int | None, original: str) -> URL:
    """The URL sent: no userinfo or fragment, path and query kept byte-for-byte as WHATWG URL keeps them.

    yarl's own normalization would decode escapes such as %2C, breaking signed URLs.
    """
    parts = urlsplit(original)
    path = _remove_dot_segments(_percent_encode(parts.path.replace("\\", "/") or "/", _PATH_ENCODE))
    return URL.build(scheme=scheme, host=f"[{host}]" if ":" in host else host, port=port, path=path,
                     query_string=_percent_encode(parts.query, _QUERY_ENCODE), encoded=True)


def _percent_encode(text: str, unsafe: frozenset[str]) -> str:
    """Each character outside printable ASCII or in `unsafe` percent-encoded as UTF-8, the rest kept.

    In C where it can be (str.translate over ASCII stretches): a script's 1.5 MiB URLs, 50 at a time,
    held the worker's event loop, and every job on it, for seconds when this went character by
    character in Python."""
    escapes = _ascii_escapes(unsafe)
    if text.isascii():
        return text.translate(escapes)
    parts = _NON_ASCII_RUNS.split(text)  # ASCII stretches at even indexes, non-ASCII runs at odd ones
    return "".join(part.translate(escapes) if i % 2 == 0 else quote(part, safe="") for i, part in enumerate(parts))


_NON_ASCII_RUNS = re.compile("([^\x00-\x7f]+)")


@functools.cache
def _ascii_escapes(unsafe: frozenset[str]) -> dict[int, str]:
    return {i: f"%{i:02X}" for i in range(128) if not "!" <= chr(i) <= "~" or chr(i) in unsafe}


def _remove_dot_segments(path: str) -> str:
    segments = path.split("/")[1:]
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        lowered = segment.lower()
        if lowered in _DOT_DOT_SEGMENTS:
            if out:
                out.pop()
            if last:
                out.append("")
        elif lowered in (".", "%2e"):
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def _ip_literal(host: str, decoded_host: str) -> IPAddress | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(decoded_host)
        except ValueError:
            raise NetworkError("invalid URL: bad IPv6 host", details={"errno": "ERR_INVALID_URL"}) from None
    return inet_aton(host)


def _direct_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _tunnel_ipv4s(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = [ip.sixtofour] if ip.sixtofour is not None else []
    return found + list(ip.teredo or ())


def _normalize_host(host: str) -> str:
    host = host.lower().strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    # A client resolves "name." and "name.." as "name."; judge them as "name".
    return host.rstrip(".")


@functools.lru_cache(maxsize=1024)  # a pure function of the text; checked on every request
def _host_keys(host: str) -> frozenset[str]:
    host = _normalize_host(host)
    try:
        ip = ipaddress.IPv6Address(host.replace("%25", "%")) if ":" in host else inet_aton(host)
    except ValueError:
        ip = None
    return frozenset({host} if ip is None else {host, str(ip)})


def _is_blocked_name(host: str) -> bool:
    return host in _BLOCKED_NAMES or host.endswith(".localhost")


def _parse_allow_entry(text: str) -> tuple[str, int | None]:
    entry = text.strip().lower()
    if entry.count(":") > 1 and not entry.startswith("["):
        entry = f"[{entry}]"
    try:
        if not entry or any(c in entry for c in "/@?#"):
            raise ValueError
        url = URL(f"http://{entry}")
        if not url.raw_host:
            raise ValueError
        return _normalize_host(url.raw_host), url.explicit_port
    except ValueError:
        expected = "HOST, HOST:PORT or [IPv6]:PORT"
        raise ValueError(f"invalid allow-host entry {text!r} (expected {expected})") from None
