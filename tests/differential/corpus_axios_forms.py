"""axios forms: toFormData's naming rules (brackets, dots, indexes, `[]`/`{}` meta tokens, visitor), the values
it converts (Date, boolean, Blob/File, Buffer, typed arrays, ArrayBuffer), the `form-data` package form axios
builds in Node when given none (its bytes, boundary masked), formToJSON, and hostile input (cycles, depth,
non-objects). Node runs the real axios 1.21.1 (`npm` below); generated objects are digested."""

from support.differential import Corpus

HEADER = r"""
import axios from 'axios';
const prng = (seed) => () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
const err = (f) => { try { return ['ok', f()]; } catch (e) { return [e.name, e.message, e.code === undefined ? null : e.code]; } };
const show = (fd) => [...fd].map(([k, v]) => [k, typeof v === 'string' ? v : [Object.prototype.toString.call(v), v.name, v.size, v.type]]);
const spec = (obj, options) => show(axios.toFormData(obj, new FormData(), options));
const nodeBytes = (fd) => fd.getBuffer().toString('latin1').replace(/-{26}[0-9a-f]{24}/g, 'B');
const KEYS = ['a', 'b', ' c ', 'd[]', 'e{}', '0', 'f.g', 'h[i]', 'é'];
const randomValue = (r, depth) => {
  const k = Math.floor(r() * (depth > 2 ? 7 : 10));
  const n = () => Math.floor(r() * 200) - 100;
  switch (k) {
    case 0: return n(); case 1: return 'v' + n(); case 2: return r() < 0.5; case 3: return null;
    case 4: return undefined; case 5: return new Date(n() * 1e10); case 6: return '';
    case 7: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: { const o = {}; for (let i = 0; i < r() * 4; i++) o[KEYS[Math.floor(r() * KEYS.length)]] = randomValue(r, depth + 1); return o; }
  }
};
const OPTIONS = [undefined, { dots: true }, { indexes: true }, { indexes: null }, { metaTokens: false }, { dots: true, indexes: true }];
const generated = (count, seed) => { const r = prng(seed); const out = [];
  for (let i = 0; i < count; i++) {
    const obj = {}; for (let j = 0; j < 1 + r() * 4; j++) obj[KEYS[Math.floor(r() * KEYS.length)]] = randomValue(r, 0);
    const options = OPTIONS[Math.floor(r() * OPTIONS.length)];
    out.push(err(() => spec(obj, options)), err(() => nodeBytes(axios.toFormData(obj, undefined, options))));
  }
  return __digest(out); };
"""

