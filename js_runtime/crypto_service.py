"""The 'crypto' service: `crypto.subtle`'s key operations (importKey, exportKey, sign, verify), done
by Python's `cryptography` package for the script, with Node 20's Web Crypto semantics.

crypto.js asks `host.call('crypto', {op, ...})`; the session calls `serve_crypto(payload)` on the
event loop. Key material travels as base64 DER (PKCS#8 private, SPKI public) or raw HMAC bytes
and is held by the script; nothing here keeps or logs it. Failures are answered as
`{"error": {"name", "message"}}` (a DOMException name): they reject the script's promise rather than
end the job, and no message carries key material. Imports: the standard library and cryptography.
"""

from __future__ import annotations

import base64
import hmac
import math
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA-1": hashes.SHA1, "SHA-256": hashes.SHA256, "SHA-384": hashes.SHA384, "SHA-512": hashes.SHA512,
}
_CURVES: dict[str, type[ec.EllipticCurve]] = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}
_CURVE_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66}
_RSA = ("RSASSA-PKCS1-v1_5", "RSA-PSS")
_JWK_ALG = {"RSASSA-PKCS1-v1_5": "RS", "RSA-PSS": "PS", "HMAC": "HS"}

# Signing runs on the event loop: keys past RSA-8192 (Node allows 16384) are refused so that one call
# stays in the tens of milliseconds. A PKCS#8 RSA-8192 key is ~4.8 kB of DER.
MAX_KEY_DER_BYTES = 5200
MAX_JWK_FIELD_CHARS = 1400  # base64url of 1024 bytes (an 8192-bit modulus) and a little more

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class WebCryptoError(Exception):
    """A Web Crypto failure the script sees as a DOMException with this name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def crypto_service(on_secret: Callable[[list[str]], None] | None = None) -> Callable[[Any], dict[str, Any]]:
    """The service, telling `on_secret` the spellings of every private or secret key the script imports
    (base64 DER and its 64-character PEM lines, JWK private members, raw secrets as base64 and text), so
    the job can add them to its secrets and redact them wherever they would be written."""
    def serve(payload: Any) -> dict[str, Any]:
        answer = serve_crypto(payload)
        if on_secret is not None and answer.get("type") in ("private", "secret"):
            on_secret(_secret_spellings(payload, answer))
        return answer
    return serve


def _secret_spellings(payload: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    material = str(answer["material"])
    out = [material, *(material[i:i + 64] for i in range(0, len(material), 64))]
    key_data = payload.get("keyData")
    if isinstance(key_data, str):
        out.append(key_data)
    elif isinstance(key_data, dict):
        out.extend(str(key_data[f]) for f in ("d", "p", "q", "dp", "dq", "qi", "k") if isinstance(key_data.get(f), str))
    if answer["type"] == "secret":
        raw = base64.b64decode(material)
        out.append(_b64url(raw))
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return [value for value in dict.fromkeys(out) if len(value) >= 4]


def serve_crypto(payload: Any) -> dict[str, Any]:
    """Answer one crypto.subtle request from the script."""
    try:
        if not isinstance(payload, dict):
            raise TypeError
        op = payload.get("op")
        if op == "importKey":
            return _import_key(payload)
        if op == "exportKey":
            return _export_key(payload)
        if op == "sign":
            return _sign(payload)
        if op == "verify":
            return _verify(payload)
        raise WebCryptoError("NotSupportedError", "Unrecognized operation")
    except WebCryptoError as exc:
        return {"error": {"name": exc.name, "message": str(exc)}}
    except (KeyError, TypeError, ValueError, AttributeError, UnsupportedAlgorithm, OverflowError):
        # Shapes crypto.js never sends (a script called host.call itself) or data the library refused.
        return {"error": {"name": "DataError", "message": "Invalid keyData"}}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError
    return base64.b64decode(text, validate=True)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: Any) -> bytes:
    if not isinstance(text, str):
        raise WebCryptoError("DataError", "Invalid keyData")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int(text: Any) -> int:
    return int.from_bytes(_unb64url(text), "big")


def _hash_name(algorithm: dict[str, Any]) -> str:
    hash_ = algorithm.get("hash")
    name = hash_.get("name") if isinstance(hash_, dict) else None
    if name not in _HASHES:
        raise WebCryptoError("NotSupportedError", "Unrecognized algorithm name")
    return str(name)


def _check_usages(usages: Any, allowed: set[str], what: str) -> list[str]:
    if not isinstance(usages, list) or not all(isinstance(u, str) for u in usages):
        raise TypeError
    if not set(usages) <= allowed:
        raise WebCryptoError("SyntaxError", f"Unsupported key usage for {what}")
    return list(dict.fromkeys(usages))


# ---- importKey ----

def _import_key(payload: dict[str, Any]) -> dict[str, Any]:
    algorithm = payload["algorithm"]
    name = algorithm["name"]
    if name == "HMAC":
        return _import_hmac(payload, algorithm)
    if name in _RSA:
        return _import_rsa(payload, algorithm, name)
    if name == "ECDSA":
        return _import_ec(payload, algorithm)
    raise WebCryptoError("NotSupportedError", "Unrecognized algorithm name")


def _answer(kind: str, algorithm: dict[str, Any], material: bytes, payload: dict[str, Any],
            usages: list[str]) -> dict[str, Any]:
    return {"type": kind, "algorithm": algorithm, "material": _b64(material),
            "extractable": bool(payload.get("extractable")), "usages": usages}


def _import_hmac(payload: dict[str, Any], algorithm: dict[str, Any]) -> dict[str, Any]:
    hash_name = _hash_name(algorithm)
    usages = _check_usages(payload["usages"], {"sign", "verify"}, "an HMAC key")
    fmt = payload["format"]
    if fmt == "raw":
        secret = _unb64(payload["keyData"])
    elif fmt == "jwk":
        jwk = _jwk(payload)
        if jwk.get("kty") != "oct":
            raise WebCryptoError("DataError", "Invalid JWK \"kty\" Parameter")
        secret = _unb64url(jwk.get("k"))
    else:
        raise WebCryptoError("NotSupportedError", f"Unable to import HMAC key with format {fmt}")
    if not secret:
        raise WebCryptoError("DataError", "Zero-length key is not supported")
    if not usages:
        raise WebCryptoError("SyntaxError", "Usages cannot be empty when importing a secret key.")
    length = algorithm.get("length")
    bits = len(secret) * 8 if length is None else int(length)
    if bits == 0 or bits > len(secret) * 8 or bits <= (len(secret) - 1) * 8:
        raise WebCryptoError("DataError", "Invalid key length")
    return _answer("secret", {"name": "HMAC", "hash": {"name": hash_name}, "length": bits}, secret, payload, usages)


def _jwk(payload: dict[str, Any]) -> dict[str, Any]:
    jwk = payload["keyData"]
    if not isinstance(jwk, dict):
        raise WebCryptoError("DataError", "Invalid keyData")
    if any(isinstance(v, str) and len(v) > MAX_JWK_FIELD_CHARS for k, v in jwk.items() if k != "k"):
        raise WebCryptoError("NotSupportedError", "Keys larger than RSA-8192 are not supported")
    return jwk


def _load_der(payload: dict[str, Any]) -> PrivateKey | PublicKey:
    data = _unb64(payload["keyData"])
    if len(data) > MAX_KEY_DER_BYTES:
        raise WebCryptoError("NotSupportedError", "Keys larger than RSA-8192 are not supported")
    try:
        if payload["format"] == "pkcs8":
            key: Any = serialization.load_der_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise WebCryptoError("DataError", "Invalid keyData") from None
    if not isinstance(key, PrivateKey | PublicKey):
        raise WebCryptoError("DataError", "Invalid key type")
    if isinstance(key, rsa.RSAPrivateKey):
        _check_rsa(key.private_numbers())
    return key


def _check_rsa(numbers: rsa.RSAPrivateNumbers) -> None:
    """The consistency checks that matter for signing, in place of OpenSSL's RSA_check_key, whose
    primality tests cost seconds for a 4096-bit key (~10 s for 8192 bits) on every import."""
    p, q, d, n = numbers.p, numbers.q, numbers.d, numbers.public_numbers.n
    if (p * q != n or p < 3 or q < 3 or numbers.dmp1 != d % (p - 1) or numbers.dmq1 != d % (q - 1)
            or numbers.iqmp * q % p != 1 or d * numbers.public_numbers.e % math.lcm(p - 1, q - 1) != 1):
        raise WebCryptoError("DataError", "Invalid keyData")


def _rsa_from_jwk(jwk: dict[str, Any]) -> PrivateKey | PublicKey:
    if jwk.get("kty") != "RSA":
        raise WebCryptoError("DataError", "Invalid JWK \"kty\" Parameter")
    try:
        public = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"]))
        if "d" not in jwk:
            return public.public_key()
        numbers = rsa.RSAPrivateNumbers(_int(jwk["p"]), _int(jwk["q"]), _int(jwk["d"]), _int(jwk["dp"]),
                                        _int(jwk["dq"]), _int(jwk["qi"]), public)
        _check_rsa(numbers)
        return numbers.private_key(unsafe_skip_rsa_key_validation=True)
    except (KeyError, ValueError):
        raise WebCryptoError("DataError", "Invalid keyData") from None


def _import_rsa(payload: dict[str, Any], algorithm: dict[str, Any], name: str) -> dict[str, Any]:
    hash_name = _hash_name(algorithm)
    fmt = payload["format"]
    if fmt in ("pkcs8", "spki"):
        key = _load_der(payload)
    elif fmt == "jwk":
        key = _rsa_from_jwk(_jwk(payload))
    else:
        raise WebCryptoError("NotSupportedError", f"Unable to import RSA key with format {fmt}")
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        raise WebCryptoError("DataError", "Invalid key type")
    is_private = isinstance(key, rsa.RSAPrivateKey)
    usages = _check_usages(payload["usages"], {"sign"} if is_private else {"verify"}, f"an {name} key")
    numbers = key.public_key().public_numbers() if isinstance(key, rsa.RSAPrivateKey) else key.public_numbers()
    exponent = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    described = {"name": name, "modulusLength": numbers.n.bit_length(), "publicExponent": _b64(exponent),
                 "hash": {"name": hash_name}}
    return _answer("private" if is_private else "public", described, _der(key), payload, usages)


def _ec_from_jwk(jwk: dict[str, Any], curve_name: str) -> PrivateKey | PublicKey:
    if jwk.get("kty") != "EC":
        raise WebCryptoError("DataError", "Invalid JWK \"kty\" Parameter")
    if jwk.get("crv") != curve_name:
        raise WebCryptoError("DataError", "JWK \"crv\" does not match the requested algorithm")
    size = _CURVE_BYTES[curve_name]
    x, y = _unb64url(jwk.get("x")), _unb64url(jwk.get("y"))
    if len(x) != size or len(y) != size:
        raise WebCryptoError("DataError", "Invalid keyData")
    try:
        public = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                               _CURVES[curve_name]())
        if "d" not in jwk:
            return public.public_key()
        return ec.EllipticCurvePrivateNumbers(_int(jwk["d"]), public).private_key()
    except ValueError:
        raise WebCryptoError("DataError", "Invalid keyData") from None


def _import_ec(payload: dict[str, Any], algorithm: dict[str, Any]) -> dict[str, Any]:
    curve_name = algorithm.get("namedCurve")
    if curve_name not in _CURVES:
        raise WebCryptoError("NotSupportedError", "Unrecognized namedCurve")
    fmt = payload["format"]
    key: PrivateKey | PublicKey
    if fmt in ("pkcs8", "spki"):
        key = _load_der(payload)
    elif fmt == "jwk":
        key = _ec_from_jwk(_jwk(payload), curve_name)
    elif fmt == "raw":
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve_name](), _unb64(payload["keyData"]))
        except ValueError:
            raise WebCryptoError("DataError", "Invalid keyData") from None
    else:
        raise WebCryptoError("NotSupportedError", f"Unable to import EC key with format {fmt}")
    if not isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        raise WebCryptoError("DataError", "Invalid key type")
    if key.curve.name != _CURVES[curve_name]().name:
        raise WebCryptoError("DataError", "Named curve mismatch")
    is_private = isinstance(key, ec.EllipticCurvePrivateKey)
    usages = _check_usages(payload["usages"], {"sign"} if is_private else {"verify"}, "an ECDSA key")
    return _answer("private" if is_private else "public", {"name": "ECDSA", "namedCurve": curve_name},
                   _der(key), payload, usages)


def _der(key: PrivateKey | PublicKey) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# ---- keys held by the script ----

def _key(payload: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The script's key record and its loaded key (bytes for HMAC)."""
    record = payload["key"]
    material = _unb64(record["material"])
    if record["type"] == "secret":
        return record, material
    if record["type"] == "private":
        # Validated when imported; checking an RSA key's primes again on every call costs more than
        # the signature. A record the script forged itself can only spoil its own signatures.
        return record, serialization.load_der_private_key(material, password=None, unsafe_skip_rsa_key_validation=True)
    return record, serialization.load_der_public_key(material)


