"""A deterministic demo community that looks real: growth, heavy-tailed activity, campaigns.

Everything derives from a fixed seed and the anchor date `today`, so the same day gives the same
data, and the dashboard's recent periods are always populated. Vectorised with numpy: the default
5,000 members / ~300,000 activities take a few seconds. Survey answers to go with it come from
surveys/demo.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

DAYS = 730
SEED = 20240501
FLAGSHIP_EVENT = "community-day"
CHANNELS = {"organic search": 0.27, "referral": 0.2, "social": 0.17, "event": 0.14, "newsletter": 0.11, "partner": 0.11}
REGIONS = {
    "North America": 0.29,
    "Europe": 0.27,
    "Greater China": 0.19,
    "APAC": 0.13,
    "Latin America": 0.07,
    "Africa": 0.05,
}
SEGMENTS = {"developer": 0.46, "data scientist": 0.2, "student": 0.2, "business": 0.14}
CONTRIBUTIONS = {"post": 0.12, "comment": 0.38, "reaction": 0.3, "message": 0.2}
POINTS = {"post": 10.0, "comment": 5.0, "reaction": 1.0, "message": 2.0, "event_attend": 20.0}
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloé",
    "Diego",
    "Emma",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Mateo",
    "Nina",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Yuki",
]
LAST_NAMES = [
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Eze",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kumar",
    "Lopez",
    "Müller",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Usman",
    "Weber",
    "Young",
]
CHINESE_NAMES = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴婷", "徐明", "孙悦"]
CAMPAIGN_PLAN = [  # (kind, name, budget range, invite share, register share, attend share)
    ("event", "Community Meetup", (3000, 12000), 0.10, 0.45, 0.7),
    ("webinar", "Webinar: Getting Started", (200, 1200), 0.2, 0.35, 0.55),
    ("challenge", "Build-in-Public Challenge", (1000, 5000), 0.12, 0.4, 0.6),
    ("webinar", "Webinar: Best Practices", (200, 1200), 0.2, 0.3, 0.55),
    ("promotion", "Referral Promotion", (500, 3000), 0.25, 0.0, 0.0),
    ("newsletter", "Monthly Newsletter", (0, 150), 0.6, 0.0, 0.0),
]


def _choice(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    probabilities = np.array(list(weights.values()))
    return rng.choice(np.array(list(weights.keys()), dtype=object), size=size, p=probabilities / probabilities.sum())


def _campaigns(rng: np.random.Generator, start: datetime, count: int) -> pd.DataFrame:
    offsets = np.linspace(20, DAYS - 6, count) + rng.uniform(-5, 5, count)
    rows = []
    for index, offset in enumerate(offsets):
        kind, name, (low, high), *_ = CAMPAIGN_PLAN[index % len(CAMPAIGN_PLAN)]
        starts_at = (start + timedelta(days=float(offset))).replace(hour=16, minute=0, second=0, microsecond=0)
        length = {
            "event": timedelta(hours=4),
            "webinar": timedelta(hours=1),
            "challenge": timedelta(days=14),
            "promotion": timedelta(days=10),
            "newsletter": timedelta(hours=1),
        }[kind]
        campaign_id = f"c{index + 1:03d}"
        rows.append(
            {
                "campaign_id": campaign_id,
                "name": f"{name} #{index // len(CAMPAIGN_PLAN) + 1}",
                "kind": kind,
                "starts_at": starts_at,
                "ends_at": starts_at + length,
                "channel": {"event": "event", "newsletter": "newsletter", "promotion": "social"}.get(kind, "online"),
                "budget": float(round(rng.uniform(low, high), -1)),
                "target": float(rng.integers(40, 300)) if kind in ("event", "webinar", "challenge") else None,
                "survey_id": f"post-{campaign_id}" if kind in ("event", "webinar") else None,
            }
        )
    frame = pd.DataFrame(rows)
    # The newest event is the one the shipped post-event survey (surveys/post-event.yaml) is about.
    newest = frame.index[frame["kind"] == "event"][-1]
    frame.loc[newest, ["campaign_id", "name", "survey_id"]] = [FLAGSHIP_EVENT, "Community Day", "post-event"]
    return frame


def _members(rng: np.random.Generator, start: datetime, count: int, campaigns: pd.DataFrame) -> pd.DataFrame:
    channel = _choice(rng, CHANNELS, count)
    # Growth: join density rises over the two years (more members join each month than the last).
    offset_days = DAYS * rng.uniform(0, 1, count) ** (1 / 1.7)
    # Members who came through an event joined a few days before one of the in-person events.
    events = campaigns.loc[campaigns["kind"] == "event", "starts_at"].to_numpy()
    through_event = channel == "event"
    picked = events[rng.integers(0, len(events), through_event.sum())]
    offset_days[through_event] = (picked - np.datetime64(start)) / np.timedelta64(1, "D") - rng.uniform(
        0, 5, through_event.sum()
    )
    offset_days = np.clip(offset_days, 0, DAYS - 1e-3)
    order = np.argsort(offset_days, kind="stable")
    offset_days, channel = offset_days[order], channel[order]
    region = _choice(rng, REGIONS, count)
    chinese = region == "Greater China"
    first = rng.choice(FIRST_NAMES, count).astype(object)
    last = rng.choice(LAST_NAMES, count).astype(object)
    names = np.where(chinese, rng.choice(CHINESE_NAMES, count).astype(object), first + " " + last)
    ids = np.array([f"m{n:05d}" for n in range(1, count + 1)], dtype=object)
    emails = np.char.lower(np.where(chinese, ids, first + "." + last).astype(str)) + np.char.add(
        "." + np.arange(1, count + 1).astype(str), "@example.org"
    )
    is_team = np.zeros(count, dtype=bool)
    is_team[rng.choice(np.arange(min(200, count)), size=min(12, count), replace=False)] = True
    return pd.DataFrame(
        {
            "member_id": ids,
            "name": names,
            "email": emails.astype(object),
            "joined_at": pd.Timestamp(start) + pd.to_timedelta(offset_days, unit="D").round("s"),
            "channel": channel,
            "region": region,
            "segment": np.where(is_team, "team", _choice(rng, SEGMENTS, count)),
            "is_team": is_team,
        }
    )


def _activities(rng: np.random.Generator, members: pd.DataFrame, today: datetime, target: int) -> pd.DataFrame:
    count = len(members)
    age = ((pd.Timestamp(today) - members["joined_at"]) / pd.Timedelta(days=1)).to_numpy()
    propensity = rng.lognormal(0.0, 1.25, count)  # heavy tail: a few champions, many lurkers
    propensity[members["is_team"].to_numpy()] *= 4
    decay = 15 + 250 * rng.beta(1.5, 4, count)  # days until interest fades
    floor = 0.03 * propensity * (rng.uniform(0, 1, count) < 0.45)  # some stay around for good
    burst = 0.5 * propensity * decay * (1 - np.exp(-age / decay))
    expected = burst + floor * age
    counts = rng.poisson(expected * target / expected.sum())
    owner = np.repeat(np.arange(count), counts)
    from_burst = rng.uniform(0, 1, owner.size) < (burst / np.maximum(expected, 1e-9))[owner]
    u = rng.uniform(0, 1, owner.size)
    offset = np.where(
        from_burst,
        -decay[owner] * np.log1p(-u * (1 - np.exp(-age[owner] / decay[owner]))),
        u * age[owner],
    )
    occurred = members["joined_at"].to_numpy()[owner] + (offset * 86400).astype("timedelta64[s]")
    weekend = pd.DatetimeIndex(occurred).day_of_week >= 5
    keep = (occurred < np.datetime64(today)) & ~(weekend & (rng.uniform(0, 1, owner.size) < 0.35))
    owner, occurred = owner[keep], occurred[keep]

    share = np.clip(0.3 + 0.15 * np.log(propensity), 0.08, 0.92)[owner]
    kinds = np.where(rng.uniform(0, 1, owner.size) < share, _choice(rng, CONTRIBUTIONS, owner.size), "login")
    chinese = (members["region"].to_numpy() == "Greater China")[owner]
    home = np.where(chinese, "wechat", np.where(rng.uniform(0, 1, count) < 0.55, "discord", "forum")[owner])
    roaming = rng.uniform(0, 1, owner.size) < 0.2
    platform = np.where(roaming, rng.choice(["forum", "discord", "github"], owner.size), home)
    return pd.DataFrame(
        {
            "member_id": members["member_id"].to_numpy()[owner],
            "occurred_at": occurred,
            "kind": kinds.astype(object),
            "platform": platform.astype(object),
            "campaign_id": None,
            "points": pd.Series(kinds).map(POINTS).to_numpy(),
        }
    ), propensity


def _participation(
    rng: np.random.Generator, members: pd.DataFrame, campaigns: pd.DataFrame, propensity: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invited/registered/attended rows, plus the activities that carry a campaign id."""
    rows, extra = [], []
    joined = members["joined_at"].to_numpy()
    community = ~members["is_team"].to_numpy()
    for index, campaign in campaigns.iterrows():
        _, _, _, invite, register, attend = CAMPAIGN_PLAN[index % len(CAMPAIGN_PLAN)]
        start = np.datetime64(campaign["starts_at"])
        eligible = np.flatnonzero(community & (joined < start - np.timedelta64(1, "D")))
        newcomers = (
            np.flatnonzero(
                community
                & (members["channel"].to_numpy() == "event")
                & (joined >= start - np.timedelta64(5, "D"))
                & (joined < start)
            )
            if campaign["kind"] == "event"
            else np.array([], dtype=int)
        )
        weights = np.sqrt(propensity[eligible])
        invited = rng.choice(eligible, size=int(len(eligible) * invite), replace=False, p=weights / weights.sum())
        liked = rng.uniform(0, 1, invited.size) < register * np.clip(np.sqrt(propensity[invited]), 0.3, 2.5)
        registered = np.concatenate([invited[liked], newcomers])
        attended = registered[rng.uniform(0, 1, registered.size) < attend]
        for status, who, lead in (("invited", invited, 14), ("registered", registered, 5), ("attended", attended, 0)):
            at = start - np.timedelta64(lead, "D") + (rng.uniform(0, 36, who.size) * 3600).astype("timedelta64[s]")
            if status == "registered":
                at = np.maximum(at, joined[who] + np.timedelta64(10, "m"))
            if status == "attended":
                at = np.full(who.size, start) + (rng.uniform(0, 30, who.size) * 60).astype("timedelta64[s]")
            rows.append(
                pd.DataFrame(
                    {
                        "campaign_id": campaign["campaign_id"],
                        "member_id": members["member_id"].to_numpy()[who],
                        "status": status,
                        "at": at,
                    }
                )
            )
        if campaign["kind"] in ("promotion", "newsletter"):
            # A few of those reached answer it: a post or comment carrying the campaign id.
            responded = invited[rng.uniform(0, 1, invited.size) < 0.06 * np.clip(propensity[invited], 0.5, 3)]
            extra.append(
                pd.DataFrame(
                    {
                        "member_id": members["member_id"].to_numpy()[responded],
                        "occurred_at": start + (rng.uniform(0.1, 7, responded.size) * 86400).astype("timedelta64[s]"),
                        "kind": rng.choice(["post", "comment"], responded.size),
                        "platform": "forum",
                        "campaign_id": campaign["campaign_id"],
                        "points": 5.0,
                    }
                )
            )
        if campaign["kind"] in ("event", "webinar", "challenge") and attended.size:
            # Taking part lifts activity for a while afterwards: the effect campaign lift measures.
            boost = rng.poisson(4, attended.size)
            owner = np.repeat(attended, boost)
            kinds = _choice(rng, CONTRIBUTIONS, owner.size)
            extra.append(
                pd.DataFrame(
                    {
                        "member_id": members["member_id"].to_numpy()[owner],
                        "occurred_at": start + (rng.uniform(0.2, 30, owner.size) * 86400).astype("timedelta64[s]"),
                        "kind": kinds,
                        "platform": "forum",
                        "campaign_id": np.where(campaign["kind"] == "challenge", campaign["campaign_id"], None),
                        "points": pd.Series(kinds).map(POINTS).to_numpy(),
                    }
                )
            )
            attend_kind = "event_attend"
            extra.append(
                pd.DataFrame(
                    {
                        "member_id": members["member_id"].to_numpy()[attended],
                        "occurred_at": np.full(attended.size, start) + np.timedelta64(5, "m"),
                        "kind": attend_kind,
                        "platform": "zoom" if campaign["kind"] == "webinar" else "in person",
                        "campaign_id": campaign["campaign_id"],
                        "points": POINTS[attend_kind],
                    }
                )
            )
    return pd.concat(rows, ignore_index=True), pd.concat(extra, ignore_index=True)


