"""The small community every metric test uses; expected values are worked out in the tests.

Period P = [2025-03-01, 2025-03-08) (Sat 1 to Fri 7 March), previous period Q = [2025-02-22,
2025-03-01). Timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

t = datetime

MEMBERS = [
    # member_id, joined_at, channel, region, segment, is_team
    ("alice", t(2025, 1, 10), "forum", "EU", "dev", False),
    ("bob", t(2025, 2, 25, 10), "event", "EU", "dev", False),
    ("carol", t(2025, 3, 2, 9), "forum", "US", "biz", False),
    ("dave", t(2024, 12, 1), "event", "US", "dev", False),
    ("erin", t(2025, 3, 7, 23, 30), "forum", "US", "dev", False),
    ("frank", t(2025, 3, 8), "forum", "EU", "dev", False),  # joins exactly at P's end: not in P
    ("gina", t(2024, 6, 1), "event", "EU", "biz", False),  # never active
    ("hank", t(2024, 10, 1), "forum", "US", "biz", False),  # returns in P after a quiet Q
    ("tom", t(2024, 11, 1), "staff", "EU", "team", True),  # team: left out everywhere
]

ACTIVITIES = [
    # member_id, occurred_at, kind[, overrides of platform "forum", campaign_id None, points None]
    ("alice", t(2025, 2, 5, 12), "login"),  # one day before MAU(7 Mar)'s window opens on 6 Feb
    ("alice", t(2025, 2, 23, 10), "comment"),
    ("alice", t(2025, 3, 1), "post"),  # exactly at P's start: in P
    ("alice", t(2025, 3, 3, 12), "comment"),
    ("alice", t(2025, 3, 3, 1), "event_attend", {"platform": "in person", "campaign_id": "meetup", "points": 50.0}),
    ("bob", t(2025, 2, 25, 11), "login"),
    ("bob", t(2025, 2, 26, 12), "reaction"),
    ("carol", t(2025, 3, 2, 9, 30), "login", {"platform": "discord"}),
    ("carol", t(2025, 3, 5, 12), "post", {"platform": "discord"}),
    ("dave", t(2024, 12, 5), "post"),
    ("dave", t(2025, 1, 15), "post"),
    ("dave", t(2025, 2, 28, 23, 59, 59), "comment"),  # last second of Q in UTC; 1 March in Shanghai
    ("erin", t(2025, 3, 7, 23, 45), "login"),
    ("erin", t(2025, 4, 6, 23, 30), "comment"),  # exactly joined_at + 30 days: too late to convert
    ("frank", t(2025, 3, 8, 1), "post"),
    ("hank", t(2025, 1, 20), "post"),
    ("hank", t(2025, 3, 4, 12), "comment", {"platform": "discord"}),
    ("tom", t(2025, 3, 3, 12), "post"),
    ("ghost", t(2025, 3, 3, 12), "post"),  # unknown member: left out
]

CAMPAIGNS = [
    # campaign_id, name, kind, starts_at, ends_at, channel, budget, target, survey_id
    ("meetup", "Spring meetup", "event", t(2025, 3, 3), t(2025, 3, 3, 4), "event", 300.0, 50.0, "post-meetup"),
    ("letter", "January letter", "newsletter", t(2025, 1, 5), None, "newsletter", 50.0, None, None),
]

CAMPAIGN_MEMBERS = [
    *(("meetup", who, "invited") for who in ("alice", "carol", "dave", "gina", "hank", "tom")),
    *(("meetup", who, "registered") for who in ("alice", "carol", "hank", "erin")),
    *(("meetup", who, "attended") for who in ("alice", "hank")),
    *(("letter", who, "invited") for who in ("alice", "dave")),
]


def frames(
    *,
    member_rows: list[tuple] = MEMBERS,
    activity_rows: list[tuple] = ACTIVITIES,
    campaign_rows: list[tuple] = CAMPAIGNS,
    participation_rows: list[tuple] = CAMPAIGN_MEMBERS,
) -> dict[str, pd.DataFrame]:
    """The canonical tables of this community, or of another written the same way (tests/boundaries.py)."""
    members = pd.DataFrame(member_rows, columns=["member_id", "joined_at", "channel", "region", "segment", "is_team"])
    members = members.assign(name=members["member_id"].str.title(), email=members["member_id"] + "@example.org")
    defaults = {"platform": "forum", "campaign_id": None, "points": None}
    activities = pd.DataFrame(
        [
            {"activity_id": f"a{n}", "member_id": row[0], "occurred_at": row[1], "kind": row[2], **defaults, **extra}
            for n, (row, extra) in enumerate((row, row[3] if len(row) > 3 else {}) for row in activity_rows)
        ]
    ).astype({"points": "float64"})
    campaigns = pd.DataFrame(
        campaign_rows,
        columns=["campaign_id", "name", "kind", "starts_at", "ends_at", "channel", "budget", "target", "survey_id"],
    ).astype({"starts_at": "datetime64[us]", "ends_at": "datetime64[us]", "budget": "float64", "target": "float64"})
    participation = pd.DataFrame(participation_rows, columns=["campaign_id", "member_id", "status"])
    return {
        "members": members,
        "activities": activities,
        "campaigns": campaigns,
        "campaign_members": participation.assign(at=pd.NaT).astype({"at": "datetime64[us]"}),
    }


RESPONSES = [
    # member_id, submitted_at, completed, nps answer (None: question skipped)
    ("alice", t(2025, 3, 2), True, 10),
    ("carol", t(2025, 3, 3), True, 6),
    ("dave", t(2025, 3, 4), True, 8),
    (None, t(2025, 3, 5), True, 9),  # anonymous
    ("tom", t(2025, 3, 5), True, 0),  # team
    ("bob", t(2025, 3, 5), False, 0),  # never submitted
    ("hank", t(2025, 3, 6), True, None),  # skipped the NPS question
    ("erin", t(2025, 3, 8), True, 0),  # exactly at P's end: outside
]

POST_MEETUP = [
    # member_id, nps, csat: submitted 10 March 2025, after P, to the meetup's survey
    ("alice", 10, 5),
    ("hank", 5, 3),
    ("carol", 9, 4),
    ("tom", 0, 1),  # team
]

FEEDBACK = [
    # key, member_id, created_at, closed_at, duplicate_of key
    ("f1", "alice", t(2025, 3, 1, 9), None, None),
    ("f2", "carol", t(2025, 2, 20), t(2025, 3, 5), None),  # open at Q's end, closed in P
    ("f3", None, t(2025, 3, 3), None, None),
    ("f4", "tom", t(2025, 3, 3), None, None),
    ("f5", "dave", t(2025, 3, 9), None, None),  # after P
    ("f6", "hank", t(2025, 3, 2), t(2025, 3, 8), None),  # closed exactly at P's end: open until then
    ("f7", "alice", t(2025, 3, 4), None, "f1"),  # merged into f1
]
