"""Survey invitations by email: who an audience reaches (members without an address, unsubscribed,
invited before or who answered already are counted apart), and queuing one invitation per member
with a personal single-use link.

The personal link's token is an HMAC of the survey and member under the app's signing key, so a
reminder carries the same link as the invitation without the token being stored (the invitations
table keeps its SHA-256 like every personal link). A member already given a CSV link that is still
unused gets this token instead (the CSV link stops working); one who answered is left out. The
outbox key `invite:<slug>:<member>` makes a second invitation to the same survey impossible,
whatever the audiences, the clicks or the processes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from catalog import LANGUAGES, language_of, translate
from outreach import consent
from outreach.messages import Recipient, Sending, compose, is_address, record
from store import tables
from store.database import AppStore
from surveys.definition import text_in
from surveys.links import survey_link, token_hash
from surveys.registry import StoredSurvey

CHUNK = 200  # messages queued per transaction: a crash keeps what was queued, and a rerun adds the rest


def personal_token(secret: str, slug: str, member_id: str) -> str:
    mac = hmac.new(secret.encode(), f"invite:{slug}:{member_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def invitation_key(slug: str, member_id: str) -> str:
    return f"invite:{slug}:{member_id}"[:200]


@dataclass(frozen=True)
class Plan:
    """What sending to an audience would do: who receives it, and who is left out and why."""

    recipients: tuple[Recipient, ...]
    no_email: int  # no address, or one that is not an address
    unsubscribed: int
    invited_before: int
    answered: int

    @property
    def left_out(self) -> int:
        return self.no_email + self.unsubscribed + self.invited_before + self.answered


def member_languages(connection: sa.Connection, member_ids: list[str]) -> dict[str, str]:
    """The language each member last answered a survey in (what their messages are written in)."""
    responses = tables.responses
    found: dict[str, str] = {}
    for start in range(0, len(member_ids), 500):
        rows = connection.execute(
            sa.select(responses.c.member_id, responses.c.locale)
            .where(responses.c.member_id.in_(member_ids[start : start + 500]), responses.c.locale.is_not(None))
            .order_by(responses.c.id)
        )
        for row in rows:  # the latest wins
            language = language_of(row.locale)
            if language:
                found[str(row.member_id)] = language
    return found


def _answered(connection: sa.Connection, slug: str, member_ids: list[str]) -> set[str]:
    invitations, surveys = tables.invitations, tables.surveys
    found: set[str] = set()
    for start in range(0, len(member_ids), 500):
        found |= {
            str(member)
            for member in connection.execute(
                sa.select(invitations.c.member_id)
                .join(surveys, surveys.c.id == invitations.c.survey_id)
                .where(
                    surveys.c.slug == slug,
                    invitations.c.used_at.is_not(None),
                    invitations.c.member_id.in_(member_ids[start : start + 500]),
                )
            ).scalars()
        }
    return found


def _invited(connection: sa.Connection, keys: Iterable[str]) -> set[str]:
    messages, wanted, found = tables.member_messages, list(keys), set()
    for start in range(0, len(wanted), 500):
        found |= set(
            connection.execute(
                sa.select(messages.c.outbox_key).where(messages.c.outbox_key.in_(wanted[start : start + 500]))
            ).scalars()
        )
    return found


def plan(
    app_store: AppStore,
    *,
    slug: str,
    members: pd.DataFrame,
    default_language: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> Plan:
    """Sort an audience (columns member_id, name, email) into who would receive an invitation now
    and who not; one address receives one invitation even when two members share it. `aliases` are
    each member's other ids (data_sources.identities.aliases_of): a person who answered, was
    invited or unsubscribed under an account since merged into theirs has done so."""
    people = members.drop_duplicates("member_id")
    ids = people["member_id"].astype(str).tolist()
    others = aliases or {}
    default = language_of(default_language) or LANGUAGES[0]
    every = [*ids, *(alias for member in ids for alias in others.get(member, ()))]  # the people's ids

    def any_of(member: str, found: Collection[str]) -> bool:
        return member in found or any(alias in found for alias in others.get(member, ()))

    with app_store.read() as connection:
        languages = member_languages(connection, ids)
        under = _answered(connection, slug, every)
        answered = {member for member in ids if any_of(member, under)}
        keys = _invited(connection, (invitation_key(slug, member) for member in every))
        invited_ids = {member for member in every if invitation_key(slug, member) in keys}
        invited = {member for member in ids if any_of(member, invited_ids)}
        addresses = {str(m): str(e or "").strip() for m, e in zip(people["member_id"], people["email"], strict=True)}
        off_ids, off_addresses = consent.unsubscribed(
            connection,
            topic="surveys",
            member_ids=every,
            hashes=[consent.address_hash(a) for a in addresses.values() if a],
        )
        off_members = {member for member in ids if any_of(member, off_ids)}
    recipients: list[Recipient] = []
    counts = {"no_email": 0, "unsubscribed": 0, "invited_before": 0, "answered": 0}
    seen: set[str] = set()
    for member_id, name in zip(ids, people["name"], strict=True):
        address = addresses[member_id]
        if member_id in answered:
            counts["answered"] += 1
        elif member_id in invited:
            counts["invited_before"] += 1
        elif not address or not is_address(address) or consent.address_hash(address) in seen:
            counts["no_email"] += 1
        elif member_id in off_members or consent.address_hash(address) in off_addresses:
            counts["unsubscribed"] += 1
        else:
            seen.add(consent.address_hash(address))
            language = languages.get(member_id, default)
            recipients.append(Recipient(member_id, str(name or ""), address, language))
    return Plan(recipients=tuple(recipients), **counts)


def survey_values(stored: StoredSurvey, recipient: Recipient, sending: Sending) -> dict[str, str]:
    """The link and the survey's title in the recipient's language (for invitations and reminders)."""
    token = personal_token(sending.secret, stored.slug, recipient.member_id)
    return {
        "link": survey_link(sending.base_url, stored.slug, token) + f"&lang={recipient.language}",
        "survey": text_in(stored.survey.title, recipient.language),
    }


def _link_row(
    connection: sa.Connection, stored: StoredSurvey, member_id: str, token: str, audience: str, sending: Sending
) -> bool:
    """Make the member's invitations row carry this token; False when they answered already."""
    invitations, surveys = tables.invitations, tables.surveys
    rows = connection.execute(
        sa.select(invitations.c.id, invitations.c.used_at)
        .join(surveys, surveys.c.id == invitations.c.survey_id)
        .where(surveys.c.slug == stored.slug, invitations.c.member_id == member_id)
    ).all()
    if any(row.used_at is not None for row in rows):
        return False
    values = {"token_hash": token_hash(token), "audience": audience[:300], "sent_at": sending.now}
    if rows:
        connection.execute(invitations.update().where(invitations.c.id == rows[0].id).values(**values))
    else:
        connection.execute(invitations.insert().values(survey_id=stored.id, member_id=member_id, **values))
    return True


