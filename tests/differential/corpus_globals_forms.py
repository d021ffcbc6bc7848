"""Response#formData() / Request#formData(): thousands of generated multipart and urlencoded bodies (well
formed, then mutated: line ends, preambles, header spellings, quoted boundaries, filename*, base64 parts,
byte flips, truncations) and Content-Type values, parsed by undici in Node 20 and by the shims, digested;
plus named edge cases and the errors."""

from support.differential import Corpus

HEADER = r"""
const prng = (seed) => () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
const pick = (r, list) => list[Math.floor(r() * list.length)];
const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
const entries = async (fd) => { const out = [];
  for (const [k, v] of fd) out.push([k, typeof v === 'string' ? v : [Object.prototype.toString.call(v), v.name, v.type, v.size, hex(new Uint8Array(await v.arrayBuffer()))]]);
  return out; };
const parse = async (body, type, asRequest) => {
  try {
    const init = { headers: type === null ? {} : { 'content-type': type } };
    const r = asRequest ? new Request('http://h.example/', { method: 'POST', body, ...init }) : new Response(body, init);
    return await entries(await r.formData());
  } catch (e) { return [e.name, e.message]; }
};
const enc = (s) => new TextEncoder().encode(s);
const join = (chunks) => { const n = chunks.reduce((a, c) => a + c.length, 0); const out = new Uint8Array(n); let o = 0; for (const c of chunks) { out.set(c, o); o += c.length; } return out; };
const NAMES = ['a', 'field', 'na%22me', 'x%0Ay', 'é', '', 'a b', 'q%0d'];
const VALUES = ['', 'v', 'line1\r\nline2', 'é\u2028', '\ufeffbom', '--not-a-boundary', 'a=b&c'];
const TYPES = [null, 'text/plain', 'Application/JSON', 'image/png; x=1', 'tëxt/x', ''];
const part = (r, boundary, eol) => {
  const name = pick(r, NAMES);
  const file = r() < 0.4;
  const fname = file ? pick(r, ['f.txt', 'q%22.bin', '', 'é.pdf']) : null;
  const star = file && r() < 0.1;
  const lines = [];
  const disp = pick(r, ['Content-Disposition', 'content-disposition', ' Content-Disposition ', 'CONTENT-DISPOSITION']);
  lines.push(disp + ':' + pick(r, [' ', '', '\t', '  ']) + 'form-data; name="' + name + '"' + (file ? '; filename' + (star ? '*' : '') + '="' + fname + '"' : ''));
  const ct = pick(r, TYPES);
  if (ct !== null && (file || r() < 0.2)) lines.push('Content-Type: ' + ct + pick(r, ['', ' ', '\t']));
  if (r() < 0.15) lines.push('X-Other: y');
  const b64 = r() < 0.1;
  if (b64) lines.push('Content-Transfer-Encoding: base64');
  const value = pick(r, VALUES) + (r() < 0.3 ? String(Math.floor(r() * 1000)) : '');
  const payload = b64 ? enc(btoa(unescape(encodeURIComponent(value)))) : r() < 0.1 ? new Uint8Array([0xff, 0xfe, 0x00, 0x80]) : enc(value);
  return join([enc('--' + boundary + eol + lines.join(eol) + eol + eol), payload, enc(eol)]);
};
const multipartCase = (r) => {
  const boundary = pick(r, ['b', 'boundary-12345', '----formdata-undici-012345678901', 'x y', 'é']);
  const eol = r() < 0.9 ? '\r\n' : '\n';
  const chunks = [];
  if (r() < 0.1) chunks.push(enc('preamble' + eol));
  if (r() < 0.1) chunks.push(enc('\r\n\r\n'));
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) chunks.push(part(r, boundary, eol));
  chunks.push(enc('--' + boundary + pick(r, ['--\r\n', '--', '--\r\n\r\n', '\r\n', '--epilogue', ''])));
  let body = join(chunks);
  const m = r();
  if (m < 0.08 && body.length) { body = body.slice(); body[Math.floor(r() * body.length)] = Math.floor(r() * 256); }
  else if (m < 0.14) body = body.subarray(0, Math.floor(r() * body.length));
  const quoted = /[ é]/.test(boundary) || r() < 0.2;
  const type = pick(r, ['multipart/form-data', 'Multipart/Form-Data', ' multipart/form-data ']) + pick(r, ['; ', ';', ' ; '])
    + pick(r, ['boundary', 'Boundary']) + '=' + (quoted ? '"' + boundary + '"' : boundary) + pick(r, ['', '; charset=utf-8', ', text/plain', ', */*', '; boundary=other']);
  return [body, r() < 0.05 ? 'multipart/form-data' : type];
};
const urlencodedCase = (r) => {
  const pairs = Array.from({ length: Math.floor(r() * 5) }, () => pick(r, ['a=1', 'b=%zz', 'c+d=e+f', '', '=x', 'y', '%C3%A9=%E2%82%AC', 'k=v=w', '\ufeffz=1']));
  return [enc(pairs.join(pick(r, ['&', '&&', ';']))), pick(r, ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded;charset=UTF-8', 'APPLICATION/X-WWW-FORM-URLENCODED', 'text/plain', 'application/x-www-form-urlencoded, text/html', 'multipart/form-data'])];
};
const generated = async (count, seed) => { const r = prng(seed); const out = [];
  for (let i = 0; i < count; i++) {
    const [body, type] = r() < 0.8 ? multipartCase(r) : urlencodedCase(r);
    out.push(await parse(body, type, r() < 0.3));
  }
  return __digest(out); };
const B = '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--b--\r\n';
"""

