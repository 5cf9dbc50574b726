"""A test message sent to one channel at once, not through the outbox: what an admin tries after
writing a channel into secrets.toml (`cli.py channel test NAME`, the Data page's Channels)."""

from __future__ import annotations

from datetime import datetime

from catalog import translate
from catalog.locale import moment
from delivery import formats, transport
from delivery.channels import Channel
from delivery.message import Figure, Message
from settings import reaches_others


def trial_message(channel: Channel, *, link: str, language: str, zone: str, now: datetime) -> Message:
    """The test message in the reader's language, sent at `now` on the community's clock (`zone`). Its
    link is the app's public address, left out while that is this computer's (public_url unset), as
    an alert's and a digest's are: nobody who reads the channel elsewhere could open it."""

    def said(key: str) -> str:
        return translate(f"delivery.test.{key}", language)

    return Message(
        title=said("title"),
        figures=(Figure(said("channel"), channel.name), Figure(said("sent_at"), moment(now, language, zone=zone))),
        text=said("text"),
        link=link if reaches_others(link) else "",
        link_label=said("link"),
        language=language,
    )


def try_channel(channel: Channel, *, link: str, language: str, zone: str, now: datetime) -> transport.Outcome:
    """Send the test message now and return what the service answered (never retried: a person waits)."""
    message = trial_message(channel, link=link, language=language, zone=zone, now=now)
    key = f"test:{channel.name}:{now.isoformat()}"
    return transport.send(channel, formats.render(channel, message, key=key, now=now), key=key, now=now)
