"""Globals corpus: structuredClone (generated values through a seeded PRNG, digested), EventTarget/Event,
AbortSignal as an EventTarget, Response.error()/Response.redirect(), and their hostile inputs."""

from support.differential import Corpus

HEADER = r"""
const prng = (seed) => () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
const err = (f) => { try { return ['ok', f()]; } catch (e) { return [e.name, e.message, e.code === undefined ? null : e.code, e.constructor.name]; } };
const randomValue = (r, depth) => {
  const k = Math.floor(r() * (depth > 3 ? 6 : 14));
  const n = () => Math.floor(r() * 2000) - 1000;
  switch (k) {
    case 0: return n(); case 1: return 'é' + n() + '\u2028'; case 2: return r() < 0.5; case 3: return null;
    case 4: return undefined; case 5: return BigInt(n()) * 12345678901n;
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    case 7: { const o = {}; for (let i = 0; i < r() * 4; i++) o['k' + n()] = randomValue(r, depth + 1); return o; }
    case 8: return new Date(n() * 1e9);
    case 9: return new Map([[n(), randomValue(r, depth + 1)], ['s', n()]]);
    case 10: return new Set([n(), randomValue(r, depth + 1)]);
    case 11: return new Uint8Array(Array.from({ length: Math.floor(r() * 6) }, n)).subarray(1);
    case 12: return new RegExp('a' + Math.abs(n()), r() < 0.5 ? 'g' : 'iu');
    default: return Object(n());
  }
};
const cloneMany = (count, seed) => { const r = prng(seed); const out = [];
  for (let i = 0; i < count; i++) { const v = randomValue(r, 0); const c = structuredClone(v); out.push([c, c === v && typeof v === 'object' && v !== null]); }
  return __digest(out); };
const events = () => { const et = new EventTarget(); const seen = [];
  const h = (ev) => seen.push([ev.type, ev.target === et, ev.currentTarget === et, ev.eventPhase]);
  et.addEventListener('a', h); et.addEventListener('a', h); et.addEventListener('a', { handleEvent() { seen.push('obj'); } }, { once: true });
  seen.push(et.dispatchEvent(new Event('a')), et.dispatchEvent(new Event('a')));
  et.removeEventListener('a', h); seen.push(et.dispatchEvent(new Event('a')));
  et.addEventListener('s', (ev) => { seen.push(1); ev.stopImmediatePropagation(); }); et.addEventListener('s', () => seen.push(2));
  et.dispatchEvent(new Event('s')); return seen; };
"""

