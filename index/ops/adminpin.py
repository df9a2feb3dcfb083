"""The admin PIN: hashing for ``kiosk hash-pin`` and constant-time checking for the app.

Stored form (setting ``app.admin_pin_hash``): ``pbkdf2_sha256$<iterations>$<salt-hex>$<hash-hex>``.
The PIN itself is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

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


# -- wrong PINs: a growing delay, then a lockout ---------------------------------------------------

FREE_TRIES = 3  # wrong PINs before any delay
FIRST_DELAY_S = 5.0  # after the 3rd wrong PIN; doubled for each further one
MAX_DELAY_S = 120.0
LOCK_AFTER = 10  # wrong PINs in a row that lock the pad
LOCK_S = 300.0  # how long the pad stays locked


class PinGuard:
    """Counts wrong PINs in a row: after ``FREE_TRIES`` each next try waits longer
    (5 s, 10 s, 20 s … up to 2 minutes); after ``LOCK_AFTER`` the pad is locked for 5 minutes.
    A right PIN clears the count. After a lockout, one more wrong PIN locks again.

    ``now`` is injected (tests advance a fake clock); ``on_change(state)`` is called with the
    record to keep (``state()``) after every wrong or right PIN.
    """

    def __init__(self, now: Callable[[], float], *, wall: Callable[[], float] | None = None,
                 on_change: Callable[[dict[str, object]], None] | None = None) -> None:
        import time

        self.now = now
        self.wall = wall or time.time
        self.on_change = on_change
        self.failures = 0
        self.next_try_at = 0.0
        self.locked_until = 0.0
        self.locked_until_wall = 0.0

    def wait_s(self) -> float:
        """Seconds before the next PIN is accepted (0: now)."""
        return max(0.0, max(self.next_try_at, self.locked_until) - self.now())

    def locked(self) -> bool:
        return self.locked_until > self.now()

    def failed(self) -> None:
        self.failures += 1
        now = self.now()
        if self.failures >= LOCK_AFTER:
            self.locked_until = now + LOCK_S
            self.locked_until_wall = self.wall() + LOCK_S
            self.failures = LOCK_AFTER - 1  # the next wrong PIN after the lockout locks again
        elif self.failures >= FREE_TRIES:
            self.next_try_at = now + min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (self.failures - FREE_TRIES))
        self._changed()

    def succeeded(self) -> None:
        self.failures = 0
        self.next_try_at = self.locked_until = self.locked_until_wall = 0.0
        self._changed()

    def state(self) -> dict[str, object]:
        """What staff see in the status file: wrong PINs in a row, locked until (Unix time, or 0)."""
        locked = self.locked_until_wall if self.locked() else 0.0
        return {"failures_in_row": self.failures if not locked else LOCK_AFTER, "locked_until": locked,
                "at": self.wall()}

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.state())
