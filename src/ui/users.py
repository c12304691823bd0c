"""The HR users who may sign in to the UI's HR part (`/rh/`): `UI_USERS`, never a default.

Each entry is `name:pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`, comma-separated; the
environment holds no password. `python -m src.ui.users <name>` asks for a password and prints
the entry to add. A sign-in is checked in constant time, and an unknown name costs the same
hashing as a known one, so neither timing nor errors tell which names exist.
"""

import argparse
import getpass
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from anyio import to_thread
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

logger = logging.getLogger(__name__)

SCHEME = "pbkdf2_sha256"
ITERATIONS = 200_000
#: Failed sign-ins hashed per minute, all names together: each costs about 50 ms of a core
#: (on a worker thread, never on the event loop). Past it, a sign-in is refused without
#: hashing until the minute has passed. The gate (`src/ui/gate.py`) also limits sign-in
#: attempts per client address, so one client cannot use this budget up alone.
FAILED_SIGN_INS = "300/minute"


@dataclass(frozen=True)
class _Hashed:
    iterations: int
    salt: bytes
    digest: bytes

    def matches(self, password: str) -> bool:
        candidate = _derive(password, self.salt, self.iterations)
        return hmac.compare_digest(candidate, self.digest)


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """The stored form of `password`, with a salt of its own."""
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def _parse(entry: str) -> tuple[str, _Hashed]:
    name, _, stored = entry.strip().partition(":")
    scheme, iterations, salt, digest = stored.split("$")
    if not name or scheme != SCHEME:
        raise ValueError(f"UI_USERS: expected name:{SCHEME}$..., got an entry for {name!r}")
    return name, _Hashed(int(iterations), bytes.fromhex(salt), bytes.fromhex(digest))


class UiUsers:
    """Built once from `UI_USERS`; `check` is Gradio's sign-in callback."""

    def __init__(self, configured: str) -> None:
        entries = [entry for entry in configured.split(",") if entry.strip()]
        try:
            self._users = dict(_parse(entry) for entry in entries)
        except ValueError as err:
            raise ValueError(f"UI_USERS cannot be read: {err}") from None
        self._decoy = _Hashed(ITERATIONS, secrets.token_bytes(16), secrets.token_bytes(32))
        self._failures = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._failure_limit = parse(FAILED_SIGN_INS)

    def __bool__(self) -> bool:
        return bool(self._users)

    async def check(self, name: str, password: str) -> bool:
        """Gradio awaits it: the hashing runs on a worker thread (hashlib releases the GIL),
        so a burst of sign-ins does not stall the other requests."""
        if not self._failures.test(self._failure_limit, "sign-in"):
            logger.warning("sign-in refused unchecked: over %s failed sign-ins", FAILED_SIGN_INS)
            return False
        hashed = self._users.get(name, self._decoy)
        accepted = await to_thread.run_sync(hashed.matches, password) and name in self._users
        if not accepted:
            self._failures.hit(self._failure_limit, "sign-in")
        return accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a UI_USERS entry for a new HR user.")
    parser.add_argument("name")
    args = parser.parse_args(argv)
    password = getpass.getpass(f"password for {args.name}: ")
    if len(password) < 12:
        parser.error("use at least 12 characters")
    print(f"{args.name}:{hash_password(password)}")  # noqa: T201 (the command's output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
