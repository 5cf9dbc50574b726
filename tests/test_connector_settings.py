"""Connectors configured on the Data page (data_sources/connectors/saved.py) and Test connection
(trial.py): the form's checks name their field, the token is kept in a 0600 file and never logged,
secrets.toml wins, a sync (as `cli.py sync` runs it) reads the page's connectors, a connector turned
off is not fetched, and Test connection says plainly what is wrong, naming the connector, against
loopback platforms."""

from __future__ import annotations

import logging
import socket
import stat
from datetime import datetime

import pytest
import sqlalchemy as sa

import logs
from data_sources.connectors import saved
from data_sources.connectors.config import DiscourseConfig, GithubConfig
from data_sources.connectors.errors import ConnectorNotConfigured, PlatformFailed, TokenRefused, on_page
from data_sources.connectors.trial import try_connection
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors, warehouse_rows
from tests.platform_server import (
    discord_server,
    discourse_server,
    github_server,
    slack_api_server,
    wecom_server,
)
from tests.test_connector_discourse import SECRETS, forum

NOW = datetime(2025, 3, 5, 9, 0)
KEY = "discourse-key-0123456789"  # the loopback Discourse's key


def english(problems: list[saved.FieldProblem]) -> list[tuple[str, str]]:
    return [(problem.field, str(problem.said)) for problem in problems]


@pytest.mark.parametrize(
    ("name", "values", "token", "expected"),
    [
        (
            "discourse",
            {"url": "", "api_username": ""},
            None,
            [
                ("url", "Forum address: this is needed."),
                ("api_username", "API username: this is needed."),
                ("token", "API key: this is needed."),
            ],
        ),
        (
            "discourse",
            {"url": "http://forum.example.org", "api_username": "system"},
            KEY,
            [
                (
                    "url",
                    "Forum address: the address must start with https:// (plain http only for this computer), so "
                    "the token never travels in clear.",
                )
            ],
        ),
        (
            "discourse",
            {"url": "forum.example.org", "api_username": "system"},
            KEY,
            [("url", "Forum address: write a whole address, starting with https://.")],
        ),
        (
            "github",
            {"repositories": "acme/widgets\nacme", "organization": "", "api_url": ""},
            "github_pat_x",
            [("repositories", "Repositories: acme is not written as owner/repo.")],
        ),
        (
            "github",
            {"repositories": "", "organization": "", "api_url": ""},
            None,
            [
                ("repositories", "Repositories: name at least one repository (owner/repo), or an organisation."),
                ("token", "Token: this is needed."),
            ],
        ),
        (
            "slack",
            {"export": "", "api_url": ""},
            None,
            [("export", "Workspace export (.zip on this server): give an export, or a bot token (or both).")],
        ),
        (
            "discord",
            {"exports": "", "guild": "", "channels": "general", "api_url": ""},
            "discord-token",
            [
                ("guild", "Server (guild) id: this is needed."),
                ("channels", "Channel ids: general is not an id (digits only)."),
            ],
        ),
        (
            "wecom",
            {"corp_id": "ww01", "owners": ",".join(f"u{n}" for n in range(101)), "api_url": ""},
            "secret",
            [("owners", "Group owners (userids): at most 100 owners.")],
        ),
        ("discourse", {"url": "https://forum.example.org", "api_username": "system"}, KEY, []),
    ],
)
def test_the_forms_checks_name_the_field_that_is_wrong(name, values, token, expected):
    assert english(saved.check(name, values, token)) == expected


def test_a_saved_token_is_a_0600_file_never_logged_and_a_sync_reads_the_page_s_connector(tmp_path, caplog):
    """Saved on the page (settings in the app store, the key in its file), the forum is fetched by
    a sync as `cli.py sync` runs it; the key is in no log line, and only its end is for showing."""
    caplog.set_level(logging.DEBUG)
    with discourse_server() as server:
        forum(server)
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"url": server.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada@example.org", now=NOW)
        path = saved.token_path(settings, "discourse")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_text(encoding="utf-8") == KEY
        assert saved.token_end(saved.read_token(settings, "discourse")) == "6789"
        [row] = saved.saved_connectors(store).values()
        assert (row.settings, row.enabled, row.updated_by) == (values, True, "ada@example.org")
        assert KEY not in str(row.settings)
        result = sync_connectors(settings, store, waits=[])
        assert result.rows["members"] == 3
        assert warehouse_rows(settings, "members", ["member_id"]) == [
            ("discourse:1",),
            ("discourse:2",),
            ("discourse:3",),
        ]
        store.dispose()
    assert KEY not in caplog.text
    assert logs.redact(f"key {KEY}") == "key [secret]"


