"""Encryption at rest for what a shared store holds: AES-256-GCM (cryptography) with keys derived by HKDF.

From one shared secret (CONNECTOR_EXECUTOR_STORE_KEY) come two keys: one encrypts values (stored
job results carry credentials), one names things by HMAC (scopes and request fingerprints, which are
digests of bodies holding secrets, are never written as plain hashes that could be guessed offline).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"connector-executor store", info=purpose).derive(
        secret.encode())


class Sealer:
    """Seals and opens values bound to the store key they live under; names scopes and fingerprints."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(_derive(secret, b"v1 values"))
        self._names = _derive(secret, b"v1 names")

    def name(self, text: str) -> str:
        """A keyed digest of `text` (64 hex digits)."""
        return hmac.new(self._names, text.encode(), hashlib.sha256).hexdigest()

    def seal(self, value: bytes, where: bytes) -> bytes:
        """Nonce + ciphertext + tag; `where` (the Redis key) is authenticated, so a value moved elsewhere fails."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, value, where)

    def open(self, sealed: bytes, where: bytes) -> bytes | None:
        """The value, or None when it was not sealed by this key for this place."""
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], where)
        except (InvalidTag, ValueError):
            return None
