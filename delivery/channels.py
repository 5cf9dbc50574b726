"""Delivery channels as an admin configures them in secrets.toml, one table per channel:

    [pulse.channels.team-slack]
    kind = "slack"            # slack, wecom, feishu, webhook or email
    webhook = "https://hooks.slack.com/services/..."

Webhook URLs, signing secrets and SMTP passwords are secrets: settings.py registers them for the
log's redaction as it reads secrets.toml, and `where` describes a channel without them (its host,
never the URL's path or key). docs/delivery.md lists every key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import logs
from errors import PulseError
from settings import Settings, read_secrets

CHAT_KINDS = ("slack", "wecom", "feishu", "webhook")
KINDS = (*CHAT_KINDS, "email")
SECURITIES = ("starttls", "ssl", "none")
LOOPBACK = ("localhost", "127.0.0.1", "::1")
PER_MINUTE = 60  # messages a channel is sent at most per minute unless its per_minute says otherwise


class ChannelError(PulseError):
    """Raised when [pulse.channels] in secrets.toml describes a channel that cannot be used (an
    unknown kind, a missing webhook or SMTP host, credentials over an unencrypted connection), or a
    command names a channel that is not configured; the message names the channel and the fix."""


@dataclass(frozen=True)
class WebhookChannel:
    """Slack, WeCom, Feishu or a generic webhook: a URL to POST JSON to, and for Feishu (optional)
    and the generic webhook (required) the secret that signs each request."""

    name: str
    kind: str
    webhook: str = field(repr=False)
    secret: str = field(default="", repr=False)
    per_minute: int = PER_MINUTE


@dataclass(frozen=True)
class EmailChannel:
    """An SMTP server and who the messages are from and (unless a message names its own) to."""

    name: str
    host: str
    port: int
    security: str  # starttls, ssl or none (a relay on this machine only)
    sender: str  # "Community Pulse <pulse@example.org>"
    to: tuple[str, ...] = ()
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    ca_file: str = ""  # a PEM bundle to trust instead of the system's (a relay with a private CA)
    kind: str = "email"
    per_minute: int = PER_MINUTE


Channel = WebhookChannel | EmailChannel


def _problem(name: str, what: str) -> ChannelError:
    return ChannelError(f"[pulse.channels.{name}] in secrets.toml: {what}")


def _text(name: str, table: dict[str, object], key: str, *, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _problem(name, f'needs {key} = "…" (text).')
    return value.strip()


def _webhook(name: str, kind: str, table: dict[str, object]) -> WebhookChannel:
    url = _text(name, table, "webhook")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _problem(name, "webhook must be the full https:// address the service gave you.")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise _problem(name, "webhook must use https:// (plain http is only accepted for this machine).")
    secret = _text(name, table, "secret", required=kind == "webhook")
    logs.keep_secret(url, secret)
    return WebhookChannel(name=name, kind=kind, webhook=url, secret=secret, per_minute=_per_minute(name, table))


def _per_minute(name: str, table: dict[str, object]) -> int:
    """The channel's rate (per_minute = 60 by default): a mail server or a robot's own limit."""
    rate = table.get("per_minute", PER_MINUTE)
    if not isinstance(rate, int) or isinstance(rate, bool) or rate < 1:
        raise _problem(name, "per_minute must be a whole number of messages a minute, such as 60.")
    return rate


def _email(name: str, table: dict[str, object]) -> EmailChannel:
    host = _text(name, table, "host")
    security = _text(name, table, "security", required=False) or "starttls"
    if security not in SECURITIES:
        raise _problem(name, f"security is {security!r}; use {', '.join(SECURITIES)}.")
    port = table.get("port", {"starttls": 587, "ssl": 465, "none": 25}[security])
    if not isinstance(port, int) or not 0 < port < 65536:
        raise _problem(name, "port must be a whole number such as 587.")
    sender = _text(name, table, "from")
    if "@" not in parseaddr(sender)[1]:
        raise _problem(name, 'from must be an address, e.g. "Community Pulse <pulse@example.org>".')
    to = table.get("to", [])
    to = [to] if isinstance(to, str) else to
    if not isinstance(to, list) or not all(isinstance(item, str) and "@" in item for item in to):
        raise _problem(name, 'to must be a list of addresses, e.g. ["team@example.org"].')
    username = _text(name, table, "username", required=False)
    password = _text(name, table, "password", required=False)
    if (username or password) and security == "none" and host not in LOOPBACK:
        raise _problem(name, 'security = "none" would send the password unencrypted; use "starttls" or "ssl".')
    timeout = table.get("timeout", 30)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise _problem(name, "timeout must be a number of seconds.")
    ca_file = _text(name, table, "ca_file", required=False)
    if ca_file and not Path(ca_file).is_file():
        raise _problem(name, f"ca_file {ca_file!r} is not a file.")
    logs.keep_secret(password)
    return EmailChannel(
        name=name,
        host=host,
        port=port,
        security=security,
        sender=sender,
        to=tuple(to),
        username=username,
        password=password,
        timeout=float(timeout),
        ca_file=ca_file,
        per_minute=_per_minute(name, table),
    )


def parse_channels(section: object) -> dict[str, Channel]:
    """The channels of a [pulse.channels] table, by name."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ChannelError("[pulse.channels] in secrets.toml must hold one table per channel.")
    channels: dict[str, Channel] = {}
    for name, table in section.items():
        if not isinstance(table, dict):
            raise _problem(name, "must be a table with kind = … and its settings.")
        kind = table.get("kind")
        if kind not in KINDS:
            raise _problem(name, f"kind is {kind!r}; use one of {', '.join(KINDS)}.")
        channels[name] = _email(name, table) if kind == "email" else _webhook(name, str(kind), table)
    return channels


def load_channels(settings: Settings) -> dict[str, Channel]:
    """The channels configured in the settings' secrets.toml ({} when none)."""
    pulse = read_secrets(settings.secrets_file).get("pulse", {})
    return parse_channels(pulse.get("channels") if isinstance(pulse, dict) else None)


def channel_named(channels: dict[str, Channel], name: str) -> Channel:
    if name not in channels:
        known = ", ".join(sorted(channels)) or "none is configured"
        raise ChannelError(f"No channel {name!r} in [pulse.channels] of secrets.toml ({known}).")
    return channels[name]


def destination(channel: Channel) -> str:
    """The server a channel sends to, with nothing secret: the webhook's host, or the SMTP server."""
    if isinstance(channel, EmailChannel):
        return f"{channel.host}:{channel.port}"
    return str(urlsplit(channel.webhook).hostname)


def where(channel: Channel) -> str:
    """Where a channel sends, without its secrets, as the CLI says it."""
    if isinstance(channel, EmailChannel):
        recipients = f"{len(channel.to)} recipient{'s' if len(channel.to) != 1 else ''}"
        return f"{destination(channel)} ({channel.security}), {recipients}"
    signed = ", signed" if channel.secret else ""
    return f"{destination(channel)} (address hidden{signed})"
