"""Loading a connector: a directory or an inline `{path: text}` map becomes a frozen `Connector`.

Both forms go through `load_connector_files`, cached by content hash, so an inline connector sent
again is not parsed again. Every problem raises ConnectorInvalid naming the file and the problem.

Method files: a slot `auth.<method>: {implementationType: javascript|mapping}` resolves to
`auth/<kebab-name>.js` or `auth/<kebab-name>.map.yml`; inside an auth option `<key>`, the files
`auth/<key>/<kebab-name>.*` are looked up first. `code:` and `mapping:` give the implementation inline.
"""

from __future__ import annotations

import difflib
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
    IMPLEMENTATION_TYPES,
    INHERITED_BY_OPTIONS,
    METHOD_NAMES,
    AuthSpec,
    Connector,
    MethodImpl,
    RestRequest,
    SensitivePath,
)
from executor.errors import ConnectorInvalid, InvalidOutput
from executor.formulas import Formula, compile_mapping
from executor.formulas.compiler import DEFAULT_VARIABLES
from executor.limits import LIMITS
from js_runtime.modules import load_module

SPEC_FILES = ("spec.yml", "spec.yaml")
_SOURCE_SUFFIXES = (".yml", ".yaml", ".js", ".json", ".mjs", ".cjs", ".ts", ".mts", ".cts")
MAX_CONNECTOR_FILE_BYTES = LIMITS.connector_file_bytes


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
    reader.unknown_keys(spec, "", _SPEC_KEYS, methods=False)
    parameters_schema = reader.schema(spec.get("parametersSchema"), "parametersSchema")
    reader.connector_sensitive = frozenset(sensitive_paths(parameters_schema, ("connectorParameters",)))
    return Connector(
        key=str(spec.get("key") or default_key),
        name=str(spec.get("name") or spec.get("key") or default_key),
        auth=reader.auth(auth, "auth", option=None, parent=None),
        parameters_schema=parameters_schema,
        content_hash=content_hash,
        warnings=tuple(reader.warnings),
    )


# spec.yml keys we read or knowingly ignore; others are warned about (specs carry fields we do not use)
_SPEC_KEYS = ("key", "name", "auth", "parametersSchema", "logoUri", "appUuid", "baseUri", "version", "description",
              "categories", "knowledgeBaseUrl", "apiDocsUri", "dataCollections", "operations", "events", "udm",
              "test", "title")
_AUTH_KEYS = ("type", "title", "description", "ui", "inputSchema", "helpUri", "customCredentialsSchema",
              "credentialsSchema", "options", "enabled", "proxyKey", "parametersSchema", *METHOD_NAMES)
_SLOT_KEYS = ("type", "implementationType", "code", "mapping", "reason", "filePath", "description")
_REST_KEYS = ("path", "method", "requestMapping", "responseMapping")
_REQUEST_KEYS = ("query", "headers", "data", "pathParameters")
REST_VARIABLES = DEFAULT_VARIABLES | {"response"}

_SENSITIVE_FORMATS = ("password",)


