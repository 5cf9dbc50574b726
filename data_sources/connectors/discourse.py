"""Discourse through its REST API, with an admin's API key (headers Api-Key and Api-Username):

- members: `GET /admin/users/list/active.json?order=created&asc=true&show_emails=true&page=N`, 100
  a page, oldest first (an array of users: id, username, name, email, created_at, active, admin,
  moderator); the cursor keeps the last page that was not full, which is read again next time.
  Discourse lists users who confirmed their address as `active`, so their email counts as verified.
  System accounts (id ≤ 0: system, discobot) are left out.
- topics and replies: `GET /posts.json?before=ID` (`latest_posts`, newest first, 50 a page); a
  post numbered 1 opens its topic (kind post), any other is a reply (kind comment); moderator notes
  and automatic notices (post_type 2 and 3) are left out. The cursor keeps the highest post id
  fetched completely below (`posts_floor`) and, during a long first import, the pending range
  (`posts_top`, `posts_before`), so an interrupted import goes on where it stopped.
- likes given and accepted solutions: `GET /user_actions.json?username=U&filter=1,15&offset=N`
  (action_type 1 is a like the user gave, 15 a post of theirs accepted as the solution, from the
  discourse-solved plugin), newest first, per member, down to the last run's start (a day's overlap);
  the cursor keeps where the walk over members got to. A first walk asks for every member; later
  ones only for members seen since the last run (`order=seen`: giving a like needs being online),
  as Discourse allows an admin key 60 requests a minute by default.

Discourse says "too many" with 429 and Retry-After (and `extras.wait_seconds`); a key that is wrong,
revoked or without admin rights gets 403 with `error_type: invalid_access`. No post text is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import clock
from data_sources.connectors.archive import Archive, Row
from data_sources.connectors.client import PoliteClient
from data_sources.connectors.config import DiscourseConfig
from data_sources.connectors.shapes import image_address, items, moment, need
from data_sources.connectors.steps import Step

PLATFORM = "discourse"
USERS_PAGE = 100  # users a page of /admin/users/list
REGULAR, WHISPER = 1, 4  # post_type values kept (2 moderator action, 3 small action are notices)
LIKE, SOLVED = 1, 15  # user_actions action_type
ACTIONS_PAGE = 30  # user actions a page of /user_actions.json
USERS_A_STEP = 20  # members whose likes and solutions make one step
OVERLAP = timedelta(days=1)
AVATAR_SIZE = 96  # pixels: the size asked of an avatar_template (a table's thumbnail, sharp on a 2x screen)


def refuses(status: int, document: Any) -> bool:
    return status == 403 and isinstance(document, dict) and document.get("error_type") == "invalid_access"


class Discourse:
    """Fetches a Discourse forum into canonical rows (see the module's docstring)."""

    def __init__(
        self,
        config: DiscourseConfig,
        *,
        archive: Archive,
        sleep: Callable[[float], None] | None = None,
        attempts: int = 6,
    ) -> None:
        self.name = config.name
        self.url = config.url
        self.archive = archive
        self.seen: dict[str, str] = {}  # member id -> handle, of the users read in this run
        headers = {"Api-Key": config.api_key, "Api-Username": config.api_username}
        self.client = PoliteClient(self.name, headers=headers, refuses=refuses, attempts=attempts)
        if sleep is not None:
            self.client.sleep = sleep

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        cursor = dict(cursor)
        cursor.setdefault("actions_started", clock.now().isoformat())
        yield from self._users(cursor)
        yield from self._posts(cursor)
        yield from self._actions(cursor)

    def _users(self, cursor: dict[str, Any]) -> Iterator[Step]:
        page = int(cursor.get("users_page", 1))
        while True:
            url = f"{self.url}/admin/users/list/active.json"
            params: dict[str, str | int] = {"order": "created", "asc": "true", "show_emails": "true", "page": page}
            answer = self.client.get(url, params)
            users = items(answer.document, None, connector=self.name, where=url)
            members = [self._member(user, url) for user in users]
            self.seen |= {str(m["member_id"]): str(m["handle"]) for m in members if m is not None}
            full = len(users) >= USERS_PAGE
            cursor["users_page"] = page + 1 if full else page
            done = (page - 1) * USERS_PAGE + len(users)
            yield Step([m for m in members if m is not None], [], dict(cursor), done, done, "connector.unit.users")
            if not full:
                return
            page += 1

    def _member(self, user: dict[str, Any], where: str) -> Row | None:
        number = need(user, "id", int, connector=self.name, where=where)
        if number <= 0:
            return None
        email = user.get("email") if isinstance(user.get("email"), str) else None
        return {
            "member_id": f"{PLATFORM}:{number}",
            "platform": PLATFORM,
            "handle": need(user, "username", str, connector=self.name, where=where),
            "name": user.get("name") if isinstance(user.get("name"), str) else None,
            "email": email,
            "email_verified": bool(email) and user.get("active") is True,
            "joined_at": moment(user.get("created_at"), connector=self.name, where=where, field="created_at"),
            "is_team": user.get("admin") is True or user.get("moderator") is True,
            "avatar": self._avatar(user.get("avatar_template")),
        }

    def _avatar(self, template: object) -> str | None:
        """The user's avatar_template ("/user_avatar/forum.example.org/ann/{size}/12_2.png", or an
        absolute address on a CDN) as the address of its 96-pixel image."""
        if not isinstance(template, str) or "{size}" not in template:
            return None
        sized = template.replace("{size}", str(AVATAR_SIZE))
        if sized.startswith("//"):  # a CDN's address without its scheme
            return image_address(f"https:{sized}", platform="discourse", own=self.url)
        return image_address(
            f"{self.url}{sized}" if sized.startswith("/") else sized, platform="discourse", own=self.url
        )

    def _posts(self, cursor: dict[str, Any]) -> Iterator[Step]:
        url = f"{self.url}/posts.json"
        floor = int(cursor.get("posts_floor", 0))
        top, before = cursor.get("posts_top"), cursor.get("posts_before")
        while True:
            answer = self.client.get(url, {} if before is None else {"before": before})
            posts = items(answer.document, "latest_posts", connector=self.name, where=url)
            ids = [need(post, "id", int, connector=self.name, where=url) for post in posts]
            if top is None:
                if not ids or max(ids) <= floor:
                    return  # nothing new
                top = max(ids)
            rows = [self._post(post, url) for post in posts if post["id"] > floor]
            reached = not ids or min(ids) <= floor
            before = min(ids) if ids else before
            if reached:
                cursor.update(posts_floor=top, posts_top=None, posts_before=None)
            else:
                cursor.update(posts_floor=floor, posts_top=top, posts_before=before)
            done = top - floor if reached else top - int(before or 0)
            yield Step(
                [], [row for row in rows if row is not None], dict(cursor), done, top - floor, "connector.unit.posts"
            )
            if reached:
                return

    def _post(self, post: dict[str, Any], where: str) -> Row | None:
        author = need(post, "user_id", int, connector=self.name, where=where)
        kind = need(post, "post_type", int, connector=self.name, where=where)
        number = need(post, "post_number", int, connector=self.name, where=where)
        if author <= 0 or kind not in (REGULAR, WHISPER):
            return None
        return {
            "activity_id": f"{PLATFORM}:post:{post['id']}",
            "member_id": f"{PLATFORM}:{author}",
            "occurred_at": moment(post.get("created_at"), connector=self.name, where=where, field="created_at"),
            "kind": "post" if number == 1 else "comment",
            "platform": PLATFORM,
        }

    def _actions(self, cursor: dict[str, Any]) -> Iterator[Step]:
        since = datetime.fromisoformat(cursor["actions_since"]) - OVERLAP if cursor.get("actions_since") else None
        if since is None:  # a first walk: everyone, the archive's members and this run's (not written yet)
            archived = self.archive.members()
            archived = archived[archived["platform"] == PLATFORM]
            handles = dict(zip(archived["member_id"], archived["handle"], strict=True)) | self.seen
        else:  # a like needs its giver online: only those seen since the last run
            handles = self._seen_since(since)
        after = cursor.get("actions_after")
        people = [(member, handles[member]) for member in sorted(handles) if after is None or member > after]
        total, done = len(handles), len(handles) - len(people)
        rows: list[Row] = []
        for position, (member, handle) in enumerate(people, start=1):
            rows.extend(self._user_actions(member, str(handle), since))
            if position % USERS_A_STEP == 0 or position == len(people):
                cursor["actions_after"] = member
                if position == len(people):
                    cursor.update(actions_since=cursor.pop("actions_started"), actions_after=None)
                yield Step([], rows, dict(cursor), done + position, total, "connector.unit.members")
                rows = []
        if not people:
            cursor.update(actions_since=cursor.pop("actions_started"), actions_after=None)
            yield Step([], [], dict(cursor), total, total, "connector.unit.members")

    def _seen_since(self, since: datetime) -> dict[str, str]:
        """Members seen on the forum since `since` (admin users list by last_seen_at, newest first)."""
        url = f"{self.url}/admin/users/list/active.json"
        found: dict[str, str] = {}
        page = 1
        while True:
            params: dict[str, str | int] = {"order": "seen", "asc": "false", "page": page}
            users = items(self.client.get(url, params).document, None, connector=self.name, where=url)
            for user in users:
                seen = user.get("last_seen_at")
                if seen is None or moment(seen, connector=self.name, where=url, field="last_seen_at") < since:
                    return found
                member = self._member(user, url)
                if member is not None:
                    found[str(member["member_id"])] = str(member["handle"])
            if len(users) < USERS_PAGE:
                return found
            page += 1

    def _user_actions(self, member: str, handle: str, since: datetime | None) -> list[Row]:
        url = f"{self.url}/user_actions.json"
        rows: list[Row] = []
        offset = 0
        while True:
            answer = self.client.get(url, {"username": handle, "filter": f"{LIKE},{SOLVED}", "offset": offset})
            actions = items(answer.document, "user_actions", connector=self.name, where=url)
            if not actions:
                return rows
            for action in actions:
                at = moment(action.get("created_at"), connector=self.name, where=url, field="created_at")
                if since is not None and at < since:
                    return rows
                kind = need(action, "action_type", int, connector=self.name, where=url)
                post = need(action, "post_id", int, connector=self.name, where=url)
                if kind == LIKE:
                    key, what = f"{PLATFORM}:like:{member.split(':', 1)[1]}:{post}", "reaction"
                elif kind == SOLVED:
                    key, what = f"{PLATFORM}:solution:{post}", "solution"
                else:
                    continue
                rows.append(
                    {"activity_id": key, "member_id": member, "occurred_at": at, "kind": what, "platform": PLATFORM}
                )
            if len(actions) < ACTIONS_PAGE:  # a short page is the last
                return rows
            offset += len(actions)