def test_a_connector_turned_off_is_not_fetched_but_what_it_fetched_still_counts(tmp_path):
    with discourse_server() as server:
        forum(server)
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"url": server.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
        sync_connectors(settings, store, waits=[])
        asked = len(server.requests)
        # as the form turns it off: the same values saved with the switch off, no token typed
        saved.save(store, settings, "discourse", values, token=None, enabled=False, actor="ada", now=NOW)
        server.post(20, 2, "2025-03-04T10:00:00.000Z", post_number=6)
        result = sync_connectors(settings, store, waits=[])
        assert len(server.requests) == asked  # not one request
        assert (result.rows["members"], result.rows["activities"]) == (3, 5)  # the archive still counts
        store.dispose()


def test_removing_a_connector_deletes_its_token_and_a_sync_without_any_says_how_to_add_one(tmp_path):
    settings = connector_settings(tmp_path, "[pulse]\n")
    store = migrated_store(settings)
    values = {"url": "https://forum.example.org", "api_username": "system"}
    saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
    saved.remove(store, settings, "discourse", now=NOW)
    assert not saved.token_path(settings, "discourse").exists()
    assert saved.saved_connectors(store) == {}
    assert saved.configured(settings, store) == []
    store.dispose()


def test_secrets_toml_wins_over_the_page_and_the_page_cannot_save_its_platform(tmp_path):
    settings = connector_settings(tmp_path, SECRETS.format(url="https://forum.example.org", key="from-secrets-0123"))
    store = migrated_store(settings)
    with pytest.raises(ConnectorNotConfigured) as refused:
        saved.save(
            store,
            settings,
            "discourse",
            {"url": "https://other.example.org", "api_username": "x"},
            token=KEY,
            enabled=True,
            actor="ada",
            now=NOW,
        )
    assert refused.value.user_message == (
        "Discourse is configured in [pulse.connectors.discourse] of secrets.toml, which wins over the Data "
        "page: change it there."
    )
    assert not saved.token_path(settings, "discourse").exists()
    [chosen] = saved.configured(settings, store)
    assert (chosen.place, chosen.config.url) == ("secrets", "https://forum.example.org")
    store.dispose()


def test_a_page_connector_whose_token_file_is_gone_stops_the_sync_naming_it_after_those_before_it(tmp_path):
    """secrets.toml's Discourse comes first (PLATFORMS order) and is fetched; the page's WeCom,
    turned on and without its secret, then stops the sync with a message naming it, kept as its
    last run; nothing is asked of WeCom."""
    from data_sources.connectors import state
    from data_sources.errors import DataSourceError

    with discourse_server() as server, wecom_server() as wecom:
        forum(server)
        settings = connector_settings(tmp_path, SECRETS.format(url=server.url, key=KEY))
        store = migrated_store(settings)
        values = {"corp_id": wecom.corp_id, "owners": "zhangsan", "api_url": wecom.url}
        saved.save(store, settings, "wecom", values, token=wecom.secret, enabled=True, actor="ada", now=NOW)
        saved.token_path(settings, "wecom").unlink()
        listed = saved.configured(settings, store)
        assert [(chosen.name, chosen.place, chosen.enabled) for chosen in listed] == [
            ("discourse", "secrets", True),
            ("wecom", "page", True),
        ]
        with pytest.raises(DataSourceError) as refused:
            sync_connectors(settings, store, waits=[])
        said = (
            "The WeCom connector on the Data page has no saved token (its file in the data folder's "
            "connector_tokens is gone): type it again there, or turn off Fetch at each sync."
        )
        assert refused.value.user_message == said
        assert state.cursor_of(store, "discourse")["posts_floor"] == 14  # fetched before it
        assert wecom.requests == []
        runs = {row["connector"]: (row["status"], row["error"]) for row in state.states(store)}
        assert runs == {"discourse": ("succeeded", None), "wecom": ("failed", said)}
        store.dispose()


