"""A Slack workspace export, the .zip a workspace admin downloads (Settings → Import/Export Data):

- `users.json`: [{id, name, real_name, deleted, is_bot, is_admin, is_owner, updated, profile:
  {real_name, display_name, email}}]; bots (and USLACKBOT) are left out, admins and owners are team,
  and the address (Slack confirms it at sign-up) counts as verified.
- `channels.json`: [{id, name, created, …}], the public channels;
- `<channel name>/<YYYY-MM-DD>.json`: the day's messages, [{type: "message", user, ts: "1614556800.000200",
  subtype?, thread_ts?, reactions?: [{name, users, count}]}]. A message by a person (no subtype, or
  thread_broadcast, file_share, me_message) is kind message; each reaction's users a reaction, at the
  message's time (an export keeps no time for a reaction). Joins, leaves, topic changes and bots'
  messages are not activities. No text is kept.

A member joins at the earliest of their first message, their first channel_join and their profile's
last update (`updated`: an export keeps no sign-up date). The cursor keeps, per channel, the last day
read; the next export is read from that day on (it may have been partial), so each sync reads only
the days that are new. A file that is not the documented shape is named with the place in the .zip.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from data_sources.connectors.archive import Row
from data_sources.connectors.config import SlackConfig
from data_sources.connectors.errors import PlatformFailed
from data_sources.connectors.shapes import items, malformed, need
from data_sources.connectors.steps import Step
from errors import Said

PLATFORM = "slack"
SPOKEN = {None, "thread_broadcast", "file_share", "me_message"}  # subtypes that are a person speaking
DAY_FILE = 15  # len("YYYY-MM-DD.json")


class Slack:
    """Reads a workspace export .zip into canonical rows (see the module's docstring)."""

    def __init__(self, config: SlackConfig, **_: object) -> None:
        self.name = config.name
        self.export = config.export

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        days: dict[str, str] = dict(cursor.get("days", {}))
        try:
            bundle = zipfile.ZipFile(self.export)
        except FileNotFoundError:
            raise PlatformFailed(
                Said("error.connector.export_missing", connector=self.name, file=str(self.export))
            ) from None
        except (zipfile.BadZipFile, OSError) as error:
            raise PlatformFailed(
                Said("error.connector.export_unreadable", connector=self.name, file=self.export.name, reason=str(error))
            ) from error
        with bundle:
            names = set(bundle.namelist())
            users = self._users(bundle, names)
            channels = items(
                self._json(bundle, names, "channels.json"), None, connector=self.name, where=self._at("channels.json")
            )
            yield Step(list(users.values()), [], {"days": dict(days)}, 0, len(channels), "connector.unit.channels")
            for done, channel in enumerate(channels, start=1):
                where = self._at("channels.json")
                key = need(channel, "id", str, connector=self.name, where=where)
                folder = need(channel, "name", str, connector=self.name, where=where)
                since = days.get(key, "")
                files = sorted(
                    name
                    for name in names
                    if name.startswith(f"{folder}/")
                    and len(name) == len(folder) + 1 + DAY_FILE
                    and name.endswith(".json")
                    and name[len(folder) + 1 : -5] >= since
                )
                members: list[Row] = []
                activities: list[Row] = []
                for name in files:
                    for row in self._day(bundle, names, name, key, users, members):
                        activities.append(row)
                if files:
                    days[key] = files[-1][len(folder) + 1 : -5]
                yield Step(members, activities, {"days": dict(days)}, done, len(channels), "connector.unit.channels")

    def _at(self, name: str) -> str:
        return f"{self.export.name}: {name}"

    def _json(self, bundle: zipfile.ZipFile, names: set[str], name: str) -> Any:
        if name not in names:
            raise PlatformFailed(
                Said(
                    "error.connector.export_unreadable", connector=self.name, file=self.export.name, reason=f"no {name}"
                )
            )
        try:
            return json.loads(bundle.read(name))
        except (ValueError, UnicodeDecodeError):
            raise malformed(self.name, self._at(name), name, "JSON") from None

    def _users(self, bundle: zipfile.ZipFile, names: set[str]) -> dict[str, Row]:
        where = self._at("users.json")
        found: dict[str, Row] = {}
        for user in items(self._json(bundle, names, "users.json"), None, connector=self.name, where=where):
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
            }
        return found

    def _day(
        self, bundle: zipfile.ZipFile, names: set[str], name: str, channel: str, users: dict[str, Row], seen: list[Row]
    ) -> Iterator[Row]:
        where = self._at(name)
        for message in items(self._json(bundle, names, name), None, connector=self.name, where=where):
            subtype = message.get("subtype")
            person = message.get("user")
            if not isinstance(person, str) or person not in users:
                continue  # a bot, an integration, a person the export does not list
            stamp = need(message, "ts", str, connector=self.name, where=where)
            try:
                at = datetime.fromtimestamp(int(float(stamp)), UTC).replace(tzinfo=None)  # to the second
            except ValueError:
                raise malformed(self.name, where, "ts", "time") from None
            if subtype == "channel_join" or subtype in SPOKEN:
                seen.append({**users[person], "joined_at": at})  # the archive keeps the earliest
            if subtype not in SPOKEN:
                continue
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
