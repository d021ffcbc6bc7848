"""The local upstream: `GET /token` answers at once, `GET /sleep?ms=1000` after sleeping (default 1 s);
`GET /stats` says how many /sleep requests it served and the most it had in flight at once
(`?reset=1` starts counting again).

    python -m bench.upstream --port 0        prints "listening on http://127.0.0.1:PORT" on stderr
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import web


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


async def main(port: int) -> None:
    app = web.Application()
    app.router.add_get("/token", token)
    app.router.add_get("/sleep", sleep)
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    # 1000 connections at once: none may wait on a SYN retry because the accept queue was full
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    host, bound = runner.addresses[0][:2]
    print(f"upstream: listening on http://{host}:{bound}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()  # until SIGTERM ends the process


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.upstream")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
