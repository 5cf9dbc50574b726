"""Discord, from the JSON files DiscordChatExporter writes, through a bot, or both:

- **Export files** (a folder of `*.json`, one channel each): {"guild": {id, name}, "channel": {id,
  name, …}, "messages": [{id, type ("Default", "Reply", "GuildMemberJoin", …), timestamp, author:
  {id, name, nickname, isBot}, reactions: [{emoji, count, users: [{id, name, nickname, isBot}]}]}]}.
- **The bot API** (`Authorization: Bot <token>`): `GET /guilds/{guild}/members?limit=1000&after=ID`
  (guild members: user {id, username, global_name, bot}, nick, joined_at; needs the Server Members
  intent) and `GET /channels/{channel}/messages?limit=100&after=ID` (messages: id, type (0 default,
  19 reply), timestamp, author). Reactions come with counts only there, so the API gives no reactions.

A person's message (Default or Reply; types 0 and 19) is kind message (an exported GuildMemberJoin
tells when they came, and is no activity); each user of an exported
reaction a reaction, at the message's time. Bots are left out. Message ids are snowflakes that grow
with time, so the cursor keeps per channel the highest id taken (`channels`), shared by both ways in
(the same message from either is the same activity), and the members walk its last user id. A
member joins at the guild's `joined_at` where the API gives it, else at their first activity seen.
Discord's 429 (`Retry-After`, `X-RateLimit-Reset-After`) is waited out; 401 is a refused token.
No message text is kept, except the messages of the channels chosen for feedback
(`feedback_channels`, by id, or by name for exported files), which the step carries
(`Step.messages`) to become feedback items; the bot needs the Message Content intent for their text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from data_sources.connectors.archive import Archive, Row, activity_row
from data_sources.connectors.client import PoliteClient
from data_sources.connectors.config import DiscordConfig
from data_sources.connectors.errors import PlatformFailed, named
from data_sources.connectors.shapes import image_address, items, malformed, moment, need
from data_sources.connectors.steps import Step
from errors import Said

PLATFORM = "discord"
SPOKEN_EXPORTED = {"Default", "Reply"}
SPOKEN_API = {0, 19}
CDN = "https://cdn.discordapp.com"  # where Discord serves images (its Image Formatting reference)


def avatar_of(user: dict[str, Any]) -> str | None:
    """A user object's avatar hash as its image's address on Discord's CDN (an animated one, `a_…`,
    as its first frame); None for a user without one, who is shown Discord's default image."""
    number, avatar = user.get("id"), user.get("avatar")
    if not isinstance(number, str) or not isinstance(avatar, str) or not avatar:
        return None
    return image_address(f"{CDN}/avatars/{number}/{avatar}.png", platform="discord")


MEMBERS_PAGE, MESSAGES_PAGE = 1000, 100


