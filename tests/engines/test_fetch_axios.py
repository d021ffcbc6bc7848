"""fetch and axios inside the engines, against a real local server, on QuickJS and V8.

Each case is a small module run through the real runtime. It asserts what the server received and
what the script observed. The expected values are literals taken from Node 20's fetch and axios
1.21.1 running the same source against a local server with the same routes.
`BASE` in a source is the local server's URL and `CLOSED` a URL whose port refuses connections;
`PORT` in an expected value stands for that port.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import brotli
import pytest
from aiohttp import web
from support.docs_examples import example, needs_docs

from executor.errors import NetworkError
from executor.jobs.api_client import api_client_object
from js_runtime.http import HttpRequest, HttpResponse

pytestmark = pytest.mark.asyncio

Send = Callable[[HttpRequest], Awaitable[HttpResponse]]

JSON_TYPE = "application/json; charset=utf-8"
AXIOS_ACCEPT = "application/json, text/plain, */*"
AXIOS_UA = "axios/1.21.1"
AXIOS_ENCODING = "gzip, compress, deflate, br"
NODE_FETCH_HEADERS = {"accept": "*/*", "accept-language": "*", "sec-fetch-mode": "cors",
                      "user-agent": "node", "accept-encoding": "gzip, deflate"}
AXIOS_HEADERS = {"accept": AXIOS_ACCEPT, "user-agent": AXIOS_UA, "accept-encoding": AXIOS_ENCODING}


@dataclass(frozen=True)
class Route:
    """One reply of the local server; `json` wins over `text`; `headers` may repeat a name."""

    method: str
    path: str
    status: int = 200
    json: Any = None
    text: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    raw: bytes = b""                  # a binary body
    raw_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Sent:
    """What the server must have received last: `headers` is a subset (None: must be absent)."""

    method: str
    raw: str
    headers: dict[str, str | None] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    output: Any = None
    error: str | None = None          # the job's error code when the method rejects
    message: str | None = None        # ... and its message
    sent: Sent | None = None
    requests: int | None = None       # how many requests the server saw
    routes: tuple[Route, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)


def _esm(body: str) -> str:
    return "import axios from 'axios'\nexport default async function (ctx) {\n" + body + "\n}\n"


JSON_ROUTE = Route("GET", "/items", json={"id": 1})

FETCH_CASES = [
    Case("fetch_get_default_headers", _esm("""
  const res = await fetch('BASE/items?x=1')
  return { status: res.status, ok: res.ok, statusText: res.statusText, type: res.headers.get('Content-Type'),
    data: await res.json(), sameUrl: res.url === 'BASE/items?x=1', redirected: res.redirected,
    bodyUsed: res.bodyUsed }"""),
         output={"status": 200, "ok": True, "statusText": "OK", "type": JSON_TYPE, "data": {"id": 1},
                 "sameUrl": True, "redirected": False, "bodyUsed": True},
         sent=Sent("GET", "/items?x=1", NODE_FETCH_HEADERS), routes=(JSON_ROUTE,)),
    Case("fetch_post_string", _esm("""
  const res = await fetch('BASE/echo', { method: 'post', body: 'hello' })
  return await res.text()"""),
         output="done", routes=(Route("POST", "/echo", text="done"),),
         sent=Sent("POST", "/echo", {"content-type": "text/plain;charset=UTF-8", **NODE_FETCH_HEADERS}, b"hello")),
    Case("fetch_post_urlsearchparams", _esm("""
  const res = await fetch('BASE/echo', { method: 'POST', body: new URLSearchParams({ a: '1 2', b: 'é&' }) })
  return res.status"""),
         output=200, routes=(Route("POST", "/echo"),),
         sent=Sent("POST", "/echo", {"content-type": "application/x-www-form-urlencoded;charset=UTF-8"},
                   b"a=1+2&b=%C3%A9%26")),
    Case("fetch_put_plain_object_is_stringified", _esm("""
  const res = await fetch('BASE/echo', { method: 'PUT', body: { a: 1 } })
  return res.status"""),
         output=200, routes=(Route("PUT", "/echo"),),
         sent=Sent("PUT", "/echo", {"content-type": "text/plain;charset=UTF-8"}, b"[object Object]")),
    Case("fetch_post_bytes_has_no_content_type", _esm("""
  await fetch('BASE/echo', { method: 'POST', body: new Uint8Array([120, 121, 122]).subarray(1) })
  const res = await fetch('BASE/echo', { method: 'POST', body: new Uint8Array([0, 255, 120]).buffer })
  return res.status"""),
         output=200, requests=2, routes=(Route("POST", "/echo"),),
         sent=Sent("POST", "/echo", {"content-type": None}, b"\x00\xffx")),
    Case("fetch_method_names_and_user_headers", _esm("""
  const methods = ['patch', 'delete', 'get', 'Options', 'custom']
    .map((m) => new Request('BASE/', { method: m }).method)
  const headers = { 'X-A': ' 1 ', Accept: 'text/html', 'User-Agent': 'me' }
  const res = await fetch('BASE/items', { method: 'delete', headers })
  return { methods, status: res.status }"""),
         output={"methods": ["patch", "DELETE", "GET", "OPTIONS", "custom"], "status": 204},
         routes=(Route("DELETE", "/items", status=204),),
         sent=Sent("DELETE", "/items", {"x-a": "1", "accept": "text/html", "user-agent": "me",
                                        "accept-language": "*", "sec-fetch-mode": "cors"})),
    Case("fetch_non_2xx_resolves", _esm("""
  const res = await fetch('BASE/missing')
  return { ok: res.ok, status: res.status, statusText: res.statusText, body: await res.json() }"""),
         output={"ok": False, "status": 404, "statusText": "Not Found", "body": {"error": "nope"}},
         routes=(Route("GET", "/missing", status=404, json={"error": "nope"}),)),
    Case("fetch_response_headers", _esm("""
  const res = await fetch('BASE/multi')
  const names = []
  res.headers.forEach((v, k) => { if (k.startsWith('x-') || k === 'set-cookie') names.push(k + '=' + v) })
  return { multi: res.headers.get('X-Multi'), cookie: res.headers.get('set-cookie'),
    cookies: res.headers.getSetCookie(), has: res.headers.has('x-multi'), missing: res.headers.get('x-missing'),
    names, text: await res.text() }"""),
         output={"multi": "a, b", "cookie": "c=1, d=2", "cookies": ["c=1", "d=2"], "has": True, "missing": None,
                 "names": ["set-cookie=c=1", "set-cookie=d=2", "x-multi=a, b"], "text": "not json {"},
         routes=(Route("GET", "/multi", text="not json {",
                       headers=(("X-Multi", "a"), ("X-Multi", "b"), ("Set-Cookie", "c=1"), ("Set-Cookie", "d=2"))),)),
    Case("fetch_headers_class", _esm("""
  const h = new Headers([['B', '1'], ['a', ' 2 ']])
  h.append('b', '3')
  let invalid
  try { h.set('bad name', 'x') } catch (e) { invalid = e.name + ': ' + e.message }
  const copy = new Headers(h)
  copy.delete('A')
  return { b: h.get('b'), a: h.get('A'), zz: h.get('zz'), keys: [...h.keys()], values: [...h.values()],
    entries: Object.fromEntries(h), own: Object.keys(h), invalid, copy: [...copy], str: String(h) }"""),
         output={"b": "1, 3", "a": "2", "zz": None, "keys": ["a", "b"], "values": ["2", "1, 3"],
                 "entries": {"a": "2", "b": "1, 3"}, "own": [],
                 "invalid": 'TypeError: Headers.set: "bad name" is an invalid header name.',
                 "copy": [["b", "1, 3"]], "str": "[object Headers]"}),
    Case("fetch_body_used_twice_and_clone", _esm("""
  const res = await fetch('BASE/num')
  const copy = res.clone()
  const first = await res.text()
  let second
  try { await res.json() } catch (e) { second = [e.name, e.message, e instanceof TypeError] }
  let cloneErr
  try { res.clone() } catch (e) { cloneErr = e.message }
  const bytes = new Uint8Array(await copy.arrayBuffer())
  return { first, second, cloneErr, bodyUsed: res.bodyUsed, bytes: Array.from(bytes) }"""),
         output={"first": "42", "second": ["TypeError", "Body is unusable: Body has already been read", True],
                 "cloneErr": "Response.clone: Body has already been consumed.", "bodyUsed": True,
                 "bytes": [52, 50]},
         routes=(Route("GET", "/num", text="42"),)),
    Case("fetch_response_constructor", _esm("""
  const a = new Response('hi', { status: 201, headers: { 'X-A': '1' } })
  const b = Response.json({ a: 1 }, { status: 202 })
  let range
  try { new Response('x', { status: 99 }) } catch (e) { range = e.name + ': ' + e.message }
  return { a: [a.status, a.ok, a.statusText, a.url, a.type, a.headers.get('content-type'), await a.text()],
    b: [b.status, b.headers.get('content-type'), await b.json()], range, empty: await new Response(null).text() }"""),
         output={"a": [201, True, "", "", "default", "text/plain;charset=UTF-8", "hi"],
                 "b": [202, "application/json", {"a": 1}],
                 "range": 'RangeError: init["status"] must be in the range of 200 to 599, inclusive.', "empty": ""}),
    Case("fetch_redirect_follow", _esm("""
  const res = await fetch('BASE/old')
  return { status: res.status, redirected: res.redirected, final: res.url === 'BASE/items',
    data: await res.json() }"""),
         output={"status": 200, "redirected": True, "final": True, "data": {"id": 1}}, requests=2,
         routes=(Route("GET", "/old", status=302, headers=(("Location", "/items"),)), JSON_ROUTE),
         sent=Sent("GET", "/items")),
    Case("fetch_redirect_manual_and_error", _esm("""
  const res = await fetch('BASE/old', { redirect: 'manual' })
  let error
  try { await fetch('BASE/old', { redirect: 'error' }) } catch (e) { error = [e.name, e.message, e.cause.message] }
  return { status: res.status, location: res.headers.get('location'), redirected: res.redirected,
    same: res.url === 'BASE/old', error }"""),
         output={"status": 302, "location": "/items", "redirected": False, "same": True,
                 "error": ["TypeError", "fetch failed", "unexpected redirect"]}, requests=2,
         routes=(Route("GET", "/old", status=302, headers=(("Location", "/items"),)),),
         sent=Sent("GET", "/old")),
    Case("fetch_abort", _esm("""
  const pre = new AbortController()
  pre.abort()
  const seen = []
  for (const signal of [pre.signal, AbortSignal.timeout(50)]) {
    try { await fetch('BASE/slow', { signal }) } catch (e) { seen.push([e.name, e.message, e.code]) }
  }
  const late = new AbortController()
  setTimeout(() => late.abort('why'), 20)
  try { await fetch('BASE/slow', { signal: late.signal }) } catch (e) { seen.push(e) }
  return { seen, aborted: pre.signal.aborted, reason: late.signal.reason }"""),
         output={"seen": [["AbortError", "This operation was aborted", 20],
                          ["TimeoutError", "The operation was aborted due to timeout", 23], "why"],
                 "aborted": True, "reason": "why"},
         routes=(Route("GET", "/slow", text="late", delay=0.3),)),
    Case("fetch_request_input_and_any_signal", _esm("""
  const req = new Request('BASE/echo', { method: 'POST', body: 'from request', headers: { 'X-R': '1' } })
  const res = await fetch(req, { signal: AbortSignal.any([new AbortController().signal]) })
  const gone = AbortSignal.any([AbortSignal.abort('first'), AbortSignal.abort('second')])
  return [res.status, req.method, req.url === 'BASE/echo', gone.aborted, gone.reason]"""),
         output=[200, "POST", True, True, "first"], routes=(Route("POST", "/echo"),),
         sent=Sent("POST", "/echo", {"x-r": "1", "content-type": "text/plain;charset=UTF-8"}, b"from request")),
    # Checked against Node 20: a body that is not JSON rejects with SyntaxError, and a read body cannot be read again.
    Case("response_json_errors", _esm("""
  const r = new Response('{bad')
  let e1; try { await r.json() } catch (e) { e1 = [e.name, e.constructor === SyntaxError] }
  let e2; try { await r.json() } catch (e) { e2 = [e.name, e.message] }
  return [e1, e2, r.bodyUsed]"""),
         output=[["SyntaxError", True], ["TypeError", "Body is unusable: Body has already been read"], True],
         requests=0),
    Case("request_signal_is_there_when_read", _esm("""
  const r = new Request('BASE/echo')
  const s = r.signal
  return [s instanceof AbortSignal, s.aborted, r.signal === s, new Request(r).signal.aborted,
    typeof r.clone().signal.addEventListener, (await fetch(r)).status]"""),
         output=[True, False, True, False, "function", 200], routes=(Route("GET", "/echo"),)),
    # fetch parses its URL with the shims' own parser: a script's replacement of the URL global is its own.
    Case("fetch_does_not_use_a_replaced_url_global", _esm("""
  globalThis.URL = class { constructor() { throw new Error('replaced') } }
  const res = await fetch('BASE/echo?q=1')
  let bad
  try { await fetch('http://exa mple.test/') } catch (e) { bad = [e.name, e.message, e.cause.code] }
  return [res.status, res.url.endsWith('/echo?q=1'), bad]"""),
         output=[200, True, ["TypeError", "Failed to parse URL from http://exa mple.test/", "ERR_INVALID_URL"]],
         routes=(Route("GET", "/echo"),), sent=Sent("GET", "/echo?q=1")),
    Case("binary_responses", _esm("""
  const a = new Uint8Array(await (await fetch('BASE/bin')).arrayBuffer())
  const t = await (await fetch('BASE/bin')).text()
  const b = await axios.get('BASE/bin', { responseType: 'arraybuffer' })
  const s = await axios.get('BASE/bin')
  return { fetchBytes: Array.from(a), fetchText: t, axiosBytes: Array.from(b.data), axiosText: s.data }"""),
         output={"fetchBytes": [0, 255, 16, 104], "fetchText": "\u0000\ufffd\u0010h",
                 "axiosBytes": [0, 255, 16, 104], "axiosText": "\u0000\ufffd\u0010h"}, requests=4,
         routes=(Route("GET", "/bin", raw=b"\x00\xff\x10h"),)),
    Case("fetch_network_error_caught", _esm("""
  try { await fetch('CLOSED/x') } catch (e) {
    return { name: e.name, message: e.message, isTypeError: e instanceof TypeError, keys: Object.keys(e),
      cause: [e.cause.name, e.cause.message, e.cause.code, e.cause.syscall, e.cause.address] }
  }"""),
         output={"name": "TypeError", "message": "fetch failed", "isTypeError": True, "keys": [],
                 "cause": ["Error", "connect ECONNREFUSED 127.0.0.1:PORT", "ECONNREFUSED", "connect", "127.0.0.1"]}),
    Case("fetch_network_error_uncaught", _esm("  await fetch('CLOSED/x')"),
         error="NETWORK_ERROR", message="fetch failed"),
    Case("fetch_bad_url_and_get_body", _esm("""
  const seen = []
  const calls = [() => fetch('/relative'), () => fetch('BASE/x', { body: 'x' }),
    () => fetch('BASE/x', { method: 'TRACE' })]
  for (const call of calls) {
    try { await call() } catch (e) { seen.push(e.name + ': ' + e.message) }
  }
  return seen"""),
         output=["TypeError: Failed to parse URL from /relative",
                 "TypeError: Request with GET/HEAD method cannot have body.",
                 "TypeError: 'TRACE' HTTP method is unsupported."], requests=0),
    Case("compressed_responses_decoded_for_fetch_and_axios", _esm("""
  const r = await axios.get('BASE/br')
  const f = await fetch('BASE/br')
  const g = await axios.get('BASE/gz')
  return { data: r.data, enc: r.headers['content-encoding'] ?? null, fetchText: await f.text(),
    fetchEnc: f.headers.get('content-encoding'), gz: g.data, gzEnc: g.headers['content-encoding'] ?? null }"""),
         # axios drops content-encoding once it has decoded the body; fetch (undici) keeps it
         output={"data": {"b": 1}, "enc": None, "fetchText": '{"b":1}', "fetchEnc": "br", "gz": {"g": 1},
                 "gzEnc": None},
         routes=(Route("GET", "/br", raw=brotli.compress(b'{"b":1}'), headers=(("Content-Encoding", "br"),)),
                 Route("GET", "/gz", raw=gzip.compress(b'{"g":1}'), raw_type="application/json",
                       headers=(("Content-Encoding", "gzip"),)))),
    Case("utf8_bom_dropped_from_response_text", _esm("""
  const text = await (await fetch('BASE/bom')).text()
  const json = await (await fetch('BASE/bom')).json()
  const bytes = new Uint8Array(await (await fetch('BASE/bom')).arrayBuffer()).length
  return { text, json, axios: (await axios.get('BASE/bom')).data, bytes }"""),
         output={"text": '{"a":1}', "json": {"a": 1}, "axios": {"a": 1}, "bytes": 10},
         routes=(Route("GET", "/bom", raw=b'\xef\xbb\xbf{"a":1}', raw_type="application/json"),)),
    Case("fetch_refuses_urls_with_credentials", _esm("""
  try { await fetch('http://user:pw@127.0.0.1:9/x') } catch (e) { return [e.name, e.message] }"""),
         output=["TypeError", "Request cannot be constructed from a URL that includes credentials: "
                 "http://user:pw@127.0.0.1:9/x"], requests=0),
]

PARAMS = """{ a: 'x y', b: [1, 2], c: null, d: undefined, e: new Date(0), f: ":$,+[]@/?#&=é", g: { h: 1, i: [3] },
    t: true, n: 0, emp: '', arr: [null, 5], objs: [{ k: 1 }], 'k[]': [7], s: "!'()*~" }"""

AXIOS_CASES = [
    Case("axios_get_params_serialisation", _esm("""
  const res = await axios.get('BASE/items', { params: PARAMS })
  const uri = axios.getUri({ url: '/p?x=1#h', params: { y: [1, 2] } })
  return { status: res.status, data: res.data, uri }""".replace("PARAMS", PARAMS)),
         output={"status": 200, "data": {"id": 1}, "uri": "/p?x=1&y%5B%5D=1&y%5B%5D=2"},
         routes=(JSON_ROUTE,),
         sent=Sent("GET", "/items?a=x+y&b%5B%5D=1&b%5B%5D=2&e=1970-01-01T00:00:00.000Z"
                          "&f=:$,%2B%5B%5D%40%2F%3F%23%26%3D%C3%A9&g%5Bh%5D=1&g%5Bi%5D%5B0%5D=3&t=true&n=0&emp="
                          "&arr%5B%5D=5&objs%5B0%5D%5Bk%5D=1&k%5B%5D=7&s=!'()*~",
                   {**AXIOS_HEADERS, "content-type": None})),
    Case("axios_params_serializer_options", _esm("""
  const calls = [
    axios.get('BASE/items', { params: { a: [1, 2] }, paramsSerializer: { indexes: null } }),
    axios.get('BASE/items', { params: { a: [1, 2] }, paramsSerializer: { indexes: true } }),
    axios.get('BASE/items', { params: { a: 1 }, paramsSerializer: (p) => 'custom=' + p.a }),
    axios.get('BASE/items?x=1', { params: new URLSearchParams({ q: 'a b', r: ':' }) }),
  ]
  await Promise.all(calls)
  return 'ok'"""),
         output="ok", requests=4, routes=(JSON_ROUTE,), sent=Sent("GET", "/items?x=1&q=a+b&r=%3A")),
    Case("axios_post_json", _esm("""
  const res = await axios.post('BASE/things', { a: 1, nested: { b: [true, null] } })
  return { status: res.status, statusText: res.statusText, data: res.data, type: res.headers['content-type'] }"""),
         output={"status": 201, "statusText": "Created", "data": {"created": True}, "type": JSON_TYPE},
         routes=(Route("POST", "/things", status=201, json={"created": True}),),
         sent=Sent("POST", "/things", {**AXIOS_HEADERS, "content-type": "application/json"},
                   b'{"a":1,"nested":{"b":[true,null]}}')),
    Case("axios_post_string_is_form_urlencoded", _esm("  return (await axios.post('BASE/things', 'a=1&b=2')).status"),
         output=200, routes=(Route("POST", "/things"),),
         sent=Sent("POST", "/things", {"content-type": "application/x-www-form-urlencoded"}, b"a=1&b=2")),
    Case("axios_post_urlsearchparams", _esm(
        "  return (await axios.post('BASE/things', new URLSearchParams({ a: '1 2', b: 'é' }))).status"),
         output=200, routes=(Route("POST", "/things"),),
         sent=Sent("POST", "/things", {"content-type": "application/x-www-form-urlencoded;charset=utf-8"},
                   b"a=1+2&b=%C3%A9")),
    Case("axios_post_bytes", _esm("  return (await axios.put('BASE/things', new Uint8Array([65, 66]))).status"),
         output=200, routes=(Route("PUT", "/things"),),
         sent=Sent("PUT", "/things", {"content-type": "application/x-www-form-urlencoded"}, b"AB")),
    Case("axios_object_as_form_when_asked", _esm("""
  const headers = { 'content-type': 'application/x-www-form-urlencoded' }
  const data = { a: 'x y', b: [1, 2], c: { d: "!'()~*" }, n: null, e: '' }
  return (await axios.patch('BASE/things', data, { headers })).status"""),
         output=200, routes=(Route("PATCH", "/things"),),
         sent=Sent("PATCH", "/things", {"content-type": "application/x-www-form-urlencoded"},
                   b"a=x+y&b%5B%5D=1&b%5B%5D=2&c%5Bd%5D=%21%27%28%29%7E*&e=")),
    Case("axios_string_with_json_type", _esm("""
  const headers = { 'Content-Type': 'application/json' }
  await axios.post('BASE/things', ' {"a":1} ', { headers })
  return (await axios.post('BASE/things', 'not json', { headers })).status"""),
         output=200, requests=2, routes=(Route("POST", "/things"),),
         sent=Sent("POST", "/things", {"content-type": "application/json"}, b'"not json"')),
    Case("axios_methods", _esm("""
  const out = []
  out.push((await axios.delete('BASE/things')).status)
  out.push((await axios.head('BASE/things')).data)
  out.push((await axios.options('BASE/things')).status)
  out.push((await axios({ url: 'BASE/things', method: 'PATCH', data: 'x' })).status)
  out.push((await axios('BASE/things', { method: 'post' })).status)
  return out"""),
         output=[200, "", 200, 200, 200], requests=5,
         routes=tuple(Route(m, "/things", text="t") for m in ("DELETE", "HEAD", "OPTIONS", "PATCH", "POST")),
         sent=Sent("POST", "/things", {"content-type": "application/x-www-form-urlencoded"})),
    Case("axios_base_url_joining", _esm("""
  const api = axios.create({ baseURL: 'BASE/v1/' })
  const out = [(await api.get('/users')).data, (await api.get('users')).data]
  out.push((await axios.get('users', { baseURL: 'BASE/v1//' })).data)
  out.push((await api.get('BASE/items')).data)
  out.push(api.getUri({ url: '//cdn.example/x' }), axios.getUri({ baseURL: 'https://h/v1', url: '' }))
  return out"""),
         output=["u", "u", "u", {"id": 1}, "//cdn.example/x", "https://h/v1"], requests=4,
         routes=(Route("GET", "/v1/users", text="u"), JSON_ROUTE), sent=Sent("GET", "/items")),
    Case("axios_auth_overrides_authorization", _esm("""
  await axios.get('BASE/items', { auth: { username: 'é', password: '' } })
  const auth = { username: 'u', password: 'p' }
  const res = await axios.get('BASE/items', { auth, headers: { Authorization: 'Bearer x' } })
  return [res.config.headers.Authorization, res.status]"""),
         output=[None, 200], requests=2, routes=(JSON_ROUTE,),
         sent=Sent("GET", "/items", {"authorization": "Basic dTpw"})),
    Case("axios_create_defaults_merge", _esm("""
  const headers = { 'X-Inst': '1', common: { 'X-Common': 'c' }, post: { 'X-Post': 'p' } }
  const api = axios.create({ baseURL: 'BASE/v1', headers, params: { k: 'def', o: { a: 1 } }, timeout: 5000 })
  api.defaults.headers.common['X-Later'] = 'L'
  await api.get('/users')
  const res = await api.post('/users', { z: 1 }, { headers: { 'x-inst': '2' }, params: { k: 'call', o: { b: 2 } } })
  return { defaults: Object.keys(api.defaults.headers.common), timeout: res.config.timeout, method: res.config.method,
    sentInst: res.config.headers['X-Inst'], globalCommon: Object.keys(axios.defaults.headers.common) }"""),
         output={"defaults": ["Accept", "Content-Type", "X-Common", "X-Later"], "timeout": 5000, "method": "post",
                 "sentInst": "2", "globalCommon": ["Accept", "Content-Type"]}, requests=2,
         routes=(Route("GET", "/v1/users", text="u"), Route("POST", "/v1/users", text="u")),
         sent=Sent("POST", "/v1/users?k=call&o%5Ba%5D=1&o%5Bb%5D=2",
                   {"x-inst": "2", "x-common": "c", "x-later": "L", "x-post": "p", "content-type": "application/json"},
                   b'{"z":1}')),
    Case("axios_interceptors", _esm("""
  const api = axios.create({ baseURL: 'BASE' })
  const log = []
  api.interceptors.request.use((c) => { log.push('req1'); c.headers['X-One'] = '1'; return c })
  const id = api.interceptors.request.use((c) => { log.push('req2'); c.headers.set('X-Two', '2'); return c })
  api.interceptors.response.use((r) => { log.push('res1'); r.data.tag = 'r1'; return r })
  api.interceptors.response.use((r) => { log.push('res2'); return r },
    (e) => { log.push('res2err'); return Promise.reject(e) })
  const first = (await api.get('/items')).data
  api.interceptors.request.eject(id)
  try { await api.get('/missing') } catch (e) { log.push(e.response.status) }
  return { first, log, id }"""),
         output={"first": {"id": 1, "tag": "r1"}, "log": ["req2", "req1", "res1", "res2", "req1", "res2err", 404],
                 "id": 1}, requests=2,
         routes=(JSON_ROUTE, Route("GET", "/missing", status=404, json={"error": "nope"})),
         sent=Sent("GET", "/missing", {"x-one": "1", "x-two": None})),
    Case("axios_4xx_rejection_shape", _esm("""
  try { await axios.get('BASE/missing') } catch (e) {
    const j = e.toJSON()
    return { name: e.name, message: e.message, code: e.code, status: e.status, isAxiosError: e.isAxiosError,
      keys: Object.keys(e), resKeys: Object.keys(e.response), resStatus: e.response.status,
      statusText: e.response.statusText, data: e.response.data, type: e.response.headers['content-type'],
      instance: [e instanceof axios.AxiosError, e instanceof Error, axios.isAxiosError(e)], str: String(e),
      json: [j.message, j.name, j.code, j.status, j.config.method, j.config.headers] }
  }"""),
         output={"name": "AxiosError", "message": "Request failed with status code 404", "code": "ERR_BAD_REQUEST",
                 "status": 404, "isAxiosError": True,
                 "keys": ["message", "name", "isAxiosError", "code", "config", "request", "response", "status"],
                 "resKeys": ["status", "statusText", "headers", "config", "request", "data", "duration"],
                 "resStatus": 404,
                 "statusText": "Not Found", "data": {"error": "nope"}, "type": JSON_TYPE,
                 "instance": [True, True, True], "str": "AxiosError: Request failed with status code 404",
                 "json": ["Request failed with status code 404", "AxiosError", "ERR_BAD_REQUEST", 404, "get",
                          {"Accept": AXIOS_ACCEPT, "User-Agent": AXIOS_UA, "Accept-Encoding": AXIOS_ENCODING}]},
         routes=(Route("GET", "/missing", status=404, json={"error": "nope"}),)),
    Case("axios_5xx_rejection", _esm("""
  try { await axios.post('BASE/boom', {}) } catch (e) {
    return [e.message, e.code, e.response.status, e.response.data, e.response.statusText]
  }"""),
         output=["Request failed with status code 500", "ERR_BAD_RESPONSE", 500, "boom", "Internal Server Error"],
         routes=(Route("POST", "/boom", status=500, text="boom"),)),
    Case("axios_uncaught_4xx_is_script_error", _esm("  await axios.get('BASE/missing')"),
         error="SCRIPT_ERROR", message="Request failed with status code 404",
         routes=(Route("GET", "/missing", status=404, json={"error": "nope"}),)),
    Case("axios_validate_status", _esm("""
  const a = await axios.get('BASE/missing', { validateStatus: () => true })
  const b = await axios.get('BASE/missing', { validateStatus: null })
  return [a.status, a.data, b.status]"""),
         output=[404, {"error": "nope"}, 404], requests=2,
         routes=(Route("GET", "/missing", status=404, json={"error": "nope"}),)),
    Case("axios_redirects", _esm("""
  const followed = await axios.get('BASE/old')
  let stopped
  try { await axios.get('BASE/old', { maxRedirects: 0 }) } catch (e) {
    stopped = [e.message, e.code, e.response.status, e.response.headers.location]
  }
  return { data: followed.data, final: followed.request.res.responseUrl === 'BASE/items', stopped }"""),
         output={"data": {"id": 1}, "final": True,
                 "stopped": ["Request failed with status code 302", "ERR_BAD_RESPONSE", 302, "/items"]},
         requests=3, routes=(Route("GET", "/old", status=302, headers=(("Location", "/items"),)), JSON_ROUTE),
         sent=Sent("GET", "/old")),
    Case("axios_timeout_and_signal", _esm("""
  const seen = []
  try { await axios.get('BASE/slow', { timeout: 50 }) } catch (e) {
    seen.push([e.name, e.message, e.code, e.isAxiosError, e.response])
  }
  const ctl = new AbortController()
  setTimeout(() => ctl.abort(), 20)
  try { await axios.get('BASE/slow', { signal: ctl.signal }) } catch (e) {
    seen.push([e.name, e.message, e.code, axios.isCancel(e), e instanceof axios.CanceledError,
      e instanceof axios.AxiosError])
  }
  return seen"""),
         output=[["AxiosError", "timeout of 50ms exceeded", "ECONNABORTED", True, None],
                 ["CanceledError", "canceled", "ERR_CANCELED", True, True, True]],
         routes=(Route("GET", "/slow", text="late", delay=0.3),)),
    Case("axios_response_types", _esm("""
  const text = await axios.get('BASE/text')
  const num = await axios.get('BASE/num')
  const asText = await axios.get('BASE/num', { responseType: 'text' })
  const bin = await axios.get('BASE/num', { responseType: 'arraybuffer' })
  const empty = await axios.get('BASE/empty')
  return { text: text.data, num: num.data, asText: asText.data,
    bin: [Buffer.isBuffer(bin.data), bin.data.length, bin.data[0]], empty: [empty.status, empty.data, empty.statusText],
    cookies: text.headers['set-cookie'], multi: text.headers['x-multi'], get: text.headers.get('Content-Type'),
    ctor: text.headers.constructor.name }"""),
         output={"text": "not json {", "num": 42, "asText": "42", "bin": [True, 2, 52],
                 "empty": [204, "", "No Content"], "cookies": ["c=1", "d=2"], "multi": "a, b",
                 "get": "text/plain; charset=utf-8", "ctor": "AxiosHeaders"},
         requests=5,
         routes=(Route("GET", "/text", text="not json {",
                       headers=(("X-Multi", "a"), ("X-Multi", "b"), ("Set-Cookie", "c=1"), ("Set-Cookie", "d=2"))),
                 Route("GET", "/num", text="42"), Route("GET", "/empty", status=204))),
    Case("axios_transforms", _esm("""
  const res = await axios.post('BASE/things', { a: 1 }, {
    transformRequest: [(data, headers) => { headers['Content-Type'] = 'text/custom'; return 'a=' + data.a }],
    transformResponse: axios.defaults.transformResponse.concat((data) => ({ wrapped: data })),
  })
  return res.data"""),
         output={"wrapped": {"created": True}}, routes=(Route("POST", "/things", json={"created": True}),),
         sent=Sent("POST", "/things", {"content-type": "text/custom"}, b"a=1")),
    Case("axios_network_error_caught", _esm("""
  try { await axios.get('CLOSED/x') } catch (e) {
    return { name: e.name, message: e.message, code: e.code, isAxiosError: e.isAxiosError, response: e.response ?? null,
      keys: Object.keys(e), cause: [e.cause.message, e.cause.code], json: [e.toJSON().code, e.toJSON().message] }
  }"""),
         output={"name": "Error", "message": "connect ECONNREFUSED 127.0.0.1:PORT", "code": "ECONNREFUSED",
                 "isAxiosError": True, "response": None,
                 "keys": ["message", "name", "isAxiosError", "code", "config", "request"],
                 "cause": ["connect ECONNREFUSED 127.0.0.1:PORT", "ECONNREFUSED"],
                 "json": ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:PORT"]}),
    Case("axios_network_error_uncaught", _esm("  await axios.post('CLOSED/x', { a: 1 })"),
         error="NETWORK_ERROR", message="connect ECONNREFUSED 127.0.0.1:PORT"),
    Case("axios_header_values", _esm("""
  const headers = { 'X-N': 5, 'X-B': true, 'X-Null': null, 'X-F': false, 'X-U': undefined, 'X-Arr': ['a', 'b'],
    'X-Pad': '  v  ' }
  const res = await axios.get('BASE/items', { headers })
  return { sent: res.config.headers.toJSON(), buckets: Object.keys(axios.defaults.headers),
    common: axios.defaults.headers.common }"""),
         output={"sent": {"X-N": "5", "X-B": "true", "X-Arr": ["a", "b"], "X-Pad": "v", "Accept": AXIOS_ACCEPT,
                          "User-Agent": AXIOS_UA, "Accept-Encoding": AXIOS_ENCODING},
                 "buckets": ["common", "get", "delete", "head", "options", "post", "put", "patch", "purge", "link",
                             "unlink", "query"],
                 "common": {"Accept": AXIOS_ACCEPT}},
         routes=(JSON_ROUTE,),
         sent=Sent("GET", "/items", {"x-n": "5", "x-b": "true", "x-arr": "a, b", "x-pad": "v", "x-null": None,
                                     "x-f": None, "x-u": None})),
    Case("axios_module_shape", """
