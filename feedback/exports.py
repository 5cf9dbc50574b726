"""The exports of the tools teams collect feedback with, recognised by their headers.

A preset says which column holds the submission time, which the respondent, where the item came
from, which columns are the tool's own (ids, durations, IP addresses: never feedback text), and which
cell values are the tool's placeholders for "no answer" rather than someone's words. Everything else
a person wrote in free text becomes feedback (feedback/importer.py picks those columns by their
cells, or takes the ones given). Headers are compared without case or surrounding spaces.

- Google Forms: Timestamp (时间戳记, Marca temporal), Email Address.
- 问卷星 (Wenjuanxing), 按文本 or 按序号, CSV or .xlsx: 序号, 提交答卷时间, 所用时间, 来源, 来源详情,
  来自IP, then "1、question"; "(空)" and "(跳过)" (按序号: -2 and -3) are placeholders; choices are
  joined by ┋ and an "other" answer's words sit in 〖〗.
- 腾讯问卷 (Tencent Wenjuan): 编号, 开始答题时间, 结束答题时间, 答题时长; "(空)" and "(跳过)".
- Typeform: #, Start Date (UTC), Submit Date (UTC), Network ID; often a second header row (the options
  of a multiple-choice question under its merged title).
- SurveyGizmo / Alchemer: Response ID, Time Started, Date Submitted, Status (Complete, Partial), …
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBERED = re.compile(r"^\s*(?:Q?\d+[、.:：)]|\(\d+\))\s*", re.IGNORECASE)  # "1、", "Q3.", "(2)"
OTHER_WORDS = re.compile(r"〖([^〗]*)〗")  # 问卷星: 其他〖the words〗


@dataclass(frozen=True)
class Preset:
    name: str  # a key of the catalog's feedback.preset.*
    signature: tuple[frozenset[str], ...]  # each set: one of its headers must be there
    date: tuple[str, ...]
    member: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    meta: frozenset[str] = frozenset()  # the tool's columns: never feedback
    placeholders: frozenset[str] = frozenset()
    timezone: str | None = None  # the tool writes times in this zone (else the community's)
    other_words: bool = False  # 〖〗 in a choice column holds an "other" answer's words


# 问卷星 按序号 writes skipped and not-shown answers as -3 and -2 where 按文本 writes (跳过) and (空).
WJX_BY_NUMBER = frozenset({"-3", "-2"})


def _any(*headers: str) -> frozenset[str]:
    return frozenset(headers)


PRESETS = (
    Preset(
        "wjx",
        (_any("提交答卷时间"), _any("序号", "所用时间")),
        date=("提交答卷时间",),
        source=("来源",),
        meta=frozenset({"序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自ip", "总分", "ip", "答题序号"}),
        placeholders=frozenset({"(空)", "（空）", "(跳过)", "（跳过）", *WJX_BY_NUMBER}),
        other_words=True,
    ),
    Preset(
        "tencent",
        (_any("结束答题时间"), _any("开始答题时间", "答题时长")),
        date=("结束答题时间",),
        meta=frozenset(
            {"编号", "开始答题时间", "结束答题时间", "答题时长", "ip", "ip省份", "ip城市", "来源", "自定义字段"}
        ),
        placeholders=frozenset({"(空)", "（空）", "(跳过)", "（跳过）"}),
    ),
    Preset(
        "typeform",
        (_any("submit date (utc)"), _any("#", "network id", "start date (utc)")),
        date=("submit date (utc)",),
        member=("email", "hidden: email"),
        meta=frozenset({"#", "start date (utc)", "submit date (utc)", "stage date (utc)", "network id", "tags"}),
        timezone="UTC",
    ),
    Preset(
        "surveygizmo",
        (_any("date submitted"), _any("response id"), _any("status")),
        date=("date submitted",),
        member=("email", "email address"),
        meta=frozenset(
            {
                *("response id", "time started", "date submitted", "status", "contact id", "legacy comments"),
                *("language", "referer", "sessionid", "user agent", "tags", "ip address", "longitude"),
                *("latitude", "country", "city", "state/region", "postal", "comments"),
            }
        ),
    ),
    Preset(
        "google_forms",
        (_any("timestamp", "时间戳记", "時間戳記", "marca temporal", "marca de tiempo"),),
        date=("timestamp", "时间戳记", "時間戳記", "marca temporal", "marca de tiempo"),
        member=("email address", "email", "电子邮件地址", "電子郵件地址", "dirección de correo electrónico"),
        meta=frozenset({"timestamp", "时间戳记", "時間戳記", "marca temporal", "marca de tiempo"}),
    ),
)


def folded(header: str) -> str:
    return re.sub(r"\s+", " ", header).strip().casefold()


def detect(headers: list[str]) -> Preset | None:
    """The tool whose export has these headers, if one does."""
    present = {folded(header) for header in headers}
    return next((preset for preset in PRESETS if all(group & present for group in preset.signature)), None)


def question_of(header: str) -> str:
    """A question's header as an item's tag: "3、你希望我们改进什么？" → "你希望我们改进什么？"."""
    return NUMBERED.sub("", header).strip()[:100] or header.strip()[:100]


def other_words(cell: str) -> list[str]:
    """The words of 问卷星's "other" answers in a choice cell: 其他〖more docs〗┋Forum → ["more docs"]."""
    return [words.strip() for words in OTHER_WORDS.findall(cell) if words.strip()]
