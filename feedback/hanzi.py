"""Traditional Chinese read as Simplified: the sentiment lexicon and the themes' Chinese keywords
are written in Simplified characters, so 活動直播經常卡頓 must be read as 活动直播经常卡顿 (OpenCC's
t2s conversion, which also leaves Latin text as it is)."""

from __future__ import annotations

from functools import cache

import opencc


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    return str(_converter().convert(text))
