"""Dates, numbers and percentages a person reads on the pages go through catalog/locale.py: the
share links' days, the inbox's figures and facts, the survey scores, the data page's row counts and
the Members page's level moves, in 简体中文.

Chinese writes numbers with the symbols Python uses (1,234 · 42%), so where a figure is a number the
tests give the language symbols of their own (`marked`): a figure that skips catalog/locale.py keeps
Python's and fails."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from auth import pages as app_pages
from catalog import locale
from catalog.spoken import speaking
from metrics.feedback import FeedbackSummary, NegativeShare
from metrics.survey_results import Scores
from reports import display
from ui import data_views, sharing
from ui.i18n import t
from ui.inbox import detail

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MARKED = {"group": "’", "decimal": "·", "percentSign": "٪", "minusSign": "−", "plusSign": "⁺"}


@pytest.fixture
def marked(monkeypatch) -> None:
    """Every language writes numbers with MARKED's symbols."""
    monkeypatch.setattr(locale, "_symbols", lambda language: MARKED)


def test_a_share_links_fixed_days_read_as_the_language_writes_a_day():
    view = {"period": "custom", "start": "2026-11-02", "end": "2026-11-09"}  # the end is exclusive
    with speaking("zh-CN"):
        assert "2026年11月2日" in sharing.describe_view(view) and "2026年11月8日" in sharing.describe_view(view)
        assert "2026-11" not in sharing.describe_view(view)
    with speaking("en"):
        assert "2 Nov 2026" in sharing.describe_view(view) and "8 Nov 2026" in sharing.describe_view(view)
    with speaking("zh-CN"):
        assert "?" in sharing.describe_view({"period": "custom", "start": "not a day"})
        listed = sharing.links_view(
            pd.DataFrame(
                {
                    "id": [1, 2],
                    "page": ["members", "members"],
                    "query": [view, {}],
                    "state": ["active", "active"],
                    "reveal_names": [False, False],
                    "reveal_text": [False, False],
                    "created_by": ["ana", "ana"],
                    "created_at": [pd.Timestamp("2026-11-01")] * 2,
                    "expires_at": [pd.Timestamp("2026-12-01")] * 2,
                    "last_used_at": [pd.Timestamp("2026-11-03 14:05"), pd.NaT],
                }
            )
        )
    assert listed["last_used"].tolist() == ["2026年11月3日 14:05", "从未"]


def test_the_inbox_facts_and_the_data_pages_counts_write_numbers_through_the_locale(marked):
    item = pd.Series(
        {
            "created_at": pd.Timestamp("2026-11-02 09:30"),
            "source": "survey",
            "score": 8.5,
            "score_kind": "csat",
            "sentiment": -0.74,
            "language": "zh",
            "first_response_at": None,
        }
    )
    with speaking("zh-CN"):
        facts = detail.item_facts(item)
        assert "评分 8·5（CSAT）" in facts and "强烈负面情感" in facts  # a score in words, not "−0·74"
        assert data_views.row_counts({"members": 12345}) == "成员：12’345"


def tiles(script, *args) -> AppTest:
    at = AppTest.from_function(script, args=args, default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def _score_tiles(summary):  # run as a script of its own: no annotations from this module
    from catalog.spoken import speaking
    from ui.survey_views import score_tiles

    with speaking("zh-CN"):
        score_tiles(summary)


def _inbox_figures(summary, share):
    from catalog.spoken import speaking
    from ui.inbox.figures import risk_warning, summary_tiles

    with speaking("zh-CN"):
        summary_tiles(summary)
        risk_warning(share)


def test_the_survey_tiles_name_their_scores_in_chinese_and_write_them_through_the_locale(marked):
    at = tiles(_score_tiles, Scores(1234, -12.4, 8.6, 50, 0.815, 40, 5.25, 30))
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown == {"答卷数": "1’234", "净推荐值（NPS）": "−12 ± 9", "满意度（CSAT）": "82٪", "费力度（CES）": "5·25"}


def test_an_nps_reads_alike_on_the_overview_the_report_and_the_survey_tiles_a_zero_without_a_sign(marked):
    """NPS is signed where a KPI tile shows it (+25); its caption, the report and the survey's tile
    write it the same way, so an NPS of -0.4 reads 0 everywhere, not "-0" or "+0"."""
    assert display.nps_cell({"nps": -0.4, "nps_margin": 12.2}) == "0 ± 12"
    assert display.nps_cell({"nps": 24.6, "nps_margin": 9.0}) == "⁺25 ± 9"
    at = tiles(_score_tiles, Scores(40, 24.6, 8.6, 40, 0.815, 40, None, 0))
    assert {metric.label: metric.value for metric in at.metric}["净推荐值（NPS）"] == "⁺25 ± 9"
    at = tiles(_score_tiles, Scores(40, -0.4, 8.6, 40, 0.815, 40, None, 0))
    assert {metric.label: metric.value for metric in at.metric}["净推荐值（NPS）"] == "0 ± 9"


def test_the_inbox_tiles_and_its_warning_write_numbers_through_the_locale(marked):
    summary = FeedbackSummary(1234, 56, 7, 2.5, 12.0, 3, 1500, 0.42, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    at = tiles(_inbox_figures, summary, NegativeShare(30, 60, 40, 400))
    values = [metric.value for metric in at.metric]
    assert values[:3] == ["1’234", "56", "7"] and values[5] == "42٪"
    assert "2·5" in values[3] and "12" in values[4] and "12·0" not in values[4]
    assert "50٪" in at.warning[0].value and "10٪" in at.warning[0].value


def test_the_members_pages_level_moves_write_numbers_through_the_locale(demo_data_dir, pulse_env, monkeypatch):
    written = locale.number  # the moves are small: no symbol would show, so each number is marked
    monkeypatch.setattr(locale, "number", lambda value, language=None, **how: f"«{written(value, language, **how)}»")
    pulse_env(demo_data_dir)
    monkeypatch.setenv("PULSE_LANGUAGE", "zh-CN")  # the community's language
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
        at.switch_page(app_pages.page("members").file).run()
    assert not at.exception, at.exception
    # the KPI row above has a 新成员 tile too (the same figure), besides the level moves' three
    moves = [(metric.label, metric.value) for metric in at.metric if metric.label in ("等级上升", "等级下降", "新成员")]
    assert sorted(label for label, _ in moves) == ["新成员", "新成员", "等级上升", "等级下降"], moves
    assert all(value.startswith("«") and value.endswith("»") for _, value in moves), moves


@pytest.mark.parametrize(
    ("score", "words"),
    [
        (-0.74, "strongly negative"),
        (-0.5, "strongly negative"),
        (-0.49, "negative"),
        (-0.1, "negative"),
        (-0.09, "neutral"),
        (0.0, "neutral"),
        (0.3, "positive"),
        (0.5, "strongly positive"),
        (1.0, "strongly positive"),
    ],
)
def test_an_items_sentiment_reads_as_words(score, words):
    """The item's caption says how strong its sentiment is in words (feedback.sentiment's -1 to 1
    scale: neutral within 0.1 of zero, strongly from 0.5), never the model's raw score."""
    assert t(f"feedback.mood.{detail.mood_words(score)}").lower() == f"{words} sentiment"
