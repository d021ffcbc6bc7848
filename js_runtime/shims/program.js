// The CommonJS loader of a method made of several files (not part of the prelude: js_runtime/modules.py
// puts it in the factory of such a method only). `defs` maps '/path' to [links, esm, factory]:
// `links` are the file's specifiers resolved at load ('./x' -> '/lib/x.js', 'node:url' -> 'url').
// As in Node, a module is cached before it runs, so a cycle sees the partial exports of the module
// still running; `this` is module.exports in CommonJS and undefined in an ES module.
(function (hostRequire, where, defs) {
  'use strict';
  const cache = Object.create(null);
  const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  function load(id, given) {
    if (own(cache, id)) return cache[id].exports;
    const [links, esm, factory] = defs[id];
    const module = given || { exports: {} };
    module.id = id.slice(1);
    module.loaded = false;
    cache[id] = module;
    const require = linked(links);
    factory.call(esm ? undefined : module.exports, module, module.exports, require, importer(require), where);
    module.loaded = true;
    return module.exports;
  }
  function linked(links) {
    return function require(name) {
      const key = String(name);
      const id = own(links, key) ? links[key] : (key.startsWith('node:') ? key.slice(5) : key);
      return id[0] === '/' && own(defs, id) ? load(id) : hostRequire(id);
    };
  }
  function importer(require) {
    return (name) => new Promise((resolve) => {
      const value = require(name);
      resolve(value && value.__ceEsm ? value : Object.assign(Object.create(null), value, { default: value }));
    });
  }
  return load;
})
