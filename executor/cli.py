"""The command line (docs/contract.md §3): run, serve, replay, record, check.

stdout carries exactly one JSON object (the job result) for `run`; diagnostics go to stderr.
Exit status: 0 succeeded, 1 failed, 2 bad usage (an unknown method included), an unreadable or
invalid connector (CONNECTOR_INVALID) or an unreadable input file. Each sub-command's parser and
examples live in one small function here; the commands that drive other packages (serve, replay,
record) live with the code they drive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from executor.connector import METHOD_NAMES, Connector, load_connector_dir
from executor.errors import ConnectorInvalid, EngineCrashed, ExecutorError, InvalidInput, MemoryLimitExceeded
from executor.jobs import JobInput, JobRequest, run_job
from executor.jobs.result import JobError, JobResult
from executor.limits import LIMITS
from executor.suggest import did_you_mean
from executor.transport import LiveTransport, NetworkPolicy
from js_runtime.engine import ENGINE_KINDS
from js_runtime.lanes import abandoned_work
from js_runtime.limits import DEFAULT_LIMITS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FLOWS = ("authorize", "connect")
EXAMPLES = "fixtures/connectors"  # the built-in example connectors, relative to a checkout

_FORMATTER = argparse.RawDescriptionHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connector-executor", formatter_class=_FORMATTER,
        description="Run integration connectors' auth methods in sandboxed engines.",
        epilog="exit status: 0 succeeded, 1 the job failed, 2 bad usage, an invalid connector or an "
               "unreadable input.\nRun `connector-executor COMMAND --help` for each command's examples.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_parser(commands)
    _serve_parser(commands)
    _replay_parser(commands)
    _record_parser(commands)
    _check_parser(commands)
    return parser


class _Version(argparse.Action):
    """--version, looked up only when asked for (reading the package metadata costs every run otherwise)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def package_version() -> str:
    try:
        return metadata.version("connector-executor")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _command(commands: Any, name: str, summary: str, examples: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary, formatter_class=_FORMATTER,
        epilog="examples:\n" + "\n".join("  " + line for line in examples.strip().splitlines()))
    return parser


def _run_parser(commands: Any) -> None:
    run = _command(commands, "run", "run one method or flow of a connector; the job result goes to stdout", f"""
connector-executor run {EXAMPLES}/api-key-example makeApiClient --input input.json
echo '{{"credentials": {{"apiKey": "k"}}}}' | connector-executor run {EXAMPLES}/api-key-example makeApiClient --input -
connector-executor run {EXAMPLES}/oauth2-example authorize --input authorize.json --engine v8
connector-executor run {EXAMPLES}/options-example test --auth-option api-key --input input.json
methods: {', '.join(METHOD_NAMES)}; flows: {', '.join(FLOWS)}
exit status: 0 succeeded, 1 failed, 2 bad usage, invalid connector or unreadable input""")
    run.add_argument("connector_dir", type=Path, help="the connector's directory (holding spec.yml)")
    run.add_argument("method", help="a documented method name, or the flow authorize / connect")
    run.add_argument("--input", default=None, help="JSON file with the context ('-' for stdin); default {}")
    _add_engine(run)
    run.add_argument("--auth-option", default=None, metavar="KEY", help="which of auth.options to use")
    _add_allow_host(run)
    run.add_argument("--timeout", type=float, default=DEFAULT_LIMITS.timeout, help="seconds (default: %(default)s)")


def _serve_parser(commands: Any) -> None:
    serve = _command(commands, "serve", "serve the job endpoint (POST /v1/jobs)", """
connector-executor serve                                  # the built-in example connectors, 127.0.0.1:8080
connector-executor serve --connectors my-connectors --workers 2 --port 9000
connector-executor serve --connectors my-connectors --reload   # re-read connectors on each job while editing
CONNECTOR_EXECUTOR_TOKEN=s3cret connector-executor serve --host 0.0.0.0""")
    serve.add_argument("--connectors", type=Path, default=None, metavar="DIR",
                       help="a folder whose subfolders are connectors (default: the built-in examples)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    serve.add_argument("--reload", action="store_true",
                       help="re-read --connectors on every job, so edits apply without a restart (for authors)")
    serve.add_argument("--store", default=None,
                       help="shared state: redis://HOST:PORT/DB (default: this process's memory; "
                            "or CONNECTOR_EXECUTOR_STORE)")
    _add_engine(serve)
    _add_allow_host(serve)