def queue_invitations(
    app_store: AppStore, sending: Sending, *, stored: StoredSurvey, recipients: Iterable[Recipient], audience: str
) -> int:
    """Queue an invitation for each recipient not invited, answered or unsubscribed by now, CHUNK to
    a transaction; the number queued. Sending it is the outbox's work (at the channel's rate)."""
    wanted = list(recipients)
    queued = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        with app_store.begin() as connection:
            off_members, off_addresses = consent.unsubscribed(
                connection,
                topic="surveys",
                member_ids=[r.member_id for r in chunk],
                hashes=[consent.address_hash(r.address) for r in chunk],
            )
            for recipient in chunk:
                if recipient.member_id in off_members or consent.address_hash(recipient.address) in off_addresses:
                    continue
                token = personal_token(sending.secret, stored.slug, recipient.member_id)
                if not _link_row(connection, stored, recipient.member_id, token, audience, sending):
                    continue
                values = survey_values(stored, recipient, sending)
                message = compose(
                    sending, recipient, link_label=translate("outreach.open_survey", recipient.language), **values
                )
                queued += record(
                    connection,
                    sending,
                    recipient,
                    message,
                    key=invitation_key(stored.slug, recipient.member_id),
                    survey_slug=stored.slug,
                    audience=audience,
                )
    return queued
