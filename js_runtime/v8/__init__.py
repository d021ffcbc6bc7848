"""V8 (mini-racer) behind the Engine interface.

    engine.py      V8Engine: one isolate per job, driven from the job's event loop; the start gate
                   and V8's process-wide set-up
    compact.py     the prelude without its comments once a process uses it often (V8 compiles
                   it in every isolate)

May import the rest of js_runtime; nothing outside this folder imports it but js_runtime.engine
(open_engine), the bench and the tests.
"""
