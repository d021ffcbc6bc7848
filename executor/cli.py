"""The command line (contract §3): run, serve, replay, record.

stdout carries exactly one JSON object (the job result) for `run`; diagnostics go to stderr.
Exit status: 0 succeeded, 1 failed, 2 bad usage or an unreadable connector or input file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from executor.connector import load_connector_dir
from executor.errors import ConnectorInvalid, ExecutorError, InvalidInput
from executor.jobs import Job, JobInput, run_job
from executor.jobs.result import JobResult
from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.engine import ENGINE_KINDS
from js_runtime.lanes import abandoned_work
from js_runtime.limits import DEFAULT_LIMITS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connector-executor",
                                     description="Run integration connectors' auth methods in sandboxed engines.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one method or flow of a connector")
    run.add_argument("connector_dir", type=Path)
    run.add_argument("method")
    run.add_argument("--input", default=None, help="JSON file with the context ('-' for stdin)")
    _add_engine(run)
    run.add_argument("--auth-option", default=None)
    _add_allow_host(run)
    run.add_argument("--timeout", type=float, default=DEFAULT_LIMITS.timeout, help="seconds")

    serve = commands.add_parser("serve", help="serve the job endpoint")
    serve.add_argument("--connectors", type=Path, default=None)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    serve.add_argument("--store", default=None,
                       help="shared state: redis://HOST:PORT/DB (default: this process's memory; "
                            "or CONNECTOR_EXECUTOR_STORE)")
    _add_engine(serve)
    _add_allow_host(serve)

    replay = commands.add_parser("replay", help="replay fixtures with no network")
    replay.add_argument("fixtures", nargs="+", type=Path)
    replay.add_argument("--engine", choices=ENGINE_KINDS, default=None)

    record = commands.add_parser("record", help="run live and write a replay fixture")
    record.add_argument("connector_dir", type=Path)
    record.add_argument("method")
    record.add_argument("--input", required=True)
    record.add_argument("--output", required=True, type=Path, help="the fixture to write: .json, .yml or .yaml")
    record.add_argument("--force", action="store_true", help="replace an existing fixture file")
    _add_engine(record)
    record.add_argument("--auth-option", default=None)
    _add_allow_host(record)
    return parser


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINE_KINDS, default="quickjs")


def _add_allow_host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST[:PORT]",
                        help="let requests reach this (otherwise internal) host")


def read_input(source: str | None) -> JobInput:
    """The --input file (or stdin) as a JobInput; InvalidInput when unreadable or not an object."""
    if source is None:
        return JobInput()
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        return JobInput.from_json(json.loads(text))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read input {source}: {exc.__class__.__name__}") from None
    except RecursionError:
        raise InvalidInput(f"cannot read input {source}: it is nested too deeply") from None


def print_result(result: JobResult) -> None:
    """The result as one line of UTF-8 JSON. A lone surrogate (a JS string may hold one, in an output,
    log line, message or key) has no UTF-8 form: then every non-ASCII character is written as a
    \\u escape instead, which JSON readers turn back into the same string."""
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(result.to_dict(), ensure_ascii=True).encode("ascii")
    sys.stdout.flush()
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.buffer.flush()


async def _run(args: argparse.Namespace) -> int:
    try:
        connector = load_connector_dir(args.connector_dir)
        job_input = read_input(args.input)
    except (ConnectorInvalid, InvalidInput) as exc:
        print_result(JobResult("failed", error=exc))
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    policy = NetworkPolicy.from_env(os.environ, args.allow_host)
    job = Job(connector=connector, method=args.method, input=job_input, engine=args.engine,
              auth_option=args.auth_option, limits=DEFAULT_LIMITS.with_timeout(args.timeout))
    async with LiveTransport(policy, max_response_bytes=job.limits.max_response_bytes) as transport:
        result = await run_job(job, send=transport.send)
    print_result(result)
    if result.error is not None:
        print_error_location(result.error)
    return EXIT_OK if result.succeeded else EXIT_FAILED


def print_error_location(error: ExecutorError) -> None:
    """A failed script's message, where it happened and its connector frames, readably on stderr."""
    where = error.details.get("location")
    if not isinstance(where, str):
        return
    print(f"error: {error.code}: {error.message}\n  at {where}", file=sys.stderr)
    for frame in error.details.get("stack") or []:
        print(f"    {frame}", file=sys.stderr)


def _handler(command: str) -> Any:
    """The function behind a sub-command; each takes the parsed args and returns an exit status
    (or a coroutine giving one). serve/replay/record live with the code they drive."""
    if command == "serve":
        from executor.server.main import serve_command

        return serve_command
    if command == "replay":
        from executor.fixtures.commands import replay_command

        return replay_command
    if command == "record":
        from executor.fixtures.commands import record_command

        return record_command
    return _run


def console_main() -> None:
    """The console script: `main`, then an exit that does not wait for an engine thread still spinning.

    Only the process's own entry point may exit this way (`main` is also called in-process, by tests
    and by the pytest plugin, where an abandoned lane of an earlier job must not end the process)."""
    outcome = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if abandoned_work():
        os._exit(outcome)
    sys.exit(outcome)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `connector-executor` console script."""
    args = build_parser().parse_args(argv)
    try:
        outcome = _handler(args.command)(args)
        if asyncio.iscoroutine(outcome):
            outcome = asyncio.run(outcome)
        return int(outcome)
    except ExecutorError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    console_main()
