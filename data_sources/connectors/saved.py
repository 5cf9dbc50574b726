"""Connectors an admin configures on the Data page, beside those in secrets.toml.

Their settings but the token live in the app store (`connector_settings`, migration 0026), so
`cli.py sync` reads them as the page does; the token (Discourse's API key, GitHub's, Slack's and
Discord's token, WeCom's secret) is kept in `<data_dir>/connector_tokens/<name>`, a file of mode 0600
in a folder of mode 0700, written whole (a private draft renamed into place), registered with the
log's redaction whenever it is read and never shown again: the page says only that one is saved
and its last four characters.

secrets.toml wins: a platform with a `[pulse.connectors.<name>]` table is that table's, shown on the
page as set there and not editable. One connector per platform, named after it (its archive's folder
and its row in connector_state), wherever it is configured.

A connector turned off is not fetched, but what its archive holds still counts at the next sync;
a connector removed is neither fetched nor counted. Removing it, pointing it at another site
(ANOTHER_SITE) or saving it on the page for the first time sets its archive aside
(`<name>-replaced-<UTC time>`, never deleted) and drops its cursor, so it starts over and never
mixes two sites' rows under the same ids. `feedback_channels` are the channels whose messages
become feedback items (feedback/messages.py); no other channel's message text is kept anywhere.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

import logs
from data_sources.connectors import state
from data_sources.connectors.archive import set_aside
from data_sources.connectors.config import (
    LOOPBACK,
    MOST_OWNERS,
    PARSERS,
    PLATFORMS,
    ConnectorConfig,
    load_connectors,
)
from data_sources.connectors.errors import ConnectorNotConfigured, named, on_page
from errors import Said
from settings import Settings, read_secrets
from store import tables
from store.database import AppStore

TOKEN_DIR = "connector_tokens"
TOKEN_KEYS = {"discourse": "api_key", "github": "token", "slack": "token", "discord": "token", "wecom": "secret"}
# The settings the page asks for per platform, the token aside, in the order it asks.
FIELDS: dict[str, tuple[str, ...]] = {
    "discourse": ("url", "api_username"),
    "github": ("repositories", "organization", "api_url"),
    "slack": ("export", "api_url"),
    "discord": ("exports", "guild", "channels", "api_url"),
    "wecom": ("corp_id", "owners", "api_url"),
}
LISTS = {"repositories", "channels", "owners"}  # one a line (or separated by commas)
# Settings that point a connector at another site: changing one sets its archive aside and drops its
# cursor, so the next sync starts there from the beginning (a new export path for Slack or Discord is
# the same workspace), and the saved token is not used with it (asked for again).
ANOTHER_SITE = {
    "discourse": ("url",),
    "github": ("api_url",),
    "slack": ("api_url",),
    "discord": ("guild", "api_url"),
    "wecom": ("corp_id", "api_url"),
}
BATCH = 500  # ids per IN list (SQLite limits bound values)
CHANNELS = ("slack", "discord")  # the platforms whose channels' messages can become feedback
SECRETS, PAGE = "secrets", "page"
# Stands for a page connector's missing token so its settings still parse (its site shown, its
# feedback channels read); a connector holding it is never fetched or tried (Configured.lacking).
NO_TOKEN = "(no token saved)"


@dataclass(frozen=True)
class Configured:
    """A connector as sync runs it: its configuration (with the channels whose messages become
    feedback, for Slack and Discord), where it is set, and whether it is fetched."""

    config: ConnectorConfig
    place: str  # SECRETS or PAGE
    enabled: bool = True
    # Why it cannot be fetched (a page's connector whose token file is gone), or None. Turned off,
    # it needs no token; turned on, the sync stops with this message when its turn comes, as when a
    # platform refuses a connector (source.load_connectors_source).
    lacking: Said | None = None

    @property
    def name(self) -> str:
        return self.config.name


@dataclass(frozen=True)
class Saved:
    """A connector's row on the page (no token): for the form to show and edit."""

    name: str
    settings: dict[str, Any]
    enabled: bool
    feedback_channels: tuple[str, ...]
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field of the form: the field's key and the message (a Said naming it)."""

    field: str
    said: Said


# the token file


def token_path(settings: Settings, name: str) -> Path:
    return settings.data_dir / TOKEN_DIR / name


def read_token(settings: Settings, name: str) -> str | None:
    """The saved token (registered with the log's redaction), or None when none is saved."""
    try:
        token = token_path(settings, name).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    logs.keep_secret(token)
    return token or None


