"""One thing, one word: where the product names a thing in Chinese, every string says it the same
way, so a manager does not wonder whether 会议报告 and 例会报告, or 建议主题 and 主题（待确认）, are
two things. Each entry gives the word, the keys that must say it, and the words it replaced."""

from __future__ import annotations

import pytest

from catalog import CATALOGS

GLOSSARY = {  # what: (zh-CN word, zh-TW word, keys that name it, words no string may use for it)
    "the meeting report": (
        "例会报告",
        "例會報告",
        ("report.title", "digests.intro", "digests.attachment.pdf"),
        ("会议报告", "會議報告"),
    ),
    "a channel a message is sent through": (
        "推送通道",
        "推送通道",
        ("data.channels", "data.column.channel", "digests.no_channels"),
        ("发送渠道", "發送渠道", "傳送管道", "發送管道", "推送渠道"),
    ),
    "a theme suggested from an item's words, not yet accepted": (
        "待确认",
        "待確認",
        (
            "feedback.suggested",
            "feedback.column.suggested",
            "feedback.no_suggestions",
            "feedback.themes_help",
            "feedback.theme_name",
            "feedback.theme_name_help",
        ),
        ("建议主题", "建議主題", "（建议）", "（建議）", "沿用建议", "沿用建議", "建议的“", "建議的「"),
    ),
}


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW"])
@pytest.mark.parametrize("what", list(GLOSSARY))
def test_a_thing_has_one_word_in_every_chinese_string(language, what):
    simplified, traditional, keys, replaced = GLOSSARY[what]
    word = simplified if language == "zh-CN" else traditional
    catalog = CATALOGS[language]
    assert [key for key in keys if word not in catalog[key]] == []
    assert {key: value for key, value in catalog.items() if any(old in value for old in replaced)} == {}
