"""connector-executor: runs integration connectors' auth methods in sandboxed JavaScript engines.

Layout, lowest layer first (a module imports its own layer and lower ones only; the order is
checked by tests/unit/test_layering.py):

    js_runtime/          engines (QuickJS, V8), module loading, the JS shims and the bridge loop
    executor/errors.py   the one error tree, with the contract's stable codes
    executor/limits.py   every limit in one frozen value (the table: docs/limits.md)
    executor/secrets.py  a job's secret values and their redaction
    executor/formulas/   mapping formulas compiled once at load
    executor/transport/  how HTTP leaves the sandbox: live (aiohttp + network policy), host rewrite
    executor/connector/  spec.yml and mapping loading into typed objects
    executor/jobs/       running a method or a flow for one job, producing the job result
    executor/oauth/      the OAuth and token auth types: pure RFC steps and their job handlers
    executor/replay/     record and replay of jobs (fixtures), the pytest plugin
    executor/server/     the aiohttp job service and its worker processes
    executor/cli.py      the command line
"""
