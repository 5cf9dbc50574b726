"""Test connection: one cheap authenticated call per connector, answered in words that say what is
wrong and name the connector (a refused token, a site that does not exist, no network, an address
that is no such platform), without fetching anything or moving a cursor.

| platform | the call |
|---|---|
| Discourse | `GET /admin/users/list/active.json?order=created&asc=true&page=1` (an admin key is what sync needs) |
| GitHub | `GET /repos/{owner}/{repo}` for the first repository, else `GET /orgs/{org}/repos?per_page=1` |
| Slack | `GET auth.test` with the bot token; an export alone: the .zip opened and its users.json found |
| Discord | `GET /guilds/{guild}/members?limit=1` (the Server Members intent, as sync needs); exports: the folder |
| WeCom | `GET /cgi-bin/gettoken` with the corp id and secret |

One try, a short timeout, no waiting on a rate limit: a person is waiting for the answer.
"""

from __future__ import annotations

import socket
import zipfile
from typing import Any
from urllib.parse import urlsplit

import logs
from data_sources.connectors.client import PoliteClient
from data_sources.connectors.config import (
    ConnectorConfig,
    DiscordConfig,
    DiscourseConfig,
    GithubConfig,
    SlackConfig,
    WecomConfig,
)
from data_sources.connectors.discourse import refuses as discourse_refuses
from data_sources.connectors.errors import PlatformFailed, TokenRefused, named
from data_sources.connectors.shapes import need
from data_sources.connectors.slack import REFUSED as SLACK_REFUSED
from data_sources.connectors.wecom import REFUSED as WECOM_REFUSED
from errors import Said

TRIAL_TIMEOUT = (5.0, 15.0)  # seconds to connect, to read


def try_connection(config: ConnectorConfig) -> Said:
    """One authenticated call; what it reached (a Said) when it went through. Raises TokenRefused,
    PlatformFailed (unknown site, no network, another answer) or MalformedAnswer, each naming the
    connector."""
    # a token typed into the form and tried before it is saved is known to the log's redaction too
    # (WeCom's secret travels in the query string, which urllib3 logs at DEBUG)
    logs.keep_secret(*(getattr(config, field, None) for field in ("api_key", "token", "secret")))
    if isinstance(config, DiscourseConfig):
        client = _client(config.name, {"Api-Key": config.api_key, "Api-Username": config.api_username})
        client.refuses = discourse_refuses
        _get(client, f"{config.url}/admin/users/list/active.json", {"order": "created", "asc": "true", "page": 1})
        return Said("connector.tried.site", **named(config.name), site=str(urlsplit(config.url).hostname))
    if isinstance(config, GithubConfig):
        client = _client(
            config.name,
            {
                "Authorization": f"Bearer {config.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
        if config.repositories:
            _get(client, f"{config.api_url}/repos/{config.repositories[0]}", {})
            return Said("connector.tried.site", **named(config.name), site=config.repositories[0])
        _get(client, f"{config.api_url}/orgs/{config.organization}/repos", {"per_page": 1})
        return Said("connector.tried.site", **named(config.name), site=config.organization)
    if isinstance(config, SlackConfig):
        if config.token:
            client = _client(config.name, {"Authorization": f"Bearer {config.token}"})
            url = f"{config.api_url}/auth.test"
            document = _get(client, url, {})
            if not isinstance(document, dict) or document.get("ok") is not True:
                error = str(document.get("error", "")) if isinstance(document, dict) else ""
                if error in SLACK_REFUSED:
                    raise TokenRefused(Said("error.connector.slack_refused", **named(config.name), error=error))
                raise PlatformFailed(
                    Said("error.connector.http", **named(config.name), status=200, where=url, said=error or "—")
                )
            team = document.get("team")
            site = str(team) if team else Said("connector.name.slack")
            return Said("connector.tried.site", **named(config.name), site=site)
        assert config.export is not None
        _export_opens(config)
        return Said("connector.tried.export", **named(config.name), file=config.export.name)
    if isinstance(config, DiscordConfig):
        if config.token:
            client = _client(config.name, {"Authorization": f"Bot {config.token}"})
            _get(client, f"{config.api_url}/guilds/{config.guild}/members", {"limit": 1})
            guild = Said("connector.site.guild", id=config.guild)
            return Said("connector.tried.site", **named(config.name), site=guild)
        assert config.exports is not None
        if not config.exports.is_dir():
            raise PlatformFailed(Said("error.connector.export_missing", **named(config.name), file=str(config.exports)))
        return Said("connector.tried.export", **named(config.name), file=config.exports.name)
    assert isinstance(config, WecomConfig)
    client = _client(config.name, {})
    url = f"{config.api_url}/cgi-bin/gettoken"
    document = _get(client, url, {"corpid": config.corp_id, "corpsecret": config.secret})
    code = need(document, "errcode", int, connector=config.name, where=url)
    if code != 0:
        said = str(document.get("errmsg", ""))[:300]
        key = "error.connector.wecom_refused" if code in WECOM_REFUSED else "error.connector.wecom"
        raise (TokenRefused if code in WECOM_REFUSED else PlatformFailed)(
            Said(key, **named(config.name), code=code, said=said, where=url)
        )
    return Said("connector.tried.site", **named(config.name), site=config.corp_id)


def _client(name: str, headers: dict[str, str]) -> PoliteClient:
    return PoliteClient(name, headers=headers, attempts=1, longest_wait=0.0, timeout=TRIAL_TIMEOUT)


def _get(client: PoliteClient, url: str, params: dict[str, str | int]) -> Any:
    """The answer's document; a host that does not resolve is an unknown site, one that does not
    answer is no network (or no server there), each said as such rather than as a sync's retries."""
    host = urlsplit(url).hostname or ""
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        raise PlatformFailed(Said("error.connector.unknown_site", **named(client.name), host=host)) from None
    try:
        return client.get(url, params).document
    except PlatformFailed as error:
        if error.key == "error.connector.unreachable":
            raise PlatformFailed(
                Said("error.connector.no_network", **named(client.name), where=error.values.get("where", url))
            ) from error
        raise


def _export_opens(config: SlackConfig) -> None:
    export = config.export
    assert export is not None
    try:
        with zipfile.ZipFile(export) as bundle:
            if "users.json" not in bundle.namelist():
                raise PlatformFailed(
                    Said(
                        "error.connector.export_unreadable",
                        **named(config.name),
                        file=export.name,
                        reason=Said("connector.export.no_users"),
                    )
                )
    except FileNotFoundError:
        raise PlatformFailed(Said("error.connector.export_missing", **named(config.name), file=str(export))) from None
    except (zipfile.BadZipFile, OSError) as error:
        raise PlatformFailed(
            Said("error.connector.export_unreadable", **named(config.name), file=export.name, reason=str(error))
        ) from error
