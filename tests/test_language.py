"""Choosing the language (AppTest, local mode on the fixture community): ?lang= on any address, the
switch (kept for the person), the community default, a share link in its maker's language, and
addresses that read the same in every language."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth.share_links import create_link
from catalog import translate
from catalog.spoken import speaking
from settings import load_settings, signing_secret
from store.database import AppStore

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def local(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "none.toml"))  # local mode
    return configured


def app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if page:
        at.run()
        at.switch_page(page)
    at.query_params.update(query or {})
    return at.run()


def nav(at: AppTest) -> set[str]:
    return {str(info.get("page_name")) for info in at._registered_pages.values()}


def test_english_by_default_and_lang_on_the_address_switches(local):
    english = app()
    assert english.title[0].value == "Overview" and "Members" in nav(english)
    chinese = app({"lang": "zh-CN"})
    assert not chinese.exception
    assert chinese.title[0].value == translate("overview.title", "zh-CN")
    assert translate("nav.members", "zh-CN") in nav(chinese)
    assert chinese.selectbox(key="pulse_language_switch").value == "zh-CN"
    assert app({"lang": "zh-Hant"}).title[0].value == translate("overview.title", "zh-TW")


def test_the_community_default_applies_when_the_browser_asks_for_nothing(local, monkeypatch):
    monkeypatch.setenv("PULSE_LANGUAGE", "zh-TW")
    assert app().title[0].value == translate("overview.title", "zh-TW")


def test_the_switch_changes_the_page_and_is_kept_for_the_person(local):
    at = app()
    at.selectbox(key="pulse_language_switch").set_value("zh-CN").run()
    assert at.title[0].value == translate("overview.title", "zh-CN")
    later = app()  # another session of the same person (local mode's one admin): their kept choice
    assert later.title[0].value == translate("overview.title", "zh-CN")
    assert app({"lang": "en"}).title[0].value == "Overview"  # an address still decides for its visit


def test_a_share_link_opens_in_its_makers_language_unless_the_viewer_chooses(local):
    store = AppStore(f"sqlite:///{local / 'app.db'}")
    secret = signing_secret(load_settings())  # the app's own key, made on first need
    token = create_link(
        store,
        page="members",
        query={"period": "last_28_days", "lang": "zh-CN"},
        reveal_text=False,
        reveal_names=False,
        created_by="local",
        now=datetime.now().replace(microsecond=0),
        secret=secret,
    )
    store.dispose()
    assert app({"share": token}).title[0].value == translate("members.title", "zh-CN")
    assert app({"share": token, "lang": "en"}).title[0].value == "Members"


@pytest.mark.parametrize("language", ["en", "zh-CN", "zh-TW"])
def test_an_inbox_address_reads_the_same_in_every_language(local, language):
    query = {"feedback_status": "new,triaged", "feedback_sentiment": "negative", "feedback_sort": "newest"}
    at = app(query | {"lang": language}, page="pages/_feedback.py")
    assert not at.exception
    assert at.title[0].value == translate("feedback.title", language)
    assert at.multiselect(key="pulse_choice_feedback_status").value == ["new", "triaged"]
    assert at.selectbox(key="pulse_choice_feedback_sentiment").value == "negative"
    assert at.selectbox(key="pulse_choice_feedback_sort").value == "newest"
    with speaking(language):  # AppTest labels each selectbox's value in this thread, by its format_func
        at.selectbox(key="pulse_choice_feedback_sentiment").set_value("positive").run()
    assert at.title[0].value == translate("feedback.title", language)
    assert at.query_params["feedback_sentiment"] == "positive"  # a code, whatever the language