def test_a_page_connector_turned_off_needs_no_token_and_the_others_sync(tmp_path):
    with discourse_server() as server:
        forum(server)
        settings = connector_settings(tmp_path, SECRETS.format(url=server.url, key=KEY))
        store = migrated_store(settings)
        values = {"corp_id": "ww0123456789abcdef", "owners": "zhangsan", "api_url": ""}
        saved.save(store, settings, "wecom", values, token="wecom-secret-0123", enabled=False, actor="ada", now=NOW)
        saved.token_path(settings, "wecom").unlink()
        result = sync_connectors(settings, store, waits=[])
        assert (result.rows["members"], result.rows["activities"]) == (3, 5)
        store.dispose()


# Test connection


def discourse(url: str, key: str = KEY) -> DiscourseConfig:
    return DiscourseConfig(url=url, api_key=key, api_username="system")


def test_test_connection_with_a_good_key_says_it_works_and_fetches_nothing_else():
    with discourse_server() as server:
        reached = try_connection(discourse(server.url))
        assert server.requests == ["/admin/users/list/active.json?order=created&asc=true&page=1"]
    assert reached == "Discourse answered: the connection to 127.0.0.1 works with this token."


def test_test_connection_with_a_refused_key_names_the_connector_and_where_to_fix_it(caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "discourse-wrong-key-987654"
    logs.keep_secret(wrong)
    with discourse_server() as server, on_page("discourse"), pytest.raises(TokenRefused) as refused:
        try_connection(discourse(server.url, wrong))
    assert refused.value.user_message == (
        "Discourse refused the connector's key or token (HTTP 403): it may have been revoked or have expired, "
        "or lack the rights the connector needs. Make a new one and put it in the Discourse connector on the "
        "Data page."
    )
    assert refused.value.text("zh-CN") == (
        "Discourse 拒绝了连接器的密钥或令牌（HTTP 403）：它可能已被撤销或过期，或缺少连接器所需的权限。"
        "请新建一个并填入数据页上的Discourse连接器。"
    )
    assert wrong not in caplog.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_test_connection_with_nothing_answering_says_no_network():
    where = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PlatformFailed) as failed:
        try_connection(discourse(where))
    assert failed.value.user_message == (
        f"The Discourse connector could not connect to {where}/admin/users/list/active.json: this server has "
        "no network, or nothing answers at that address. Check the address in [pulse.connectors.discourse] of "
        "secrets.toml and the server's connection."
    )


def test_test_connection_to_a_site_that_does_not_exist_says_so():
    # .invalid never resolves (RFC 2606); the answer comes from the resolver, not from a timeout
    with pytest.raises(PlatformFailed) as failed, on_page("discourse"):
        try_connection(discourse("https://forum.pulse-test.invalid"))
    assert failed.value.user_message == (
        "The Discourse connector: there is no site called forum.pulse-test.invalid (the name is not found). "
        "Check the address in the Discourse connector on the Data page."
    )


def test_test_connection_to_github_asks_for_the_first_repository():
    with github_server() as server:
        server.repository("acme/widgets")
        config = GithubConfig(token=server.token, repositories=("acme/widgets",), api_url=server.url)
        assert try_connection(config) == "GitHub answered: the connection to acme/widgets works with this token."
        assert server.requests == ["/repos/acme/widgets"]
        with pytest.raises(TokenRefused) as refused:
            try_connection(GithubConfig(token="github_pat_revoked", repositories=("acme/widgets",), api_url=server.url))
        assert refused.value.user_message.startswith("GitHub refused the connector's key or token (HTTP 401)")
        with pytest.raises(PlatformFailed) as missing:
            try_connection(GithubConfig(token=server.token, repositories=("acme/gone",), api_url=server.url))
        assert missing.value.user_message == f"GitHub answered HTTP 404 at {server.url}/repos/acme/gone: Not Found"


