"""RFC 7636 (PKCE) and the `state` value: unguessable random strings and the S256 challenge. No I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from executor.errors import InvalidInput, StateMismatch

# RFC 7636 §4.1: code-verifier = 43*128unreserved; unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
UNRESERVED = string.ascii_letters + string.digits + "-._~"
MIN_VERIFIER_LENGTH = 43
MAX_VERIFIER_LENGTH = 128
DEFAULT_VERIFIER_LENGTH = 64  # 64 symbols of a 66-letter alphabet: about 387 bits of entropy


def create_code_verifier(length: int = DEFAULT_VERIFIER_LENGTH) -> str:
    """A fresh code verifier of `length` (43..128) unreserved characters from `secrets`."""
    if not MIN_VERIFIER_LENGTH <= length <= MAX_VERIFIER_LENGTH:
        raise ValueError(f"a code verifier has 43 to 128 characters, not {length}")
    return "".join(secrets.choice(UNRESERVED) for _ in range(length))


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def create_state() -> str:
    """An unguessable `state` (256 random bits, URL-safe) binding a redirect to the authorize call."""
    return secrets.token_urlsafe(32)


def check_state(expected: str | None, received: object, name: str = "state") -> None:
    """Refuse a redirect whose `name` differs from what authorize gave (STATE_MISMATCH), in
    constant time. A missing expected value is the caller's omission (INVALID_INPUT)."""
    if not expected:
        raise InvalidInput(f"input.state is required: pass the {name} that authorize returned")
    if not isinstance(received, str) or not received:
        raise StateMismatch(f"the provider's redirect carried no {name} (queryParameters.{name})")
    if not hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8")):
        raise StateMismatch(f"queryParameters.{name} does not match the {name} authorize returned")
