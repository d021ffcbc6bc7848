"""connector-executor: runs integration connectors' auth methods in sandboxed JavaScript engines.

Layout (each package is one layer; lower layers never import higher ones):

    js_runtime/          engines (QuickJS, V8), module loading, the JS shims and the bridge loop
    executor/errors.py   the one error tree, with the contract's stable codes
    executor/transport/  how HTTP leaves the sandbox: live (aiohttp + network policy), replay, record
    executor/connector/  spec.yml and mapping loading into typed objects
    executor/formulas/   mapping formulas compiled once at load
    executor/jobs/       running a method or a flow for one job, producing the job result
    executor/server/     the aiohttp job endpoint
    executor/cli.py      the command line
"""
