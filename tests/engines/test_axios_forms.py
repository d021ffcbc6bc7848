"""axios multipart uploads on the wire: postForm/putForm/patchForm, FormData and Blob bodies, parsed by a real
aiohttp server (its MultipartReader). The same script runs in Node 20 with the real axios 1.21.1 against the
same server and must produce the same parsed requests (random boundaries masked); without Node or its axios
the comparison skips and the parts are checked against what the script sent."""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import BodyPartReader, web
from aiohttp.test_utils import TestServer
from support.differential import missing_npm, node_modules_dir, node_version

from js_runtime.limits import Limits

BOUNDARIES = re.compile(r"-{26}[0-9a-f]{24}|axios-1\.21\.1-boundary-[A-Za-z0-9_-]{25}")

SCRIPT = r"""
import axios from 'axios';
export default async function (ctx) {
  const url = ctx.base + '/echo';
  const out = [];
  const send = async (label, promise) => {
    try { out.push([label, (await promise).data]); } catch (e) { out.push([label, 'threw', e.name, e.message, e.code || null]); }
  };
  await send('object', axios.postForm(url, { a: 1, t: true, d: new Date(0), nested: { b: ['x', 'y'], c: { e: 'é' } },
    list: [1, 2], 'j{}': { k: 1 }, buf: Buffer.from([0, 1, 254, 255]), u8: new Uint8Array([7, 8]), 'q"n\nl': 'line1\nline2' }));
  const fd = new FormData();
  fd.append('title', 'a report\nline 2\r\nline 3');
  fd.append('file', new Blob([new Uint8Array([0, 1, 254, 255]), 'tail'], { type: 'application/pdf' }), 'r"1.pdf');
  fd.append('plain', new Blob(['z']));
  fd.append('named', new File(['abc'], 'n.txt', { type: 'text/plain' }));
  fd.append('na\nme', 'v');
  await send('spec-form', axios.post(url, fd));
  await send('put-form', axios.putForm(url, fd));
  await send('patch-empty', axios.patchForm(url, {}));
  await send('user-boundary', axios.post(url, fd, { headers: { 'Content-Type': 'multipart/form-data; boundary=my-boundary-123' } }));
  await send('json-form', axios.post(url, fd, { headers: { 'Content-Type': 'application/json' } }));
  await send('urlencoded-header', axios.post(url, fd, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
  await send('blob-body', axios.post(url, new Blob(['blob body'], { type: 'text/x-blob' })));
  await send('empty-blob', axios.post(url, new Blob([])));
  await send('file-body', axios.put(url, new File(['file body'], 'f.bin')));
  await send('serializer', axios.postForm(url, { a: [1, 2], b: { c: 1 } }, { formSerializer: { dots: true, indexes: true } }));
  await send('instance', axios.create({ baseURL: ctx.base }).postForm('/echo', { x: '1' }, { params: { q: 1 } }));
  await send('spec-to-form', axios.post(url, axios.toFormData({ a: { b: 1 }, bin: new Uint8Array([3]) }, new FormData())));
  await send('blob-value-refused', axios.postForm(url, { b: new Blob(['x']) }));
  await send('object-value-refused', axios.postForm(url, { m: new Map() }));
  return out;
}
"""


