"""WeCom (企业微信) customer groups through its documented server APIs, with a self-built app's
secret that has the customer-contact permission (客户联系):

- `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` gives an access_token (7,200 s); one that WeCom
  calls invalid or expired (errcode 40014, 42001) is fetched again once.
- **Groups and their members**: `POST /cgi-bin/externalcontact/groupchat/list` ({status_filter,
  owner_filter: {userid_list}, cursor, limit: 1000} → group_chat_list [{chat_id}], next_cursor), then
  `POST /cgi-bin/externalcontact/groupchat/get` ({chat_id, need_name: 1} → group_chat {member_list:
  [{userid, type (1 staff, 2 external contact), join_time, group_nickname, name}]}). Each person is
  a member joining at their earliest join_time; staff are team. WeCom tells nothing per person about
  messages, so groups give members and no activities.
- **Daily group figures**: `POST /cgi-bin/externalcontact/groupchat/statistic_group_by_day`
  ({day_begin_time, day_end_time, owner_filter} → items [{stat_time, data: {new_chat_cnt,
  chat_total, chat_has_msg, new_member_cnt, member_total, member_has_msg, msg_total,
  migrate_trainee_chat_cnt}}]). WeCom keeps 180 days (from yesterday back) and answers at most 30
  days a call: the first run reads the 180 days in 30-day windows, later runs the days since the
  cursor's `days_through`. The days are kept in the archive's own table `wecom_group_days`, so they
  outlive WeCom's 180 days.

Answers are HTTP 200 with an errcode: 0 is fine; 45009 (too many calls), 45033 and -1 (busy) are
waited out as a 429 would be; 40001, 40013, 48002 and 60020 (wrong secret or corp id, no permission,
a server address not on the app's trusted IPs) are a refusal naming what to check; others are named
with WeCom's errcode and errmsg. The secret and the access_token are kept out of the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

import clock
import logs
from data_sources.connectors.archive import Row
from data_sources.connectors.client import PoliteClient
from data_sources.connectors.config import WecomConfig
from data_sources.connectors.errors import PlatformFailed, TokenRefused, named
from data_sources.connectors.shapes import items, need
from data_sources.connectors.steps import Step
from errors import Said

PLATFORM = "wecom"
ZONE = ZoneInfo("Asia/Shanghai")  # WeCom's days begin at midnight China time
KEPT_DAYS, WINDOW_DAYS = 180, 30
BUSY = {45009, 45033, -1}
REFUSED = {40001, 40013, 48002, 60020}
STALE_TOKEN = {40014, 42001}
GROUPS_A_STEP = 20
FIGURES = (
    "new_chat_cnt",
    "chat_total",
    "chat_has_msg",
    "new_member_cnt",
    "member_total",
    "member_has_msg",
    "msg_total",
    "migrate_trainee_chat_cnt",
)
# The daily figures in the warehouse (a sync writes them beside the canonical tables, from the
# archive, so they outlive WeCom's 180 days; metrics/wecom.py reads them); a build that has them
# says so in pulse_info under GROUP_DAYS_KEY.
group_days = sa.Table(
    "wecom_group_days",
    sa.MetaData(),
    sa.Column("day", sa.Date, primary_key=True),  # a day in China time, as WeCom counts them
    *(sa.Column(name, sa.Integer) for name in FIGURES),
)
GROUP_DAYS_KEY = "wecom_group_days"


def group_days_frame(archived: pd.DataFrame) -> pd.DataFrame:
    """The archive's daily figures (day as ISO text) typed as the warehouse keeps them."""
    if archived.empty:
        return pd.DataFrame({column.name: [] for column in group_days.columns}).astype({"day": "datetime64[us]"})
    frame = archived[[column.name for column in group_days.columns]].copy()
    frame["day"] = pd.to_datetime(frame["day"], format="%Y-%m-%d").dt.date
    return frame.astype({name: "int64" for name in FIGURES})


def _busy(document: Any) -> bool:
    return isinstance(document, dict) and document.get("errcode") in BUSY


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp())


