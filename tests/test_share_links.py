"""Share links: signing, expiry, revocation, tampering, the view a link keeps, and what a link's page
shows (AppTest)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer
from streamlit.testing.v1 import AppTest

from auth.accounts import hash_password
from auth.share_links import (
    NOT_VALID,
    LinkRefused,
    create_link,
    link_url,
    list_links,
    open_link,
    revoke,
    stored_view,
)
from metrics.filters import EARLIEST, Filters, legacy_keys, preset_period, view_filters, view_from_address, view_query
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import load_definition
from tests.conftest import migrated_store
from ui.page import LAYOUT
from ui.presentation import STYLE as PRESENTING

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOW = datetime(2026, 3, 10, 12)
SECRET = "share-secret"
MEMBERS_QUERY = {"period": "custom", "start": "2025-03-01", "end": "2025-03-08", "region": "EU"}


@pytest.fixture
def store(tmp_path) -> AppStore:
    app_store = migrated_store(tmp_path / "app.db")
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


def test_a_links_address_is_its_page_and_token_only():
    # One slash between the app's address and the page, whether or not the address ends with one;
    # the token quoted for an address.
    assert link_url("https://pulse.example.org/", page="members", token="a.b/c=") == (
        "https://pulse.example.org/members?share=a.b%2Fc%3D"
    )
    assert link_url("https://pulse.example.org/app", page="overview", token="t") == (
        "https://pulse.example.org/app/overview?share=t"
    )
    # Only slashes are trimmed: an address ending in another character keeps it.
    assert link_url("https://pulse.example.org/PULSEX/", page="members", token="t") == (
        "https://pulse.example.org/PULSEX/members?share=t"
    )


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


def test_revoking_a_link_again_keeps_when_it_was_revoked(store):
    link_id = open_link(store, make(store), secret=SECRET, now=NOW).id
    revoke(store, link_id, now=NOW + timedelta(minutes=5))
    revoke(store, link_id, now=NOW + timedelta(minutes=9))  # a second manager's click, or a page shown twice
    with store.begin() as connection:
        revoked = connection.execute(
            sa.select(tables.share_links.c.revoked_at).where(tables.share_links.c.id == link_id)
        ).scalar_one()
    assert revoked == NOW + timedelta(minutes=5)


def test_links_are_listed_newest_first_and_expire_exactly_at_their_end(store):
    hour = timedelta(hours=1)
    tokens = [
        make(store),
        make(store, page="overview", query={"period": "last_7_days"}, reveal_text=True, now=NOW + hour, days=1),
        make(store, reveal_names=True, now=NOW + hour),  # made in the same moment: the later one first
    ]
    first, second, third = (open_link(store, token, secret=SECRET, now=NOW + hour).id for token in tokens)
    revoke(store, first, now=NOW + 2 * hour)  # that link only
    end = NOW + hour + timedelta(days=1)  # the second link's end, exactly
    listed = list_links(store, now=end)
    columns = ["id", "page", "state", "reveal_names", "reveal_text", "query"]
    assert listed[columns].values.tolist() == [
        [third, "members", "active", True, False, MEMBERS_QUERY],
        [second, "overview", "expired", False, True, {"period": "last_7_days"}],
        [first, "members", "revoked", False, False, MEMBERS_QUERY],
    ]
    assert listed["created_at"].astype(str).tolist() == [
        "2026-03-10 13:00:00",
        "2026-03-10 13:00:00",
        "2026-03-10 12:00:00",
    ]
    with pytest.raises(LinkRefused) as expired:
        open_link(store, tokens[1], secret=SECRET, now=end)
    assert (expired.value.key, expired.value.values) == ("share.refused.expired", {"when": "2026-03-11 13:00 UTC"})
    with pytest.raises(LinkRefused) as revoked:
        open_link(store, tokens[0], secret=SECRET, now=end)
    assert (revoked.value.key, revoked.value.values) == ("share.refused.revoked", {})
    assert open_link(store, tokens[2], secret=SECRET, now=end).expires_at == NOW + hour + timedelta(days=7)


def test_a_well_signed_token_of_no_stored_link_is_not_valid(store):
    token = URLSafeSerializer(SECRET, salt="pulse-share").dumps({"id": 999})
    assert refusal(store, token) == NOT_VALID


def test_only_dashboard_pages_and_views_can_be_shared_and_only_with_a_key(store):
    for changes, message in (
        (
            {"page": "feedback"},
            "feedback cannot be shared; these can: overview, members, engagement, campaigns, surveys",
        ),
        ({"secret": ""}, "A share link needs a signing key (settings.signing_secret)."),
        (  # widget keys, not a view
            {"query": {"members_region": "EU", "members_dates": "x"}},
            "A share link keeps only period, start, end, channel, region, segment, survey, present, lang; "
            "not members_dates, members_region.",
        ),
    ):
        with pytest.raises(ValueError) as refused:
            make(store, **changes)
        assert str(refused.value) == message


@pytest.mark.parametrize(
    ("stored", "view"),
    [
        (  # fixed dates: the widget's inclusive last day becomes the exclusive end
            {"members_period": "Custom dates", "members_dates": "2025-03-01--2025-03-07", "members_region": "EU"},
            {"period": "custom", "start": "2025-03-01", "end": "2025-03-08", "region": "EU"},
        ),
        ({"members_period": "Last 90 days", "present": "1"}, {"period": "last_90_days", "present": "1"}),
        ({"members_segment": "dev", "utm": "x"}, {"segment": "dev"}),  # unknown keys dropped
        (  # the survey shown and the maker's language are kept as they are
            {"surveys_survey": "pulse", "survey": "pulse", "lang": "zh-TW"},
            {"survey": "pulse", "lang": "zh-TW"},
        ),
        (  # a last day with no day after it: the view is malformed, and opens with a message
            {"members_period": "Custom dates", "members_dates": "2025-03-01--9999-12-31"},
            {"period": "custom", "start": "2025-03-01", "end": ""},
        ),
    ],
)
def test_a_link_made_before_views_were_kept_opens_with_its_filters(store, stored, view):
    with store.begin() as connection:
        connection.execute(
            tables.share_links.insert().values(
                id=7,
                page="members",
                query=stored,
                reveal_text=False,
                reveal_names=False,
                created_by="ana",
                created_at=NOW,
                expires_at=NOW + timedelta(days=7),
            )
        )
    token = URLSafeSerializer(SECRET, salt="pulse-share").dumps({"id": 7})
    assert open_link(store, token, secret=SECRET, now=NOW).query == view


TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("view", "start", "end", "region"),
    [
        ({"period": "last_28_days", "region": "EU"}, date(2026, 11, 2), TODAY, "EU"),  # rolling: follows today
        ({"period": "last_month"}, date(2026, 10, 1), date(2026, 11, 1), None),
        ({"period": "custom", "start": "2025-03-01", "end": "2025-03-08"}, date(2025, 3, 1), date(2025, 3, 8), None),
        ({}, date(2026, 11, 2), TODAY, None),  # nothing said: the pages' default
    ],
)
def test_a_view_stands_for_its_filters_on_the_day_it_is_opened(view, start, end, region):
    filters = view_filters(view, timezone="Asia/Shanghai", today=TODAY)
    assert (filters.start, filters.end, filters.region, filters.timezone) == (start, end, region, "Asia/Shanghai")


def test_a_view_keeps_a_preset_or_the_dates_and_only_the_filters_set():
    filters = Filters(start=date(2026, 11, 23), end=TODAY, region="EU", segment="dev")
    assert view_query(filters, period="last_7_days") == {"period": "last_7_days", "region": "EU", "segment": "dev"}
    fixed = view_query(filters, period="custom")
    assert fixed == {"period": "custom", "start": "2026-11-23", "end": "2026-11-30", "region": "EU", "segment": "dev"}
    assert view_filters(fixed, timezone="UTC", today=date(2027, 1, 1)) == filters  # a fixed view never moves


@pytest.mark.parametrize(
    ("address", "view"),
    [
        # dates without a period were custom dates; the last day given becomes the exclusive end
        (
            {"overview_dates": "2025-03-01--2025-03-07"},
            {"period": "custom", "start": "2025-03-01", "end": "2025-03-08"},
        ),
        (  # the older label of custom dates
            {"members_period": "Custom", "members_dates": "2025-03-01--2025-03-07"},
            {"period": "custom", "start": "2025-03-01", "end": "2025-03-08"},
        ),
        ({"members_period": "Custom dates"}, {"period": "custom"}),  # without dates: view_filters refuses it
        ({"members_dates": "2025-03-01--"}, {}),  # a range without its last day
        ({"members_period": "Last 90 days", "period": "last_7_days"}, {"period": "last_7_days"}),  # today's words win
        ({"members_period": "Last 7 days", "members_dates": "2025-03-01--2025-03-07"}, {"period": "last_7_days"}),
        ({"engagement_period": "This month so far", "members_region": "EU"}, {"period": "this_month", "region": "EU"}),
    ],
)
def test_an_earlier_versions_address_is_translated_to_a_view(address, view):
    assert view_from_address(address) == view


def test_the_earlier_versions_parameters_are_found_to_be_dropped():
    address = {
        "region": "US",
        "members_region": "EU",
        "overview_dates": "x",
        "overview_segment": "dev",
        "surveys_period": "Last 7 days",
    }
    assert legacy_keys(address) == ["overview_dates", "overview_segment", "members_region", "surveys_period"]


# Thursday 5 March 2026: Monday is 2 March; February 2026 has 28 days and 2025 365.
THURSDAY = date(2026, 3, 5)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("today", THURSDAY, date(2026, 3, 6)),  # "so far" presets include today
        ("this_week", date(2026, 3, 2), date(2026, 3, 6)),
        ("this_month", date(2026, 3, 1), date(2026, 3, 6)),
        ("last_month", date(2026, 2, 1), date(2026, 3, 1)),
        ("last_7_days", date(2026, 2, 26), THURSDAY),  # the others end with yesterday
        ("last_28_days", date(2026, 2, 5), THURSDAY),
        ("last_90_days", date(2025, 12, 5), THURSDAY),
        ("last_365_days", date(2025, 3, 5), THURSDAY),
    ],
)
def test_each_preset_covers_its_days(preset, start, end):
    assert preset_period(preset, today=THURSDAY) == (start, end)


def test_custom_dates_run_from_the_earliest_day_to_today_included():
    widest = {"period": "custom", "start": EARLIEST.isoformat(), "end": "2026-12-01"}  # end exclusive: today's end
    filters = view_filters(widest, timezone="UTC", today=TODAY)
    assert (filters.start, filters.end) == (EARLIEST, date(2026, 12, 1))
    for start, end in (("1999-12-31", "2026-12-01"), (EARLIEST.isoformat(), "2026-12-02")):
        with pytest.raises(ValueError) as refused:
            view_filters({"period": "custom", "start": start, "end": end}, timezone="UTC", today=TODAY)
        assert str(refused.value) == f"Dates from 2000-01-01 up to today, not {start} to {end}."


@pytest.mark.parametrize(
    "view",
    [{"period": "yesterday"}, {"period": "custom", "start": "2025-03-01"}, {"period": "custom", "end": "2025-03-08"}],
)
def test_a_malformed_view_is_refused(view):
    with pytest.raises(ValueError) as refused:
        view_filters(view, timezone="UTC", today=TODAY)
    if view["period"] == "yesterday":
        assert str(refused.value) == "Unknown period 'yesterday'."


def test_a_view_of_an_unknown_period_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError) as refused:
        view_query(Filters(start=TODAY, end=date(2026, 12, 1)), period="yesterday")
    assert str(refused.value) == (
        "Unknown period 'yesterday'; one of last_28_days, last_7_days, last_90_days, last_365_days, today, "
        "this_week, this_month, last_month, custom."
    )


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


def test_a_share_link_shows_its_page_alone_without_names_or_ids(app_store):
    token = make(app_store, now=datetime.now().replace(microsecond=0))
    at = open_shared(token)
    assert not at.exception
    assert at.title[0].value == "Members"
    assert {str(info.get("page_name")) for info in at._registered_pages.values()} == {"Members"}
    columns = tables_shown(at)
    assert columns and all(not {"name", "member_id", "email"} & set(shown) for shown in columns)
    assert not at.number_input and not at.get("popover")  # no Share button: a link cannot make links
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/_feedback.py")


def test_a_link_that_reveals_names_shows_them_but_never_emails(app_store):
    token = make(app_store, reveal_names=True, now=datetime.now().replace(microsecond=0))
    columns = tables_shown(open_shared(token))
    assert any("name" in shown and "member_id" in shown for shown in columns)
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


def sign_in_as_manager() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="sign_in_email").input("ana@example.org")
    at.text_input(key="sign_in_password").input("x" * 12)
    at.button[0].click().run()
    return at


def test_a_manager_makes_a_link_from_the_share_button(app_store):
    at = sign_in_as_manager()
    assert not at.number_input and not at.checkbox  # the Share button's form is drawn only while it is open
    at.session_state["overview_share"] = True  # opened (a lazy popover: opening it reruns the page)
    at.run()
    assert [field.key for field in at.number_input] == ["overview_share_days"]  # inside the Share button
    at.checkbox(key="overview_share_names").check()
    at.button(key="overview_share_create").click().run()
    url = at.code[0].value
    assert url.startswith("http://localhost:8501/overview?share=") and "&" not in url  # the token alone
    made = list_links(app_store, now=datetime.now())
    assert made[["page", "state", "created_by", "reveal_names", "reveal_text"]].values.tolist() == [
        ["overview", "active", "ana@example.org", True, False]
    ]
    assert made["query"].iloc[0] == {"period": "last_28_days", "present": "1", "lang": "en"}  # rolling by default

    at.radio(key="overview_share_rolling").set_value(False).run()  # or fixed to the dates on screen
    at.checkbox(key="overview_share_present").uncheck()
    at.button(key="overview_share_create").click().run()
    today = datetime.now(UTC).date()
    fixed = list_links(app_store, now=datetime.now())["query"].iloc[0]
    assert fixed == {"period": "custom", "start": str(today - timedelta(days=28)), "end": str(today), "lang": "en"}


def test_share_works_out_of_the_box_with_a_key_made_on_first_need(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))  # local mode, nothing set
    key_file = configured / "session_secret"
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["overview_share"] = True  # the Share button opened
    at.run()
    assert not key_file.exists()  # made on first need only
    at.button(key="overview_share_create").click().run()
    assert not at.exception and not at.error
    url = at.code[0].value
    assert oct(key_file.stat().st_mode & 0o777) == "0o600" and len(key_file.read_text()) >= 32
    token = url.rsplit("share=", 1)[1]
    shared = AppTest.from_file(APP, default_timeout=60)
    shared.query_params["share"] = token
    shared.run()
    assert not shared.exception and not shared.error
    assert shared.title[0].value == "Overview"
    key_file.write_text("x" * 40)  # a new key (as rotating session_secret would) voids every link
    assert [error.value for error in shared.run().error] == [NOT_VALID]


def test_the_links_list_names_the_local_user_and_asks_in_the_readers_words(configured, tmp_path, monkeypatch):
    """In local mode a link's maker was listed as the raw "local" (now "local user": not "you", as
    sign-in may be set up later); how to revoke one is said in the reader's words."""
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))  # local mode
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["overview_share"] = True  # the Share button opened
    at.run()
    at.button(key="overview_share_create").click().run()
    at.switch_page("pages/sharing.py").run()
    assert not at.exception
    assert at.dataframe[0].value["created_by"].tolist() == ["local user"]
    assert "Select a link's row to revoke it." in [caption.value for caption in at.caption]
    at.query_params["lang"] = "zh-CN"
    at.run()
    assert at.dataframe[0].value["created_by"].tolist() == ["本机用户"]
    assert "选择一行链接即可撤销。" in [caption.value for caption in at.caption]


