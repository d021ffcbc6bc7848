// EventTarget, Event and CustomEvent (Node 20's, which follow the DOM standard for a target with no
// parents): listeners in order, once/capture/passive/signal options, handleEvent objects,
// stopImmediatePropagation, preventDefault on cancelable events. AbortSignal (fetch.js) extends it.
// A listener that throws does not stop the others; its error is logged at level 'error' (Node would
// report it as an uncaught exception).
{
  const EV = Symbol('event');
  const LISTENERS = Symbol('listeners');
  const missing = (message) => Object.assign(new TypeError(message), { code: 'ERR_MISSING_ARGS' });
  const invalid = (message) => Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
  const typeOf = (v) => (v === null ? 'null' : typeof v === 'object'
    ? 'an instance of ' + ((Object.getPrototypeOf(v) || {}).constructor || { name: 'Object' }).name
    : 'type ' + typeof v + (typeof v === 'function' ? '' : ' (' + String(v) + ')'));
  const start = Date.now();

  class Event {
    constructor(type, options) {
      if (arguments.length === 0) throw missing('The "type" argument must be specified');
      const o = options === undefined || options === null ? {} : options;
      this[EV] = { type: `${type}`, bubbles: !!o.bubbles, cancelable: !!o.cancelable, composed: !!o.composed,
        canceled: false, stop: false, target: null, current: null, phase: 0, timeStamp: Date.now() - start + 0.5 };
    }
    get type() { return this[EV].type; }
    get bubbles() { return this[EV].bubbles; }
    get cancelable() { return this[EV].cancelable; }
    get composed() { return this[EV].composed; }
    get defaultPrevented() { return this[EV].cancelable && this[EV].canceled; }
    get returnValue() { return !this.defaultPrevented; }
    get target() { return this[EV].target; }
    get currentTarget() { return this[EV].current; }
    get srcElement() { return this[EV].target; }
    get eventPhase() { return this[EV].phase; }
    get timeStamp() { return this[EV].timeStamp; }
    get isTrusted() { return false; }
    get cancelBubble() { return this[EV].stop; }
    set cancelBubble(v) { if (v) this[EV].stop = true; }
    composedPath() { return this[EV].phase ? [this[EV].current] : []; }
    preventDefault() { this[EV].canceled = true; }
    stopPropagation() { this[EV].stop = true; }
    stopImmediatePropagation() { this[EV].stop = this[EV].immediate = true; }
    get [Symbol.toStringTag]() { return 'Event'; }
  }
  Object.assign(Event, { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 });

  class CustomEvent extends Event {
    constructor(type, options) {
      super(type, options);
      this[EV].detail = options && options.detail !== undefined ? options.detail : null;
    }
    get detail() { return this[EV].detail; }
  }

  const capture = (options) => (typeof options === 'boolean' ? options : !!(options && options.capture));
  const listenersOf = (target) => {
    if (!target[LISTENERS]) Object.defineProperty(target, LISTENERS, { value: new Map() });
    return target[LISTENERS];
  };
  const checkListener = (listener) => {
    if (listener === null || listener === undefined || typeof listener === 'function'
      || (typeof listener === 'object' && listener !== null)) return;
    throw invalid('The "listener" argument must be an instance of EventListener. Received ' + typeOf(listener));
  };

  class EventTarget {
    addEventListener(type, listener, options) {
      if (arguments.length < 2) throw missing('The "type" and "listener" arguments must be specified');
      checkListener(listener);
      if (listener === null || listener === undefined) return;
      const signal = options && typeof options === 'object' ? options.signal : undefined;
      if (signal && signal.aborted) return;
      const map = listenersOf(this);
      const key = `${type}`;
      const list = map.get(key) || [];
      const cap = capture(options);
      if (list.some((l) => l.listener === listener && l.capture === cap)) return;
      const entry = { listener, capture: cap, once: !!(options && typeof options === 'object' && options.once) };
      list.push(entry);
      map.set(key, list);
      if (signal) signal.addEventListener('abort', () => this.removeEventListener(key, listener, options), { once: true });
    }

    removeEventListener(type, listener, options) {
      if (arguments.length < 2) throw missing('The "type" and "listener" arguments must be specified');
      const list = this[LISTENERS] && this[LISTENERS].get(`${type}`);
      if (!list) return;
      const cap = capture(options);
      const at = list.findIndex((l) => l.listener === listener && l.capture === cap);
      if (at >= 0) list.splice(at, 1)[0].removed = true;
    }

    dispatchEvent(event) {
      if (!(event instanceof Event)) {
        throw invalid('The "event" argument must be an instance of Event. Received ' + typeOf(event));
      }
      const st = event[EV];
      st.target = st.current = this;
      st.phase = 2;
      st.stop = st.immediate = false;
      const list = this[LISTENERS] && this[LISTENERS].get(st.type);
      for (const entry of list ? list.slice() : []) {
        if (entry.removed) continue;
        if (entry.once) this.removeEventListener(st.type, entry.listener, entry);
        try {
          const l = entry.listener;
          if (typeof l === 'function') l.call(this, event);
          else if (typeof l.handleEvent === 'function') l.handleEvent(event);
        } catch (e) {
          if (host.log) host.log('error', [e]);
        }
        if (st.immediate) break;
      }
      st.current = null;
      st.phase = 0;
      return !event.defaultPrevented;
    }
    get [Symbol.toStringTag]() { return 'EventTarget'; }
  }

  host.events = { Event, EventTarget, EV };
  const globals = { Event, EventTarget, CustomEvent };
  for (const name of Object.keys(globals)) host.defineGlobal(name, globals[name]);
}