def token_end(token: str | None) -> str | None:
    """What the page shows of a saved token: its last four characters (all but a short one's)."""
    if not token:
        return None
    return token[-4:] if len(token) >= 12 else token[-1:]


def write_token(settings: Settings, name: str, token: str) -> None:
    """Keep the token in a 0600 file: written to a private draft, synced, then renamed into place."""
    logs.keep_secret(token)
    folder = settings.data_dir / TOKEN_DIR
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    draft = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, folder / name)
    finally:
        draft.unlink(missing_ok=True)


def forget_token(settings: Settings, name: str) -> None:
    token_path(settings, name).unlink(missing_ok=True)


# the form's values


def listed(value: str) -> list[str]:
    """A list field's text: one item a line or separated by commas, blanks dropped."""
    return [item.strip() for line in value.splitlines() for item in line.split(",") if item.strip()]


def table_of(name: str, values: Mapping[str, str], token: str | None) -> dict[str, object]:
    """The form's values as a [pulse.connectors.<name>] table would hold them (empty ones left out)."""
    table: dict[str, object] = {}
    for key in FIELDS[name]:
        text = str(values.get(key) or "").strip()
        if text:
            table[key] = listed(text) if key in LISTS else text
    if token:
        table[TOKEN_KEYS[name]] = token
    return table


def moved(name: str, before: Saved | None, values: Mapping[str, str]) -> list[str]:
    """The fields naming the site (ANOTHER_SITE) whose form value differs from the saved row, in the
    form's order; [] for a connector not saved yet (it has no saved token to send anywhere)."""
    if before is None:
        return []
    kept = table_of(name, values, None)
    return [key for key in FIELDS[name] if key in ANOTHER_SITE[name] and before.settings.get(key) != kept.get(key)]


def check(
    name: str,
    values: Mapping[str, str],
    token: str | None,
    *,
    site_moved: Sequence[str] = (),
    feedback_channels: Sequence[str] = (),
) -> list[FieldProblem]:
    """What is wrong with a form's values (`token`: the one typed, else the saved one), each naming
    its field; [] when the connector can be saved and tried. `site_moved`: the fields naming the site
    that were changed while no token was typed (`moved`): the saved token is never sent to another
    site, so it is asked for again, naming the first of them. `feedback_channels`: the channels
    chosen for feedback; a Discord bot reads channels by id only (discord.py), so with a bot token
    each must be an id."""
    problems: list[FieldProblem] = []
    if site_moved:
        token = None
        problems.append(
            FieldProblem(
                "token",
                Said(
                    "connector.problem.token_again",
                    field=_label(name, site_moved[0]),
                    token=_label(name, "token"),
                ),
            )
        )

    def need(key: str) -> None:
        if not str(values.get(key) or "").strip():
            problems.append(FieldProblem(key, Said("connector.problem.required", field=_label(name, key))))

    def site(key: str) -> None:
        text = str(values.get(key) or "").strip()
        if not text:
            return
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            problems.append(FieldProblem(key, Said("connector.problem.address", field=_label(name, key))))
        elif parts.scheme == "http" and parts.hostname not in LOOPBACK:
            problems.append(FieldProblem(key, Said("connector.problem.https", field=_label(name, key))))

    def no_token() -> None:
        if site_moved:  # asked for again above
            return
        problems.append(FieldProblem("token", Said("connector.problem.required", field=_label(name, "token"))))

    lists = {key: listed(str(values.get(key) or "")) for key in LISTS}
    if name == "discourse":
        need("url")
        site("url")
        need("api_username")
        if not token:
            no_token()
    elif name == "github":
        if not lists["repositories"] and not str(values.get("organization") or "").strip():
            problems.append(
                FieldProblem("repositories", Said("connector.problem.repositories", field=_label(name, "repositories")))
            )
        wrong = [item for item in lists["repositories"] if item.count("/") != 1 or item.startswith("/")]
        if wrong:
            problems.append(
                FieldProblem(
                    "repositories",
                    Said("connector.problem.repository", field=_label(name, "repositories"), value=wrong[0]),
                )
            )
        site("api_url")
        if not token:
            no_token()
    elif name == "slack":
        if not token and not site_moved and not str(values.get("export") or "").strip():
            problems.append(
                FieldProblem("export", Said("connector.problem.export_or_token", field=_label(name, "export")))
            )
        site("api_url")
    elif name == "discord":
        if not token and not site_moved and not str(values.get("exports") or "").strip():
            problems.append(
                FieldProblem("exports", Said("connector.problem.export_or_token", field=_label(name, "exports")))
            )
        if token:
            need("guild")
            need("channels")
        for key in ("guild", "channels"):
            wrong = [item for item in listed(str(values.get(key) or "")) if not item.isdigit()]
            if wrong:
                problems.append(
                    FieldProblem(key, Said("connector.problem.digits", field=_label(name, key), value=wrong[0]))
                )
        named_only = [item for item in feedback_channels if not item.removeprefix("#").isdigit()]
        if token and named_only:  # the bot's messages carry the channel's id alone
            problems.append(
                FieldProblem(
                    "feedback_channels",
                    Said(
                        "connector.problem.bot_channel_ids",
                        field=Said("connector.form.feedback_channels"),
                        value=named_only[0],
                    ),
                )
            )
        site("api_url")
    elif name == "wecom":
        need("corp_id")
        need("owners")
        if len(lists["owners"]) > MOST_OWNERS:
            problems.append(
                FieldProblem("owners", Said("connector.problem.owners", field=_label(name, "owners"), most=MOST_OWNERS))
            )
        site("api_url")
        if not token:
            no_token()
    return problems


