"""Replies that go out on their own. A manager names the statuses (each for every theme or for one)
after which a member is told what became of their feedback without anyone writing it: the kept
reply template in the member's language, exactly as "Tell the member" starts it, sent the same way
(outreach/replies.py: queued once per version of the item, recorded in its history, never to one
who unsubscribed from feedback replies).

An item is answered when its current status came from a change made after the rule was set, that
change is at least GRACE old (an undo within that time sends nothing) and at most WINDOW old (older
ones are left to people: a rule set today does not write about last month), and no reply to the
member was queued since the change (a manager's own counts). A duplicate reopened because its
original was removed (an import undone: feedback.workflow.unmerge_removed) is not a change to tell
the member of: nothing became of their feedback. `queue_due` runs before each outbox run
(the app server's sender every minute, `cli.py deliver`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from delivery.channels import Channel
from errors import PulseError, Said
from feedback.inbox import theme_of
from feedback.workflow import REOPENED_BY_REMOVAL, STATUSES
from outreach import replies, templates
from outreach.invitations import member_languages
from outreach.messages import Recipient, Sending, email_channel, is_address, wordings
from settings import Settings, signing_secret
from store import tables
from store.database import AppStore
from surveys.links import members_with_ids_query

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=5)
WINDOW = timedelta(days=7)
ACTOR = "auto-reply"  # the history's "who" for these replies (shown in words: feedback.actor.auto_reply)
ANY_THEME = ""
STATUSES_TOLD = tuple(status for status in STATUSES if status != "new")  # a new item has nothing to tell yet

AddressesOf = Callable[[list[str]], dict[str, tuple[str, str]]]  # member id -> (name, email)


class AutoReplyError(PulseError):
    """Raised when a rule names a status a reply cannot follow, or one that is already set."""


@dataclass(frozen=True)
class Due:
    """An item whose member is to be told now."""

    feedback_id: int
    version: int
    member_id: str
    status: str
    text: str


def rules(app_store: AppStore) -> pd.DataFrame:
    """The rules with who set them and when, by status then theme (any theme first)."""
    kept = tables.auto_replies
    return app_store.run(
        sa.select(kept.c.id, kept.c.status, kept.c.theme, kept.c.created_by, kept.c.created_at).order_by(
            kept.c.status, kept.c.theme
        )
    )


def add_rule(app_store: AppStore, *, status: str, theme: str = ANY_THEME, actor: str, now: datetime) -> None:
    """Tell members automatically once their item moves to this status (with this theme, if given)."""
    if status not in STATUSES_TOLD:
        raise AutoReplyError(Said("outreach.auto.status", status=status))
    theme = " ".join(theme.split())[:100]
    kept = tables.auto_replies
    with app_store.begin() as connection:
        exists = connection.execute(sa.select(kept.c.id).where(kept.c.status == status, kept.c.theme == theme)).first()
        if exists is not None:
            raise AutoReplyError(Said("outreach.auto.exists"))
        connection.execute(kept.insert().values(status=status, theme=theme, created_by=actor, created_at=now))


def remove_rule(app_store: AppStore, rule_id: int) -> None:
    with app_store.begin() as connection:
        connection.execute(tables.auto_replies.delete().where(tables.auto_replies.c.id == rule_id))


def due(connection: sa.Connection, now: datetime) -> list[Due]:
    """The items whose member is to be told now (the module's docstring says which)."""
    feedback, events, kept = tables.feedback, tables.feedback_events, tables.auto_replies
    messages, off, later, beside = (
        tables.member_messages,
        tables.member_unsubscribes,
        events.alias("later"),
        events.alias("beside"),
    )
    if connection.execute(sa.select(kept.c.id).limit(1)).first() is None:
        return []  # no rule: the minute's check reads nothing more
    rows = connection.execute(
        sa.select(feedback.c.id, feedback.c.version, feedback.c.member_id, feedback.c.status, feedback.c.text)
        .join(events, sa.and_(events.c.feedback_id == feedback.c.id, events.c.field == "status"))
        .where(
            events.c.new_value == feedback.c.status,
            events.c.at <= now - GRACE,
            events.c.at > now - WINDOW,
            feedback.c.member_id.is_not(None),
            feedback.c.member_id != "",
            sa.exists().where(
                kept.c.status == feedback.c.status,
                sa.or_(kept.c.theme == ANY_THEME, kept.c.theme == theme_of()),
                kept.c.created_at <= events.c.at,
            ),
            ~sa.exists().where(
                later.c.feedback_id == feedback.c.id, later.c.field == "status", later.c.id > events.c.id
            ),
            ~sa.exists().where(  # reopened by an undone import, not by anyone's decision
                beside.c.feedback_id == feedback.c.id,
                beside.c.version == events.c.version,
                beside.c.field == REOPENED_BY_REMOVAL,
            ),
            ~sa.exists().where(
                messages.c.feedback_id == feedback.c.id,
                messages.c.kind == "reply",
                messages.c.created_at >= events.c.at,
            ),
            ~sa.exists().where(off.c.member_id == feedback.c.member_id, off.c.topic == "feedback"),
        )
        .order_by(feedback.c.id)
    )
    return [Due(int(r.id), int(r.version), str(r.member_id), str(r.status), str(r.text)) for r in rows]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def addresses_from(run: Callable[[sa.Select], pd.DataFrame]) -> AddressesOf:
    """Members' names and emails read from the community's data with `run` (a warehouse's)."""

    def addresses_of(member_ids: list[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(member_ids), 500):
            frame = run(members_with_ids_query(member_ids[start : start + 500]))
            for row in frame.itertuples(index=False):
                found[str(row.member_id)] = (_text(row.name), _text(row.email))
        return found

    return addresses_of


def queue_due_for(
    settings: Settings, app_store: AppStore, channels: dict[str, Channel], addresses_of: AddressesOf, *, now: datetime
) -> int:
    """`queue_due` with the app's signing key, public address and language (what the senders call)."""
    return queue_due(
        app_store,
        channels,
        addresses_of,
        secret=signing_secret(settings),
        base_url=settings.public_url,
        language=settings.language,
        now=now,
    )


def queue_due(
    app_store: AppStore,
    channels: dict[str, Channel],
    addresses_of: AddressesOf,
    *,
    secret: str,
    base_url: str,
    language: str,
    now: datetime,
) -> int:
    """Queue a reply for each item due now, through the first email channel; the number queued
    (none without an email channel). A member without a usable address is skipped (and looked for
    again next time, until the change is WINDOW old); one whose address is unsubscribed, or whose
    item changed meanwhile, is refused by `replies.send_reply`. A member who never answered a
    survey is written to in `language` (the community's)."""
    channel = email_channel(channels)
    if channel is None:
        return 0
    with app_store.read() as connection:
        found = due(connection, now)
        languages = member_languages(connection, sorted({item.member_id for item in found}))
    if not found:
        return 0
    sending = Sending(channel, "reply", wordings(app_store, "reply"), secret, base_url, ACTOR, now)
    addresses = addresses_of(sorted({item.member_id for item in found}))
    queued = 0
    for item in found:
        name, address = addresses.get(item.member_id, ("", ""))
        if not is_address(address):
            continue
        said_in = languages.get(item.member_id, language)
        values = replies.reply_values(text=item.text, status=item.status, language=said_in)
        subject, body = templates.fill(sending.template(said_in), name=name, **values)
        try:
            queued += replies.send_reply(
                app_store,
                sending,
                Recipient(item.member_id, name, address, said_in),
                feedback_id=item.feedback_id,
                version=item.version,
                subject=subject,
                body=body,
            )
        except replies.ReplyRefused as refused:  # an unsubscribed address, or changed since read: not now
            log.info("Automatic reply to item %s not sent: %s", item.feedback_id, refused.user_message)
    if queued:
        log.info("Queued %s automatic replies", queued)
    return queued


def sent_since(app_store: AppStore, since: datetime) -> int:
    """Automatic replies queued since then (the view's count)."""
    messages = tables.member_messages
    with app_store.read() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(
                    messages.c.kind == "reply", messages.c.created_by == ACTOR, messages.c.created_at >= since
                )
            ).scalar_one()
        )