def _replay_parser(commands: Any) -> None:
    replay = _command(commands, "replay", "replay fixtures with no network; exit 0 only when all pass", """
connector-executor replay fixtures/replay
connector-executor replay fixtures/replay/api-key-example/test-ok.yml --engine v8""")
    replay.add_argument("fixtures", nargs="+", type=Path, metavar="FIXTURE_OR_DIR")
    replay.add_argument("--engine", choices=ENGINE_KINDS, default=None, help="override the fixtures' engine")


def _record_parser(commands: Any) -> None:
    record = _command(commands, "record", "run live against the real API and write a replay fixture", """
connector-executor record my-connector test --input input.json --output my-fixtures/test-ok.yml
connector-executor record my-connector refreshCredentials --input input.json --output refresh.json""")
    record.add_argument("connector_dir", type=Path)
    record.add_argument("method")
    record.add_argument("--input", required=True, help="JSON file with the context ('-' for stdin)")
    record.add_argument("--output", required=True, type=Path, help="the fixture to write: .json, .yml or .yaml")
    record.add_argument("--force", action="store_true", help="replace an existing fixture file")
    _add_engine(record)
    record.add_argument("--auth-option", default=None, metavar="KEY")
    _add_allow_host(record)


def _check_parser(commands: Any) -> None:
    check = _command(commands, "check", "report every problem of connectors, as the service would load them", f"""
connector-executor check my-connector
connector-executor check {EXAMPLES}/*
exit status: 0 when every connector is clean (warnings allowed), 2 when any has an error""")
    check.add_argument("connector_dirs", nargs="+", type=Path, metavar="CONNECTOR_DIR")


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINE_KINDS, default="quickjs", help="(default: %(default)s)")


def _add_allow_host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST[:PORT]",
                        help="let requests reach this (otherwise internal) host; repeatable")


def read_json_document(source: str) -> Any:
    """The JSON in file `source` (or stdin for '-'); InvalidInput says where it does not parse."""
    name = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read input {name}: {exc.strerror or exc.__class__.__name__}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"cannot read input {name}: not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"input {name}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise InvalidInput(f"input {name}: not JSON: nested too deeply") from None


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


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


def check_method(connector: Connector, method: str, auth_option: str | None) -> None:
    """InvalidInput for a name that is no documented method, flow or implemented slot."""
    known = {*METHOD_NAMES, *FLOWS, "getTokenData", "getCredentialsFromTokenResponse"}
    auth = connector.auth_for(auth_option)
    if method in known or auth.method(method) is not None:
        return
    raise InvalidInput(f"unknown method '{method}'{did_you_mean(method, known)}")


async def _run(args: argparse.Namespace) -> int:
    child = os.environ.get(ENV_IN_CHILD) == "1"
    try:
        connector = load_connector_dir(args.connector_dir)
        for warning in () if child else connector.warnings:  # the parent printed them
            warn(warning)
        raw_input = None if args.input is None else read_json_document(args.input)
        job_input = JobInput() if raw_input is None else JobInput.from_json(raw_input)
        check_method(connector, args.method, args.auth_option)
    except (ConnectorInvalid, InvalidInput) as exc:
        print_result(JobResult.failed(exc))
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.engine == "v8" and not child:
        return await _run_in_child(args, raw_input)
    policy = NetworkPolicy.from_env(os.environ, args.allow_host)
    job = JobRequest(connector=connector, method=args.method, input=job_input, engine=args.engine,
                     auth_option=args.auth_option, limits=DEFAULT_LIMITS.with_timeout(args.timeout))
    async with LiveTransport(policy, max_response_bytes=job.limits.max_response_bytes) as transport:
        result = await run_job(job, send=transport.send)
    for warning in result.warnings:  # also in the result's `warnings`
        warn(warning)
    print_result(result)
    if result.error is not None:
        print_error_location(result.error)
    return exit_status(result)


