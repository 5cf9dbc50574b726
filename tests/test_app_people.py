"""AppTest: the People page (suggested matches, merge after a confirmation, dismiss, merge by id,
unmerge), in English and Simplified Chinese, on the community of tests/test_identities.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from data_sources import merges
from data_sources.connectors.archive import Archive, archive_dir
from tests.connector_helpers import connector_settings, migrated_store
from tests.test_identities import DISCOURSE, GITHUB, SECRETS, sync

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def synced(tmp_path, monkeypatch):
    settings = connector_settings(tmp_path, SECRETS)
    for name, (members, activities) in {"discourse": DISCOURSE, "github": GITHUB}.items():
        Archive(archive_dir(settings.data_dir, name)).append(members, activities)
    store = migrated_store(settings)
    sync(settings, store)
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(settings.secrets_file))
    monkeypatch.setenv("PULSE_DATA_DIR", str(settings.data_dir))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_COMMUNITY_SOURCE", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    yield settings, store
    store.dispose()


def open_people(language: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = language
    at.run()
    at.switch_page("pages/people.py")
    return at.run()


def test_a_suggestion_is_merged_after_a_confirmation_then_unmerged(synced):
    _, store = synced
    at = open_people()
    assert not at.exception
    assert at.title[0].value == "People across platforms"
    shown = at.dataframe[0].value
    assert shown[["reason", "identity_a", "handle_a", "identity_b", "handle_b", "activities_b"]].values.tolist() == [
        ["Same email (not verified)", "discourse:2", "bochen", "github:12", "bo", 1],
        ["Same handle", "discourse:3", "cy", "github:13", "cy", 1],
        ["Same name", "discourse:4", "dee4", "github:13", "cy", 1],
    ]
    assert at.info[0].value == "No merges made by an admin."
    at.selectbox(key="people_suggestion").set_value(1).run()
    at.button(key="people_merge_suggestion").click().run()
    assert merges.in_force(store).empty  # asked first
    assert "Merge discourse:3 and github:13 into one member" in at.warning[0].value.replace("\\", "")
    at.button(key="people_merge_confirm").click().run()
    assert not at.exception
    made = merges.in_force(store)
    assert made[["member_a", "member_b", "created_by"]].values.tolist() == [["discourse:3", "github:13", "local"]]
    assert at.dataframe[0].value["identity_a"].tolist() == ["discourse:2", "discourse:4"]  # the merged pair is gone
    at.selectbox(key="people_unmerge_id").set_value(int(made["id"].iloc[0])).run()
    at.button(key="people_unmerge").click().run()
    assert not at.exception
    assert merges.in_force(store).empty
    assert at.dataframe[0].value["identity_a"].tolist() == ["discourse:2", "discourse:3", "discourse:4"]


def test_a_dismissed_suggestion_leaves_the_list_and_an_unknown_id_is_refused_in_chinese(synced):
    _, store = synced
    with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
        at = open_people("zh-CN")
        assert not at.exception
        assert at.title[0].value == "跨平台成员身份"
        at.selectbox(key="people_suggestion").set_value(0).run()
        at.button(key="people_dismiss").click().run()
        assert not at.exception
        assert at.dataframe[0].value["identity_a"].tolist() == ["discourse:3", "discourse:4"]
        assert merges.in_force(store, merges.DISMISS)["member_a"].tolist() == ["discourse:2"]
        at.text_input(key="people_a").input("github:13").run()
        at.text_input(key="people_b").input("github:99").run()
        at.button(key="people_merge_ids").click().run()
        assert not at.exception
        assert "当前数据中没有 ID 为 github" in at.error[0].value
        assert merges.in_force(store).empty


def test_the_lookup_opened_with_an_old_id_shows_the_person(synced):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.query_params["member"] = "discourse:1"  # merged into github:11 by their verified address
    at.switch_page("pages/lookup.py").run()
    assert not at.exception
    assert at.subheader[0].value == "Ann Lee"
    assert any("github:11" in caption.value.replace("\\", "") for caption in at.caption)
