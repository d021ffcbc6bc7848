"""Benchmarks of connector-executor against the physical floor, measured side by side in one run.

    python -m bench [--quick | --smoke] [--loadgen auto|wrk|python] [--out DIR] [--no-chart]
    python -m bench.profile                      where the time goes (py-spy), written to bench/profile.md

Every figure is printed with its baseline measured in the same run and the ratio between them,
because the machine is shared and absolute numbers are noisy. See README.md, "Benchmarks".

    run.py           the command: sections in order, targets, the report
    common.py        the shared pieces: method sources, timing, process-tree RSS, child servers
    inproc.py        sections 1 and 4 (engine floor vs run_method; the HTTP bridge), in this process
    service.py       sections 2, 5 and 6 (front-end floor vs serve; 1000 in flight; soak)
    node.py          section 3 (a Node process per job; a Node vm context per job), node_*.js
    loadgen.py       the Python load generator (its own process), wrk.py the wrk driver
    bare_app.py      the front-end floor: a bare aiohttp app, no JS; upstream.py the local upstream
    report.py        the table, bench/results.md and bench/results.png
    profile.py       py-spy profiles of the in-process job path and of serve under load
"""