def generate_community(
    *, today: date, members: int = 5000, activities: int = 320_000, seed: int = SEED
) -> dict[str, pd.DataFrame]:
    """The four canonical community tables, typed, with timestamps in naive UTC before `today`."""
    rng = np.random.default_rng(seed)
    end = datetime.combine(today, datetime.min.time())
    start = end - timedelta(days=DAYS)
    campaigns = _campaigns(rng, start, count=30)
    member_frame = _members(rng, start, members, campaigns)
    activity_frame, propensity = _activities(rng, member_frame, end, target=activities)
    campaign_members, extra = _participation(rng, member_frame, campaigns, propensity)
    activity_frame = pd.concat([activity_frame, extra], ignore_index=True)
    activity_frame = activity_frame[activity_frame["occurred_at"] < np.datetime64(end)]
    activity_frame = activity_frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    activity_frame.insert(0, "activity_id", [f"a{n:07d}" for n in range(1, len(activity_frame) + 1)])
    campaign_members = campaign_members[campaign_members["at"] < np.datetime64(end)]
    campaign_members = campaign_members.drop_duplicates(["campaign_id", "member_id", "status"])
    member_frame["propensity"] = propensity  # used by the survey generator, dropped before loading
    return {
        "members": member_frame,
        "activities": activity_frame,
        "campaigns": campaigns[campaigns["starts_at"] < end].reset_index(drop=True),
        "campaign_members": campaign_members.reset_index(drop=True),
    }
