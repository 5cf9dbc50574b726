"""Who is using the app, so pages can ask what they may show (auth.access decides).

app.py decides once per run who is signed in (`resolve_account`) and keeps the role in the session;
pages then ask `may(permission)`. Three modes, by what secrets.toml configures:
- OIDC (`[auth]`): Streamlit's st.login; `[pulse.roles]` gives the role by email.
- accounts (`[pulse.accounts]`): the sign-in form; a signed cookie keeps the sign-in over refreshes.
- local (neither): one person on 127.0.0.1, who is the admin of their own data. The app refuses to
  run in this mode on an address others can reach, unless allow_open_local_mode says so.
"""

from __future__ import annotations

import logging
from enum import StrEnum

import streamlit as st

import clock
from auth.access import GRANTS, Permission, Role, share_grants
from auth.accounts import Account, load_accounts, role_for_email
from auth.local_mode import refusal_reason
from auth.sessions import COOKIE, end_session, session_email, start_session
from auth.share_links import ShareLink, open_link
from errors import Said, Who
from settings import Settings, SettingsError, read_secrets, signing_secret
from store.database import AppStore, StoreError
from ui.i18n import current_language, t

log = logging.getLogger(__name__)

LOCAL_USER = "local"  # who changes things in local mode; the audit log records it
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ROLE_KEY, USER_KEY = "pulse_role", "pulse_user"
SIGNED_IN_KEY = "pulse_signed_in"  # the built-in session's token, checked again on every run
COOKIE_PENDING_KEY = "pulse_cookie_pending"
SIGNED_OUT_KEY = "pulse_signed_out"  # this session signed out: its cookie, until cleared, is ignored
SHARE_KEY = "pulse_share"  # the share link (ShareLink) this session was opened with


class Mode(StrEnum):
    OIDC = "oidc"
    ACCOUNTS = "accounts"
    LOCAL = "local"


def sign_in_mode(settings: Settings) -> Mode:
    document = read_secrets(settings.secrets_file)
    if "auth" in document:
        return Mode.OIDC
    pulse = document.get("pulse", {})
    return Mode.ACCOUNTS if isinstance(pulse, dict) and pulse.get("accounts") else Mode.LOCAL


def _pulse_section(settings: Settings, name: str) -> object:
    pulse = read_secrets(settings.secrets_file).get("pulse", {})
    return pulse.get(name) if isinstance(pulse, dict) else None


def accounts(settings: Settings) -> dict[str, Account]:
    try:
        return load_accounts(_pulse_section(settings, "accounts"))
    except ValueError as error:
        raise SettingsError(said_of(error)) from error


def said_of(error: ValueError) -> str:
    """The message a ValueError of auth/accounts.py carries: a Said (so it is said in the reader's
    language), else its English."""
    said = error.args[0] if error.args else None
    return said if isinstance(said, Said) else str(error)


def local_mode_problem(settings: Settings) -> str | None:
    """Why local mode may not serve this session, or None: it serves only an address on this
    computer, and only requests made directly from it (auth.local_mode)."""
    if settings.allow_open_local_mode:
        return None
    address = st.get_option("server.address") or ""
    if address in LOOPBACK:
        client = st.context.ip_address  # not text when no browser is behind the session (AppTest)
        headers = {str(name): str(value) for name, value in st.context.headers.items()}
        reason = refusal_reason(client_ip=client if isinstance(client, str) else None, headers=headers)
        if reason is None:
            return None
        log.warning("Local mode refused a request: %s.", reason)
        return t("session.local_elsewhere")
    return t("session.local_open", address=address or t("session.every_address"))


def oidc_email_verified(settings: Settings) -> bool:
    """Whether the OIDC sign-in's email may name a role: the provider says it verified it (the
    `email_verified` claim, true or "true"), or the deployer trusts every address it issues
    (trust_unverified_email, for providers that never send the claim)."""
    if not st.user.get("is_logged_in"):
        return False
    verified = st.user.get("email_verified")
    return verified is True or str(verified).lower() == "true" or settings.trust_unverified_email


def resolve_account(settings: Settings, mode: Mode, app_store: AppStore) -> Account | None:
    """Who is signed in (None: nobody, or someone without a role); remembered for `may`."""
    forget_share_link()
    account: Account | None = None
    if mode is Mode.LOCAL:
        account = Account(LOCAL_USER, Role.ADMIN)
    elif mode is Mode.OIDC:
        email = str(st.user.get("email") or "") if oidc_email_verified(settings) else ""
        try:
            role = role_for_email(email, _pulse_section(settings, "roles")) if email else None
        except ValueError as error:
            raise SettingsError(said_of(error)) from error
        account = Account(email, role) if role else None
    else:
        known = accounts(settings)
        cookie = None if st.session_state.get(SIGNED_OUT_KEY) else st.context.cookies.get(COOKIE)
        token = st.session_state.get(SIGNED_IN_KEY) or cookie
        email = session_email(
            app_store,
            token,
            secret=signing_secret(settings),
            max_age_days=settings.sign_in_days,
            now=clock.now(),
            password_hashes={address: known[address].password_hash for address in known},
        )
        if email:  # checked on every run: a sign-out in another tab or browser ends this one too
            st.session_state[SIGNED_IN_KEY] = token
        else:
            st.session_state.pop(SIGNED_IN_KEY, None)
        account = known.get(email) if email else None
    st.session_state[ROLE_KEY] = account.role if account else None
    st.session_state[USER_KEY] = account.email if account else None
    return account