CORPUS = Corpus(
    name="axios_forms",
    header=HEADER,
    npm=("axios",),
    cases=(
        ("generated", "generated(1500, 99)"),
        ("generated-2", "generated(1500, 2024)"),
        ("nested", "spec({ a: { b: [1, { c: 2 }], d: { e: { f: 'x' } } }, g: [[1, 2], [3]] })"),
        ("flat-arrays", "[spec({ a: [1, 2, null, undefined, 3] }), spec({ a: [1, 2] }, { indexes: true }), spec({ a: [1, 2] }, { indexes: null }), spec({ a: [1, 2] }, { indexes: true, dots: true })]"),
        ("meta-tokens", "[spec({ 'a{}': { b: [1] }, 'c[]': [{ d: 1 }] }), spec({ 'a{}': { b: 1 }, 'c[]': [1, 2] }, { metaTokens: false }), spec({ x: { 'y{}': { z: 1 } } })]"),
        ("dots", "spec({ a: { b: { c: 1 } }, 'd[]': [1], e: [{ f: 1 }] }, { dots: true })"),
        ("values", "spec({ n: 0, neg: -1.5, t: true, f: false, s: '', d: new Date(0), big: 10n, nul: null, u: undefined, nan: NaN })"),
        ("trimmed-keys", "spec({ '  a  ': 1, b: { ' c ': 2 } })"),
        ("binary-values", "spec({ blob: new Blob(['xy'], { type: 'text/q' }), file: new File(['z'], 'z.txt', { type: 'text/plain' }), buf: Buffer.from('hi'), u8: new Uint8Array([1, 2, 3]), ab: new ArrayBuffer(4) })"),
        ("binary-in-arrays", "spec({ files: [new Blob(['a']), new Blob(['bc'])], 'more[]': [new Uint8Array([1])] })"),
        ("class-instance-value", "spec({ k: new (class K { toString() { return 'K!'; } })(), m: new Map([[1, 2]]) })"),
        ("visitor", "spec({ a: 1, b: { c: [2] } }, { visitor(value, key, path, helpers) { this.append('V' + key, String(path)); return helpers.defaultVisitor.call(this, value, key, path); } })"),
        ("visitor-stops", "spec({ a: { b: 1 }, c: 2 }, { visitor(value, key) { this.append(key, typeof value); return false; } })"),
        ("custom-blob-option", "err(() => show(axios.toFormData({ b: new Uint8Array([1]) }, new FormData(), { Blob: class NotABlob {} })))"),
        ("existing-form-appended", "(() => { const fd = new FormData(); fd.append('pre', '1'); return show(axios.toFormData({ a: 2 }, fd)); })()"),
        ("returns-given-form", "(() => { const fd = new FormData(); return axios.toFormData({ a: 1 }, fd) === fd; })()"),
        ("top-level-array", "spec([1, { a: 2 }, [3]])"),
        ("circular", "err(() => { const c = { x: {} }; c.x.back = c; return spec(c); })"),
        ("circular-array", "err(() => { const a = [1]; a.push({ a }); return spec({ a }); })"),
        ("too-deep", "err(() => { let d = { leaf: 1 }; for (let i = 0; i < 150; i++) d = { d }; return spec(d).length; })"),
        ("deep-at-limit", "err(() => { let d = { leaf: 1 }; for (let i = 0; i < 99; i++) d = { d }; return spec(d)[0][0].length; })"),
        ("max-depth-option", "[err(() => spec({ a: { b: { c: 1 } } }, { maxDepth: 1 })), err(() => spec({ a: { b: { c: 1 } } }, { maxDepth: Infinity }))]"),
        ("meta-token-too-deep", "err(() => { let d = 1; for (let i = 0; i < 120; i++) d = { d }; return spec({ 'x{}': d }); })"),
        ("not-an-object", "[err(() => axios.toFormData(5)), err(() => axios.toFormData('s')), err(() => axios.toFormData(null))]"),
        ("bad-visitor", "err(() => axios.toFormData({}, new FormData(), { visitor: 5 }))"),
        # the `form-data` package form axios builds in Node when it is given none
        ("node-form-bytes", "nodeBytes(axios.toFormData({ a: 1, 's\"q\\nn': 'x\\ny', t: true, d: new Date(0), arr: [1, 2], o: { p: 'é' } }))"),
        ("node-form-buffers", "nodeBytes(axios.toFormData({ buf: Buffer.from([0, 255]), u8: new Uint8Array([1]), ab: new ArrayBuffer(2), u16: new Uint16Array([258, 3]) }))"),
        ("node-form-empty", "nodeBytes(axios.toFormData({}))"),
        ("node-form-headers", "(() => { const fd = axios.toFormData({ a: 1 }); return [fd.getHeaders({ 'X-A': 'b' })['content-type'].replace(/-{26}[0-9a-f]{24}/, 'B'), fd.getHeaders({ 'X-A': 'b' })['x-a'], fd.getBoundary().length, String(fd), Object.prototype.toString.call(fd)]; })()"),
        ("node-form-refuses-blob", "err(() => axios.toFormData({ b: new Blob(['x']) }))"),
        ("node-form-refuses-objects", "[err(() => axios.toFormData({ m: new Map() })), err(() => axios.toFormData({ 'l[]': [{ a: 1 }] })), err(() => axios.toFormData({ s: Symbol('s') }))]"),
        # formToJSON (a FormData body with a JSON content type goes through it)
        ("form-to-json", "(() => { const fd = new FormData(); for (const [k, v] of [['a', '1'], ['b[]', '2'], ['b[]', '3'], ['c[d][e]', '4'], ['f[0]', 'x'], ['f[1]', 'y'], ['g.h', 'z'], ['a', 'again'], ['i[2]', 'sparse'], ['__proto__[p]', 'q'], ['j[]', 'one']]) fd.append(k, v); return axios.formToJSON(fd); })()"),
        ("form-to-json-round-trip", "axios.formToJSON(axios.toFormData({ a: { b: [1, 2], c: { d: 'x' } }, e: [{ f: 1 }] }, new FormData()))"),
        ("form-to-json-too-deep", "err(() => { const fd = new FormData(); fd.append('a' + '[x]'.repeat(120), '1'); return axios.formToJSON(fd); })"),
        ("form-to-json-not-a-form", "[axios.formToJSON({ a: 1 }), axios.formToJSON(null)]"),
        ("form-methods", "[typeof axios.postForm, typeof axios.putForm, typeof axios.patchForm, typeof axios.create().postForm, typeof axios.queryForm]"),
    ),
    deliberate={},
)
