"""Sign-in: password checks and throttling, roles by email, session tokens, and the pages each role
gets (AppTest, with built-in accounts and with st.login's OIDC)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import argon2
import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from streamlit import config
from streamlit.testing.v1 import AppTest

import cli
from auth import pages as app_pages
from auth.access import Permission, share_grants
from auth.accounts import (
    WRONG,
    SignInRefused,
    check_password,
    forget_old_attempts,
    hash_password,
    load_accounts,
    role_for_email,
)
from auth.preferences import store_language, stored_language
from auth.sessions import credential_mark, end_session, session_email, start_session
from settings import SettingsError, load_settings, signing_secret
from store import tables
from store.database import AppStore
from tests.conftest import migrated_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOW = datetime(2026, 3, 10, 12)
PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD)
ACCOUNTS = load_accounts(
    {
        "Ana@Example.org": {"role": "manager", "password_hash": HASH},
        "vic@example.org": {"role": "viewer", "password_hash": HASH},
        "root@example.org": {"role": "admin", "password_hash": HASH},
    }
)
HASHES = {address: account.password_hash for address, account in ACCOUNTS.items()}
NAV = {
    "Overview",
    "Members",
    "Engagement",
    "Campaigns & events",
    "Member lookup",
    "Surveys",
    "Feedback",
    "Data",
    "Share links",
    "Goals & notes",
    "Digests",
    "Alerts",
    "People",
}


@pytest.fixture
def store(tmp_path) -> AppStore:
    app_store = migrated_store(tmp_path / "app.db")
    yield app_store
    app_store.dispose()


def attempt(store: AppStore, email: str, password: str, *, now: datetime = NOW) -> str:
    try:
        return check_password(ACCOUNTS, email, password, app_store=store, now=now, min_seconds=0.0).role.value
    except SignInRefused as refused:
        return refused.user_message


def test_the_right_password_signs_in_case_aside_and_wrong_ones_get_one_answer(store):
    assert attempt(store, " ANA@example.org ", PASSWORD) == "manager"
    assert attempt(store, "ana@example.org", "wrong") == "Wrong email or password."
    assert attempt(store, "nobody@example.org", PASSWORD) == "Wrong email or password."


def test_a_wrong_password_and_an_unknown_address_take_the_same_minimum_time(store):
    for email in ("ana@example.org", "nobody@example.org"):
        started = time.monotonic()
        with pytest.raises(SignInRefused):
            check_password(ACCOUNTS, email, "wrong", app_store=store, now=NOW, min_seconds=0.3)
        assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("email", ["ana@example.org", "nobody@example.org"])
def test_five_failures_lock_an_address_for_fifteen_minutes(store, email):
    for minute in range(5):
        assert attempt(store, email, "wrong", now=NOW + timedelta(minutes=minute)) == "Wrong email or password."
    locked = "Too many failed attempts for this address. Try again in 11 minutes."
    assert attempt(store, email, PASSWORD, now=NOW + timedelta(minutes=4)) == locked  # even the right password
    assert attempt(store, "root@example.org", PASSWORD, now=NOW + timedelta(minutes=4)) == "admin"  # others are not
    after = NOW + timedelta(minutes=15, seconds=1)  # the first failure has aged out
    expected = "manager" if email.startswith("ana") else "Wrong email or password."
    assert attempt(store, email, PASSWORD, now=after) == expected


def test_an_accounts_address_is_kept_lower_cased():
    # Loaded here, not only at import (ACCOUNTS): a test module is imported once, before a mutation
    # run's mutant is switched on, so only a call in the test reads the code under test.
    accounts = load_accounts({" Ana@Example.org ": {"role": "manager", "password_hash": HASH}})
    assert [(key, account.email) for key, account in accounts.items()] == [("ana@example.org", "ana@example.org")]
    assert [(key, account.email) for key, account in ACCOUNTS.items()] == [
        ("ana@example.org", "ana@example.org"),
        ("vic@example.org", "vic@example.org"),
        ("root@example.org", "root@example.org"),
    ]


def refusal(store: AppStore, email: str, *, now: datetime) -> tuple[str, str | None, dict]:
    with pytest.raises(SignInRefused) as refused:
        check_password(ACCOUNTS, email, PASSWORD, app_store=store, now=now, min_seconds=0.0)
    return refused.value.user_message, refused.value.key, refused.value.values


def test_a_lock_lasts_from_the_earliest_of_the_five_failures_in_whole_minutes_at_least_one(store):
    """Failures at 12:01, then four at 12:00 (a clock a little behind): the lock ends at 12:15, the
    earliest failure's time and 15 minutes. At 12:00:20 that is 14 min 40 s away, said as 15 minutes
    (880 s / 60 = 14.67); at 12:14:40 it is 20 s away, said as 1 minute (never 0)."""
    attempt(store, "ana@example.org", "wrong", now=NOW + timedelta(minutes=1))
    for _ in range(4):
        attempt(store, "ana@example.org", "wrong", now=NOW)
    assert refusal(store, "ana@example.org", now=NOW + timedelta(seconds=20)) == (
        "Too many failed attempts for this address. Try again in 15 minutes.",
        "sign_in.locked",
        {"minutes": 15},
    )
    assert refusal(store, "ana@example.org", now=NOW + timedelta(minutes=14, seconds=40)) == (
        "Too many failed attempts for this address. Try again in 1 minutes.",
        "sign_in.locked",
        {"minutes": 1},
    )


def test_a_failure_and_an_address_tried_exactly_fifteen_minutes_ago_are_forgotten(store):
    """a@ tried at 11:59 and again at 12:00 (its row touched at 12:00), b@ at 12:00:01; at 12:15 the
    window starts at 12:00: a@'s failures and row go, b@'s stay."""
    attempt(store, "a@example.org", "wrong", now=NOW - timedelta(minutes=1))
    attempt(store, "a@example.org", "wrong", now=NOW)
    attempt(store, "b@example.org", "wrong", now=NOW + timedelta(seconds=1))
    forget_old_attempts(store, NOW + timedelta(minutes=15))
    with store.read() as connection:
        failures = connection.execute(sa.select(tables.sign_in_failures.c.email, tables.sign_in_failures.c.at)).all()
        locks = connection.execute(sa.select(tables.sign_in_locks.c.email)).all()
    assert [tuple(row) for row in failures] == [("b@example.org", NOW + timedelta(seconds=1))]
    assert [tuple(row) for row in locks] == [("b@example.org",)]


def test_a_success_clears_the_failures(store):
    for _ in range(4):
        attempt(store, "ana@example.org", "wrong")
    assert attempt(store, "ana@example.org", PASSWORD) == "manager"
    for _ in range(4):
        assert attempt(store, "ana@example.org", "wrong") == "Wrong email or password."


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"a@x.org": {"role": "boss", "password_hash": HASH}},
            "[pulse.accounts] a@x.org: role 'boss' is not one of viewer, manager, admin",
        ),
        ({"a@x.org": {"role": "viewer", "password": "secret"}}, "[pulse.accounts] a@x.org: needs password_hash"),
        ({"a@x.org": {"role": "viewer", "password_hash": "secret"}}, "[pulse.accounts] a@x.org: needs password_hash"),
    ],
)
def test_accounts_without_a_hash_or_with_an_unknown_role_are_refused(section, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_accounts(section)


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("ana@example.org", "manager"),
        ("a@b@example.org", None),  # not an address at example.org
        ("ana@sub.example.org", None),
        ("ana@example.org.evil.com", None),
        ("@example.org", None),
        ("ana @example.org", None),
        ("boss@example.org", "admin"),
        ("boss@example.orgx", None),
    ],
)
def test_a_pattern_matches_whole_addresses_only(email, role):
    roles = {"admin": ["boss@example.org"], "manager": ["*@example.org"]}
    found = role_for_email(email, roles)
    assert (found.value if found else None) == role


@pytest.mark.parametrize("pattern", ["x*@partner.com", "*@*.example.org", "team-?@x.org", "*@[ab].org"])
def test_a_pattern_this_does_not_read_is_refused_not_ignored(pattern):
    with pytest.raises(ValueError) as refused:
        role_for_email("x@partner.com", {"viewer": [pattern]})
    assert str(refused.value) == (
        f"[pulse.roles] pattern {pattern!r} is not read: give a whole address or *@domain (every address at "
        "exactly that domain)."
    )


def test_an_address_with_two_ats_is_at_no_domain():
    # Read from its last @, a@b@example.org has a@b before it: not a plain address, so not at b@example.org.
    assert role_for_email("a@b@example.org", {"viewer": ["*@b@example.org"]}) is None


def test_roles_come_from_the_highest_list_naming_the_email_or_its_pattern():
    roles = {"admin": ["boss@example.org"], "manager": ["*@example.org"], "viewer": ["*@partner.com"]}
    assert role_for_email("Boss@example.org", roles).value == "admin"
    assert role_for_email("ana@example.org", roles).value == "manager"
    assert role_for_email("x@partner.com", roles).value == "viewer"
    assert role_for_email("x@elsewhere.com", roles) is None


def test_session_tokens_are_signed_expire_and_end_when_signed_out(store, monkeypatch):
    def email_of(token: str, *, secret: str = "s1", now: datetime = NOW) -> str | None:
        return session_email(store, token, secret=secret, max_age_days=7, now=now, password_hashes=HASHES)

    token = start_session(store, "ana@example.org", secret="s1", now=NOW, days=7, password_hash=HASH)
    assert email_of(token) == "ana@example.org"
    assert email_of(token, secret="another") is None
    assert email_of(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert email_of("") is None
    forged = URLSafeTimedSerializer("", salt="pulse-session").dumps({"email": "ana@example.org", "sid": "x"})
    assert email_of(forged, secret="") is None  # no secret set: no cookie is trusted
    signed_but_unknown = URLSafeTimedSerializer("s1", salt="pulse-session").dumps(
        {"email": "ana@example.org", "sid": "x"}
    )
    assert email_of(signed_but_unknown) is None  # a session the store never started
    older = URLSafeTimedSerializer("s1", salt="pulse-session").dumps({"email": "ana@example.org"})
    assert email_of(older) is None  # a cookie from before sessions were kept: sign in again
    with pytest.raises(ValueError, match=r"^session_secret is not set; sign-in cookies cannot be signed or trusted$"):
        start_session(store, "ana@example.org", secret="", now=NOW, days=7)
    # The row's seven days are [NOW, NOW + 7 days): open to their last microsecond, expired at their end.
    assert email_of(token, now=NOW + timedelta(days=7, microseconds=-1)) == "ana@example.org"
    assert email_of(token, now=NOW + timedelta(days=7)) is None

    other = start_session(store, "ana@example.org", secret="s1", now=NOW, days=7, password_hash=HASH)
    end_session(store, token, secret="s1", now=NOW)
    assert email_of(token) is None  # signed out: a copy of the cookie no longer works
    assert email_of(other) == "ana@example.org"  # another browser's sign-in is its own
    later = time.time() + 8 * 86400
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert email_of(other, now=NOW) is None  # the signature's age counts too


def test_a_session_signature_lasts_exactly_its_days(store, monkeypatch):
    token = start_session(store, "ana@example.org", secret="s1", now=NOW, days=30, password_hash=HASH)
    _, signed_at = URLSafeTimedSerializer("s1", salt="pulse-session").loads(token, return_timestamp=True)

    def email_at(seconds: int) -> str | None:  # seconds after signing, by the signature's clock
        monkeypatch.setattr("itsdangerous.timed.time.time", lambda: signed_at.timestamp() + seconds)
        return session_email(store, token, secret="s1", max_age_days=7, now=NOW, password_hashes=HASHES)

    assert (email_at(1), email_at(7 * 86400)) == ("ana@example.org", "ana@example.org")  # to the second
    assert email_at(7 * 86400 + 1) is None


def test_a_malformed_session_token_is_no_session_and_ends_nothing(store):
    signer = URLSafeTimedSerializer("s1", salt="pulse-session")
    mark = credential_mark(HASH, secret="s1")
    odd = signer.dumps({"email": "ana@example.org", "sid": 5, "cred": mark})  # a session id that is no text
    assert session_email(store, odd, secret="s1", max_age_days=7, now=NOW, password_hashes=HASHES) is None
    token = start_session(store, "ana@example.org", secret="s1", now=NOW, days=7, password_hash=HASH)
    for stray, secret in ((token, ""), (signer.dumps(["a", "list"]), "s1"), (odd, "s1")):
        end_session(store, stray, secret=secret, now=NOW)  # no key, no mapping, no text id: nothing to end
    assert (
        session_email(store, token, secret="s1", max_age_days=7, now=NOW, password_hashes=HASHES) == "ana@example.org"
    )


def test_sessions_are_deleted_exactly_when_expired_or_signed_out_a_day_before(store):
    rows = tables.sign_in_sessions
    start_session(store, "ana@example.org", secret="s1", now=NOW, days=1, password_hash=HASH)
    ended = start_session(store, "vic@example.org", secret="s1", now=NOW, days=30, password_hash=HASH)
    end_session(store, ended, secret="s1", now=NOW)
    end_session(store, ended, secret="s1", now=NOW + timedelta(hours=1))  # again: it ended at the first
    start_session(store, "root@example.org", secret="s1", now=NOW + timedelta(seconds=1), days=30, password_hash=HASH)
    with store.read() as connection:  # a second after NOW nothing expired or ended a day before: three
        assert connection.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one() == 3
    # A day after NOW: ana's expires that moment and vic's ended exactly a day before: both go.
    start_session(store, "bo@example.org", secret="s1", now=NOW + timedelta(days=1), days=30, password_hash=HASH)
    with store.read() as connection:
        emails = connection.execute(sa.select(rows.c.email).order_by(rows.c.email)).scalars().all()
    assert emails == ["bo@example.org", "root@example.org"]


def test_a_password_change_or_a_removed_account_ends_the_sessions(store):
    token = start_session(store, "ana@example.org", secret="s1", now=NOW, days=7, password_hash=HASH)
    payload = URLSafeTimedSerializer("s1", salt="pulse-session").loads(token)
    assert HASH not in str(payload)  # the token is signed, not encrypted: only a keyed mark of the hash

    def email_of(hashes: dict[str, str]) -> str | None:
        return session_email(store, token, secret="s1", max_age_days=7, now=NOW, password_hashes=hashes)

    assert email_of(HASHES) == "ana@example.org"
    assert email_of({**HASHES, "ana@example.org": hash_password("a new password")}) is None
    assert email_of({key: value for key, value in HASHES.items() if key != "ana@example.org"}) is None
    assert email_of(HASHES) == "ana@example.org"  # the same password again: the session still stands


def test_sessions_and_attempts_no_check_reads_are_deleted(store):
    rows = {name: getattr(tables, name) for name in ("sign_in_sessions", "sign_in_failures", "sign_in_locks")}

    def count(name: str) -> int:
        with store.read() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(rows[name])).scalar_one()

    old = start_session(store, "ana@example.org", secret="s1", now=NOW, days=7, password_hash=HASH)
    ended = start_session(store, "vic@example.org", secret="s1", now=NOW, days=30, password_hash=HASH)
    end_session(store, ended, secret="s1", now=NOW)
    kept = start_session(store, "root@example.org", secret="s1", now=NOW, days=30, password_hash=HASH)
    assert count("sign_in_sessions") == 3
    later = NOW + timedelta(days=8)
    start_session(store, "ana@example.org", secret="s1", now=later, days=7, password_hash=HASH)
    assert count("sign_in_sessions") == 2  # the expired and the signed-out one are gone, the open one stays
    for token, email in ((kept, "root@example.org"), (old, None)):
        assert session_email(store, token, secret="s1", max_age_days=30, now=later, password_hashes=HASHES) == email

    for address in ("a@example.org", "b@example.org", "c@example.org"):
        attempt(store, address, "wrong")
    assert (count("sign_in_failures"), count("sign_in_locks")) == (3, 3)
    assert attempt(store, "ana@example.org", "wrong", now=NOW + timedelta(minutes=10)) == WRONG
    assert (count("sign_in_failures"), count("sign_in_locks")) == (4, 4)  # within the window: all read still
    assert attempt(store, "ana@example.org", PASSWORD, now=NOW + timedelta(minutes=16)) == "manager"
    assert (count("sign_in_failures"), count("sign_in_locks")) == (0, 1)  # only the address just tried


def test_the_signing_key_is_made_once_private_and_shared_by_every_process(tmp_path):
    settings = load_settings(environ={"PULSE_DATA_DIR": str(tmp_path / "data")}, secrets_file=tmp_path / "none.toml")
    with ThreadPoolExecutor(max_workers=8) as pool:  # processes starting at once agree on one key
        keys = set(pool.map(lambda _: signing_secret(settings), range(16)))
    kept = tmp_path / "data" / "session_secret"
    assert keys == {kept.read_text()} and len(kept.read_text()) >= 48
    assert kept.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in kept.parent.iterdir()] == ["session_secret"]  # no drafts left behind
    assert "session_secret" not in repr(settings) and kept.read_text() not in repr(settings)
    configured = load_settings(
        environ={"PULSE_DATA_DIR": str(tmp_path / "data"), "PULSE_SESSION_SECRET": "configured wins"},
        secrets_file=tmp_path / "none.toml",
    )
    assert signing_secret(configured) == "configured wins"


def test_an_unusable_signing_key_file_says_what_to_do(tmp_path):
    settings = load_settings(environ={"PULSE_DATA_DIR": str(tmp_path)}, secrets_file=tmp_path / "none.toml")
    (tmp_path / "session_secret").write_text("short")
    with pytest.raises(SettingsError, match=r"holds no usable signing key\. Delete it"):
        signing_secret(settings)
    (tmp_path / "session_secret").write_bytes("钥匙".encode() * 20)  # edited by hand
    with pytest.raises(SettingsError, match=r"holds no usable signing key"):
        signing_secret(settings)
    blocked = load_settings(environ={"PULSE_DATA_DIR": str(tmp_path / "file")}, secrets_file=tmp_path / "none.toml")
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(SettingsError, match=r"Could not keep a signing key .* or set session_secret"):
        signing_secret(blocked)


def test_cli_hashes_a_password_typed_twice(monkeypatch, capsys):
    typed = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert cli.main(["user", "hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$") and PASSWORD not in printed
    assert load_accounts({"a@x.org": {"role": "viewer", "password_hash": printed}})["a@x.org"].password_hash == printed


# Run where tests/conftest.py is not loaded (it makes the tests' hashing cheap), with this run's environment.
HASHED_BY_THE_APP = """
import json
from auth.access import Role
from auth.accounts import DUMMY_HASH, Account, _verified, hash_password
made = hash_password("correct horse battery")
ana = Account("ana@example.org", Role.MANAGER, made)
print(json.dumps({"made": made, "dummy": DUMMY_HASH,
                  "right": _verified(ana, "correct horse battery"), "wrong": _verified(ana, "correct horse")}))
