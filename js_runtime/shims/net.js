// Queuing HTTP requests and service calls for the session (every way a script reaches the network
// goes through here, and from here only to Python's transport): HttpAsk and ServiceAsk of the bridge
// protocol (js_runtime/bridge.py), answered by HttpAnswer or NetworkFailure, and ServiceAnswer.
Object.assign(host, {
  /** Queue an HTTP request; resolves with the session's response, rejects with {code, message}. */
  request(req) {
    return new Promise((resolve, reject) => {
      const id = state.nextRequestId++;
      state.pending.set(id, { resolve, reject });
      state.outbox.push({
        id,
        method: req.method,
        url: req.url,
        headers: req.headers || [],
        body: req.body === undefined ? null : req.body,
        followRedirects: req.followRedirects !== false,
        maxRedirects: req.maxRedirects === undefined ? null : req.maxRedirects,
      });
    });
  },

  /** Ask the session's named service (e.g. 'responseHandlers') for a JSON answer, asynchronously. */
  call(service, payload) {
    return new Promise((resolve, reject) => {
      const id = state.nextRequestId++;
      state.pending.set(id, { resolve, reject });
      state.outbox.push({ id, service, payload });
    });
  }
});
