"""js_runtime: connector JavaScript in embedded engines (QuickJS via quickjs-ng, V8 via mini-racer).

    engine.py            the Engine protocol and `open_engine`
    quickjs/, v8/        each engine's implementation and low-level parts
    bindings.py          whether those may use their bindings' internals (exact versions, a switch)
    lanes.py             threads that own engine contexts (script work never runs on the event loop)
    modules.py           ES module / CommonJS source -> one factory function (tree-sitter parser)
    prelude.py, shims/   the JavaScript globals connector code expects (fetch, axios, URL, Buffer...)
    bridge.py            the bridge protocol: the messages between the shims and the session, typed
    session.py           the bridge loop that drives one method call to completion
    http.py, limits.py   the request/response messages and the per-job limits
    errors.py            the one error tree with the contract's stable codes (executor.errors re-exports it)

The lowest layer: imports nothing of executor (tests/unit/test_layering.py enforces it). What the
executor adds (the apiClient, its services) comes in through session.ContextObject and MethodCall.
"""
