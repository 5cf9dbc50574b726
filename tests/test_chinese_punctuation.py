"""Chinese reads with full-width punctuation: （必答）, 成员：5,000, 论坛、聊天群, not (必答), 成员: 5,000 or
论坛, 聊天群. The catalogs' Chinese values hold no half-width bracket, colon or comma next to a Chinese
character or a placeholder, and the strings the code composes around catalog words (a required
question's label, row counts, a share link's view, a cohort's size, lists) take their punctuation
from the catalog too."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from catalog import CATALOGS, en
from catalog.spoken import listed, speaking
from errors import Listed, Said
from surveys.definition import parse_definition
from ui.data_views import row_counts
from ui.sharing import describe_view
from ui.survey_form import _label
from visuals import charts

CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"  # Chinese characters and full-width punctuation
SLOT = r"\{[^{}]*\}"  # a placeholder, its format code included ({count:,}): filled with words or figures
HALF_WIDTH = r"[(),:]"
NEAR = re.compile(rf"(?:{CJK}|{SLOT}) ?{HALF_WIDTH}|{HALF_WIDTH} ?(?:{CJK}|{SLOT})")
CODE = re.compile(r"`[^`]*`")  # typed as written in every language: secrets.toml keys, commands, addresses
ALLOWED: dict[str, str] = {  # key → why its half-width punctuation stays
    "feedback.import.skipped": "(空) and (跳过) are quoted as 问卷星's exports write them",
}


def half_width_in(text: str) -> list[str]:
    """Each half-width bracket, colon or comma next to a Chinese character or a placeholder, with its
    surroundings; figures (2,000; 14:03) and code spans are not Chinese text."""
    prose = CODE.sub("``", text)
    return [prose[max(0, found.start() - 8) : found.end() + 8] for found in NEAR.finditer(prose)]


def test_the_check_sees_half_width_punctuation_in_chinese():
    assert len(half_width_in("问卷 (必答)")) == 2  # both brackets
    assert half_width_in("成员: {count}") and half_width_in("{name} ({id})") and half_width_in("论坛, 聊天群")
    assert half_width_in("问卷（必答）") == [] and half_width_in("仅列出前 2,000 条：14:03") == []
    assert half_width_in('请在 `[pulse]` 下设置 `public_url = "https://a.b:8501"`') == []
    assert half_width_in("{count:,} 天前") == []  # a format code is no punctuation


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW"])
def test_chinese_catalog_values_use_full_width_brackets_colons_and_commas(language):
    found = {
        key: near for key, value in CATALOGS[language].items() if key not in ALLOWED and (near := half_width_in(value))
    }
    assert found == {}
    assert set(ALLOWED) <= set(en.MESSAGES)


TRAILING_OFF = re.compile(r"(?:[\u3400-\u9fff]|\})…(?!…)")  # one "…" after Chinese words or a placeholder


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW"])
def test_chinese_trails_off_with_a_double_ellipsis(language):
    """Chinese prose trails off with "……", not the English "…" ("正在同步…", "已保存的视图…"); an
    elided part of an address ("（…/survey?s=名称）") is no prose."""
    assert [key for key, value in CATALOGS[language].items() if TRAILING_OFF.search(value)] == []
    assert TRAILING_OFF.search("正在同步…") and TRAILING_OFF.search("正在测试{connector}…")
    assert not TRAILING_OFF.search("正在同步……") and not TRAILING_OFF.search("（…/survey?s=名称）")


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW"])
def test_chinese_addresses_a_member_one_way_from_invitation_to_thanks(language):
    """The invitation and the unsubscribe page said 您, the survey they open (its messages and the
    shipped templates' questions) 你: one way of address, the community's friendly 你."""
    assert [key for key, value in CATALOGS[language].items() if "您" in value] == []


CHANNELS = {
    "slug": "s",
    "title": "S",
    "languages": ["en", "zh"],
    "questions": [{"id": "q", "type": "nps", "required": True, "text": {"en": "Recommend us?", "zh": "推荐吗？"}}],
}


@pytest.mark.parametrize(
    ("language", "required", "counts", "view", "joined"),
    [
        ("en", "Recommend us? (required)", "Members: 5,000 · Activities: 12", "Last 7 days · Channel: wechat", "a, b"),
        ("zh-CN", "推荐吗？（必答）", "成员：5,000 · 行为：12", "最近 7 天 · 渠道：wechat", "a、b"),
        ("zh-TW", "推荐吗？（必答）", "成員：5,000 · 行為：12", "最近 7 天 · 管道：wechat", "a、b"),
    ],
)
def test_composed_strings_take_their_punctuation_from_the_catalog(language, required, counts, view, joined):
    question = parse_definition(CHANNELS, where="s.yaml").questions[0]
    assert _label(question, language) == required
    with speaking(language):
        assert row_counts({"members": 5000, "activities": 12}) == counts
        assert describe_view({"period": "last_7_days", "channel": "wechat"}) == view
        assert listed(["a", "b"]) == joined
    said = Said("feedback.refused.status", item=3, statuses=Listed(["new", "done"]))
    assert ("new、done" in said.text(language)) is language.startswith("zh")


@pytest.mark.parametrize(("language", "cohort"), [("en", "Dec 2025 (10)"), ("zh-CN", "2025年12月（10）")])
def test_a_cohorts_size_is_in_full_width_brackets_in_chinese(language, cohort):
    grid = pd.DataFrame({"cohort": [date(2025, 12, 1)] * 2, "months_since": [0, 1], "size": [10, 10]})
    with speaking(language):
        spec = charts.cohort_heatmap(grid.assign(active=[10, 5], share=[1.0, 0.5], so_far=[False, True])).to_dict()
    assert {row["cohort"] for rows in spec["datasets"].values() for row in rows} == {cohort}