def captions(at: AppTest) -> str:
    """The captions' text as read: markdown escapes removed, and the word joiners and no-break spaces
    that keep each date of the period caption whole as nothing and spaces."""
    text = " ".join(caption.value for caption in at.caption).replace("\\", "")
    return text.replace("\u2060", "").replace("\u00a0", " ")


def members_value(at: AppTest) -> str:
    return next(metric.value for metric in at.metric if metric.label == "Members")


def test_a_share_link_shows_the_signed_view_whatever_is_added_to_its_address(app_store):
    token = make(app_store, now=datetime.now().replace(microsecond=0))  # Europe, 1-7 March 2025
    plain = open_shared(token)
    assert members_value(plain) == "3"  # alice, bob and gina joined in Europe before 8 March
    added = AppTest.from_file(APP, default_timeout=60)
    added.query_params.update(
        {
            "share": token,
            "members_region": "US",
            "members_channel": "forum",
            "members_segment": "biz",
            "members_period": "Last 90 days",
            "members_dates": "2025-01-01--2025-03-07",
            "period": "last_90_days",
            "region": "US",
            "present": "1",
        }
    )
    added.run()
    assert not added.exception
    assert members_value(added) == "3"
    assert [metric.value for metric in added.metric] == [metric.value for metric in plain.metric]
    assert [box.key for box in added.selectbox] == ["pulse_language_switch"]  # no filter widgets: the view is fixed
    assert not added.date_input
    assert "1 Mar 2025 – 7 Mar 2025" in captions(added) and "Region: EU" in captions(added)
    styles = [element.proto.body for element in added.get("html")]
    assert styles == [LAYOUT]  # the app's layout; present=1 added to the address does not present


