"""docs/limits.md is the table of executor.limits.LIMITS and of serve's settings: the two never disagree."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from executor.limits import LIMITS
from executor.server.config import ServerConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "limits.md"
ROW = re.compile(r"^\| `([a-z_.]+)` \| ([0-9.]+)\b", re.MULTILINE)


def flattened(value: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        if dataclasses.is_dataclass(item):
            out.update(flattened(item, f"{prefix}{f.name}."))
        else:
            out[f"{prefix}{f.name}"] = item
    return out


@pytest.fixture(scope="module")
def documented() -> dict[str, str]:
    if not DOC.exists():
        pytest.fail("docs/limits.md is missing")
    return dict(ROW.findall(DOC.read_text(encoding="utf-8")))


def test_every_limit_is_in_the_table_with_its_value(documented: dict[str, str]) -> None:
    limits = flattened(LIMITS)
    assert set(limits) <= set(documented), "limits missing from docs/limits.md"
    for name, value in limits.items():
        assert float(documented[name]) == value, name


def test_every_setting_of_serve_with_a_numeric_default_is_in_the_table(documented: dict[str, str]) -> None:
    config = ServerConfig()
    names = {"max_body_bytes", "max_timeout_ms", "jobs_per_worker", "queue_size", "idempotency_ttl",
             "idempotency_max_entries", "shutdown_grace", "worker_start_timeout", "memory_budget_mb",
             "lease_seconds", "refresh_retention", "header_timeout", "body_timeout", "idle_timeout",
             "max_connections"}
    for name in names:
        assert float(documented[name]) == getattr(config, name), name


def test_the_table_names_nothing_that_does_not_exist(documented: dict[str, str]) -> None:
    known = set(flattened(LIMITS)) | {f.name for f in dataclasses.fields(ServerConfig)}
    assert set(documented) <= known
