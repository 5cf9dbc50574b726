"""A signed-in session that survives a page refresh: a signed, time-limited token in a cookie.

Streamlit starts a new session on every refresh, so built-in accounts keep who signed in in the
`pulse_session` cookie: the email, signed with session_secret (itsdangerous), valid for
sign_in_days. The role is looked up again on every read, so removing an account or changing its
role takes effect at once. (st.login keeps its own cookie for OIDC sign-ins.)
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "pulse_session"
SALT = "pulse-session"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if not secret:  # anyone could sign with an empty key
        raise ValueError("session_secret is not set; sign-in cookies cannot be signed or trusted")
    return URLSafeTimedSerializer(secret, salt=SALT)


def issue_token(email: str, *, secret: str) -> str:
    return _serializer(secret).dumps({"email": email})


def read_token(token: str | None, *, secret: str, max_age_days: int) -> str | None:
    """The email a valid, unexpired token was issued to; None for anything else (and for every
    token while no session_secret is set)."""
    if not token or not secret:
        return None
    try:
        payload = _serializer(secret).loads(token, max_age=max_age_days * 86400)
    except (BadSignature, SignatureExpired):
        return None
    email = payload.get("email") if isinstance(payload, dict) else None
    return email if isinstance(email, str) else None
