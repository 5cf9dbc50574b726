"""Survey links: the public link, personal single-use links for an audience, and a QR code.

A personal link carries a random token (`secrets.token_urlsafe`, 192 bits). Only its SHA-256 is
stored, so the links can be handed out once, as a CSV, and a copy of the database cannot be used to
answer in a member's name. Asking again for a member whose link is unused replaces the old token
(that link stops working); members who already answered are left out.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import pandas as pd
import segno
import sqlalchemy as sa

import schema
from store import tables
from store.database import AppStore

AUDIENCE_KINDS = ("segment", "channel", "region", "campaign")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_link(base_url: str, slug: str, token: str | None = None) -> str:
    """The member's page: <base>/survey?s=<slug>[&t=<token>]."""
    query = {"s": slug} | ({"t": token} if token else {})
    return f"{base_url.rstrip('/')}/survey?{urlencode(query)}"


@dataclass(frozen=True)
class Audience:
    """Who gets personal links: the members of a segment, a channel, a region, or a campaign's invitees."""

    kind: str
    value: str

    def __post_init__(self) -> None:
        if self.kind not in AUDIENCE_KINDS:
            raise ValueError(f"audience must be one of {', '.join(AUDIENCE_KINDS)}, not {self.kind!r}")

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


def audience_query(audience: Audience) -> sa.Select:
    """Member id, name and email of everyone in the audience (never team members), by name."""
    members = schema.members
    statement = sa.select(members.c.member_id, members.c.name, members.c.email).where(members.c.is_team == sa.false())
    if audience.kind == "campaign":
        invited = sa.select(schema.campaign_members.c.member_id).where(
            schema.campaign_members.c.campaign_id == audience.value
        )
        statement = statement.where(members.c.member_id.in_(invited))
    else:
        statement = statement.where(members.c[audience.kind] == audience.value)
    return statement.order_by(members.c.name, members.c.member_id)


def members_with_ids_query(member_ids: list[str]) -> sa.Select:
    """Member id, name and email of these members (never team members), by name."""
    members = schema.members
    return (
        sa.select(members.c.member_id, members.c.name, members.c.email)
        .where(members.c.is_team == sa.false(), members.c.member_id.in_(member_ids))
        .order_by(members.c.name, members.c.member_id)
    )


def campaign_choices_query() -> sa.Select:
    """Campaigns to invite from, newest first."""
    campaigns = schema.campaigns
    return sa.select(campaigns.c.campaign_id, campaigns.c.name).order_by(campaigns.c.starts_at.desc())


def create_links(
    app_store: AppStore,
    *,
    survey_id: int,
    slug: str,
    members: pd.DataFrame,
    audience: Audience,
    base_url: str,
    now: datetime,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Personal links for these members (columns member_id, name, email), in one transaction.
    Returns member_id, name, email, link for everyone who has not answered yet, under their id or
    any of `aliases` (each member's other ids, data_sources.identities.aliases_of: an account since
    merged into theirs)."""
    invitations, surveys = tables.invitations, tables.surveys
    wanted = members.drop_duplicates("member_id")
    ids = wanted["member_id"].astype(str).tolist()
    others = aliases or {}
    asked = [*ids, *(alias for member in ids for alias in others.get(member, ()))]
    links: dict[str, str] = {}
    with app_store.begin() as connection:
        current: dict[str, sa.Row] = {}
        for chunk in range(0, len(asked), 500):
            rows = connection.execute(
                sa.select(invitations.c.id, invitations.c.member_id, invitations.c.used_at)
                .join(surveys, surveys.c.id == invitations.c.survey_id)
                .where(surveys.c.slug == slug, invitations.c.member_id.in_(asked[chunk : chunk + 500]))
            ).all()
            for row in rows:  # a used invitation wins over an unused one of the same member
                if current.get(row.member_id) is None or current[row.member_id].used_at is None:
                    current[row.member_id] = row
        fresh: list[dict[str, object]] = []
        for member_id in ids:
            invitation = current.get(member_id)
            if invitation is not None and invitation.used_at is not None:
                continue  # answered already
            if any(current[alias].used_at is not None for alias in others.get(member_id, ()) if alias in current):
                continue  # answered under another of their ids
            token = new_token()
            links[member_id] = survey_link(base_url, slug, token)
            if invitation is None:
                fresh.append(
                    {
                        "survey_id": survey_id,
                        "token_hash": token_hash(token),
                        "member_id": member_id,
                        "audience": str(audience)[:300],
                        "sent_at": now,
                    }
                )
            else:
                connection.execute(
                    invitations.update()
                    .where(invitations.c.id == invitation.id)
                    .values(token_hash=token_hash(token), audience=str(audience)[:300], sent_at=now)
                )
        if fresh:
            connection.execute(invitations.insert(), fresh)
    chosen = wanted[wanted["member_id"].astype(str).isin(links)]
    return chosen.assign(link=chosen["member_id"].astype(str).map(links))[["member_id", "name", "email", "link"]]


def qr_png(link: str, *, scale: int = 10) -> bytes:
    """A QR code of the link as PNG, large enough to scan from a projected slide."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
