"""Connector module loading: a method file and the files it imports become one factory function.

Each file is parsed with tree-sitter (TypeScript first has its types erased by js_runtime.typescript,
keeping lines and columns) and becomes one factory `function (module, exports, require, __ceIm,
__ceWhere)`, laid out so that its line N is line N of the source and columns do not move: `import`
statements are blanked and their bindings made on the factory's own first line, `export` keywords
are blanked and the exports defined there as live getters (ES module semantics, cycles included),
`import()` becomes `__ceIm()`. Every specifier (`import`, `export ... from`, literal `require()` and
`import()`) is resolved when the connector loads, as Node resolves it: files inside the connector
(`./x`, `../x`, extensions .js .mjs .cjs .ts .mts .cts .json, `dir/index.*`, `x.js` naming `x.ts`),
and the built-in modules that prelude units register (`node:` stripped). A path leaving the
connector, an unknown name or a missing file raises ConnectorInvalid naming file and line.

A method file that imports no other file is its own factory (nothing added to a job); otherwise the
factory holds every file of the program and a small CommonJS loader (js_runtime/shims/program.js):
a module cache filled before a module runs, so cycles see partial exports as in Node.
`__ceWhere(file, lines, probe)` lets the bridge map a stack frame back to the file (see bridge.js).
Imports: tree_sitter, executor.errors, js_runtime.prelude, js_runtime.typescript.
"""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from js_runtime.errors import ConnectorInvalid
from js_runtime.prelude import builtin_modules, module_only_names
from js_runtime.typescript import erase_types, is_typescript

_LANGUAGE = Language(tree_sitter_javascript.language())
FACTORY_PARAMS = "module, exports, require, __ceIm, __ceWhere"
MODULE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".json")
_TS_TWINS = {".js": ".ts", ".mjs": ".mts", ".cjs": ".cts"}
MAX_MODULE_BYTES = 1024 * 1024
MAX_PROGRAM_FILES = 256
MAX_PROGRAM_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModuleCode:
    """A loaded program: `factory` is a JS function expression taking (module, exports, ...).

    `names` holds every identifier, property name and short string the program's files mention,
    plus the built-in modules they import; the prelude uses it to evaluate only the shims needed.
    `files` are the connector files the program is made of, the method file first.
    """

    factory: str
    names: frozenset[str] = frozenset()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _FileCode:
    """One transformed file: its factory's first line and body, and the specifiers it uses."""

    head: str
    body: str
    specifiers: tuple[tuple[str, int], ...]  # (specifier, 1-based line)
    names: frozenset[str]
    esm: bool


def load_module(source: str, filename: str, files: Mapping[str, str] | None = None) -> ModuleCode:
    """The program whose entry is `filename` with `source`; `files` are the connector's other files
    (by connector-relative path) that it may import. Raises ConnectorInvalid naming file and line."""
    known = dict(files or {})
    known[filename] = source
    order: list[str] = [filename]
    codes: dict[str, _FileCode] = {}
    links: dict[str, dict[str, str]] = {}
    names: set[str] = set()
    imported: set[str] = set()
    total = 0
    for current in order:  # grows as imports are found: breadth first, each file once
        text = known[current]
        code = _transform(text, current)
        total += len(text)
        if total > MAX_PROGRAM_BYTES:
            raise ConnectorInvalid(f"{current}: the method's files together exceed {MAX_PROGRAM_BYTES} bytes")
        codes[current] = code
        names |= code.names
        links[current] = {}
        for spec, line in code.specifiers:
            target = _resolve(spec, current, line, known)
            if target.startswith("/"):
                path = target[1:]
                if path not in codes and path not in order:
                    order.append(path)
                    if len(order) > MAX_PROGRAM_FILES:
                        raise ConnectorInvalid(f"{current}:{line}: the method imports more than "
                                               f"{MAX_PROGRAM_FILES} files")
            else:
                imported.add(target)
            links[current][spec] = target
    names = (names - module_only_names()) | imported
    entry = codes[filename]
    if len(order) == 1 and all(spec == target for spec, target in links[filename].items()):
        factory = f"(function ({FACTORY_PARAMS}) {{{entry.head}\n{entry.body}\n}})"
        return ModuleCode(factory=factory, names=frozenset(names), files=(filename,))
    table = ",\n".join(
        f"{json.dumps('/' + path)}: [{json.dumps(links[path], sort_keys=True)}, {str(codes[path].esm).lower()}, "
        f"function ({FACTORY_PARAMS}) {{{codes[path].head}\n{codes[path].body}\n}}]"
        for path in order
    )
    factory = (f"(function ({FACTORY_PARAMS}) {{\n({_program_runtime()})(require, __ceWhere, {{\n{table}\n}})"
               f"({json.dumps('/' + filename)}, module);\n}})")
    return ModuleCode(factory=factory, names=frozenset(names), files=tuple(order))


