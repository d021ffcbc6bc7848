"""The one body decoder: how the job reads a request or response body (JSON, form fields or text).

Token responses (executor.oauth), secret learning (executor.secrets), recording and replay
(executor.replay) all read bodies through `decode_body`, so they agree on what a body holds.
Imports nothing from the project.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
_FORM_TEXT = re.compile(r"[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*")


def media_type(content_type: str | None) -> str:
    """`application/json` of `Application/JSON; charset=utf-8`."""
    return (content_type or "").split(";")[0].strip().lower()


def decode_body(body: bytes | None, content_type: str | None) -> Any:
    """A body as JSON, form fields or text; None when empty or not UTF-8.

    Form fields when typed as a form (and holding a `=`, else read as below); HTML stays text (an
    error page, not a token response); otherwise JSON when it parses, whatever the type says
    (untyped and mistyped JSON is common among token endpoints), then form fields when it looks
    like `a=1&b=2` and is not typed JSON, else the text.
    """
    if not body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    kind = media_type(content_type)
    looks_like_form = _FORM_TEXT.fullmatch(text.strip()) is not None
    if kind == FORM and "=" in text:  # typed: read even when a provider left raw spaces in it
        return form_fields(text.strip())
    if kind == "text/html":
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    if looks_like_form and not kind.endswith("json"):
        return form_fields(text.strip())
    return text


def form_fields(text: str) -> dict[str, Any]:
    """Form fields in order; a repeated field becomes a list of its values."""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = value
    return fields
