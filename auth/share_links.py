"""Read-only share links: a page with its filters, for a meeting, until it expires or is revoked.

A link is `<public_url>/<page>?<filters>&share=<token>`, the token being the link's id signed with
session_secret (itsdangerous): a changed token fails its signature. The row says what the link
reveals (members' names, free text), who made it, when it expires, whether it was revoked and when
it was last used. Opening checks all of it on every run, so a revocation takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from auth.access import SHAREABLE
from store import tables
from store.database import AppStore

SALT = "pulse-share"
DEFAULT_DAYS = 7
NOT_VALID = "This link is not valid. Ask whoever shared it for a new one."


class LinkRefused(Exception):
    """Raised for a link that is tampered with, unknown, expired or revoked; `user_message` says which."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


@dataclass(frozen=True)
class ShareLink:
    id: int
    page: str
    query: dict[str, str]
    reveal_text: bool
    reveal_names: bool
    expires_at: datetime


def _serializer(secret: str) -> URLSafeSerializer:
    if not secret:
        raise LinkRefused("Share links need session_secret in secrets.toml (README, 'Sign-in and roles').")
    return URLSafeSerializer(secret, salt=SALT)


def create_link(
    app_store: AppStore,
    *,
    page: str,
    query: dict[str, str],
    reveal_text: bool,
    reveal_names: bool,
    created_by: str,
    now: datetime,
    days: int = DEFAULT_DAYS,
    secret: str,
) -> str:
    """Store the link and return its token."""
    if page not in SHAREABLE:
        raise ValueError(f"{page} cannot be shared; these can: {', '.join(SHAREABLE)}")
    serializer = _serializer(secret)
    kept = {key: str(value) for key, value in query.items() if key != "share"}
    with app_store.begin() as connection:
        link_id = connection.execute(
            tables.share_links.insert().values(
                page=page,
                query=kept,
                reveal_text=reveal_text,
                reveal_names=reveal_names,
                created_by=created_by,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        ).inserted_primary_key[0]
    return serializer.dumps({"id": int(link_id)})


def link_url(public_url: str, *, page: str, query: dict[str, str], token: str) -> str:
    return f"{public_url.rstrip('/')}/{page}?{urlencode({**query, 'share': token})}"


def open_link(app_store: AppStore, token: str, *, secret: str, now: datetime) -> ShareLink:
    """The link a token stands for, if it is still good; records the use."""
    try:
        payload: Any = _serializer(secret).loads(token)
        link_id = int(payload["id"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused(NOT_VALID) from None
    links = tables.share_links
    with app_store.begin() as connection:
        row = connection.execute(sa.select(links).where(links.c.id == link_id)).first()
        if row is None:
            raise LinkRefused(NOT_VALID)
        if row.revoked_at is not None:
            raise LinkRefused("This link was revoked. Ask whoever shared it for a new one.")
        if row.expires_at <= now:
            raise LinkRefused(f"This link expired on {row.expires_at:%Y-%m-%d %H:%M} UTC. Ask for a new one.")
        connection.execute(links.update().where(links.c.id == link_id).values(last_used_at=now))
    return ShareLink(
        id=row.id,
        page=row.page,
        query=dict(row.query or {}),
        reveal_text=row.reveal_text,
        reveal_names=row.reveal_names,
        expires_at=row.expires_at,
    )


def revoke(app_store: AppStore, link_id: int, *, now: datetime) -> None:
    links = tables.share_links
    with app_store.begin() as connection:
        connection.execute(
            links.update().where(links.c.id == link_id, links.c.revoked_at.is_(None)).values(revoked_at=now)
        )


def list_links(app_store: AppStore, *, now: datetime) -> pd.DataFrame:
    """Every link, newest first, with its state (active, expired, revoked)."""
    links = tables.share_links
    state = sa.case(
        (links.c.revoked_at.is_not(None), "revoked"), (links.c.expires_at <= now, "expired"), else_="active"
    ).label("state")
    return app_store.run(
        sa.select(
            links.c.id,
            links.c.page,
            state,
            links.c.created_by,
            links.c.created_at,
            links.c.expires_at,
            links.c.last_used_at,
            links.c.reveal_names,
            links.c.reveal_text,
            links.c.query,
        ).order_by(links.c.created_at.desc(), links.c.id.desc())
    )
