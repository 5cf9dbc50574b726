"""Loopback servers that answer as the platforms' REST APIs document it, for the connectors' tests.

Discourse (docs.discourse.org), with the headers Api-Key and Api-Username:
- `GET /admin/users/list/active.json?order=created&asc=true&show_emails=true&page=N`: an array of
  users (id, username, name, email only with show_emails, created_at, last_seen_at, active, admin,
  moderator, avatar_template: a path with `{size}`, a letter avatar unless one is given), oldest
  first, 100 a page from page 1 (`order=seen`: last seen first); the system accounts (-1 system,
  -2 discobot) are listed too.
- `GET /posts.json[?before=ID]`: {"latest_posts": [...]}, posts with an id below `before`, newest
  first, 50 a page (each with id, user_id, username, created_at, post_number, post_type, topic_id,
  cooked: the text, which the connector must not keep).
- `GET /user_actions.json?username=U&filter=1,15&offset=N`: {"user_actions": [...]}, the user's
  actions of those types, newest first, 30 a page (action_type, created_at, post_id, topic_id,
  acting_username, excerpt).
- A wrong key: 403 {"errors": ["You are not permitted to view the requested resource. The API
  username or key is invalid."], "error_type": "invalid_access"}. A rate limit, when told (`fail_next`):
  429 {"errors": [...], "error_type": "rate_limit", "extras": {"wait_seconds": N}} with Retry-After.

GitHub REST (docs.github.com/rest), with `Authorization: Bearer <token>`:
- `GET /repos/{owner}/{repo}/issues?state=all&sort=updated&direction=asc&since=T`, `…/issues/comments`,
  `…/pulls/comments` (same parameters), `…/pulls/{number}/reviews`, `…/stargazers` (with
  `Accept: application/vnd.github.star+json`: {starred_at, user}; else the users): arrays, `per_page`
  (at most 100, 30 by default) and `page`, a `Link` header with rel="next" and rel="last" (and
  "prev", "first") as GitHub writes it; `since` keeps what was updated at or after it. A user is
  {id, login, type, site_admin, avatar_url}, a GraphQL author {__typename, login, avatarUrl, databaseId}.
- `POST /graphql` with the connector's discussions query: {data: {repository: {discussions: {pageInfo:
  {hasNextPage, endCursor}, nodes}}}}, 50 a page by updatedAt, `after` an endCursor; a repository it
  does not have: {data: {repository: null}, errors: [{type: "NOT_FOUND", …}]};
- `GET /repos/{owner}/{repo}`: {id, full_name, private, owner} (Test connection asks for it);
- `GET /orgs/{org}/repos`: the organisation's repositories ({id, full_name, fork, archived, private});
- every answer carries x-ratelimit-limit, -remaining (counting down), -used, -reset and -resource.
- 401 {"message": "Bad credentials", ...} for another token; 404 {"message": "Not Found"} for a
  repository it does not have; rate limits when told (`fail_next`): 403 "API rate limit exceeded"
  with remaining 0 and a reset, or 403/429 "secondary rate limit" with retry-after.

Discord's bot API (discord.com/developers/docs), with `Authorization: Bot <token>`, under /api/v10:
- `GET /guilds/{guild}/members?limit=N&after=ID`: guild members ({user: {id, username, global_name,
  avatar: a hash or null, bot?}, nick, joined_at, roles}) whose user id is above `after`, by id, at most `limit` (1000);
- `GET /channels/{channel}/messages?limit=N&after=ID`: the `limit` (at most 100) messages next
  after `after`, newest first as Discord answers ({id, type, timestamp, author, content, reactions
  with counts only}); 404 {"message": "Unknown Channel", "code": 10003} for another channel;
- 401 {"message": "401: Unauthorized", "code": 0} for another token; when told, 429 {"message":
  "You are being rate limited.", "retry_after": s, "global": false} with Retry-After and
  X-RateLimit-Reset-After; every answer carries X-RateLimit-Limit, -Remaining, -Reset-After, -Bucket.

WeCom (developer.work.weixin.qq.com), HTTP 200 with errcode and errmsg always:
- `GET /cgi-bin/gettoken?corpid=&corpsecret=`: {access_token, expires_in: 7200}, or 40013 (corp id)
  and 40001 (secret); `expire()` makes the current token answer 42001 and the next one differ.
- `POST /cgi-bin/externalcontact/groupchat/list?access_token=`: {group_chat_list: [{chat_id, status}],
  next_cursor} of the owners' groups, `limit` a page; `…/groupchat/get`: {group_chat: {chat_id,
  name, owner, create_time, member_list: [{userid, type, join_time, join_scene, group_nickname,
  name}], admin_list}}; `…/groupchat/statistic_group_by_day`: {items: [{stat_time, data}]} for the
  days in [day_begin_time, day_end_time], refused with 600018 "invalid start endtime" when the span
  is over 30 days, reaches past 180 days before today or past yesterday (China time);
- 40014 for an unknown access_token; when told (`fail_next`), 45009 "api freq out of limit".

Slack's Web API (api.slack.com/methods), with `Authorization: Bearer <bot token>`, HTTP 200 with
`ok`: `users.list` {members}, `conversations.list` {channels (is_member)}, `conversations.history`
{messages newer than `oldest`, newest first, has_more}, `conversations.replies` {messages: the parent
first, then the replies newer than `oldest`}, each paged by `limit` and `cursor` with
`response_metadata.next_cursor`; {ok: false, error: "invalid_auth"} for another token, and when
told 429 with Retry-After or {ok: false, error: "token_revoked"}; `auth.test` {ok, url, team, user}
(Test connection asks it).

`requests` lists each path asked for (with its query), so tests see what an increment fetched.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.loopback import Answering, Scripted, serving

INVALID_KEY = {
    "errors": ["You are not permitted to view the requested resource. The API username or key is invalid."],
    "error_type": "invalid_access",
}


def rate_limit_body(seconds: int) -> dict[str, Any]:
    return {
        "errors": [f"You’ve performed this action too many times. Please wait {seconds} seconds before trying again."],
        "error_type": "rate_limit",
        "extras": {"wait_seconds": seconds, "time_left": f"{seconds} seconds"},
    }


@dataclass
class DiscourseServer(Scripted):
    api_key: str = "discourse-key-0123456789"
    api_username: str = "system"
    users: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    actions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # username -> actions
    requests: list[str] = field(default_factory=list)
    url: str = ""
    _newest: list[dict[str, Any]] = field(default_factory=list)

    def user(self, number: int, username: str, created_at: str, **extra: Any) -> None:
        self.users.append(
            {
                "id": number,
                "username": username,
                "name": extra.pop("name", username.title()),
                "email": f"{username}@example.org",
                "created_at": created_at,
                "active": True,
                "admin": False,
                "moderator": False,
                "trust_level": 1,
                "last_seen_at": created_at,
                # a letter avatar, as Discourse gives a user who uploaded no picture
                "avatar_template": f"/letter_avatar_proxy/v4/letter/{username[0]}/8c91f0/{{size}}.png",
                **extra,
            }
        )

    def post(self, number: int, user_id: int, created_at: str, *, post_number: int = 1, post_type: int = 1) -> None:
        self.posts.append(
            {
                "id": number,
                "user_id": user_id,
                "username": next((u["username"] for u in self.users if u["id"] == user_id), "someone"),
                "created_at": created_at,
                "post_number": post_number,
                "post_type": post_type,
                "topic_id": 1000 + number,
                "cooked": f"<p>the words of post {number}</p>",
            }
        )

    def newest_first(self) -> list[dict[str, Any]]:
        """The posts by id, newest first (kept between requests while no post is added)."""
        if len(self._newest) != len(self.posts):
            self._newest = sorted(self.posts, key=lambda post: post["id"], reverse=True)
        return self._newest

    def action(self, username: str, action_type: int, post_id: int, created_at: str) -> None:
        self.actions.setdefault(username, []).append(
            {
                "action_type": action_type,
                "created_at": created_at,
                "post_id": post_id,
                "topic_id": 1000 + post_id,
                "acting_username": username,
                "excerpt": f"the words of post {post_id}",
            }
        )


def _handler(server: DiscourseServer) -> type[BaseHTTPRequestHandler]:
    class Handler(Answering, BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            server.requests.append(self.path)
            if self.headers.get("Api-Key") != server.api_key or self.headers.get("Api-Username") != server.api_username:
                return self.answer(403, INVALID_KEY)
            failure = server._scripted(self.path)  # a path, or a path and the start of its query
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            if parts.path == "/admin/users/list/active.json":
                page = int(query.get("page", "1"))
                if query.get("order") == "seen":  # last seen first unless asc=true
                    ordered = sorted(
                        server.users, key=lambda user: user["last_seen_at"] or "", reverse=query.get("asc") != "true"
                    )
                else:
                    ordered = sorted(server.users, key=lambda user: user["created_at"])
                shown = [
                    user if query.get("show_emails") == "true" else {k: v for k, v in user.items() if k != "email"}
                    for user in ordered[(page - 1) * 100 : page * 100]
                ]
                return self.answer(200, shown)
            if parts.path == "/posts.json":
                before = int(query["before"]) if "before" in query else None
                newest = server.newest_first()
                ids = [-post["id"] for post in newest]
                start = 0 if before is None else bisect.bisect_right(ids, -before)
                return self.answer(200, {"latest_posts": newest[start : start + 50]})
            if parts.path == "/user_actions.json":
                types = {int(value) for value in query.get("filter", "").split(",") if value}
                offset = int(query.get("offset", "0"))
                chosen = sorted(
                    (a for a in server.actions.get(query.get("username", ""), []) if a["action_type"] in types),
                    key=lambda action: action["created_at"],
                    reverse=True,
                )
                return self.answer(200, {"user_actions": chosen[offset : offset + 30]})
            return self.answer(404, {"errors": ["The requested URL or resource could not be found."]})

    return Handler


@contextmanager
def discourse_server(**options: Any) -> Iterator[DiscourseServer]:
    server = DiscourseServer(**options)
    with serving(_handler(server)) as url:
        server.url = url
        yield server


GITHUB_DOCS = "https://docs.github.com/rest"


@dataclass
class GithubServer(Scripted):
    token: str = "github_pat_loopback_0123456789"
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repo -> issues and pull requests
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    review_comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    stars: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    forks: set[str] = field(default_factory=set)  # repositories /orgs/{org}/repos marks as forks
    discussions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repo -> GraphQL nodes
    requests: list[str] = field(default_factory=list)
    remaining: int = 5000
    reset: int = 1_900_000_000
    url: str = ""

    @staticmethod
    def user(number: int, login: str, kind: str = "User") -> dict[str, Any]:
        return {
            "id": number,
            "login": login,
            "type": kind,
            "site_admin": False,
            "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        }

    def repository(self, name: str) -> None:
        for table in (self.issues, self.comments, self.review_comments, self.stars):
            table.setdefault(name, [])

    def issue(self, repo: str, number: int, issue_id: int, user: dict, created: str, **extra: Any) -> dict[str, Any]:
        item = {
            "id": issue_id,
            "number": number,
            "user": user,
            "title": f"the words of issue {number}",
            "body": f"the words of issue {number}",
            "state": "open",
            "created_at": created,
            "updated_at": extra.pop("updated", created),
            "author_association": extra.pop("association", "NONE"),
            **extra,
        }
        self.issues[repo].append(item)
        return item

    def comment(self, table: dict, repo: str, comment_id: int, user: dict, created: str, **extra: Any) -> None:
        table[repo].append(
            {
                "id": comment_id,
                "user": user,
                "body": f"the words of comment {comment_id}",
                "created_at": created,
                "updated_at": extra.pop("updated", created),
                "author_association": extra.pop("association", "NONE"),
                **extra,
            }
        )


def _github_handler(server: GithubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(Answering, BaseHTTPRequestHandler):
        def limits(self) -> dict[str, str]:
            server.remaining = max(server.remaining - 1, 0)
            return {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": str(server.remaining),
                "x-ratelimit-used": str(5000 - server.remaining),
                "x-ratelimit-reset": str(server.reset),
                "x-ratelimit-resource": "core",
            }

        def listing(self, rows: list[dict[str, Any]], query: dict[str, str], path: str, key: str) -> None:
            if "since" in query:
                rows = [row for row in rows if row["updated_at"] >= query["since"]]
            rows = sorted(rows, key=lambda row: (row[key], row.get("id", 0)))
            per_page = min(int(query.get("per_page", "30")), 100)
            page = int(query.get("page", "1"))
            last = max((len(rows) + per_page - 1) // per_page, 1)
            base = f"http://{self.headers['Host']}{path}?"

            def link(number: int, rel: str) -> str:
                return f'<{base}{urlencode({**query, "page": number})}>; rel="{rel}"'

            links = []
            if page > 1:
                links += [link(page - 1, "prev"), link(1, "first")]
            if page < last:
                links += [link(page + 1, "next"), link(last, "last")]
            headers = self.limits() | ({"Link": ", ".join(links)} if links else {})
            return self.answer(200, rows[(page - 1) * per_page : page * per_page], headers)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            server.requests.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {server.token}":
                return self.answer(
                    401, {"message": "Bad credentials", "documentation_url": GITHUB_DOCS, "status": "401"}
                )
            failure = server._scripted(self.path)
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            segments = parts.path.strip("/").split("/")
            if segments[0] == "orgs" and segments[2:] == ["repos"]:
                owned = [
                    {"id": index, "full_name": name, "fork": name in server.forks, "archived": False, "private": False}
                    for index, name in enumerate(sorted(server.issues), start=1)
                    if name.startswith(f"{segments[1]}/")
                ]
                if not owned:
                    return self.answer(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS, "status": "404"})
                return self.listing(owned, query, parts.path, "full_name")
            repo = "/".join(segments[1:3]) if len(segments) >= 3 and segments[0] == "repos" else ""
            rest = segments[3:]
            if repo not in server.issues:
                return self.answer(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS, "status": "404"})
            if rest == []:  # the repository itself (Test connection asks for it)
                owner = {"login": repo.split("/")[0], "id": 1, "type": "Organization"}
                return self.answer(200, {"id": 1, "full_name": repo, "private": False, "owner": owner}, self.limits())
            if rest == ["issues"]:
                return self.listing(server.issues[repo], query, parts.path, "updated_at")
            if rest == ["issues", "comments"]:
                return self.listing(server.comments[repo], query, parts.path, "updated_at")
            if rest == ["pulls", "comments"]:
                return self.listing(server.review_comments[repo], query, parts.path, "updated_at")
            if len(rest) == 3 and rest[0] == "pulls" and rest[2] == "reviews":
                return self.listing(server.reviews.get((repo, int(rest[1])), []), query, parts.path, "id")
            if rest == ["stargazers"]:
                starred = self.headers.get("Accept") == "application/vnd.github.star+json"
                if starred:
                    return self.listing(server.stars[repo], query, parts.path, "starred_at")
                return self.answer(200, [row["user"] for row in server.stars[repo]], self.limits())
            return self.answer(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS, "status": "404"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            server.requests.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {server.token}":
                return self.answer(401, {"message": "Bad credentials", "documentation_url": GITHUB_DOCS})
            failure = server._scripted(self.path)
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            if self.path != "/graphql":
                return self.answer(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS})
            variables = body.get("variables", {})
            repo = f"{variables.get('owner')}/{variables.get('name')}"
            if repo not in server.issues:
                missing = {
                    "type": "NOT_FOUND",
                    "path": ["repository"],
                    "message": f"Could not resolve to a Repository with the name '{repo}'.",
                }
                return self.answer(200, {"data": {"repository": None}, "errors": [missing]}, self.limits())
            nodes = sorted(server.discussions.get(repo, []), key=lambda node: (node["updatedAt"], node["databaseId"]))
            start = int(variables["after"].removeprefix("Y3Vyc29yOnYyOpK")) if variables.get("after") else 0
            page = nodes[start : start + 50]
            end = f"Y3Vyc29yOnYyOpK{start + len(page)}" if page else None
            info = {"hasNextPage": start + 50 < len(nodes), "endCursor": end}
            return self.answer(
                200, {"data": {"repository": {"discussions": {"pageInfo": info, "nodes": page}}}}, self.limits()
            )

    return Handler


@contextmanager
def github_server(**options: Any) -> Iterator[GithubServer]:
    server = GithubServer(**options)
    with serving(_github_handler(server)) as url:
        server.url = url
        yield server


@dataclass
class DiscordServer(Scripted):
    token: str = "discord-bot-token-0123456789"
    guild: str = "1000000000000000001"
    members: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @staticmethod
    def user(number: str, username: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": number,
            "username": username,
            "global_name": extra.pop("global_name", username.title()),
            "discriminator": "0",
            "avatar": None,
            **extra,
        }

    def member(self, user: dict[str, Any], joined_at: str, nick: str | None = None) -> None:
        self.members.append(
            {"user": user, "nick": nick, "roles": [], "joined_at": joined_at, "deaf": False, "mute": False}
        )

    def message(self, channel: str, number: str, author: dict[str, Any], timestamp: str, kind: int = 0) -> None:
        self.messages.setdefault(channel, []).append(
            {
                "id": number,
                "channel_id": channel,
                "type": kind,
                "author": author,
                "timestamp": timestamp,
                "edited_timestamp": None,
                "content": f"the words of message {number}",
                "mentions": [],
                "reactions": [{"count": 1, "me": False, "emoji": {"id": None, "name": "👍"}}],
            }
        )


DISCORD_LIMITS = {
    "X-RateLimit-Limit": "5",
    "X-RateLimit-Remaining": "4",
    "X-RateLimit-Reset-After": "1.0",
    "X-RateLimit-Bucket": "abcd1234",
}


def _discord_handler(server: DiscordServer) -> type[BaseHTTPRequestHandler]:
    class Handler(Answering, BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            server.requests.append(self.path)
            if self.headers.get("Authorization") != f"Bot {server.token}":
                return self.answer(401, {"message": "401: Unauthorized", "code": 0})
            failure = server._scripted(self.path)
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            segments = parts.path.strip("/").split("/")
            after = int(query.get("after", "0"))
            if segments[:3] == ["api", "v10", "guilds"] and segments[4:] == ["members"] and segments[3] == server.guild:
                limit = min(int(query.get("limit", "1")), 1000)
                chosen = sorted(
                    (m for m in server.members if int(m["user"]["id"]) > after), key=lambda m: int(m["user"]["id"])
                )
                return self.answer(200, chosen[:limit], DISCORD_LIMITS)
            if segments[:3] == ["api", "v10", "channels"] and segments[4:] == ["messages"]:
                if segments[3] not in server.messages:
                    return self.answer(404, {"message": "Unknown Channel", "code": 10003})
                limit = min(int(query.get("limit", "50")), 100)
                chosen = sorted(
                    (m for m in server.messages[segments[3]] if int(m["id"]) > after), key=lambda m: int(m["id"])
                )
                return self.answer(200, list(reversed(chosen[:limit])), DISCORD_LIMITS)
            return self.answer(404, {"message": "404: Not Found", "code": 0})

    return Handler


@contextmanager
def discord_server(**options: Any) -> Iterator[DiscordServer]:
    server = DiscordServer(**options)
    with serving(_discord_handler(server)) as url:
        server.url = url
        yield server


WECOM_ZONE = timezone(timedelta(hours=8))


@dataclass
class WecomServer(Scripted):
    corp_id: str = "ww0123456789abcdef"
    secret: str = "wecom-app-secret-0123456789"
    today: date = date(2025, 3, 10)  # in China
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    days: dict[date, dict[str, int]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    issued: int = 0
    valid: set[str] = field(default_factory=set)
    url: str = ""

    def expire(self) -> None:
        self.valid.clear()

    def group(self, chat_id: str, owner: str, members: list[dict[str, Any]]) -> None:
        self.groups[chat_id] = {
            "chat_id": chat_id,
            "name": f"group {chat_id}",
            "owner": owner,
            "create_time": 1735689600,
            "notice": "the words of a notice",
            "member_list": members,
            "admin_list": [{"userid": owner}],
        }


def _wecom_handler(server: WecomServer) -> type[BaseHTTPRequestHandler]:
    def midnight(day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=WECOM_ZONE).timestamp())

    class Handler(Answering, BaseHTTPRequestHandler):
        def ok(self, **values: Any) -> None:
            return self.answer(200, {"errcode": 0, "errmsg": "ok", **values})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            server.requests.append(parts.path)
            if parts.path != "/cgi-bin/gettoken":
                return self.answer(404, "not found")
            if query.get("corpid") != server.corp_id:
                return self.answer(200, {"errcode": 40013, "errmsg": "invalid corpid, hint: [1741000000_1_a]"})
            if query.get("corpsecret") != server.secret:
                return self.answer(200, {"errcode": 40001, "errmsg": "invalid credential, hint: [1741000000_2_b]"})
            server.issued += 1
            token = f"wecom-access-token-{server.issued:04d}"
            server.valid.add(token)
            return self.ok(access_token=token, expires_in=7200)

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            server.requests.append(parts.path)
            server.bodies.append(body)
            token = query.get("access_token", "")
            if token not in server.valid:
                expired = token.startswith("wecom-access-token-")
                code, said = (42001, "access_token expired") if expired else (40014, "invalid access_token")
                return self.answer(200, {"errcode": code, "errmsg": f"{said}, hint: [1741000000_3_c]"})
            failure = server._scripted(parts.path)
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            name = parts.path.removeprefix("/cgi-bin/externalcontact/")
            if name == "groupchat/list":
                owners = set(body.get("owner_filter", {}).get("userid_list", []))
                chats = sorted(chat for chat, group in server.groups.items() if group["owner"] in owners)
                start = int(body.get("cursor") or 0)
                limit = int(body.get("limit", 100))
                page = [{"chat_id": chat, "status": 0} for chat in chats[start : start + limit]]
                following = str(start + limit) if start + limit < len(chats) else ""
                return self.ok(group_chat_list=page, next_cursor=following)
            if name == "groupchat/get":
                group = server.groups.get(body.get("chat_id", ""))
                if group is None:
                    return self.answer(200, {"errcode": 701008, "errmsg": "invalid chatid"})
                return self.ok(group_chat=group)
            if name == "groupchat/statistic_group_by_day":
                begin = datetime.fromtimestamp(body["day_begin_time"], WECOM_ZONE).date()
                end = datetime.fromtimestamp(body["day_end_time"], WECOM_ZONE).date()
                oldest = server.today - timedelta(days=180)
                if (end - begin).days >= 30 or begin < oldest or end >= server.today or end < begin:
                    return self.answer(200, {"errcode": 600018, "errmsg": "invalid start endtime, hint: [1741_4_d]"})
                chosen = [
                    {"stat_time": midnight(day), "data": data}
                    for day, data in sorted(server.days.items())
                    if begin <= day <= end
                ]
                return self.ok(items=chosen)
            return self.answer(404, "not found")

    return Handler


@contextmanager
def wecom_server(**options: Any) -> Iterator[WecomServer]:
    server = WecomServer(**options)
    with serving(_wecom_handler(server)) as url:
        server.url = url
        yield server


@dataclass
class SlackServer(Scripted):
    token: str = "xoxb-0123456789-abcdefghij"
    users: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> top-level messages
    replies: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (channel, thread) -> replies
    requests: list[str] = field(default_factory=list)
    url: str = ""


def _slack_api_handler(server: SlackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(Answering, BaseHTTPRequestHandler):
        def paged(self, rows: list[dict[str, Any]], field_name: str, query: dict[str, str], **extra: Any) -> None:
            start = int(query.get("cursor") or 0)
            limit = int(query.get("limit", "100"))
            following = str(start + limit) if start + limit < len(rows) else ""
            return self.answer(
                200,
                {
                    "ok": True,
                    field_name: rows[start : start + limit],
                    "response_metadata": {"next_cursor": following},
                    **extra,
                },
            )

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            server.requests.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {server.token}":
                return self.answer(200, {"ok": False, "error": "invalid_auth"})
            failure = server._scripted(self.path)
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            method = parts.path.rsplit("/", 1)[-1]
            oldest = float(query.get("oldest", "0"))
            if method == "auth.test":
                return self.answer(
                    200, {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "pulse", "bot_id": "B1"}
                )
            if method == "users.list":
                return self.paged(server.users, "members", query)
            if method == "conversations.list":
                return self.paged(server.channels, "channels", query)
            if method == "conversations.history":
                if query.get("channel") not in server.history:
                    return self.answer(200, {"ok": False, "error": "channel_not_found"})
                newer = [m for m in server.history[query["channel"]] if float(m["ts"]) > oldest]
                return self.paged(
                    sorted(newer, key=lambda m: float(m["ts"]), reverse=True), "messages", query, has_more=False
                )
            if method == "conversations.replies":
                thread = query.get("ts", "")
                parent = [m for m in server.history.get(query.get("channel", ""), []) if m["ts"] == thread]
                newer = [
                    m for m in server.replies.get((query.get("channel", ""), thread), []) if float(m["ts"]) > oldest
                ]
                return self.paged(
                    parent + sorted(newer, key=lambda m: float(m["ts"])), "messages", query, has_more=False
                )
            return self.answer(200, {"ok": False, "error": "unknown_method"})

    return Handler


@contextmanager
def slack_api_server(**options: Any) -> Iterator[SlackServer]:
    server = SlackServer(**options)
    with serving(_slack_api_handler(server)) as url:
        server.url = url
        yield server