const axios = require('axios')
const { AxiosError, isAxiosError } = require('axios')
module.exports = async function () {
  const errors = []
  try { await axios.get('/relative') } catch (e) { errors.push([e.name, e.message, e.code, !!e.isAxiosError]) }
  try { await axios.get('ftp://x/y') } catch (e) { errors.push([e.name, e.message, e.code]) }
  try { await axios.post('BASE/things', 5) } catch (e) { errors.push([e.name, e.message, e.code]) }
  return { same: axios.default === axios, global: typeof globalThis.axios, version: axios.VERSION,
    isErr: [isAxiosError(new AxiosError('x')), isAxiosError(new Error('x'))],
    isCancel: axios.isCancel(new axios.CanceledError()),
    spread: axios.spread((a, b) => a + b)([1, 2]), all: await axios.all([1, Promise.resolve(2)]), errors,
    merged: axios.mergeConfig({ headers: { A: '1' }, params: { p: 1 } }, { headers: { a: '2' }, params: { q: 2 } }) }
}
""",
         output={"same": True, "global": "undefined", "version": "1.21.1", "isErr": [True, False], "isCancel": True,
                 "spread": 3, "all": [1, 2],
                 "errors": [["TypeError", "Invalid URL", "ERR_INVALID_URL", False],
                            ["AxiosError", "Unsupported protocol ftp:", "ERR_BAD_REQUEST"],
                            ["AxiosError", "Data after transformation must be a string, an ArrayBuffer, a Buffer, "
                                           "or a Stream", "ERR_BAD_REQUEST"]],
                 "merged": {"headers": {"A": "2"}, "params": {"p": 1, "q": 2}}}, requests=0),
]

API_CLIENT = {"baseUrl": "BASE/v1", "headers": {"Authorization": "Bearer t", "X-Api": "1"},
              "defaultQueryParameters": {"api_key": "k", "shared": "default"}}

API_CLIENT_CASES = [
    Case("api_client_get_merges_query", _esm("""
  const res = await ctx.apiClient.get('/users', { params: { shared: 'call', page: 2 } })
  return { status: res.status, data: res.data, same: ctx.apiClient === ctx.externalApiClient }"""),
         output={"status": 200, "data": ["ann"], "same": True}, context={"apiClient": API_CLIENT},
         routes=(Route("GET", "/v1/users", json=["ann"]),),
         sent=Sent("GET", "/v1/users?api_key=k&shared=call&page=2",
                   {"authorization": "Bearer t", "x-api": "1", **AXIOS_HEADERS})),
    Case("api_client_post_and_absolute_url", _esm("""
  const created = await ctx.apiClient.post('items', { a: 1 })
  const other = await ctx.apiClient.get('BASE/items')
  const req = await ctx.apiClient.request({ url: '/users', method: 'put', data: 'x' })
  return [created.status, other.data, req.status]"""),
         output=[201, {"id": 1}, 200], requests=3, context={"apiClient": API_CLIENT},
         routes=(Route("POST", "/v1/items", status=201, json={}), JSON_ROUTE, Route("PUT", "/v1/users")),
         sent=Sent("PUT", "/v1/users?api_key=k&shared=default",
                   {"content-type": "application/x-www-form-urlencoded", "authorization": "Bearer t"}, b"x")),
    Case("api_client_aliases_and_auth", _esm("  return (await ctx.apiClient.delete('/users/1')).status"),
         output=204, context={"apiClient": {"baseUri": "BASE/v2/", "query": {"q": "1"},
                                              "auth": {"username": "u", "password": "p"}}},
         routes=(Route("DELETE", "/v2/users/1", status=204),),
         sent=Sent("DELETE", "/v2/users/1?q=1", {"authorization": "Basic dTpw"})),
    Case("api_client_401_is_access_token_expired", _esm("  await ctx.apiClient.get('/me')"),
         error="ACCESS_TOKEN_EXPIRED", message="The API answered 401 Unauthorized", context={"apiClient": API_CLIENT},
         routes=(Route("GET", "/v1/me", status=401, json={"error": "expired"}),)),
    Case("api_client_429_is_rate_limit", _esm("  await ctx.apiClient.get('/me')"),
         error="RATE_LIMIT_EXCEEDED", message="The API answered 429 Too Many Requests",
         context={"apiClient": API_CLIENT},
         routes=(Route("GET", "/v1/me", status=429),)),
    Case("api_client_401_caught_is_a_plain_axios_error", _esm("""
  try { await ctx.apiClient.get('/me') } catch (e) {
    return [e.message, e.response.status, e.response.data, Object.keys(e).includes('__ceError')]
  }"""),
         output=["Request failed with status code 401", 401, {"error": "expired"}, False],
         context={"apiClient": API_CLIENT}, routes=(Route("GET", "/v1/me", status=401, json={"error": "expired"}),)),
]

CASES = FETCH_CASES + AXIOS_CASES + API_CLIENT_CASES

# The transport reports that the host does not resolve (Node: getaddrinfo ENOTFOUND nonexistent.invalid).
DNS_CASES = [
    Case("dns_failure_caught", _esm("""
  const out = {}
  try { await fetch('https://nonexistent.invalid/x') } catch (e) {
    out.fetch = [e.message, e.cause.message, e.cause.code, e.cause.syscall, e.cause.hostname]
  }
  try { await axios.get('https://nonexistent.invalid/x') } catch (e) { out.axios = [e.name, e.message, e.code] }
  return out"""),
         output={"fetch": ["fetch failed", "getaddrinfo ENOTFOUND nonexistent.invalid", "ENOTFOUND", "getaddrinfo",
                           "nonexistent.invalid"],
                 "axios": ["Error", "getaddrinfo ENOTFOUND nonexistent.invalid", "ENOTFOUND"]}),
    Case("dns_failure_uncaught", _esm("  await axios.get('https://nonexistent.invalid/x')"),
         error="NETWORK_ERROR", message="getaddrinfo ENOTFOUND nonexistent.invalid"),
]


# ---- the docs' examples, read unchanged from the docs folder (support/docs_examples.py); their hosts are rewritten to the local server ----

DOC_GET_CREDENTIALS = example("auth-method-get-credentials-from-connection-parameters", "auth/get-credentials-from-connection-parameters.js")

DOC_REFRESH = example("auth-method-refresh-credentials", "auth/refresh-credentials.js")

DOC_OAUTH_TOKEN_DATA = example("auth-type-oauth2", "auth/get-token-data.js")

DOC_OAUTH_USERINFO = example("auth-type-oauth2", "auth/get-credentials-from-token-response.js")

DOC_OAUTH_REFRESH = example("auth-type-oauth2", "auth/refresh-credentials.js")

DOC_CLIENT_CREDENTIALS_TRANSFORM = example("auth-type-client-credentials",
                                           "auth/get-credentials-from-connection-parameters.js")
DOC_CLIENT_CREDENTIALS_TEST = example("auth-type-client-credentials", "auth/test.js")

CONNECTOR = {"clientId": "cid", "clientSecret": "s3cret", "tokenUri": "https://auth.example.com/oauth2/token"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
DOC_API_CLIENT = {"baseUrl": "https://api.example.com/v1",
                  "headers": {"Authorization": "Bearer key-1", "Content-Type": "application/json"}}

DOC_CASES = [
    Case("doc_get_credentials_from_connection_parameters", DOC_GET_CREDENTIALS,
         output={"accessToken": "tok-1"},
         context={"connectionParameters": {"email": "a@b.c", "password": "pw"}},
         routes=(Route("POST", "/v1/get-token", json={"access_token": "tok-1"}),),
         sent=Sent("POST", "/v1/get-token", {"content-type": "application/json", **AXIOS_HEADERS},
                   b'{"email":"a@b.c","password":"pw"}')),
    Case("doc_get_credentials_without_token_fails", DOC_GET_CREDENTIALS,
         error="SCRIPT_ERROR", message="Failed to get access token",
         context={"connectionParameters": {"email": "a@b.c", "password": "pw"}},
         routes=(Route("POST", "/v1/get-token", json={}),)),
    Case("doc_refresh_credentials", DOC_REFRESH, output={"accessToken": "tok-2"},
         context={"credentials": {}, "connectorParameters": CONNECTOR},
         routes=(Route("POST", "/v1/generate-token", json={"access_token": "tok-2"}),),
         sent=Sent("POST", "/v1/generate-token",
                   {"authorization": "Basic Y2lkOnMzY3JldA==", "content-type": "application/json"}, b"{}")),
    Case("doc_oauth2_get_token_data", DOC_OAUTH_TOKEN_DATA,
         output={"access_token": "at", "refresh_token": "rt"},
         context={"connectorParameters": CONNECTOR, "connectionParameters": {}, "codeVerifier": "v 1",
                  "queryParameters": {"code": "c/2"}, "redirectUri": "https://app.example/cb?x=1"},
         routes=(Route("POST", "/oauth2/token", json={"access_token": "at", "refresh_token": "rt"}),),
         sent=Sent("POST", "/oauth2/token", {**FORM, **NODE_FETCH_HEADERS},
                   b"grant_type=authorization_code&code=c%2F2&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1"
                   b"&client_id=cid&client_secret=s3cret&code_verifier=v+1")),
    Case("doc_oauth2_credentials_from_token_response", DOC_OAUTH_USERINFO,
         output={"access_token": "at", "refresh_token": "rt", "userId": 7, "userName": "Ann"},
         context={"tokenResponse": {"access_token": "at", "refresh_token": "rt"}},
         routes=(Route("GET", "/userinfo", json={"id": 7, "name": "Ann"}),),
         sent=Sent("GET", "/userinfo", {"authorization": "Bearer at", **NODE_FETCH_HEADERS})),
    Case("doc_oauth2_refresh_credentials", DOC_OAUTH_REFRESH,
         output={"access_token": "at-2", "refresh_token": "rt-old"},
         context={"connectorParameters": CONNECTOR, "credentials": {"refresh_token": "rt-old"}},
         routes=(Route("POST", "/oauth2/token", json={"access_token": "at-2"}),),
         sent=Sent("POST", "/oauth2/token", FORM,
                   b"grant_type=refresh_token&refresh_token=rt-old&client_id=cid&client_secret=s3cret")),
    Case("doc_client_credentials_transform", DOC_CLIENT_CREDENTIALS_TRANSFORM,
         output={"apiKey": "k-1", "authHeader": "Bearer k-1"}, context={"connectionParameters": {"apiKey": "k-1"}}),
    Case("doc_client_credentials_test_ok", DOC_CLIENT_CREDENTIALS_TEST, output=True,
         context={"apiClient": DOC_API_CLIENT}, routes=(Route("GET", "/v1/user/profile", json={"id": 1}),),
         sent=Sent("GET", "/v1/user/profile", {"authorization": "Bearer key-1", "content-type": "application/json",
                                               **AXIOS_HEADERS})),
    Case("doc_client_credentials_test_rejected_key", DOC_CLIENT_CREDENTIALS_TEST, output=False,
         context={"apiClient": DOC_API_CLIENT}, routes=(Route("GET", "/v1/user/profile", status=401),)),
]


# ---- plumbing ----

def _closed_port() -> int:
    """A port on 127.0.0.1 that refuses connections: bound, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _handler(route: Route, seen: list[tuple[str, dict[str, str]]]):  # type: ignore[no-untyped-def]
    """Replies as `route` says; records the raw path and the headers (repeated names joined by ', ')."""
    async def handle(request: web.Request) -> web.StreamResponse:
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        seen.append((request.raw_path, headers))
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.json is not None:
            response = web.json_response(route.json, status=route.status)
        elif route.raw:
            response = web.Response(body=route.raw, status=route.status, content_type=route.raw_type)
        else:
            response = web.Response(text=route.text, status=route.status)
        for name, value in route.headers:
            response.headers.add(name, value)
        return response
    return handle


