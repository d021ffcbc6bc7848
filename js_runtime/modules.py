"""Connector module loading: ES module or CommonJS source becomes one factory function.

The source is parsed with tree-sitter-javascript (a real parser; no regular expressions over source).
`import ... from 'axios'` becomes `const ... = require('axios')`, `export default X` and named exports
become assignments on `module.exports`, and dynamic `import()` goes through the same `require`, so
no module but axios can ever be reached. Results are cached by source text.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from executor.errors import ConnectorInvalid

_LANGUAGE = Language(tree_sitter_javascript.language())
ALLOWED_MODULES = frozenset({"axios", "crypto", "node:crypto"})
FACTORY_PARAMS = "module, exports, require, __ceImport"


@dataclass(frozen=True)
class ModuleCode:
    """A transformed module: `factory` is a JS function expression taking (module, exports, ...).

    `names` holds every identifier, property name and short string the source mentions; the
    prelude uses it to evaluate only the shims a module can reach.
    """

    factory: str
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def load_module(source: str, filename: str) -> ModuleCode:
    """Transform connector source into a factory; raise ConnectorInvalid naming file and problem."""
    return _load_cached(source, filename)


@functools.lru_cache(maxsize=1024)
def _load_cached(source: str, filename: str) -> ModuleCode:
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError:
        raise ConnectorInvalid(f"{filename}: not valid Unicode text (a lone surrogate)") from None
    tree = Parser(_LANGUAGE).parse(data)
    _raise_on_syntax_error(tree.root_node, filename)
    edits: list[_Edit] = []
    tail: list[str] = []
    is_esm = False
    for stmt in tree.root_node.named_children:
        if stmt.type == "hash_bang_line":  # only valid first in a file; the factory wraps the file
            edits.append(_Edit(stmt.start_byte, stmt.end_byte, ""))
        elif stmt.type == "import_statement":
            is_esm = True
            edits.append(_Edit(stmt.start_byte, stmt.end_byte, _rewrite_import(stmt, data, filename)))
        elif stmt.type == "export_statement":
            is_esm = True
            edit, exported = _rewrite_export(stmt, data, filename)
            edits.append(edit)
            tail.extend(exported)
    imports, names = _scan(tree.root_node, data)
    # 'node:crypto' needs the unit named 'crypto'
    names.update(name[5:] for name in ALLOWED_MODULES & names if name.startswith("node:"))
    edits.extend(_Edit(n.start_byte, n.end_byte, "__ceImport") for n in imports)
    body = _apply(data, edits).decode("utf-8")
    prologue = "'use strict';" if is_esm else ""
    factory = f"(function ({FACTORY_PARAMS}) {{{prologue}{body}\n;{''.join(tail)}\n}})"
    return ModuleCode(factory=factory, names=frozenset(names))


def _raise_on_syntax_error(root: Node, filename: str) -> None:
    if not root.has_error:
        return
    bad = _first_error(root)
    if bad is None:
        raise ConnectorInvalid(f"{filename}: JavaScript does not parse")
    line, column = bad.start_point
    what = "missing token" if bad.is_missing else "syntax error"
    raise ConnectorInvalid(f"{filename}:{line + 1}:{column + 1}: {what}: JavaScript does not parse")


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


def _module_name(source_node: Node | None, data: bytes, filename: str) -> str:
    if source_node is None:
        raise ConnectorInvalid(f"{filename}: unsupported import or export form")
    name = _text(source_node, data)[1:-1]
    if name not in ALLOWED_MODULES:
        line = source_node.start_point[0] + 1
        raise ConnectorInvalid(
            f"{filename}:{line}: cannot import module '{name}': connector code may only import 'axios' and 'crypto'"
        )
    return name


def _rewrite_import(stmt: Node, data: bytes, filename: str) -> str:
    name = _module_name(stmt.child_by_field_name("source"), data, filename)
    clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
    if clause is None:
        return ""
    bindings: list[str] = []
    for part in clause.named_children:
        if part.type in ("identifier", "namespace_import"):
            local = part if part.type == "identifier" else part.named_children[-1]
            bindings.append(f"const {_text(local, data)} = require('{name}');")
        elif part.type == "named_imports":
            pairs = []
            for spec in part.named_children:
                imported = _text(spec.child_by_field_name("name"), data)  # type: ignore[arg-type]
                alias = spec.child_by_field_name("alias")
                pairs.append(f"{imported}: {_text(alias, data)}" if alias else imported)
            bindings.append(f"const {{{', '.join(pairs)}}} = require('{name}');")
    return " ".join(bindings)


def _rewrite_export(stmt: Node, data: bytes, filename: str) -> tuple[_Edit, list[str]]:
    is_default = any(c.type == "default" for c in stmt.children)
    declaration = stmt.child_by_field_name("declaration")
    value = stmt.child_by_field_name("value")
    if stmt.child_by_field_name("source") is not None:
        _module_name(stmt.child_by_field_name("source"), data, filename)
        raise ConnectorInvalid(f"{filename}: re-exporting from another module is not supported")
    if is_default and declaration is not None:
        name = declaration.child_by_field_name("name")
        if name is None:
            return _Edit(stmt.start_byte, declaration.start_byte, "module.exports.default = "), []
        return _Edit(stmt.start_byte, declaration.start_byte, ""), [
            f"module.exports.default = {_text(name, data)};"
        ]
    if is_default and value is not None:
        return _Edit(stmt.start_byte, value.start_byte, "module.exports.default = "), []
    if declaration is not None:
        names = _declared_names(declaration, data)
        return _Edit(stmt.start_byte, declaration.start_byte, ""), [f"exports.{n} = {n};" for n in names]
    clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
    if clause is None:
        raise ConnectorInvalid(f"{filename}: unsupported export form")
    assignments = []
    for spec in clause.named_children:
        local = _text(spec.child_by_field_name("name"), data)  # type: ignore[arg-type]
        alias = spec.child_by_field_name("alias")
        exported = _text(alias, data) if alias else local
        if exported in ("default", '"default"', "'default'"):
            target = "module.exports.default"
        elif alias is not None and alias.type == "string":  # export { x as "any name" }
            target = f"exports[{exported}]"
        else:
            target = f"exports.{exported}"
        assignments.append(f"{target} = {local};")
    return _Edit(stmt.start_byte, stmt.end_byte, ""), assignments


def _declared_names(declaration: Node, data: bytes) -> list[str]:
    name = declaration.child_by_field_name("name")
    if name is not None:
        return [_text(name, data)]
    names = []
    for declarator in declaration.named_children:
        target = declarator.child_by_field_name("name")
        if target is not None and target.type == "identifier":
            names.append(_text(target, data))
    return names


_NAME_NODES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier",
                         "shorthand_property_identifier_pattern", "string_fragment"})
_MAX_NAME_LENGTH = 64


def _scan(root: Node, data: bytes) -> tuple[list[Node], set[str]]:
    """The `import` callees of dynamic imports, and every name the source mentions."""
    imports: list[Node] = []
    names: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _NAME_NODES and node.end_byte - node.start_byte <= _MAX_NAME_LENGTH:
            names.add(_text(node, data))
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "import":
                imports.append(callee)
        stack.extend(node.children)
    return imports, names


def _apply(data: bytes, edits: list[_Edit]) -> bytes:
    out = data
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[:edit.start] + edit.text.encode("utf-8") + out[edit.end:]
    return out