def test_test_connection_to_slack_discord_and_wecom_makes_their_cheapest_authenticated_call():
    from data_sources.connectors.config import DiscordConfig, SlackConfig, WecomConfig

    with slack_api_server() as slack, discord_server() as discord, wecom_server() as wecom:
        assert try_connection(SlackConfig(export=None, token=slack.token, api_url=f"{slack.url}/api")) == (
            "Slack answered: the connection to Acme works with this token."
        )
        assert slack.requests == ["/api/auth.test"]
        with pytest.raises(TokenRefused) as refused:
            try_connection(SlackConfig(export=None, token="xoxb-revoked", api_url=f"{slack.url}/api"))
        assert refused.value.user_message.startswith("Slack refused the bot token (invalid_auth)")
        bot = DiscordConfig(
            exports=None, token=discord.token, guild=discord.guild, channels=("1",), api_url=f"{discord.url}/api/v10"
        )
        assert try_connection(bot) == (
            f"Discord answered: the connection to the server {discord.guild} works with this token."
        )
        assert discord.requests == [f"/api/v10/guilds/{discord.guild}/members?limit=1"]
        with pytest.raises(TokenRefused):
            try_connection(
                DiscordConfig(exports=None, token="wrong", guild=discord.guild, api_url=f"{discord.url}/api/v10")
            )
        app = WecomConfig(corp_id=wecom.corp_id, secret=wecom.secret, owners=("zhangsan",), api_url=wecom.url)
        assert try_connection(app) == f"WeCom answered: the connection to {wecom.corp_id} works with this token."
        with pytest.raises(TokenRefused) as refused:
            try_connection(WecomConfig(corp_id=wecom.corp_id, secret="wrong", owners=("z",), api_url=wecom.url))
        assert refused.value.user_message.startswith("WeCom refused the app (errcode 40001")


def test_pointing_a_connector_at_another_site_starts_it_over_and_other_edits_keep_its_cursor(tmp_path):
    from data_sources.connectors import state

    with discourse_server() as server:
        forum(server)
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"url": server.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
        sync_connectors(settings, store, waits=[])
        fetched = state.cursor_of(store, "discourse")
        assert fetched["posts_floor"] == 14
        saved.save(
            store, settings, "discourse", values, token="discourse-key-rotated", enabled=True, actor="ada", now=NOW
        )
        assert state.cursor_of(store, "discourse") == fetched  # a new key: the same forum
        moved = {"url": "https://other-forum.example.org", "api_username": "system"}
        saved.save(store, settings, "discourse", moved, token="discourse-key-other", enabled=True, actor="ada", now=NOW)
        assert state.cursor_of(store, "discourse") == {}
        # the old forum's rows set aside whole, not mixed with the new forum's under the same ids
        assert folders(settings) == {"discourse-replaced-20250305T090000Z": ["seg-00000001"]}
        store.dispose()


def test_saving_another_site_without_a_token_keeps_the_saved_one_from_it(tmp_path):
    """save() itself refuses to pair the saved token with a changed site field (not only the form)."""
    settings = connector_settings(tmp_path, "[pulse]\n")
    store = migrated_store(settings)
    values = {"url": "https://forum.example.org", "api_username": "system"}
    saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
    moved = {"url": "https://elsewhere.example.net", "api_username": "system"}
    before = saved.saved_connectors(store)["discourse"]
    assert saved.moved("discourse", before, moved) == ["url"]
    assert saved.moved("discourse", before, {"url": "https://forum.example.org", "api_username": "other"}) == []
    assert english(saved.check("discourse", moved, None, site_moved=["url"])) == [
        (
            "token",
            "API key: Forum address changed, so type the API key again: the saved one is sent only to the site "
            "it was saved for.",
        )
    ]
    with pytest.raises(ConnectorNotConfigured) as refused:
        saved.save(store, settings, "discourse", moved, token=None, enabled=True, actor="ada", now=NOW)
    assert refused.value.text("zh-CN") == "API 密钥：论坛地址已更改，请重新输入API 密钥：已保存的只会发往保存时的站点。"
    assert saved.saved_connectors(store)["discourse"].settings["url"] == "https://forum.example.org"
    saved.save(store, settings, "discourse", moved, token="discourse-key-elsewhere", enabled=True, actor="ada", now=NOW)
    assert saved.read_token(settings, "discourse") == "discourse-key-elsewhere"
    store.dispose()


def folders(settings) -> dict[str, list[str]]:
    """The connectors' folders in the data folder, each with its segments."""
    root = settings.data_dir / "connectors"
    return {path.name: sorted(part.name for part in path.iterdir()) for path in sorted(root.iterdir())}


def other_forum(server) -> None:
    """One person and one post, whose id is below the first forum's last (14)."""
    server.user(7, "dora", "2025-03-01T00:00:00.000Z")
    server.post(5, 7, "2025-03-03T08:00:00.000Z")