def _rewriting_send(base: str, send: Send) -> Send:
    """Sends every request to the local server instead of its scheme and host."""
    async def wrapped(req: HttpRequest) -> HttpResponse:
        scheme_end = req.url.index("://") + 3
        path_start = req.url.find("/", scheme_end)
        rest = req.url[path_start:] if path_start != -1 else "/"
        return await send(dataclasses.replace(req, url=base + rest))
    return wrapped


def _substitute(value: Any, old: str, new: str) -> Any:
    return json.loads(json.dumps(value).replace(old, new))


async def _run_case(case: Case, run_js, api_server, send: Send) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, dict[str, str]]] = []
    for route in case.routes:
        api_server.route(route.method, route.path, _handler(route, seen))
    port = _closed_port()
    closed = f"http://127.0.0.1:{port}"
    source = case.source.replace("BASE", api_server.base).replace("CLOSED", closed)
    context = _substitute(case.context, "BASE", api_server.base)
    # A case's `apiClient` is the makeApiClient configuration the job would hand to the shim.
    objects = () if "apiClient" not in context else (api_client_object(context.pop("apiClient")),)
    result = await run_js(source, context, send=send, objects=objects)

    if case.error is None:
        assert result.error is None, result.error
        assert _substitute(result.output, str(port), "PORT") == case.output
    else:
        assert result.error is not None and result.error.code == case.error
        assert result.error.message.replace(str(port), "PORT") == case.message

    received = api_server.received
    if case.requests is not None:
        assert len(received) == case.requests
    if case.sent is not None:
        last = received[-1]
        raw_path, headers = seen[-1]
        assert (last.method, raw_path) == (case.sent.method, case.sent.raw)
        assert {k: headers.get(k) for k in case.sent.headers} == case.sent.headers
        assert last.body == case.sent.body


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_fetch_and_axios(case: Case, run_js, api_server, live_send) -> None:  # type: ignore[no-untyped-def]
    await _run_case(case, run_js, api_server, live_send)


