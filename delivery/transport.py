"""Sending a rendered payload once, and reading the service's answer as its documentation says:

- Slack incoming webhook: 200 with the body `ok`; 429 with Retry-After; plain-text errors such as
  400 `invalid_payload`, 403 `invalid_token`, 404 `no_service`, 410 `channel_is_archived`.
- WeCom group robot: HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`, or an errcode: 45009 when
  the robot's 20 messages a minute are spent, -1 when the system is busy, 93000 for an invalid
  webhook address, others for a bad message.
- Feishu custom bot: HTTP 200 with `{"code": 0, "msg": "success"}`, or a code: 11232 (frequency
  limited) and 9499 with "too many request" are rate limits, 9499 "Bad Request" a malformed body,
  19021 a signature that does not match (or a timestamp more than an hour off), 19022 an address
  not allowed, 19024 missing keywords, 19001 an invalid webhook.
- Generic webhook: any 2xx is taken; 429 (with Retry-After) and 5xx are retried; other 4xx refused.
- SMTP: a 4xx reply is retried, a 5xx reply (a refused login, sender or recipients) is not.

Every answer becomes an Outcome: sent, retry (with the wait the service asked for, if any) or
failed, with a detail that holds no secret (the webhook address is never part of it).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import json
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

import logs
from delivery.channels import Channel, EmailChannel, WebhookChannel
from delivery.formats import Payload

TIMEOUT = (5.0, 20.0)  # seconds to connect, to read the answer
RATE_LIMIT_WAIT = 60.0  # when a service says "too many" without saying how long
WECOM_RETRY = {45009: "the robot's limit of 20 messages a minute", -1: "the system is busy"}
FEISHU_RATE = {11232, 9499}
IDEMPOTENT = {"webhook"}  # kinds whose receiver can drop a repeat (the X-Pulse-Delivery id)
USER_AGENT = "CommunityPulse-Delivery/1"


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, retry or failed
    detail: str
    retry_after: float | None = None  # seconds the service asked to wait


def _sent(detail: str) -> Outcome:
    return Outcome("sent", detail)


def _retry(detail: str, after: float | None = None) -> Outcome:
    return Outcome("retry", detail, after)


def _failed(detail: str) -> Outcome:
    return Outcome("failed", detail)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


def _unix(now: datetime) -> int:
    return calendar.timegm(now.timetuple())


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's signature: HMAC-SHA256 keyed with `timestamp + "\\n" + secret` over an empty
    message, in base64 (open.feishu.cn: custom bot, signature verification)."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The generic webhook's X-Pulse-Signature: `sha256=` and the hex HMAC-SHA256, keyed with the
    channel's secret, of `<timestamp>.<body>` (docs/delivery.md shows how to verify it)."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _http_outcome(kind: str, response: requests.Response) -> Outcome:
    status, body = response.status_code, response.text
    try:
        document: Any = response.json()
    except ValueError:
        document = None
    if status == 429:
        return _retry(f"HTTP 429 (rate limited): {_short(body)}", _retry_after(response) or RATE_LIMIT_WAIT)
    if status >= 500:
        return _retry(f"HTTP {status}: {_short(body)}", _retry_after(response))
    if kind == "wecom" and isinstance(document, dict) and "errcode" in document:
        code, said = document.get("errcode"), _short(str(document.get("errmsg", "")))
        if code == 0:
            return _sent("errcode 0")
        if code in WECOM_RETRY:
            return _retry(f"WeCom errcode {code} ({WECOM_RETRY[code]}): {said}", RATE_LIMIT_WAIT)
        if code == 93000:
            return _failed(
                f"WeCom errcode 93000: the webhook address is not valid; copy it again from the robot. {said}"
            )
        return _failed(f"WeCom errcode {code}: {said}")
    if kind == "feishu" and isinstance(document, dict) and ("code" in document or "StatusCode" in document):
        code = document.get("code", document.get("StatusCode"))
        said = _short(str(document.get("msg", document.get("StatusMessage", ""))))
        if code == 0:
            return _sent("code 0")
        if code == 11232 or (code == 9499 and "too many" in said.lower()):
            return _retry(f"Feishu code {code} (frequency limited): {said}", RATE_LIMIT_WAIT)
        if code == 19021:
            return _failed(
                f"Feishu code 19021: the signature does not match; check the channel's secret and this "
                f"computer's clock. {said}"
            )
        return _failed(f"Feishu code {code}: {said}")
    if 200 <= status < 300:
        if kind in ("wecom", "feishu"):  # they always answer a code: something else took the request
            return _failed(f"{kind} answered {status} without its code: {_short(body)!r}. Check the webhook address.")
        if kind == "slack" and body.strip() != "ok":
            return _failed(f"Slack answered {status} {_short(body)!r} instead of 'ok'.")
        return _sent(f"HTTP {status}")
    fix = " Check the webhook address (it may have been revoked)." if status in (403, 404, 410) else ""
    return _failed(f"HTTP {status}: {_short(body)}.{fix}")


def _post(channel: WebhookChannel, payload: Payload, *, key: str, now: datetime) -> Outcome:
    timestamp = _unix(now)
    document = dict(payload)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if channel.kind == "feishu" and channel.secret:
        document |= {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp)}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if channel.kind == "webhook":
        headers |= {
            "X-Pulse-Delivery": key,
            "X-Pulse-Timestamp": str(timestamp),
            "X-Pulse-Signature": webhook_signature(channel.secret, timestamp, body),
        }
    try:
        response = requests.post(channel.webhook, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.ConnectionError as error:
        return _retry(f"Could not connect: {type(error).__name__}")
    except requests.Timeout:
        return _retry("No answer in time")
    except requests.RequestException as error:
        return _failed(f"The request could not be made: {type(error).__name__}")
    return _http_outcome(channel.kind, response)


def _smtp_code(code: int, said: bytes | str, what: str) -> Outcome:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    detail = f"The SMTP server refused {what}: {code} {_short(text)}"
    return _retry(detail) if 400 <= code < 500 else _failed(detail)


def _smtp(channel: EmailChannel, payload: Payload) -> Outcome:
    context = ssl.create_default_context(cafile=channel.ca_file or None)
    try:
        if channel.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                channel.host, channel.port, timeout=channel.timeout, context=context
            )
        else:
            server = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout)
        with server:
            if channel.security == "starttls":
                server.starttls(context=context)
            if channel.username:
                server.login(channel.username, channel.password)
            refused = server.sendmail(payload["from"], payload["to"], payload["mime"].encode("utf-8"))
    except smtplib.SMTPNotSupportedError:
        return _failed(f'{channel.host} does not offer STARTTLS; set security = "ssl" or use another server.')
    except smtplib.SMTPAuthenticationError as error:
        return _smtp_code(error.smtp_code, error.smtp_error, "the username or password")
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _ in error.recipients.values()})
        if all(400 <= code < 500 for code in codes):
            return _retry(f"The SMTP server deferred every recipient ({', '.join(map(str, codes))}).")
        return _failed(f"The SMTP server refused every recipient ({', '.join(map(str, codes))}).")
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, HELO refused ...
        return _smtp_code(error.smtp_code, error.smtp_error, "the message")
    except ssl.SSLCertVerificationError as error:
        return _failed(f"{channel.host}'s certificate is not trusted: {error.verify_message}.")
    except (smtplib.SMTPException, OSError) as error:  # no connection, dropped, timed out
        return _retry(
            f"Could not reach {channel.host}:{channel.port}: {type(error).__name__} {_short(str(error), 120)}"
        )
    if refused:
        return _sent(f"accepted; {len(refused)} of {len(payload['to'])} recipients refused")
    return _sent(f"accepted by {channel.host}")


def send(channel: Channel, payload: Payload, *, key: str, now: datetime) -> Outcome:
    """Send once; never raises for what the service or the network answered. The detail is
    redacted (logs.redact), so it may be stored and shown."""
    if isinstance(channel, EmailChannel):
        outcome = _smtp(channel, payload)
    else:
        outcome = _post(channel, payload, key=key, now=now)
    return Outcome(outcome.status, logs.redact(outcome.detail), outcome.retry_after)