def test_a_link_made_to_present_presents_and_a_projector_shows_nothing_personal(app_store):
    token = make(app_store, query={**MEMBERS_QUERY, "present": "1"}, reveal_names=True, now=datetime.now())
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"share": token, "present": "0"})
    at.run()
    styles = [element.proto.body for element in at.get("html")]
    assert styles == [LAYOUT, PRESENTING]  # presenting, as the link was made (the presentation's wins, drawn last)
    assert not at.get("download_button")
    assert "Presentation mode hides email addresses, what members wrote." in captions(at)
    columns = tables_shown(at)
    assert any("name" in shown for shown in columns) and all("email" not in shown for shown in columns)
    assert any("member_id" in shown for shown in columns)  # the link reveals names, and so ids


@pytest.mark.parametrize(("reveal_text", "reveal_names"), [(False, False), (True, False), (True, True)])
def test_a_survey_link_shows_written_answers_only_when_it_reveals_them(app_store, reveal_text, reveal_names):
    """... and who wrote one (the member's id) only when it reveals names too."""
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
    shows = {"reveal_text": reveal_text, "reveal_names": reveal_names}
    token = make(app_store, page="surveys", query={"survey": "post-event"}, **shows, now=now)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"survey": "pulse", "share": token})  # another survey in the address: ignored
    at.run()
    assert not at.exception
    assert [header.value.replace("\\", "") for header in at.header] == ["How was Community Day?"]
    assert not at.dataframe or "slug" not in at.dataframe[0].value.columns  # not the list of every survey
    assert [tab.label for tab in at.tabs] == ["Results"]  # no links or settings through a share link
    shown = [frame.value for frame in at.dataframe]
    has_text = any("text" in frame.columns and "Loved the talks" in set(frame["text"]) for frame in shown)
    assert has_text is reveal_text
    writers = {writer for frame in shown if "member_id" in frame.columns for writer in frame["member_id"]}
    assert writers == ({"alice"} if reveal_text and reveal_names else set())


