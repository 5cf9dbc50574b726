"""Loopback servers that answer as Slack, WeCom, Feishu and a signed-webhook receiver document it,
so the delivery tests meet what real channels do (no kinder):

- Slack incoming webhook (`/services/T…/B…/<token>`): JSON only; `text` or `blocks`; Block Kit's
  limits (at most 50 blocks; a header's plain_text at most 150 characters; a section's text at most
  3000, at most 10 fields of at most 2000; an actions block's buttons with plain_text of at most 75
  and a url); answers 200 `ok`, 400 `invalid_payload` / `invalid_blocks`, 404 `no_service` for an
  unknown token, and when told 429 `rate_limited` with Retry-After, or 500.
- WeCom group robot (`/cgi-bin/webhook/send?key=K`): HTTP 200 always with errcode/errmsg: 0 ok,
  93000 for an unknown key, 40008 for a message type it does not know, 40058 for markdown content
  over 4096 bytes, and 45009 past 20 messages a minute per robot (counted, as WeCom does) or when told.
- Feishu custom bot (`/open-apis/bot/v2/hook/<token>`): HTTP 200 with code/msg: 0 success, 19001 for
  an unknown token, 9499 "Bad Request" for a body over 20 KB or a malformed card, 19021 when the bot
  has a secret and `timestamp`/`sign` are missing, more than an hour off, or not
  base64(HMAC-SHA256(key = timestamp + "\\n" + secret, message = "")), 11232 "frequency limited"
  past 5 messages a second per bot or when told.
- A generic receiver (`/hook`) that verifies X-Pulse-Signature (docs/delivery.md) and a timestamp
  within five minutes, answering 401 otherwise.

`received` holds each message a service accepted (what a person in the chat would see); `hold`
makes the server wait after taking a message (after the first `hold_after`) and before answering: a
sender killed then has sent it without knowing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import Answering, Scripted, serving


@dataclass
class Received:
    service: str
    bot: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class ChatServer(Scripted):
    slack_tokens: set[str] = field(default_factory=set)
    wecom_keys: set[str] = field(default_factory=set)
    feishu_bots: dict[str, str] = field(default_factory=dict)  # token -> secret ("" for none)
    webhook_secret: str = ""
    received: list[Received] = field(default_factory=list)
    hold: float = 0.0
    hold_after: int = 0  # hold only messages after this many were taken
    url: str = ""
    _sent_times: dict[str, deque] = field(default_factory=dict)

    def _within_limit(self, bot: str, *, limit: int, seconds: float) -> bool:
        """Count a message against a bot's rate limit; False when it is over."""
        with self.lock:
            times = self._sent_times.setdefault(bot, deque())
            now = time.monotonic()
            while times and now - times[0] >= seconds:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True

    def of(self, service: str) -> list[Received]:
        return [item for item in self.received if item.service == service]

    def take(self, service: str, bot: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self.lock:
            self.received.append(Received(service, bot, body, headers))
            taken = len(self.received)
        if self.hold and taken > self.hold_after:
            time.sleep(self.hold)


def _slack_problem(body: dict[str, Any]) -> str | None:
    """What Slack would refuse in a Block Kit payload, or None."""
    blocks = body.get("blocks")
    if blocks is None:
        return None if isinstance(body.get("text"), str) and body["text"] else "invalid_payload"
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            text = block.get("text", {})
            if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
                return "invalid_blocks"
        elif kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                return "invalid_blocks"
            if text is not None and (text.get("type") not in ("plain_text", "mrkdwn") or len(text["text"]) > 3000):
                return "invalid_blocks"
            if fields is not None and (
                len(fields) > 10
                or any(f.get("type") not in ("plain_text", "mrkdwn") or len(f.get("text", "")) > 2000 for f in fields)
            ):
                return "invalid_blocks"
        elif kind == "actions":
            for element in block.get("elements", []):
                text = element.get("text", {})
                if element.get("type") != "button" or text.get("type") != "plain_text" or len(text["text"]) > 75:
                    return "invalid_blocks"
                if not str(element.get("url", "")).startswith(("http://", "https://")):
                    return "invalid_blocks"
        else:
            return "invalid_blocks"
    return None


def feishu_expected_sign(secret: str, timestamp: str) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _feishu_problem(body: dict[str, Any]) -> bool:
    if body.get("msg_type") != "interactive":
        return body.get("msg_type") not in ("text", "post", "image", "share_chat")
    card = body.get("card")
    if not isinstance(card, dict) or not isinstance(card.get("elements"), list):
        return True
    title = card.get("header", {}).get("title", {})
    if title and title.get("tag") not in ("plain_text", "lark_md"):
        return True
    for element in card["elements"]:
        if element.get("tag") == "div":
            texts = [element["text"]] if "text" in element else [f.get("text", {}) for f in element.get("fields", [])]
            if not texts or any(t.get("tag") not in ("plain_text", "lark_md") or "content" not in t for t in texts):
                return True
        elif element.get("tag") == "action":
            if any(
                a.get("tag") != "button" or a.get("text", {}).get("tag") not in ("plain_text", "lark_md")
                for a in element.get("actions", [])
            ):
                return True
        elif element.get("tag") not in ("hr", "note", "markdown", "img"):
            return True
    return False


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(Answering, BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            parts = urlsplit(self.path)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if parts.path.startswith("/services/"):
                self.slack(parts.path.rsplit("/", 1)[-1], body, headers)
            elif parts.path == "/cgi-bin/webhook/send":
                self.wecom(parse_qs(parts.query).get("key", [""])[0], body, raw, headers)
            elif parts.path.startswith("/open-apis/bot/v2/hook/"):
                self.feishu(parts.path.rsplit("/", 1)[-1], body, raw, headers)
            elif parts.path == "/hook":
                self.webhook(body, raw, headers)
            else:
                self.answer(404, "not found")

        def scripted(self, service: str) -> bool:
            failure = server._scripted(service)
            if failure is not None:
                self.answer(failure[1], failure[2], failure[3])
            return failure is not None

        def slack(self, token: str, body: Any, headers: dict[str, str]) -> None:
            if token not in server.slack_tokens:
                return self.answer(404, "no_service")
            if self.scripted("slack"):
                return None
            if not headers.get("content-type", "").startswith("application/json") or not isinstance(body, dict):
                return self.answer(400, "invalid_payload")
            if problem := _slack_problem(body):
                return self.answer(400, problem)
            server.take("slack", token, body, headers)
            return self.answer(200, "ok")

        def wecom(self, key: str, body: Any, raw: bytes, headers: dict[str, str]) -> None:
            if key not in server.wecom_keys:
                hint = "invalid webhook url, hint: [1700000000_11_abc], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"
                return self.answer(200, {"errcode": 93000, "errmsg": hint})
            if self.scripted("wecom"):
                return None
            if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown", "image", "news", "file"):
                return self.answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
            content = body.get("markdown", {}).get("content") if body["msgtype"] == "markdown" else None
            if body["msgtype"] == "markdown" and (not isinstance(content, str) or len(content.encode()) > 4096):
                return self.answer(200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
            if not server._within_limit(f"wecom:{key}", limit=20, seconds=60):
                return self.answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
            server.take("wecom", key, body, headers)
            return self.answer(200, {"errcode": 0, "errmsg": "ok"})

        def feishu(self, token: str, body: Any, raw: bytes, headers: dict[str, str]) -> None:
            if token not in server.feishu_bots:
                return self.answer(
                    200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
                )
            if self.scripted("feishu"):
                return None
            if len(raw) > 20 * 1024 or not isinstance(body, dict) or _feishu_problem(body):
                return self.answer(200, {"code": 9499, "msg": "Bad Request", "data": {}})
            secret = server.feishu_bots[token]
            if secret:
                timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
                fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 3600
                if not fresh or not hmac.compare_digest(str(sign), feishu_expected_sign(secret, timestamp)):
                    msg = "sign match fail or timestamp is not within one hour from current time"
                    return self.answer(200, {"code": 19021, "msg": msg, "data": {}})
            if not server._within_limit(f"feishu:{token}", limit=5, seconds=1):
                return self.answer(
                    200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]", "data": {}}
                )
            server.take("feishu", token, body, headers)
            return self.answer(
                200, {"code": 0, "msg": "success", "data": {}, "StatusCode": 0, "StatusMessage": "success"}
            )

        def webhook(self, body: Any, raw: bytes, headers: dict[str, str]) -> None:
            if self.scripted("webhook"):
                return None
            timestamp = headers.get("x-pulse-timestamp", "")
            expected = (
                "sha256="
                + hmac.new(server.webhook_secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
            )
            fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
            if not fresh or not hmac.compare_digest(headers.get("x-pulse-signature", ""), expected):
                return self.answer(401, {"error": "bad signature"})
            if not isinstance(body, dict) or body.get("id") != headers.get("x-pulse-delivery"):
                return self.answer(400, {"error": "bad body"})
            server.take("webhook", "hook", body, headers)
            return self.answer(204, "")

    return Handler


@contextmanager
def chat_server(**options: Any) -> Iterator[ChatServer]:
    server = ChatServer(**options)
    with serving(_handler(server)) as url:
        server.url = url
        yield server
