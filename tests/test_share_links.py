"""Share links: signing, expiry, revocation, tampering, and what a link's page shows (AppTest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth.accounts import hash_password
from auth.share_links import NOT_VALID, LinkRefused, create_link, list_links, open_link, revoke
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import load_definition

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOW = datetime(2026, 3, 10, 12)
SECRET = "share-secret"
MEMBERS_QUERY = {"members_period": "Custom", "members_dates": "2025-03-01--2025-03-07", "members_region": "EU"}


@pytest.fixture
def store(tmp_path) -> AppStore:
    app_store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    app_store.migrate()
    yield app_store
    app_store.dispose()


def make(store: AppStore, **changes: object) -> str:
    values = {
        "page": "members",
        "query": MEMBERS_QUERY,
        "reveal_text": False,
        "reveal_names": False,
        "created_by": "ana@example.org",
        "now": NOW,
        "secret": SECRET,
    } | changes
    return create_link(store, **values)


def refusal(store: AppStore, token: str, *, now: datetime = NOW, secret: str = SECRET) -> str:
    with pytest.raises(LinkRefused) as refused:
        open_link(store, token, secret=secret, now=now)
    return refused.value.user_message


def test_a_link_opens_its_page_with_its_filters_and_records_the_use(store):
    token = make(store, reveal_names=True)
    link = open_link(store, token, secret=SECRET, now=NOW + timedelta(hours=1))
    assert (link.page, link.query, link.reveal_names, link.reveal_text) == ("members", MEMBERS_QUERY, True, False)
    listed = list_links(store, now=NOW + timedelta(hours=2))
    assert listed[["page", "state", "created_by"]].values.tolist() == [["members", "active", "ana@example.org"]]
    assert str(listed["last_used_at"].iloc[0]) == "2026-03-10 13:00:00"
    assert str(listed["expires_at"].iloc[0]) == "2026-03-17 12:00:00"  # seven days by default


def test_a_tampered_or_foreign_token_is_not_valid(store):
    token = make(store)
    body, _, signature = token.rpartition(".")
    assert refusal(store, f"{body}.{signature[::-1]}") == NOT_VALID
    assert refusal(store, token, secret="another secret") == NOT_VALID
    assert refusal(store, "not-a-token") == NOT_VALID


def test_an_expired_link_says_when_it_expired(store):
    token = make(store, days=1)
    assert open_link(store, token, secret=SECRET, now=NOW + timedelta(hours=23)).page == "members"
    assert refusal(store, token, now=NOW + timedelta(days=1)) == (
        "This link expired on 2026-03-11 12:00 UTC. Ask for a new one."
    )
    assert list_links(store, now=NOW + timedelta(days=2))["state"].tolist() == ["expired"]


def test_a_revoked_link_stops_working_at_once(store):
    token = make(store)
    link_id = open_link(store, token, secret=SECRET, now=NOW).id
    revoke(store, link_id, now=NOW + timedelta(minutes=5))
    assert refusal(store, token, now=NOW + timedelta(minutes=6)) == (
        "This link was revoked. Ask whoever shared it for a new one."
    )
    assert list_links(store, now=NOW)["state"].tolist() == ["revoked"]


def test_only_dashboard_pages_can_be_shared_and_only_with_a_secret(store):
    with pytest.raises(ValueError, match="feedback cannot be shared"):
        make(store, page="feedback")
    with pytest.raises(LinkRefused, match="Share links need session_secret"):
        make(store, secret="")


# The link in the app.


@pytest.fixture
def app_store(configured, tmp_path, monkeypatch) -> AppStore:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[pulse]\nsession_secret = "{SECRET}"\n[pulse.accounts]\n'
        f'"ana@example.org" = {{ role = "manager", password_hash = "{hash_password("x" * 12)}" }}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    yield store
    store.dispose()


def open_shared(token: str, page: str = "members") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"share": token})
    return at.run()


def tables_shown(at: AppTest) -> list[list[str]]:
    return [list(frame.value.columns) for frame in at.dataframe]


def test_a_share_link_shows_its_page_alone_without_names(app_store):
    token = make(app_store, now=datetime.now().replace(microsecond=0))
    at = open_shared(token)
    assert not at.exception
    assert at.title[0].value == "Members"
    assert {str(info.get("page_name")) for info in at._registered_pages.values()} == {"Members"}
    columns = tables_shown(at)
    assert columns and all("name" not in shown and "email" not in shown for shown in columns)
    assert not at.number_input and not at.get("popover")  # no Share button: a link cannot make links
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/feedback.py")


def test_a_link_that_reveals_names_shows_them_but_never_emails(app_store):
    token = make(app_store, reveal_names=True, now=datetime.now().replace(microsecond=0))
    columns = tables_shown(open_shared(token))
    assert any("name" in shown for shown in columns)
    assert all("email" not in shown for shown in columns)


@pytest.mark.parametrize("spoil", ["revoke", "tamper"])
def test_a_revoked_or_tampered_link_shows_a_message_and_nothing_else(app_store, spoil):
    now = datetime.now().replace(microsecond=0)
    token = make(app_store, now=now)
    if spoil == "revoke":
        revoke(app_store, open_link(app_store, token, secret=SECRET, now=now).id, now=now)
        message = "This link was revoked. Ask whoever shared it for a new one."
    else:
        token = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
        message = NOT_VALID
    at = open_shared(token)
    assert [error.value for error in at.error] == [message]
    assert not at.title and not at.metric and not at.dataframe


def test_a_manager_makes_a_link_from_the_share_button(app_store):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="sign_in_email").input("ana@example.org")
    at.text_input(key="sign_in_password").input("x" * 12)
    at.button[0].click().run()
    assert [field.key for field in at.number_input] == ["overview_share_days"]  # inside the Share button
    at.checkbox(key="overview_share_names").check()
    at.button(key="overview_share_create").click().run()
    url = at.code[0].value
    assert url.startswith("http://localhost:8501/overview?") and "present=1" in url and "&share=" in url
    made = list_links(app_store, now=datetime.now())
    assert made[["page", "state", "created_by", "reveal_names", "reveal_text"]].values.tolist() == [
        ["overview", "active", "ana@example.org", True, False]
    ]


@pytest.mark.parametrize("reveal_text", [False, True])
def test_a_survey_link_shows_written_answers_only_when_it_reveals_them(app_store, reveal_text):
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    survey = load_definition(Path(APP).parent / "surveys" / "post-event.yaml")
    registry.register(app_store, survey, timezone="UTC", now=now - timedelta(days=2))
    survey_id = registry.load_survey(app_store, "post-event").id
    with app_store.begin() as connection:
        response_id = connection.execute(
            tables.responses.insert().values(
                survey_id=survey_id,
                member_id="alice",
                submitted_at=now - timedelta(days=1),
                completed=True,
                idempotency_key="share-text",
                source="test",
            )
        ).inserted_primary_key[0]
        connection.execute(
            tables.answers.insert().values(
                response_id=response_id, question_id="why", question_type="long_text", value_text="Loved the talks"
            )
        )
    token = make(app_store, page="surveys", query={"survey": "post-event"}, reveal_text=reveal_text, now=now)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"survey": "post-event", "share": token})
    at.run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Results"]  # no links or settings through a share link
    shown = [frame.value for frame in at.dataframe]
    has_text = any("text" in frame.columns and "Loved the talks" in set(frame["text"]) for frame in shown)
    assert has_text is reveal_text


def test_the_share_links_page_lists_links_and_revokes_one(app_store):
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    token = make(app_store, now=now)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="sign_in_email").input("ana@example.org")
    at.text_input(key="sign_in_password").input("x" * 12)
    at.button[0].click().run()
    at.switch_page("pages/sharing.py")
    at.run()
    listed = at.dataframe[0].value
    assert listed[["page", "state", "created_by"]].values.tolist() == [["members", "active", "ana@example.org"]]
    assert listed["filters"].iloc[0] == "members_period=Custom, members_dates=2025-03-01--2025-03-07, members_region=EU"
    at.selectbox(key="sharing_revoke_id").set_value(int(listed["id"].iloc[0])).run()
    at.button(key="sharing_revoke").click().run()
    assert at.dataframe[0].value["state"].tolist() == ["revoked"]
    with pytest.raises(LinkRefused, match="revoked"):
        open_link(app_store, token, secret=SECRET, now=now)
