"""Polite HTTP for connectors: JSON GETs that page through results, wait when the platform says
"too many" and give up after a bounded number of tries with a message that names the connector.

What the platforms document, and what is done:
- 429, with `Retry-After` (seconds or an HTTP date): that wait; without it, when
  `x-ratelimit-remaining` is 0, `x-ratelimit-reset-after` (Discord: seconds) or the time of
  `x-ratelimit-reset` (GitHub: epoch seconds); else 1, 2, 4 ... s.
- 403 with `x-ratelimit-remaining: 0` or a `Retry-After` (GitHub's primary and secondary limits):
  the same, as a rate limit; another 403 is a refusal (`TokenRefused`), as is 401.
- 5xx, a timeout or a dropped connection: retried with the same backoff.
- A wait longer than `longest_wait` is not taken: `RateLimited` says when to try again.
The waits go through `sleep` (tests pass one that records them) and the clock through clock.now.
Headers (and so tokens) are never logged; the log names the connector, the status and the wait.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

import clock
from data_sources.connectors.errors import MalformedAnswer, PlatformFailed, RateLimited, TokenRefused, named
from errors import Said

log = logging.getLogger(__name__)

TIMEOUT = (10.0, 60.0)  # seconds to connect, to read an answer
USER_AGENT = "CommunityPulse-Connector/1"


@dataclass(frozen=True)
class Answer:
    """A JSON answer: its document, its headers (lower-case names) and its pagination links."""

    url: str
    document: Any
    headers: Mapping[str, str]
    links: Mapping[str, str] = field(default_factory=dict)  # rel -> url (RFC 8288 Link header)


Refusal = Callable[[int, Any], bool]  # (status, document): whether the platform refuses the token


@dataclass
class PoliteClient:
    """GETs JSON for one connector (`name`, as in secrets.toml) with its `headers` (its credentials)."""

    name: str
    headers: Mapping[str, str] = field(repr=False, default_factory=dict)
    attempts: int = 6  # tries per request, the first included
    longest_wait: float = 300.0  # seconds; a platform asking for longer is not waited for
    sleep: Callable[[float], None] = field(default=lambda seconds: time.sleep(seconds), repr=False)
    refuses: Refusal | None = None  # the platform's own way of saying "bad key" (besides 401)
    busy: Callable[[Any], bool] | None = None  # a 200 whose body says "too many" or "busy" (WeCom's errcode)
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    requests_made: int = 0
    timeout: tuple[float, float] = TIMEOUT  # seconds to connect, to read (Test connection waits less)

    def get(self, url: str, params: Mapping[str, str | int] | None = None, *, accept: str | None = None) -> Answer:
        """The JSON at `url` (`accept`: a media type the platform documents for more fields); raises
        TokenRefused, RateLimited, PlatformFailed or MalformedAnswer."""
        return self._ask("GET", url, params, accept=accept)

    def post(self, url: str, body: Any, params: Mapping[str, str | int] | None = None) -> Answer:
        """The JSON a query sent as a JSON body answers (WeCom asks for reads that way)."""
        return self._ask("POST", url, params, body=body)

    def _ask(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        *,
        accept: str | None = None,
        body: Any = None,
    ) -> Answer:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **self.headers}
        if accept is not None:
            headers["Accept"] = accept
        where = _where(url)
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                self.requests_made += 1
                response = self.session.request(
                    method, url, params=params, json=body, headers=headers, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                if last:
                    raise PlatformFailed(
                        Said(
                            "error.connector.unreachable",
                            **named(self.name),
                            where=where,
                            error=type(error).__name__,
                        )
                    ) from error
                self._wait(_backoff(attempt), what=type(error).__name__, where=where)
                continue
            status = response.status_code
            document = _json(response)
            limited = _rate_limited(response)
            if status == 200 and self.busy is not None and self.busy(document):
                status = 429  # said in the body: handled as the status would be
            if status == 401 or (self.refuses is not None and self.refuses(status, document)):
                raise TokenRefused(Said("error.connector.token", **named(self.name), status=status))
            if status == 429 or (status == 403 and limited) or status >= 500:
                wait = _asked_wait(response) or _backoff(attempt)
                if wait > self.longest_wait:
                    raise RateLimited(
                        Said(
                            "error.connector.wait_too_long",
                            **named(self.name),
                            seconds=round(wait),
                            where=where,
                        )
                    )
                if last:
                    key = "error.connector.rate_limited" if status in (403, 429) else "error.connector.failing"
                    raise (RateLimited if status in (403, 429) else PlatformFailed)(
                        Said(key, **named(self.name), status=status, tries=self.attempts, where=where)
                    )
                self._wait(wait, what=f"HTTP {status}", where=where)
                continue
            if status == 403:
                raise TokenRefused(Said("error.connector.forbidden", **named(self.name), where=where))
            if status >= 400:
                raise PlatformFailed(
                    Said(
                        "error.connector.http",
                        **named(self.name),
                        status=status,
                        where=where,
                        said=_said(document),
                    )
                )
            if document is None:
                raise MalformedAnswer(Said("error.connector.not_json", **named(self.name), where=where))
            links = {rel: str(link["url"]) for rel, link in response.links.items()}
            headers_seen = {name.lower(): value for name, value in response.headers.items()}
            return Answer(url=response.url, document=document, headers=headers_seen, links=links)
        raise AssertionError("unreachable")

    def pages(self, url: str, params: Mapping[str, str | int] | None = None) -> Iterator[Answer]:
        """Each page of a result that links to its next page (`Link: <…>; rel="next"`)."""
        answer = self.get(url, params)
        yield answer
        while "next" in answer.links:
            answer = self.get(answer.links["next"])
            yield answer

    def _wait(self, seconds: float, *, what: str, where: str) -> None:
        log.warning("Connector %s: %s from %s; asking again in %.0f s", self.name, what, where, seconds)
        self.sleep(seconds)


def _where(url: str) -> str:
    """The address without its query (which may hold a key some platforms accept there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _said(document: Any) -> str:
    """The platform's own words about an error (Discourse's `errors`, GitHub's `message`), short."""
    if isinstance(document, dict):
        errors = document.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(error) for error in errors)[:300]
        if isinstance(document.get("message"), str):
            return document["message"][:300]
    return "—"


def _backoff(attempt: int) -> float:
    return float(2 ** (attempt - 1))  # 1, 2, 4, 8, 16 s


def _rate_limited(response: requests.Response) -> bool:
    """A 403 that is GitHub's primary (remaining 0) or secondary (Retry-After) rate limit."""
    return response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers


def _asked_wait(response: requests.Response) -> float | None:
    """The wait the platform asked for: Retry-After (seconds, maybe with a fraction, or a date), else
    the reset of an exhausted limit (Discord's x-ratelimit-reset-after, in seconds; GitHub's
    x-ratelimit-reset, epoch seconds) when x-ratelimit-remaining is 0; None when it said nothing."""
    value = response.headers.get("retry-after", "").strip()
    now = calendar.timegm(clock.now().timetuple())
    if value:
        try:
            return max(float(value), 1.0)
        except ValueError:
            pass
        try:
            return max(calendar.timegm(parsedate_to_datetime(value).utctimetuple()) - now, 1.0)
        except (TypeError, ValueError):
            pass
    if response.headers.get("x-ratelimit-remaining") != "0":
        return None
    after = response.headers.get("x-ratelimit-reset-after", "").strip()
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    try:
        if after:
            return max(float(after), 1.0)
        if reset:
            return max(float(reset) - now, 1.0)
    except ValueError:
        pass
    return None
