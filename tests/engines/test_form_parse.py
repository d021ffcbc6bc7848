"""Response#formData() on a real server's answer (aiohttp's own MultipartWriter and urlencoded forms), and the
byte cap on what it parses, on both engines. Parsing edge cases are compared with Node in
tests/differential/corpus_globals_forms.py."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from js_runtime.limits import Limits


async def test_fetch_parses_a_multipart_answer_written_by_aiohttp(run_js: Any, api_server: Any) -> None:
    async def multipart(_: web.Request) -> web.StreamResponse:
        with aiohttp.MultipartWriter("form-data", boundary="aiohttp-boundary-0123456789abcdef") as writer:
            text = writer.append("a report\r\nline 2")
            text.set_content_disposition("form-data", name="title")
            pdf = writer.append(b"\x00\x01\xfe\xfftail", {"Content-Type": "application/pdf"})
            pdf.set_content_disposition("form-data", name="file", filename="r.pdf")
        return web.Response(body=writer)  # aiohttp writes the parts and the Content-Type with its boundary

    api_server.route("GET", "/multipart", multipart)
    api_server.reply("GET", "/urlencoded", text="a=1&b=%C3%A9+x&a=2",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    result = await run_js(f"""module.exports = async () => {{
      const form = await (await fetch('{api_server.base}/multipart')).formData();
      const file = form.get('file');
      const encoded = await (await fetch('{api_server.base}/urlencoded')).formData();
      return [form.get('title'), file.name, file.type, Array.from(new Uint8Array(await file.arrayBuffer())),
              [...encoded]];
    }};""")
    assert result.error is None, result.error
    assert result.output == ["a report\r\nline 2", "r.pdf", "application/pdf", [0, 1, 254, 255, 116, 97, 105, 108],
                             [["a", "1"], ["b", "é x"], ["a", "2"]]]


async def test_a_body_past_the_byte_cap_is_refused_before_parsing(run_js: Any) -> None:
    # With the default 64 MiB memory limit, building a 17 MiB body in the sandbox already runs out of memory; a
    # job given more memory reaches the cap, which keeps the parts (ArrayBuffers) within the heap limit's means.
    result = await run_js("""module.exports = async () => {
      const body = 'x'.repeat(17 << 20);
      try { await new Response(body, { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData(); }
      catch (e) { return [e.name, e.code]; }
    };""", limits=Limits(timeout=30, memory=256 * 1024 * 1024))
    assert result.error is None, result.error
    assert result.output == ["RangeError", "ERR_BLOB_TOO_LARGE"]


async def test_forms_with_very_many_entries_stay_linear(run_js: Any) -> None:
    # 20,000 appends (each used to sum every entry before it) and a body of 20,000 parts parsed, in linear time
    result = await run_js("""module.exports = async () => {
      const fd = new FormData();
      for (let i = 0; i < 20000; i++) fd.append('k', 'v');
      fd.set('k', 'one'); fd.append('b', new Blob(['xy']));
      const body = '--b\\r\\nContent-Disposition: form-data; name="p"\\r\\n\\r\\nv\\r\\n'.repeat(20000) + '--b--';
      const parsed = await new Response(body, { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData();
      return [[...fd].length, fd.get('k'), [...parsed].length];
    };""", limits=Limits(timeout=20))
    assert result.error is None, result.error
    assert result.output == [2, "one", 20000]
