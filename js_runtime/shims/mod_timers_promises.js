// The `timers/promises` module (Node 20): setTimeout(ms, value) and setImmediate(value) as promises,
// on the job's timer queue (timers.js). An `options.signal` that aborts rejects with an AbortError.
// Left out: setInterval's async iterator and the `scheduler` object.
{
  const abortError = (signal) => {
    const err = new Error('The operation was aborted');
    err.name = 'AbortError';
    err.code = 'ABORT_ERR';
    err.cause = signal && signal.reason;
    return err;
  };
  const later = (delay, value, options) => new Promise((resolve, reject) => {
    const signal = options && options.signal;
    if (signal && signal.aborted) { reject(abortError(signal)); return; }
    const id = host.setTimer(() => resolve(value), delay, [], false);
    if (signal && typeof signal.addEventListener === 'function') {
      signal.addEventListener('abort', () => { host.clearTimer(id); reject(abortError(signal)); }, { once: true });
    }
  });
  host.registerModule('timers/promises', {
    setTimeout: (delay, value, options) => later(delay, value, options),
    setImmediate: (value, options) => later(0, value, options),
  });
}
