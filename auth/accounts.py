"""Who may sign in, and checking a password without telling an attacker anything.

Two ways in, both configured in .streamlit/secrets.toml:
- `[auth]` (Streamlit's st.login, an OIDC provider): the provider checks the person; `[pulse.roles]`
  maps their email to a role (`manager = ["ana@example.org", "*@example.org"]`).
- `[pulse.accounts]`: built-in accounts, `"ana@example.org" = {role = "manager", password_hash = "…"}`
  with Argon2id hashes from `python cli.py user hash-password` (never the password itself).

A wrong password and an unknown address get the same answer after the same minimum time, and five
failures within 15 minutes lock that address (known or not) for the rest of those minutes, counted in
the app store so every server process sees them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatch
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from auth.access import Role
from store import tables
from store.database import AppStore

HASHER = PasswordHasher()  # Argon2id with the library's current parameters
DUMMY_HASH = HASHER.hash("not a password anyone has")  # unknown addresses are checked against it
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_ANSWER_SECONDS = 1.0
WRONG = "Wrong email or password."


class SignInRefused(Exception):
    """Raised when a sign-in is refused; `user_message` says why without saying which part was wrong."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


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
        raise ValueError(f"{where}: role {value!r} is not one of {', '.join(Role)}") from None


def load_accounts(section: Any) -> dict[str, Account]:
    """[pulse.accounts] as accounts by lower-cased email; raises ValueError naming a bad entry."""
    accounts: dict[str, Account] = {}
    for email, entry in (section or {}).items():
        where = f"[pulse.accounts] {email}"
        if not isinstance(entry, dict) or not str(entry.get("password_hash", "")).startswith("$argon2"):
            raise ValueError(f"{where}: needs password_hash from `python cli.py user hash-password` and a role")
        accounts[email.strip().lower()] = Account(
            email.strip().lower(), _role(entry.get("role"), where), entry["password_hash"]
        )
    return accounts


def role_for_email(email: str, roles: Any) -> Role | None:
    """The highest role whose [pulse.roles] list names the email or a pattern it fits (*@example.org)."""
    address = email.strip().lower()
    for role in (Role.ADMIN, Role.MANAGER, Role.VIEWER):
        patterns = (roles or {}).get(role.value, [])
        if any(fnmatch(address, str(pattern).strip().lower()) for pattern in patterns):
            return role
    return None


def _recent_failures(app_store: AppStore, email: str, now: datetime) -> list[datetime]:
    failures = tables.sign_in_failures
    since = now - timedelta(minutes=LOCK_MINUTES)
    found = app_store.run(
        sa.select(failures.c.at).where(failures.c.email == email, failures.c.at > since).order_by(failures.c.at)
    )
    return [stamp.to_pydatetime() for stamp in found["at"]]


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
    try:
        failures = _recent_failures(app_store, address, now)
        if len(failures) >= MAX_FAILURES:
            wait = failures[-MAX_FAILURES] + timedelta(minutes=LOCK_MINUTES) - now
            minutes = max(1, round(wait.total_seconds() / 60))
            raise SignInRefused(f"Too many failed attempts for this address. Try again in {minutes} minutes.")
        account = accounts.get(address)
        try:
            HASHER.verify(account.password_hash if account else DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            account = None
        if account is None:
            with app_store.begin() as connection:
                connection.execute(tables.sign_in_failures.insert().values(email=address, at=now))
            raise SignInRefused(WRONG)
        with app_store.begin() as connection:
            connection.execute(sa.delete(tables.sign_in_failures).where(tables.sign_in_failures.c.email == address))
        return account
    finally:
        time.sleep(max(0.0, min_seconds - (time.monotonic() - started)))
