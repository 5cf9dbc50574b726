"""The Chinese-first demo (`cli.py demo --locale zh-CN|zh-TW`): Chinese names, platforms, regions and
campaigns, days lived in Beijing or Taipei time, answers mostly in Chinese; and the command that
makes it, which says which time zone belongs with it."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

import duckdb
import pytest

import cli
from data_sources import demo
from surveys import demo as survey_demo

TODAY = date(2026, 3, 2)
KINDS = {"post", "comment", "reaction", "message", "login", "event_attend"}  # codes, the same in every flavour
ENGLISH_NAME = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+")  # Kevin Zhang, Iris Hsieh
CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")  # 陈静, 欧阳子涵
EXPECTED = {  # locale: (platforms, channels, regions, the flagship event, first webinar's survey title)
    "zh-CN": (
        {"微信群", "QQ群", "论坛", "知乎", "B站", "小红书", "Discord", "线下", "腾讯会议"},
        {"搜索引擎", "朋友推荐", "社交媒体", "线下活动", "公众号", "合作伙伴"},
        {"华东", "华南", "华北", "华中", "西南", "东北", "西北", "港澳台", "海外"},
        "社区日",
        "线上分享会：新手入门（第1期）怎么样？",
    ),
    "zh-TW": (
        {"LINE 社群", "Facebook 社團", "論壇", "PTT", "Dcard", "YouTube", "Discord", "實體", "Google Meet"},
        {"搜尋引擎", "朋友推薦", "社群媒體", "實體活動", "電子報", "合作夥伴"},
        {"北部", "中部", "南部", "東部", "香港", "澳門", "海外"},
        "社群日",
        "線上分享會：新手入門（第1期）辦得如何？",
    ),
}


@functools.cache
def community(locale: str) -> dict:
    return demo.generate_community(today=TODAY, members=500, activities=20_000, locale=locale)


@pytest.mark.parametrize("locale", ["zh-CN", "zh-TW"])
def test_a_chinese_first_community_speaks_chinese_in_its_data(locale):
    platforms, channels, regions, flagship, _ = EXPECTED[locale]
    frames = community(locale)
    members, activities, campaigns = frames["members"], frames["activities"], frames["campaigns"]
    assert set(activities["platform"]) == platforms
    assert set(members["channel"]) == channels and set(members["region"]) == regions
    assert set(activities["kind"]) == KINDS
    assert set(campaigns["kind"]) == {"event", "webinar", "challenge", "promotion", "newsletter"}
    names = members["name"].tolist()
    english = [name for name in names if ENGLISH_NAME.fullmatch(name)]
    assert [name for name in names if not (ENGLISH_NAME.fullmatch(name) or CHINESE_NAME.fullmatch(name))] == []
    assert 0.05 < len(english) / len(names) < 0.3  # 14% / 18% go by an English name; most by a Chinese one
    assert all(email.isascii() for email in members["email"])
    assert campaigns["name"].tolist().count(flagship) == 1
    assert all(re.fullmatch(r".+（第[1-5]期）", name) for name in campaigns["name"] if name != flagship)


@pytest.mark.parametrize("locale", ["zh-CN", "zh-TW"])
def test_its_days_are_beijing_or_taipei_days_stored_in_utc(locale):
    frames = community(locale)
    end = demo.data_end(TODAY, locale=locale)
    assert end == datetime(2026, 3, 1, 16)  # 2 March 00:00 at UTC+8
    # Campaigns start at 19:30 local, 11:30 UTC.
    assert set(frames["campaigns"]["starts_at"].dt.strftime("%H:%M")) == {"11:30"}
    occurred = frames["activities"]["occurred_at"]
    assert occurred.max() < end
    # 1 March 08:00-24:00 in Beijing is 1 March 00:00-16:00 UTC: a UTC demo would end before it.
    assert occurred.max() >= datetime(2026, 3, 1)
    assert frames["campaign_members"]["at"].max() < end and frames["members"]["joined_at"].max() < end


def test_the_english_demo_keeps_its_words_and_utc_days():
    frames = demo.generate_community(today=TODAY, members=500, activities=20_000)
    assert set(frames["activities"]["platform"]) == {"discord", "forum", "github", "wechat", "zoom", "in person"}
    assert set(frames["members"]["region"]) == set(demo.REGIONS)
    assert set(frames["campaigns"]["starts_at"].dt.strftime("%H:%M")) == {"16:00"}
    assert frames["activities"]["occurred_at"].max() < datetime(2026, 3, 2)


@pytest.mark.parametrize("locale", ["zh-CN", "zh-TW"])
def test_members_answer_the_surveys_mostly_in_chinese(locale):
    *_, webinar_title = EXPECTED[locale]
    surveys = survey_demo.generate_surveys(community(locale), today=TODAY, locale=locale)
    written = "zh-TW" if locale == "zh-TW" else "zh"  # the survey language, as the member's page records it
    locales = surveys.responses["locale"].value_counts(normalize=True)
    assert set(locales.index) == {written, "en"} and locales[written] > 0.75  # 85% of texts are Chinese
    chinese = {text for mood in survey_demo.FEEDBACK_TEXTS.values() for text, _ in mood[written]}
    english = {text for mood in survey_demo.FEEDBACK_TEXTS.values() for text, _ in mood["en"]}
    assert chinese <= set(surveys.feedback["text"]) <= chinese | english  # none in the other script
    assert surveys.definitions["post-c002"].title[written] == webinar_title  # no space between characters
    assert surveys.responses["submitted_at"].max() < demo.data_end(TODAY, locale=locale)


@pytest.fixture
def small_demo(monkeypatch, tmp_path):
    """`cli.py demo` writing a small community into a fresh data directory."""
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    small = functools.partial(demo.generate_community, members=300, activities=8_000)
    monkeypatch.setattr(cli.demo, "generate_community", small)
    return tmp_path


def test_cli_demo_zh_cn_fills_the_warehouse_and_names_the_time_zone(small_demo, capsys, monkeypatch):
    assert cli.main(["demo", "--locale", "zh-CN", "--today", "2026-03-02"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert (
        printed[0]
        == "Demo data ready: 300 members, 7,789 activities, 30 campaigns, 1,232 campaign_members; 631 survey responses."
    )
    # In the demo's language: the zone the community lives in, and the one configured.
    assert printed[1].startswith("演示社群位于 Asia/Shanghai，但当前时区是 UTC")
    assert "PULSE_TIMEZONE=Asia/Shanghai" in printed[1]
    with duckdb.connect(str(small_demo / "warehouse.duckdb"), read_only=True) as connection:
        platforms = {row[0] for row in connection.execute("select distinct platform from activities").fetchall()}
    assert platforms == EXPECTED["zh-CN"][0]
    monkeypatch.setenv("PULSE_TIMEZONE", "Asia/Shanghai")
    assert cli.main(["demo", "--locale", "zh-CN", "--today", "2026-03-02"]) == 0
    assert "PULSE_TIMEZONE" not in capsys.readouterr().out  # already set: nothing to say


def test_cli_demo_refuses_a_locale_it_has_no_community_for(small_demo, capsys):
    with pytest.raises(SystemExit) as refused:
        cli.main(["demo", "--locale", "fr"])
    assert refused.value.code == 2
    assert "invalid choice: 'fr' (choose from 'en', 'zh-CN', 'zh-TW')" in capsys.readouterr().err