# A V8 job runs in a child process (this command again, with ENV_IN_CHILD=1 and the input on stdin):
# V8 aborts the whole process on some out-of-memory conditions that no limit can turn into an
# exception ("Fatal JavaScript out of memory", e.g. a built-in growing a dictionary past its maximum
# size), and the caller must still get one JSON result. QuickJS fails cleanly and runs in-process.
ENV_IN_CHILD = "CONNECTOR_EXECUTOR_RUN_IN_PROCESS"
_V8_OUT_OF_MEMORY = (b"Fatal JavaScript out of memory", b"Fatal JavaScript invalid size error",
                     b"Fatal process out of memory")


async def _run_in_child(args: argparse.Namespace, raw_input: Any) -> int:
    """Run the job in a child process; its result and exit status, or a failed result of our own
    (MEMORY_LIMIT when V8 said it ran out of memory, else ENGINE_CRASHED) if it gave none."""
    from executor.server.supervisor import describe_exit

    command = [sys.executable, "-m", "executor.cli", "run", str(args.connector_dir), args.method,
               "--engine", args.engine, "--timeout", repr(args.timeout)]
    command += [] if raw_input is None else ["--input", "-"]
    command += ["--auth-option", args.auth_option] if args.auth_option is not None else []
    for host in args.allow_host:
        command += ["--allow-host", host]
    child = await asyncio.create_subprocess_exec(
        *command, env={**os.environ, ENV_IN_CHILD: "1"}, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(child.communicate(json.dumps(raw_input).encode()),
                                                args.timeout + LIMITS.hard_timeout_margin)
    except TimeoutError:
        child.kill()
        stdout, stderr = await child.communicate()
    sys.stderr.buffer.write(stderr)
    sys.stderr.flush()
    if child.returncode in (EXIT_OK, EXIT_FAILED, EXIT_USAGE) and stdout.endswith(b"\n") and stdout.count(b"\n") == 1:
        sys.stdout.flush()
        sys.stdout.buffer.write(stdout)
        sys.stdout.buffer.flush()
        return child.returncode
    why = "ended" if child.returncode is None or child.returncode >= 0 else "was killed"
    how = describe_exit(child.returncode)
    error: ExecutorError = EngineCrashed(f"the engine process {why} without a result ({how})")
    if any(sign in stderr for sign in _V8_OUT_OF_MEMORY):
        error = MemoryLimitExceeded("the script exceeded its memory limit (the engine aborted)")
    print_result(JobResult.failed(error))
    print(f"error: {error.code}: {error.message}", file=sys.stderr)
    return EXIT_FAILED


def exit_status(result: JobResult) -> int:
    """0 succeeded, 2 when the connector proved invalid while running (CONNECTOR_INVALID), else 1."""
    if result.succeeded:
        return EXIT_OK
    return EXIT_USAGE if result.error is not None and result.error.code == "CONNECTOR_INVALID" else EXIT_FAILED


def _check(args: argparse.Namespace) -> int:
    from executor.check import check_connector

    status = EXIT_OK
    for directory in args.connector_dirs:
        problems = check_connector(directory)
        errors = sum(p.level == "error" for p in problems)
        for problem in problems:
            print(f"{directory}: {problem}")
        print(f"{directory}: {'OK' if not errors else f'{errors} error(s)'}"
              f"{f', {len(problems) - errors} warning(s)/note(s)' if len(problems) > errors else ''}")
        if errors:
            status = EXIT_USAGE
    return status


def print_error_location(error: JobError) -> None:
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
        from executor.replay.commands import replay_command

        return replay_command
    if command == "record":
        from executor.replay.commands import record_command

        return record_command
    if command == "check":
        return _check
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
