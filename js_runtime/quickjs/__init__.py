"""QuickJS (quickjs-ng) behind the Engine interface, and the low-level parts only it uses.

    engine.py      QuickJSEngine: one context per job, on a lane
    capi.py        the engine's C API through ctypes on the binding's own objects (js_runtime.bindings
                   decides whether it may be used)
    bytecode.py    the prelude compiled once to QuickJS bytecode, read into each context
    recycle.py     finished contexts renewed with fresh runtimes made and freed off the GIL

May import the rest of js_runtime; nothing outside this folder imports these parts but
js_runtime.engine (open_engine) and the tests.
"""