def sensitive_paths(schema: Mapping[str, Any] | None, prefix: SensitivePath) -> list[SensitivePath]:
    """Paths of the values a JSON schema marks secret (`isSensitive`, `writeOnly`, `format: password`)."""
    if not isinstance(schema, Mapping):
        return []
    found: list[SensitivePath] = []
    if schema.get("isSensitive") is True or schema.get("writeOnly") is True or \
            schema.get("format") in _SENSITIVE_FORMATS:
        found.append(prefix)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            found += sensitive_paths(sub, (*prefix, str(name)))
    for key in ("items", "additionalProperties"):
        found += sensitive_paths(schema.get(key), (*prefix, "*"))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            found += sensitive_paths(sub, prefix)
    return found


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
_SPEC_MAX_DEPTH = LIMITS.spec_depth
_SPEC_MAX_VALUES = LIMITS.spec_values


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
        self.warnings: list[str] = []
        self.connector_sensitive: frozenset[SensitivePath] = frozenset()

    def unknown_keys(self, raw: Mapping[Any, Any], path: str, known: tuple[str, ...], *, methods: bool) -> None:
        """Warn about unknown keys; a near miss of a method name is an error (it would silently not run)."""
        where = f"{path}." if path else ""
        for key in raw:
            if key in known:
                continue
            name = str(key)
            if methods:
                close_method = difflib.get_close_matches(name, METHOD_NAMES, n=1, cutoff=0.8)
                if close_method:
                    raise ConnectorInvalid(f"{self._spec}: {where}{name}: unknown method (did you mean "
                                           f"{close_method[0]}?)")
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.warnings.append(f"{self._spec}: {where}{name}: unknown key, ignored{hint}")

    def auth(self, raw: dict[str, Any], path: str, option: str | None, parent: AuthSpec | None) -> AuthSpec:
        auth_type = raw.get("type", parent.type if parent else None)
        if auth_type not in AUTH_TYPES:
            raise ConnectorInvalid(
                f"{self._spec}: {path}.type: unknown auth type {auth_type!r} (expected one of {', '.join(AUTH_TYPES)})"
            )
        ui = raw.get("ui") or {}
        if not isinstance(ui, dict):
            raise ConnectorInvalid(f"{self._spec}: {path}.ui: must be a mapping")
        self.unknown_keys(raw, path, _AUTH_KEYS, methods=True)
        enabled = None
        if "enabled" in raw:
            if option is None:
                raise ConnectorInvalid(f"{self._spec}: {path}.enabled: only an auth option can have `enabled`")
            enabled = compile_mapping(raw["enabled"], source=f"{self._spec} ({path}.enabled)",
                                      variables=("connectorParameters",))
        methods = {name: self.method(raw[name], name, f"{path}.{name}", option)
                   for name in METHOD_NAMES if raw.get(name) is not None}
        if parent is not None:
            for name in INHERITED_BY_OPTIONS:
                if name not in methods and parent.method(name) is not None:
                    methods[name] = parent.methods[name]
        ui_schema = self.schema(ui.get("schema", raw.get("inputSchema")), f"{path}.ui.schema")
        custom = self.schema(raw.get("customCredentialsSchema"), f"{path}.customCredentialsSchema")
        credentials_schema = self.schema(raw.get("credentialsSchema"), f"{path}.credentialsSchema")
        sensitive = set(self.connector_sensitive)
        sensitive.update(sensitive_paths(ui_schema, ("connectionParameters",)))
        sensitive.update(sensitive_paths(custom, ("credentials",)))
        sensitive.update(sensitive_paths(credentials_schema, ("credentials",)))
        if parent is not None:
            sensitive.update(parent.sensitive_paths)
        spec = AuthSpec(
            type=auth_type,
            title=_optional_str(raw.get("title")),
            description=_optional_str(raw.get("description")),
            ui_schema=ui_schema,
            help_uri=_optional_str(ui.get("helpUri", raw.get("helpUri"))),
            custom_credentials_schema=custom,
            credentials_schema=credentials_schema,
            enabled=enabled,
            sensitive_paths=frozenset(sensitive),
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
        """One method slot: `implementationType:` or the newer `type:`, a file or inline code/mapping."""
        if not isinstance(slot, dict):
            raise ConnectorInvalid(f"{self._spec}: {path}: must be a mapping with type or implementationType")
        self.unknown_keys(slot, path, _SLOT_KEYS, methods=False)
        kinds = {slot[k] for k in ("type", "implementationType") if k in slot}
        if len(kinds) > 1:
            raise ConnectorInvalid(f"{self._spec}: {path}.type: type and implementationType disagree")
        kind = kinds.pop() if kinds else ("javascript" if "code" in slot else "mapping" if "mapping" in slot else None)
        if kind not in IMPLEMENTATION_TYPES:
            close = difflib.get_close_matches(str(kind), IMPLEMENTATION_TYPES, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            field = "type" if "type" in slot else "implementationType"
            raise ConnectorInvalid(f"{self._spec}: {path}.{field}: expected one of {', '.join(IMPLEMENTATION_TYPES)}, "
                                   f"got {kind!r}{hint}")
        if "code" in slot and kind != "javascript":
            raise ConnectorInvalid(f"{self._spec}: {path}.code: inline code needs type javascript, not {kind}")
        if "mapping" in slot and kind not in ("mapping", "rest-api-mapping"):
            raise ConnectorInvalid(f"{self._spec}: {path}.mapping: an inline mapping needs type mapping or "
                                   f"rest-api-mapping, not {kind}")
        if kind == "not-supported":
            reason = slot.get("reason")
            if reason is not None and not isinstance(reason, str):
                raise ConnectorInvalid(f"{self._spec}: {path}.reason: must be a string")
            return MethodImpl(name, "not-supported", f"{self._spec} ({path})", reason=reason)
        if kind == "javascript":
            if "code" in slot:
                if not isinstance(slot["code"], str):
                    raise ConnectorInvalid(f"{self._spec}: {path}.code: must be a string")
                source = f"{self._spec} ({path}.code)"
                return MethodImpl(name, "javascript", source, module=load_module(slot["code"], source, self._files))
            filename = self._find(name, (".js", ".ts"), option, path)
            return MethodImpl(name, "javascript", filename,
                              module=load_module(self._files[filename], filename, self._files))
        if "mapping" in slot:
            source, value = f"{self._spec} ({path}.mapping)", slot["mapping"]
        else:
            suffixes = (".map.yml", ".map.yaml") if kind == "mapping" else (".rest.yml", ".api.yml", ".rest.yaml",
                                                                             ".api.yaml")
            source = self._find(name, suffixes, option, path)
            value = _parse_yaml(self._files[source], source)
        if kind == "mapping":
            return _mapping_impl(name, source, value)
        if name != "test":
            raise ConnectorInvalid(f"{self._spec}: {path}.type: rest-api-mapping is supported for test only")
        return MethodImpl(name, "rest-api-mapping", source, rest=_rest_request(source, value))

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


def _rest_request(source: str, value: Any) -> RestRequest:
    """Compile a rest-api-mapping: {path, method, requestMapping: {query, headers, data, pathParameters},
    responseMapping}; every problem names the file and the field."""
    if not isinstance(value, dict):
        raise ConnectorInvalid(f"{source}: (root): a rest-api-mapping must be a mapping with path and method")
    for key in value:
        if key not in _REST_KEYS:
            close = difflib.get_close_matches(str(key), _REST_KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else f" (expected {', '.join(_REST_KEYS)})"
            raise ConnectorInvalid(f"{source}: {key}: unknown key{hint}")
    for key in ("path", "method"):
        if key not in value:
            raise ConnectorInvalid(f"{source}: {key}: missing")
    method = value["method"]
    if isinstance(method, str) and method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        raise ConnectorInvalid(f"{source}: method: unknown HTTP method {method!r}")
    request = value.get("requestMapping") or {}
    if not isinstance(request, dict):
        raise ConnectorInvalid(f"{source}: requestMapping: must be a mapping")
    for key in request:
        if key not in _REQUEST_KEYS:
            close = difflib.get_close_matches(str(key), _REQUEST_KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else f" (expected {', '.join(_REQUEST_KEYS)})"
            raise ConnectorInvalid(f"{source}: requestMapping.{key}: unknown key{hint}")

    def part(raw: Any, field: str, variables: frozenset[str] = DEFAULT_VARIABLES) -> Formula | None:
        return None if raw is None else compile_mapping(raw, source=f"{source} {field}", variables=variables)

    path = part(value["path"], "path")
    verb = part(value["method"], "method")
    assert path is not None and verb is not None
    return RestRequest(
        path=path, method=verb,
        query=part(request.get("query"), "requestMapping.query"),
        headers=part(request.get("headers"), "requestMapping.headers"),
        data=part(request.get("data"), "requestMapping.data"),
        path_parameters=part(request.get("pathParameters"), "requestMapping.pathParameters"),
        response_mapping=part(value.get("responseMapping"), "responseMapping", REST_VARIABLES),
    )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
