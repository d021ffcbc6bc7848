"""`connector-executor check`: every problem of a connector directory found in one pass.

The loader stops at the first problem, as a service should; an author wants them all. This walks
the same steps one by one (files, spec.yml, each declared method of the top level and of each
option: file found, JavaScript parses and imports only what the sandbox has, mapping compiles;
every schema is valid), using the loader's own steps so nothing is judged differently, and then
loads the connector exactly as `serve` does to catch what the loader checks beyond these steps.
Besides errors it reports method files no slot declares (with the file name a slot would use)
and, as notes, the documented defaults that will run for methods the connector leaves out.

Imports the connector loader (its step functions), the spec's names and executor.suggest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from executor.connector.loader import (  # the loader's own steps, one at a time
    MAX_CONNECTOR_FILE_BYTES,
    SPEC_FILES,
    _check_shape,
    _parse_yaml,
    _SpecReader,
    kebab_case,
    load_connector_dir,
)
from executor.connector.spec import AUTH_TYPES, METHOD_NAMES
from executor.errors import ConnectorInvalid
from executor.suggest import close_matches

Level = Literal["error", "warning", "note"]

# Methods whose absence runs a documented default (docs/contract.md §1), by auth type ("*": all).
DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "*": {"getCredentialsFromConnectionParameters": "credentials = connectionParameters",
          "test": "no test: a connection is taken as working"},
    "oauth2": {"getTokenData": "the standard OAuth2 authorization-code exchange (RFC 6749 §4.1.3)",
               "getCredentialsFromTokenResponse": "the token response is the credentials",
               "refreshCredentials": "the standard OAuth2 refresh (RFC 6749 §6)"},
}
# Methods a connector of this auth type cannot do without.
REQUIRED: Mapping[str, tuple[str, ...]] = {"oauth2": ("getOAuthConfig",), "oauth1": ("getOAuthConfig",)}
_METHOD_SUFFIXES = (".js", ".map.yml", ".map.yaml")


@dataclass(frozen=True)
class Problem:
    """One finding: `message` starts with the file (and line, when known) it is about."""

    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def check_connector(path: Path) -> list[Problem]:
    """Every problem of the connector directory `path`, errors first; [] when it is clean."""
    problems: list[Problem] = []
    files = _read_files(path, problems)
    if files is not None:
        _check_spec(files, problems)
        try:
            connector = load_connector_dir(path)
        except ConnectorInvalid as exc:
            if not any(exc.message in p.message for p in problems if p.level == "error"):
                problems.append(Problem("error", exc.message))
        else:  # what the loader accepts but warns about (unknown spec keys, with "did you mean")
            problems.extend(Problem("warning", warning) for warning in connector.warnings
                            if not any(warning in p.message for p in problems))
    order = {"error": 0, "warning": 1, "note": 2}
    return sorted(problems, key=lambda p: order[p.level])


def _read_files(path: Path, problems: list[Problem]) -> dict[str, str] | None:
    if not path.is_dir():
        problems.append(Problem("error", f"{path}: not a directory"))
        return None
    files: dict[str, str] = {}
    for file in sorted(path.rglob("*")):
        if not file.is_file() or file.suffix not in (".yml", ".yaml", ".js", ".json"):
            continue
        name = file.relative_to(path).as_posix()
        if file.stat().st_size > MAX_CONNECTOR_FILE_BYTES:
            problems.append(Problem("error", f"{name}: file larger than 1 MiB"))
            continue
        try:
            files[name] = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem("error", f"{name}: not UTF-8 text (byte {exc.start})"))
    return files


def _check_spec(files: dict[str, str], problems: list[Problem]) -> None:
    spec_name = next((n for n in SPEC_FILES if n in files), None)
    if spec_name is None:
        near = [n for n in files if "/" not in n and close_matches(n, SPEC_FILES)]
        hint = f" ({near[0]} is not read: name it spec.yml)" if near else ""
        problems.append(Problem("error", f"spec.yml: missing{hint}"))
        return
    try:
        spec = _parse_yaml(files[spec_name], spec_name)
        _check_shape(spec, spec_name)
    except ConnectorInvalid as exc:
        problems.append(Problem("error", exc.message))
        return
    if not isinstance(spec, dict) or not isinstance(spec.get("auth"), dict):
        problems.append(Problem("error", f"{spec_name}: auth: missing or not a mapping"))
        return
    walker = _Walker(files, spec_name, problems)
    walker.schema(spec.get("parametersSchema"), "parametersSchema")
    walker.auth(spec["auth"], "auth", option=None, parent_type=None)
    walker.unused_files()


class _Walker:
    """Goes through `auth` and its options, recording each problem instead of stopping at it."""

    def __init__(self, files: dict[str, str], spec_name: str, problems: list[Problem]) -> None:
        self.files = files
        self.spec = spec_name
        self.problems = problems
        self.reader = _SpecReader(files, spec_name)
        self.expected: dict[str, str] = {}  # method file name a slot would read -> that slot's path
        self.declared: set[str] = set()  # ... of the slots spec.yml declares

    def error(self, message: str) -> None:
        self.problems.append(Problem("error", message))

    def schema(self, value: Any, path: str) -> None:
        try:
            self.reader.schema(value, path)
        except ConnectorInvalid as exc:
            self.error(exc.message)

    def auth(self, raw: dict[str, Any], path: str, option: str | None, parent_type: str | None) -> None:
        auth_type = raw.get("type", parent_type)
        if auth_type not in AUTH_TYPES:
            self.error(f"{self.spec}: {path}.type: unknown auth type {auth_type!r} "
                       f"(expected one of {', '.join(AUTH_TYPES)})")
        ui = raw.get("ui") or {}
        if not isinstance(ui, dict):
            self.error(f"{self.spec}: {path}.ui: must be a mapping")
            ui = {}
        self.schema(ui.get("schema", raw.get("inputSchema")), f"{path}.ui.schema")
        self.schema(raw.get("customCredentialsSchema"), f"{path}.customCredentialsSchema")
        for name in METHOD_NAMES:
            self._expect(name, f"{path}.{name}", option, declared=raw.get(name) is not None)
            if raw.get(name) is not None:
                try:
                    self.reader.method(raw[name], name, f"{path}.{name}", option)
                except ConnectorInvalid as exc:
                    self.error(exc.message)
        self._defaults(raw, path, str(auth_type), inherited=option is not None)
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            self.error(f"{self.spec}: {path}.options: must be a mapping")
            return
        for key, value in options.items():
            if isinstance(value, dict):
                self.auth(value, f"{path}.options.{key}", option=str(key), parent_type=str(auth_type))
            else:
                self.error(f"{self.spec}: {path}.options.{key}: must be a mapping")

    def _expect(self, name: str, path: str, option: str | None, declared: bool) -> None:
        base = kebab_case(name)
        for folder in ([f"auth/{option}/"] if option else []) + ["auth/"]:
            for suffix in _METHOD_SUFFIXES:
                self.expected.setdefault(folder + base + suffix, path)
                if declared:
                    self.declared.add(folder + base + suffix)

    def _defaults(self, raw: dict[str, Any], path: str, auth_type: str, inherited: bool) -> None:
        if inherited:
            return  # an option's missing methods are reported with the top level's
        for name in REQUIRED.get(auth_type, ()):
            if raw.get(name) is None:
                self.error(f"{self.spec}: {path}: an {auth_type} connector needs {name} (it has no default)")
        for name, default in {**DEFAULTS["*"], **DEFAULTS.get(auth_type, {})}.items():
            if raw.get(name) is None:
                self.problems.append(Problem("note", f"{self.spec}: {path}: no {name}: the documented default "
                                                     f"runs ({default})"))

    def unused_files(self) -> None:
        """Method-looking files under auth/ that no slot reads: usually a misspelt file name."""
        for name in sorted(self.files):
            if not name.startswith("auth/") or not name.endswith(_METHOD_SUFFIXES) or name in self.declared:
                continue
            if name in self.expected:
                slot = self.expected[name]
                self.problems.append(Problem("warning", f"{name}: not read: {self.spec} declares no {slot} "
                                                        "(add it with implementationType)"))
                continue
            matches = close_matches(name, self.expected, cutoff=0.8)
            hint = f" (did you mean {matches[0]}?)" if matches else ""
            self.problems.append(Problem("warning", f"{name}: no method slot in {self.spec} reads this file{hint}"))
