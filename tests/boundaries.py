"""A second small community whose members stand exactly on the boundaries the metrics draw; the
expected values are worked out in the tests that use it (the `boundary_warehouse` fixture). Kept
apart from tests/community.py so its hand-worked answers stay as they are.

Period P = [2025-03-01, 2025-03-08) as in tests/community.py; timestamps are UTC. With the default
LevelRules (6 active weeks and 20 contributions make a champion, over 90 days) and SILENCE_DAYS 30,
the slipping champions of P are those champion over [2024-11-08, 2025-02-06) and silent since
6 February.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from tests import community

t = datetime

# Wednesdays 1-29 January 2025: five weeks (Monday starts 30 December - 27 January), 3 posts each.
_JANUARY = [t(2025, 1, 1, 12), t(2025, 1, 8, 12), t(2025, 1, 15, 12), t(2025, 1, 22, 12), t(2025, 1, 29, 12)]

MEMBERS = [
    # member_id, joined_at, channel, region, segment, is_team
    ("ivy", t(2025, 3, 1), "forum", "EU", "dev", False),  # joins exactly at P's start: new in P, no level before
    ("joe", t(2025, 3, 3), "event", "EU", "dev", False),  # joins exactly at the launch's start: not before it
    ("kim", t(2025, 1, 1), "forum", "EU", "dev", False),  # never active
    ("sam", t(2024, 10, 1), "forum", "EU", "dev", False),  # champion exactly, silent from 6 Feb: slipping
    ("sue", t(2024, 10, 1), "forum", "EU", "dev", False),  # the same champion, but logs in on 6 Feb
]

ACTIVITIES = [
    # member_id, occurred_at, kind[, overrides]: as in tests/community.py
    ("ivy", t(2025, 3, 2, 12), "post"),
    ("joe", t(2025, 3, 3, 1), "event_attend", {"campaign_id": "launch"}),
    # sam and sue: 15 posts in five January weeks and 5 on Wednesday 5 February (the week of 3 February):
    # 6 active weeks and 20 contributions, both thresholds exactly met; the last on the day before 6 Feb.
    *((who, day, "post") for who in ("sam", "sue") for day in _JANUARY for _ in range(3)),
    *((who, t(2025, 2, 5, 12), "post") for who in ("sam", "sue") for _ in range(5)),
    ("sue", t(2025, 2, 6), "login"),  # exactly when the silence would begin: not silent
    # ivy takes part in the webinar (joined exactly 14 days before its start: a newcomer through it)
    # by an activity alone, after the launch's 30-day window
    ("ivy", t(2025, 4, 2, 12), "comment", {"campaign_id": "webinar"}),
]

CAMPAIGNS = [
    # campaign_id, name, kind, starts_at, ends_at, channel, budget, target, survey_id
    ("launch", "Launch party", "event", t(2025, 3, 3), t(2025, 3, 3, 4), "event", 100.0, None, None),
    # A campaign's newcomers joined from 14 days before its start to its end (ATTRIBUTION_DAYS):
    (
        "teaser",
        "Teaser",
        "newsletter",
        t(2025, 2, 17),
        t(2025, 3, 3),
        "newsletter",
        None,
        None,
        None,
    ),  # ends as joe joins
    ("webinar", "Webinar", "webinar", t(2025, 3, 15), None, "forum", None, None, None),  # 14 days after ivy joins
]

CAMPAIGN_MEMBERS = [
    ("launch", "kim", "invited"),
    ("launch", "joe", "registered"),
    ("launch", "joe", "attended"),
    ("teaser", "joe", "registered"),  # joined exactly at its end: a newcomer through it
    ("teaser", "sam", "registered"),  # joined long before: not
    ("webinar", "joe", "attended"),
    ("webinar", "kim", "registered"),  # joined long before: not
]


def frames() -> dict[str, pd.DataFrame]:
    return community.frames(
        member_rows=MEMBERS, activity_rows=ACTIVITIES, campaign_rows=CAMPAIGNS, participation_rows=CAMPAIGN_MEMBERS
    )
