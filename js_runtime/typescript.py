"""TypeScript to JavaScript by erasing types, keeping every line and column of the .ts source.

The source is parsed with tree-sitter-typescript (a real parser). Type-only text (annotations, type
parameters and arguments, interfaces, type aliases, `declare`, `as`/`satisfies`, non-null `!`,
`import type`, overload signatures, modifiers...) is replaced by spaces, newlines kept, so a runtime
error's line and column are those of the .ts file. Two constructs emit code: an `enum` becomes an
object built on the enum's own lines, and parameter properties (`constructor(private x: T)`) get
their `this.x = x;` inserted in the constructor's body (shifting columns on that one line only).
What has no faithful erasure (namespaces holding values, decorators, `import x = require()`,
`export =`) raises ConnectorInvalid naming file:line. Imports only tree_sitter and executor.errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

from js_runtime.errors import ConnectorInvalid

_LANGUAGE = Language(tree_sitter_typescript.language_typescript())
TS_SUFFIXES = (".ts", ".mts", ".cts")

# Nodes that are types from end to end: erased whole wherever they appear.
_TYPE_ONLY = frozenset({
    "type_annotation", "type_predicate_annotation", "asserts_annotation", "opting_type_annotation",
    "omitting_type_annotation", "adding_type_annotation", "type_parameters", "type_arguments",
    "interface_declaration", "type_alias_declaration", "ambient_declaration", "abstract_method_signature",
    "method_signature", "function_signature", "index_signature", "implements_clause",
    "accessibility_modifier", "override_modifier",
})
_UNSUPPORTED = {
    "decorator": "decorators have no type-erasure equivalent",
    "internal_module": "a namespace holding values has no type-erasure equivalent (use a module)",
    "module": "a module declaration holding values has no type-erasure equivalent",
    "import_require_clause": "`import x = require(...)` is not supported: use `import x from` or `require`",
}


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: bytes


def is_typescript(filename: str) -> bool:
    """Whether `filename` is a TypeScript source by its suffix."""
    return filename.endswith(TS_SUFFIXES)


def erase_types(source: str, filename: str) -> str:
    """JavaScript for TypeScript `source`, same lines and columns; ConnectorInvalid if it cannot be."""
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError:
        raise ConnectorInvalid(f"{filename}: not valid Unicode text (a lone surrogate)") from None
    tree = Parser(_LANGUAGE).parse(data)
    if tree.root_node.has_error:
        bad = _first_error(tree.root_node)
        line, column = bad.start_point if bad is not None else (0, 0)
        raise ConnectorInvalid(f"{filename}:{line + 1}:{column + 1}: syntax error: TypeScript does not parse")
    edits: list[_Edit] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if _erase(node, data, filename, edits):
            continue
        stack.extend(reversed(node.children))
    return _apply(data, edits).decode("utf-8")


def _erase(node: Node, data: bytes, filename: str, edits: list[_Edit]) -> bool:
    """Add the edits for `node`; True when its subtree is handled (not to be walked further)."""
    kind = node.type
    if kind in _UNSUPPORTED:
        raise ConnectorInvalid(f"{filename}:{node.start_point[0] + 1}: {_UNSUPPORTED[kind]}")
    if kind in _TYPE_ONLY:
        edits.append(_blank(node.start_byte, node.end_byte, data))
        return True
    if kind in ("as_expression", "satisfies_expression"):
        keyword = next(c for c in node.children if c.type in ("as", "satisfies"))
        edits.append(_blank(keyword.start_byte, node.end_byte, data))
        return _walk_only(node.children[0])
    if kind == "non_null_expression":
        edits.append(_blank(node.end_byte - 1, node.end_byte, data))
        return False
    if kind in ("import_statement", "export_statement"):
        return _module_statement(node, data, filename, edits)
    if kind in ("import_specifier", "export_specifier") and any(c.type == "type" for c in node.children):
        edits.append(_blank_with_comma(node, data))
        return True
    if kind in ("required_parameter", "optional_parameter"):
        return _parameter(node, data, edits)
    if kind in ("public_field_definition", "variable_declarator", "abstract_class_declaration",
                "method_definition", "property_signature"):
        return _modifiers(node, data, edits)
    if kind == "enum_declaration":
        edits.append(_enum(node, data, filename))
        return True
    return False


def _walk_only(_: Node) -> bool:
    return False


def _module_statement(node: Node, data: bytes, filename: str, edits: list[_Edit]) -> bool:
    children = node.children
    if node.type == "export_statement" and any(c.type == "=" for c in children):
        raise ConnectorInvalid(f"{filename}:{node.start_point[0] + 1}: `export =` is not supported: use "
                               "`export default` or `module.exports =`")
    declaration = node.child_by_field_name("declaration")
    type_only = any(c.type == "type" for c in children) or (
        declaration is not None and declaration.type in ("interface_declaration", "type_alias_declaration",
                                                         "ambient_declaration"))
    if type_only:
        edits.append(_blank(node.start_byte, node.end_byte, data))
        return True
    return False


def _parameter(node: Node, data: bytes, edits: list[_Edit]) -> bool:
    pattern = node.child_by_field_name("pattern")
    if pattern is not None and pattern.type == "this":  # `this: Window`: a type, erased with its comma
        edits.append(_blank_with_comma(node, data))
        return True
    for child in node.children:
        if child.type in ("?", "readonly"):
            edits.append(_blank(child.start_byte, child.end_byte, data))
    if any(c.type in ("accessibility_modifier", "readonly") for c in node.children) and pattern is not None:
        constructor = _constructor_body(node)
        if constructor is not None:
            name = data[pattern.start_byte:pattern.end_byte].decode("utf-8")
            edits.append(_Edit(*_after_super(constructor), f" this.{name} = {name};".encode()))
    return False


def _constructor_body(parameter: Node) -> Node | None:
    params = parameter.parent
    method = params.parent if params is not None else None
    if method is None or method.type != "method_definition":
        return None
    name = method.child_by_field_name("name")
    if name is None or name.text != b"constructor":
        return None
    return method.child_by_field_name("body")


def _after_super(body: Node) -> tuple[int, int]:
    """Where a parameter property's assignment goes: after a leading `super(...)` call, else after `{`."""
    for statement in body.named_children:
        if statement.type == "expression_statement" and statement.named_children:
            call = statement.named_children[0]
            if call.type == "call_expression" and call.children and call.children[0].type == "super":
                return statement.end_byte, statement.end_byte
        break
    return body.start_byte + 1, body.start_byte + 1


