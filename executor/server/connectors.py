"""The connectors a server knows: those loaded from `--connectors`, and inline ones cached by content hash.

With `serve --reload` the `--connectors` folder is read again on every lookup (front-end and
workers alike), so an author's edits apply to the next job; the loader's content-hash cache means
only changed connectors are parsed again.

An inline connector is untrusted text: it is parsed on a thread (never on the event loop), only when
within MAX_INLINE_FILE_BYTES per file. Text over IN_THREAD_BYTES is first parsed by a child process
that is killed past PARSE_SECONDS (a thread cannot be stopped): only text that parsed in time is then
parsed on a thread, so no thread runs long and a slow text costs one bounded child. Verdicts are
cached by content hash, so each text pays this once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from executor.connector import Connector, load_connector_dir, load_connector_files
from executor.errors import ConnectorInvalid, ExecutorError

MAX_INLINE_FILE_BYTES = 256 * 1024  # real specs and method files are a few KB
IN_THREAD_BYTES = 32 * 1024  # parsed at once on a thread: milliseconds
PARSE_SECONDS = 3.0  # for the child, its start (~0.3 s) included
PARSE_THREADS = 2
PARSE_PRIORITY = 10  # the parse child's nice value


def _is_connector(directory: Path) -> bool:
    return (directory / "spec.yml").is_file() or (directory / "spec.yaml").is_file()


def connectors_dir_problem(directory: Path) -> str | None:
    """Why `directory` cannot be a --connectors folder (missing, or one connector's own folder), or None."""
    if not directory.is_dir():
        return f"--connectors {directory}: no such directory"
    if _is_connector(directory):
        return (f"--connectors {directory}: this is one connector's own folder (it holds a spec.yml); "
                f"--connectors takes the folder that holds connector folders, e.g. {directory.resolve().parent}")
    return None


def load_connectors(directory: Path | None, warn: Callable[[str], None] | None = None) -> dict[str, Connector]:
    """Every subdirectory of `directory` holding a spec.yml, by key; broken ones are reported and
    skipped. Two folders declaring the same key raise ConnectorInvalid naming both."""
    found: dict[str, Connector] = {}
    origin: dict[str, str] = {}
    if directory is None or not directory.is_dir():
        return found
    for child in sorted(directory.iterdir()):
        if not _is_connector(child):
            continue
        try:
            connector = load_connector_dir(child)
        except ConnectorInvalid as exc:
            if warn is not None:
                warn(f"skipping connector {child.name}: {exc.message}")
            continue
        if connector.key in found:
            raise ConnectorInvalid(f"{directory}: connectors {origin[connector.key]}/ and {child.name}/ both have "
                                   f"key {connector.key!r}; keys must be unique")
        found[connector.key] = connector
        origin[connector.key] = child.name
    return found


def files_digest(files: Mapping[str, str]) -> str:
    """A stable hash of an inline connector's files."""
    return hashlib.sha256(json.dumps(files, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def describe(connector: Connector, connector_parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What GET /v1/connectors says about one connector; `enabled` per option for these parameters."""
    auth = connector.auth
    enabled = _enabled_options(connector, connector_parameters or {})
    return {
        "key": connector.key,
        "name": connector.name,
        "authType": auth.type,
        "title": auth.title,
        "options": [{"key": key, "type": option.type, "title": option.title, "enabled": key in enabled}
                    for key, option in auth.options.items()],
    }


def _enabled_options(connector: Connector, connector_parameters: Mapping[str, Any]) -> set[str]:
    try:
        return set(connector.enabled_options(connector_parameters))
    except ExecutorError:  # an `enabled` formula that fails on these parameters enables nothing
        return set()


class ConnectorRegistry:
    """Named connectors, plus an LRU of parsed inline ones; `on_parse(source)` counts real parses."""

    def __init__(self, named: Mapping[str, Connector], *, on_parse: Callable[[str], None] | None = None,
                 max_inline: int = 256, reload: Callable[[], Mapping[str, Connector]] | None = None,
                 directory: Path | None = None) -> None:
        self._named = dict(named)
        self._directory = directory
        self._reload = reload  # serve --reload: the named connectors are read again on each lookup
        self._inline: OrderedDict[str, Connector | str] = OrderedDict()  # str: why it is broken
        self._on_parse = on_parse or (lambda _source: None)
        self._max_inline = max_inline
        self._parser = concurrent.futures.ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="connector-parse")

    def __len__(self) -> int:
        return len(self._named)

    def get(self, key: str) -> Connector | None:
        """The named connector `key`, or None."""
        self._refresh()
        return self._named.get(key)

    def _refresh(self) -> None:
        if self._reload is not None:
            self._named = dict(self._reload())

    def why_missing(self, key: str) -> str:
        """With --reload, why a folder named `key` gave no connector (it does not load), else ""."""
        if self._reload is None or self._directory is None:
            return ""
        folder = self._directory / key
        if not _is_connector(folder):
            return ""
        try:
            load_connector_dir(folder)
        except ConnectorInvalid as exc:
            return f" ({key}/ does not load: {exc.message})"
        return ""

    async def inline(self, files: Mapping[str, str]) -> tuple[Connector, str]:
        """The parsed inline connector and its digest; ConnectorInvalid (also cached) when it is broken,
        over the size bound, or slower to parse than PARSE_SECONDS."""
        digest = files_digest(files)
        cached = self._inline.get(digest)
        if cached is None:
            cached = await self._parse(files)
            self._inline[digest] = cached
            while len(self._inline) > self._max_inline:
                self._inline.popitem(last=False)
        self._inline.move_to_end(digest)
        if isinstance(cached, str):
            raise ConnectorInvalid(cached)
        return cached, digest

    async def _parse(self, files: Mapping[str, str]) -> Connector | str:
        total = 0
        for path, text in files.items():
            if len(text) > MAX_INLINE_FILE_BYTES:  # characters: at least that many bytes
                return f"{path}: over the limit of {MAX_INLINE_FILE_BYTES} bytes for an inline connector file"
            total += len(text)
        self._on_parse("inline")
        if total > IN_THREAD_BYTES:
            verdict = await _parse_in_child(files)
            if verdict is not None:
                return verdict
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._parser, _parse_files, dict(files))

    def close(self) -> None:
        """Stop the parser threads (a parse still running finishes first, on its own)."""
        self._parser.shutdown(wait=False, cancel_futures=True)

    def describe_all(self, connector_parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every named connector, sorted by key."""
        self._refresh()
        return [describe(self._named[key], connector_parameters) for key in sorted(self._named)]


def _parse_files(files: dict[str, str]) -> Connector | str:
    """On a parser thread: the connector, or why it is broken."""
    try:
        return load_connector_files(files, default_key="inline")
    except ConnectorInvalid as exc:
        return exc.message
    except RecursionError:
        return "the inline connector is nested too deeply"


async def _parse_in_child(files: Mapping[str, str]) -> str | None:
    """None when the files parse as a connector within PARSE_SECONDS in a child process, else why not."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from executor.server.connectors import child_main; child_main()",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    with contextlib.suppress(OSError):  # a caller's slow text must not take the cores from running jobs
        os.setpriority(os.PRIO_PROCESS, process.pid, PARSE_PRIORITY)
    try:
        out, _ = await asyncio.wait_for(process.communicate(json.dumps(files).encode()), PARSE_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return f"the inline connector took longer than {PARSE_SECONDS:g} s to parse"
    if process.returncode != 0:
        return "the inline connector could not be parsed"
    verdict = json.loads(out)
    return None if verdict is None else str(verdict)


def child_main() -> None:
    """The parse child: files as JSON on stdin, `null` or the reason they are not a connector on stdout."""
    parsed = _parse_files(json.loads(sys.stdin.buffer.read()))
    sys.stdout.write(json.dumps(None if isinstance(parsed, Connector) else parsed))
