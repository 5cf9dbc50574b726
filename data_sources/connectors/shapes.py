"""Reading a platform's documented answer: a field of the expected type, or MalformedAnswer naming
the connector, the address and the field (nothing of that page is kept)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from data_sources.connectors.errors import MalformedAnswer, named
from errors import Said

T = TypeVar("T")
TYPE_WORDS = {dict: "object", list: "list", str: "text", int: "number", bool: "true/false"}


def malformed(connector: str, where: str, field: str, expected: str) -> MalformedAnswer:
    """An answer at an address, or a file in an export, that is not the documented shape."""
    return MalformedAnswer(
        Said("error.connector.malformed", **named(connector), where=where, field=field, expected=expected)
    )


def need(document: Any, field: str, kind: type[T], *, connector: str, where: str) -> T:
    """document[field] when it is a `kind` (an int is not a bool here), else MalformedAnswer."""
    value = document.get(field) if isinstance(document, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise malformed(connector, where, field, TYPE_WORDS.get(kind, kind.__name__))
    return value


def items(document: Any, field: str | None, *, connector: str, where: str) -> list[dict[str, Any]]:
    """The list of objects at document[field] (or the document itself when `field` is None)."""
    value = document if field is None else need(document, field, list, connector=connector, where=where)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise malformed(connector, where, field or "[]", "list")
    return value


def moment(value: Any, *, connector: str, where: str, field: str) -> datetime:
    """An ISO 8601 time (2026-03-01T10:00:00.000Z, +08:00) as naive UTC."""
    if not isinstance(value, str):
        raise malformed(connector, where, field, "time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(connector, where, field, "time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


# Where each platform serves its members' pictures (and Gravatar, which Slack uses): an avatar
# elsewhere is not kept, so an export cannot make a manager's browser call a host of its maker's
# choosing when the People page shows the pictures. A forum's pictures are on whatever CDN its admin
# set up, named in the forum's own authenticated answers: any https host (None).
IMAGE_HOSTS: dict[str, tuple[str, ...] | None] = {
    "discourse": None,
    "github": ("avatars.githubusercontent.com",),
    "slack": ("slack-edge.com", "gravatar.com"),
    "discord": ("cdn.discordapp.com", "media.discordapp.net"),
}


def image_address(value: Any, *, platform: str, own: str | None = None) -> str | None:
    """An avatar's address as the platform gave it, when it is an https address on the platform's
    image hosts (IMAGE_HOSTS) or on the site the admin configured (`own`: a forum's own address, a
    GitHub Enterprise server); None otherwise (missing, another host, plain http, or a file path an
    export made with its media downloaded). Only the address is kept: no image is fetched here."""
    if not isinstance(value, str) or len(value.strip()) > 2000:
        return None
    address = value.strip()
    parts = urlsplit(address)
    host = (parts.hostname or "").lower()
    if own is not None:
        site = urlsplit(own)
        if parts.scheme == site.scheme and host == (site.hostname or "").lower() and parts.port == site.port:
            return address
    if parts.scheme != "https" or not host:
        return None
    known = IMAGE_HOSTS[platform]
    if known is None:
        return address
    return address if any(host == name or host.endswith(f".{name}") for name in known) else None
