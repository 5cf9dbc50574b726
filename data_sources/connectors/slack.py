"""Slack: the workspace export .zip a workspace admin downloads, and optionally the Web API with a
bot token; both give the same rows (a message reached both ways is one activity).

The export (Settings → Import/Export Data):
- `users.json`: [{id, name, real_name, deleted, is_bot, is_admin, is_owner, updated, profile:
  {real_name, display_name, email}}]; bots (and USLACKBOT) are left out, admins and owners are team,
  and the address (Slack confirms it at sign-up) counts as verified.
- `channels.json`: [{id, name, created, …}], the public channels;
- `<channel name>/<YYYY-MM-DD>.json`: the day's messages, [{type: "message", user, ts: "1614556800.000200",
  subtype?, thread_ts?, reactions?: [{name, users, count}]}].
The Web API (`Authorization: Bearer xoxb-…`; scopes users:read, users:read.email, channels:read,
channels:history): `users.list` and `conversations.list` (public channels the bot is in) paged by
`response_metadata.next_cursor`, `conversations.history?channel=C&oldest=TS` for what is newer than
the last message taken, and `conversations.replies` for threads with replies since. Slack answers
HTTP 200 with `ok: false` and an `error` (invalid_auth, token_revoked, account_inactive,
missing_scope: a refusal; others named) and 429 with Retry-After when rate limited.

A message by a person (no subtype, or thread_broadcast, file_share, me_message) is kind message;
each reaction's users a reaction, at the message's time (Slack keeps no time for a reaction).
Joins, leaves, topic changes and bots' messages are not activities. No text is kept, except the
messages of the channels chosen for feedback (`feedback_channels`, by id, name or #name), which the
step carries (`Step.messages`) to become feedback items. A member joins
at the earliest of their first message, their first channel_join and their profile's last update
(`updated`: Slack gives no sign-up date). The cursor keeps, per channel, the last export day read
(`days`; the next export is read from that day on) and the newest message taken through the API
(`oldest`).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from data_sources.connectors.archive import Row
from data_sources.connectors.client import PoliteClient
from data_sources.connectors.config import SlackConfig
from data_sources.connectors.errors import PlatformFailed, TokenRefused, named
from data_sources.connectors.shapes import image_address, items, malformed, need
from data_sources.connectors.steps import Step
from errors import Said

PLATFORM = "slack"
SPOKEN = {None, "thread_broadcast", "file_share", "me_message"}  # subtypes that are a person speaking
DAY_FILE = 15  # len("YYYY-MM-DD.json")
REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope"}
SLACK_API = "https://slack.com/api"


class Slack:
    """Reads a workspace export .zip and/or the Web API into canonical rows (see the docstring)."""

    def __init__(
        self,
        config: SlackConfig,
        *,
        archive: object = None,
        sleep: Callable[[float], None] | None = None,
        attempts: int = 6,
    ) -> None:
        self.name = config.name
        self.config = config
        self.client = PoliteClient(self.name, headers={"Authorization": f"Bearer {config.token}"}, attempts=attempts)
        if sleep is not None:
            self.client.sleep = sleep

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        cursor = {"days": dict(cursor.get("days", {})), "oldest": dict(cursor.get("oldest", {}))}
        if self.config.export is not None:
            yield from self._export(cursor)
        if self.config.token:
            yield from self._api(cursor)

    @staticmethod
    def _saved(cursor: dict[str, Any]) -> dict[str, Any]:
        return {"days": dict(cursor["days"]), "oldest": dict(cursor["oldest"])}

    # the export

    def _export(self, cursor: dict[str, Any]) -> Iterator[Step]:
        export = self.config.export
        assert export is not None
        days = cursor["days"]
        try:
            bundle = zipfile.ZipFile(export)
        except FileNotFoundError:
            raise PlatformFailed(Said("error.connector.export_missing", **named(self.name), file=str(export))) from None
        except (zipfile.BadZipFile, OSError) as error:
            raise PlatformFailed(
                Said(
                    "error.connector.export_unreadable",
                    **named(self.name),
                    file=export.name,
                    reason=str(error),
                )
            ) from error
        with bundle:
            names = set(bundle.namelist())
            users = self._people(self._json(bundle, names, "users.json"), self._at("users.json"))
            where = self._at("channels.json")
            channels = items(self._json(bundle, names, "channels.json"), None, connector=self.name, where=where)
            yield Step(list(users.values()), [], self._saved(cursor), 0, len(channels), "connector.unit.channels")
            for done, channel in enumerate(channels, start=1):
                key = need(channel, "id", str, connector=self.name, where=where)
                folder = need(channel, "name", str, connector=self.name, where=where)
                files = sorted(
                    name
                    for name in names
                    if name.startswith(f"{folder}/")
                    and len(name) == len(folder) + 1 + DAY_FILE
                    and name.endswith(".json")
                    and name[len(folder) + 1 : -5] >= days.get(key, "")
                )
                members: list[Row] = []
                activities: list[Row] = []
                said: list[Row] | None = [] if self._feedback(key, folder) else None
                for name in files:
                    found = items(self._json(bundle, names, name), None, connector=self.name, where=self._at(name))
                    activities.extend(self._rows(found, self._at(name), key, users, members, said, folder))
                if files:
                    days[key] = files[-1][len(folder) + 1 : -5]
                yield self._channel_step(members, activities, cursor, done, len(channels), said)

    def _channel_step(
        self,
        members: list[Row],
        activities: list[Row],
        cursor: dict[str, Any],
        done: int,
        total: int,
        said: list[Row] | None,
    ) -> Step:
        """A channel read (from the export or the API): its rows, the cursor past it, and its messages
        when the channel is chosen for feedback."""
        saved = self._saved(cursor)
        return Step(members, activities, saved, done, total, "connector.unit.channels", messages=said or ())

    def _at(self, name: str) -> str:
        export = self.config.export
        return f"{export.name if export else 'export'}: {name}"

    def _json(self, bundle: zipfile.ZipFile, names: set[str], name: str) -> Any:
        if name not in names:
            file = self.config.export.name if self.config.export else name
            raise PlatformFailed(
                Said("error.connector.export_unreadable", **named(self.name), file=file, reason=f"no {name}")
            )
        try:
            return json.loads(bundle.read(name))
        except (ValueError, UnicodeDecodeError):
            raise malformed(self.name, self._at(name), name, "JSON") from None

    # what both give

    def _people(self, document: Any, where: str) -> dict[str, Row]:
        """users.json, or users.list's members: the people by id (bots and Slackbot left out)."""
        found: dict[str, Row] = {}
        for user in items(document, None, connector=self.name, where=where):
            number = need(user, "id", str, connector=self.name, where=where)
            if user.get("is_bot") is True or number == "USLACKBOT":
                continue
            given = user.get("profile")
            profile: dict[str, Any] = given if isinstance(given, dict) else {}
            email = profile.get("email") if isinstance(profile.get("email"), str) else None
            updated = need(user, "updated", int, connector=self.name, where=where)
            name = profile.get("real_name") or user.get("real_name") or None
            found[number] = {
                "member_id": f"{PLATFORM}:{number}",
                "platform": PLATFORM,
                "handle": need(user, "name", str, connector=self.name, where=where),
                "name": name if isinstance(name, str) else None,
                "email": email,
                "email_verified": email is not None,
                "joined_at": datetime.fromtimestamp(updated, UTC).replace(tzinfo=None),
                "is_team": user.get("is_admin") is True or user.get("is_owner") is True,
                # the 72-pixel image (a photo uploaded, else Gravatar's for the address)
                "avatar": image_address(
                    profile.get("image_72") or profile.get("image_192") or profile.get("image_48"), platform="slack"
                ),
            }
        return found

    def _feedback(self, channel: str, name: str) -> bool:
        """Whether a channel's messages become feedback (chosen by id, name or #name)."""
        chosen = {item.removeprefix("#") for item in self.config.feedback_channels}
        return channel in chosen or name in chosen

    def _rows(
        self,
        messages: list[dict[str, Any]],
        where: str,
        channel: str,
        users: dict[str, Row],
        seen: list[Row],
        said: list[Row] | None = None,
        channel_name: str = "",
    ) -> Iterator[Row]:
        """A channel's messages as activities; `seen` gets a member row at each person's message or join,
        and `said` (a feedback channel's only) each person's message with its text."""
        for message in messages:
            subtype = message.get("subtype")
            person = message.get("user")
            if not isinstance(person, str) or person not in users:
                continue  # a bot, an integration, a person the workspace does not list
            stamp = need(message, "ts", str, connector=self.name, where=where)
            try:
                at = datetime.fromtimestamp(int(float(stamp)), UTC).replace(tzinfo=None)  # to the second
            except ValueError:
                raise malformed(self.name, where, "ts", "time") from None
            if subtype == "channel_join" or subtype in SPOKEN:
                seen.append({**users[person], "joined_at": at})  # the archive keeps the earliest
            if subtype not in SPOKEN:
                continue
            words = message.get("text")
            if said is not None and isinstance(words, str) and words.strip():
                said.append(
                    {
                        "message_id": f"{PLATFORM}:message:{channel}:{stamp}",
                        "channel": channel,
                        "channel_name": channel_name or channel,
                        "member_id": f"{PLATFORM}:{person}",
                        "sent_at": at,
                        "text": words,
                    }
                )
            yield {
                "activity_id": f"{PLATFORM}:message:{channel}:{stamp}",
                "member_id": f"{PLATFORM}:{person}",
                "occurred_at": at,
                "kind": "message",
                "platform": PLATFORM,
            }
            for reaction in message.get("reactions") or []:
                if not isinstance(reaction, dict) or not isinstance(reaction.get("users"), list):
                    raise malformed(self.name, where, "reactions", "list")
                for reacting in reaction["users"]:
                    if reacting in users:
                        yield {
                            "activity_id": f"{PLATFORM}:reaction:{channel}:{stamp}:{reaction.get('name')}:{reacting}",
                            "member_id": f"{PLATFORM}:{reacting}",
                            "occurred_at": at,
                            "kind": "reaction",
                            "platform": PLATFORM,
                        }

    # the Web API

    def _call(self, method: str, params: dict[str, str | int]) -> dict[str, Any]:
        url = f"{self.config.api_url}/{method}"
        document = self.client.get(url, params).document
        if not isinstance(document, dict) or not isinstance(document.get("ok"), bool):
            raise malformed(self.name, url, "ok", "true/false")
        if document["ok"]:
            return document
        error = str(document.get("error", ""))
        if error in REFUSED:
            raise TokenRefused(Said("error.connector.slack_refused", **named(self.name), error=error))
        raise PlatformFailed(Said("error.connector.http", **named(self.name), status=200, where=url, said=error))

    def _paged(self, method: str, field: str, params: dict[str, str | int]) -> Iterator[list[dict[str, Any]]]:
        """Each page of a cursor-paged method's `field` (response_metadata.next_cursor)."""
        after = ""
        while True:
            document = self._call(method, {**params, **({"cursor": after} if after else {})})
            yield items(document, field, connector=self.name, where=f"{self.config.api_url}/{method}")
            metadata = document.get("response_metadata")
            after = str(metadata.get("next_cursor") or "") if isinstance(metadata, dict) else ""
            if not after:
                return

    def _api(self, cursor: dict[str, Any]) -> Iterator[Step]:
        where = f"{self.config.api_url}/users.list"
        users: dict[str, Row] = {}
        for page in self._paged("users.list", "members", {"limit": 200}):
            users |= self._people(page, where)
        channels = [
            channel
            for page in self._paged(
                "conversations.list", "channels", {"types": "public_channel", "exclude_archived": "true", "limit": 200}
            )
            for channel in page
            if channel.get("is_member") is True
        ]
        yield Step(list(users.values()), [], self._saved(cursor), 0, len(channels), "connector.unit.channels")
        for done, channel in enumerate(channels, start=1):
            key = need(channel, "id", str, connector=self.name, where=f"{self.config.api_url}/conversations.list")
            label = str(channel.get("name") or key)
            oldest = cursor["oldest"].get(key, "0")
            members: list[Row] = []
            activities: list[Row] = []
            said: list[Row] | None = [] if self._feedback(key, label) else None
            newest = oldest
            history = f"{self.config.api_url}/conversations.history"
            for page in self._paged(
                "conversations.history", "messages", {"channel": key, "oldest": oldest, "limit": 200}
            ):
                activities.extend(self._rows(page, history, key, users, members, said, label))
                newest = max([newest, *(str(message.get("ts", "0")) for message in page)], key=float)
                for thread in page:
                    if thread.get("reply_count") and float(str(thread.get("latest_reply", "0"))) > float(oldest):
                        parent = need(thread, "ts", str, connector=self.name, where=history)
                        replies = f"{self.config.api_url}/conversations.replies"
                        for answers in self._paged(
                            "conversations.replies",
                            "messages",
                            {"channel": key, "ts": parent, "oldest": oldest, "limit": 200},
                        ):
                            answered = [m for m in answers if m.get("ts") != parent]
                            activities.extend(self._rows(answered, replies, key, users, members, said, label))
            cursor["oldest"][key] = newest
            yield self._channel_step(members, activities, cursor, done, len(channels), said)
