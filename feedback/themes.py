"""Themes suggested from a feedback text by keywords (feedback/themes.yaml), computed on arrival.

Keywords rather than clustering: a suggestion a manager can read and predict, that works on one
item as it arrives, in English and Chinese, and that a manager can teach by editing a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

THEMES_FILE = Path(__file__).resolve().parent / "themes.yaml"


@dataclass(frozen=True)
class Theme:
    name: str
    english: re.Pattern[str] | None
    chinese: tuple[str, ...]

    def hits(self, text: str) -> int:
        found = set(self.english.findall(text.lower())) if self.english else set()
        return len(found) + sum(word in text for word in self.chinese)


def suggest_theme(text: str, themes: tuple[Theme, ...] | None = None) -> str | None:
    """The theme with the most keywords in the text (the first listed on a tie); None if none match."""
    best, best_hits = None, 0
    for theme in themes if themes is not None else load_themes():
        hits = theme.hits(text)
        if hits > best_hits:
            best, best_hits = theme.name, hits
    return best


@cache
def load_themes(path: Path = THEMES_FILE) -> tuple[Theme, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(_theme(name, words or {}) for name, words in raw.items())


def _theme(name: str, words: dict[str, list[str]]) -> Theme:
    english = [re.escape(str(word).lower()) for word in words.get("en", [])]
    pattern = re.compile(rf"\b({'|'.join(english)})(?:s|es|ing|ed)?\b") if english else None
    return Theme(name=str(name), english=pattern, chinese=tuple(str(word) for word in words.get("zh", [])))
