"""Seed corpus: the encoder itself and a few globals every connector touches."""

from support.differential import Corpus

CORPUS = Corpus(
    name="basics",
    cases=(
        ("undefined-nan-negzero", "[undefined, NaN, -0, Infinity, 1n]"),
        ("url-parts", "(u => [u.host, u.pathname, u.search])(new URL('https://a.example/p/../q?x=1#h'))"),
        ("search-params", "new URLSearchParams({a: 'b c', k: '~*!'}).toString()"),
        ("buffer-hex-base64url", "[Buffer.from('héllo').toString('hex'), Buffer.from([250, 251, 252]).toString('base64url')]"),
        ("buffer-class", "Buffer.from('ab')"),
        ("text-encoder", "new TextEncoder().encode('€')"),
        ("error-shape", "(() => { try { JSON.parse('{'); } catch (e) { return e.name; } })()"),
        ("thrown-type-error", "(() => { try { null.x; } catch (e) { return [e.name, e instanceof TypeError]; } })()"),
        ("engine-message", "(() => { try { null.x; } catch (e) { return e.message; } })()"),
        ("date-iso", "new Date(Date.UTC(2024, 1, 29, 12)).toISOString()"),
        ("promise-all-order", "Promise.all([Promise.resolve(1), 2, new Promise((r) => setTimeout(() => r(3), 5))])"),
        ("json-roundtrip", "JSON.parse(JSON.stringify({a: [1, {b: null}], c: 'd'}))"),
        ("map-set", "[new Map([[1, 'a']]), new Set(['x'])]"),
    ),
    deliberate={"engine-message@quickjs": "the engine's own wording of built-in errors (QuickJS: \"cannot read property 'x' of null\")"},
)
