"""The small expression language of `${...}` in `$template` (ours; the vendor has no `$template`).

A hand-written tokenizer and recursive-descent parser (no eval, no regular expressions). Grammar,
lowest precedence first:

    expr     := or ( '??' or )*
    or       := and ( '||' and )*
    and      := sum ( '&&' sum )*
    sum      := primary ( '+' primary )*
    primary  := NUMBER | STRING | 'true' | 'false' | 'null' | 'undefined'
              | NAME '(' [ expr ( ',' expr )* ] ')' | '(' expr ')' | path
    path     := [ '$' '.' ] NAME ( '.' NAME | '[' INDEX ']' | '[' STRING ']' )*

Strings take single or double quotes with JS escapes; numbers are decimal (`12`, `1.5`, `2e3`).
A path's first name must be a known variable and a call's name a known function (`FUNCTIONS`),
otherwise compilation fails.

Evaluation follows JavaScript with one deliberate exception, chosen so a missing credential never
leaks "undefined" or "null" into a header: an expression whose value is UNDEFINED or None renders
as "" in the template, and `+` treats UNDEFINED/None as "" (it adds numerically only when both
sides are numbers or booleans; otherwise it concatenates the values' JS string forms).

There is no escape for a literal `${` in template text; write `${'${'}` instead. Functions return
UNDEFINED for an UNDEFINED or None argument (except `json(null)`, which is "null"); `base64url`
omits padding, as Node's `base64url` encoding does; `encodeURIComponent` rejects lone surrogates
with InvalidInput, as JS throws URIError.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from executor.errors import InvalidInput
from executor.formulas.jsvalues import (
    UNDEFINED,
    ExpressionSyntaxError,
    Node,
    Segment,
    is_missing,
    is_number,
    js_number,
    js_string,
    not_json,
)
from executor.formulas.locators import Index, Prop
from executor.formulas.nodes import AddNode, AndNode, CallNode, CoalesceNode, Literal, OrNode, VarNode
from executor.limits import LIMITS

MAX_NESTING = LIMITS.expression_nesting
"""Deepest allowed nesting of parentheses and calls inside one expression."""



# --- built-in functions -------------------------------------------------------------------------

_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def _utf8(text: str) -> bytes:
    """UTF-8 bytes as JS's TextEncoder makes them: lone surrogates become U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def _encode_uri_component(text: str) -> str:
    """JS `encodeURIComponent`, which also rejects lone surrogates."""
    try:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16")  # joins surrogate pairs
        return quote(text, safe="!'()*")
    except UnicodeError:
        raise InvalidInput("encodeURIComponent() was given text that is not valid Unicode") from None


def _json_text(value: Any) -> str:
    """JS `JSON.stringify` (compact) for JSON-like values; UNDEFINED inside lists is null."""
    if is_missing(value):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ((k, v) for k, v in value.items() if v is not UNDEFINED)
        members = (f"{_json_text(js_string(k))}:{_json_text(v)}" for k, v in items)
        return "{" + ",".join(members) + "}"
    raise not_json(value)


def _to_json(value: Any) -> Any:
    return UNDEFINED if value is UNDEFINED else _json_text(value)


def _on_text(transform: Callable[[str], str]) -> Callable[[Any], Any]:
    """Lift a text function: UNDEFINED/None in -> UNDEFINED out, other values converted with String()."""

    def apply(value: Any) -> Any:
        return UNDEFINED if is_missing(value) else transform(js_string(value))

    return apply


FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "base64": _on_text(lambda text: base64.b64encode(_utf8(text)).decode("ascii")),
    "base64url": _on_text(lambda text: base64.urlsafe_b64encode(_utf8(text)).decode("ascii").rstrip("=")),
    "lower": _on_text(str.lower),
    "upper": _on_text(str.upper),
    "trim": _on_text(lambda text: text.strip(_JS_WHITESPACE)),
    "json": _to_json,
    "encodeURIComponent": _on_text(_encode_uri_component),
}
"""The functions callable inside `${...}`; each takes exactly one argument."""

KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None, "undefined": UNDEFINED}

# --- tokenizer ----------------------------------------------------------------------------------