class Discord:
    """Reads DiscordChatExporter files and/or a guild through a bot (see the module's docstring)."""

    def __init__(
        self,
        config: DiscordConfig,
        *,
        archive: Archive | None = None,
        sleep: Callable[[float], None] | None = None,
        attempts: int = 6,
    ) -> None:
        self.name = config.name
        self.config = config
        self.client = PoliteClient(self.name, headers={"Authorization": f"Bot {config.token}"}, attempts=attempts)
        if sleep is not None:
            self.client.sleep = sleep

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        cursor = {"channels": dict(cursor.get("channels", {})), "members_after": cursor.get("members_after", "0")}
        if self.config.exports is not None:
            yield from self._exports(cursor)
        if self.config.token:
            yield from self._members(cursor)
            for done, channel in enumerate(self.config.channels, start=1):
                yield from self._messages(cursor, channel, done)

    @staticmethod
    def _saved(cursor: dict[str, Any]) -> dict[str, Any]:
        return {"channels": dict(cursor["channels"]), "members_after": cursor["members_after"]}

    def _exports(self, cursor: dict[str, Any]) -> Iterator[Step]:
        folder = self.config.exports
        assert folder is not None
        if not folder.is_dir():
            raise PlatformFailed(Said("error.connector.export_missing", **named(self.name), file=str(folder)))
        files = sorted(folder.glob("*.json"))
        for done, path in enumerate(files, start=1):
            where = path.name
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise malformed(self.name, where, where, "JSON") from None
            about = need(document, "channel", dict, connector=self.name, where=where)
            channel = need(about, "id", str, connector=self.name, where=where)
            label = str(about.get("name") or channel)
            since = int(cursor["channels"].get(channel, "0"))
            members: list[Row] = []
            activities: list[Row] = []
            said: list[Row] | None = [] if self._feedback(channel, label) else None
            highest = since
            for message in items(document, "messages", connector=self.name, where=where):
                number = int(need(message, "id", str, connector=self.name, where=where))
                if number <= since:
                    continue
                highest = max(highest, number)
                author = need(message, "author", dict, connector=self.name, where=where)
                at = moment(message.get("timestamp"), connector=self.name, where=where, field="timestamp")
                kind = need(message, "type", str, connector=self.name, where=where)
                person = self._exported_member(author, at, where)
                if person is None or kind not in {*SPOKEN_EXPORTED, "GuildMemberJoin"}:
                    continue
                members.append(person)  # a join tells when they came, though it is no activity
                if kind == "GuildMemberJoin":
                    continue
                activities.append(activity_row(PLATFORM, f"message:{number}", person, at, "message"))
                self._said(said, number, (channel, label), person, at, message.get("content"))
                for reaction in message.get("reactions") or []:
                    for user in items(reaction, "users", connector=self.name, where=where):
                        reacting = self._exported_member(user, at, where)
                        if reacting is not None:
                            emoji = (
                                reaction.get("emoji", {}).get("name")
                                if isinstance(reaction.get("emoji"), dict)
                                else None
                            )
                            members.append(reacting)
                            key = f"reaction:{number}:{emoji}:{str(reacting['member_id']).split(':', 1)[1]}"
                            activities.append(activity_row(PLATFORM, key, reacting, at, "reaction"))
            cursor["channels"][channel] = str(highest)
            yield Step(
                members,
                activities,
                self._saved(cursor),
                done,
                len(files),
                "connector.unit.channels",
                messages=said or (),
            )

    def _feedback(self, channel: str, name: str) -> bool:
        """Whether a channel's messages become feedback (chosen by id, name or #name)."""
        chosen = {item.removeprefix("#") for item in self.config.feedback_channels}
        return channel in chosen or name in chosen

    @staticmethod
    def _said(
        said: list[Row] | None, number: object, channel: tuple[str, str], person: Row, at: object, words: object
    ) -> None:
        """A feedback channel's message with its text (`said` is None for every other channel)."""
        if said is not None and isinstance(words, str) and words.strip():
            said.append(
                {
                    "message_id": f"{PLATFORM}:message:{number}",
                    "channel": channel[0],
                    "channel_name": channel[1],
                    "member_id": person["member_id"],
                    "sent_at": at,
                    "text": words,
                }
            )

    def _exported_member(self, author: dict[str, Any], at: object, where: str) -> Row | None:
        if author.get("isBot") is True:
            return None
        return {
            "member_id": f"{PLATFORM}:{need(author, 'id', str, connector=self.name, where=where)}",
            "platform": PLATFORM,
            "handle": need(author, "name", str, connector=self.name, where=where),
            "name": author.get("nickname") if isinstance(author.get("nickname"), str) else None,
            "email": None,
            "email_verified": False,
            "joined_at": at,
            "is_team": None,
            "avatar": image_address(author.get("avatarUrl"), platform="discord"),
        }

    def _members(self, cursor: dict[str, Any]) -> Iterator[Step]:
        url = f"{self.config.api_url}/guilds/{self.config.guild}/members"
        read = 0
        while True:
            answer = self.client.get(url, {"limit": MEMBERS_PAGE, "after": cursor["members_after"]})
            found = items(answer.document, None, connector=self.name, where=url)
            members: list[Row] = []
            for member in found:
                user = need(member, "user", dict, connector=self.name, where=url)
                number = need(user, "id", str, connector=self.name, where=url)
                cursor["members_after"] = max(cursor["members_after"], number, key=int)
                if user.get("bot") is True:
                    continue
                members.append(
                    {
                        "member_id": f"{PLATFORM}:{number}",
                        "platform": PLATFORM,
                        "handle": need(user, "username", str, connector=self.name, where=url),
                        "name": member.get("nick") or user.get("global_name") or None,
                        "email": None,
                        "email_verified": False,
                        "joined_at": moment(member.get("joined_at"), connector=self.name, where=url, field="joined_at"),
                        "is_team": None,
                        "avatar": avatar_of(user),
                    }
                )
            read += len(found)
            yield Step(members, [], self._saved(cursor), read, read, "connector.unit.users")
            if len(found) < MEMBERS_PAGE:
                return

    def _messages(self, cursor: dict[str, Any], channel: str, done: int) -> Iterator[Step]:
        url = f"{self.config.api_url}/channels/{channel}/messages"
        chosen = self._feedback(channel, channel)
        while True:
            after = cursor["channels"].get(channel, "0")
            answer = self.client.get(url, {"limit": MESSAGES_PAGE, "after": after})
            found = items(answer.document, None, connector=self.name, where=url)
            members: list[Row] = []
            activities: list[Row] = []
            said: list[Row] | None = [] if chosen else None
            for message in found:
                number = need(message, "id", str, connector=self.name, where=url)
                cursor["channels"][channel] = max(cursor["channels"].get(channel, "0"), number, key=int)
                author = need(message, "author", dict, connector=self.name, where=url)
                if need(message, "type", int, connector=self.name, where=url) not in SPOKEN_API or author.get("bot"):
                    continue
                at = moment(message.get("timestamp"), connector=self.name, where=url, field="timestamp")
                person: Row = {
                    "member_id": f"{PLATFORM}:{need(author, 'id', str, connector=self.name, where=url)}",
                    "platform": PLATFORM,
                    "handle": need(author, "username", str, connector=self.name, where=url),
                    "name": None,  # the guild's nickname (members) is kept; a message does not replace it
                    "email": None,
                    "email_verified": False,
                    "joined_at": at,
                    "is_team": None,
                    "avatar": avatar_of(author),
                }
                members.append(person)
                activities.append(activity_row(PLATFORM, f"message:{number}", person, at, "message"))
                self._said(said, number, (channel, channel), person, at, message.get("content"))
            yield Step(
                members,
                activities,
                self._saved(cursor),
                done,
                len(self.config.channels),
                "connector.unit.channels",
                messages=said or (),
            )
            if len(found) < MESSAGES_PAGE:
                return
