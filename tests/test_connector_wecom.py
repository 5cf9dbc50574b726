"""The WeCom connector against a loopback WeCom answering as its documentation says (errcode bodies,
access tokens that expire, 30-day windows within 180 days): groups' members, daily group figures
archived past WeCom's 180 days, an increment, a busy answer, a refused secret, a malformed member."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

import clock
from data_sources.connectors import state
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.config import WecomConfig
from data_sources.connectors.errors import MalformedAnswer, TokenRefused
from data_sources.connectors.wecom import GROUP_DAYS_KEY, Wecom
from data_sources.warehouse import Warehouse
from metrics.filters import Filters
from metrics.wecom import group_kpis
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors, warehouse_rows
from tests.platform_server import WecomServer, wecom_server

CHINA = timezone(timedelta(hours=8))
MEMBERS = ["member_id", "name", "joined_at", "channel", "is_team"]
FIGURES = {
    "new_chat_cnt": 1,
    "chat_total": 2,
    "chat_has_msg": 2,
    "new_member_cnt": 3,
    "member_total": 40,
    "member_has_msg": 12,
    "msg_total": 97,
    "migrate_trainee_chat_cnt": 0,
}


def china(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=CHINA).timestamp())


def person(userid: str, kind: int, joined: int, name: str, nickname: str = "") -> dict:
    return {
        "userid": userid,
        "type": kind,
        "join_time": joined,
        "join_scene": 1,
        "group_nickname": nickname,
        "name": name,
        "invitor": {"userid": "zhangsan"},
    }


def groups(server: WecomServer) -> None:
    server.group(
        "wrA",
        "zhangsan",
        [
            person("zhangsan", 1, china(2025, 1, 1, 0), "张三"),
            person("wmX", 2, china(2025, 2, 1, 10), "Xiaoming", "小明"),
        ],
    )
    server.group(
        "wrB",
        "zhangsan",
        [
            person("zhangsan", 1, china(2025, 1, 2, 0), "张三"),
            person("wmX", 2, china(2025, 1, 15, 0), "Xiaoming"),
            person("wmY", 2, china(2025, 3, 1, 12), "Lily"),
        ],
    )
    server.group("wrC", "lisi", [person("wmZ", 2, china(2025, 1, 1, 0), "Zed")])  # not an owner we read
    for day in (date(2024, 10, 1), date(2025, 3, 8), date(2025, 3, 9)):
        server.days[day] = dict(FIGURES, msg_total=day.day)


@pytest.fixture
def configured(tmp_path, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 10, 4))  # noon on 10 March in China
    with wecom_server() as server:
        groups(server)
        secrets = (
            f'[pulse.connectors.wecom]\ncorp_id = "{server.corp_id}"\nsecret = "{server.secret}"\n'
            f'owners = ["zhangsan"]\napi_url = "{server.url}"\n'
        )
        settings = connector_settings(tmp_path, secrets)
        store = migrated_store(settings)
        yield server, settings, store
        store.dispose()


def window_days(server: WecomServer) -> list[tuple[date, date]]:
    return [
        (
            datetime.fromtimestamp(body["day_begin_time"], CHINA).date(),
            datetime.fromtimestamp(body["day_end_time"], CHINA).date(),
        )
        for body in server.bodies
        if "day_begin_time" in body
    ]


def test_groups_give_members_and_180_days_of_figures_are_read_in_30_day_windows(configured):
    server, settings, store = configured
    result = sync_connectors(settings, store, waits=[])
    assert result.rows["members"] == 3 and result.rows["activities"] == 0
    assert warehouse_rows(settings, "members", MEMBERS) == [
        ("wecom:wmX", "Xiaoming", datetime(2025, 1, 14, 16), "wecom", False),  # the earliest of the two groups
        ("wecom:wmY", "Lily", datetime(2025, 3, 1, 4), "wecom", False),
        ("wecom:zhangsan", "张三", datetime(2024, 12, 31, 16), "wecom", True),  # staff
    ]
    assert window_days(server) == [  # yesterday (9 March) back 180 days, 30 days a call
        (date(2024, 9, 11), date(2024, 10, 10)),
        (date(2024, 10, 11), date(2024, 11, 9)),
        (date(2024, 11, 10), date(2024, 12, 9)),
        (date(2024, 12, 10), date(2025, 1, 8)),
        (date(2025, 1, 9), date(2025, 2, 7)),
        (date(2025, 2, 8), date(2025, 3, 9)),
    ]
    days = Archive(archive_dir(settings.data_dir, "wecom")).table("wecom_group_days", key=["day"])
    assert list(zip(days["day"], days["msg_total"], days["member_total"], strict=True)) == [
        ("2024-10-01", 1, 40),
        ("2025-03-08", 8, 40),
        ("2025-03-09", 9, 40),
    ]
    assert state.cursor_of(store, "wecom") == {"days_through": "2025-03-09"}
    for path in Archive(archive_dir(settings.data_dir, "wecom")).folder.rglob("*.parquet"):
        assert b"the words of" not in path.read_bytes()


def test_a_later_run_reads_only_the_days_since_and_keeps_days_wecom_has_forgotten(configured, monkeypatch):
    server, settings, store = configured
    sync_connectors(settings, store, waits=[])
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 9, 30, 4))  # 2024-10-01 is past WeCom's 180 days now
    server.today = date(2025, 9, 30)
    del server.days[date(2024, 10, 1)]
    server.days[date(2025, 9, 29)] = dict(FIGURES, msg_total=29)
    server.bodies.clear()
    sync_connectors(settings, store, waits=[])
    assert window_days(server)[0] == (date(2025, 4, 3), date(2025, 5, 2))  # from 180 days back, not 10 March
    days = Archive(archive_dir(settings.data_dir, "wecom")).table("wecom_group_days", key=["day"])
    assert list(days["day"]) == ["2024-10-01", "2025-03-08", "2025-03-09", "2025-09-29"]

    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 10, 2, 4))
    server.today = date(2025, 10, 2)
    server.bodies.clear()
    sync_connectors(settings, store, waits=[])
    assert window_days(server) == [(date(2025, 9, 30), date(2025, 10, 1))]


def test_an_expired_access_token_is_fetched_again_once(configured):
    server, _, _ = configured
    wecom = Wecom(WecomConfig(corp_id=server.corp_id, secret=server.secret, owners=("zhangsan",), api_url=server.url))
    assert wecom._call("groupchat/get", {"chat_id": "wrC", "need_name": 1})["group_chat"]["owner"] == "lisi"
    server.expire()
    assert wecom._call("groupchat/get", {"chat_id": "wrC", "need_name": 1})["group_chat"]["owner"] == "lisi"
    assert server.issued == 2


def test_busy_answers_are_waited_out(configured):
    server, settings, store = configured
    server.fail_next(
        "/cgi-bin/externalcontact/groupchat/list", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
    )
    server.fail_next("/cgi-bin/externalcontact/groupchat/get", 200, {"errcode": -1, "errmsg": "system busy"})
    waits: list[float] = []
    result = sync_connectors(settings, store, waits=waits)
    assert waits == [1.0, 1.0]
    assert result.rows["members"] == 3


def test_a_refused_secret_is_named_and_kept_out_of_the_message(configured, tmp_path):
    server, settings, store = configured
    server.secret = "the-secret-after-a-reset"
    with pytest.raises(TokenRefused) as refused:
        sync_connectors(settings, store, waits=[])
    assert refused.value.user_message == (
        "WeCom refused the app (errcode 40001: invalid credential, hint: [1741000000_2_b]): check corp_id and "
        "secret in [pulse.connectors.wecom] of secrets.toml, the app's customer-contact permission and its "
        "trusted IP addresses."
    )
    assert "wecom-app-secret" not in refused.value.user_message


def test_a_member_without_a_join_time_is_named_and_nothing_is_kept(configured):
    server, settings, store = configured
    del server.groups["wrB"]["member_list"][2]["join_time"]
    with pytest.raises(
        MalformedAnswer, match="groupchat/get gave is not in the documented shape: join_time should be number"
    ):
        sync_connectors(settings, store, waits=[])
    assert Archive(archive_dir(settings.data_dir, "wecom")).members().empty


def test_the_daily_figures_reach_the_warehouse_and_the_engagement_tiles(configured, monkeypatch):
    """Three days kept (1 Oct, 8 and 9 March: msg_total = the day's number, 12 members who spoke
    and 3 new members each): for 3-9 March, messages 8 + 9 = 17, members who spoke a day
    (12 + 12) / 2 = 12.0, new members 3 + 3 = 6; the week before has no day WeCom counted."""
    server, settings, store = configured
    sync_connectors(settings, store, waits=[])
    assert warehouse_rows(settings, "wecom_group_days", ["day", "msg_total", "member_has_msg"]) == [
        (datetime(2024, 10, 1), 1, 12),  # a DATE column, read back by pandas as a midnight
        (datetime(2025, 3, 8), 8, 12),
        (datetime(2025, 3, 9), 9, 12),
    ]
    warehouse = Warehouse(settings.warehouse_url)
    assert warehouse.rollup_state()[GROUP_DAYS_KEY] == "3"
    kpis, days = group_kpis(warehouse=warehouse, filters=Filters(start=date(2025, 3, 3), end=date(2025, 3, 10)))
    assert {key: (kpi.current, kpi.previous) for key, kpi in kpis.items()} == {
        "wecom_messages": (17, None),
        "wecom_speakers": (12.0, None),
        "wecom_new_members": (6, None),
    }
    assert days["day"].tolist() == [date(2025, 3, 8), date(2025, 3, 9)]
    server.days[date(2025, 3, 10)] = dict(FIGURES, msg_total=30)  # a day later: appended, then read
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 11, 4))
    server.today = date(2025, 3, 11)
    sync_connectors(settings, store, waits=[])
    later = Warehouse(settings.warehouse_url)
    assert later.rollup_state()[GROUP_DAYS_KEY] == "4"
    kpis, _ = group_kpis(warehouse=later, filters=Filters(start=date(2025, 3, 4), end=date(2025, 3, 11)))
    assert kpis["wecom_messages"].current == 47
    warehouse.dispose()
    later.dispose()
