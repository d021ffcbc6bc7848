"""util.inspect and util.format layout: thousands of generated arrays (numbers, mixed, sparse, long, nested)
and objects, under generated options (breakLength, compact, depth, maxArrayLength), digested; plus named cases
for Node's array grouping (groupArrayElements), "... n more items", long strings and escapes."""

from support.differential import Corpus

HEADER = r"""
import { inspect, format } from 'node:util';
const prng = (seed) => () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
const pick = (r, list) => list[Math.floor(r() * list.length)];
const number = (r) => { const k = Math.floor(r() * 9);
  switch (k) {
    case 0: return Math.floor(r() * 10); case 1: return Math.floor(r() * 1000); case 2: return -Math.floor(r() * 100000);
    case 3: return Math.round(r() * 1e6) / 100; case 4: return pick(r, [-0, NaN, Infinity, -Infinity, 1e21, 5e-7]);
    case 5: return Math.floor(r() * 2 ** 40); case 6: return r(); default: return Math.floor(r() * 100) - 50;
  } };
const STRINGS = ['', 'a', 'ab', 'hello', "it's", 'say "hi"', 'tab\there', 'x'.repeat(20), 'line\nbreak', 'é€', 'back\\slash',
  "mixed ' and \" and `", 'long '.repeat(20), 'multi\nline '.repeat(8)];
const value = (r, depth) => { const k = Math.floor(r() * (depth > 2 ? 6 : 10));
  switch (k) {
    case 0: case 1: return number(r); case 2: return pick(r, STRINGS); case 3: return pick(r, [true, false, null, undefined]);
    case 4: return BigInt(Math.floor(r() * 1e6)) * pick(r, [1n, -1n, 10n ** 20n]); case 5: return Symbol(pick(r, ['', 's', 'a b']));
    case 6: return array(r, depth + 1); case 7: return object(r, depth + 1);
    case 8: return pick(r, [new Map([[1, 'a'], ['b', { c: 2 }]]), new Set([1, 'two', [3]]), new Date(Math.floor(r() * 1e12)), /re+g/gi, new Uint8Array([1, 2, 300]), Object.create(null)]);
    default: return numbers(r);
  } };
const numbers = (r) => Array.from({ length: pick(r, [0, 1, 5, 6, 7, 8, 12, 20, 27, 50, 99, 100, 101, 130]) }, () => number(r));
const array = (r, depth) => { const a = Array.from({ length: Math.floor(r() * (depth > 1 ? 5 : 30)) }, () => value(r, depth));
  if (r() < 0.15 && a.length > 2) delete a[Math.floor(r() * a.length)];
  if (r() < 0.05) a.extra = 'x'; if (r() < 0.05) a.length += Math.floor(r() * 5); return a; };
const KEYS = ['a', 'b', 'key', 'with space', 'é', '0', '12', 'quote\'s', 'camelCase', 'x-y'];
const object = (r, depth) => { const o = {}; for (let i = 0; i < r() * 6; i++) o[pick(r, KEYS)] = value(r, depth); return o; };
const OPTIONS = [undefined, { breakLength: 40 }, { breakLength: 120 }, { breakLength: Infinity }, { compact: 1 }, { compact: 5 },
  { depth: 0 }, { depth: 4 }, { depth: null }, { maxArrayLength: 10 }, { maxArrayLength: 0 }, { compact: false }];
const inspectMany = (count, seed, make) => { const r = prng(seed); const out = [];
  const safe = (f) => { try { return f(); } catch (e) { return e.name; } };  // %d of [Symbol()] throws (engines word it differently)
  const digests = [];  // digested 100 values at a time: one JSON text of every output would not fit the heap limit
  for (let i = 0; i < count; i++) {
    const v = make(r); out.push(inspect(v, pick(r, OPTIONS)), format(v), safe(() => format('%s|%O|%d|%i', v, v, v, v)));
    if (out.length >= 300) digests.push(__digest(out.splice(0)));
  }
  return __digest(digests.concat([__digest(out)])); };
"""

CORPUS = Corpus(
    name="inspect",
    header=HEADER,
    cases=(
        ("generated-number-arrays", "inspectMany(800, 1, numbers)"),
        ("generated-arrays", "inspectMany(600, 2, (r) => array(r, 0))"),
        ("generated-objects", "inspectMany(600, 3, (r) => object(r, 0))"),
        ("generated-typed", "inspectMany(300, 4, (r) => new (pick(r, [Uint8Array, Int16Array, Float64Array, BigInt64Array]))(pick(r, [0, 3, 7, 30, 120])).map((_, i) => typeof _ === 'bigint' ? BigInt(i * 37) : i * 37 % 1000))"),
        ("generated-collections", "inspectMany(300, 5, (r) => pick(r, [new Set(numbers(r)), new Map(numbers(r).map((n, i) => [i, n]))]))"),
        ("grouped-numbers", "inspect(Array.from({ length: 30 }, (_, i) => i * 37 % 1000))"),
        ("grouped-strings", "inspect(Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(i % 5 + 1)))"),
        ("grouped-mixed-pad-end", "inspect([1, 2, 3, 'four', 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27])"),
        ("grouped-with-extra-key", "(() => { const a = Array.from({ length: 30 }, (_, i) => i); a.extra = 'x'; return inspect(a); })()"),
        ("grouped-sparse", "inspect([, , 1, , 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27])"),
        ("more-items", "[inspect(Array.from({ length: 102 }, (_, i) => i)), inspect(new Uint8Array(120)), inspect(new Set(Array.from({ length: 103 }, (_, i) => i))), inspect(new Map(Array.from({ length: 101 }, (_, i) => [i, i])))]"),
        ("more-items-sparse", "(() => { const a = []; a[5] = 1; a[300] = 2; return [inspect(a), inspect(a, { maxArrayLength: 1 }), inspect(a, { maxArrayLength: 2 })]; })()"),
        ("seven-short", "[inspect([1, 2, 3, 4, 5, 6, 7]), inspect(['a', 'b', 'c', 'd', 'e', 'f', 'g']), inspect([1, 2, 3, 4, 5, 6])]"),
        ("nested-grouped", "inspect({ data: { rows: Array.from({ length: 40 }, (_, i) => i * i), label: 'squares' } })"),
        ("wide-entries-not-grouped", "inspect(Array.from({ length: 8 }, (_, i) => 'entry number ' + i + ' is quite long'))"),
        ("long-strings", "[inspect(['aaaaaaaaaaaaaaaaaa\\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb']), inspect({ a: 'x'.repeat(100) }), inspect('one\\ntwo\\nthree '.repeat(10))]"),
        ("escapes", "[inspect('\\v\\x7f\\x85\\u2028\\ud800x'), inspect(\"it's ${x}\\\"\"), inspect(\"it's \\\"`\"), inspect({ 'a-b': 1, \"it's\": 2, [Symbol('q')]: 3, 1: 4 })]"),
        ("depth-labels", "[inspect([[[[1]]]]), inspect({ a: { b: { c: { d: 1 } } } }), inspect({ a: { b: { c: Object.create(null) } } }), inspect({ a: { b: { c: new Map() } } })]"),
        ("format-directives", "[format('%s %d %i %f %j %O %c%%', [1, 2], [5], '7.9', '1.5', { a: [1] }, { b: 2 }, 'css'), format('100%%'), format('%s'), format('%d', 5n), format('a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26])]"),
        ("console-table-like", "[inspect([1, 2, 3, 4, 5], { maxArrayLength: 3, breakLength: Infinity }), inspect({ a: 1, b: 2, c: 3 }, { depth: -1 })]"),
    ),
    deliberate={},
)
