"""Node built-in modules connector code may import: querystring, util, events, timers/promises, url,
buffer, each imported as Node's own (with and without `node:`), checked against Node 20."""

from support.differential import Corpus

_HEADER = """import qs from 'node:querystring';
import * as qsNs from 'querystring';
import util from 'util';
import { format, inspect, promisify, callbackify, types, TextEncoder as TE, TextDecoder as TD } from 'node:util';
import EventEmitter, { once } from 'events';
import { setTimeout as sleep, setImmediate as immediate } from 'timers/promises';
import url, { URL as U, URLSearchParams as USP } from 'node:url';
import { Buffer as B, kMaxLength, constants } from 'buffer';
const __rng = (seed) => () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
const __pick = (r, s) => s[r() % s.length];
"""

_CASES = (
    # querystring
    ("qs-stringify-basic", "qs.stringify({a: 'b c', n: 1, t: true, arr: ['x', 'y'], e: '', u: undefined, nul: null, o: {}, big: 2n, inf: Infinity})"),
    ("qs-stringify-sep-eq", "qs.stringify({a: 1, b: 2}, ';', ':')"),
    ("qs-stringify-encoder", "qs.stringify({a: 'é x'}, null, null, {encodeURIComponent: (s) => s.toUpperCase()})"),
    ("qs-stringify-nonobject", "[qs.stringify('x'), qs.stringify(null), qs.stringify(5)]"),
    ("qs-encode-alias", "qs.encode === qs.stringify && qs.decode === qs.parse && qsNs.stringify === qs.stringify"),
    ("qs-parse-basic", "({...qs.parse('a=1&b=x+y&a=2&c&=d&e=%20%E2%82%AC')})"),
    ("qs-parse-proto", "Object.getPrototypeOf(qs.parse('a=1'))"),
    ("qs-parse-sep-eq-maxkeys", "[{...qs.parse('a:1;b:2;c:3', ';', ':', {maxKeys: 2})}, {...qs.parse('a=1&b=2', null, null, {maxKeys: 0})}]"),
    ("qs-parse-bad-escape", "({...qs.parse('a=%E2%82&b=%zz&c=%41')})"),
    ("qs-escape-unescape", "[qs.escape(\"a b&c/d?é~*'()!\"), qs.unescape('a%20b%zz'), qs.unescape('%E2%82%AC+')]"),
    ("qs-escape-lone-surrogate", "qs.escape('\\ud800')"),
    ("qs-generated-roundtrip", "(() => { const r = __rng(7); const out = []; for (let i = 0; i < 400; i++) { const o = {}; for (let k = 0; k < 3; k++) o[__pick(r, ['a', 'b c', 'é', '&', '=', '+', '%'])] = __pick(r, ['1', 'x y', '€', '', '%25', 'a+b', '~']); const s = qs.stringify(o); out.push(s, {...qs.parse(s)}); } return __digest(out); })()"),
    ("qs-generated-parse", "(() => { const r = __rng(11); const out = []; for (let i = 0; i < 400; i++) { let s = ''; for (let k = 0; k < 6; k++) s += __pick(r, ['a', '=', '&', '%', '2', '0', 'E', '+', 'é', 'x']); out.push({...qs.parse(s)}); } return __digest(out); })()"),
    # util.format
    ("util-format-s", "[format('%s|%s|%s|%s|%s', 'a', 1, -0, 2n, Symbol('q')), format('%s', null), format('%s', undefined)]"),
    ("util-format-s-object", "[format('%s', {a: 1}), format('%s', [1, 2]), format('%s', {toString() { return 'T'; }}), format('%s', new Error('boom').message)]"),
    ("util-format-d-i-f", "[format('%d %d %d %d', '42', 1.5, 3n, {}), format('%i %i', '42.9px', 7n), format('%f %f', '1.5e3x', 'x')]"),
    ("util-format-j", "(() => { const c = {}; c.c = c; return [format('%j', {a: [1, 'b']}), format('%j', c), format('%j', undefined)]; })()"),
    ("util-format-o-c-percent", "[format('%O', {a: {b: 1}}), format('%c%s', 'color: red', 'x'), format('100%% %s', 'sure'), format('%x %s', 1)]"),
    ("util-format-extra-args", "[format('a', 'b', 1, {c: 2}), format(1, 2), format({a: 1}, 'x'), format('%s'), format()]"),
    ("util-format-header", "format('Bearer %s; v=%d', 'tok', 2)"),
    # util.inspect
    ("util-inspect-primitives", "[inspect('it\\'s'), inspect(\"a'b\\\"c\"), inspect('x\\ny'), inspect(-0), inspect(10n), inspect(undefined), inspect(null), inspect(Symbol('s'))]"),
    ("util-inspect-objects", "[inspect({a: 1, b: 'x', 'c-d': [1, 2]}), inspect([]), inspect({}), inspect([1, [2, [3, [4, [5]]]]]), inspect({a: {b: {c: {d: 1}}}})]"),
    ("util-inspect-functions", "[inspect(function named() {}), inspect(() => 1), inspect(class K {}), inspect(async function af() {}), inspect({f() {}})]"),
    ("util-inspect-collections", "[inspect(new Map([['a', 1]])), inspect(new Set([1, 'x'])), inspect(new Map()), inspect(new Uint8Array([1, 2]))]"),
    ("util-inspect-dates-regexp", "[inspect(new Date(0)), inspect(/a+b/gi), inspect([new Date(86400000)])]"),
    ("util-inspect-circular", "(() => { const o = {name: 'x'}; o.self = o; return inspect(o); })()"),
    ("util-inspect-null-proto-class", "[inspect(Object.create(null)), inspect(Object.assign(Object.create(null), {a: 1})), inspect(new (class Foo { constructor() { this.a = 1; } })())]"),
    ("util-inspect-long", "inspect({alpha: 'aaaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbbbbb', gamma: 'cccccccccccccccccccc', delta: [1, 2, 3]})"),
    ("util-inspect-depth", "[inspect({a: {b: {c: {}}}}, {depth: 0}), inspect({a: {b: {c: {d: {}}}}}, {depth: null})]"),
    ("util-inspect-holes-symbols", "[inspect([1, , 3]), inspect([, , ]), inspect({[Symbol('k')]: 1})]"),
    # util.promisify / callbackify / types / encoders
    ("util-promisify", "(async () => { const f = (a, b, cb) => cb(null, a + b); const g = (cb) => cb(new Error('no')); const p = promisify(f); let e; try { await promisify(g)(); } catch (x) { e = x.message; } return [await p(1, 2), e, typeof promisify.custom]; })()"),
    ("util-promisify-custom", "(() => { const f = () => {}; f[promisify.custom] = () => Promise.resolve(7); return promisify(f)(); })()"),
    ("util-promisify-not-function", "promisify(5)"),
    ("util-callbackify", "new Promise((resolve) => callbackify(async (x) => x * 2)(21, (err, v) => resolve([err, v])))"),
    ("util-types", "[types.isDate(new Date()), types.isRegExp(/x/), types.isPromise(Promise.resolve()), types.isMap(new Map()), types.isSet(new Set()), types.isTypedArray(new Uint8Array(1)), types.isUint8Array(B.from('a')), types.isArrayBuffer(new ArrayBuffer(1)), types.isNativeError(new TypeError('x')), types.isAsyncFunction(async () => {}), types.isGeneratorFunction(function* () {}), types.isDate({})]"),
    ("util-encoders", "[new TE().encode('€'), new TD().decode(new Uint8Array([0xe2, 0x82, 0xac])), util.TextEncoder === TE]"),
    ("util-inherits-deep-equal", "(() => { function A() {} function Bc() {} util.inherits(Bc, A); return [new Bc() instanceof A, Bc.super_ === A, util.isDeepStrictEqual({a: [1, {b: 2}]}, {a: [1, {b: 2}]}), util.isDeepStrictEqual({a: 1}, {a: '1'})]; })()"),
    # events
    ("events-basic", "(() => { const e = new EventEmitter(); const seen = []; e.on('x', (a, b) => seen.push(['on', a, b])); e.once('x', (a) => seen.push(['once', a])); e.prependListener('x', () => seen.push('first')); const r1 = e.emit('x', 1, 2); const r2 = e.emit('x', 3); return [seen, r1, r2, e.emit('none'), e.listenerCount('x'), e.eventNames()]; })()"),
    ("events-off-removeall", "(() => { const e = new EventEmitter(); const f = () => {}; e.on('a', f); e.on('a', f); e.off('a', f); const one = e.listenerCount('a'); e.on('b', f); e.removeAllListeners('a'); const two = e.eventNames(); e.removeAllListeners(); return [one, two, e.eventNames(), e.listeners('b')]; })()"),
    ("events-error", "(() => { const e = new EventEmitter(); try { e.emit('error', new Error('bad')); } catch (x) { return x.message; } })()"),
    ("events-error-nonerror", "(() => { const e = new EventEmitter(); try { e.emit('error', 'str'); } catch (x) { return [x.message, x.code]; } })()"),
    ("events-this-and-max", "(() => { const e = new EventEmitter(); let self; e.on('x', function () { self = this; }); e.emit('x'); return [self === e, e.getMaxListeners(), e.setMaxListeners(3) === e, e.getMaxListeners(), EventEmitter.defaultMaxListeners]; })()"),
    ("events-subclass", "(() => { class Conn extends EventEmitter { ping() { this.emit('pong', 1); } } const c = new Conn(); let got; c.on('pong', (v) => { got = v; }); c.ping(); return [got, c instanceof EventEmitter, EventEmitter.EventEmitter === EventEmitter]; })()"),
    ("events-once-promise", "(async () => { const e = new EventEmitter(); setTimeout(() => e.emit('ready', 1, 2), 1); return once(e, 'ready'); })()"),
    ("events-once-promise-error", "(async () => { const e = new EventEmitter(); setTimeout(() => e.emit('error', new Error('late')), 1); return once(e, 'ready'); })()"),
    ("events-bad-listener", "new EventEmitter().on('x', 5)"),
    ("events-new-listener", "(() => { const e = new EventEmitter(); const seen = []; e.on('newListener', (n) => seen.push(n)); e.on('a', () => {}); return seen; })()"),
    # timers/promises
    ("timers-promises", "(async () => { const order = []; const a = sleep(5, 'late').then((v) => order.push(v)); const b = immediate('now').then((v) => order.push(v)); await Promise.all([a, b]); return [order, await sleep(1)]; })()"),
    ("timers-promises-abort", "(async () => { const c = new AbortController(); const p = sleep(1000, 'x', {signal: c.signal}); c.abort(); try { await p; } catch (e) { return [e.name, e.code]; } })()"),
    # url and buffer
    ("url-module", "[url.URL === URL, U === URL, USP === URLSearchParams, new U('https://a.example/p?q=1').searchParams.get('q')]"),
    ("url-to-http-options", "url.urlToHttpOptions(new URL('https://u:p%40@a.example:8443/p?q=1#h'))"),
    ("buffer-module", "[B === Buffer, kMaxLength, constants.MAX_STRING_LENGTH, B.from('hi').toString('base64')]"),
)

CORPUS = Corpus(
    name="modules",
    header=_HEADER,
    cases=_CASES,
    deliberate={},
)
