"""The admin PIN: hashing for ``kiosk hash-pin`` and constant-time checking for the app.

Stored form (setting ``app.admin_pin_hash``): ``pbkdf2_sha256$<iterations>$<salt-hex>$<hash-hex>``.
The PIN itself is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 200_000
MIN_PIN_LENGTH = 4


class PinFormatError(ValueError):
    """The stored hash is not ``pbkdf2_sha256$iterations$salt$hash``."""


def hash_pin(pin: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """Return the storable hash of ``pin`` (digits only, at least MIN_PIN_LENGTH of them)."""
    if not pin.isdigit() or len(pin) < MIN_PIN_LENGTH:
        raise ValueError(f"the PIN must be at least {MIN_PIN_LENGTH} digits")
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def parse_pin_hash(stored: str) -> tuple[int, bytes, bytes]:
    """Split a stored hash into (iterations, salt, digest); raise PinFormatError if malformed."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        raise PinFormatError(f"expected '{ALGORITHM}$<iterations>$<salt-hex>$<hash-hex>'")
    try:
        iterations = int(parts[1])
        salt = bytes.fromhex(parts[2])
        digest = bytes.fromhex(parts[3])
    except ValueError as exc:
        raise PinFormatError(f"malformed admin PIN hash: {exc}") from exc
    if iterations < 1 or not salt or len(digest) != 32:
        raise PinFormatError("malformed admin PIN hash: bad iterations, salt or digest length")
    return iterations, salt, digest


def verify_pin(pin: str, stored: str) -> bool:
    """True if ``pin`` matches ``stored``. An empty or malformed ``stored`` never matches."""
    if not stored or not pin:
        return False
    try:
        iterations, salt, expected = parse_pin_hash(stored)
    except PinFormatError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)
