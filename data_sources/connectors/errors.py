"""What a connector says when a platform refuses it or answers what it cannot read; each names the
connector, so a person with several knows which token to replace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from data_sources.errors import NotConfigured, SourceUnavailable
from errors import Said

NAMED = ("discourse", "github", "slack", "discord", "wecom")  # the catalog's connector.name.<name>
# The connectors being run or tried that an admin configured on the Data page rather than in
# secrets.toml: their messages say to fix them there (`on_page`).
_ON_PAGE: ContextVar[frozenset[str]] = ContextVar("connectors_on_page", default=frozenset())


@contextmanager
def on_page(name: str) -> Iterator[None]:
    """While a connector configured on the Data page runs: its messages send the reader there."""
    token = _ON_PAGE.set(_ON_PAGE.get() | {name})
    try:
        yield
    finally:
        _ON_PAGE.reset(token)


def named(name: str) -> dict[str, str]:
    """A message's values for a connector: `connector` as people write its platform ("GitHub",
    "企业微信"), said in the reader's language (a name the catalog lacks as it is), `section`, its
    name in secrets.toml ([pulse.connectors.github]), and `place`, where its settings are changed:
    that table of secrets.toml, or the Data page for a connector configured there."""
    connector = Said(f"connector.name.{name}") if name in NAMED else name
    if name in _ON_PAGE.get():
        place = Said("connector.place.page", connector=connector)
    else:
        place = Said("connector.place.secrets", section=name)
    return {"connector": connector, "section": name, "place": place}


class ConnectorNotConfigured(NotConfigured):
    """Raised when [pulse.connectors.<name>] in secrets.toml lacks a value the connector needs (its
    site, its token) or names a connector there is none of; the message names the key to set."""


class TokenRefused(SourceUnavailable):
    """Raised when the platform refuses the connector's token or key (HTTP 401, or its own way of
    saying so): revoked, expired, mistyped, or without the rights the connector needs."""


class RateLimited(SourceUnavailable):
    """Raised when the platform still says "too many requests" after the connector's bounded
    retries, or asks for a wait longer than a sync is held for; the archive keeps what came before."""


class PlatformFailed(SourceUnavailable):
    """Raised when the platform cannot be reached or answers an error that is neither a refusal nor
    a rate limit (a 404 for a repository that is not there, a 5xx after the retries)."""


class MalformedAnswer(SourceUnavailable):
    """Raised when an answer is not the documented shape (not JSON, a field missing or of another
    type); it names the connector, the address and the field, and nothing of the page is kept."""