def test_the_share_links_page_says_what_personal_data_each_link_shows(app_store):
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    make(app_store, now=now, reveal_names=True)
    make(app_store, now=now, reveal_names=True, reveal_text=True)
    at = sign_in_as_manager()
    at.switch_page("pages/sharing.py")
    at.run()
    assert sorted(at.dataframe[0].value["shows"]) == [
        "Members' names and ids",
        "Members' names and ids · What members wrote",
    ]


def test_the_share_links_page_lists_links_in_words_and_revokes_one(app_store):
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    token = make(app_store, now=now)
    at = sign_in_as_manager()
    at.switch_page("pages/sharing.py")
    at.run()
    listed = at.dataframe[0].value
    assert listed[["page", "view", "state", "shows", "created_by", "last_used"]].values.tolist() == [
        ["Members", "Fixed: 1 Mar 2025 – 7 Mar 2025 · Region: EU", "Active", "Not shown", "ana@example.org", "Never"]
    ]  # "Personal data: Not shown"
    assert "sharing_revoke" not in [button.key for button in at.button]  # nothing picked: nothing to revoke
    picked = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.session_state[f"sharing_table_{int(listed['id'].iloc[0])}"] = (
        picked  # the row picked (of the newest link's table)
    )
    at.run()
    link = f"#{int(listed['id'].iloc[0])} (Members)"
    assert at.button(key="sharing_revoke").label == f"Revoke {link}"
    at.button(key="sharing_revoke").click().run()
    assert at.dataframe[0].value["state"].tolist() == ["Active"]  # asked first
    assert any(f"Revoke {link}?" in w.value for w in at.warning)
    at.button(key="sharing_revoke_cancel").click().run()
    assert at.dataframe[0].value["state"].tolist() == ["Active"] and not at.warning
    at.button(key="sharing_revoke").click().run()
    at.button(key="sharing_revoke_confirm").click().run()
    assert at.dataframe[0].value["state"].tolist() == ["Revoked"]
    assert f"{link}: Revoked. There is nothing to revoke." in [caption.value for caption in at.caption]
    assert "sharing_revoke" not in [button.key for button in at.button]
    with pytest.raises(LinkRefused, match="revoked"):
        open_link(app_store, token, secret=SECRET, now=now)


