"""The front-end floor: a bare aiohttp app that answers the same POST /v1/jobs body with no JS.

It reads and parses the body and answers a job result of the same shape and size as the
service's (the method's output computed in Python): the least any JSON-over-HTTP front-end does.

    python -m bench.bare_app --port 0        prints "listening on http://127.0.0.1:PORT" on stderr
"""

from __future__ import annotations

import json

from aiohttp import web

from bench.common import serve_app


async def post_job(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    credentials = dict(body["input"]["credentials"])
    output = {"accessToken": credentials["token"].upper()}
    result = {"status": "succeeded", "output": output, "credentials": {**credentials, **output},
              "logs": [], "requests": []}
    return web.json_response(result)


def app() -> web.Application:
    application = web.Application()
    application.router.add_post("/v1/jobs", post_job)
    return application


if __name__ == "__main__":
    serve_app("bench.bare_app", app())
