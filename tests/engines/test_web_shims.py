"""The web/Node globals from js_runtime/shims/web.js (URL, URLSearchParams, Buffer, TextEncoder,
TextDecoder, atob, btoa, DOMException), run on both engines and compared with Node.js.

Node is the oracle: every expected value in CASES is what Node.js v20 printed for the same expression
(`JSON.stringify` of `{ ok: value }`), pasted here as a literal. Each group of cases runs as one job
that returns the results of all its expressions, so the whole table costs a few dozen jobs.
"""

import random
from typing import Any

import pytest

pytestmark = pytest.mark.asyncio

# Helpers every case expression may use; each case runs as `() => (expression)` inside `run`.
# `digest` summarises a long string as [length, order-sensitive hash].
HELPERS_JS = r"""
const props = (u) => [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port,
  u.pathname, u.search, u.hash];
const bytes = (b) => Array.from(b);
const err = (f) => {
  try { f(); return null; } catch (e) { return [e.name, e.message, e.code === undefined ? null : e.code]; }
};
const setURL = (href, prop, value) => { const u = new URL(href); u[prop] = value; return u.href; };
const digest = (s) => [s.length, Array.from(s).reduce((h, c) => (h * 31 + c.codePointAt(0)) % 1000000007, 0)];
const run = (f) => { try { return { ok: f() }; } catch (e) { return { threw: [e.name, e.message] }; } };
"""