def test_the_share_links_page_describes_an_older_link_as_it_opens():
    from ui.sharing import describe_view

    older = {"overview_period": "Last 90 days", "overview_region": "EU", "present": "1"}
    assert describe_view(stored_view(older)) == "Last 90 days · Region: EU · presentation mode"


def page_shown(at: AppTest) -> list[object]:
    """Everything a page drew that a person reads: text elements, tiles and tables' contents."""
    texts = [
        (kind, element.value)
        for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error")
        for element in at.get(kind)
    ]
    tiles = [(metric.label, metric.value) for metric in at.metric]
    tables_ = [frame.value.to_csv() for frame in at.dataframe]
    return [*texts, *tiles, *tables_]


# Every choice a page keeps in its address, and the parameters of pages a link cannot open.
ADDED = {
    "members": {"group": "EU", "level": "champion", "growth_by": "region", "member": "alice"},
    "engagement": {
        "activity_by": "platform",
        "activity_kind": "post",
        "activity_platform": "forum",
        "platform": "forum",
    },
    "campaigns": {"campaign": "meetup", "kind": "event", "item": "1"},
    "overview": {"member": "alice", "item": "1", "survey": "post-event", "campaign": "meetup"},
}


@pytest.mark.parametrize("page", sorted(ADDED))
@pytest.mark.parametrize("present", [False, True])
def test_no_parameter_added_to_a_link_changes_what_its_page_shows(app_store, page, present):
    query = {**MEMBERS_QUERY, "region": "EU"} | ({"present": "1"} if present else {})
    token = make(app_store, page=page, query=query, now=datetime.now().replace(microsecond=0))
    plain = open_shared(token)
    assert not plain.exception and plain.title[0].value.replace("\\", "")
    for name, value in ADDED[page].items():
        added = AppTest.from_file(APP, default_timeout=60)
        added.query_params.update({"share": token, name: value})
        added.run()
        assert not added.exception, name
        assert page_shown(added) == page_shown(plain), name
        assert dict(added.query_params) == {"share": token, name: value}  # nothing written into a link's address