def _label(name: str, key: str) -> Said:
    return Said(f"connector.field.{name}.{key}")


def config_of(name: str, values: Mapping[str, str], token: str | None) -> ConnectorConfig:
    """The configuration a form's checked values make (what Test connection tries)."""
    with on_page(name):
        return _parsed(name, table_of(name, values, token))


def _parsed(name: str, table: dict[str, object]) -> ConnectorConfig:
    try:
        return PARSERS[name](name, table)
    except ConnectorNotConfigured as error:  # the parser speaks of secrets.toml: this one is the page's
        setting = error.values.get("setting", "") if isinstance(error.values, dict) else ""
        raise ConnectorNotConfigured(Said("error.connector.page_setting", **named(name), setting=setting)) from error


# the app store's rows


def saved_connectors(store: AppStore) -> dict[str, Saved]:
    """The connectors configured on the page, by name."""
    rows = tables.connector_settings
    with store.read() as connection:
        found = connection.execute(sa.select(rows)).mappings().all()
    return {
        row["connector"]: Saved(
            name=row["connector"],
            settings=dict(row["settings"] or {}),
            enabled=bool(row["enabled"]),
            feedback_channels=tuple(row["feedback_channels"] or ()),
            updated_by=row["updated_by"],
            updated_at=row["updated_at"],
        )
        for row in found
        if row["connector"] in PLATFORMS
    }


def save(
    store: AppStore,
    settings: Settings,
    name: str,
    values: Mapping[str, str],
    *,
    token: str | None,
    enabled: bool,
    feedback_channels: list[str] | None = None,
    actor: str,
    now: datetime,
) -> None:
    """Keep a checked form: the settings in the app store, a new token (when one was typed) in its
    file. Raises ConnectorNotConfigured when secrets.toml configures this platform (it wins), or when
    a field naming the site changed and no token was typed while one is saved (the saved token is
    never sent to another site)."""
    if name not in PLATFORMS:  # the token file is named after it
        raise ValueError(f"no connector {name!r}")
    if name in secrets_names(settings):
        raise ConnectorNotConfigured(Said("error.connector.in_secrets", **named(name)))
    kept = table_of(name, values, None)
    before = saved_connectors(store).get(name)
    changed = moved(name, before, values)
    if changed and not token and read_token(settings, name) is not None:
        raise ConnectorNotConfigured(
            Said("connector.problem.token_again", field=_label(name, changed[0]), token=_label(name, "token"))
        )
    # Another forum, guild or company, or a connector new on the page (a cursor or archive under its
    # name is secrets.toml's or a removed one's, of a site nobody can tell): it starts over.
    starts_over = before is None or bool(changed)
    previous = read_token(settings, name) if token else None
    if token:
        write_token(settings, name, token)
    elif before is None:
        forget_token(settings, name)  # a file left by a removal cut short belongs to no connector
    try:
        if starts_over:
            # First, so a crash before the transaction leaves the old settings with an empty archive,
            # whose cursor the next run drops (source.run_connector): never the new site's rows
            # fetched into the old site's archive from the old site's cursor.
            set_aside(settings.data_dir, name, now=now)
        _save_row(
            store, name, kept, enabled=enabled, channels=feedback_channels, actor=actor, now=now, over=starts_over
        )
    except BaseException:
        if token:  # the settings stay the old site's: so does its token (a new one is not sent there)
            if previous:
                write_token(settings, name, previous)
            else:
                forget_token(settings, name)
        raise


