"""The Digests page (AppTest, as the local admin): without channels a note says how an admin adds
one; with channels a manager adds a digest with pickers and sees it listed with its next run on the
community's clock; one without a recipient cannot be saved; one that could not be built says so."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import clock
from digests import due
from digests.subscriptions import add_digest, list_digests
from settings import load_settings
from store.database import AppStore
from tests.test_digests_schedule import Unreadable

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def digests_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/_digests.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def with_channels(configured, tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "http://127.0.0.1:9/services/T/B/page-token"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    return configured


def test_without_channels_the_admin_reads_how_to_add_one(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "none.toml"))
    at = digests_page()
    said = [info.value for info in at.info]
    assert said[0].startswith("No delivery channels are configured, so a digest has nowhere to go yet.")
    assert "`[pulse.channels.NAME]`" in said[0] and said[1] == "No digests yet. Add one below."


def test_a_manager_adds_a_digest_with_pickers_and_sees_its_next_run(with_channels):
    at = digests_page()
    at.text_input(key="digests_new_name").set_value("Weekly **pulse**").run()
    at.selectbox(key="digests_new_weekday").set_value(2).run()  # Wednesday
    at.multiselect(key="digests_new_recipients").set_value(["team-slack"]).run()
    at.button(key="digests_new_save").click().run()
    assert not at.exception and not at.error
    store = AppStore(f"sqlite:///{with_channels / 'app.db'}")
    (digest,) = list_digests(store)
    assert (digest.name, digest.weekday, digest.send_time, digest.recipients, digest.language, digest.created_by) == (
        "Weekly **pulse**",
        2,
        "09:00",
        ("team-slack",),
        "en",
        "local",
    )
    now = clock.now()
    upcoming = now.date() + timedelta(days=(2 - now.weekday()) % 7)
    if datetime.combine(upcoming, datetime.min.time()).replace(hour=9) <= now:
        upcoming += timedelta(days=7)
    table = at.dataframe(key="digests_table").value
    assert list(table["name"]) == ["Weekly **pulse**"]  # as written, not markdown
    assert list(table["schedule"]) == ["Every Wednesday at 09:00"]
    assert list(table["next_run"]) == [f"{upcoming.day} {upcoming:%b %Y}, 09:00"]
    assert list(table["state"]) == ["Active"] and list(table["members"]) == ["Whole community"]
    store.dispose()


def test_a_digest_without_a_recipient_cannot_be_saved(with_channels):
    at = digests_page()
    at.text_input(key="digests_new_name").set_value("Monthly").run()
    assert at.button(key="digests_new_save").disabled


def test_a_failing_digest_says_so_in_the_list_and_why_when_picked(with_channels, monkeypatch):
    # The page would start this process's sender, whose first round retries a digest that failed
    # over 15 minutes ago (and builds it from the fixture) while the page reads the list.
    monkeypatch.setattr("ui.background.start_sender", lambda settings: None)
    store = AppStore(f"sqlite:///{with_channels / 'app.db'}")
    digest_id = add_digest(
        store,
        name="Weekly pulse",
        cadence="weekly",
        weekday=0,
        send_time="09:00",
        language="en",
        recipients=["team-slack"],
        attachment="pdf",
        by="ana@example.org",
        now=datetime(2025, 3, 1),
    )
    failed = datetime(2025, 3, 3, 9, 0, 30)
    due.enqueue_due(load_settings(), store, failed, warehouse=Unreadable())
    at = digests_page()
    listed = at.dataframe(key="digests_table").value
    assert list(listed["state"]) == ["Failing"]
    today = clock.now()  # failed long ago: tried again at the next send, not at its next slot (a Monday)
    assert listed["next_run"][0].startswith(f"{today.day} {today:%b %Y}, ")
    at.session_state["digests_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at = at.run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("This digest could not be made at its last try (3 Mar 2025, 09:00): The community data")
    assert warning.endswith("It is tried again every 15 minutes, and at once after a change.")
    assert (list_digests(store)[0].id, list_digests(store)[0].failed_at) == (digest_id, failed)
    store.dispose()


def test_a_test_digest_to_one_channel_is_one_message(with_channels, monkeypatch):
    monkeypatch.setattr("ui.background.start_sender", lambda settings: None)  # queued, not sent, here
    at = digests_page()
    at.text_input(key="digests_new_name").set_value("Weekly").run()
    at.multiselect(key="digests_new_recipients").set_value(["team-slack"]).run()
    at.button(key="digests_new_save").click().run()
    at.session_state["digests_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run().button(key="digests_try").click().run()
    assert not at.exception
    assert [s.value for s in at.success][-1].startswith("Queued 1 message for ")  # not "1 messages"
    assert at.dataframe(key="digests_table").proto.columns.count("Sends to") == 1  # it has not sent yet
