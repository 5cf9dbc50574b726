"""Who may sign in, and checking a password without telling an attacker anything.

Two ways in, both configured in .streamlit/secrets.toml:
- `[auth]` (Streamlit's st.login, an OIDC provider): the provider checks the person; `[pulse.roles]`
  maps their email to a role (`manager = ["ana@example.org", "*@example.org"]`).
- `[pulse.accounts]`: built-in accounts, `"ana@example.org" = {role = "manager", password_hash = "…"}`
  with Argon2id hashes from `python cli.py user hash-password` (never the password itself).

A wrong password and an unknown address get the same answer after the same minimum time, and five
failures within 15 minutes lock that address (known or not) for the rest of those minutes, counted in
the app store so every server process sees them. An attempt is counted before its password is
checked, under the address's lock, so simultaneous attempts cannot slip past the count.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from auth.access import Role
from errors import PulseError, Said
from store import tables
from store.database import AppStore
from store.keys import inserted_id

HASHER = PasswordHasher()  # Argon2id with the library's current parameters
DUMMY_HASH = HASHER.hash("not a password anyone has")  # unknown addresses are checked against it
MAX_FAILURES = 5
MAX_ADDRESS = 320  # the longest email address (RFC 5321), and the store's column
LOCK_MINUTES = 15
MIN_ANSWER_SECONDS = 1.0
WRONG = "Wrong email or password."
# Argon2id holds 64 MiB while it checks: a burst of sign-ins waits for one of a few slots rather than
# taking a process's memory (per process; a deployment with N processes checks at most N × HASH_CHECKS).
HASH_CHECKS = 2
HASH_SLOTS = threading.BoundedSemaphore(HASH_CHECKS)
SLOT_WAIT_SECONDS = 10.0
BUSY = "Too many sign-ins at once. Try again in a moment."


class SignInRefused(PulseError):
    """Raised when a sign-in is refused (wrong email or password, or the address is locked);
    `user_message` says why without saying which part was wrong (in English, for logs), `key` and
    `values` say it through the catalog."""

    key = "sign_in.wrong"


class Busy(SignInRefused):
    """Raised when no password check could start in time; the attempt is not counted."""


@dataclass(frozen=True)
class Account:
    email: str
    role: Role
    password_hash: str = ""


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def _role(value: Any, where: str) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise ValueError(Said("error.settings.role", where=where, role=repr(value), roles=", ".join(Role))) from None


def load_accounts(section: Any) -> dict[str, Account]:
    """[pulse.accounts] as accounts by lower-cased email; raises ValueError naming a bad entry (its
    argument a Said, for SettingsError)."""
    accounts: dict[str, Account] = {}
    for email, entry in (section or {}).items():
        where = f"[pulse.accounts] {email}"
        if not isinstance(entry, dict) or not str(entry.get("password_hash", "")).startswith("$argon2"):
            raise ValueError(Said("error.settings.account", where=where))
        accounts[email.strip().lower()] = Account(
            email.strip().lower(), _role(entry.get("role"), where), entry["password_hash"]
        )
    return accounts


def _domain(address: str) -> str | None:
    """The domain of a whole, plain address (one @, something on each side, no spaces); else None."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or "@" in local or any(char.isspace() for char in address):
        return None
    return domain


def _fits(address: str, pattern: str) -> bool:
    """An exact address, or `*@domain` for every address at that domain (not a@b@domain, not
    sub.domain): the whole address is compared, no other wildcard is read."""
    wanted = pattern.strip().lower()
    wildcards = [char for char in "*?[" if char in wanted.removeprefix("*@")]
    if wanted.startswith("*@") and not wildcards:
        return _domain(address) == wanted[2:]
    if wildcards or wanted.startswith("*"):
        raise ValueError(Said("error.settings.role_pattern", pattern=repr(pattern)))
    return address == wanted


def role_for_email(email: str, roles: Any) -> Role | None:
    """The highest role whose [pulse.roles] list names the email or its domain (`*@example.org`)."""
    address = email.strip().lower()
    if _domain(address) is None:
        return None
    for role in (Role.ADMIN, Role.MANAGER, Role.VIEWER):
        patterns = (roles or {}).get(role.value, [])
        if any(_fits(address, str(pattern)) for pattern in patterns):
            return role
    return None