def _modifiers(node: Node, data: bytes, edits: list[_Edit]) -> bool:
    if node.type == "public_field_definition" and any(c.type == "declare" for c in node.children):
        edits.append(_blank(node.start_byte, node.end_byte, data))
        return True
    for child in node.children:
        if child.type in ("readonly", "abstract", "!", "?") and not (
                node.type == "method_definition" and child.type != "?"):
            edits.append(_blank(child.start_byte, child.end_byte, data))
    return False


def _enum(node: Node, data: bytes, filename: str) -> _Edit:
    """`enum E { A, B = 2, C = 'c' }` as an object built on the enum's own lines (TypeScript's output)."""
    name_node = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name_node is None or body is None:
        raise ConnectorInvalid(f"{filename}:{node.start_point[0] + 1}: unsupported enum form")
    name = data[name_node.start_byte:name_node.end_byte].decode("utf-8")
    head = f"var {name} = (function (E) {{ let __prev = -1;"
    out = data[node.start_byte:body.start_byte + 1]
    parts = [_pad(out, head)]
    cursor = body.start_byte + 1
    for member in body.named_children:
        if member.type == "comment":
            continue
        key_node = member.child_by_field_name("name") if member.type == "enum_assignment" else member
        value_node = member.child_by_field_name("value") if member.type == "enum_assignment" else None
        key = json.dumps(_member_name(key_node, data))  # type: ignore[arg-type]
        value = "__prev + 1" if value_node is None else data[value_node.start_byte:value_node.end_byte].decode()
        code = (f"{{ const v = ({value}); if (typeof v === 'number') {{ E[E[{key}] = v] = {key}; __prev = v; }}"
                f" else E[{key}] = v; }}")
        parts.append(_keep_newlines(data[cursor:member.start_byte]))
        parts.append(_pad(data[member.start_byte:member.end_byte], code))
        cursor = member.end_byte
    parts.append(_keep_newlines(data[cursor:node.end_byte]))
    parts.append(b" return E; })({});")
    return _Edit(node.start_byte, node.end_byte, b"".join(parts))


def _member_name(node: Node, data: bytes) -> str:
    text = data[node.start_byte:node.end_byte].decode("utf-8")
    if node.type == "string":
        return str(json.loads(text)) if text.startswith('"') else text[1:-1]
    return text


def _pad(original: bytes, code: str) -> bytes:
    """`code` in place of `original`: the newlines of `original` kept after it."""
    return code.encode("utf-8") + b"\n" * original.count(b"\n")


def _keep_newlines(text: bytes) -> bytes:
    return b"\n" * text.count(b"\n")


def _blank(start: int, end: int, data: bytes) -> _Edit:
    """Spaces in place of data[start:end], its line breaks kept (lines and columns do not move)."""
    return _Edit(start, end, bytes(b if b in b"\r\n" else 0x20 for b in data[start:end]))


def _blank_with_comma(node: Node, data: bytes) -> _Edit:
    end = node.end_byte
    sibling = node.next_sibling
    if sibling is not None and sibling.type == ",":
        end = sibling.end_byte
    return _blank(node.start_byte, end, data)


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _apply(data: bytes, edits: list[_Edit]) -> bytes:
    out = bytearray(data)
    # Later edits at the same place go first, so insertions there keep the order they were made in.
    for _, edit in sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[0]), reverse=True):
        out[edit.start:edit.end] = edit.text
    return bytes(out)
