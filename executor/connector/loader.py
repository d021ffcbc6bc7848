"""Loading a connector: a directory or an inline `{path: text}` map becomes a frozen `Connector`.

Both forms go through `load_connector_files`, cached by content hash, so an inline connector sent
again is not parsed again. Every problem raises ConnectorInvalid naming the file and the problem.

Method files: a slot `auth.<method>: {implementationType: javascript|mapping}` resolves to
`auth/<kebab-name>.js` or `auth/<kebab-name>.map.yml`; inside an auth option `<key>`, the files
`auth/<key>/<kebab-name>.*` are looked up first. `code:` and `mapping:` give the implementation inline.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from executor.connector.response_handlers import compile_response_handlers
from executor.connector.spec import (
    AUTH_TYPES,
    INHERITED_BY_OPTIONS,
    METHOD_NAMES,
    AuthSpec,
    Connector,
    MethodImpl,
)
from executor.errors import ConnectorInvalid, InvalidOutput
from executor.formulas import compile_mapping
from js_runtime.modules import load_module

SPEC_FILES = ("spec.yml", "spec.yaml")
_SOURCE_SUFFIXES = (".yml", ".yaml", ".js", ".json", ".mjs", ".cjs", ".ts", ".mts", ".cts")
MAX_CONNECTOR_FILE_BYTES = 1024 * 1024


def load_connector_dir(path: Path) -> Connector:
    """Load the connector in directory `path` (keyed by its spec's `key`, else the directory name)."""
    if not path.is_dir():
        raise ConnectorInvalid(f"{path}: not a connector directory")
    files: dict[str, str] = {}
    root = path.resolve()
    for file in sorted(path.rglob("*")):
        if file.is_file() and file.suffix in _SOURCE_SUFFIXES:
            if not file.resolve().is_relative_to(root):
                raise ConnectorInvalid(
                    f"{file.relative_to(path)}: a symbolic link that leaves the connector's directory")
            if file.stat().st_size > MAX_CONNECTOR_FILE_BYTES:
                raise ConnectorInvalid(f"{file.relative_to(path)}: file larger than 1 MiB")
            files[file.relative_to(path).as_posix()] = file.read_text(encoding="utf-8")
    return load_connector_files(files, default_key=path.name)


def load_connector_files(files: Mapping[str, str], default_key: str = "inline") -> Connector:
    """Load a connector from its files' texts; identical content is parsed only once."""
    digest = hashlib.sha256()
    for name in sorted(files):
        # surrogatepass: a lone surrogate (valid in JSON) is reported by the parsers, not here
        digest.update(name.encode(errors="surrogatepass") + b"\0" + files[name].encode(errors="surrogatepass") + b"\0")
    return _load_cached(digest.hexdigest(), tuple(sorted(files.items())), default_key)


@functools.lru_cache(maxsize=256)
def _load_cached(content_hash: str, items: tuple[tuple[str, str], ...], default_key: str) -> Connector:
    files = dict(items)
    spec_name = next((n for n in SPEC_FILES if n in files), None)
    if spec_name is None:
        raise ConnectorInvalid("spec.yml: missing")
    spec = _parse_yaml(files[spec_name], spec_name)
    _check_shape(spec, spec_name)
    if not isinstance(spec, dict):
        raise ConnectorInvalid(f"{spec_name}: must be a mapping")
    auth = spec.get("auth")
    if not isinstance(auth, dict):
        raise ConnectorInvalid(f"{spec_name}: auth: missing or not a mapping")
    reader = _SpecReader(files, spec_name)
    return Connector(
        key=str(spec.get("key") or default_key),
        name=str(spec.get("name") or spec.get("key") or default_key),
        auth=reader.auth(auth, "auth", option=None, parent=None),
        parameters_schema=reader.schema(spec.get("parametersSchema"), "parametersSchema"),
        content_hash=content_hash,
    )


def kebab_case(name: str) -> str:
    """`getOAuthConfig` -> `get-oauth-config`, `refreshCredentials` -> `refresh-credentials`."""
    out: list[str] = []
    for char in name.replace("OAuth", "Oauth"):
        if char.isupper():
            out.append("-" + char.lower())
        else:
            out.append(char)
    return "".join(out).lstrip("-")


def _parse_yaml(text: str, filename: str) -> Any:
    try:
        return yaml.safe_load(text)
    except (ValueError, RecursionError) as exc:  # e.g. an integer past Python's digit limit, deep nesting
        problem = "nested too deeply" if isinstance(exc, RecursionError) else "a value cannot be read"
        raise ConnectorInvalid(f"{filename}: YAML does not parse: {problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConnectorInvalid(f"{filename}{where}: YAML does not parse: {problem}") from None


# spec.yml as a tree (YAML aliases expanded): recursive aliases and alias "bombs" must not reach the
# schema validator, which would recurse forever or take exponential time. The limits of mappings,
# with room in depth for the spec around them.
_SPEC_MAX_DEPTH = 128
_SPEC_MAX_VALUES = 50_000


def _check_shape(value: Any, filename: str) -> None:
    """Raise ConnectorInvalid if `value`, expanded as a tree, is too deep or has too many values."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > _SPEC_MAX_DEPTH:
            raise ConnectorInvalid(f"{filename}: nested deeper than {_SPEC_MAX_DEPTH} levels "
                                   "(or a YAML alias refers to itself)")
        if count > _SPEC_MAX_VALUES:
            raise ConnectorInvalid(f"{filename}: more than {_SPEC_MAX_VALUES} values (counting YAML aliases)")
        if isinstance(node, dict):
            stack.extend((item, depth + 1) for pair in node.items() for item in pair)
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


class _SpecReader:
    """Turns the raw `auth` mapping into AuthSpec objects, resolving method files."""

    def __init__(self, files: Mapping[str, str], spec_name: str) -> None:
        self._files = files
        self._spec = spec_name

    def auth(self, raw: dict[str, Any], path: str, option: str | None, parent: AuthSpec | None) -> AuthSpec:
        auth_type = raw.get("type", parent.type if parent else None)
        if auth_type not in AUTH_TYPES:
            raise ConnectorInvalid(
                f"{self._spec}: {path}.type: unknown auth type {auth_type!r} (expected one of {', '.join(AUTH_TYPES)})"
            )
        ui = raw.get("ui") or {}
        if not isinstance(ui, dict):
            raise ConnectorInvalid(f"{self._spec}: {path}.ui: must be a mapping")
        methods = {name: self.method(raw[name], name, f"{path}.{name}", option)
                   for name in METHOD_NAMES if raw.get(name) is not None}
        if parent is not None:
            for name in INHERITED_BY_OPTIONS:
                if name not in methods and parent.method(name) is not None:
                    methods[name] = parent.methods[name]
        spec = AuthSpec(
            type=auth_type,
            title=_optional_str(raw.get("title")),
            description=_optional_str(raw.get("description")),
            ui_schema=self.schema(ui.get("schema", raw.get("inputSchema")), f"{path}.ui.schema"),
            help_uri=_optional_str(ui.get("helpUri", raw.get("helpUri"))),
            custom_credentials_schema=self.schema(raw.get("customCredentialsSchema"),
                                                  f"{path}.customCredentialsSchema"),
            methods=MappingProxyType(methods),
        )
        raw_options = raw.get("options") or {}
        if not isinstance(raw_options, dict):
            raise ConnectorInvalid(f"{self._spec}: {path}.options: must be a mapping")
        options = {}
        for key, value in raw_options.items():
            if not isinstance(value, dict):
                raise ConnectorInvalid(f"{self._spec}: {path}.options.{key}: must be a mapping")
            options[str(key)] = self.auth(value, f"{path}.options.{key}", option=str(key), parent=spec)
        return AuthSpec(**{**spec.__dict__, "options": MappingProxyType(options)})

    def method(self, slot: Any, name: str, path: str, option: str | None) -> MethodImpl:
        if not isinstance(slot, dict):
            raise ConnectorInvalid(f"{self._spec}: {path}: must be a mapping with implementationType")
        if "code" in slot:
            source = f"{self._spec} ({path}.code)"
            return MethodImpl(name, "javascript", source, module=load_module(str(slot["code"]), source, self._files))
        if "mapping" in slot:
            return _mapping_impl(name, f"{self._spec} ({path}.mapping)", slot["mapping"])
        kind = slot.get("implementationType")
        if kind == "javascript":
            filename = self._find(name, (".js", ".ts"), option, path)
            return MethodImpl(name, "javascript", filename,
                              module=load_module(self._files[filename], filename, self._files))
        if kind == "mapping":
            filename = self._find(name, (".map.yml", ".map.yaml"), option, path)
            return _mapping_impl(name, filename, _parse_yaml(self._files[filename], filename))
        raise ConnectorInvalid(
            f"{self._spec}: {path}.implementationType: expected 'javascript' or 'mapping', got {kind!r}"
        )

    def _find(self, name: str, suffixes: tuple[str, ...], option: str | None, path: str) -> str:
        base = kebab_case(name)
        folders = [f"auth/{option}/", "auth/"] if option else ["auth/"]
        candidates = [f"{folder}{base}{suffix}" for folder in folders for suffix in suffixes]
        for candidate in candidates:
            if candidate in self._files:
                return candidate
        raise ConnectorInvalid(f"{candidates[0]}: missing (declared by {self._spec} {path})")

    def schema(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ConnectorInvalid(f"{self._spec}: {path}: a schema must be a mapping")
        try:
            jsonschema.Draft7Validator.check_schema(value)
        except jsonschema.SchemaError as exc:
            where = ".".join(str(p) for p in exc.path)
            raise ConnectorInvalid(f"{self._spec}: {path}{'.' + where if where else ''}: invalid schema") from None
        return MappingProxyType(value)


def _mapping_impl(name: str, source: str, value: Any) -> MethodImpl:
    """A mapping method; makeApiClient's `responseHandlers` are compiled apart, over `response`."""
    handlers = None
    if name == "makeApiClient" and isinstance(value, dict) and "responseHandlers" in value:
        value = dict(value)
        try:
            handlers = compile_response_handlers(value.pop("responseHandlers"), source)
        except InvalidOutput as exc:  # the same check on a JS method's output is that output's error
            raise ConnectorInvalid(exc.message) from None
    return MethodImpl(name, "mapping", source, mapping=compile_mapping(value, source=source),
                      response_handlers=handlers)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
