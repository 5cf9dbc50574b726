"""The `connectors` source: run every configured connector (each fetches what is new into its
archive, step by step), then give sync the canonical frames of all archives together.

A connector is an object with a `name` (its secrets.toml table, and its archive's folder) and
`fetch(cursor)`, which yields Steps: the rows one step brought, the cursor after it, and how far the
fetch has got (done of total, in the connector's unit, named by a catalog key). Steps are gathered
and written to the archive as one segment (and the messages of feedback channels kept in the app
store: connectors/messages.py), then the cursor of the last of them is saved (archive.py
says why that order means no duplicates after a failure). A connector that fails writes the steps
it completed, then stops the sync with its message; the next run goes on from there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data_sources.connectors import messages, state
from data_sources.connectors.archive import Archive, Row, archive_dir
from data_sources.connectors.config import (
    ConnectorConfig,
    DiscordConfig,
    DiscourseConfig,
    SlackConfig,
    WecomConfig,
)
from data_sources.connectors.discord import Discord
from data_sources.connectors.discourse import Discourse
from data_sources.connectors.errors import ConnectorNotConfigured, named
from data_sources.connectors.github import Github
from data_sources.connectors.saved import configured, running
from data_sources.connectors.slack import Slack
from data_sources.connectors.steps import Connector, Step
from data_sources.connectors.wecom import Wecom, group_days, group_days_frame
from data_sources.errors import DataSourceError
from data_sources.validate import Parsing, RawTable, validate
from errors import Said
from settings import Settings
from store.database import AppStore

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (what, done, total), as a sheet's reading is told
Frames = dict[str, pd.DataFrame]


@dataclass
class Made:
    """How connectors are made from their configuration (tests give clients that do not wait)."""

    options: dict[str, Any] = field(default_factory=dict)

    def __call__(self, config: ConnectorConfig, archive: Archive) -> Connector:
        if isinstance(config, DiscourseConfig):
            return Discourse(config, archive=archive, **self.options)
        if isinstance(config, SlackConfig):
            return Slack(config, **self.options)
        if isinstance(config, DiscordConfig):
            return Discord(config, archive=archive, **self.options)
        if isinstance(config, WecomConfig):
            return Wecom(config, **self.options)
        return Github(config, archive=archive, **self.options)


FLUSH_ROWS, FLUSH_STEPS = 5_000, 20  # steps are archived together up to these many rows or steps


def run_connector(
    connector: Connector, *, settings: Settings, app_store: AppStore, progress: Progress | None = None
) -> int:
    """Fetch what is new into the connector's archive; the number of steps. Raises DataSourceError.

    Steps are gathered up to FLUSH_ROWS rows or FLUSH_STEPS steps and written as one segment, then
    the cursor of the last of them saved (a page a segment made a first import's archive hundreds of
    small files). When the platform fails, the steps already complete are written before the failure
    is recorded, so the next run goes on from the last of them."""
    archive = Archive(archive_dir(settings.data_dir, connector.name))
    if archive.empty:
        state.forget(app_store, connector.name)
    cursor = state.cursor_of(app_store, connector.name)
    state.started(app_store, connector.name, cursor=cursor)
    began, steps = time.monotonic(), 0
    pending: list[Step] = []
    log.info("Connector %s started from %s", connector.name, "its cursor" if cursor else "the beginning")

    def flush() -> None:
        if not pending:
            return
        tables: dict[str, list[Row]] = {}
        for step in pending:
            for name, rows in step.tables.items():
                tables.setdefault(name, []).extend(rows)
        archive.append(
            [row for step in pending for row in step.members],
            [row for step in pending for row in step.activities],
            tables,
        )
        messages.keep(app_store, connector.name, [row for step in pending for row in step.messages])
        last = pending[-1]
        state.stepped(app_store, connector.name, cursor=last.cursor, done=last.done, total=last.total)
        pending.clear()

    try:
        for step in connector.fetch(cursor):
            pending.append(step)
            steps += 1
            rows = sum(len(step.members) + len(step.activities) for step in pending)
            if rows >= FLUSH_ROWS or len(pending) >= FLUSH_STEPS:
                flush()
            if progress is not None:
                progress(Said(step.unit, **named(connector.name)), step.done, step.total)
        flush()
        archive.compact()
    except DataSourceError as error:
        flush()  # the steps that completed before the platform failed
        state.finished(app_store, connector.name, error=error.said())
        log.warning("Connector %s failed after %d steps: %s", connector.name, steps, error.user_message)
        raise
    except BaseException as error:
        state.finished(app_store, connector.name, error=Said("error.sync.unexpected", error=repr(error)))
        raise
    state.finished(app_store, connector.name)
    log.info("Connector %s finished %d steps in %.1f s", connector.name, steps, time.monotonic() - began)
    return steps


def load_connectors_source(
    *,
    settings: Settings,
    app_store: AppStore,
    progress: Progress | None = None,
    make: Callable[[ConnectorConfig, Archive], Connector] | None = None,
) -> tuple[Frames, list[str]]:
    """Run every configured connector, then the canonical frames of their archives and warnings."""
    chosen = configured(settings, app_store)
    if not chosen:
        raise ConnectorNotConfigured(Said("error.connector.none", section="[pulse.connectors.<platform>]"))
    make = make or Made()
    for connector in chosen:
        if not connector.enabled:  # turned off on the Data page: not fetched, its archive still counts
            log.info("Connector %s is turned off: not fetched", connector.name)
            continue
        if connector.lacking is not None:  # its token file is gone: it fails as a refused one does
            state.started(app_store, connector.name, cursor=state.cursor_of(app_store, connector.name))
            state.finished(app_store, connector.name, error=connector.lacking)
            log.warning("Connector %s has no saved token: %s", connector.name, connector.lacking)
            raise ConnectorNotConfigured(connector.lacking)
        archive = Archive(archive_dir(settings.data_dir, connector.name))
        with running(connector):
            run_connector(make(connector.config, archive), settings=settings, app_store=app_store, progress=progress)
    return archived_frames(settings, [connector.name for connector in chosen])


def archived_frames(settings: Settings, names: list[str]) -> tuple[Frames, list[str]]:
    """The archives' members and activities as canonical tables: a member's platform is their
    channel (how they came) and their name the platform's, else their handle."""
    members, activities = [], []
    for name in names:
        archive = Archive(archive_dir(settings.data_dir, name))
        members.append(archive.members())
        activities.append(archive.activities())
    people = pd.concat(members, ignore_index=True)
    done = pd.concat(activities, ignore_index=True)
    raws = {
        "members": RawTable(
            name="members",
            file="connectors: members",
            frame=pd.DataFrame(
                {
                    "member_id": people["member_id"],
                    "name": people["name"].where(people["name"].notna() & (people["name"] != ""), people["handle"]),
                    "email": people["email"],
                    "joined_at": people["joined_at"],
                    "channel": people["platform"],
                    "is_team": people["is_team"].map({True: "true", False: "false"}),
                }
            ),
        ),
        "activities": RawTable(name="activities", file="connectors: activities", frame=done),
    }
    del members, activities, people, done  # validation frees each column once typed: nothing else holds them
    validated = validate(raws, parsing=Parsing(timezone="UTC"), consume=True)
    return validated.frames, validated.warnings


def archived_tables(settings: Settings, app_store: AppStore) -> dict[sa.Table, pd.DataFrame]:
    """The platforms' own tables for the warehouse: WeCom's daily group figures when a WeCom
    connector is configured (its archive's days, however old)."""
    for connector in configured(settings, app_store):
        if isinstance(connector.config, WecomConfig):
            archive = Archive(archive_dir(settings.data_dir, connector.name))
            return {group_days: group_days_frame(archive.table(group_days.name, key=("day",)))}
    return {}
