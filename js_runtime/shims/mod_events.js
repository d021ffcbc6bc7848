// The `events` module (Node 20): EventEmitter (on/addListener, once, off/removeListener, prependListener,
// prependOnceListener, emit, listeners, rawListeners, listenerCount, eventNames, removeAllListeners,
// setMaxListeners/getMaxListeners), the static `once(emitter, name)` promise, and errorMonitor.
// Left out: captureRejections, the max-listeners warning (connector code has no process to warn on).
{
  const errorMonitor = Symbol('events.errorMonitor');
  class EventEmitter {
    constructor() { this._events = Object.create(null); this._maxListeners = undefined; }
    _list(name) { if (!this._events) this._events = Object.create(null); return this._events[name] || (this._events[name] = []); }
    _add(name, listener, prepend, once) {
      if (typeof listener !== 'function') {
        const err = new TypeError('The "listener" argument must be of type function. Received ' + (listener === null ? 'null' : typeof listener === 'object' ? 'an instance of ' + (listener.constructor && listener.constructor.name || 'Object') : 'type ' + typeof listener + ' (' + String(listener) + ')'));
        err.code = 'ERR_INVALID_ARG_TYPE';
        throw err;
      }
      if (this._events && this._events.newListener) this.emit('newListener', name, listener);
      const entry = { listener, once };
      const list = this._list(name);
      if (prepend) list.unshift(entry); else list.push(entry);
      return this;
    }
    on(name, listener) { return this._add(name, listener, false, false); }
    addListener(name, listener) { return this._add(name, listener, false, false); }
    prependListener(name, listener) { return this._add(name, listener, true, false); }
    once(name, listener) { return this._add(name, listener, false, true); }
    prependOnceListener(name, listener) { return this._add(name, listener, true, true); }
    off(name, listener) { return this.removeListener(name, listener); }
    removeListener(name, listener) {
      const list = this._events && this._events[name];
      if (!list) return this;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].listener === listener) {
          list.splice(i, 1);
          if (list.length === 0) delete this._events[name];
          if (this._events.removeListener) this.emit('removeListener', name, listener);
          break;
        }
      }
      return this;
    }
    removeAllListeners(name) {
      if (!this._events) return this;
      if (name === undefined) this._events = Object.create(null); else delete this._events[name];
      return this;
    }
    emit(name, ...args) {
      if (name === 'error' && this._events && this._events[errorMonitor]) this.emit(errorMonitor, ...args);
      const list = this._events && this._events[name];
      if (!list || list.length === 0) {
        if (name === 'error') {
          const er = args[0];
          if (er instanceof Error) throw er;
          const err = new Error('Unhandled error. (' + (typeof er === 'string' ? "'" + er + "'" : String(er)) + ')');
          err.code = 'ERR_UNHANDLED_ERROR';
          err.context = er;
          throw err;
        }
        return false;
      }
      for (const entry of list.slice()) {
        if (entry.once) this.removeListener(name, entry.listener);
        entry.listener.apply(this, args);
      }
      return true;
    }
    listeners(name) { return ((this._events && this._events[name]) || []).map((e) => e.listener); }
    rawListeners(name) { return this.listeners(name); }
    listenerCount(name) { return ((this._events && this._events[name]) || []).length; }
    eventNames() { return this._events ? Reflect.ownKeys(this._events) : []; }
    setMaxListeners(n) { this._maxListeners = n; return this; }
    getMaxListeners() { return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners; }
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.errorMonitor = errorMonitor;
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    const onError = (err) => { emitter.removeListener(name, onEvent); reject(err); };
    const onEvent = (...args) => { if (name !== 'error') emitter.removeListener('error', onError); resolve(args); };
    emitter.once(name, onEvent);
    if (name !== 'error') emitter.once('error', onError);
  });
  EventEmitter.listenerCount = (emitter, name) => emitter.listenerCount(name);
  host.registerModule('events', EventEmitter);
}