def test_removing_a_connector_sets_its_archive_aside_and_adding_it_for_another_forum_starts_there(tmp_path):
    from data_sources.connectors import state

    with discourse_server() as first, discourse_server() as second:
        forum(first)
        other_forum(second)
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"url": first.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
        sync_connectors(settings, store, waits=[])
        assert state.cursor_of(store, "discourse")["posts_floor"] == 14
        saved.remove(store, settings, "discourse", now=NOW)
        assert state.cursor_of(store, "discourse") == {}
        assert folders(settings) == {"discourse-replaced-20250305T090000Z": ["seg-00000001"]}
        again = {"url": second.url, "api_username": "system"}
        saved.save(store, settings, "discourse", again, token=KEY, enabled=True, actor="ada", now=NOW)
        sync_connectors(settings, store, waits=[])
        assert warehouse_rows(settings, "members", ["member_id"]) == [("discourse:7",)]
        assert warehouse_rows(settings, "activities", ["activity_id", "kind"]) == [("discourse:post:5", "post")]
        store.dispose()


def test_a_platform_moved_from_secrets_toml_to_the_page_starts_over(tmp_path):
    from data_sources.connectors import state

    with discourse_server() as first, discourse_server() as second:
        forum(first)
        other_forum(second)
        settings = connector_settings(tmp_path, SECRETS.format(url=first.url, key=KEY))
        store = migrated_store(settings)
        sync_connectors(settings, store, waits=[])
        assert state.cursor_of(store, "discourse")["posts_floor"] == 14
        settings.secrets_file.write_text("[pulse]\n", encoding="utf-8")
        values = {"url": second.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
        assert state.cursor_of(store, "discourse") == {}
        assert folders(settings) == {"discourse-replaced-20250305T090000Z": ["seg-00000001"]}
        sync_connectors(settings, store, waits=[])
        assert warehouse_rows(settings, "members", ["member_id"]) == [("discourse:7",)]
        store.dispose()


def test_a_save_that_fails_in_the_store_keeps_the_cursor_with_the_settings(tmp_path):
    """The cursor is dropped in the transaction that changes the row: a save refused by the store
    leaves both as they were (before, the cursor was dropped in a transaction of its own)."""
    from data_sources.connectors import state

    with discourse_server() as server:
        forum(server)
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"url": server.url, "api_username": "system"}
        saved.save(store, settings, "discourse", values, token=KEY, enabled=True, actor="ada", now=NOW)
        sync_connectors(settings, store, waits=[])
        fetched = state.cursor_of(store, "discourse")
        moved = {"url": "https://other-forum.example.org", "api_username": "system"}
        new_key = "discourse-key-other-forum"
        with pytest.raises(sa.exc.ProgrammingError):  # the store cannot keep an actor that is not text
            saved.save(store, settings, "discourse", moved, token=new_key, enabled=True, actor=object(), now=NOW)  # type: ignore[arg-type]
        assert state.cursor_of(store, "discourse") == fetched
        assert saved.saved_connectors(store)["discourse"].settings["url"] == server.url
        assert saved.read_token(settings, "discourse") == KEY  # the old forum's key, not the new one's
        store.dispose()


def test_a_discord_bot_needs_feedback_channels_by_id_and_exported_files_take_names():
    """The bot's messages carry their channel's id alone (discord.py), so a name chosen for feedback
    would give nothing through it; exported files name their channels, so names are fine there."""
    bot = {"exports": "", "guild": "1000000000000000001", "channels": "1100000000000000001", "api_url": ""}
    assert english(saved.check("discord", bot, "discord-token", feedback_channels=["1100000000000000001"])) == []
    assert english(saved.check("discord", bot, "discord-token", feedback_channels=["#1100000000000000001"])) == []
    assert english(
        saved.check("discord", bot, "discord-token", feedback_channels=["1100000000000000001", "#feedback"])
    ) == [
        (
            "feedback_channels",
            "Feedback from messages: channels: #feedback is a name, but a bot reads channels by id: write the "
            "channel's id (digits; in Discord, Copy Channel ID). Names match exported files only.",
        )
    ]
    files = {"exports": "/data/discord", "guild": "", "channels": "", "api_url": ""}
    assert english(saved.check("discord", files, None, feedback_channels=["#feedback"])) == []
