"""Text helpers of the vendor's formulas, ported and checked against it by the formula corpus:
`parse_name` (the npm package humanparser's `parseName`, first/last/middle name only) and
`parse_datetime` (V8's `Date.parse` for ISO 8601 text, the one date format JavaScript guarantees;
a date-time without an offset is UTC, as the vendor's engine sets TZ=UTC). Standard library only.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

_SALUTATIONS = ("mr", "master", "mister", "mrs", "miss", "ms", "dr", "prof", "rev", "fr", "judge", "honorable",
                "hon", "tuan", "sr", "srta", "br", "pr", "mx", "sra")
_SUFFIXES = ("i", "ii", "iii", "iv", "v", "senior", "junior", "jr", "sr", "phd", "apr", "rph", "pe", "md", "ma",
             "dmd", "cme", "qc", "kc")
_COMPOUND = ("vere", "von", "van", "de", "del", "della", "der", "den", "di", "da", "pietro", "vanden", "du", "st.",
             "st", "la", "lo", "ter", "bin", "ibn", "te", "ten", "op", "ben", "al")
# JavaScript's \s and \b, which differ from Python's on Unicode text
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_WORD = "A-Za-z0-9_"


def _plain(part: str) -> str:
    return part.lower().replace(".", "")


def parse_name(name: str) -> dict[str, str]:
    """humanparser.parseName(name): firstName, middleName, lastName (when found)."""
    text = name.strip(_JS_SPACE.replace("\u2000-\u200a", "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                                                           "\u2008\u2009\u200a"))
    text = re.sub(rf"(?<=[{_WORD}])[{_JS_SPACE}]+(,[{_JS_SPACE}]+)(?=[{_WORD}])", r"\1", text, count=1)
    text = re.sub(rf"(?<=[{_WORD}]),(?=[{_WORD}])", ", ", text, count=1)
    parts = re.findall(rf'[^{_JS_SPACE}"]+|"[^"]+"', text) or re.split(rf"[{_JS_SPACE}]+", text)
    parts = [p[1:-1] if len(p) >= 2 and p.startswith('"') and p.endswith('"') else p for p in parts]
    attrs: dict[str, str] = {}
    if not parts:
        return attrs
    if len(parts) == 1:
        attrs["firstName"] = parts[0]
    if len(parts) > 1 and _plain(parts[-1]) in _SUFFIXES:
        parts.pop()
        parts[-1] = parts[-1].replace(",", "", 1)
    if any("," in part for part in parts):
        last: list[str] = []
        first_index = len(parts)
        for index, part in enumerate(parts):
            if "," not in part:
                last.append(part)
                continue
            part = part.replace(",", "", 1)
            if _plain(part) not in _SUFFIXES:
                last.append(part)
            first_index = index + 1
            break
        attrs["lastName"] = " ".join(last)
        rest = parts[first_index:]
        if rest:
            attrs["firstName"] = rest[0]
        if len(rest) > 1:
            attrs["middleName"] = " ".join(rest[1:])
        return attrs
    if len(parts) > 1 and _plain(parts[0]) in _SALUTATIONS:
        parts.pop(0)
        if len(parts) == 1:
            attrs["lastName"] = parts.pop()
        else:
            attrs["firstName"] = parts.pop(0)
    else:
        attrs["firstName"] = parts.pop(0)
    if "lastName" not in attrs:
        attrs["lastName"] = parts.pop() if parts else ""
    compound: list[str] = []
    for part in reversed(parts):
        if _plain(part) not in _COMPOUND:
            break
        compound.append(part)
    if compound:
        attrs["lastName"] = " ".join(reversed(compound)) + " " + attrs["lastName"]
        # humanparser removes the words that occur exactly once across both lists (its `diff`)
        both = parts + compound
        parts = [p for p in both if both.count(p) == 1]
    if parts:
        attrs["middleName"] = " ".join(parts)
    return attrs


_ISO = re.compile(
    r"(?P<year>[+-]\d{6}|\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?\Z",
    re.ASCII,
)


def parse_datetime(value: Any) -> datetime.datetime | None:
    """`Date.parse(value)` for ISO 8601 text, as an aware UTC datetime; None when it is not one."""
    match = _ISO.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    year = int(match["year"])
    month, day = int(match["month"] or 1), int(match["day"] or 1)
    hour, minute = int(match["hour"] or 0), int(match["minute"] or 0)
    second = int(match["second"] or 0)
    millis = int((match["fraction"] or "0")[:3].ljust(3, "0"))
    if match["year"] == "-000000" or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if hour > 24 or minute > 59 or second > 59 or (hour == 24 and (minute or second or millis)):
        return None
    offset = 0
    zone = match["zone"]
    if zone and zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 23 or zone_minutes > 59:
            return None
        offset = (zone_hours * 60 + zone_minutes) * (1 if zone[0] == "+" else -1)
    if not 1 <= year <= 9999:
        return None  # years outside 1..9999 print as +/-YYYYYY; not reproduced
    # the day may run past the month's end (2024-02-30 is 2024-03-01), as V8's MakeDay allows
    start = datetime.datetime(year, month, 1, tzinfo=datetime.UTC)
    moment = start + datetime.timedelta(days=day - 1, hours=hour, minutes=minute - offset, seconds=second,
                                        milliseconds=millis)
    return moment if 1 <= moment.year <= 9999 else None


def iso_string(moment: datetime.datetime) -> str:
    """`Date.prototype.toISOString`: `YYYY-MM-DDTHH:mm:ss.sssZ`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
