"""A signed-in session that survives a page refresh, and ends everywhere when its person signs out.

Streamlit starts a new session on every refresh, so built-in accounts keep who signed in in the
`pulse_session` cookie: the email and a random session secret, signed with the signing key
(itsdangerous), valid for sign_in_days. The app store keeps each session by the SHA-256 of its
secret (so a copy of the database cannot be replayed as cookies); signing out revokes the row, so
a copied cookie stops working at once instead of at its expiry. The role is looked up again on
every read, so removing an account or changing its role takes effect at once; the token carries a
keyed fingerprint of the password hash it was issued under, so changing an account's password ends
its sessions too. Expired and signed-out rows are deleted when a new session starts. (st.login keeps
its own cookie for OIDC sign-ins.)

The cookie cannot be HttpOnly: Streamlit offers Python no way to set a response header, so a script
of ours sets it (ui.session.write_cookie). What keeps it from scripts of others is that no script
from data ever runs (docs/security.md); what limits a stolen one is revocation and SameSite=Strict.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from store import tables
from store.database import AppStore

COOKIE = "pulse_session"
SALT = "pulse-session"
KEPT_DAYS = 1  # a signed-out session's row is kept this long after, then deleted with the expired ones


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if not secret:  # anyone could sign with an empty key
        raise ValueError("session_secret is not set; sign-in cookies cannot be signed or trusted")
    return URLSafeTimedSerializer(secret, salt=SALT)


def _row_id(session_secret: str) -> str:
    return hashlib.sha256(session_secret.encode()).hexdigest()


def credential_mark(password_hash: str, *, secret: str) -> str:
    """A fingerprint of the password hash a session was issued under, keyed by the signing key (the
    token is signed, not encrypted: the hash itself must not be in it)."""
    return hmac.new(secret.encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def start_session(
    app_store: AppStore, email: str, *, secret: str, now: datetime, days: int, password_hash: str = ""
) -> str:
    """Record a new session for `email` (signed in with the account whose hash is `password_hash`)
    and return the cookie's token; expired and long signed-out sessions are deleted on the way."""
    token_secret = secrets.token_urlsafe(32)
    token = _serializer(secret).dumps(
        {"email": email, "sid": token_secret, "cred": credential_mark(password_hash, secret=secret)}
    )
    rows = tables.sign_in_sessions
    with app_store.begin() as connection:
        connection.execute(
            sa.delete(rows).where((rows.c.expires_at <= now) | (rows.c.revoked_at <= now - timedelta(days=KEPT_DAYS)))
        )
        connection.execute(
            tables.sign_in_sessions.insert().values(
                id=_row_id(token_secret), email=email, created_at=now, expires_at=now + timedelta(days=days)
            )
        )
    return token


def _payload(token: str | None, *, secret: str, max_age_days: int) -> tuple[str, str, str] | None:
    """(email, session secret, credential mark) of a well-signed, unexpired token; None for anything else."""
    if not token or not secret:
        return None
    try:
        payload = _serializer(secret).loads(token, max_age=max_age_days * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(payload, dict):
        return None
    email, sid, mark = payload.get("email"), payload.get("sid"), payload.get("cred", "")
    if isinstance(email, str) and isinstance(sid, str) and isinstance(mark, str):
        return email, sid, mark
    return None


def session_email(
    app_store: AppStore,
    token: str | None,
    *,
    secret: str,
    max_age_days: int,
    now: datetime,
    password_hashes: Mapping[str, str],
) -> str | None:
    """The email a token was issued to while its session is open (signed, unexpired, not signed
    out, and its account's password unchanged since: `password_hashes` are the accounts' current
    ones); None for anything else, and for every token while no signing key is set."""
    found = _payload(token, secret=secret, max_age_days=max_age_days)
    if found is None:
        return None
    email, sid, mark = found
    current = password_hashes.get(email)
    if current is None or not hmac.compare_digest(mark, credential_mark(current, secret=secret)):
        return None  # no such account any more, or its password changed
    rows = tables.sign_in_sessions
    with app_store.read() as connection:
        row = connection.execute(
            sa.select(rows.c.email).where(
                rows.c.id == _row_id(sid), rows.c.revoked_at.is_(None), rows.c.expires_at > now
            )
        ).first()
    return email if row is not None and row.email == email else None


def end_session(app_store: AppStore, token: str | None, *, secret: str, now: datetime) -> None:
    """Revoke the token's session (signing out): the cookie, wherever it was copied, stops working."""
    try:
        payload = _serializer(secret).loads(token) if token and secret else None
    except BadSignature:
        return
    sid = payload.get("sid") if isinstance(payload, dict) else None
    if not isinstance(sid, str):
        return
    rows = tables.sign_in_sessions
    with app_store.begin() as connection:
        connection.execute(
            rows.update().where(rows.c.id == _row_id(sid), rows.c.revoked_at.is_(None)).values(revoked_at=now)
        )
