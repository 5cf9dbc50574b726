"""Sentiment of a feedback text, offline: VADER for English, SnowNLP for Chinese.

Both packages ship their lexicon or model inside the wheel/sdist, so nothing is downloaded at run
time. Scores are on one scale, -1 (negative) to 1 (positive): VADER's compound score as is, and
SnowNLP's probability of "positive" p as 2p - 1. One band around zero is neutral for both.

Measured on the labelled sentences in tests/test_feedback_sentiment.py (see docs/feedback.md).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

Language = Literal["en", "zh"]
Label = Literal["negative", "neutral", "positive"]

NEUTRAL_BAND = 0.1  # |score| below this is neutral
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")

# Words community feedback uses for trouble that VADER's social-media lexicon does not score
# (valence on VADER's -4..4 scale). Keep it short: each entry is a judgement, not a fit to a test.
COMMUNITY_TERMS = {
    "slow": -1.3,
    "crash": -2.0,
    "crashes": -2.0,
    "crashing": -2.0,
    "crashed": -2.0,
    "buggy": -1.8,
    "laggy": -1.5,
    "spam": -1.8,
    "spammy": -1.8,
    "promotional": -1.0,
    "unanswered": -1.5,
    "outdated": -1.2,
    "nobody": -1.0,
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[A-Za-z]")


def language_of(text: str) -> Language:
    """Chinese when Han characters are at least a fifth of the letters; English otherwise (other
    languages are scored by the English lexicon, which mostly leaves them neutral)."""
    han = len(_HAN.findall(text))
    letters = han + len(_LETTER.findall(text))
    return "zh" if letters and han / letters >= 0.2 else "en"


def sentiment_of(text: str, language: Language) -> float:
    """A score from -1 to 1; 0.0 for text with nothing to score."""
    if not text.strip():
        return 0.0
    if language == "zh":
        from snownlp import SnowNLP  # loads its model (about 2 s) on first use

        return round(2 * SnowNLP(text).sentiments - 1, 4)
    return round(_vader().polarity_scores(text)["compound"], 4)


def label_of(score: float | None) -> Label | None:
    if score is None:
        return None
    if score <= -NEUTRAL_BAND:
        return "negative"
    if score >= NEUTRAL_BAND:
        return "positive"
    return "neutral"


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(COMMUNITY_TERMS)
    return analyzer