_PUNCTUATION = ("??", "||", "&&", "+", "(", ")", "[", "]", ".", ",", "$", "}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class Token:
    """One token: NAME, NUMBER, STRING, PUNCT, END, or CLOSED (after a `}`); `start`/`end` are offsets."""

    kind: str
    text: str
    value: Any
    start: int
    end: int

    def describe(self) -> str:
        """How an error message refers to this token (string contents are never echoed)."""
        names = {"STRING": "a string literal", "END": "the end of the text", "CLOSED": "the text after '}'"}
        return names.get(self.kind, f"'{self.text}'")


class Lexer:
    """Produces tokens on demand from `text`, starting at `pos` (the text after `${` may be prose)."""

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos

    def next(self) -> Token:
        """The next token; END at the end of the text."""
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return Token("END", "", None, pos, pos)
        char = text[pos]
        if char.isalpha() or char == "_":
            return self._take("NAME", pos, self._skip_name(pos))
        if char.isascii() and char.isdigit():
            return self._number(pos)
        if char in "'\"":
            return self._string(pos)
        for punct in _PUNCTUATION:
            if text.startswith(punct, pos):
                return self._take("PUNCT", pos, pos + len(punct))
        raise ExpressionSyntaxError(f"unexpected character {char!r} at offset {pos}")

    def _take(self, kind: str, start: int, end: int, value: Any = None) -> Token:
        self.pos = end
        return Token(kind, self.text[start:end], value, start, end)

    def _skip_name(self, pos: int) -> int:
        while pos < len(self.text) and (self.text[pos].isalnum() or self.text[pos] == "_"):
            pos += 1
        return pos

    def _skip_digits(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos].isascii() and self.text[pos].isdigit():
            pos += 1
        return pos

    def _number(self, start: int) -> Token:
        text, end = self.text, self._skip_digits(start)
        if text.startswith(".", end) and text[end + 1 : end + 2] in tuple("0123456789"):
            end = self._skip_digits(end + 1)
        if end < len(text) and text[end] in "eE":
            digits_at = end + 2 if text[end + 1 : end + 2] in ("+", "-") else end + 1
            if text[digits_at : digits_at + 1] in tuple("0123456789"):
                end = self._skip_digits(digits_at)
        literal = text[start:end]
        is_int = literal.isdigit() and len(literal) <= 15
        return self._take("NUMBER", start, end, int(literal) if is_int else float(literal))

    def _string(self, start: int) -> Token:
        text, quote_char, pos, out = self.text, self.text[start], start + 1, []
        while pos < len(text) and text[pos] != quote_char:
            if text[pos] == "\\" and pos + 1 < len(text):
                pos, char = self._escape(pos + 1)
                out.append(char)
            else:
                out.append(text[pos])
                pos += 1
        if pos >= len(text):
            raise ExpressionSyntaxError(f"unterminated string literal starting at offset {start}")
        return self._take("STRING", start, pos + 1, "".join(out))

    def _escape(self, pos: int) -> tuple[int, str]:
        """Decode the escape whose letter is at `pos`; returns (next position, character)."""
        letter = self.text[pos]
        if letter == "u":
            digits = self.text[pos + 1 : pos + 5]
            if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                return pos + 5, chr(int(digits, 16))
            raise ExpressionSyntaxError(f"bad \\u escape at offset {pos - 1}")
        return pos + 1, _ESCAPES.get(letter, letter)


def _unexpected(token: Token) -> ExpressionSyntaxError:
    if token.kind == "END":
        return ExpressionSyntaxError("unexpected end of expression")
    return ExpressionSyntaxError(f"unexpected {token.describe()} at offset {token.start}")


# --- parser -------------------------------------------------------------------------------------


class Parser:
    """Recursive-descent parser over a Lexer; `roots` are the variable names a path may start with."""

    def __init__(self, lexer: Lexer, roots: Collection[str]) -> None:
        self.lexer = lexer
        self.roots = roots
        self.token = lexer.next()
        self.depth = 0

    def advance(self) -> Token:
        """Consume the current token and return it; nothing is read past a `}` (template text follows)."""
        token = self.token
        closing = token.kind == "PUNCT" and token.text == "}"
        self.token = Token("CLOSED", "", None, token.end, token.end) if closing else self.lexer.next()
        return token

    def at(self, text: str) -> bool:
        """Is the current token the punctuation `text`?"""
        return self.token.kind == "PUNCT" and self.token.text == text

    def expect(self, text: str) -> Token:
        """Consume the punctuation `text` or fail."""
        if not self.at(text):
            raise self.unexpected()
        return self.advance()

    def unexpected(self) -> ExpressionSyntaxError:
        """The error for the current token."""
        return _unexpected(self.token)

    def expression(self) -> Node:
        """expr := or ( '??' or )*"""
        return self._chain("??", CoalesceNode, lambda: self._chain("||", OrNode, self._conjunction))

    def _conjunction(self) -> Node:
        return self._chain("&&", AndNode, lambda: self._chain("+", AddNode, self.primary))

    def _chain(self, operator: str, node_type: Callable[[tuple[Node, ...]], Node],
               operand: Callable[[], Node]) -> Node:
        """Parse `operand (operator operand)*` into one flat n-ary node."""
        items = [operand()]
        while self.at(operator):
            self.advance()
            items.append(operand())
        return items[0] if len(items) == 1 else node_type(tuple(items))

    def primary(self) -> Node:
        """A literal, call, parenthesised expression or path."""
        token = self.advance()
        if token.kind in ("NUMBER", "STRING"):
            return Literal(token.value)
        if token.kind == "PUNCT" and token.text == "(":
            return self._nested(self._group)
        if token.kind == "PUNCT" and token.text == "$":
            self.expect(".")
            return self.path(self.advance())
        if token.kind == "NAME" and token.text in KEYWORDS:
            return Literal(KEYWORDS[token.text])
        if token.kind == "NAME" and self.at("("):
            return self._nested(lambda: self.call(token))
        return self.path(token)

    def _group(self) -> Node:
        node = self.expression()
        self.expect(")")
        return node

    def _nested(self, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionSyntaxError(f"expression nested deeper than {MAX_NESTING} levels")
        node = parse()
        self.depth -= 1
        return node

    def call(self, name: Token) -> Node:
        """The rest of NAME '(' args ')' for a known function taking exactly one argument."""
        if name.text not in FUNCTIONS:
            raise ExpressionSyntaxError(f"unknown function '{name.text}' at offset {name.start}")
        self.expect("(")
        args = [] if self.at(")") else [self.expression()]
        while self.at(","):
            self.advance()
            args.append(self.expression())
        self.expect(")")
        if len(args) != 1:
            raise ExpressionSyntaxError(f"{name.text}() takes 1 argument, got {len(args)}")
        return CallNode(name.text, FUNCTIONS[name.text], tuple(args))

    def path(self, root: Token) -> Node:
        """The rest of a variable path whose first name, `root`, must be a known variable."""
        if root.kind != "NAME":
            raise _unexpected(root)
        if root.text not in self.roots:
            raise ExpressionSyntaxError(f"unknown identifier '{root.text}' at offset {root.start}")
        segments: list[Segment] = [root.text]
        while self.at(".") or self.at("["):
            segments.append(self._member() if self.advance().text == "." else self._subscript())
        return VarNode(tuple(Index(s) if isinstance(s, int) else Prop(s) for s in segments))

    def _member(self) -> str:
        if self.token.kind != "NAME":
            raise self.unexpected()
        return self.advance().text

    def _subscript(self) -> Segment:
        token = self.token
        if token.kind == "STRING" or (token.kind == "NUMBER" and isinstance(token.value, int)):
            self.advance()
            self.expect("]")
            segment: str | int = token.value
            return segment
        raise self.unexpected()


def parse_template(text: str, roots: Collection[str]) -> tuple[str | Node, ...]:
    """Split `$template` text into literal text and parsed `${...}` expressions."""
    parts: list[str | Node] = []
    pos = 0
    while (start := text.find("${", pos)) >= 0:
        if start > pos:
            parts.append(text[pos:start])
        node, pos = _embedded(text, start + 2, roots)
        parts.append(node)
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def _embedded(text: str, pos: int, roots: Collection[str]) -> tuple[Node, int]:
    """Parse the expression after a `${` at `pos`; returns it and the offset after its `}`."""
    parser = Parser(Lexer(text, pos), roots)
    if parser.token.kind == "END":
        raise ExpressionSyntaxError("unterminated ${ expression")
    if parser.at("}"):
        raise ExpressionSyntaxError(f"empty ${{}} expression at offset {pos - 2}")
    try:
        node = parser.expression()
    except ExpressionSyntaxError:
        if parser.token.kind == "END":
            raise ExpressionSyntaxError("unterminated ${ expression") from None
        raise
    if parser.token.kind == "END":
        raise ExpressionSyntaxError("unterminated ${ expression")
    return node, parser.expect("}").end