def _recent_failures(connection: Connection, email: str, now: datetime) -> list[datetime]:
    failures = tables.sign_in_failures
    since = now - timedelta(minutes=LOCK_MINUTES)
    found = connection.execute(
        sa.select(failures.c.at).where(failures.c.email == email, failures.c.at > since).order_by(failures.c.at)
    )
    return [stamp for (stamp,) in found]


def _reserve_attempt(app_store: AppStore, email: str, now: datetime) -> int:
    """Count this attempt as a failure before the password is checked, and return its row (a
    success deletes it); SignInRefused when the address is locked.

    Counting and recording are one step under the address's row lock (PostgreSQL locks the row the
    UPDATE touches until commit; SQLite takes its write lock at BEGIN IMMEDIATE), so fifty attempts
    at once see each other: at most MAX_FAILURES passwords are checked per window, whatever the
    concurrency, across threads and processes."""
    try:
        return _count_attempt(app_store, email, now)
    except sa.exc.IntegrityError:  # another attempt made the address's row first: its lock is there now
        return _count_attempt(app_store, email, now)


def _count_attempt(app_store: AppStore, email: str, now: datetime) -> int:
    locks = tables.sign_in_locks
    with app_store.begin() as connection:
        if not connection.execute(locks.update().where(locks.c.email == email).values(touched_at=now)).rowcount:
            connection.execute(locks.insert().values(email=email, touched_at=now))  # holds the new key's lock
        failures = _recent_failures(connection, email, now)
        if len(failures) >= MAX_FAILURES:
            wait = failures[-MAX_FAILURES] + timedelta(minutes=LOCK_MINUTES) - now
            minutes = max(1, round(wait.total_seconds() / 60))
            raise SignInRefused(
                f"Too many failed attempts for this address. Try again in {minutes} minutes.",
                "sign_in.locked",
                minutes=minutes,
            )
        return inserted_id(connection.execute(tables.sign_in_failures.insert().values(email=email, at=now)))


def forget_old_attempts(app_store: AppStore, now: datetime) -> None:
    """Delete what no check reads any more: failures older than the lock window, and the rows of
    addresses not tried within it (so a spray over many addresses does not grow the store for ever).
    Its own transaction: an attempt meanwhile finds its row gone and makes it again."""
    since = now - timedelta(minutes=LOCK_MINUTES)
    with app_store.begin() as connection:
        connection.execute(sa.delete(tables.sign_in_failures).where(tables.sign_in_failures.c.at <= since))
        connection.execute(sa.delete(tables.sign_in_locks).where(tables.sign_in_locks.c.touched_at <= since))


def _verified(account: Account | None, password: str) -> bool:
    """Argon2id check of the password, at most HASH_CHECKS at once in this process (each takes 64 MiB)."""
    if not HASH_SLOTS.acquire(timeout=SLOT_WAIT_SECONDS):
        raise Busy(BUSY, "sign_in.busy")
    try:
        HASHER.verify(account.password_hash if account else DUMMY_HASH, password)
        return account is not None
    except (VerificationError, InvalidHashError):
        return False
    finally:
        HASH_SLOTS.release()


def check_password(
    accounts: dict[str, Account],
    email: str,
    password: str,
    *,
    app_store: AppStore,
    now: datetime,
    min_seconds: float = MIN_ANSWER_SECONDS,
) -> Account:
    """The account, or SignInRefused with one message for every wrong email or password."""
    started = time.monotonic()
    address = email.strip().lower()
    failures = tables.sign_in_failures
    try:
        if not address.isprintable() or len(address) > MAX_ADDRESS:  # no account has it; the store could not keep it
            raise SignInRefused(WRONG)
        forget_old_attempts(app_store, now)
        attempt = _reserve_attempt(app_store, address, now)
        account = accounts.get(address)
        try:
            verified = _verified(account, password)
        except Busy:
            with app_store.begin() as connection:  # not checked, so not a failure
                connection.execute(sa.delete(failures).where(failures.c.id == attempt))
            raise
        if account is None or not verified:  # _verified is False for no account; said again for mypy
            raise SignInRefused(WRONG)  # the attempt stays counted
        with app_store.begin() as connection:
            connection.execute(sa.delete(failures).where(failures.c.email == address))
        return account
    finally:
        time.sleep(max(0.0, min_seconds - (time.monotonic() - started)))