CASES: dict[str, list[tuple[str, Any]]] = {
    "params_encoding": [
        (
            "new URLSearchParams({a: 'b c'}).toString()",
            'a=b+c',
        ),
        (
            "new URLSearchParams({q: 'a+b&c=d'}).toString()",
            'q=a%2Bb%26c%3Dd',
        ),
        (
            'new URLSearchParams({k: "~*\'!()"}).toString()',
            'k=%7E*%27%21%28%29',
        ),
        (
            "new URLSearchParams({k: '-._'}).toString()",
            'k=-._',
        ),
        (
            "new URLSearchParams({k: '/?#[]@$,;:%'}).toString()",
            'k=%2F%3F%23%5B%5D%40%24%2C%3B%3A%25',
        ),
        (
            'new URLSearchParams({k: \'`^{|}\\"<>\\\\\'}).toString()',
            'k=%60%5E%7B%7C%7D%22%3C%3E%5C',
        ),
        (
            r"new URLSearchParams({k: '\u0000\u001f\u007f'}).toString()",
            'k=%00%1F%7F',
        ),
        (
            r"new URLSearchParams({k: 'caf\u00e9 \u65e5\u672c'}).toString()",
            'k=caf%C3%A9+%E6%97%A5%E6%9C%AC',
        ),
        (
            r"new URLSearchParams({k: '\ud83d\ude00'}).toString()",
            'k=%F0%9F%98%80',
        ),
        (
            r"new URLSearchParams({k: 'a\ud800b\udc00'}).toString()",
            'k=a%EF%BF%BDb%EF%BF%BD',
        ),
        (
            "new URLSearchParams({'a b': 'c&d', 'e=f': ''}).toString()",
            'a+b=c%26d&e%3Df=',
        ),
        (
            "String(new URLSearchParams([['x', '1'], ['x', '2 3']]))",
            'x=1&x=2+3',
        ),
        (
            "`${new URLSearchParams({a: 'b c'})}`",
            'a=b+c',
        ),
        (
            "'?' + new URLSearchParams({redirect_uri: 'https://a.com/cb?x=1&y=2'})",
            '?redirect_uri=https%3A%2F%2Fa.com%2Fcb%3Fx%3D1%26y%3D2',
        ),
        (
            "new URLSearchParams({a: 1, b: true, c: null, d: undefined, e: [1, 2], f: {}}).toString()",
            'a=1&b=true&c=null&d=undefined&e=1%2C2&f=%5Bobject+Object%5D',
        ),
    ],
    "params_parsing": [
        (
            "[...new URLSearchParams('a=1&b=2')]",
            [['a', '1'], ['b', '2']],
        ),
        (
            "[...new URLSearchParams('?a=1')]",
            [['a', '1']],
        ),
        (
            "[...new URLSearchParams('??a=1')]",
            [['?a', '1']],
        ),
        (
            "[...new URLSearchParams('a=b+c&d=%2B&e=%20')]",
            [['a', 'b c'], ['d', '+'], ['e', ' ']],
        ),
        (
            "[...new URLSearchParams('a=%zz&b=%&c=%4')]",
            [['a', '%zz'], ['b', '%'], ['c', '%4']],
        ),
        (
            "[...new URLSearchParams('a=%e2%82&b=%E2%82%AC&c=%C3%A9%')]",
            [['a', '�'], ['b', '€'], ['c', 'é%']],
        ),
        (
            "[...new URLSearchParams('a=%ED%A0%80&b=%c0%af&c=%F0%9F%98%80')]",
            [['a', '���'], ['b', '��'], ['c', '😀']],
        ),
        (
            "[...new URLSearchParams('a==b&=c&d&&&e=')]",
            [['a', '=b'], ['', 'c'], ['d', ''], ['e', '']],
        ),
        (
            "[...new URLSearchParams('%61+%62=%63')]",
            [['a b', 'c']],
        ),
        (
            r"[...new URLSearchParams('\u00e9=\ud83d\ude00&x=\ud800')]",
            [['é', '😀'], ['x', '�']],
        ),
        (
            "new URLSearchParams('a=%7e&b=%2a&c=+').toString()",
            'a=%7E&b=*&c=+',
        ),
        (
            "[...new URLSearchParams([['a', 'b'], new Set(['c', 'd'])])]",
            [['a', 'b'], ['c', 'd']],
        ),
        (
            "[...new URLSearchParams(new Map([['a', 1], ['b', true]]))]",
            [['a', '1'], ['b', 'true']],
        ),
        (
            "[...new URLSearchParams(new URLSearchParams('x=1&y=2'))]",
            [['x', '1'], ['y', '2']],
        ),
        (
            "[...new URLSearchParams(null)]",
            [],
        ),
        (
            "[...new URLSearchParams(undefined)]",
            [],
        ),
        (
            "[...new URLSearchParams(12)]",
            [['12', '']],
        ),
        (
            "err(() => new URLSearchParams([['a']]))",
            ['TypeError', 'Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE'],
        ),
        (
            "err(() => new URLSearchParams(['ab']))",
            ['TypeError', 'Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE'],
        ),
        (
            "err(() => new URLSearchParams({[Symbol.iterator]: 5}))",
            ['TypeError', 'Query pairs must be iterable', 'ERR_ARG_NOT_ITERABLE'],
        ),
    ],
    "params_methods": [
        (
            "(() => { const p = new URLSearchParams('a=1&b=2&a=3'); return [p.get('a'), p.get('z'),"
            " p.getAll('a'), p.getAll('z'), p.has('b'), p.has('a', '3'), p.has('a', '4'), p.size]; })()",
            ['1', None, ['1', '3'], [], True, True, False, 3],
        ),
        (
            "(() => { const p = new URLSearchParams('a=1&b=2&a=3'); p.set('a', 'x'); const one ="
            " p.toString(); p.set('n', 'y'); return [one, p.toString()]; })()",
            ['a=x&b=2', 'a=x&b=2&n=y'],
        ),
        (
            "(() => { const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a', '3'); const one ="
            " p.toString(); p.delete('a'); return [one, p.toString(), p.size]; })()",
            ['a=1&b=2', 'b=2', 1],
        ),
        (
            r"(() => { const p = new URLSearchParams('c=3&a=1&b=2&a=0&B=9&\u00e9=1&z=1&A=2'); p.sort(); return"
            " p.toString(); })()",
            'A=2&B=9&a=1&a=0&b=2&c=3&z=1&%C3%A9=1',
        ),
        (
            "(() => { const p = new URLSearchParams('a=1&b=2'); p.append('c', 'd e'); p.append('a', 0);"
            " return p.toString(); })()",
            'a=1&b=2&c=d+e&a=0',
        ),
        (
            "(() => { const p = new URLSearchParams('a=1&b=2'); const out = []; p.forEach(function (v, k, o)"
            " { out.push([v, k, o === p, this.t]); }, {t: 1}); return out; })()",
            [['1', 'a', True, 1], ['2', 'b', True, 1]],
        ),
        (
            "(() => { const p = new URLSearchParams('a=1&b=2'); return [[...p.keys()], [...p.values()],"
            " [...p.entries()], Array.from(p)]; })()",
            [['a', 'b'], ['1', '2'], [['a', '1'], ['b', '2']], [['a', '1'], ['b', '2']]],
        ),
        (
            "(() => { const p = new URLSearchParams('a=1'); const it = p.keys(); p.append('b', 2); return"
            " [...it]; })()",
            ['a', 'b'],
        ),
        (
            "(() => { const p = new URLSearchParams('a=1&b=2'); let n = 0; for (const [k] of p) if (n++ < 2)"
            " p.append(k + k, 'x'); return [n, p.toString()]; })()",
            [4, 'a=1&b=2&aa=x&bb=x'],
        ),
        (
            "[Object.prototype.toString.call(new URLSearchParams()), JSON.stringify(new"
            " URLSearchParams('a=1')), typeof URLSearchParams.prototype[Symbol.iterator]]",
            ['[object URLSearchParams]', '{}', 'function'],
        ),
        (
            "err(() => new URLSearchParams().append('a'))",
            ['TypeError', 'The "name" and "value" arguments must be specified', 'ERR_MISSING_ARGS'],
        ),
        (
            "err(() => new URLSearchParams().get())",
            ['TypeError', 'The "name" argument must be specified', 'ERR_MISSING_ARGS'],
        ),
        (
            "err(() => new URLSearchParams().forEach())",
            ['TypeError', 'The "callback" argument must be of type function. Received undefined',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => URLSearchParams.prototype.get.call({}, 'a'))",
            ['TypeError', 'Value of "this" must be of type URLSearchParams', 'ERR_INVALID_THIS'],
        ),
    ],
    "url_parsing": [
        (
            'props(new URL("https://example.com"))',
            ['https://example.com/', 'https://example.com', 'https:', '', '', 'example.com', 'example.com', '', '/',
             '', ''],
        ),
        (
            'props(new URL("https://x:443/"))',
            ['https://x/', 'https://x', 'https:', '', '', 'x', 'x', '', '/', '', ''],
        ),
        (
            'props(new URL("http://x:80/a"))',
            ['http://x/a', 'http://x', 'http:', '', '', 'x', 'x', '', '/a', '', ''],
        ),
        (
            'props(new URL("http://x:0080/"))',
            ['http://x/', 'http://x', 'http:', '', '', 'x', 'x', '', '/', '', ''],
        ),
        (
            'props(new URL("HTTP://EXAMPLE.COM/A/B"))',
            ['http://example.com/A/B', 'http://example.com', 'http:', '', '', 'example.com', 'example.com', '', '/A/B',
             '', ''],
        ),
        (
            'props(new URL("https://user:pa ss@host.com:8080/p?q=1#h"))',
            ['https://user:pa%20ss@host.com:8080/p?q=1#h', 'https://host.com:8080', 'https:', 'user', 'pa%20ss',
             'host.com:8080', 'host.com', '8080', '/p', '?q=1', '#h'],
        ),
        (
            'props(new URL("http://a/b/c/./../../g"))',
            ['http://a/g', 'http://a', 'http:', '', '', 'a', 'a', '', '/g', '', ''],
        ),
        (
            'props(new URL("http://a/b/c/.."))',
            ['http://a/b/', 'http://a', 'http:', '', '', 'a', 'a', '', '/b/', '', ''],
        ),
        (
            'props(new URL("http://a/b/c/."))',
            ['http://a/b/c/', 'http://a', 'http:', '', '', 'a', 'a', '', '/b/c/', '', ''],
        ),
        (
            'props(new URL("http://a/%2e%2E/x"))',
            ['http://a/x', 'http://a', 'http:', '', '', 'a', 'a', '', '/x', '', ''],
        ),
        (
            'props(new URL("http://a/b/%2e./c"))',
            ['http://a/c', 'http://a', 'http:', '', '', 'a', 'a', '', '/c', '', ''],
        ),
        (
            r'props(new URL("http://a\\b\\c"))',
            ['http://a/b/c', 'http://a', 'http:', '', '', 'a', 'a', '', '/b/c', '', ''],
        ),
        (
            r'props(new URL("http://a/b c/d\"e<f>g`h{i}j"))',
            ['http://a/b%20c/d%22e%3Cf%3Eg%60h%7Bi%7Dj', 'http://a', 'http:', '', '', 'a', 'a', '',
             '/b%20c/d%22e%3Cf%3Eg%60h%7Bi%7Dj', '', ''],
        ),
        (
            'props(new URL("http://a/?q= \\"<>\'`{}#f \\"<>`"))',
            ['http://a/?q=%20%22%3C%3E%27`{}#f%20%22%3C%3E%60', 'http://a', 'http:', '', '', 'a', 'a', '', '/',
             '?q=%20%22%3C%3E%27`{}', '#f%20%22%3C%3E%60'],
        ),
        (
            r'props(new URL("http://a/\u00e9?\u00e9#\u00e9"))',
            ['http://a/%C3%A9?%C3%A9#%C3%A9', 'http://a', 'http:', '', '', 'a', 'a', '', '/%C3%A9', '?%C3%A9',
             '#%C3%A9'],
        ),
        (
            r'props(new URL("http://a/\ud83d\ude00?\ud83d\ude00"))',
            ['http://a/%F0%9F%98%80?%F0%9F%98%80', 'http://a', 'http:', '', '', 'a', 'a', '', '/%F0%9F%98%80',
             '?%F0%9F%98%80', ''],
        ),
        (
            'props(new URL("http://a/%zz%41"))',
            ['http://a/%zz%41', 'http://a', 'http:', '', '', 'a', 'a', '', '/%zz%41', '', ''],
        ),
        (
            'props(new URL("http:example.com"))',
            ['http://example.com/', 'http://example.com', 'http:', '', '', 'example.com', 'example.com', '', '/', '',
             ''],
        ),
        (
            'props(new URL("http:/example.com"))',
            ['http://example.com/', 'http://example.com', 'http:', '', '', 'example.com', 'example.com', '', '/', '',
             ''],
        ),
        (
            'props(new URL("http:///example.com"))',
            ['http://example.com/', 'http://example.com', 'http:', '', '', 'example.com', 'example.com', '', '/', '',
             ''],
        ),
        (
            r'props(new URL("https:\\\\x.com\\y"))',
            ['https://x.com/y', 'https://x.com', 'https:', '', '', 'x.com', 'x.com', '', '/y', '', ''],
        ),
        (
            'props(new URL("  http://a/  "))',
            ['http://a/', 'http://a', 'http:', '', '', 'a', 'a', '', '/', '', ''],
        ),
        (
            r'props(new URL("ht\ntp://a\t/b\r"))',
            ['http://a/b', 'http://a', 'http:', '', '', 'a', 'a', '', '/b', '', ''],
        ),
        (
            'props(new URL("http://@h/"))',
            ['http://h/', 'http://h', 'http:', '', '', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("http://u:@h/"))',
            ['http://u@h/', 'http://h', 'http:', 'u', '', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("http://:p@h/"))',
            ['http://:p@h/', 'http://h', 'http:', '', 'p', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("http://a:b@c:d@e/"))',
            ['http://a:b%40c%3Ad@e/', 'http://e', 'http:', 'a', 'b%40c%3Ad', 'e', 'e', '', '/', '', ''],
        ),
        (
            'props(new URL("http://h:65535/"))',
            ['http://h:65535/', 'http://h:65535', 'http:', '', '', 'h:65535', 'h', '65535', '/', '', ''],
        ),
        (
            'props(new URL("http://h:/"))',
            ['http://h/', 'http://h', 'http:', '', '', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("http://a#"))',
            ['http://a/#', 'http://a', 'http:', '', '', 'a', 'a', '', '/', '', ''],
        ),
        (
            'props(new URL("http://a?"))',
            ['http://a/?', 'http://a', 'http:', '', '', 'a', 'a', '', '/', '', ''],
        ),
        (
            'props(new URL("http://a/?#"))',
            ['http://a/?#', 'http://a', 'http:', '', '', 'a', 'a', '', '/', '', ''],
        ),
        (
            'props(new URL("http://h/a/b?c#d#e"))',
            ['http://h/a/b?c#d#e', 'http://h', 'http:', '', '', 'h', 'h', '', '/a/b', '?c', '#d#e'],
        ),
        (
            'props(new URL("foo://EXAMPLE.com/a/../b"))',
            ['foo://EXAMPLE.com/b', 'null', 'foo:', '', '', 'EXAMPLE.com', 'EXAMPLE.com', '', '/b', '', ''],
        ),
        (
            'props(new URL("foo:bar"))',
            ['foo:bar', 'null', 'foo:', '', '', '', '', '', 'bar', '', ''],
        ),
        (
            'props(new URL("foo:/a/b"))',
            ['foo:/a/b', 'null', 'foo:', '', '', '', '', '', '/a/b', '', ''],
        ),
        (
            'props(new URL("foo://"))',
            ['foo://', 'null', 'foo:', '', '', '', '', '', '', '', ''],
        ),
        (
            'props(new URL("foo:///x"))',
            ['foo:///x', 'null', 'foo:', '', '', '', '', '', '/x', '', ''],
        ),
        (
            'props(new URL("foo://h?x"))',
            ['foo://h?x', 'null', 'foo:', '', '', 'h', 'h', '', '', '?x', ''],
        ),
        (
            'props(new URL("foo://h"))',
            ['foo://h', 'null', 'foo:', '', '', 'h', 'h', '', '', '', ''],
        ),
        (
            'props(new URL("mailto:Someone@Example.com"))',
            ['mailto:Someone@Example.com', 'null', 'mailto:', '', '', '', '', '', 'Someone@Example.com', '', ''],
        ),
        (
            'props(new URL("javascript:alert(1)"))',
            ['javascript:alert(1)', 'null', 'javascript:', '', '', '', '', '', 'alert(1)', '', ''],
        ),
        (
            'props(new URL("data:text/plain,a b"))',
            ['data:text/plain,a b', 'null', 'data:', '', '', '', '', '', 'text/plain,a b', '', ''],
        ),
        (
            'props(new URL("urn:isbn:123"))',
            ['urn:isbn:123', 'null', 'urn:', '', '', '', '', '', 'isbn:123', '', ''],
        ),
        (
            'props(new URL("non-spec:/.//p"))',
            ['non-spec:/.//p', 'null', 'non-spec:', '', '', '', '', '', '//p', '', ''],
        ),
        (
            r'props(new URL("sc://\u00f1"))',
            ['sc://%C3%B1', 'null', 'sc:', '', '', '%C3%B1', '%C3%B1', '', '', '', ''],
        ),
        (
            'props(new URL("sc://[::1]/"))',
            ['sc://[::1]/', 'null', 'sc:', '', '', '[::1]', '[::1]', '', '/', '', ''],
        ),
        (
            'props(new URL("file:///etc/passwd"))',
            ['file:///etc/passwd', 'null', 'file:', '', '', '', '', '', '/etc/passwd', '', ''],
        ),
        (
            'props(new URL("file://localhost/etc"))',
            ['file:///etc', 'null', 'file:', '', '', '', '', '', '/etc', '', ''],
        ),
        (
            'props(new URL("file://host/share/x"))',
            ['file://host/share/x', 'null', 'file:', '', '', 'host', 'host', '', '/share/x', '', ''],
        ),
        (
            'props(new URL("file:/x"))',
            ['file:///x', 'null', 'file:', '', '', '', '', '', '/x', '', ''],
        ),
        (
            'props(new URL("ws://h:80/"))',
            ['ws://h/', 'ws://h', 'ws:', '', '', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("wss://h:443/"))',
            ['wss://h/', 'wss://h', 'wss:', '', '', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("ftp://h:21/"))',
            ['ftp://h/', 'ftp://h', 'ftp:', '', '', 'h', 'h', '', '/', '', ''],
        ),
        (
            'props(new URL("blob:https://a.com:443/uuid"))',
            ['blob:https://a.com:443/uuid', 'https://a.com', 'blob:', '', '', '', '', '', 'https://a.com:443/uuid', '',
             ''],
        ),
        (
            'props(new URL("blob:foo"))',
            ['blob:foo', 'null', 'blob:', '', '', '', '', '', 'foo', '', ''],
        ),
    ],
    "url_hosts": [
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://0x7f.1/"))',
            ['127.0.0.1', '127.0.0.1', 'http://127.0.0.1/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://127.1/"))',
            ['127.0.0.1', '127.0.0.1', 'http://127.0.0.1/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://0177.0.0.1/"))',
            ['127.0.0.1', '127.0.0.1', 'http://127.0.0.1/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://4294967295/"))',
            ['255.255.255.255', '255.255.255.255', 'http://255.255.255.255/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://1.2.3.4./"))',
            ['1.2.3.4', '1.2.3.4', 'http://1.2.3.4/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://0x/"))',
            ['0.0.0.0', '0.0.0.0', 'http://0.0.0.0/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://%30%78%37%66.1/"))',
            ['127.0.0.1', '127.0.0.1', 'http://127.0.0.1/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://1.1.1.1./"))',
            ['1.1.1.1', '1.1.1.1', 'http://1.1.1.1/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://A.COM.."))',
            ['a.com..', 'a.com..', 'http://a.com../'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[::1]/"))',
            ['[::1]', '[::1]', 'http://[::1]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[0:0:0:0:0:0:0:1]:8080/"))',
            ['[::1]:8080', '[::1]', 'http://[::1]:8080/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[2001:db8:0:0:1:0:0:1]/"))',
            ['[2001:db8::1:0:0:1]', '[2001:db8::1:0:0:1]', 'http://[2001:db8::1:0:0:1]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[::ffff:1.2.3.4]/"))',
            ['[::ffff:102:304]', '[::ffff:102:304]', 'http://[::ffff:102:304]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[1:2:3:4:5:6:7:8]/"))',
            ['[1:2:3:4:5:6:7:8]', '[1:2:3:4:5:6:7:8]', 'http://[1:2:3:4:5:6:7:8]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[1::]/"))',
            ['[1::]', '[1::]', 'http://[1::]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[::]/"))',
            ['[::]', '[::]', 'http://[::]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[1:0:0:2:0:0:0:3]/"))',
            ['[1:0:0:2::3]', '[1:0:0:2::3]', 'http://[1:0:0:2::3]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://[AbCd::]/"))',
            ['[abcd::]', '[abcd::]', 'http://[abcd::]/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://ex%41mple.com/"))',
            ['example.com', 'example.com', 'http://example.com/'],
        ),
        (
            r'(u => [u.host, u.hostname, u.href])(new URL("http://m\u00fcnchen.de/"))',
            ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', 'http://xn--mnchen-3ya.de/'],
        ),
        (
            r'(u => [u.host, u.hostname, u.href])(new URL("http://M\u00dcNCHEN.de/"))',
            ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', 'http://xn--mnchen-3ya.de/'],
        ),
        (
            r'(u => [u.host, u.hostname, u.href])(new URL("http://\uff21\uff22\uff23.com/"))',
            ['abc.com', 'abc.com', 'http://abc.com/'],
        ),
        (
            r'(u => [u.host, u.hostname, u.href])(new URL("http://\u65e5\u672c\u8a9e.jp/"))',
            ['xn--wgv71a119e.jp', 'xn--wgv71a119e.jp', 'http://xn--wgv71a119e.jp/'],
        ),
        (
            r'(u => [u.host, u.hostname, u.href])(new URL("http://fa\u00df.de/"))',
            ['xn--fa-hia.de', 'xn--fa-hia.de', 'http://xn--fa-hia.de/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://ex%C3%A4mple.com/"))',
            ['xn--exmple-cua.com', 'xn--exmple-cua.com', 'http://xn--exmple-cua.com/'],
        ),
        (
            r'(u => [u.host, u.hostname, u.href])(new URL("http://a\u3002b.com/"))',
            ['a.b.com', 'a.b.com', 'http://a.b.com/'],
        ),
        (
            '(u => [u.host, u.hostname, u.href])(new URL("http://xn--mnchen-3ya.de/"))',
            ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de', 'http://xn--mnchen-3ya.de/'],
        ),
    ],
    "url_relative": [
        (
            'new URL("/v1/token", "https://api.example.com/base/").href',
            'https://api.example.com/v1/token',
        ),
        (
            'new URL("v1/token", "https://api.example.com/base/").href',
            'https://api.example.com/base/v1/token',
        ),
        (
            'new URL("v1/token", "https://api.example.com/base").href',
            'https://api.example.com/v1/token',
        ),
        (
            'new URL("../x", "https://a.com/b/c/d").href',
            'https://a.com/b/x',
        ),
        (
            'new URL("../../../../x", "https://a.com/b/c").href',
            'https://a.com/x',
        ),
        (
            'new URL("?q=2", "https://a.com/p?q=1#f").href',
            'https://a.com/p?q=2',
        ),
        (
            'new URL("#f2", "https://a.com/p?q=1#f").href',
            'https://a.com/p?q=1#f2',
        ),
        (
            'new URL("", "https://a.com/p?q=1#f").href',
            'https://a.com/p?q=1',
        ),
        (
            'new URL("//other.com/x", "https://a.com/p").href',
            'https://other.com/x',
        ),
        (
            r'new URL("\\\\other.com\\x", "https://a.com/p").href',
            'https://other.com/x',
        ),
        (
            'new URL("https:foo", "https://a.com/b/c").href',
            'https://a.com/b/foo',
        ),
        (
            'new URL("http:foo", "https://a.com/b/c").href',
            'http://foo/',
        ),
        (
            'new URL("https:/foo", "https://a.com/b/c").href',
            'https://a.com/foo',
        ),
        (
            'new URL("#x", "mailto:a@b").href',
            'mailto:a@b#x',
        ),
        (
            'new URL("x", "foo://h/a/b").href',
            'foo://h/a/x',
        ),
        (
            'new URL("./", "http://a/b/c").href',
            'http://a/b/',
        ),
        (
            'new URL("..", "http://a/b/c").href',
            'http://a/',
        ),
        (
            'new URL("g;x?y#s", "http://a/b/c/d;p?q").href',
            'http://a/b/c/g;x?y#s',
        ),
        (
            'new URL("x", "file:///a/b").href',
            'file:///a/x',
        ),
        (
            'new URL("  /x ", "http://a/b").href',
            'http://a/x',
        ),
        (
            'new URL("page 2?a b", "https://a.com/dir/").href',
            'https://a.com/dir/page%202?a%20b',
        ),
        (
            "new URL('/x', new URL('https://a.com/b?c')).href",
            'https://a.com/x',
        ),
        (
            "URL.canParse('/x', 'https://a.com')",
            True,
        ),
        (
            "URL.canParse('/x')",
            False,
        ),
        (
            "URL.canParse('https://a.com', 'bad')",
            False,
        ),
        (
            "err(() => new URL('http://x/y', 'garbage'))",
            ['TypeError', 'Invalid URL', 'ERR_INVALID_URL'],
        ),
    ],
    "url_invalid": [
        (
            'URL.canParse("")',
            False,
        ),
        (
            'URL.canParse("x")',
            False,
        ),
        (
            'URL.canParse("//a.com/b")',
            False,
        ),
        (
            'URL.canParse("http://")',
            False,
        ),
        (
            'URL.canParse("http://:80/")',
            False,
        ),
        (
            'URL.canParse("http://user@/x")',
            False,
        ),
        (
            'URL.canParse("http://h:65536/")',
            False,
        ),
        (
            'URL.canParse("http://h:8x/")',
            False,
        ),
        (
            'URL.canParse("http://exa mple.com/")',
            False,
        ),
        (
            'URL.canParse("http://ex<ample.com/")',
            False,
        ),
        (
            'URL.canParse("http://ex%20mple.com/")',
            False,
        ),
        (
            'URL.canParse("http://ex%ffample.com/")',
            False,
        ),
        (
            'URL.canParse("http://4294967296/")',
            False,
        ),
        (
            'URL.canParse("http://1.2.3.4.5/")',
            False,
        ),
        (
            'URL.canParse("http://foo.1/")',
            False,
        ),
        (
            'URL.canParse("http://1.2.3.08/")',
            False,
        ),
        (
            'URL.canParse("http://[1:2::3::4]/")',
            False,
        ),
        (
            'URL.canParse("http://[12345::]/")',
            False,
        ),
        (
            'URL.canParse("http://[::1.2.3]/")',
            False,
        ),
        (
            'URL.canParse("http://[1:2:3:4:5:6:7:8:9]/")',
            False,
        ),
        (
            'URL.canParse("http://[1:2:3:4:5:6:7::]/")',
            True,
        ),
        (
            'URL.canParse("http://[::1/")',
            False,
        ),
        (
            'URL.canParse("http://[:1]/")',
            False,
        ),
        (
            'URL.canParse("sc://a b/")',
            False,
        ),
        (
            'URL.canParse("http://0..0x300/")',
            False,
        ),
        (
            'URL.canParse("https://a.com:99999/")',
            False,
        ),
        (
            "(() => { try { new URL('nope'); } catch (e) { return [e instanceof TypeError, e.name, e.message,"
            " e.code, e.input, 'base' in e]; } })()",
            [True, 'TypeError', 'Invalid URL', 'ERR_INVALID_URL', 'nope', False],
        ),
        (
            "(() => { try { new URL('/x', 'nope'); } catch (e) { return [e.name, e.message, e.code, e.input,"
            " e.base]; } })()",
            ['TypeError', 'Invalid URL', 'ERR_INVALID_URL', '/x', 'nope'],
        ),
        (
            "err(() => new URL())",
            ['TypeError', 'The "url" argument must be specified', 'ERR_MISSING_ARGS'],
        ),
        (
            "(() => { const u = new URL('http://a/b'); return [err(() => { u.href = 'nope'; }), u.href]; })()",
            [['TypeError', 'Invalid URL', 'ERR_INVALID_URL'], 'http://a/b'],
        ),
    ],
    "url_setters": [
        (
            'setURL("http://a:8080/", "hostname", "b:90")',
            'http://a:8080/',
        ),
        (
            'setURL("http://a:8080/", "host", "b")',
            'http://b:8080/',
        ),
        (
            'setURL("http://a:8080/", "host", "b:70000")',
            'http://b:8080/',
        ),
        (
            'setURL("http://a:8080/", "host", "c:99x")',
            'http://c:99/',
        ),
        (
            'setURL("http://a:8080/", "host", "c:")',
            'http://c:8080/',
        ),
        (
            'setURL("http://a:8080/", "host", "")',
            'http://a:8080/',
        ),
        (
            'setURL("http://a/", "host", "B.com:443")',
            'http://b.com:443/',
        ),
        (
            'setURL("https://a/", "host", "b.com:443")',
            'https://b.com/',
        ),
        (
            'setURL("http://a/", "host", "x/y?z")',
            'http://x/',
        ),
        (
            'setURL("http://a/", "host", "[::1]:81")',
            'http://[::1]:81/',
        ),
        (
            'setURL("http://a:8080/", "port", "99x")',
            'http://a:99/',
        ),
        (
            'setURL("http://a:8080/", "port", "x")',
            'http://a:8080/',
        ),
        (
            'setURL("http://a:8080/", "port", "")',
            'http://a/',
        ),
        (
            'setURL("http://a:8080/", "port", 80)',
            'http://a/',
        ),
        (
            'setURL("http://a:8080/", "port", "65536")',
            'http://a:8080/',
        ),
        (
            'setURL("http://a/b", "pathname", "/x y/../z")',
            'http://a/z',
        ),
        (
            'setURL("http://a/b", "pathname", "x?y#z")',
            'http://a/x%3Fy%23z',
        ),
        (
            'setURL("http://a/b", "pathname", "")',
            'http://a/',
        ),
        (
            'setURL("foo://a/b", "pathname", "")',
            'foo://a',
        ),
        (
            'setURL("foo://a/b", "pathname", "c")',
            'foo://a/c',
        ),
        (
            'setURL("mailto:x", "pathname", "y")',
            'mailto:x',
        ),
        (
            r'setURL("http://a/b", "pathname", "\\x\\y")',
            'http://a/x/y',
        ),
        (
            r'setURL("http://a/b?x", "search", "a=b c&d=\u00e9")',
            'http://a/b?a=b%20c&d=%C3%A9',
        ),
        (
            'setURL("http://a/b?x", "search", "")',
            'http://a/b',
        ),
        (
            'setURL("http://a/b?x", "search", "?")',
            'http://a/b?',
        ),
        (
            'setURL("http://a/b?x", "search", "??a#b")',
            'http://a/b??a%23b',
        ),
        (
            'setURL("http://a/b?x#h", "search", "q=\'")',
            'http://a/b?q=%27#h',
        ),
        (
            'setURL("foo://a/b?x", "search", "q=\'")',
            "foo://a/b?q='",
        ),
        (
            'setURL("http://a/b#x", "hash", "y z")',
            'http://a/b#y%20z',
        ),
        (
            'setURL("http://a/b#x", "hash", "")',
            'http://a/b',
        ),
        (
            'setURL("http://a/b#x", "hash", "#")',
            'http://a/b#',
        ),
        (
            'setURL("http://a/b#x", "hash", "##y`")',
            'http://a/b##y%60',
        ),
        (
            'setURL("http://a/b", "username", "us er@:")',
            'http://us%20er%40%3A@a/b',
        ),
        (
            'setURL("http://a/b", "password", "p@ss:w/rd")',
            'http://:p%40ss%3Aw%2Frd@a/b',
        ),
        (
            'setURL("http://u:p@a/b", "username", "")',
            'http://:p@a/b',
        ),
        (
            'setURL("http://u:p@a/b", "password", "")',
            'http://u@a/b',
        ),
        (
            'setURL("file:///x", "username", "u")',
            'file:///x',
        ),
        (
            'setURL("mailto:x", "username", "u")',
            'mailto:x',
        ),
        (
            'setURL("http://a/b", "protocol", "https")',
            'https://a/b',
        ),
        (
            'setURL("http://a:443/b", "protocol", "https:")',
            'https://a/b',
        ),
        (
            'setURL("https://a:80/b", "protocol", "http")',
            'http://a/b',
        ),
        (
            'setURL("http://a/b", "protocol", "foo")',
            'http://a/b',
        ),
        (
            'setURL("foo://a/b", "protocol", "http")',
            'foo://a/b',
        ),
        (
            'setURL("foo://a/b", "protocol", "bar:x")',
            'bar://a/b',
        ),
        (
            'setURL("http://a/b", "protocol", "ht tp")',
            'http://a/b',
        ),
        (
            'setURL("http://u@a/b", "protocol", "file")',
            'http://u@a/b',
        ),
        (
            'setURL("http://a/b", "protocol", "ws")',
            'ws://a/b',
        ),
        (
            'setURL("http://a/b", "href", "https://c.com/d?e#f")',
            'https://c.com/d?e#f',
        ),
        (
            r'setURL("http://a/b", "hostname", "\u00c4B.com")',
            'http://xn--b-zfa.com/b',
        ),
        (
            'setURL("http://a/b", "hostname", "0x7f.1")',
            'http://127.0.0.1/b',
        ),
        (
            'setURL("http://a/b", "hostname", "a b")',
            'http://a/b',
        ),
        (
            'setURL("foo://a/b", "hostname", "X Y")',
            'foo://a/b',
        ),
        (
            'setURL("foo://a/b", "hostname", "X%Y")',
            'foo://X%Y/b',
        ),
        (
            "String(new URL('http://a/b?c'))",
            'http://a/b?c',
        ),
        (
            "JSON.stringify({u: new URL('http://a/b')})",
            '{"u":"http://a/b"}',
        ),
        (
            "Object.prototype.toString.call(new URL('http://a/'))",
            '[object URL]',
        ),
    ],
    "url_search_params": [
        (
            "(() => { const u = new URL('https://a.com/p?x=1&y=2'); const p = u.searchParams; p.append('z',"
            " 'a b'); const one = u.href; p.delete('x'); p.delete('y'); p.delete('z'); return [one, u.href,"
            " u.search]; })()",
            ['https://a.com/p?x=1&y=2&z=a+b', 'https://a.com/p', ''],
        ),
        (
            "(() => { const u = new URL('https://a.com/p?a=1'); const p = u.searchParams; u.search = '?k=v';"
            " const one = p.get('k'); u.href = 'http://b/?m=n'; return [one, p.get('m'), p.toString(),"
            " u.searchParams === p]; })()",
            ['v', 'n', 'm=n', True],
        ),
        (
            "(() => { const u = new URL('https://a.com/p?a=%20b+c&d'); return [u.searchParams.get('a'),"
            " u.searchParams.get('d'), u.search, u.searchParams.toString()]; })()",
            [' b c', '', '?a=%20b+c&d', 'a=+b+c&d='],
        ),
        (
            "(() => { const u = new URL('https://a.com/p?b=2&a=1#h'); u.searchParams.sort(); return u.href;"
            " })()",
            'https://a.com/p?a=1&b=2#h',
        ),
        (
            '(() => { const u = new URL(\'https://a.com/p#h\'); u.searchParams.set(\'q\', "it\'s ~ok* & more");'
            " return u.href; })()",
            'https://a.com/p?q=it%27s+%7Eok*+%26+more#h',
        ),
        (
            "(() => { const u = new URL('https://a.com/p?keep=a b'); const before = u.href;"
            " u.searchParams.append('k', 'v'); return [before, u.href]; })()",
            ['https://a.com/p?keep=a%20b', 'https://a.com/p?keep=a+b&k=v'],
        ),
        (
            "(() => { const u = new URL('https://api.example.com/v1/items'); u.searchParams.set('page', 2);"
            r" u.searchParams.set('filter', 'name eq \'x\''); return u.toString(); })()",
            'https://api.example.com/v1/items?page=2&filter=name+eq+%27x%27',
        ),
    ],
    "buffer_encodings": [
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            ' Buffer.byteLength(s, "utf8")]; })("hello")',
            [[104, 101, 108, 108, 111], 'hello', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            r' Buffer.byteLength(s, "utf8")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 195, 169, 108, 108, 111, 32, 119, 195, 182, 114, 108, 100], 'héllo wörld', 13],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            r' Buffer.byteLength(s, "utf8")]; })("\ud83d\ude00")',
            [[240, 159, 152, 128], '😀', 4],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            r' Buffer.byteLength(s, "utf8")]; })("\ud800")',
            [[239, 191, 189], '�', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            r' Buffer.byteLength(s, "utf8")]; })("a\udc00b")',
            [[97, 239, 191, 189, 98], 'a�b', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            ' Buffer.byteLength(s, "utf8")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            r' Buffer.byteLength(s, "utf8")]; })("\u0000\u00ff\u0100")',
            [[0, 195, 191, 196, 128], '\x00ÿĀ', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf8"); return [bytes(b), b.toString("utf8"),'
            r' Buffer.byteLength(s, "utf8")]; })("\u65e5\u672c\u8a9e")',
            [[230, 151, 165, 230, 156, 172, 232, 170, 158], '日本語', 9],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            ' Buffer.byteLength(s, "utf-8")]; })("hello")',
            [[104, 101, 108, 108, 111], 'hello', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            r' Buffer.byteLength(s, "utf-8")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 195, 169, 108, 108, 111, 32, 119, 195, 182, 114, 108, 100], 'héllo wörld', 13],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            r' Buffer.byteLength(s, "utf-8")]; })("\ud83d\ude00")',
            [[240, 159, 152, 128], '😀', 4],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            r' Buffer.byteLength(s, "utf-8")]; })("\ud800")',
            [[239, 191, 189], '�', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            r' Buffer.byteLength(s, "utf-8")]; })("a\udc00b")',
            [[97, 239, 191, 189, 98], 'a�b', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            ' Buffer.byteLength(s, "utf-8")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            r' Buffer.byteLength(s, "utf-8")]; })("\u0000\u00ff\u0100")',
            [[0, 195, 191, 196, 128], '\x00ÿĀ', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf-8"); return [bytes(b), b.toString("utf-8"),'
            r' Buffer.byteLength(s, "utf-8")]; })("\u65e5\u672c\u8a9e")',
            [[230, 151, 165, 230, 156, 172, 232, 170, 158], '日本語', 9],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            ' Buffer.byteLength(s, "UTF8")]; })("hello")',
            [[104, 101, 108, 108, 111], 'hello', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            r' Buffer.byteLength(s, "UTF8")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 195, 169, 108, 108, 111, 32, 119, 195, 182, 114, 108, 100], 'héllo wörld', 13],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            r' Buffer.byteLength(s, "UTF8")]; })("\ud83d\ude00")',
            [[240, 159, 152, 128], '😀', 4],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            r' Buffer.byteLength(s, "UTF8")]; })("\ud800")',
            [[239, 191, 189], '�', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            r' Buffer.byteLength(s, "UTF8")]; })("a\udc00b")',
            [[97, 239, 191, 189, 98], 'a�b', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            ' Buffer.byteLength(s, "UTF8")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            r' Buffer.byteLength(s, "UTF8")]; })("\u0000\u00ff\u0100")',
            [[0, 195, 191, 196, 128], '\x00ÿĀ', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "UTF8"); return [bytes(b), b.toString("UTF8"),'
            r' Buffer.byteLength(s, "UTF8")]; })("\u65e5\u672c\u8a9e")',
            [[230, 151, 165, 230, 156, 172, 232, 170, 158], '日本語', 9],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            ' Buffer.byteLength(s, "base64")]; })("hello")',
            [[133, 233, 101], 'hell', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            r' Buffer.byteLength(s, "base64")]; })("h\u00e9llo w\u00f6rld")',
            [[134, 89, 104, 194, 185, 93], 'hllowrld', 8],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            r' Buffer.byteLength(s, "base64")]; })("\ud83d\ude00")',
            [[], '', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            r' Buffer.byteLength(s, "base64")]; })("\ud800")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            r' Buffer.byteLength(s, "base64")]; })("a\udc00b")',
            [[105], 'aQ==', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            ' Buffer.byteLength(s, "base64")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            r' Buffer.byteLength(s, "base64")]; })("\u0000\u00ff\u0100")',
            [[], '', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64"); return [bytes(b), b.toString("base64"),'
            r' Buffer.byteLength(s, "base64")]; })("\u65e5\u672c\u8a9e")',
            [[], '', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            ' Buffer.byteLength(s, "base64url")]; })("hello")',
            [[133, 233, 101], 'hell', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            r' Buffer.byteLength(s, "base64url")]; })("h\u00e9llo w\u00f6rld")',
            [[134, 89, 104, 194, 185, 93], 'hllowrld', 8],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            r' Buffer.byteLength(s, "base64url")]; })("\ud83d\ude00")',
            [[], '', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            r' Buffer.byteLength(s, "base64url")]; })("\ud800")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            r' Buffer.byteLength(s, "base64url")]; })("a\udc00b")',
            [[105], 'aQ', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            ' Buffer.byteLength(s, "base64url")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            r' Buffer.byteLength(s, "base64url")]; })("\u0000\u00ff\u0100")',
            [[], '', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "base64url"); return [bytes(b), b.toString("base64url"),'
            r' Buffer.byteLength(s, "base64url")]; })("\u65e5\u672c\u8a9e")',
            [[], '', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            ' Buffer.byteLength(s, "hex")]; })("hello")',
            [[], '', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            r' Buffer.byteLength(s, "hex")]; })("h\u00e9llo w\u00f6rld")',
            [[], '', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            r' Buffer.byteLength(s, "hex")]; })("\ud83d\ude00")',
            [[], '', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            r' Buffer.byteLength(s, "hex")]; })("\ud800")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            r' Buffer.byteLength(s, "hex")]; })("a\udc00b")',
            [[], '', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            ' Buffer.byteLength(s, "hex")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            r' Buffer.byteLength(s, "hex")]; })("\u0000\u00ff\u0100")',
            [[], '', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "hex"); return [bytes(b), b.toString("hex"),'
            r' Buffer.byteLength(s, "hex")]; })("\u65e5\u672c\u8a9e")',
            [[], '', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            ' Buffer.byteLength(s, "latin1")]; })("hello")',
            [[104, 101, 108, 108, 111], 'hello', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            r' Buffer.byteLength(s, "latin1")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 233, 108, 108, 111, 32, 119, 246, 114, 108, 100], 'héllo wörld', 11],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            r' Buffer.byteLength(s, "latin1")]; })("\ud83d\ude00")',
            [[61, 0], '=\x00', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            r' Buffer.byteLength(s, "latin1")]; })("\ud800")',
            [[0], '\x00', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            r' Buffer.byteLength(s, "latin1")]; })("a\udc00b")',
            [[97, 0, 98], 'a\x00b', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            ' Buffer.byteLength(s, "latin1")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            r' Buffer.byteLength(s, "latin1")]; })("\u0000\u00ff\u0100")',
            [[0, 255, 0], '\x00ÿ\x00', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "latin1"); return [bytes(b), b.toString("latin1"),'
            r' Buffer.byteLength(s, "latin1")]; })("\u65e5\u672c\u8a9e")',
            [[229, 44, 158], 'å,\x9e', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            ' Buffer.byteLength(s, "binary")]; })("hello")',
            [[104, 101, 108, 108, 111], 'hello', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            r' Buffer.byteLength(s, "binary")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 233, 108, 108, 111, 32, 119, 246, 114, 108, 100], 'héllo wörld', 11],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            r' Buffer.byteLength(s, "binary")]; })("\ud83d\ude00")',
            [[61, 0], '=\x00', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            r' Buffer.byteLength(s, "binary")]; })("\ud800")',
            [[0], '\x00', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            r' Buffer.byteLength(s, "binary")]; })("a\udc00b")',
            [[97, 0, 98], 'a\x00b', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            ' Buffer.byteLength(s, "binary")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            r' Buffer.byteLength(s, "binary")]; })("\u0000\u00ff\u0100")',
            [[0, 255, 0], '\x00ÿ\x00', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "binary"); return [bytes(b), b.toString("binary"),'
            r' Buffer.byteLength(s, "binary")]; })("\u65e5\u672c\u8a9e")',
            [[229, 44, 158], 'å,\x9e', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            ' Buffer.byteLength(s, "ascii")]; })("hello")',
            [[104, 101, 108, 108, 111], 'hello', 5],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            r' Buffer.byteLength(s, "ascii")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 233, 108, 108, 111, 32, 119, 246, 114, 108, 100], 'hillo wvrld', 11],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            r' Buffer.byteLength(s, "ascii")]; })("\ud83d\ude00")',
            [[61, 0], '=\x00', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            r' Buffer.byteLength(s, "ascii")]; })("\ud800")',
            [[0], '\x00', 1],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            r' Buffer.byteLength(s, "ascii")]; })("a\udc00b")',
            [[97, 0, 98], 'a\x00b', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            ' Buffer.byteLength(s, "ascii")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            r' Buffer.byteLength(s, "ascii")]; })("\u0000\u00ff\u0100")',
            [[0, 255, 0], '\x00\x7f\x00', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "ascii"); return [bytes(b), b.toString("ascii"),'
            r' Buffer.byteLength(s, "ascii")]; })("\u65e5\u672c\u8a9e")',
            [[229, 44, 158], 'e,\x1e', 3],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            ' Buffer.byteLength(s, "utf16le")]; })("hello")',
            [[104, 0, 101, 0, 108, 0, 108, 0, 111, 0], 'hello', 10],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            r' Buffer.byteLength(s, "utf16le")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 0, 233, 0, 108, 0, 108, 0, 111, 0, 32, 0, 119, 0, 246, 0, 114, 0, 108, 0, 100, 0], 'héllo wörld',
             22],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            r' Buffer.byteLength(s, "utf16le")]; })("\ud83d\ude00")',
            [[61, 216, 0, 222], '😀', 4],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            r' Buffer.byteLength(s, "utf16le")]; })("\ud800")',
            [[0, 216], '\ud800', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            r' Buffer.byteLength(s, "utf16le")]; })("a\udc00b")',
            [[97, 0, 0, 220, 98, 0], 'a\udc00b', 6],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            ' Buffer.byteLength(s, "utf16le")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            r' Buffer.byteLength(s, "utf16le")]; })("\u0000\u00ff\u0100")',
            [[0, 0, 255, 0, 0, 1], '\x00ÿĀ', 6],
        ),
        (
            '(s => { const b = Buffer.from(s, "utf16le"); return [bytes(b), b.toString("utf16le"),'
            r' Buffer.byteLength(s, "utf16le")]; })("\u65e5\u672c\u8a9e")',
            [[229, 101, 44, 103, 158, 138], '日本語', 6],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            ' Buffer.byteLength(s, "ucs2")]; })("hello")',
            [[104, 0, 101, 0, 108, 0, 108, 0, 111, 0], 'hello', 10],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            r' Buffer.byteLength(s, "ucs2")]; })("h\u00e9llo w\u00f6rld")',
            [[104, 0, 233, 0, 108, 0, 108, 0, 111, 0, 32, 0, 119, 0, 246, 0, 114, 0, 108, 0, 100, 0], 'héllo wörld',
             22],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            r' Buffer.byteLength(s, "ucs2")]; })("\ud83d\ude00")',
            [[61, 216, 0, 222], '😀', 4],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            r' Buffer.byteLength(s, "ucs2")]; })("\ud800")',
            [[0, 216], '\ud800', 2],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            r' Buffer.byteLength(s, "ucs2")]; })("a\udc00b")',
            [[97, 0, 0, 220, 98, 0], 'a\udc00b', 6],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            ' Buffer.byteLength(s, "ucs2")]; })("")',
            [[], '', 0],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            r' Buffer.byteLength(s, "ucs2")]; })("\u0000\u00ff\u0100")',
            [[0, 0, 255, 0, 0, 1], '\x00ÿĀ', 6],
        ),
        (
            '(s => { const b = Buffer.from(s, "ucs2"); return [bytes(b), b.toString("ucs2"),'
            r' Buffer.byteLength(s, "ucs2")]; })("\u65e5\u672c\u8a9e")',
            [[229, 101, 44, 103, 158, 138], '日本語', 6],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("hello"))',
            ['68656c6c6f', 'aGVsbG8=', 'aGVsbG8', 'hello', 'hello', '敨汬'],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("h\\u00e9llo w\\u00f6rld"))',
            ['68c3a96c6c6f2077c3b6726c64', 'aMOpbGxvIHfDtnJsZA==', 'aMOpbGxvIHfDtnJsZA', 'hÃ©llo wÃ¶rld',
             'hC)llo wC6rld', '써沩潬眠뛃汲'],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("\\ud83d\\ude00"))',
            ['f09f9880', '8J+YgA==', '8J-YgA', 'ð\x9f\x98\x80', 'p\x1f\x18\x00', '鿰肘'],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("\\ud800"))',
            ['efbfbd', '77+9', '77-9', 'ï¿½', 'o?=', '뿯'],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("a\\udc00b"))',
            ['61efbfbd62', 'Ye+/vWI=', 'Ye-_vWI', 'aï¿½b', 'ao?=b', '\uef61붿'],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from(""))',
            ['', '', '', '', '', ''],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("\\u0000\\u00ff\\u0100"))',
            ['00c3bfc480', 'AMO/xIA=', 'AMO_xIA', '\x00Ã¿Ä\x80', '\x00C?D\x00', '쌀쒿'],
        ),
        (
            "(b => [b.toString('hex'), b.toString('base64'), b.toString('base64url'), b.toString('latin1'),"
            ' b.toString(\'ascii\'), b.toString(\'utf16le\')])(Buffer.from("\\u65e5\\u672c\\u8a9e"))',
            ['e697a5e69cace8aa9e', '5pel5pys6Kqe', '5pel5pys6Kqe', 'æ\x97¥æ\x9c¬èª\x9e', 'f\x17%f\x1c,h*\x1e',
             '韦\ue6a5겜ꫨ'],
        ),
        (
            r"Buffer.from('user:p\u00e4ssword').toString('base64')",
            'dXNlcjpww6Rzc3dvcmQ=',
        ),
        (
            r"Buffer.from(Buffer.from('user:p\u00e4ssword').toString('base64'), 'base64').toString()",
            'user:pässword',
        ),
        (
            "Buffer.from('Zm9vYmFy', 'base64').toString('base64url')",
            'Zm9vYmFy',
        ),
        (
            "Buffer.from('hello').toString('base64', 1, 4)",
            'ZWxs',
        ),
    ],
    "buffer_lenient_decoding": [
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YQ==YQ==")',
            [[97], [97], 4],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("Y Q = =")',
            [[97], [97], 4],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YQ")',
            [[97], [97], 1],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("-_")',
            [[251], [251], 1],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("+/")',
            [[251], [251], 1],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("a")',
            [[], [], 0],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("ab")',
            [[105], [105], 1],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("abc")',
            [[105, 183], [105, 183], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("#$%YQ")',
            [[97], [97], 3],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YQ=a")',
            [[97], [97], 3],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YW=Jj")',
            [[97], [97], 3],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YWJjZA=")',
            [[97, 98, 99, 100], [97, 98, 99, 100], 4],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YWJjZA===")',
            [[97, 98, 99, 100], [97, 98, 99, 100], 5],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("====")',
            [[], [], 1],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("=YQ")',
            [[], [], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("Y\\nQ\\tI")',
            [[97, 2], [97, 2], 3],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YR")',
            [[97], [97], 1],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("\\u00ffYQ")',
            [[97], [97], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("\\u0100YQ")',
            [[97], [97], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("YWJ")',
            [[97, 98], [97, 98], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("aGVs\\nbG8=")',
            [[104, 101, 108, 108, 111], [104, 101, 108, 108, 111], 6],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("8J+YgA==")',
            [[240, 159, 152, 128], [240, 159, 152, 128], 4],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("_-8")',
            [[255, 239], [255, 239], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("/+8")',
            [[255, 239], [255, 239], 2],
        ),
        (
            "(s => [bytes(Buffer.from(s, 'base64')), bytes(Buffer.from(s, 'base64url')), Buffer.byteLength(s,"
            ' \'base64\')])("eyJhbGciOiJIUzI1NiJ9")',
            [[123, 34, 97, 108, 103, 34, 58, 34, 72, 83, 50, 53, 54, 34, 125],
             [123, 34, 97, 108, 103, 34, 58, 34, 72, 83, 50, 53, 54, 34, 125], 15],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("abzz12")',
            [[171], 3],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("abc")',
            [[171], 1],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("ABcd")',
            [[171, 205], 2],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("a")',
            [[], 0],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("zz")',
            [[], 1],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("0g12")',
            [[], 2],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])(" ab")',
            [[], 1],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("ab cd")',
            [[171], 2],
        ),
        (
            '(s => [bytes(Buffer.from(s, \'hex\')), Buffer.byteLength(s, \'hex\')])("deadBEEF")',
            [[222, 173, 190, 239], 4],
        ),
    ],
    "utf8_decoding": [
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([255])",
            ['�', '', '�', '�',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([195])",
            ['�', '', '�', '�',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([195, 40])",
            ['�(', '(', '�(', '�(',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([226, 130])",
            ['�', '�', '�', '�',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([226, 130, 40])",
            ['�(', '�(', '�(', '�(',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([240, 159, 152])",
            ['�', '��', '�', '�',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([240, 159, 152, 128])",
            ['😀', '���', '😀', '😀', None],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([237, 160, 128])",
            ['���', '��', '���', '���',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([192, 175])",
            ['��', '�', '��', '��',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([224, 128, 175])",
            ['���', '��', '���', '���',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([244, 144, 128, 128])",
            ['����', '���', '����', '����',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([248, 136, 128, 128, 128])",
            ['�����', '����', '�����', '�����',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([128, 128])",
            ['��', '�', '��', '��',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([97, 241, 128, 128, 225, 128, 194, 98, 128, 99, 128, 191, 100])",
            ['a���b�c��d', '���b�c��d', 'a���b�c��d', 'a���b�c��d',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([239, 187, 191, 97])",
            ['\ufeffa', '��a', 'a', '\ufeffa', None],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([224, 160])",
            ['�', '�', '�', '�',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([240, 144, 128])",
            ['�', '��', '�', '�',
             ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA']],
        ),
        (
            "(a => [Buffer.from(a).toString(), Buffer.from(a).toString('utf8', 1), new"
            " TextDecoder().decode(new Uint8Array(a)), new TextDecoder('utf-8', {ignoreBOM:"
            " true}).decode(Uint8Array.from(a)), err(() => new TextDecoder('utf-8', {fatal: true}).decode(new"
            " Uint8Array(a)))])([127, 194, 128, 223, 191, 239, 191, 191])",
            ['\x7f\x80߿\uffff', '\x80߿\uffff', '\x7f\x80߿\uffff', '\x7f\x80߿\uffff', None],
        ),
    ],
    "buffer_api": [
        (
            "bytes(Buffer.from([256, -1, 1.5, 'a', '12']))",
            [0, 255, 1, 0, 12],
        ),
        (
            "bytes(Buffer.from(new Uint16Array([258, 3])))",
            [2, 3],
        ),
        (
            "(() => { const ab = new Uint8Array([1, 2, 3, 4]).buffer; const b = Buffer.from(ab, 1, 2); new"
            " Uint8Array(ab)[1] = 9; return [bytes(b), b.length]; })()",
            [[9, 3], 2],
        ),
        (
            "(() => { const a = Buffer.from('abc'); const b = Buffer.from(a); b[0] = 120; return"
            " [a.toString(), b.toString(), b[1], b[7], b.length]; })()",
            ['abc', 'xbc', 98, None, 3],
        ),
        (
            "[Buffer.isBuffer(Buffer.from('a')), Buffer.from('a') instanceof Uint8Array, Buffer.isBuffer(new"
            " Uint8Array(1)), Buffer.isBuffer('a')]",
            [True, True, False, False],
        ),
        (
            "[Buffer.from({type: 'Buffer', data: [104, 105]}).toString(), Buffer.from(new"
            " String('str')).toString(), Buffer.from({length: 2, 0: 104, 1: 105}).toString()]",
            ['hi', 'str', 'hi'],
        ),
        (
            "[Buffer.from('abc', '').toString(), Buffer.from('abc', null).toString(),"
            " Buffer.from('').toString('bogus')]",
            ['abc', 'abc', ''],
        ),
        (
            "[Buffer.from('hello').toString('utf8', 1, 3), Buffer.from('hello').toString(undefined, -1, 99),"
            " Buffer.from('hello').toString('hex', 3), Buffer.from('hello').toString('utf8', 4, 2),"
            " Buffer.from('hello').toString('utf8', 1.7, 3.2)]",
            ['el', 'hello', '6c6f', '', 'el'],
        ),
        (
            "[bytes(Buffer.alloc(3)), Buffer.alloc(5, 'ab').toString(), bytes(Buffer.alloc(4, 257)),"
            " bytes(Buffer.alloc(3, '')), Buffer.alloc(4, 'YWI=', 'base64').toString(), bytes(Buffer.alloc(3,"
            " Buffer.from([1, 2]))), Buffer.allocUnsafe(3).length]",
            [[0, 0, 0], 'ababa', [1, 1, 1, 1], [0, 0, 0], 'abab', [1, 2, 1], 3],
        ),
        (
            "[Buffer.concat([Buffer.from('ab'), new Uint8Array([99]), Buffer.from('d')]).toString(),"
            " Buffer.concat([Buffer.from('abc'), Buffer.from('def')], 4).toString(),"
            " bytes(Buffer.concat([Buffer.from('a')], 3)), Buffer.concat([]).length]",
            ['abcd', 'abcd', [97, 0, 0], 0],
        ),
        (
            "[Buffer.from('ab').equals(Buffer.from('ab')), Buffer.from('ab').equals(new Uint8Array([97,"
            " 98])), Buffer.from('ab').equals(Buffer.from('abc')), Buffer.compare(Buffer.from('a'),"
            " Buffer.from('b')), Buffer.compare(Buffer.from('ab'), Buffer.from('a')),"
            " Buffer.from('x').compare(Buffer.from('x'))]",
            [True, True, False, -1, 1, 0],
        ),
        (
            r"[Buffer.byteLength('h\u00e9llo'), Buffer.byteLength('\ud83d\ude00'),"
            r" Buffer.byteLength('\ud800'), Buffer.byteLength('abc', 'bogus'), Buffer.byteLength(new"
            " Uint8Array(7)), Buffer.byteLength(new ArrayBuffer(3))]",
            [6, 4, 3, 3, 7, 3],
        ),
        (
            "[Buffer.isEncoding('utf8'), Buffer.isEncoding('UTF-8'), Buffer.isEncoding('hex'),"
            " Buffer.isEncoding('bogus'), Buffer.isEncoding(''), Buffer.isEncoding(null)]",
            [True, True, True, False, False, False],
        ),
        (
            "(() => { const b = Buffer.from('hello world'); const s = b.slice(0, 5); s[0] = 72; const t ="
            " b.subarray(6); return [b.toString(), s.toString(), t.toString(), Buffer.isBuffer(s),"
            " Buffer.isBuffer(t)]; })()",
            ['Hello world', 'Hello', 'world', True, True],
        ),
        (
            r"(() => { const b = Buffer.alloc(6); const n = b.write('h\u00e9llo'); const m = b.write('zz', 4);"
            " const k = Buffer.alloc(4).write('abcdef', 1, 2); const h = Buffer.alloc(3); h.write('aabb',"
            " 'hex'); return [n, m, b.toString(), k, bytes(h)]; })()",
            [6, 2, 'hélzz', 2, [170, 187, 0]],
        ),
        (
            "(() => { const t = Buffer.alloc(4); const n = Buffer.from('abcdef').copy(t, 1, 2); return [n,"
            " bytes(t)]; })()",
            [3, [0, 99, 100, 101]],
        ),
        (
            "(() => { const b = Buffer.alloc(5); b.fill('ab', 1); return [bytes(b),"
            " bytes(Buffer.alloc(4).fill(0x101)), bytes(Buffer.alloc(4).fill('41', 'hex'))]; })()",
            [[0, 97, 98, 97, 98], [1, 1, 1, 1], [65, 65, 65, 65]],
        ),
        (
            "[JSON.stringify(Buffer.from('hi')), JSON.stringify({b: Buffer.from([1, 2])}),"
            " Buffer.from('hi').toJSON()]",
            ['{"type":"Buffer","data":[104,105]}', '{"b":{"type":"Buffer","data":[1,2]}}',
             {'type': 'Buffer', 'data': [104, 105]}],
        ),
        (
            "(() => { const b = Buffer.from('abc'); const m = b.map((x) => x + 1); return"
            " [Buffer.isBuffer(m), m.toString(), typeof b.buffer, b.byteOffset >= 0]; })()",
            [True, 'bcd', 'object', True],
        ),
        (
            "err(() => Buffer.from(undefined))",
            ['TypeError',
             'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an '
             'Array-like Object. Received undefined',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.from(null))",
            ['TypeError',
             'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an '
             'Array-like Object. Received null',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.from(5))",
            ['TypeError',
             'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an '
             'Array-like Object. Received type number (5)',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.from(true))",
            ['TypeError',
             'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an '
             'Array-like Object. Received type boolean (true)',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.from(function foo() {}))",
            ['TypeError',
             'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an '
             'Array-like Object. Received function foo',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.from('abc', 'bogus'))",
            ['TypeError', 'Unknown encoding: bogus', 'ERR_UNKNOWN_ENCODING'],
        ),
        (
            "err(() => Buffer.from('abc').toString('bogus'))",
            ['TypeError', 'Unknown encoding: bogus', 'ERR_UNKNOWN_ENCODING'],
        ),
        (
            "err(() => Buffer.from('a').toString(null))",
            ['TypeError', 'Unknown encoding: null', 'ERR_UNKNOWN_ENCODING'],
        ),
        (
            "err(() => Buffer.alloc(-1))",
            ['RangeError', 'The value of "size" is out of range. It must be >= 0 && <= 4294967296. Received -1',
             'ERR_OUT_OF_RANGE'],
        ),
        (
            "err(() => Buffer.alloc('5'))",
            ['TypeError', 'The "size" argument must be of type number. Received type string (\'5\')',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.concat('x'))",
            ['TypeError', 'The "list" argument must be an instance of Array. Received type string (\'x\')',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.concat(['x']))",
            ['TypeError',
             'The "list[0]" argument must be an instance of Buffer or Uint8Array. Received type string (\'x\')',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.from('a').equals('a'))",
            ['TypeError',
             'The "otherBuffer" argument must be an instance of Buffer or Uint8Array. Received type string (\'a\')',
             'ERR_INVALID_ARG_TYPE'],
        ),
        (
            "err(() => Buffer.byteLength(5))",
            ['TypeError',
             'The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received type '
             'number (5)',
             'ERR_INVALID_ARG_TYPE'],
        ),
    ],
    "text_encoder_decoder": [
        (
            r"bytes(new TextEncoder().encode('h\u00e9llo \ud83d\ude00'))",
            [104, 195, 169, 108, 108, 111, 32, 240, 159, 152, 128],
        ),
        (
            r"[bytes(new TextEncoder().encode()), bytes(new TextEncoder().encode('\ud800x')), new"
            " TextEncoder().encoding]",
            [[], [239, 191, 189, 120], 'utf-8'],
        ),
        (
            "(e => [e instanceof Uint8Array, e.constructor.name, e.buffer.byteLength])(new"
            " TextEncoder().encode('ab'))",
            [True, 'Uint8Array', 2],
        ),
        (
            r"(() => { const d = new Uint8Array(5); const r = new TextEncoder().encodeInto('a\ud83d\ude00b',"
            " d); return [r, bytes(d)]; })()",
            [{'read': 3, 'written': 5}, [97, 240, 159, 152, 128]],
        ),
        (
            "(() => { const d = new Uint8Array(4); const r = new"
            r" TextEncoder().encodeInto('a\u00e9\ud83d\ude00', d); return [r, bytes(d)]; })()",
            [{'read': 2, 'written': 3}, [97, 195, 169, 0]],
        ),
        (
            "new TextDecoder().decode()",
            '',
        ),
        (
            "new TextDecoder().decode(new Uint8Array([104, 105]).buffer)",
            'hi',
        ),
        (
            "new TextDecoder().decode(new DataView(new Uint8Array([0, 104, 105]).buffer, 1))",
            'hi',
        ),
        (
            r"new TextDecoder().decode(Buffer.from('h\u00e9llo').subarray(1))",
            'éllo',
        ),
        (
            r"new TextDecoder().decode(new TextEncoder().encode('\ud83d\ude00 round trip \u00e9'))",
            '😀 round trip é',
        ),
        (
            "[new TextDecoder('utf8').encoding, new TextDecoder(' UTF-8 ').encoding, new"
            " TextDecoder('unicode-1-1-utf-8').encoding]",
            ['utf-8', 'utf-8', 'utf-8'],
        ),
        (
            "[new TextDecoder().fatal, new TextDecoder('utf-8', {fatal: true}).fatal, new"
            " TextDecoder().ignoreBOM, new TextDecoder('utf-8', {ignoreBOM: true}).ignoreBOM]",
            [False, True, False, True],
        ),
        (
            "(() => { const d = new TextDecoder(); const b = new"
            r" TextEncoder().encode('\ufeffa\ud83d\ude00\u00e9'); let out = ''; for (const x of b) out +="
            " d.decode(new Uint8Array([x]), {stream: true}); return [out + d.decode(), (out +"
            " d.decode()).length]; })()",
            ['a😀é', 4],
        ),
        (
            "(() => { const d = new TextDecoder(); return [d.decode(new Uint8Array([0xe2, 0x82]), {stream:"
            " true}), d.decode(new Uint8Array([0xac])), d.decode(new Uint8Array([0xe2, 0x82]), {stream:"
            " true}), d.decode()]; })()",
            ['', '€', '', '�'],
        ),
        (
            "(() => { const d = new TextDecoder(); return [d.decode(new Uint8Array([0xef, 0xbb, 0xbf,"
            " 0x61])), d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x62]))]; })()",
            ['a', 'b'],
        ),
        (
            "Object.prototype.toString.call(new TextDecoder())",
            '[object TextDecoder]',
        ),
        (
            "err(() => new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0x61, 0xff])))",
            ['TypeError', 'The encoded data was not valid for encoding utf-8', 'ERR_ENCODING_INVALID_ENCODED_DATA'],
        ),
    ],
    # atob/btoa take Uint8Array's base64 methods on first use (not at load: on V8 that sets up the
    # backing-store budget), from the maker itself, not from a global the script has replaced
    "atob_btoa_beside_a_replaced_Uint8Array": [
        (
            "(() => { globalThis.Uint8Array = undefined; return [atob('aGk='), btoa('hi'), atob(' aG k= ')]; })()",
            ['hi', 'aGk=', 'hi'],
        ),
    ],
    "atob_btoa": [
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ==")',
            'a',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ")',
            'a',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ=")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("Y")',
            ['InvalidCharacterError', 'The string to be decoded is not correctly encoded.', 5, True, True,
             '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YR==")',
            'a',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })(" Y Q = = ")',
            'a',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ==\f")',
            'a',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ\u00a0")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ=a")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YWJj=")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("Y-Q")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("")',
            '',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("====")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YQ===")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YWJjZA")',
            'abcd',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YWJjZA=")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("YWJjZA==")',
            'abcd',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("Y=Q=")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("aGVsbG8=")',
            'hello',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("8J+YgA==")',
            'ð\x9f\x98\x80',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("/w==")',
            'ÿ',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("A_B")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("AB\nCD")',
            '\x00\x10\x83',
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("==")',
            ['InvalidCharacterError', 'Invalid character', 5, True, True, '[object DOMException]'],
        ),
        (
            "(s => { try { return atob(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' Error, e instanceof DOMException, Object.prototype.toString.call(e)]; } })("dXNlcjpwYXNz")',
            'user:pass',
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' DOMException]; } })("abc")',
            'YWJj',
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' DOMException]; } })("\u00e9")',
            '6Q==',
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' DOMException]; } })("\u0100")',
            ['InvalidCharacterError', 'Invalid character', 5, True],
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' DOMException]; } })("")',
            '',
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' DOMException]; } })("\u0000\u00ff")',
            'AP8=',
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            ' DOMException]; } })("user:pass")',
            'dXNlcjpwYXNz',
        ),
        (
            "(s => { try { return btoa(s); } catch (e) { return [e.name, e.message, e.code, e instanceof"
            r' DOMException]; } })("\ud83d\ude00")',
            ['InvalidCharacterError', 'Invalid character', 5, True],
        ),
        (
            r"[btoa(12), btoa(null), btoa(undefined), atob(btoa('\u00ff\u00fe\u0000abc'))]",
            ['MTI=', 'bnVsbA==', 'dW5kZWZpbmVk', 'ÿþ\x00abc'],
        ),
        (
            "err(() => atob())",
            ['TypeError', 'The "input" argument must be specified', 'ERR_MISSING_ARGS'],
        ),
        (
            "err(() => btoa())",
            ['TypeError', 'The "input" argument must be specified', 'ERR_MISSING_ARGS'],
        ),
        (
            "[new DOMException('m', 'AbortError').code, new DOMException('m').name, new"
            " DOMException().message, new DOMException('m', {name: 'TimeoutError'}).code, Object.keys(new"
            " DOMException('x', 'AbortError')), new DOMException('x') instanceof Error]",
            [20, 'Error', '', 23, [], True],
        ),
    ],
    "globals": [
        (
            "['URL', 'URLSearchParams', 'Buffer', 'TextEncoder', 'TextDecoder', 'atob', 'btoa',"
            " 'DOMException'].map((n) => typeof globalThis[n])",
            ['function', 'function', 'function', 'function', 'function', 'function', 'function', 'function'],
        ),
        (
            "['URL', 'URLSearchParams', 'Buffer', 'TextEncoder', 'TextDecoder', 'DOMException'].filter((n) =>"
            " Object.keys(globalThis).includes(n))",
            [],
        ),
        (
            "[URL.parse('/x', 'https://a.com/b').href, URL.parse('nope'), URL.parse('https://a.com', 'bad')]",
            ['https://a.com/x', None, None],
        ),
        (
            "[Buffer.name, URL.name, URLSearchParams.name, atob.name, btoa.name, TextDecoder.name, typeof"
            " Buffer.from, typeof URL.canParse]",
            ['Buffer', 'URL', 'URLSearchParams', 'atob', 'btoa', 'TextDecoder', 'function', 'function'],
        ),
    ],
    "large_inputs": [
        (
            "[0, 1, 2, 3].map((k) => digest(Buffer.from('a'.repeat(k) +"
            r" '\u00e9\ud83d\ude00\u20ac'.repeat(30000)).toString()))",
            [[120000, 381841115], [120001, 773241408], [120002, 906650407], [120003, 42329341]],
        ),
        (
            "[0, 1, 2, 3].map((k) => digest(new TextDecoder().decode(new TextEncoder().encode('a'.repeat(k) +"
            r" '\u00e9\ud83d\ude00'.repeat(40000)))))",
            [[120000, 400004651], [120001, 400582586], [120002, 418498571], [120003, 973894106]],
        ),
        (
            "[[0x80], [0xf0, 0x9f, 0x98], [0xe2, 0x82, 0xac, 0x80], [0xc3, 0xa9, 0xff], [0xed, 0xa0, 0x80,"
            " 0x61]].map((p) => digest(Buffer.alloc(200003, Buffer.from(p)).toString()))",
            [[200003, 657578022], [66668, 940473815], [100001, 337281656], [133335, 48389707], [200003, 163417652]],
        ),
        (
            r"[0, 1, 2].map((k) => { const b = Buffer.alloc(140000, 'x'); b.write('\ud83d\ude00', 65533 + k);"
            " b[131070 + k] = 0xf0; return digest(b.toString()); })",
            [[139998, 926326123], [139998, 962943079], [139998, 480253300]],
        ),
        (
            "(s => [Buffer.byteLength(s), new TextEncoder().encode(s).length,"
            r" digest(Buffer.from(s).toString('hex'))])('a' + '\ud83d\ude00'.repeat(40000) + '\ud800')",
            [160004, 160004, [320008, 269247252]],
        ),
        (
            r"(s => digest(Buffer.from(s).toString('base64')))('\u00e9\ud83d\ude00a\ud800'.repeat(40000))",
            [533336, 882891349],
        ),
        (
            r"(b => Buffer.from(b.toString('base64').replace(/(.{76})/g, '$1\r\n'),"
            r" 'base64').equals(b))(Buffer.alloc(100000, 'abc\u00ff'))",
            True,
        ),
        (
            "(b => [Buffer.from(b.toString('hex'), 'hex').equals(b), Buffer.from(b.toString('base64url'),"
            " 'base64url').equals(b), Buffer.from(b.toString('latin1'),"
            " 'latin1').equals(b)])(Buffer.alloc(100001, Buffer.from([0, 255, 128, 7])))",
            [True, True, True],
        ),
        (
            r"digest(atob(btoa('\u00ff\u0000x'.repeat(50000))))",
            [150000, 63854207],
        ),
        (
            "(p => [p.size, p.get('k999'), p.toString().length])(new URLSearchParams(Array.from({length:"
            r" 2000}, (_, i) => ['k' + i, 'v \u00e9 ' + i])))",
            [2000, 'v é 999', 37779],
        ),
    ],
}


def _module(expressions: list[str]) -> str:
    body = ",\n".join(f"() => ({expression})" for expression in expressions)
    return f"{HELPERS_JS}\nconst cases = [\n{body}\n];\nexport default () => cases.map(run);\n"


@pytest.mark.parametrize("group", list(CASES))
async def test_matches_node(run_js, group):
    cases = CASES[group]
    result = await run_js(_module([expression for expression, _ in cases]))
    assert result.error is None, result.error
    assert len(result.output) == len(cases)
    mismatches = [
        {"expression": expression, "node": expected, "got": got}
        for (expression, expected), got in zip(cases, result.output, strict=True)
        if got != {"ok": expected}
    ]
    assert mismatches == []


async def test_the_first_text_decoder_of_a_job_calls_no_method_the_script_replaced(run_js):
    # TextDecoder's label table is made by the job's first TextDecoder, not when web.js loads: from a
    # literal, so a script that replaced String#split or Array#forEach first gets Node 20's answers.
    result = await run_js("""export const run = () => {
      String.prototype.split = () => { throw new Error('split called') }
      Array.prototype.forEach = () => { throw new Error('forEach called') }
      Object.defineProperty(Object.prototype, 'latin1', { set() { throw new Error('setter called') }, configurable: true })
      return ['latin1', 'utf-16', ' UTF8 ', 'unicodefffe', 'ISO_8859-1:1987'].map((l) => new TextDecoder(l).encoding)
    }""")
    assert result.error is None, result.error
    assert result.output == ["windows-1252", "utf-16le", "utf-8", "utf-16be", "windows-1252"]  # node -e, v20.20.2


async def test_a_jobs_changes_to_globals_do_not_reach_the_next_job(run_js):
    tamper = await run_js("""export default () => {
      URLSearchParams.prototype.toString = () => 'tampered';
      URL.prototype.toString = () => 'tampered';
      Buffer.from = () => 'tampered';
      const keptBuffer = Buffer;
      delete globalThis.Buffer;
      globalThis.atob = () => 'tampered';
      globalThis.TextDecoder = undefined;
      const url = new URL('https://a.com/p?x=1');
      url.searchParams.append('y', 'a b');
      return [String(new URLSearchParams('a=1')), String(url), url.href, typeof Buffer, keptBuffer.from('a'),
        atob('YQ=='), typeof TextDecoder, btoa('a')];
    }""")
    assert tamper.error is None, tamper.error
    # The script's changes hold within its own job, and the shims' internals do not depend on them.
    assert tamper.output == ["tampered", "tampered", "https://a.com/p?x=1&y=a+b", "undefined", "tampered",
                             "tampered", "undefined", "YQ=="]

    fresh = await run_js("""export default () => [String(new URLSearchParams('a=1')), String(new URL('http://a/b')),
      typeof Buffer, Buffer.from('a').toString('hex'), atob('YQ=='), typeof TextDecoder]""")
    assert fresh.error is None, fresh.error
    assert fresh.output == ["a=1", "http://a/b", "function", "61", "a", "function"]


async def test_where_the_shims_deliberately_differ_from_node(run_js):
    result = await run_js("""export default () => {
      let label;
      try { new TextDecoder('latin2'); } catch (e) { label = [e.name, e.code, e.message]; }
      return [label, ['atob', 'btoa'].filter((name) => Object.keys(globalThis).includes(name))];
    }""")
    assert result.error is None, result.error
    # Node also decodes legacy encodings (latin2, utf-16le, ...); the shim's TextDecoder is UTF-8 only.
    assert result.output[0] == ["RangeError", "ERR_ENCODING_NOT_SUPPORTED", 'The "latin2" encoding is not supported']
    # Node makes atob and btoa enumerable globals; host.defineGlobal installs every shim global non-enumerable.
    assert result.output[1] == []


def _urls_near_the_fast_path(count: int, seed: int) -> list[str]:
    """http(s) URLs like the ones connectors fetch, each part usually plain and sometimes one of the
    variations where normalising starts to matter (case, numeric hosts, default and out-of-range
    ports, dot segments, characters that get percent-encoded, a fragment)."""
    rng = random.Random(seed)

    def pick(plain: list[str | None], odd: list[str | None]) -> str | None:
        return rng.choice(plain if rng.random() < 0.85 else odd)

    out = []
    for _ in range(count):
        scheme = pick(["http", "https"], ["HTTP", "ftp", "ws"])
        host = ".".join(pick(["api", "example", "com", "a-b", "x1", "io"],
                             ["127", "0x7f", "1", "255", "256", "010", "Api", "xn--bcher-kva", ""])
                        for _ in range(rng.choice([1, 2, 3, 4])))
        port = pick([None, None, "8080", "3000"], ["", "80", "443", "0", "065535", "65535", "65536", "99999"])
        path = "".join("/" + str(pick(["token", "v1", "oauth2", "a.b", "t;k=v", "~u", "p@q", "x%20y", ""],
                                      [".", "..", "%2e", "%2E%2e", "a b", "é", "a'b", "[x]", "a\\b"]))
                       for _ in range(rng.randrange(0, 4)))
        query = pick([None, "a=1", "a=1&b=2", "", "r=/?:@"], ["x=%zz", "q=a b", "q='", "é=1", 'k="v"'])
        fragment = pick([""], ["#f", "#"])
        out.append(f"{scheme}://{host}{'' if port is None else ':' + port}{path}"
                   f"{'' if query is None else '?' + query}{fragment}")
    return out


async def test_plain_http_urls_parse_as_the_general_parser_does(run_js):
    # The URL shim skips its general parser for plain absolute http(s) URLs. A leading space is trimmed
    # by the general parser and makes the input not plain, so `new URL(' ' + u)` is the general
    # parser's answer for `u`; both must agree on every component, and on which inputs are invalid.
    urls = _urls_near_the_fast_path(1500, seed=8)
    result = await run_js(HELPERS_JS + """
      const parse = (u) => { try { return props(new URL(u)); } catch (e) { return e.code; } };
      export default ({ urls }) => urls.map((u) => [u, parse(u), parse(' ' + u)]).filter(([, a, b]) =>
        JSON.stringify(a) !== JSON.stringify(b));
    """, {"urls": urls})
    assert result.error is None, result.error
    assert result.output == []


@pytest.mark.parametrize(("uses", "present", "absent"), [
    ("typeof fetch", ["URL", "TextEncoder", "setTimeout", "Headers"], ["Buffer", "console"]),
    ("typeof Buffer", ["URL", "atob"], ["fetch", "setTimeout"]),
    ("typeof require('axios')", ["Buffer", "fetch", "URL"], ["apiClient", "console"]),
    ("typeof URL", ["URLSearchParams", "DOMException"], ["Buffer", "fetch"]),
])
async def test_a_module_gets_the_shims_it_mentions_and_what_they_need(run_js, uses, present, absent):
    # Names reached only through a computed string do not count as mentioned (README), which is how
    # this looks at what the prelude holds without mentioning it.
    result = await run_js(f"""export default ({{ names }}) => [{uses},
      names.map((name) => typeof globalThis[name.split('').join('')])]""",
                          {"names": present + absent})
    assert result.error is None, result.error
    assert result.output[0] in ("function", "object")
    assert result.output[1] == ["function"] * len(present) + ["undefined"] * len(absent)


async def test_timers_hand_out_node_timeout_objects(run_js):
    result = await run_js("""export default async () => {
  const out = []
  const t = setTimeout(() => out.push('fired t'), 60)
  out.push([typeof t, t.hasRef(), t.unref() === t, t.hasRef(), typeof +t])
  const i = setImmediate(() => {})
  out.push([typeof i, typeof i.refresh, i.hasRef()])
  const c = setTimeout(() => out.push('SHOULD NOT'), 5); clearTimeout(+c)
  const d = setTimeout(() => out.push('SHOULD NOT 2'), 5); clearTimeout(String(+d))
  const r = setTimeout(() => out.push('refreshed fired'), 100); setTimeout(() => r.refresh(), 80)
  setInterval(function () { out.push(['interval', typeof this]); clearInterval(this) }, 5)
  await new Promise((done) => setTimeout(done, 250))
  return out
}""", export="default")
    assert result.error is None, result.error
    # Node 20 printed the same for this script (run as a plain script with console.log). The delays are
    # further apart than the script's own run time on a loaded machine (the interval is due first).
    assert result.output == [["object", True, True, False, "number"], ["object", "undefined", True],
                             ["interval", "object"], "fired t", "refreshed fired"]