def _save_row(
    store: AppStore,
    name: str,
    kept: dict[str, object],
    *,
    enabled: bool,
    channels: list[str] | None,
    actor: str,
    now: datetime,
    over: bool,
) -> None:
    """The settings row, the cursor dropped (`over`) and the waiting messages of channels no longer
    chosen, in one transaction: all of it or none."""
    chosen = list(channels or []) if name in CHANNELS else []
    row = {"settings": kept, "enabled": enabled, "feedback_channels": chosen, "updated_by": actor, "updated_at": now}
    rows = tables.connector_settings
    with store.begin() as connection:
        if over:
            state.forget_in(connection, name)
        exists = connection.scalar(sa.select(rows.c.connector).where(rows.c.connector == name))
        if exists is None:
            connection.execute(rows.insert().values(connector=name, **row))
        else:
            connection.execute(rows.update().where(rows.c.connector == name).values(**row))
        _drop_unchosen(connection, name, chosen)


def _drop_unchosen(connection: sa.Connection, name: str, channels: list[str]) -> None:
    """Delete the connector's waiting messages (connector_messages) of channels no longer chosen for
    feedback, as the intake would (feedback/messages.py: by id or name, `#` optional), so turning a
    channel off drops their text when it is saved, not at the next sync."""
    waiting = tables.connector_messages
    chosen = {item.removeprefix("#") for item in channels}
    held = connection.execute(
        sa.select(waiting.c.message_id, waiting.c.channel, waiting.c.channel_name).where(waiting.c.connector == name)
    ).all()
    dropped = [message for message, channel, label in held if channel not in chosen and label not in chosen]
    for start in range(0, len(dropped), BATCH):
        connection.execute(waiting.delete().where(waiting.c.message_id.in_(dropped[start : start + BATCH])))


def remove(store: AppStore, settings: Settings, name: str, *, now: datetime) -> None:
    """Forget a page's connector: its archive set aside (`<name>-replaced-<UTC time>`, kept in the
    data folder), its token file, then in one transaction its row, its cursor and its waiting
    messages. Adding it again starts over, wherever it points. A crash midway leaves the connector
    with an empty archive (its cursor dropped at the next run) or without its token (named at the
    next sync), never a cursor over another site's archive."""
    set_aside(settings.data_dir, name, now=now)
    forget_token(settings, name)
    with store.begin() as connection:
        connection.execute(tables.connector_settings.delete().where(tables.connector_settings.c.connector == name))
        connection.execute(tables.connector_messages.delete().where(tables.connector_messages.c.connector == name))
        state.forget_in(connection, name)


# every connector, wherever configured


def secrets_names(settings: Settings) -> set[str]:
    """The platforms secrets.toml has a table for (whether or not it is written rightly)."""
    pulse = read_secrets(settings.secrets_file).get("pulse", {})
    section = pulse.get("connectors") if isinstance(pulse, dict) else None
    return set(section) if isinstance(section, dict) else set()


def configured(settings: Settings, store: AppStore | None) -> list[Configured]:
    """Every connector: secrets.toml's, then the page's for the other platforms (in PLATFORMS
    order). Raises ConnectorNotConfigured for a table written wrongly. A page's connector whose
    token file is gone is listed with `lacking` saying so (a turned-off one needs no token)."""
    found = {config.name: Configured(config, SECRETS) for config in load_connectors(settings)}
    if store is not None:
        taken = secrets_names(settings)
        for name, saved in saved_connectors(store).items():
            if name in taken:
                continue
            table: dict[str, object] = dict(saved.settings)
            token = read_token(settings, name)
            if token:
                table[TOKEN_KEYS[name]] = token
            if saved.feedback_channels and name in CHANNELS:
                table["feedback_channels"] = list(saved.feedback_channels)
            lacking: Said | None = None
            with on_page(name):
                try:
                    config = _parsed(name, table)
                except ConnectorNotConfigured:
                    if token:  # its settings are wrong, not its token
                        raise
                    config = _parsed(name, table | {TOKEN_KEYS[name]: NO_TOKEN})
                    lacking = Said("error.connector.token_missing", **named(name))
            found[name] = Configured(config, PAGE, saved.enabled, lacking)
    return [found[name] for name in PLATFORMS if name in found]


def running(chosen: Configured) -> AbstractContextManager[None]:
    """`with running(c):` while the connector `c` fetches or is tried (a page's: its messages say so)."""
    return on_page(chosen.name) if chosen.place == PAGE else nullcontext()
