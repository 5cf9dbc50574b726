"""Each channel's format for a message, as its service documents it. Rendered once, when the message
is queued; what depends on the moment of sending (Feishu's and the webhook's signatures) is added by
transport.py. Every string of the message is treated as text: escaped for HTML and Slack's mrkdwn,
sent as plain_text to Feishu, and kept from WeCom's markdown by swapping its markup characters for
their full-width twins (WeCom's markdown has no escape)."""

from __future__ import annotations

import base64
import calendar
import html
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from typing import Any

from delivery.channels import Channel, ChannelError, EmailChannel
from delivery.message import Figure, Message

SLACK_HEADER = 150  # characters of a header block's plain_text
SLACK_TEXT = 3000  # characters of a section's text
SLACK_FIELDS = 10  # fields of one section block
WECOM_BYTES = 4096  # UTF-8 bytes of a markdown message's content
FEISHU_BYTES = 20_000  # a custom bot's request body
WECOM_MARKUP = str.maketrans({"*": "＊", "#": "＃", "[": "［", "]": "］", "`": "｀", "<": "＜", ">": "＞", "_": "＿"})

Payload = dict[str, Any]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def _mrkdwn(text: str) -> str:
    """Slack's three control characters escaped (api.slack.com: formatting text), so `<!channel>`
    or `<http://x|y>` written by a member stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: Message) -> Payload:
    """Block Kit for an incoming webhook: `text` (the notification's fallback), a header, the
    figures as a section's fields, the paragraph, a button to the link."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(message.title, SLACK_HEADER), "emoji": False}}
    ]
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{_mrkdwn(f.label)}*\n{_mrkdwn(f.value)}  {_mrkdwn(f.change)}".strip(), 2000)}
        for f in message.figures
    ]
    for start in range(0, len(fields), SLACK_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + SLACK_FIELDS]})
    if message.text:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": _cut(message.text, SLACK_TEXT)}})
    if message.link:
        button = {"type": "button", "text": {"type": "plain_text", "text": _cut(message.link_label, 75)}}
        blocks.append({"type": "actions", "elements": [button | {"url": message.link}]})
    return {"text": _cut(message.title, SLACK_TEXT), "blocks": blocks}


def wecom(message: Message) -> Payload:
    """A group robot's markdown message (`msgtype: markdown`, content at most 4096 bytes)."""
    plain = WECOM_MARKUP
    lines = [f"## {message.title.translate(plain)}"]
    lines += [
        "> "
        + message.labelled(f.label.translate(plain), f"**{f.value.translate(plain)}**")
        + (f' <font color="comment">{f.change.translate(plain)}</font>' if f.change else "")
        for f in message.figures
    ]
    if message.text:
        lines += ["", message.text.translate(plain)]
    link = f"\n[{message.link_label.translate(plain)}]({message.link})" if message.link else ""
    content = _cut_bytes("\n".join(lines), WECOM_BYTES - len(link.encode("utf-8"))) + link
    return {"msgtype": "markdown", "markdown": {"content": content}}


def feishu(message: Message) -> Payload:
    """A custom bot's interactive card: plain_text header and paragraph, the figures as short
    fields, a button to the link. `timestamp` and `sign` are added when sent (transport.py)."""
    elements: list[dict[str, Any]] = []
    if message.figures:
        fields = [
            {
                "is_short": True,
                "text": {
                    "tag": "plain_text",
                    "content": f"{f.label}\n{f.value}" + (f"  {f.change}" if f.change else ""),
                },
            }
            for f in message.figures
        ]
        elements.append({"tag": "div", "fields": fields})
    if message.text:
        elements.append({"tag": "div", "text": {"tag": "plain_text", "content": message.text}})
    if message.link:
        button = {
            "tag": "button",
            "text": {"tag": "plain_text", "content": message.link_label},
            "url": message.link,
            "type": "primary",
        }
        elements.append({"tag": "action", "actions": [button]})
    card = {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": message.title}, "template": "blue"},
        "elements": elements,
    }
    return {"msg_type": "interactive", "card": card}


