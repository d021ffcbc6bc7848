"""Sealing of what the shared store keeps: tampered, moved or foreign records never open; names are keyed."""

from __future__ import annotations

import pytest

from executor.server.store import MIN_STORE_KEY_CHARS, check_store_settings
from executor.server.store.sealing import Sealer

KEY = "k" * MIN_STORE_KEY_CHARS


def test_a_sealed_value_opens_only_where_and_with_the_key_it_was_sealed_with() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(b'{"accessToken": "at-1"}', b"cx:{a}:done")
    assert b"at-1" not in sealed
    assert sealer.open(sealed, b"cx:{a}:done") == b'{"accessToken": "at-1"}'
    assert sealer.open(sealed, b"cx:{b}:done") is None  # moved under another key
    assert Sealer(KEY + "x").open(sealed, b"cx:{a}:done") is None  # another store key
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    assert sealer.open(bytes(flipped), b"cx:{a}:done") is None  # tampered
    assert sealer.open(b"short", b"cx:{a}:done") is None
    assert sealer.seal(b"same", b"w") != sealer.seal(b"same", b"w")  # a fresh nonce each time


def test_names_are_keyed_digests() -> None:
    assert Sealer(KEY).name("conn-1") == Sealer(KEY).name("conn-1")
    assert Sealer(KEY).name("conn-1") != Sealer(KEY + "x").name("conn-1")
    assert "conn-1" not in Sealer(KEY).name("conn-1")


@pytest.mark.parametrize(("url", "key", "error"), [
    ("redis://127.0.0.1:6379/0", None, "CONNECTOR_EXECUTOR_STORE_KEY"),
    ("redis://127.0.0.1:6379/0", "x" * (MIN_STORE_KEY_CHARS - 1), "32 characters"),
    ("mongodb://db", KEY, "unknown store"),
])
def test_store_settings_that_serve_refuses(url: str, key: str | None, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        check_store_settings(url, key)


def test_store_settings_accepted() -> None:
    assert check_store_settings(None, None) == "memory"
    assert check_store_settings("redis://127.0.0.1:6379/0", KEY) == "redis"