"""


def test_the_app_hashes_passwords_with_argon2id_at_its_strong_parameters():
    # RFC 9106's second recommended option, argon2-cffi's defaults: 64 MiB, 3 passes, 4 lanes.
    strong = argon2.Parameters(
        type=argon2.Type.ID, version=19, salt_len=16, hash_len=32, time_cost=3, memory_cost=65536, parallelism=4
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", HASHED_BY_THE_APP], cwd=root, env=dict(os.environ), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert argon2.extract_parameters(found["made"]) == strong
    assert argon2.extract_parameters(found["dummy"]) == strong  # an unknown address costs what a known one does
    assert (found["right"], found["wrong"]) == (True, False)  # a hash made at those parameters verifies


# The app with sign-in configured.


def secrets(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def with_accounts(configured, tmp_path, monkeypatch) -> Path:
    accounts = "\n".join(
        f'"{email}" = {{ role = "{account.role.value}", password_hash = "{HASH}" }}'
        for email, account in ACCOUNTS.items()
    )
    path = secrets(
        tmp_path / "secrets.toml", f'[pulse]\nsession_secret = "test-secret"\n[pulse.accounts]\n{accounts}\n'
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(path))
    return configured


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def nav(at: AppTest) -> set[str]:
    """The titles of the pages st.navigation registered in the last run."""
    return {str(info.get("page_name")) for info in at._registered_pages.values()}


def test_only_the_sign_in_page_exists_before_signing_in(with_accounts):
    at = app().run()
    assert not at.exception
    assert [field.label for field in at.text_input] == ["Email", "Password"]
    assert nav(at) == {"Sign in"}
    # Every page's address is registered, each to the sign-in form alone: no dashboard's script is.
    assert {str(info.get("script_path")).rsplit("/", 1)[-1] for info in at._registered_pages.values()} == {"sign_in.py"}
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/overview.py")


@pytest.mark.parametrize(
    ("email", "pages"),
    [
        ("vic@example.org", {"Overview", "Members", "Engagement", "Campaigns & events"}),
        ("ana@example.org", NAV - {"Data", "People"}),  # both need MANAGE_DATA: admins
        ("root@example.org", NAV),
    ],
)
def test_each_role_gets_only_its_pages(with_accounts, email, pages):
    at = sign_in(app().run(), email, PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert nav(at) == pages | {"Sign out"}


@pytest.mark.parametrize("page", ["lookup", "surveys", "feedback", "data", "sharing", "goals"])
def test_a_page_a_viewer_may_not_see_is_not_registered(with_accounts, page):
    at = sign_in(app().run(), "vic@example.org", PASSWORD)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(app_pages.page(page).file)


def test_a_wrong_password_is_answered_on_the_sign_in_page(with_accounts):
    at = sign_in(app().run(), "ana@example.org", "wrong")
    assert at.error[0].value == "Wrong email or password."
    assert not at.metric


def test_oidc_sign_in_takes_the_role_from_the_email(configured, tmp_path, monkeypatch):
    path = secrets(
        tmp_path / "secrets.toml",
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
        '[pulse.roles]\nmanager = ["*@example.org"]\n',
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(path))
    at = app()
    at.user = {"email": "ana@example.org", "is_logged_in": True, "email_verified": True}
    at.run()
    assert not at.exception
    assert nav(at) == NAV - {"Data", "People"} | {"Sign out"}  # a manager
    stranger = app()
    stranger.user = {"email": "eve@elsewhere.com", "is_logged_in": True, "email_verified": "true"}
    stranger.run()
    assert stranger.warning[0].value.replace("\u2060", "") == (  # the address escaped: shown as text, not markdown
        r"You are signed in as eve\@elsewhere\.com, but this address has no role here. Ask an admin to add it."
    )
    assert nav(stranger) == {"Sign in"}


@pytest.mark.parametrize("claim", [None, False, "false"])
def test_oidc_needs_an_email_the_provider_verified_unless_trusted(configured, tmp_path, monkeypatch, claim):
    path = secrets(
        tmp_path / "secrets.toml",
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
        '[pulse.roles]\nadmin = ["root@example.org"]\n',
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(path))
    user = {"email": "root@example.org", "is_logged_in": True} | ({} if claim is None else {"email_verified": claim})
    at = app()
    at.user = user
    at.run()
    assert nav(at) == {"Sign in"}
    assert at.warning[0].value.startswith("You are signed in as root\\@")
    assert "has not confirmed that this address is yours" in at.warning[0].value
    monkeypatch.setenv("PULSE_TRUST_UNVERIFIED_EMAIL", "true")  # a provider that never sends the claim
    trusted = app()
    trusted.user = user
    trusted.run()
    assert nav(trusted) == NAV | {"Sign out"}


def test_local_mode_refuses_an_address_others_can_reach(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "none.toml"))
    previous = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = app().run()
        assert at.error[0].value.startswith("Community Pulse has no sign-in configured, so it runs in local mode")
        assert not at.metric
        monkeypatch.setenv("PULSE_ALLOW_OPEN_LOCAL_MODE", "true")
        assert not app().run().error
    finally:
        config.set_option("server.address", previous)


def test_a_persons_language_is_kept_once_and_a_second_choice_replaces_it(store):
    first, second = datetime(2026, 3, 10, 12), datetime(2026, 3, 11, 9)
    assert stored_language(store, "ana@example.org") is None
    store_language(store, "ana@example.org", "zh-CN", now=first)
    store_language(store, "bo@example.org", "en", now=first)
    store_language(store, "ana@example.org", "zh-TW", now=second)
    assert (stored_language(store, "ana@example.org"), stored_language(store, "bo@example.org")) == ("zh-TW", "en")
    rows = tables.user_preferences
    with store.read() as connection:
        kept = connection.execute(
            sa.select(rows.c.email, rows.c.language, rows.c.updated_at).order_by(rows.c.email)
        ).all()
    assert [tuple(row) for row in kept] == [("ana@example.org", "zh-TW", second), ("bo@example.org", "en", first)]


@pytest.mark.parametrize(
    "reveal_text, reveal_names, granted",
    [
        (False, False, set()),
        (True, False, {Permission.FREE_TEXT}),
        (False, True, {Permission.MEMBER_NAMES}),
        (True, True, {Permission.FREE_TEXT, Permission.MEMBER_NAMES}),
    ],
)
def test_a_share_link_grants_free_text_and_names_only_as_it_says(reveal_text, reveal_names, granted):
    assert share_grants(reveal_text=reveal_text, reveal_names=reveal_names) == frozenset(granted)
