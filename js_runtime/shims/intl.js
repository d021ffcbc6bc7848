// No Intl on either engine. QuickJS has none (its toLocaleString ignores locales and time zones and
// answers UTC), V8 formats with ICU: the same connector would give different answers on the two
// engines. So `Intl` is removed and every locale-sensitive built-in throws a TypeError with code
// ERR_NO_INTL naming the call, on both engines (docs/globals.md says why and what to use instead).
// toLocaleUpperCase/toLocaleLowerCase without a locale are the locale-independent case mappings.
// Part of the core: it must run in every context, or V8's Intl would stay reachable.
{
  const refuse = (what) => {
    const e = new TypeError(what + ' is not available: this sandbox has no Intl on either engine (QuickJS has '
      + 'none). Format dates with toISOString() or getUTC*() and numbers by hand; compare strings with < and >.');
    e.code = 'ERR_NO_INTL';
    return e;
  };
  const replace = (proto, name, owner, fn) => Object.defineProperty(proto, name, {
    value: Object.defineProperty(fn, 'name', { value: name }), writable: true, configurable: true, enumerable: false });
  const throwing = (owner, name) => function () { throw refuse(owner + '.prototype.' + name + '()'); };
  // On V8 reading a typed-array global sets up the backing-store budget (shims/v8_backing_stores.js),
  // which a job that never uses typed arrays should not pay for: the budget hands out %TypedArray%.
  const TypedArray = typeof __ceBackingStores === 'object' ? __ceBackingStores.TypedArray : Object.getPrototypeOf(Uint8Array);
  const targets = [[Date, ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']], [Number, ['toLocaleString']],
    [BigInt, ['toLocaleString']], [Array, ['toLocaleString']], [TypedArray, ['toLocaleString']],
    [String, ['localeCompare']]];
  for (const [Ctor, names] of targets) {
    for (const name of names) replace(Ctor.prototype, name, Ctor.name, throwing(Ctor === TypedArray ? 'TypedArray' : Ctor.name, name));
  }
  const { toUpperCase, toLowerCase } = String.prototype;
  replace(String.prototype, 'toLocaleUpperCase', 'String', function (...locales) {
    if (locales.length && locales[0] !== undefined) throw refuse('String.prototype.toLocaleUpperCase(locale)');
    return toUpperCase.call(this);
  });
  replace(String.prototype, 'toLocaleLowerCase', 'String', function (...locales) {
    if (locales.length && locales[0] !== undefined) throw refuse('String.prototype.toLocaleLowerCase(locale)');
    return toLowerCase.call(this);
  });
  delete globalThis.Intl;
  // Date#toString/toTimeString: V8 (and Node) name the zone through ICU, QuickJS does not; the sandbox
  // runs in UTC, so both say what Node says there.
  for (const name of ['toString', 'toTimeString']) {
    const original = Date.prototype[name];
    replace(Date.prototype, name, 'Date', function () {
      const text = original.call(this);
      return text.endsWith('GMT+0000') ? text + ' (Coordinated Universal Time)' : text;
    });
  }
}
