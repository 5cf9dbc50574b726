"""How a change against the previous period is shown: coloured only when it is clear (margins of
error, samples and unfinished periods worked out by hand)."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.filters import Filters
from metrics.kpi import Change, Kpi
from visuals.formats import describe_change

TODAY = date(2026, 11, 30)
DONE = Filters(start=date(2026, 9, 1), end=date(2026, 10, 1))  # over, and newcomers' 30 days too


@pytest.mark.parametrize(
    ("kpi", "verdict", "margin"),
    [
        (Kpi(120, 100), Change.CLEAR, None),  # an exact count that moved
        (Kpi(100, 100), Change.NONE, None),
        (Kpi(None, 100), Change.NONE, None),
        # NPS 20 ± 30 against 10 ± 40: the difference's margin is √(30² + 40²) = 50 > 10.
        (Kpi(20, 10, margin=30, previous_margin=40, sample=200, previous_sample=150), Change.NOISE, 50.0),
        (Kpi(20, -40, margin=30, previous_margin=40, sample=200, previous_sample=150), Change.CLEAR, 50.0),
        (Kpi(20, -40, margin=30, previous_margin=40, sample=200, previous_sample=12), Change.FEW, 50.0),
        # Churn 30% of 400 against 20% of 400: 1.96 × √(.3 × .7 / 400 + .2 × .8 / 400) = 0.0596 < 0.10.
        (Kpi(0.3, 0.2, sample=400, previous_sample=400), Change.CLEAR, 0.059611),
        # The same rates of 100 members each: 1.96 × √(.0021 + .0016) = 1.96 × 0.060828 = 0.1192 > 0.10.
        (Kpi(0.3, 0.2, sample=100, previous_sample=100), Change.NOISE, 0.119222),
    ],
)
def test_a_change_is_clear_only_beyond_its_margin_and_on_enough_answers(kpi, verdict, margin):
    assert kpi.verdict is verdict
    assert kpi.change_margin == (None if margin is None else pytest.approx(margin, abs=1e-6))


def test_a_clear_change_is_coloured_by_whether_it_is_good():
    assert describe_change("members", Kpi(120, 100), filters=DONE, today=TODAY).tone == "good"
    churn_up = describe_change("churn_rate", Kpi(0.3, 0.2, sample=400, previous_sample=400), filters=DONE, today=TODAY)
    assert (churn_up.text, churn_up.tone, churn_up.why) == ("+10.0 pts vs 20.0%", "bad", None)


def test_a_change_within_the_margin_is_grey_and_says_why():
    shown = describe_change("churn_rate", Kpi(0.3, 0.2, sample=100, previous_sample=100), filters=DONE, today=TODAY)
    assert (shown.text, shown.mark, shown.tone) == ("+10.0 pts vs 20.0%", "within the margin", "neutral")
    assert shown.why == "The change is within its margin of error (±11.9 pts, 95%), so it may be chance: not coloured."
    nps = describe_change("nps", Kpi(20, 10, margin=30, previous_margin=40, sample=200, previous_sample=150))
    assert (nps.text, nps.mark, nps.tone) == ("+10 vs +10", "within the margin", "neutral") and "(±50, 95%)" in nps.why


def test_a_change_on_few_answers_is_grey():
    shown = describe_change("nps", Kpi(-11, 0, margin=38, previous_margin=40, sample=9, previous_sample=14))
    assert (shown.text, shown.mark, shown.tone) == ("-11 vs 0", "few to go on", "neutral")
    assert shown.why == "Based on 9 answers or members, under the 30 this needs: the change is not coloured."


def test_no_change_has_no_arrow():
    shown = describe_change("open_feedback", Kpi(23, 23))
    assert (shown.text, shown.tone, shown.arrow) == ("unchanged from 23", "neutral", False)


def test_newcomer_conversion_is_still_counting_until_the_last_joiners_30_days_are_over():
    kpi = Kpi(0.568, 0.769, sample=264, previous_sample=290)  # the demo's −20.1 pts
    recent = Filters(start=date(2026, 11, 2), end=TODAY)  # the last 28 days, ending yesterday
    shown = describe_change("newcomer_conversion", kpi, filters=recent, today=TODAY)
    assert (shown.text, shown.mark, shown.tone) == ("-20.1 pts vs 76.9%", "still counting", "neutral")
    assert "still in their first 30 days" in shown.why
    # Joiners of a period that ended 30 days ago or more have had their 30 days: judged as usual.
    over = Filters(start=date(2026, 10, 3), end=date(2026, 10, 31))
    assert describe_change("newcomer_conversion", kpi, filters=over, today=TODAY).tone == "bad"
    assert describe_change("newcomer_conversion", kpi, filters=over, today=date(2026, 11, 29)).tone == "neutral"


def test_a_period_that_ends_today_is_so_far():
    today = Filters(start=TODAY, end=date(2026, 12, 1))
    shown = describe_change("members", Kpi(120, 100), filters=today, today=TODAY)
    assert (shown.text, shown.mark, shown.tone) == ("+20 vs 100", "so far", "neutral")
    assert shown.why == "The period ends today, which is not over yet: the change is not coloured."


@pytest.mark.parametrize(
    ("key", "kpi", "text"),
    [
        ("nps", Kpi(31.4, 11.6), "+19 vs +12"),  # what "+31" less "+12" is (the whole difference, 19.8, read "+20")
        ("growth_rate", Kpi(0.0556, 0.0654), "-0.9 pts vs 6.5%"),  # 5.6% less 6.5% (whole: -0.98)
        ("dau_avg", Kpi(502.66, 498.14), "+4.6 vs 498.1"),  # 502.7 less 498.1 (whole: 4.52, "+4.5")
        ("members", Kpi(4988, 4724), "+264 vs 4,724"),
    ],
)
def test_a_change_is_the_difference_of_the_values_as_shown(key, kpi, text):
    assert describe_change(key, kpi, filters=DONE, today=TODAY).text == text


@pytest.mark.parametrize(
    ("key", "kpi", "text"),
    [
        (
            "contributions_per_active_member",
            Kpi(3.01, 3.04),
            "unchanged from 3.0",
        ),  # not "-0.0 vs 3.0", which reads as a fall
        ("dau_avg", Kpi(10.04, 10.0), "unchanged from 10.0"),
        ("active_rate", Kpi(0.5704, 0.5700, sample=5000, previous_sample=5000), "unchanged from 57.0%"),
    ],
)
def test_a_change_too_small_to_show_is_no_change(key, kpi, text):
    shown = describe_change(key, kpi, filters=DONE, today=TODAY)
    assert (shown.text, shown.tone, shown.arrow) == (text, "neutral", False)
