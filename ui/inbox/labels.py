"""The words the inbox's views show for stored codes: statuses, priorities, levels, sentiments,
sources and themes (a suggested theme in the catalog's words, a team's own theme as it is named)."""

from __future__ import annotations

from metrics.feedback import NO_THEME
from ui.i18n import t
from ui.tables import known_words


def status_label(status: str) -> str:
    return t(f"feedback.status.{status}")


def priority_label(priority: str) -> str:
    return t(f"feedback.priority.{priority}")


def level_label(level: str) -> str:
    return t(f"level.{level}")


def sentiment_word(mood: str) -> str:
    return t(f"feedback.sentiment.{mood}")


def source_word(source: str) -> str:
    """A source the product names (survey, import, email …) in the catalog's words; another as it is."""
    return known_words("feedback.source").get(source, source)


def theme_word(theme: str) -> str:
    """A suggested theme in the catalog's words; a team's own theme as it is named; none as none."""
    if theme == NO_THEME:
        return t("feedback.no_theme")
    return known_words("theme").get(theme, theme)