@functools.cache
def _program_runtime() -> str:
    return (resources.files("js_runtime") / "shims" / "program.js").read_text(encoding="utf-8").strip().rstrip(";")


# ---- resolution --------------------------------------------------------------------------------


def _resolve(spec: str, importer: str, line: int, files: Mapping[str, str]) -> str:
    """'/path' of a connector file, or a built-in module's bare name."""
    where = f"{importer}:{line}"
    if spec.startswith(("./", "../")) or spec in (".", ".."):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        if path == ".." or path.startswith("../"):
            raise ConnectorInvalid(f"{where}: cannot import '{spec}': the path leaves the connector's directory")
        found = _find_file(path, files)
        if found is None:
            raise ConnectorInvalid(f"{where}: cannot import '{spec}': no such file in the connector "
                                   f"(looked for {path} with {', '.join(MODULE_SUFFIXES)} and {path}/index.*)")
        return "/" + found
    if spec.startswith("/") or spec.startswith("file:"):
        raise ConnectorInvalid(f"{where}: cannot import '{spec}': absolute paths leave the connector's directory")
    bare = spec.removeprefix("node:")
    if bare in builtin_modules():
        return bare
    available = ", ".join(sorted(builtin_modules()))
    raise ConnectorInvalid(f"{where}: cannot import module '{spec}': connector code may import files of the "
                           f"connector ('./...') and the built-in modules {available}")


def _find_file(path: str, files: Mapping[str, str]) -> str | None:
    stem, suffix = posixpath.splitext(path)
    candidates = [path] if suffix in MODULE_SUFFIXES else []
    if suffix in _TS_TWINS:  # TypeScript style: './x.js' names x.ts
        candidates.append(stem + _TS_TWINS[suffix])
    candidates += [path + ext for ext in MODULE_SUFFIXES]
    candidates += [posixpath.join(path, "index" + ext) for ext in MODULE_SUFFIXES]
    return next((c for c in candidates if c in files), None)


# ---- one file ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _transform(source: str, filename: str) -> _FileCode:
    if len(source) > MAX_MODULE_BYTES:
        raise ConnectorInvalid(f"{filename}: larger than {MAX_MODULE_BYTES} bytes (the limit of a module file)")
    lines = source.count("\n") + 1
    where = f"__ceWhere({json.dumps(filename)}, {lines}, () => new Error());"
    if filename.endswith(".json"):
        return _json_file(source, filename, where)
    if is_typescript(filename):
        source = erase_types(source, filename)
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError:
        raise ConnectorInvalid(f"{filename}: not valid Unicode text (a lone surrogate)") from None
    tree = Parser(_LANGUAGE).parse(data)
    _raise_on_syntax_error(tree.root_node, filename)
    module = _ModuleRewriter(data, filename)
    for stmt in tree.root_node.named_children:
        module.statement(stmt)
    specifiers, names = _scan(tree.root_node, data, module)
    esm = module.esm or filename.endswith((".mjs", ".mts"))
    if esm:
        _refuse_html_comments(tree.root_node, filename)
    head = ("'use strict';" if esm else "") + where + module.prologue()
    body = _apply(data, module.edits).decode("utf-8")
    return _FileCode(head, body, tuple(module.specifiers + specifiers), frozenset(names), esm)


def _json_file(source: str, filename: str, where: str) -> _FileCode:
    try:
        json.loads(source)
    except json.JSONDecodeError as exc:
        raise ConnectorInvalid(f"{filename}:{exc.lineno}:{exc.colno}: JSON does not parse: {exc.msg}") from None
    except RecursionError:
        raise ConnectorInvalid(f"{filename}: JSON nested too deeply") from None
    body = f"module.exports = JSON.parse({json.dumps(source)});"
    return _FileCode(where, body, (), frozenset(), False)


def _raise_on_syntax_error(root: Node, filename: str) -> None:
    if not root.has_error:
        return
    bad = _first_error(root)
    if bad is None:
        raise ConnectorInvalid(f"{filename}: JavaScript does not parse")
    line, column = bad.start_point
    what = "missing token" if bad.is_missing else "syntax error"
    raise ConnectorInvalid(f"{filename}:{line + 1}:{column + 1}: {what}: JavaScript does not parse")


