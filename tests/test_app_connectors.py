"""AppTest: connectors configured on the Data page: the form says which field is wrong, Test
connection answers for a good and a refused key (a loopback Discourse), Save keeps the key out of
the page (only its last four characters are said) and out of the log, the table lists the
connector as set on this page, a platform of secrets.toml is shown read-only, and Remove asks first."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from data_sources.connectors import saved
from settings import load_settings
from store.database import AppStore
from tests.platform_server import discourse_server
from tests.test_connector_discourse import SECRETS, forum

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FORM = "data_connector_discourse"
NOW = datetime(2025, 3, 5, 9, 0)


def open_data() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/data.py")
    return at.run()


def everything(at: AppTest) -> str:
    """Every text the page shows or holds in a widget, tables included."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "success", "error", "info", "warning", "text", "title", "subheader"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [str(widget.value) for widget in [*at.text_input, *at.text_area]]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def fill(at: AppTest, values: dict[str, str]) -> None:
    for field, value in values.items():
        widget = at.text_input(key=f"{FORM}_{field}")
        widget.input(value)


def test_an_admin_adds_tries_and_saves_a_connector_whose_key_is_never_shown_again(
    configured, tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    with discourse_server() as server:
        forum(server)
        at = open_data()
        assert not at.exception
        at.selectbox(key="data_connector_platform").select("discourse").run()
        fill(at, {"url": server.url})
        at.button(key=f"{FORM}_save").click().run()
        assert [element.value for element in at.error] == ["API username: this is needed.  \nAPI key: this is needed."]
        assert saved.saved_connectors(AppStore(f"sqlite:///{configured / 'app.db'}")) == {}

        fill(at, {"api_username": "system", "token_0": "discourse-wrong-key-000"})
        at.button(key=f"{FORM}_try").click().run()
        assert not at.exception
        [refused] = at.error
        assert refused.value.startswith("Discourse refused the connector's key or token (HTTP 403)")
        assert refused.value.endswith("put it in the Discourse connector on the Data page.")

        fill(at, {"token_0": server.api_key})
        at.button(key=f"{FORM}_try").click().run()
        assert [element.value for element in at.success] == [
            "Discourse answered: the connection to 127\\.0\\.0\\.1 works with this token."
        ]
        at.button(key=f"{FORM}_save").click().run()
        assert not at.exception
        assert [element.value for element in at.success] == [
            "The Discourse connector is saved; the next sync fetches it."
        ]
        assert "A token is saved, ending in …6789. It is never shown again" in everything(at)
        assert at.text_input(key=f"{FORM}_token_1").value == ""
        assert server.api_key not in everything(at)
        shown = next(frame.value for frame in at.dataframe if "site" in frame.value.columns)
        assert shown[["connector", "site", "set_in", "fetched"]].values.tolist() == [
            ["Discourse", "127.0.0.1", "This page", True]
        ]

        at = open_data()  # a fresh session: the key is nowhere either
        at.selectbox(key="data_connector_platform").select("discourse").run()
        assert at.text_input(key=f"{FORM}_url").value == server.url
        assert server.api_key not in everything(at)
        settings = load_settings()
        assert saved.read_token(settings, "discourse") == server.api_key
    assert server.api_key not in caplog.text
    assert "discourse-wrong-key-000" not in caplog.text


def test_removing_a_connector_asks_first_then_forgets_it_and_its_key(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    values = {"url": "https://forum.example.org", "api_username": "system"}
    saved.save(store, settings, "discourse", values, token="key-0123456789abcd", enabled=True, actor="ada", now=NOW)
    at = open_data()
    at.selectbox(key="data_connector_platform").select("discourse").run()
    at.button(key=f"{FORM}_remove").click().run()
    assert saved.saved_connectors(store) != {}  # only asked
    at.button(key="data_connector_remove_confirm").click().run()
    assert not at.exception
    assert [element.value for element in at.success] == ["The Discourse connector is removed."]
    assert saved.saved_connectors(store) == {}
    assert not saved.token_path(settings, "discourse").exists()
    store.dispose()


def test_a_platform_configured_in_secrets_toml_is_shown_read_only_in_chinese(configured, tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS.format(url="https://forum.example.org", key="secret-key-0123456789"), encoding="utf-8")
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    with speaking("zh-CN"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["lang"] = "zh-CN"
        at.run()
        at.switch_page("pages/data.py")
        at.run()
        at.selectbox(key="data_connector_platform").select("discourse").run()
        assert not at.exception
        assert [element.value for element in at.info] == [
            "Discourse已在 `secrets.toml`（`[pulse.connectors.discourse]`）中配置，优先于本页：请在那里修改。"
        ]
        assert not [widget for widget in at.text_input if widget.key.startswith(FORM)]
        shown = next(frame.value for frame in at.dataframe if "site" in frame.value.columns)
        assert shown[["connector", "set_in"]].values.tolist() == [["Discourse", "secrets.toml"]]
    assert "secret-key-0123456789" not in everything(at)


def test_feedback_channels_chosen_on_the_page_become_inbox_items_at_sync_now(configured, tmp_path, monkeypatch):
    """A Slack export added on the page with #general chosen for feedback: Sync now builds from it
    and says how many messages became items; the store keeps the channels chosen."""
    import shutil

    from tests.test_connector_slack import EXPORT, zipped

    folder = tmp_path / "export"
    shutil.copytree(EXPORT, folder)
    target = zipped(folder, tmp_path / "export.zip")
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", "connectors")
    at = open_data()
    at.selectbox(key="data_connector_platform").select("slack").run()
    at.text_input(key="data_connector_slack_export").input(str(target))
    at.text_area(key="data_connector_slack_feedback").input("#general")
    at.button(key="data_connector_slack_save").click().run()
    assert not at.exception
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    assert saved.saved_connectors(store)["slack"].feedback_channels == ("#general",)
    at.button(key="data_sync").click().run()
    assert not at.exception
    assert at.success[-1].value == "Feedback from messages: 3 new items in the inbox."
    store.dispose()


def test_a_changed_forum_address_asks_for_the_key_again_and_sends_the_saved_one_nowhere(
    configured, tmp_path, monkeypatch
):
    """The saved key is for the forum it was saved with: pointing the form at another forum with
    an empty key field, Test connection and Save ask for the key again, and the other forum hears
    nothing; typing it sends it there."""
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    with discourse_server() as first, discourse_server() as other:
        forum(other)
        values = {"url": first.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=first.api_key, enabled=True, actor="ada", now=NOW)
        at = open_data()
        at.selectbox(key="data_connector_platform").select("discourse").run()
        fill(at, {"url": other.url})
        asked = [
            "API key: Forum address changed, so type the API key again: the saved one is sent only to the site "
            "it was saved for."
        ]
        at.button(key=f"{FORM}_try").click().run()
        assert not at.exception
        assert [element.value for element in at.error] == asked
        at.button(key=f"{FORM}_save").click().run()
        assert [element.value for element in at.error] == asked
        assert other.requests == [] and first.requests == []
        assert saved.saved_connectors(store)["discourse"].settings["url"] == first.url
        fill(at, {"token_0": other.api_key})
        at.button(key=f"{FORM}_try").click().run()
        assert [element.value for element in at.success] == [
            "Discourse answered: the connection to 127\\.0\\.0\\.1 works with this token."
        ]
        assert other.requests == ["/admin/users/list/active.json?order=created&asc=true&page=1"]
    store.dispose()


def test_a_discord_bot_with_a_feedback_channel_by_name_is_told_to_use_its_id(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    at = open_data()
    at.selectbox(key="data_connector_platform").select("discord").run()
    assert at.text_area(key="data_connector_discord_feedback").help == (
        "Channel ids (digits), one a line: a bot reads channels by id only (names match exported files only). "
        "Each message in these channels becomes a feedback item (once), and only their messages' text is fetched "
        "and kept; no other channel's text ever is. Empty: none."
    )
    at.text_input(key="data_connector_discord_guild").input("1000000000000000001")
    at.text_area(key="data_connector_discord_channels").input("1100000000000000001")
    at.text_input(key="data_connector_discord_token_0").input("discord-bot-token-0123")
    at.text_area(key="data_connector_discord_feedback").input("general")
    at.button(key="data_connector_discord_save").click().run()
    assert not at.exception
    assert [element.value for element in at.error] == [
        "Feedback from messages: channels: general is a name, but a bot reads channels by id: write the "
        "channel's id (digits; in Discord, Copy Channel ID). Names match exported files only."
    ]
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    assert saved.saved_connectors(store) == {}
    store.dispose()


def test_a_connector_turned_on_without_its_token_file_is_named_on_the_page(configured, tmp_path, monkeypatch):
    """The table still lists every connector, and a warning names the one that lacks its token."""
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    values = {"url": "https://forum.example.org", "api_username": "system"}
    saved.save(store, settings, "discourse", values, token="key-0123456789abcd", enabled=True, actor="ada", now=NOW)
    wecom = {"corp_id": "ww0123456789abcdef", "owners": "zhangsan", "api_url": ""}
    saved.save(store, settings, "wecom", wecom, token="wecom-secret-0123", enabled=False, actor="ada", now=NOW)
    saved.token_path(settings, "discourse").unlink()
    saved.token_path(settings, "wecom").unlink()
    at = open_data()
    assert not at.exception
    assert [element.value for element in at.warning] == [
        "The Discourse connector on the Data page has no saved token (its file in the data folder's "
        "connector_tokens is gone): type it again there, or turn off Fetch at each sync."
    ]
    shown = next(frame.value for frame in at.dataframe if "site" in frame.value.columns)
    assert shown[["connector", "site", "fetched"]].values.tolist() == [
        ["Discourse", "forum.example.org", True],
        ["WeCom", "ww0123456789abcdef: zhangsan", False],
    ]
    store.dispose()