def webhook(message: Message, *, key: str) -> Payload:
    """The generic webhook's JSON (docs/delivery.md): everything of the message, the attachment in
    base64, and the idempotency key as `id` (also the X-Pulse-Delivery header)."""
    document: Payload = {
        "id": key,
        "title": message.title,
        "figures": [_figure(figure) for figure in message.figures],
        "text": message.text,
        "link": message.link,
    }
    if message.attachment is not None:
        document["attachment"] = {
            "filename": message.attachment.filename,
            "mime_type": message.attachment.mime_type,
            "content_base64": base64.b64encode(message.attachment.content).decode("ascii"),
        }
    return document


def _figure(figure: Figure) -> Payload:
    """A figure's words, and where it is one, its key and values (Figure: what a program reads)."""
    words: Payload = {"label": figure.label, "value": figure.value, "change": figure.change}
    if not figure.key:
        return words
    return words | {"key": figure.key, "current": figure.current, "previous": figure.previous}


def _html(message: Message) -> str:
    escape = html.escape
    rows = "".join(
        f'<tr><td style="padding:4px 16px 4px 0;color:#555">{escape(f.label)}</td>'
        f'<td style="padding:4px 16px 4px 0;font-weight:600">{escape(f.value)}</td>'
        f'<td style="padding:4px 0;color:#555">{escape(f.change)}</td></tr>'
        for f in message.figures
    )
    parts = [f'<h2 style="font-family:sans-serif">{escape(message.title)}</h2>']
    if rows:
        parts.append(f'<table style="font-family:sans-serif;border-collapse:collapse">{rows}</table>')
    if message.text:
        parts.append(f'<p style="font-family:sans-serif;white-space:pre-wrap">{escape(message.text)}</p>')
    if message.link:
        parts.append(
            f'<p style="font-family:sans-serif"><a href="{escape(message.link)}">{escape(message.link_label)}</a></p>'
        )
    return f"<!DOCTYPE html><html><body>{''.join(parts)}</body></html>"


def email(channel: EmailChannel, message: Message, *, now: datetime) -> Payload:
    """A multipart email: text and HTML bodies (multipart/alternative), the attachment if any
    (multipart/mixed), Message-ID, Date, Auto-Submitted, and List-Unsubscribe with
    List-Unsubscribe-Post when the message has an unsubscribe address. The envelope sender and
    recipients go beside the MIME text."""
    recipients = message.recipients or channel.to
    if not recipients:
        raise ChannelError(
            f"[pulse.channels.{channel.name}] in secrets.toml has no `to`, and the message names no recipients."
        )
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = message.title
    mail["From"] = channel.sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(calendar.timegm(now.timetuple()), usegmt=True)  # now is naive UTC
    mail["Message-ID"] = make_msgid(domain=parseaddr(channel.sender)[1].rpartition("@")[2])
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    if message.unsubscribe:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = "\n".join([message.title, "", *message.lines(), *([message.text] if message.text else [])])
    if message.link:
        text += "\n\n" + message.labelled(message.link_label, message.link)
    mail.set_content(text + "\n")
    mail.add_alternative(_html(message), subtype="html")
    if message.attachment is not None:
        maintype, _, subtype = message.attachment.mime_type.partition("/")
        mail.add_attachment(
            message.attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=message.attachment.filename,
        )
    return {
        "from": parseaddr(channel.sender)[1],
        "to": [address for _, address in getaddresses(list(recipients))],
        "mime": mail.as_string(),
    }


def render(channel: Channel, message: Message, *, key: str, now: datetime) -> Payload:
    """The message in the channel's format, as the outbox keeps it."""
    if isinstance(channel, EmailChannel):
        return email(channel, message, now=now)
    if channel.kind == "slack":
        return slack(message)
    if channel.kind == "wecom":
        return wecom(message)
    if channel.kind == "feishu":
        return feishu(message)
    return webhook(message, key=key)