def remember_sign_in(settings: Settings, account: Account, app_store: AppStore) -> None:
    """After a built-in sign-in: a session is recorded, this Streamlit session holds its token, and
    the next run writes it into the cookie."""
    token = start_session(
        app_store,
        account.email,
        secret=signing_secret(settings),
        now=clock.now(),
        days=settings.sign_in_days,
        password_hash=account.password_hash,
    )
    st.session_state[SIGNED_IN_KEY] = st.session_state[COOKIE_PENDING_KEY] = token
    st.session_state.pop(SIGNED_OUT_KEY, None)


def write_cookie(settings: Settings) -> None:
    """Set (or, after sign-out, clear) the sign-in cookie in the browser; Streamlit cannot from
    Python, so a script of ours (never user text: the token is URL-safe base64) does it."""
    token = st.session_state.pop(COOKIE_PENDING_KEY, None)
    if token is None:
        return
    secure = "; Secure" if (st.context.url or "").startswith("https://") else ""
    max_age = settings.sign_in_days * 86400 if token else 0
    st.html(
        f"<script>document.cookie = '{COOKIE}={token}; Max-Age={max_age}; Path=/; SameSite=Strict{secure}';</script>",
        unsafe_allow_javascript=True,
    )


def sign_out(settings: Settings, app_store: AppStore) -> None:
    """End the built-in session everywhere (its row is revoked: a copied cookie stops working) and
    clear the cookie in this browser."""
    token = st.session_state.get(SIGNED_IN_KEY) or st.context.cookies.get(COOKIE)
    if token:
        try:
            end_session(app_store, token, secret=signing_secret(settings), now=clock.now())
        except StoreError:  # signed out here all the same; the session ends at its expiry
            log.exception("The app store did not record a sign-out")
    for key in (SIGNED_IN_KEY, ROLE_KEY, USER_KEY):
        st.session_state.pop(key, None)
    st.session_state[COOKIE_PENDING_KEY] = ""  # cleared by write_cookie on the next run
    st.session_state[SIGNED_OUT_KEY] = True


def open_shared(settings: Settings, app_store: AppStore, token: str) -> ShareLink:
    """Check a share link (raises LinkRefused) and give this session only what it reveals."""
    link = open_link(app_store, token, secret=signing_secret(settings), now=clock.now())
    st.session_state[SHARE_KEY] = link
    st.session_state[ROLE_KEY] = None
    st.session_state[USER_KEY] = f"share link {link.id}"
    return link


def forget_share_link() -> None:
    st.session_state.pop(SHARE_KEY, None)


def shared_link() -> ShareLink | None:
    """The share link this run serves, or None for a signed-in (or local) session."""
    return st.session_state.get(SHARE_KEY)


def presenting() -> bool:
    """Presentation mode: as a share link was made, else as the address asks (`?present=1`)."""
    link = shared_link()
    return link.present if link is not None else st.query_params.get("present") == "1"


def current_role() -> Role | None:
    return st.session_state.get(ROLE_KEY)


def permissions() -> frozenset[Permission]:
    """What this run may show. A share link grants what it reveals; presentation mode shows nothing
    personal whoever is signed in (no email addresses, names or free text on a projector)."""
    link = shared_link()
    if link is not None:
        return share_grants(reveal_text=link.reveal_text, reveal_names=link.reveal_names)
    role = current_role()
    granted = GRANTS[role] if role is not None else frozenset()
    return frozenset() if presenting() else granted


def may(permission: Permission) -> bool:
    return permission in permissions()


def setup_note(key: str, **values: object) -> str:
    """Something only an admin can set up (a channel, the public address), said to its reader: an
    admin reads where to set it (`key`), a manager what to ask an admin for (`key` + "_manager"),
    since secrets.toml and the server's folders are not a manager's to open."""
    return t(key if may(Permission.MANAGE_DATA) else f"{key}_manager", **values)


def who(user: str) -> str:
    """Who made a change, as a person reads it: local mode and the app's own processes in the
    reader's words ("local user", not "you": sign-in may have been set up since), anyone else as
    recorded (the address they signed in with): errors.Who on a page."""
    return Who(user).text(current_language())


def current_user() -> str:
    """Who is making changes, for the audit log: the signed-in email, else the local user."""
    return str(st.session_state.get(USER_KEY) or LOCAL_USER)
