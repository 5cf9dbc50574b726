"""Themes suggested from a feedback text by keywords (feedback/themes.yaml), computed on arrival.

Keywords rather than clustering: a suggestion a manager can read and predict, that works on one
item as it arrives, in English and Chinese, and that a manager can teach by editing a file. A theme
may carry a weight, so that the specific problem (lag, spam) beats the setting it was met in (a live
stream, the forum).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from feedback.hanzi import simplified

THEMES_FILE = Path(__file__).resolve().parent / "themes.yaml"


@dataclass(frozen=True)
class Theme:
    name: str
    english: re.Pattern[str] | None
    chinese: tuple[str, ...]
    weight: float = 1.0
    exceptions: tuple[str, ...] = ()  # phrases that do not count for this theme ("slow answers")

    def hits(self, text: str) -> int:
        """How many different keywords of the theme the text has, outside its exceptions."""
        lowered = text.lower()
        for phrase in self.exceptions:
            lowered = lowered.replace(phrase, " ")
        found = {match.group(1) for match in self.english.finditer(lowered)} if self.english else set()
        return len(found) + sum(word in lowered for word in self.chinese)


def suggest_theme(text: str, themes: tuple[Theme, ...] | None = None) -> str | None:
    """The theme whose keywords, times its weight, score highest (on a tie the heavier theme, then the
    first listed); None if none match."""
    text = simplified(text)  # the Chinese keywords are Simplified: 直播卡頓 is 直播卡顿
    best, best_key = None, (0.0, 0.0)
    for theme in themes if themes is not None else load_themes():
        hits = theme.hits(text)
        key = (hits * theme.weight, theme.weight)
        if hits and key > best_key:
            best, best_key = theme.name, key
    return best


@cache
def load_themes(path: Path = THEMES_FILE) -> tuple[Theme, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(_theme(name, words or {}) for name, words in raw.items())


def _theme(name: str, words: dict) -> Theme:
    english = [re.escape(str(word).lower()) for word in words.get("en", [])]
    english.sort(key=len, reverse=True)  # "blog post" before "blog", so the longer phrase is one keyword
    pattern = re.compile(rf"\b({'|'.join(english)})(?:s|es|ing|ed)?\b") if english else None
    chinese = tuple(str(word).lower() for word in words.get("zh", []))
    exceptions = tuple(str(phrase).lower() for phrase in words.get("except", []))
    weight = float(words.get("weight", 1))
    return Theme(name=str(name), english=pattern, chinese=chinese, weight=weight, exceptions=exceptions)