def _export_key(payload: dict[str, Any]) -> dict[str, Any]:
    record, key = _key(payload)
    fmt, name = payload["format"], record["algorithm"]["name"]
    if fmt == "jwk":
        return {"jwk": _to_jwk(record, key)}
    if record["type"] == "secret":
        if fmt != "raw":
            raise WebCryptoError("NotSupportedError", f"Unable to export a {fmt} HMAC key")
        return {"base64": _b64(key)}
    if fmt == "raw" and record["type"] == "public" and isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"base64": _b64(point)}
    if (fmt, record["type"]) in (("pkcs8", "private"), ("spki", "public")):
        return {"base64": record["material"]}
    raise WebCryptoError("InvalidAccessError", f"Unable to export a {fmt} {name} {record['type']} key")


def _to_jwk(record: dict[str, Any], key: Any) -> dict[str, Any]:
    algorithm = record["algorithm"]
    out: dict[str, Any] = {"key_ops": record["usages"], "ext": True}
    if record["type"] == "secret":
        out.update(kty="oct", k=_b64url(key), alg=f"HS{algorithm['hash']['name'][4:]}")
        return out
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        size = _CURVE_BYTES[algorithm["namedCurve"]]
        pub = key.public_key().public_numbers() if isinstance(key, ec.EllipticCurvePrivateKey) else key.public_numbers()
        out.update(kty="EC", x=_b64url(pub.x.to_bytes(size, "big")), y=_b64url(pub.y.to_bytes(size, "big")),
                   crv=algorithm["namedCurve"])
        if isinstance(key, ec.EllipticCurvePrivateKey):
            out["d"] = _b64url(key.private_numbers().private_value.to_bytes(size, "big"))
        return out
    def b(n: int) -> str:
        return _b64url(n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big"))
    pub_rsa = key.public_key().public_numbers() if isinstance(key, rsa.RSAPrivateKey) else key.public_numbers()
    out.update(kty="RSA", n=b(pub_rsa.n), e=b(pub_rsa.e))
    if isinstance(key, rsa.RSAPrivateKey):
        p = key.private_numbers()
        out.update(d=b(p.d), p=b(p.p), q=b(p.q), dp=b(p.dmp1), dq=b(p.dmq1), qi=b(p.iqmp))
    hash_bits = algorithm["hash"]["name"][4:]
    out["alg"] = f"{_JWK_ALG[algorithm['name']]}{1 if hash_bits == '1' else hash_bits}"
    return out


# ---- sign and verify ----

def _signature_scheme(algorithm: dict[str, Any], record: dict[str, Any]) -> tuple[str, Any]:
    name = algorithm["name"]
    if name == "ECDSA":
        return name, _hash_name(algorithm)
    hash_name = _hash_name(record["algorithm"])
    if name == "RSA-PSS":
        salt = algorithm.get("saltLength")
        if not isinstance(salt, int) or isinstance(salt, bool) or salt < 0:
            raise WebCryptoError("OperationError", "Invalid saltLength")
        return name, padding.PSS(mgf=padding.MGF1(_HASHES[hash_name]()), salt_length=salt)
    return name, hash_name


def _hmac(record: dict[str, Any], key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, _hash_name(record["algorithm"]).replace("-", "").lower()).digest()


def _sign(payload: dict[str, Any]) -> dict[str, Any]:
    record, key = _key(payload)
    data = _unb64(payload["data"])
    algorithm = payload["algorithm"]
    if record["type"] == "secret":
        return {"base64": _b64(_hmac(record, key, data))}
    name, scheme = _signature_scheme(algorithm, record)
    if name == "ECDSA":
        der = key.sign(data, ec.ECDSA(_HASHES[scheme]()))
        r, s = decode_dss_signature(der)
        size = _CURVE_BYTES[record["algorithm"]["namedCurve"]]
        return {"base64": _b64(r.to_bytes(size, "big") + s.to_bytes(size, "big"))}
    hash_ = _HASHES[_hash_name(record["algorithm"])]()
    if name == "RSA-PSS":
        try:
            return {"base64": _b64(key.sign(data, scheme, hash_))}
        except ValueError:
            raise WebCryptoError("OperationError", "Invalid saltLength") from None
    return {"base64": _b64(key.sign(data, padding.PKCS1v15(), hash_))}


def _verify(payload: dict[str, Any]) -> dict[str, Any]:
    record, key = _key(payload)
    data, signature = _unb64(payload["data"]), _unb64(payload["signature"])
    algorithm = payload["algorithm"]
    if record["type"] == "secret":
        return {"valid": hmac.compare_digest(_hmac(record, key, data), signature)}
    name, scheme = _signature_scheme(algorithm, record)
    try:
        if name == "ECDSA":
            size = _CURVE_BYTES[record["algorithm"]["namedCurve"]]
            if len(signature) != 2 * size:
                return {"valid": False}
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_HASHES[scheme]()))
        else:
            hash_ = _HASHES[_hash_name(record["algorithm"])]()
            key.verify(signature, data, scheme if name == "RSA-PSS" else padding.PKCS1v15(), hash_)
    except InvalidSignature:
        return {"valid": False}
    return {"valid": True}
