"""A DNS resolver for tests: answers names from a table (nothing else resolves) and records every
lookup, so tests can prove which names were looked up and that no real DNS was used."""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult


class TableResolver(AbstractResolver):
    """Answers from `table` ({name: [ip, ...]}) and records every lookup in `calls`."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.calls: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ResolveResult(hostname=host, host=ip, port=port, proto=0, flags=socket.AI_NUMERICHOST,
                              family=socket.AF_INET6 if ":" in ip else socket.AF_INET)
                for ip in self.table[host]]

    async def close(self) -> None:
        return None