CORPUS = Corpus(
    name="globals_forms",
    header=HEADER,
    cases=(
        ("generated", "generated(1200, 17)"),
        ("generated-2", "generated(1200, 4242)"),
        ("basic", "parse('--b\\r\\nContent-Disposition: form-data; name=\"a\"\\r\\n\\r\\nx\\r\\n--b\\r\\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\\r\\nContent-Type: Text/Plain\\r\\n\\r\\nhello\\r\\n--b--\\r\\n', 'multipart/form-data; boundary=b')"),
        ("request-basic", "parse(B, 'multipart/form-data; boundary=b', true)"),
        ("file-default-type", "parse('--b\\r\\nContent-Disposition: form-data; name=\"f\"; filename=\"n\"\\r\\n\\r\\n\\u00e9\\r\\n--b--', 'multipart/form-data; boundary=b')"),
        ("no-boundary", "parse(B, 'multipart/form-data')"),
        ("no-content-type", "parse('a=1', null)"),
        ("wrong-content-type", "parse('a=1', 'text/plain')"),
        ("star-star-skipped", "parse('a=1', 'application/x-www-form-urlencoded, */*')"),
        ("quoted-comma", "parse(B, 'multipart/form-data; boundary=\"b\", text/x; q=\"a,b\"')"),
        ("empty-body", "parse('', 'multipart/form-data; boundary=b')"),
        ("only-closing", "parse('--b--', 'multipart/form-data; boundary=b')"),
        ("lf-only", "parse(B.replace(/\\r\\n/g, '\\n'), 'multipart/form-data; boundary=b')"),
        ("preamble", "parse('junk\\r\\n' + B, 'multipart/form-data; boundary=b')"),
        ("leading-trailing-crlf", "parse('\\r\\n\\r\\n' + B + '\\r\\n\\r\\n', 'multipart/form-data; boundary=b')"),
        ("filename-star", "parse('--b\\r\\nContent-Disposition: form-data; name=\"a\"; filename*=\"x.txt\"\\r\\n\\r\\nx\\r\\n--b--', 'multipart/form-data; boundary=b')"),
        ("escaped-names", "parse('--b\\r\\nContent-Disposition: form-data; name=\"a%22b%0a%0D\"; filename=\"q%22.txt\"\\r\\n\\r\\nx\\r\\n--b--', 'multipart/form-data; boundary=b')"),
        ("base64-part", "parse('--XYZ-boundary\\r\\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\\r\\nContent-Transfer-Encoding: base64\\r\\n\\r\\naGVsbG8=\\r\\n--XYZ-boundary--', 'multipart/form-data; boundary=XYZ-boundary')"),
        ("one-letter-boundary-inside-base64", "parse('--b\\r\\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\\r\\nContent-Transfer-Encoding: base64\\r\\n\\r\\naGVsbG8=\\r\\n--b--', 'multipart/form-data; boundary=b')"),
        ("boundary-inside-value", "parse('--b\\r\\nContent-Disposition: form-data; name=\"a\"\\r\\n\\r\\nxbx\\r\\n--b--', 'multipart/form-data; boundary=b')"),
        ("non-ascii-type", "parse('--b\\r\\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\\r\\nContent-Type: t\\u00ebxt/x\\r\\n\\r\\nx\\r\\n--b--', 'multipart/form-data; boundary=b')"),
        ("bom-and-invalid-utf8", "parse(new Uint8Array([...enc('--b\\r\\nContent-Disposition: form-data; name=\"a\"\\r\\n\\r\\n'), 0xef, 0xbb, 0xbf, 0x41, 0xff, ...enc('\\r\\n--b--')]), 'multipart/form-data; boundary=b')"),
        ("urlencoded", "parse('a=1&b=%zz&c+d=e+f&&=x&y&%C3%A9=%E2%82%AC', 'application/x-www-form-urlencoded; charset=latin1')"),
        ("urlencoded-bom", "parse(new Uint8Array([0xef, 0xbb, 0xbf, ...enc('a=1')]), 'application/x-www-form-urlencoded')"),
        ("body-used-twice", "(async () => { const r = new Response(B, { headers: { 'content-type': 'multipart/form-data; boundary=b' } }); await r.formData(); try { await r.formData(); } catch (e) { return [e.name, e.message, r.bodyUsed]; } })()"),
        ("null-body", "parse(null, 'application/x-www-form-urlencoded')"),
        ("round-trip", "(async () => { const fd = new FormData(); fd.append('t', 'a\\nb'); fd.append('f', new Blob([new Uint8Array([0, 1, 2])], { type: 'application/x-y' }), 'f.bin'); fd.append('n\"q', 'z'); return entries(await new Response(fd).formData()); })()"),
        ("many-parts", "(async () => { const parts = []; for (let i = 0; i < 3000; i++) parts.push('--b\\r\\nContent-Disposition: form-data; name=\"k' + i + '\"\\r\\n\\r\\nv' + i + '\\r\\n'); const fd = await new Response(parts.join('') + '--b--', { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData(); return [[...fd].length, fd.get('k2999')]; })()"),
    ),
    deliberate={},
)