async def _echo(request: web.Request) -> web.StreamResponse:
    """What the server understood: its parse of a multipart body (every part's headers and bytes), else the text."""
    headers = {name.lower(): BOUNDARIES.sub("B", request.headers[name])
               for name in ("Content-Type", "Content-Length") if name in request.headers}
    seen: dict[str, Any] = {"method": request.method, "query": dict(request.query), "headers": headers}
    if request.headers.get("Content-Type", "").startswith("multipart/form-data") and request.content_length:
        parts = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader)  # a form has no nested multipart
            body = await part.read()
            parts.append({"headers": [[k, v] for k, v in part.headers.items()],
                          "name": part.name, "filename": part.filename, "hex": bytes(body).hex()})
        seen["parts"] = parts
    else:
        seen["text"] = (await request.read()).decode("utf-8", "replace")
    return web.json_response(seen)


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def _node_run(base: str) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "node_modules").symlink_to(node_modules_dir())
        (Path(folder) / "case.mjs").write_text(SCRIPT, encoding="utf-8")
        (Path(folder) / "run.mjs").write_text(
            "const m = await import('./case.mjs');\n"
            f"process.stdout.write(JSON.stringify(await m.default({{ base: {json.dumps(base)} }})));\n", encoding="utf-8")
        proc = await asyncio.create_subprocess_exec("node", str(Path(folder) / "run.mjs"), stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    return json.loads(out)


def _by_label(results: list[Any]) -> dict[str, Any]:
    return {item[0]: item[1:] if item[1:2] == ["threw"] else item[1] for item in results}


async def test_axios_uploads_are_parsed_by_a_real_server(run_js: Any, echo_server: str) -> None:
    result = await run_js(SCRIPT, {"base": echo_server}, export="default")
    assert result.error is None, result.error
    got = _by_label(result.output)
    # postForm with an object: the `form-data` package's encoding (Buffers as octet-stream parts, no filename)
    obj = got["object"]
    assert obj["headers"]["content-type"] == "multipart/form-data; boundary=B"
    assert [(p["name"], p["filename"], bytes.fromhex(p["hex"])) for p in obj["parts"]] == [
        ("a", None, b"1"), ("t", None, b"true"), ("d", None, b"1970-01-01T00:00:00.000Z"),
        ("nested[b][0]", None, b"x"), ("nested[b][1]", None, b"y"), ("nested[c][e]", None, "é".encode()),
        ("list[]", None, b"1"), ("list[]", None, b"2"), ("j{}", None, b'{"k":1}'),
        ("buf", None, b"\x00\x01\xfe\xff"), ("u8", None, b"\x07\x08"), ("q%22n%0Al", None, b"line1\nline2")]  # escaped as browsers do
    assert dict(obj["parts"][9]["headers"])["Content-Type"] == "application/octet-stream"
    # a FormData body: axios's own encoding, CRLF line ends in string values, Blobs as files
    spec = got["spec-form"]
    assert [(p["name"], p["filename"], bytes.fromhex(p["hex"])) for p in spec["parts"]] == [
        ("title", None, b"a report\r\nline 2\r\nline 3"), ("file", "r%221.pdf", b"\x00\x01\xfe\xfftail"),
        ("plain", "blob", b"z"), ("named", "n.txt", b"abc"), ("na%0Ame", None, b"v")]
    assert [dict(p["headers"]).get("Content-Type") for p in spec["parts"]] == [
        None, "application/pdf", "application/octet-stream", "text/plain", None]
    assert got["put-form"]["method"] == "PUT" and got["put-form"]["parts"] == spec["parts"]
    assert got["patch-empty"]["headers"]["content-length"] == "0"
    assert got["user-boundary"]["headers"]["content-type"] == "multipart/form-data; boundary=my-boundary-123"
    assert got["user-boundary"]["parts"] == spec["parts"]
    assert json.loads(got["json-form"]["text"])["title"] == "a report\nline 2\r\nline 3"
    assert got["urlencoded-header"]["parts"] == spec["parts"]
    assert (got["blob-body"]["headers"]["content-type"], got["blob-body"]["text"]) == ("text/x-blob", "blob body")
    assert got["empty-blob"]["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert got["file-body"]["headers"]["content-type"] == "application/octet-stream"
    assert [p["name"] for p in got["serializer"]["parts"]] == ["a.0", "a.1", "b.c"]
    assert got["instance"]["query"] == {"q": "1"}
    assert [(p["name"], p["filename"]) for p in got["spec-to-form"]["parts"]] == [("a[b]", None), ("bin", "blob")]
    assert got["blob-value-refused"] == ["threw", "AxiosError", "Blob is not supported. Use a Buffer instead.", None]
    assert got["object-value-refused"][:2] == ["threw", "TypeError"]


@pytest.mark.skipif(node_version() is None, reason="compares with Node.js 20 on PATH")
async def test_axios_uploads_match_node_and_axios(run_js: Any, echo_server: str) -> None:
    if (reason := missing_npm(("axios",))) is not None:
        pytest.skip(reason)
    node = await _node_run(echo_server)
    result = await run_js(SCRIPT, {"base": echo_server}, export="default")
    assert result.error is None, result.error
    assert len(result.output) == len(node)
    for ours, theirs in zip(result.output, node, strict=True):
        assert ours == theirs, ours[0]


@pytest.mark.parametrize("build", [
    "const o = {}; for (let i = 0; i < 40; i++) o['f' + i] = chunk; await axios.postForm('http://127.0.0.1:9/', o);",
    "const o = {}; for (let i = 0; i < 40; i++) o['f' + i] = Buffer.from(chunk); axios.toFormData(o);",
    "const fd = new FormData(); for (let i = 0; i < 40; i++) fd.append('f' + i, chunk); await axios.post('http://127.0.0.1:9/', fd);",
])
async def test_a_gigantic_form_fails_clearly_before_anything_is_sent(run_js: Any, build: str) -> None:
    # form bytes live in ArrayBuffers, outside the engine's heap limit: the shims cap them (ERR_BLOB_TOO_LARGE)
    result = await run_js(f"""import axios from 'axios';
    export default async () => {{
      const chunk = 'x'.repeat(1 << 20);
      try {{ {build} }} catch (e) {{ return [e.name, e.code]; }}
    }};""", export="default", limits=Limits(timeout=20, memory=256 * 2**20))  # the cap, not the heap, is hit
    assert result.error is None, result.error
    assert result.output == ["RangeError", "ERR_BLOB_TOO_LARGE"]
    assert result.requests == []