CORPUS = Corpus(
    name="globals",
    header=HEADER,
    cases=(
        # structuredClone
        ("clone-generated", "cloneMany(3000, 7)"),
        ("clone-generated-2", "cloneMany(2000, 12345)"),
        ("clone-cycle", "(() => { const c = {}; c.self = c; c.arr = [c]; const x = structuredClone(c); return [x.self === x, x.arr[0] === x, x !== c]; })()"),
        ("clone-shared-buffer", "(() => { const ab = new ArrayBuffer(4); const o = structuredClone({ u: new Uint8Array(ab), v: new Uint16Array(ab, 2, 1) }); return [o.u.buffer === o.v.buffer, o.v.byteOffset, o.v.length]; })()"),
        ("clone-holes-and-keys", "(() => { const a = [1, , 3]; a.x = 5; const c = structuredClone(a); return [c.length, 1 in c, c.x]; })()"),
        ("clone-prototype-dropped", "(() => { class K { constructor() { this.a = 1; } get b() { return 2; } } const c = structuredClone(new K()); return [c.constructor === Object, c.a, c.b]; })()"),
        ("clone-getters-run", "structuredClone({ get a() { return 7; } })"),
        ("clone-errors", "[new RangeError('m', { cause: 1 }), Object.assign(new Error('x'), { name: 'TypeError' }), new (class K extends Error {})('k')].map((e) => { const c = structuredClone(e); return [c.constructor.name, c.name, c.message, c.cause, Object.keys(c), c.stack === e.stack]; })"),
        ("clone-wrappers", "[structuredClone(new Number(3)), structuredClone(Object(1n)), structuredClone(new String('s')) instanceof String, structuredClone(new Boolean(false)).valueOf()]"),
        ("clone-regexp-date", "[structuredClone(/a/gi).flags, structuredClone(new Date(NaN)), structuredClone(new Date(0))]"),
        ("clone-symbol-keys-skipped", "structuredClone({ [Symbol('x')]: 1, b: 2 })"),
        ("clone-refuses-symbol", "err(() => structuredClone(Symbol('q')))"),
        ("clone-refuses-function", "err(() => structuredClone({ a: () => 1 }))"),
        ("clone-refuses-promise", "err(() => structuredClone(Promise.resolve()))"),
        ("clone-refuses-weakmap", "err(() => structuredClone([new WeakMap()]))"),
        ("clone-no-argument", "err(() => structuredClone())"),
        ("clone-bad-transfer", "err(() => structuredClone(1, { transfer: 5 }))"),
        ("clone-transfer-detaches", "(() => { const ab = new ArrayBuffer(8); const r = structuredClone(ab, { transfer: [ab] }); return [ab.byteLength, r.byteLength]; })()"),
        ("clone-getter-throws", "err(() => structuredClone({ get a() { throw new TypeError('getter'); } }))"),
        ("clone-deep-nesting", "err(() => { let d = {}; for (let i = 0; i < 100000; i++) d = { d }; return structuredClone(d); })[0]"),
        # EventTarget / Event
        ("event-dispatch", "events()"),
        ("event-defaults", "(() => { const e = new Event('x', { cancelable: true }); return [e.type, e.bubbles, e.cancelable, e.defaultPrevented, e.eventPhase, e.isTrusted, e.composed, String(e), Event.NONE, Event.AT_TARGET, e.target, Object.keys(e)]; })()"),
        ("event-prevent-default", "(() => { const et = new EventTarget(); const e = new Event('c', { cancelable: true }); et.addEventListener('c', (ev) => ev.preventDefault()); return [et.dispatchEvent(e), e.defaultPrevented, new Event('n').returnValue]; })()"),
        ("event-no-type", "err(() => new Event())"),
        ("event-dispatch-non-event", "err(() => new EventTarget().dispatchEvent({}))"),
        ("event-bad-listener", "err(() => new EventTarget().addEventListener('x', 5))"),
        ("event-missing-args", "err(() => new EventTarget().addEventListener())"),
        ("event-custom", "[new CustomEvent('q', { detail: 5 }).detail, new CustomEvent('q').detail, new CustomEvent('q') instanceof Event]"),
        ("event-listener-signal", "(() => { const ac = new AbortController(); const et = new EventTarget(); let n = 0; et.addEventListener('x', () => n++, { signal: ac.signal }); et.dispatchEvent(new Event('x')); ac.abort(); et.dispatchEvent(new Event('x')); return n; })()"),
        ("event-tags", "[Object.prototype.toString.call(new Event('x')), Object.prototype.toString.call(new EventTarget())]"),
        ("abort-signal-is-event-target", "(() => { const ac = new AbortController(); const got = []; ac.signal.addEventListener('abort', (ev) => got.push([ev.type, ev instanceof Event, ev.target === ac.signal])); ac.signal.onabort = (ev) => got.push('on'); ac.abort(); ac.abort(); return [ac.signal instanceof EventTarget, Object.getPrototypeOf(AbortSignal.prototype) === EventTarget.prototype, got]; })()"),
        # Blob / File / FormData and the multipart body fetch sends (the random boundary digits masked)
        ("blob-basics", "(async () => { const b = new Blob(['h\\u00e9', new Uint8Array([1, 2]), new Blob(['x'])], { type: 'Text/Plain' }); return [b.size, b.type, await b.text(), new Uint8Array(await b.arrayBuffer()), await b.slice(1, 4).text(), b.slice(-2).size, Object.prototype.toString.call(b), Object.keys(b)]; })()"),
        ("file-basics", "(() => { const f = new File(['abc'], 'a.txt', { type: 'text/plain', lastModified: 5 }); return [f.name, f.size, f.type, f.lastModified, f instanceof Blob, Object.prototype.toString.call(f)]; })()"),
        ("formdata-ops", "(() => { const fd = new FormData(); fd.append('a', '1'); fd.append('a', 2); fd.append('b', new Blob(['x'])); fd.set('a', '3'); fd.append('c', new File(['y'], 'y.bin'), 'renamed'); const out = [...fd].map(([k, v]) => [k, typeof v === 'string' ? v : [v.constructor.name, v.name, v.size, v.type]]); fd.delete('b'); return [out, fd.get('a'), fd.getAll('a'), fd.has('b'), [...fd.keys()], fd.get('zz')]; })()"),
        ("formdata-multipart-body", "(async () => { const fd = new FormData(); fd.append('na\"me\\n', 'line1\\nline2\\r'); fd.append('file', new Blob([new Uint8Array([0, 255])], { type: 'application/x-bin' }), 'f\"1.bin'); fd.append('plain', new Blob(['z'])); const r = new Request('http://h.example/', { method: 'POST', body: fd }); const ct = r.headers.get('content-type'); const body = await r.text(); return [ct.replace(/\\d{11}$/, 'N'), body.replace(/formdata-undici-0\\d{11}/g, 'B')]; })()"),
        ("blob-body", "(async () => { const r = new Request('http://h.example/', { method: 'POST', body: new Blob(['abc'], { type: 'text/x-a' }) }); return [r.headers.get('content-type'), await r.text()]; })()"),
        ("response-blob-formdata", "(async () => { const b = await new Response('hi', { headers: { 'content-type': 'text/x' } }).blob(); const f = await new Response('a=1&b=%20x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData(); return [b.size, b.type, await b.text(), [...f]]; })()"),
        # Response.error / Response.redirect
        ("response-error", "(() => { const r = Response.error(); return [r.status, r.type, r.ok, r.statusText, r.url, [...r.headers]]; })()"),
        ("response-redirect", "(() => { const r = Response.redirect('https://a.example/x y', 301); return [r.status, r.type, [...r.headers], Response.redirect('http://a/').status]; })()"),
        ("response-redirect-bad-status", "err(() => Response.redirect('https://a.example', 200))"),
        ("response-redirect-bad-url", "err(() => Response.redirect('nope'))"),
    ),
    deliberate={},
)
