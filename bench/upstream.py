"""The local upstream: `GET /token` answers at once, `GET /sleep?ms=1000` after sleeping (default 1 s);
`GET /stats` says how many /sleep requests it served and the most it had in flight at once
(`?reset=1` starts counting again).

    python -m bench.upstream --port 0        prints "listening on http://127.0.0.1:PORT" on stderr
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bench.common import serve_app


async def token(_request: web.Request) -> web.Response:
    return web.json_response({"token": "up"})


STATS = {"in_flight": 0, "peak_in_flight": 0, "served": 0}


async def sleep(request: web.Request) -> web.Response:
    STATS["in_flight"] += 1
    STATS["peak_in_flight"] = max(STATS["peak_in_flight"], STATS["in_flight"])
    try:
        await asyncio.sleep(int(request.query.get("ms", "1000")) / 1000)
    finally:
        STATS["in_flight"] -= 1
    STATS["served"] += 1
    return web.json_response({"token": "slept"})


async def stats(request: web.Request) -> web.Response:
    answer = web.json_response(dict(STATS))
    if request.query.get("reset"):
        STATS.update(peak_in_flight=STATS["in_flight"], served=0)
    return answer


def app() -> web.Application:
    application = web.Application()
    application.router.add_get("/token", token)
    application.router.add_get("/sleep", sleep)
    application.router.add_get("/stats", stats)
    return application


if __name__ == "__main__":
    # 1000 connections at once: none may wait on a SYN retry because the accept queue was full
    serve_app("bench.upstream", app(), backlog=4096)