def _refuse_html_comments(root: Node, filename: str) -> None:
    """Node refuses `<!--` and `-->` comments (ECMAScript Annex B) in ES modules; in the engines the module
    runs inside a script, where they would silently be comments."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node.type == "html_comment":
            line, column = node.start_point
            raise ConnectorInvalid(f"{filename}:{line + 1}:{column + 1}: SyntaxError: HTML comments are not "
                                   "allowed in modules")
        pending.extend(node.children)


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _text(node: Node, data: bytes) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8")


def _string_value(node: Node, data: bytes) -> str:
    """A string literal's value (escapes are rare in specifiers: JSON handles the double-quoted form)."""
    raw = _text(node, data)
    if raw.startswith('"'):
        try:
            return str(json.loads(raw))
        except json.JSONDecodeError:
            pass
    return raw[1:-1]


def _blanked(text: str, replacement: str = "") -> str:
    """`replacement` over the start of `text`, the rest spaces, newlines kept: nothing moves when it fits."""
    first_line = text.split("\n", 1)[0]
    if len(replacement) > len(first_line):
        return replacement + "".join(c if c in "\r\n" else "" for c in text)
    return replacement + "".join(c if c in "\r\n" else " " for c in text[len(replacement):])


class _ModuleRewriter:
    """Top-level `import`/`export` statements: blanked in place, their effect moved to the prologue."""

    def __init__(self, data: bytes, filename: str) -> None:
        self.data = data
        self.filename = filename
        self.edits: list[_Edit] = []
        self.specifiers: list[tuple[str, int]] = []
        self.esm = False
        self._imports: list[str] = []
        self._getters: list[tuple[str, str]] = []  # (exported name, JS expression)
        self._stars: list[str] = []
        self._default_var = False

    def statement(self, stmt: Node) -> None:
        if stmt.type == "hash_bang_line":
            self._blank(stmt.start_byte, stmt.end_byte)
        elif stmt.type == "import_statement":
            self.esm = True
            self._import(stmt)
        elif stmt.type == "export_statement":
            self.esm = True
            self._export(stmt)

    def prologue(self) -> str:
        parts = []
        if self._default_var:
            parts.append("let __ceDefault;")
        if self.esm:
            props = ", ".join(f"{json.dumps(name)}: {{get: () => {expr}, enumerable: true}}"
                              for name, expr in self._getters)
            props = f", {props}" if props else ""
            parts.append(f"Object.defineProperties(exports, {{__ceEsm: {{value: true}}{props}}});")
        parts.extend(self._stars)
        parts.extend(self._imports)
        return "".join(parts)

    def _blank(self, start: int, end: int, replacement: str = "") -> None:
        self.edits.append(_Edit(start, end, _blanked(self.data[start:end].decode("utf-8"), replacement)))

    def _source(self, node: Node | None) -> str:
        if node is None:
            raise ConnectorInvalid(f"{self.filename}: unsupported import or export form")
        spec = _string_value(node, self.data)
        self.specifiers.append((spec, node.start_point[0] + 1))
        return json.dumps(spec)

    def _import(self, stmt: Node) -> None:
        source = self._source(stmt.child_by_field_name("source"))
        self._blank(stmt.start_byte, stmt.end_byte)
        clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
        if clause is None:
            self._imports.append(f"require({source});")
            return
        module = f"require({source})"
        for part in clause.named_children:
            if part.type == "identifier":
                local = _text(part, self.data)
                self._imports.append(f"const {local} = ((m) => m && m.__ceEsm ? m.default : m)({module});")
            elif part.type == "namespace_import":
                local = _text(part.named_children[-1], self.data)
                self._imports.append(f"const {local} = ((m) => m && m.__ceEsm ? m : "
                                     f"Object.assign(Object.create(null), m, {{default: m}}))({module});")
            elif part.type == "named_imports":
                pairs = []
                for spec in part.named_children:
                    imported = _text(spec.child_by_field_name("name"), self.data)  # type: ignore[arg-type]
                    alias = spec.child_by_field_name("alias")
                    pairs.append(f"{imported}: {_text(alias, self.data)}" if alias else imported)
                self._imports.append(f"const {{{', '.join(pairs)}}} = {module};")

    def _export(self, stmt: Node) -> None:
        is_default = any(c.type == "default" for c in stmt.children)
        declaration = stmt.child_by_field_name("declaration")
        value = stmt.child_by_field_name("value")
        source_node = stmt.child_by_field_name("source")
        if source_node is not None:
            self._reexport(stmt, self._source(source_node))
        elif is_default and declaration is not None:
            name = declaration.child_by_field_name("name")
            if name is None:
                self._default_var = True
                self._blank(stmt.start_byte, declaration.start_byte, "__ceDefault =")
                self._getters.append(("default", "__ceDefault"))
            else:
                self._blank(stmt.start_byte, declaration.start_byte)
                self._getters.append(("default", _text(name, self.data)))
        elif is_default and value is not None:
            self._default_var = True
            self._blank(stmt.start_byte, value.start_byte, "__ceDefault =")
            self._getters.append(("default", "__ceDefault"))
        elif declaration is not None:
            self._blank(stmt.start_byte, declaration.start_byte)
            self._getters.extend((n, n) for n in _declared_names(declaration, self.data))
        else:
            clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
            if clause is None:
                raise ConnectorInvalid(f"{self.filename}:{stmt.start_point[0] + 1}: unsupported export form")
            self._blank(stmt.start_byte, stmt.end_byte)
            for local, exported in self._clause(clause):
                self._getters.append((exported, local))

    def _clause(self, clause: Node) -> list[tuple[str, str]]:
        pairs = []
        for spec in clause.named_children:
            name = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias")
            local = _text(name, self.data)  # type: ignore[arg-type]
            exported = _string_value(alias, self.data) if alias is not None and alias.type == "string" else (
                _text(alias, self.data) if alias is not None else local)
            pairs.append((local, exported))
        return pairs

    def _reexport(self, stmt: Node, source: str) -> None:
        self._blank(stmt.start_byte, stmt.end_byte)
        module = f"require({source})"
        clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
        namespace = next((c for c in stmt.named_children if c.type == "namespace_export"), None)
        if clause is not None:
            for local, exported in self._clause(clause):
                pick = "(m && m.__ceEsm ? m.default : m)" if local == "default" else f"m[{json.dumps(local)}]"
                self._getters.append((exported, f"((m) => {pick})({module})"))
        elif namespace is not None:
            self._getters.append((_text(namespace.named_children[-1], self.data), module))
        else:  # export * from: every name but default, live, own exports first (as in Node)
            self._stars.append(
                f"((m) => {{ for (const k of Object.keys(m)) if (k !== 'default' && k !== '__ceEsm' && "
                f"!Object.prototype.hasOwnProperty.call(exports, k)) Object.defineProperty(exports, k, "
                f"{{get: () => m[k], enumerable: true}}); }})({module});")


