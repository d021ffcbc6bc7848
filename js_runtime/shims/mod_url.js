// The `url` module (Node 20), made of the globals the web unit defines:
// URL, URLSearchParams and urlToHttpOptions; fileURLToPath/pathToFileURL are left out (no file system),
// format(URL) and the legacy parse(string) / resolve() are left out (deprecated in Node).

host.registerModule('url', {
  URL, URLSearchParams,
  urlToHttpOptions(url) {
    const out = { protocol: url.protocol, hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      hash: url.hash, search: url.search, pathname: url.pathname, path: url.pathname + url.search, href: url.href };
    if (url.port !== '') out.port = Number(url.port);
    if (url.username || url.password) out.auth = decodeURIComponent(url.username) + ':' + decodeURIComponent(url.password);
    return out;
  },
});
