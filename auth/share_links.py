"""Read-only share links: a page with its filters, for a meeting, until it expires or is revoked.

A link is `<public_url>/<page>?share=<token>`, the token being the link's id signed with the app's
signing key (settings.signing_secret, itsdangerous): a changed token fails its signature. The row
holds everything the link shows: the page, its view (period, member filters, survey, presentation
mode, in the language-independent words of metrics.filters.view_query), what it reveals (members'
names, free text), who made it, when it expires, whether it was revoked and when it was last used.
Nothing in the address but the token counts, so adding parameters to a link changes nothing.
Opening checks all of it on every run, so a revocation takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from auth.pages import SHAREABLE
from errors import PulseError
from metrics.filters import view_from_address
from store import tables
from store.database import AppStore
from store.keys import inserted_id

SALT = "pulse-share"
DEFAULT_DAYS = 7
NOT_VALID = "This link is not valid. Ask whoever shared it for a new one."
# What a link's view may hold: metrics.filters.view_query's words, the survey it shows, presentation,
# and the language its maker read the app in (the opener may choose another).
VIEW_KEYS = ("period", "start", "end", "channel", "region", "segment", "survey", "present", "lang")


class LinkRefused(PulseError):
    """Raised for a link that is tampered with, unknown, expired or revoked; `user_message` says
    which (in English, for logs), `key` and `values` say it through the catalog."""

    key = "share.refused.not_valid"


@dataclass(frozen=True)
class ShareLink:
    id: int
    page: str
    query: dict[str, str]  # the view, in VIEW_KEYS
    reveal_text: bool
    reveal_names: bool
    expires_at: datetime

    @property
    def present(self) -> bool:
        return self.query.get("present") == "1"


def _serializer(secret: str) -> URLSafeSerializer:
    if not secret:  # anyone could sign with an empty key
        raise ValueError("A share link needs a signing key (settings.signing_secret).")
    return URLSafeSerializer(secret, salt=SALT)


def stored_view(query: dict[str, str]) -> dict[str, str]:
    """A stored query in VIEW_KEYS; an older link's filter widget keys are translated."""
    kept = {key: str(query[key]) for key in ("survey", "present", "lang") if query.get(key)}
    return view_from_address({key: str(value) for key, value in query.items()}) | kept


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
    """Store the link and return its token. `query` is the view (VIEW_KEYS) the link will show."""
    if page not in SHAREABLE:
        raise ValueError(f"{page} cannot be shared; these can: {', '.join(SHAREABLE)}")
    if unknown := set(query) - set(VIEW_KEYS):
        raise ValueError(f"A share link keeps only {', '.join(VIEW_KEYS)}; not {', '.join(sorted(unknown))}.")
    serializer = _serializer(secret)
    kept = {key: str(value) for key, value in query.items()}
    with app_store.begin() as connection:
        link_id = inserted_id(
            connection.execute(
                tables.share_links.insert().values(
                    page=page,
                    query=kept,
                    reveal_text=reveal_text,
                    reveal_names=reveal_names,
                    created_by=created_by,
                    created_at=now,
                    expires_at=now + timedelta(days=days),
                )
            )
        )
    return serializer.dumps({"id": link_id})


def link_url(public_url: str, *, page: str, token: str) -> str:
    """The address to hand out: the page and the token, nothing else (the view is in the row)."""
    return f"{public_url.rstrip('/')}/{page}?{urlencode({'share': token})}"


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
            raise LinkRefused("This link was revoked. Ask whoever shared it for a new one.", "share.refused.revoked")
        if row.expires_at <= now:
            when = f"{row.expires_at:%Y-%m-%d %H:%M} UTC"
            raise LinkRefused(f"This link expired on {when}. Ask for a new one.", "share.refused.expired", when=when)
        view = stored_view(dict(row.query or {}))
        connection.execute(links.update().where(links.c.id == link_id).values(last_used_at=now))
    return ShareLink(
        id=row.id,
        page=row.page,
        query=view,
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