def _declared_names(declaration: Node, data: bytes) -> list[str]:
    name = declaration.child_by_field_name("name")
    if name is not None:
        return [_text(name, data)]
    names = []
    for declarator in declaration.named_children:
        target = declarator.child_by_field_name("name")
        if target is None:
            continue
        stack = [target]
        while stack:  # identifiers bound by a destructuring pattern, default values excepted
            node = stack.pop()
            if node.type in ("identifier", "shorthand_property_identifier_pattern"):
                names.append(_text(node, data))
            elif node.type in ("assignment_pattern", "object_assignment_pattern"):
                left = node.child_by_field_name("left")
                stack.extend([left] if left is not None else [])
            elif node.type == "pair_pattern":
                value = node.child_by_field_name("value")
                stack.extend([value] if value is not None else [])
            else:
                stack.extend(node.named_children)
    return names


_NAME_NODES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier",
                         "shorthand_property_identifier_pattern", "string_fragment"})
_MAX_NAME_LENGTH = 64


def _scan(root: Node, data: bytes, module: _ModuleRewriter) -> tuple[list[tuple[str, int]], set[str]]:
    """Literal `require()`/`import()` specifiers (and `import` callees renamed), and every name used."""
    specifiers: list[tuple[str, int]] = []
    names: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _NAME_NODES and node.end_byte - node.start_byte <= _MAX_NAME_LENGTH:
            names.add(_text(node, data))
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if callee is not None and callee.type == "import":
                module.edits.append(_Edit(callee.start_byte, callee.end_byte, "__ceIm"))
            is_loader = callee is not None and (callee.type == "import" or _text(callee, data) == "require")
            first = args.named_children[0] if args is not None and args.named_children else None
            if is_loader and first is not None and first.type == "string":
                specifiers.append((_string_value(first, data), first.start_point[0] + 1))
        stack.extend(node.children)
    return specifiers, names


def _apply(data: bytes, edits: list[_Edit]) -> bytes:
    out = bytearray(data)
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out[edit.start:edit.end] = edit.text.encode("utf-8")
    return bytes(out)