class Wecom:
    """Fetches customer groups and their daily figures (see the module's docstring)."""

    def __init__(
        self,
        config: WecomConfig,
        *,
        archive: object = None,
        sleep: Callable[[float], None] | None = None,
        attempts: int = 6,
    ) -> None:
        self.name = config.name
        self.config = config
        self.client = PoliteClient(self.name, busy=_busy, attempts=attempts)
        if sleep is not None:
            self.client.sleep = sleep
        self.token: str | None = None

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        cursor = dict(cursor)
        yield from self._groups(cursor)
        yield from self._days(cursor)

    def _checked(self, document: Any, where: str) -> dict[str, Any]:
        code = need(document, "errcode", int, connector=self.name, where=where)
        if code == 0:
            return dict(document)
        said = str(document.get("errmsg", ""))[:300]
        if code in REFUSED:
            raise TokenRefused(Said("error.connector.wecom_refused", **named(self.name), code=code, said=said))
        raise PlatformFailed(Said("error.connector.wecom", **named(self.name), where=where, code=code, said=said))

    def _access_token(self) -> str:
        url = f"{self.config.api_url}/cgi-bin/gettoken"
        answer = self.client.get(url, {"corpid": self.config.corp_id, "corpsecret": self.config.secret})
        token = need(self._checked(answer.document, url), "access_token", str, connector=self.name, where=url)
        logs.keep_secret(token)
        return token

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.config.api_url}/cgi-bin/externalcontact/{path}"
        for fresh in (False, True):
            if self.token is None or fresh:
                self.token = self._access_token()
            document = self.client.post(url, body, {"access_token": self.token}).document
            if not (isinstance(document, dict) and document.get("errcode") in STALE_TOKEN) or fresh:
                return self._checked(document, url)
        raise AssertionError("unreachable")

    def _groups(self, cursor: dict[str, Any]) -> Iterator[Step]:
        owners = {"userid_list": list(self.config.owners)}
        chats: list[str] = []
        page = ""
        while True:
            listed = self._call(
                "groupchat/list", {"status_filter": 0, "owner_filter": owners, "cursor": page, "limit": 1000}
            )
            where = "groupchat/list"
            chats += [
                need(group, "chat_id", str, connector=self.name, where=where)
                for group in items(listed, "group_chat_list", connector=self.name, where=where)
            ]
            page = str(listed.get("next_cursor") or "")
            if not page:
                break
        members: list[Row] = []
        for done, chat in enumerate(chats, start=1):
            group = need(
                self._call("groupchat/get", {"chat_id": chat, "need_name": 1}),
                "group_chat",
                dict,
                connector=self.name,
                where="groupchat/get",
            )
            for person in items(group, "member_list", connector=self.name, where="groupchat/get"):
                members.append(self._member(person))
            if done % GROUPS_A_STEP == 0 or done == len(chats):
                yield Step(members, [], dict(cursor), done, len(chats), "connector.unit.groups")
                members = []

    def _member(self, person: dict[str, Any]) -> Row:
        where = "groupchat/get"
        userid = need(person, "userid", str, connector=self.name, where=where)
        joined = need(person, "join_time", int, connector=self.name, where=where)
        nickname = person.get("group_nickname") or person.get("name")
        return {
            "member_id": f"{PLATFORM}:{userid}",
            "platform": PLATFORM,
            "handle": person.get("name") if isinstance(person.get("name"), str) and person.get("name") else userid,
            "name": nickname if isinstance(nickname, str) else None,
            "email": None,
            "email_verified": False,
            "joined_at": datetime.fromtimestamp(joined, UTC).replace(tzinfo=None),
            "is_team": need(person, "type", int, connector=self.name, where=where) == 1,
        }

    def _days(self, cursor: dict[str, Any]) -> Iterator[Step]:
        yesterday = clock.today_in(str(ZONE)) - timedelta(days=1)
        earliest = yesterday - timedelta(days=KEPT_DAYS - 1)
        through = cursor.get("days_through")
        start = max(earliest, date.fromisoformat(through) + timedelta(days=1)) if through else earliest
        total = (yesterday - start).days + 1
        where = "groupchat/statistic_group_by_day"
        while start <= yesterday:
            end = min(start + timedelta(days=WINDOW_DAYS - 1), yesterday)
            body = {
                "day_begin_time": _midnight(start),
                "day_end_time": _midnight(end),
                "owner_filter": {"userid_list": list(self.config.owners)},
            }
            rows = []
            for item in items(
                self._call("groupchat/statistic_group_by_day", body), "items", connector=self.name, where=where
            ):
                stamp = need(item, "stat_time", int, connector=self.name, where=where)
                data = need(item, "data", dict, connector=self.name, where=where)
                day = datetime.fromtimestamp(stamp, ZONE).date()
                rows.append(
                    {
                        "day": day.isoformat(),
                        **{name: need(data, name, int, connector=self.name, where=where) for name in FIGURES},
                    }
                )
            cursor["days_through"] = end.isoformat()
            done = total - (yesterday - end).days
            yield Step([], [], dict(cursor), done, total, "connector.unit.days", tables={"wecom_group_days": rows})
            start = end + timedelta(days=1)
