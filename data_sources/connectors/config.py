"""Connectors as an admin configures them in secrets.toml, one table per platform:

    [pulse.connectors.discourse]
    url = "https://forum.example.org"
    api_key = "…"            # an admin's API key (Discourse: Admin → API → New key, read-only is enough)
    api_username = "system"

    [pulse.connectors.github]
    token = "github_pat_…"   # read access to the repositories' issues, pull requests and metadata
    repositories = ["owner/repo", "owner/other"]   # or organization = "acme": its repositories

    [pulse.connectors.slack]
    export = "/data/slack/Acme Slack export Jan 1 2025 - Mar 5 2025.zip"   # a workspace export
    feedback_channels = ["feedback"]   # optional (Slack, Discord): these channels' messages become feedback

    [pulse.connectors.discord]
    exports = "/data/discord"    # DiscordChatExporter JSON files, and/or a bot:
    token = "…"                  # a bot token (Server Members intent; Read Message History)
    guild = "1234567890"
    channels = ["2345678901"]

    [pulse.connectors.wecom]
    corp_id = "ww…"
    secret = "…"                 # a self-built app's secret with the customer-contact permission
    owners = ["zhangsan"]        # the customer groups' owners (at most 100)

Keys and tokens are registered with the log's redaction (logs.keep_secret) as they are read, and
never shown after saving; the Data page names a connector by its platform and site only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import logs
from data_sources.connectors.errors import ConnectorNotConfigured
from errors import Said
from settings import Settings, read_secrets

PLATFORMS = ("discourse", "github", "slack", "discord", "wecom")
LOOPBACK = ("localhost", "127.0.0.1", "::1")
GITHUB_API = "https://api.github.com"
DISCORD_API = "https://discord.com/api/v10"
WECOM_API = "https://qyapi.weixin.qq.com"
SLACK_API = "https://slack.com/api"
MOST_OWNERS = 100  # WeCom's owner_filter takes at most 100 userids


@dataclass(frozen=True)
class DiscourseConfig:
    url: str
    api_key: str = field(repr=False)
    api_username: str
    name: str = "discourse"


@dataclass(frozen=True)
class GithubConfig:
    token: str = field(repr=False)
    repositories: tuple[str, ...]
    organization: str = ""  # its repositories (forks and archived ones left out) besides those listed
    api_url: str = GITHUB_API
    name: str = "github"


@dataclass(frozen=True)
class SlackConfig:
    export: Path | None  # the workspace export .zip an admin downloaded
    token: str = field(default="", repr=False)  # and/or a bot token for the Web API
    api_url: str = SLACK_API
    name: str = "slack"
    feedback_channels: tuple[str, ...] = ()  # ids or names: their messages become feedback items


@dataclass(frozen=True)
class DiscordConfig:
    exports: Path | None  # a folder of DiscordChatExporter JSON files
    token: str = field(default="", repr=False)  # a bot token, for the guild's members and channels
    guild: str = ""
    channels: tuple[str, ...] = ()
    api_url: str = DISCORD_API
    name: str = "discord"
    feedback_channels: tuple[str, ...] = ()  # ids or names: their messages become feedback items


@dataclass(frozen=True)
class WecomConfig:
    corp_id: str
    secret: str = field(repr=False)  # the self-built app's secret (客户联系 permission)
    owners: tuple[str, ...] = ()  # the customer groups' owners (群主 userids), at most 100
    api_url: str = WECOM_API
    name: str = "wecom"


ConnectorConfig = DiscourseConfig | GithubConfig | SlackConfig | DiscordConfig | WecomConfig


def _where(name: str) -> str:
    return f"[pulse.connectors.{name}]"


def _text(name: str, table: dict[str, object], key: str, *, example: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConnectorNotConfigured(Said("error.connector.setting", where=_where(name), setting=key, example=example))
    return value.strip()


def _site(name: str, table: dict[str, object], key: str, *, example: str) -> str:
    url = _text(name, table, key, example=example).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConnectorNotConfigured(Said("error.connector.setting", where=_where(name), setting=key, example=example))
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:  # a key would travel in clear
        raise ConnectorNotConfigured(Said("error.connector.https", where=_where(name), setting=key))
    return url


def _discourse(name: str, table: dict[str, object]) -> DiscourseConfig:
    key = _text(name, table, "api_key", example='api_key = "…"')
    logs.keep_secret(key)
    return DiscourseConfig(
        url=_site(name, table, "url", example='url = "https://forum.example.org"'),
        api_key=key,
        api_username=_text(name, table, "api_username", example='api_username = "system"'),
    )


def _github(name: str, table: dict[str, object]) -> GithubConfig:
    token = _text(name, table, "token", example='token = "github_pat_…"')
    logs.keep_secret(token)
    repositories = table.get("repositories", [])
    organization = table.get("organization", "")
    if (
        not isinstance(repositories, list)
        or not isinstance(organization, str)
        or not (repositories or organization.strip())
        or not all(isinstance(item, str) and item.count("/") == 1 for item in repositories)
    ):
        raise ConnectorNotConfigured(
            Said(
                "error.connector.setting",
                where=_where(name),
                setting="repositories",
                example='repositories = ["owner/repo"] (or organization = "acme")',
            )
        )
    api = table.get("api_url", GITHUB_API)
    return GithubConfig(
        token=token,
        repositories=tuple(repositories),
        organization=organization.strip(),
        api_url=_site(name, {"api_url": api}, "api_url", example=f'api_url = "{GITHUB_API}"'),
    )


def _feedback_channels(name: str, table: dict[str, object]) -> tuple[str, ...]:
    """`feedback_channels`: the channels (ids or names) whose messages become feedback items."""
    value = table.get("feedback_channels", [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ConnectorNotConfigured(
            Said(
                "error.connector.setting",
                where=_where(name),
                setting="feedback_channels",
                example='feedback_channels = ["feedback"]',
            )
        )
    return tuple(item.strip() for item in value)


def _slack(name: str, table: dict[str, object]) -> SlackConfig:
    """An export, a bot token, or both."""
    example = 'export = "/data/slack/export.zip"'
    chosen = _feedback_channels(name, table)
    if table.get("token") is None:
        return SlackConfig(export=Path(_text(name, table, "export", example=example)), feedback_channels=chosen)
    token = _text(name, table, "token", example='token = "xoxb-…"')
    logs.keep_secret(token)
    api = table.get("api_url", SLACK_API)
    return SlackConfig(
        export=Path(_text(name, table, "export", example=example)) if table.get("export") is not None else None,
        token=token,
        api_url=_site(name, {"api_url": api}, "api_url", example=f'api_url = "{SLACK_API}"'),
        feedback_channels=chosen,
    )


def _discord(name: str, table: dict[str, object]) -> DiscordConfig:
    """Export files, a bot, or both (the same message from either is taken once)."""
    exports = table.get("exports")
    if exports is None and table.get("token") is None:
        raise ConnectorNotConfigured(
            Said("error.connector.setting", where=_where(name), setting="exports", example='exports = "/data/discord"')
        )
    chosen = _feedback_channels(name, table)
    if table.get("token") is None:
        return DiscordConfig(
            exports=Path(_text(name, table, "exports", example='exports = "/data/discord"')), feedback_channels=chosen
        )
    token = _text(name, table, "token", example='token = "…"')
    logs.keep_secret(token)
    channels = table.get("channels")
    if not isinstance(channels, list) or not channels or not all(isinstance(c, str) and c.isdigit() for c in channels):
        raise ConnectorNotConfigured(
            Said("error.connector.setting", where=_where(name), setting="channels", example='channels = ["1234567890"]')
        )
    api = table.get("api_url", DISCORD_API)
    return DiscordConfig(
        exports=Path(_text(name, table, "exports", example="")) if exports is not None else None,
        token=token,
        guild=_text(name, table, "guild", example='guild = "1234567890"'),
        channels=tuple(channels),
        api_url=_site(name, {"api_url": api}, "api_url", example=f'api_url = "{DISCORD_API}"'),
        feedback_channels=chosen,
    )


def _wecom(name: str, table: dict[str, object]) -> WecomConfig:
    secret = _text(name, table, "secret", example='secret = "…"')
    logs.keep_secret(secret)
    owners = table.get("owners")
    if (
        not isinstance(owners, list)
        or not 0 < len(owners) <= MOST_OWNERS
        or not all(isinstance(owner, str) and owner for owner in owners)
    ):
        raise ConnectorNotConfigured(
            Said("error.connector.setting", where=_where(name), setting="owners", example='owners = ["zhangsan"]')
        )
    api = table.get("api_url", WECOM_API)
    return WecomConfig(
        corp_id=_text(name, table, "corp_id", example='corp_id = "ww…"'),
        secret=secret,
        owners=tuple(owners),
        api_url=_site(name, {"api_url": api}, "api_url", example=f'api_url = "{WECOM_API}"'),
    )


PARSERS: dict[str, Callable[[str, dict[str, object]], ConnectorConfig]] = {
    "wecom": _wecom,
    "discourse": _discourse,
    "github": _github,
    "slack": _slack,
    "discord": _discord,
}


def parse_connectors(section: object) -> list[ConnectorConfig]:
    """The connectors of a [pulse.connectors] table, in the order PLATFORMS lists them."""
    if section is None:
        return []
    if not isinstance(section, dict):
        raise ConnectorNotConfigured(Said("error.connector.section", where="[pulse.connectors]"))
    unknown = sorted(set(section) - set(PLATFORMS))
    if unknown:
        raise ConnectorNotConfigured(
            Said("error.connector.unknown", where=_where(unknown[0]), platforms=", ".join(PLATFORMS))
        )
    found: list[ConnectorConfig] = []
    for name in PLATFORMS:
        table = section.get(name)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConnectorNotConfigured(Said("error.connector.section", where=_where(name)))
        found.append(PARSERS[name](name, table))
    return found


def load_connectors(settings: Settings) -> list[ConnectorConfig]:
    """The connectors configured in the settings' secrets.toml ([] when none)."""
    pulse = read_secrets(settings.secrets_file).get("pulse", {})
    return parse_connectors(pulse.get("connectors") if isinstance(pulse, dict) else None)


def site(config: ConnectorConfig) -> str:
    """Where a connector fetches from, with nothing secret: the forum's host, or the repositories."""
    if isinstance(config, DiscourseConfig):
        return str(urlsplit(config.url).hostname)
    if isinstance(config, SlackConfig):
        return ", ".join([*([config.export.name] if config.export else []), *(["Web API"] if config.token else [])])
    if isinstance(config, WecomConfig):
        return f"{config.corp_id}: {', '.join(config.owners)}"
    if isinstance(config, DiscordConfig):
        return ", ".join(
            [*([config.exports.name] if config.exports else []), *([f"guild {config.guild}"] if config.token else [])]
        )
    return ", ".join([*([f"{config.organization}/*"] if config.organization else []), *config.repositories])
