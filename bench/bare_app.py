"""The front-end floor: a bare aiohttp app that answers the same POST /v1/jobs body with no JS.

It reads and parses the body and answers a job result of the same shape and size as the
service's (the method's output computed in Python): the least any JSON-over-HTTP front-end does.

    python -m bench.bare_app --port 0        prints "listening on http://127.0.0.1:PORT" on stderr
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from aiohttp import web


async def post_job(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    credentials = dict(body["input"]["credentials"])
    output = {"accessToken": credentials["token"].upper()}
    result = {"status": "succeeded", "output": output, "credentials": {**credentials, **output},
              "logs": [], "requests": []}
    return web.json_response(result)


async def main(port: int) -> None:
    app = web.Application()
    app.router.add_post("/v1/jobs", post_job)
    runner = web.AppRunner(app, access_log=None)  # as serve runs it
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    host, bound = runner.addresses[0][:2]
    print(f"bare-app: listening on http://{host}:{bound}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()  # until SIGTERM ends the process


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