@pytest.mark.parametrize("case", DNS_CASES, ids=lambda c: c.id)
async def test_unresolvable_host(case: Case, run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    async def unresolvable(req: HttpRequest) -> HttpResponse:
        raise NetworkError(f"cannot resolve {req.url}", details={"errno": "ENOTFOUND"})
    await _run_case(case, run_js, api_server, unresolvable)


@needs_docs
@pytest.mark.parametrize("case", DOC_CASES, ids=lambda c: c.id)
async def test_docs_examples_run_unchanged(case: Case, run_js, api_server, live_send) -> None:  # type: ignore[no-untyped-def]
    await _run_case(case, run_js, api_server, _rewriting_send(api_server.base, live_send))


async def test_fetch_sends_a_repeated_header_as_one_line(run_js, api_server) -> None:  # type: ignore[no-untyped-def]
    # Node (undici) joins the values of one header name with ', ' on a single line.
    async def lines_of_x_a(request: web.Request) -> web.Response:
        return web.json_response(request.headers.getall("X-A"))

    api_server.route("GET", "/lines", lines_of_x_a)
    result = await run_js(_esm(f"""
  return (await fetch('{api_server.base}/lines', {{ headers: [['X-A', '1'], ['x-a', '2']] }})).json()"""))
    assert result.error is None, result.error
    assert result.output == ["1, 2"]
