"""One member message, whatever its kind: the template filled in the member's language, the
unsubscribe line and headers, queued in the outbox under its key with a `member_messages` row that
names the member, the address and the topic (the sender checks that row's unsubscribes again)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from catalog import LANGUAGES, translate
from delivery import outbox
from delivery.channels import Channel, EmailChannel
from delivery.message import Message
from outreach import consent, templates
from settings import Settings, signing_secret
from store import tables
from store.database import AppStore

ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+$")


def is_address(text: str) -> bool:
    """Whether text is one plain email address (what a member's email or a CSV cell must be)."""
    return bool(ADDRESS.match(text.strip()))


@dataclass(frozen=True)
class Recipient:
    """A member a message is for, with the address and the language it is written in."""

    member_id: str
    name: str
    address: str
    language: str


@dataclass(frozen=True)
class Sending:
    """What every message of one send shares: the channel, the kind and its wording per language,
    who sends and when."""

    channel: EmailChannel
    kind: str  # invitation, reminder or reply
    wording: dict[str, templates.Template]  # by language; a language without one reads English's
    secret: str  # the app's signing key: unsubscribe tokens and personal survey tokens
    base_url: str
    actor: str
    now: datetime

    def template(self, language: str) -> templates.Template:
        return self.wording.get(language) or self.wording.get("en") or templates.default(self.kind, language)


def email_channel(channels: dict[str, Channel]) -> EmailChannel | None:
    """The email channel member messages go through: the first of secrets.toml's by name, or None."""
    return next((channel for _, channel in sorted(channels.items()) if isinstance(channel, EmailChannel)), None)


def sending_for(
    app_store: AppStore, settings: Settings, channel: EmailChannel, kind: str, *, actor: str, now: datetime
) -> Sending:
    """A send of this kind with the kept wording, the app's signing key and its public address."""
    return Sending(channel, kind, wordings(app_store, kind), signing_secret(settings), settings.public_url, actor, now)


def wordings(app_store: AppStore, kind: str) -> dict[str, templates.Template]:
    """The wording of a kind of message in every language, as kept or the catalog's."""
    return {language: templates.load(app_store, kind, language) for language in LANGUAGES}


def compose(sending: Sending, recipient: Recipient, *, link: str = "", link_label: str = "", **values: str) -> Message:
    """The email from the template, with the link as a button too and the unsubscribe line."""
    subject, body = templates.fill(sending.template(recipient.language), name=recipient.name, link=link, **values)
    return written(sending, recipient, subject=subject, body=body, link=link, link_label=link_label)


def written(
    sending: Sending, recipient: Recipient, *, subject: str, body: str, link: str = "", link_label: str = ""
) -> Message:
    """The email as written (a template filled, or a manager's edit of it), with the signed
    unsubscribe link in its last line and its List-Unsubscribe headers."""
    topic = consent.KIND_TOPIC[sending.kind]
    unsubscribe = consent.unsubscribe_link(
        sending.base_url, consent.unsubscribe_token(sending.secret, recipient.member_id), topic
    )
    footer = translate(f"outreach.footer.{topic}", recipient.language, link=unsubscribe)
    return Message(
        title=subject.strip(),
        text=f"{body.rstrip()}\n\n{footer}",
        link=link,
        link_label=link_label or translate("outreach.open_survey", recipient.language),
        language=recipient.language,
        recipients=(recipient.address,),
        unsubscribe=unsubscribe,
    )


def record(
    connection: sa.Connection,
    sending: Sending,
    recipient: Recipient,
    message: Message,
    *,
    key: str,
    survey_slug: str | None = None,
    feedback_id: int | None = None,
    round_: int = 0,
    audience: str | None = None,
) -> bool:
    """Queue the message under its key with its member_messages row, in the caller's transaction;
    False when that key was queued before (nothing is added)."""
    if not outbox.enqueue(connection, channel=sending.channel, message=message, key=key, now=sending.now):
        return False
    connection.execute(
        tables.member_messages.insert().values(
            kind=sending.kind,
            topic=consent.KIND_TOPIC[sending.kind],
            member_id=recipient.member_id,
            name=recipient.name[:200],
            address=recipient.address.strip(),
            address_hash=consent.address_hash(recipient.address),
            language=recipient.language,
            survey_slug=survey_slug,
            feedback_id=feedback_id,
            round=round_,
            audience=audience[:300] if audience else None,
            channel=sending.channel.name,
            outbox_key=key,
            created_by=sending.actor,
            created_at=sending.now,
        )
    )
    return True


def members_sent(slug: str, kind: str) -> sa.Select:
    """The members a message of this kind about this survey was sent to (its outbox row `sent`)."""
    messages, outbox = tables.member_messages, tables.delivery_outbox
    return (
        sa.select(messages.c.member_id)
        .join(outbox, outbox.c.idempotency_key == messages.c.outbox_key)
        .where(messages.c.survey_slug == slug, messages.c.kind == kind, outbox.c.status == "sent")
    )
