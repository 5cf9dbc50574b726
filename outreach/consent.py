"""Unsubscribes, per member and per topic (survey invitations and reminders; feedback replies).

Every member message carries a signed unsubscribe link, `/unsubscribe?u=<token>&topic=<topic>`: the
token is the member id and an HMAC of it under the app's signing key (settings.signing_secret), so
it cannot be made for another member and needs no table of its own. An unsubscribe is kept for the
member id and for the address's SHA-256, and is checked twice: when a message is queued (here) and
when the sender claims it (delivery/outbox.py), so a message queued before the click is withheld.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from store import tables
from store.database import AppStore

TOPICS = ("surveys", "feedback")
KIND_TOPIC = {"invitation": "surveys", "reminder": "surveys", "reply": "feedback"}


def address_hash(address: str) -> str:
    """The SHA-256 of an address as written in any case, with no surrounding space."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def _mac(secret: str, member_id: str) -> str:
    return hmac.new(secret.encode(), f"unsubscribe:{member_id}".encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(secret: str, member_id: str) -> str:
    """The member id (base64url) and its signature."""
    encoded = base64.urlsafe_b64encode(member_id.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{encoded}.{_mac(secret, member_id)}"


def member_of(secret: str, token: str) -> str | None:
    """The member a token was signed for, or None when it is not one of ours."""
    encoded, _, mac = token.partition(".")
    try:
        member_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return member_id if member_id and hmac.compare_digest(mac, _mac(secret, member_id)) else None


def unsubscribe_link(base_url: str, token: str, topic: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe?{urlencode({'u': token, 'topic': topic})}"


def unsubscribed(
    connection: sa.Connection, *, topic: str, member_ids: Iterable[str], hashes: Iterable[str] = ()
) -> tuple[set[str], set[str]]:
    """Of these members and address hashes, those unsubscribed from the topic."""
    off = tables.member_unsubscribes
    ids, wanted = list(dict.fromkeys(member_ids)), list(dict.fromkeys(hashes))
    members: set[str] = set()
    addresses: set[str] = set()
    for start in range(0, max(len(ids), len(wanted)), 500):
        rows = connection.execute(
            sa.select(off.c.member_id, off.c.address_hash).where(
                off.c.topic == topic,
                sa.or_(
                    off.c.member_id.in_(ids[start : start + 500]), off.c.address_hash.in_(wanted[start : start + 500])
                ),
            )
        )
        for row in rows:
            members.add(str(row.member_id))
            if row.address_hash:
                addresses.add(str(row.address_hash))
    return members, addresses


def _known_address(connection: sa.Connection, member_id: str) -> str | None:
    """The hash of the address the member's latest message went to."""
    messages = tables.member_messages
    return connection.execute(
        sa.select(messages.c.address_hash)
        .where(messages.c.member_id == member_id)
        .order_by(messages.c.id.desc())
        .limit(1)
    ).scalar()


def set_wanted(app_store: AppStore, member_id: str, topic: str, *, wanted: bool, now: datetime) -> None:
    """Unsubscribe the member (and the address their messages went to) from a topic, or take it back."""
    if topic not in TOPICS:
        raise ValueError(f"topic must be one of {', '.join(TOPICS)}, not {topic!r}")
    off = tables.member_unsubscribes
    with app_store.begin() as connection:
        if wanted:
            connection.execute(off.delete().where(off.c.member_id == member_id, off.c.topic == topic))
            return
        insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(off)
        connection.execute(
            insert.values(
                member_id=member_id, topic=topic, address_hash=_known_address(connection, member_id), at=now
            ).on_conflict_do_nothing(index_elements=["member_id", "topic"])
        )


def topics_of(app_store: AppStore, member_id: str) -> dict[str, bool]:
    """Each topic and whether the member still gets it."""
    with app_store.read() as connection:
        return {topic: not unsubscribed(connection, topic=topic, member_ids=[member_id])[0] for topic in TOPICS}
