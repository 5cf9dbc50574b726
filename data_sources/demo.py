"""A deterministic demo community that looks real: growth, heavy-tailed activity, campaigns, surveys.

Everything derives from a fixed seed and the anchor date `today`, so the same day gives the same
data, and the dashboard's recent periods are always populated. Vectorised with numpy: the default
5,000 members / ~300,000 activities take a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from store import tables
from store.database import AppStore

DAYS = 730
SEED = 20240501
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
FEEDBACK_TEXTS = {  # sentiment -> language -> [(text, theme)]
    "positive": {
        "en": [
            ("People answer questions on the forum really fast, thank you!", "support"),
            ("The meetup was excellent: practical talks and friendly people.", "events"),
            ("Great community, I learned a lot from the weekly challenges.", "content"),
        ],
        "zh": [
            ("社区氛围很好，问题很快就有人回答。", "support"),
            ("这次线下活动组织得很好，收获很多。", "events"),
            ("每周挑战很有意思，学到了很多。", "content"),
        ],
    },
    "neutral": {
        "en": [
            ("More tutorials for beginners would help.", "content"),
            ("Could you hold some events in the evening for Asian time zones?", "events"),
        ],
        "zh": [("希望有更多面向新手的教程。", "content"), ("希望活动时间能照顾亚洲时区。", "events")],
    },
    "negative": {
        "en": [
            ("Hard to find answers with the forum search.", "search"),
            ("I asked for help twice and nobody replied.", "support"),
            ("Too many promotional posts lately.", "moderation"),
            ("The webinar started late and the audio was bad.", "events"),
        ],
        "zh": [
            ("论坛搜索很难找到答案。", "search"),
            ("提问两次都没人回复。", "support"),
            ("最近广告帖子太多了。", "moderation"),
        ],
    },
}
SENTIMENT_SCORE = {"positive": 0.7, "neutral": 0.0, "negative": -0.6}


@dataclass(frozen=True)
class DemoSurveys:
    """Survey rows for the app store, with response keys in place of database ids."""

    surveys: pd.DataFrame
    responses: pd.DataFrame
    answers: pd.DataFrame
    feedback: pd.DataFrame


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
    return pd.DataFrame(rows)


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


def _nps_scores(rng: np.random.Generator, propensity: np.ndarray) -> np.ndarray:
    mood = np.clip(7.2 + 0.9 * np.log(propensity) + rng.normal(0, 1.6, propensity.size), 0, 10)
    return np.rint(mood)


def _texts(rng: np.random.Generator, scores: np.ndarray, chinese: np.ndarray) -> tuple[list, list, list, list]:
    texts, themes, languages, sentiments = [], [], [], []
    for score, zh in zip(scores, chinese, strict=True):
        mood = "positive" if score >= 9 else "negative" if score <= 6 else "neutral"
        language = "zh" if zh and rng.uniform() < 0.85 else "en"
        options = FEEDBACK_TEXTS[mood][language]
        text, theme = options[rng.integers(len(options))]
        texts.append(text)
        themes.append(theme)
        languages.append(language)
        sentiments.append(SENTIMENT_SCORE[mood])
    return texts, themes, languages, sentiments


def generate_surveys(community: dict[str, pd.DataFrame], *, today: date, seed: int = SEED) -> DemoSurveys:
    """A continuous community pulse survey plus a post-event survey per event and webinar."""
    rng = np.random.default_rng(seed + 1)
    members = community["members"]
    members = members[~members["is_team"]].reset_index(drop=True)
    end = pd.Timestamp(today)
    created = end - pd.Timedelta(days=DAYS)
    surveys = [
        {
            "slug": "community-pulse",
            "title": "Community pulse",
            "campaign_id": None,
            "created_at": created,
            "questions": [("nps", "nps"), ("csat", "csat"), ("why", "long_text")],
        }
    ]
    picks = []
    # Pulse: every week a few members who joined at least two weeks earlier are asked.
    for week in range(DAYS // 7):
        moment = created + pd.Timedelta(days=7 * week)
        pool = np.flatnonzero(members["joined_at"] < moment - pd.Timedelta(days=14))
        if pool.size:
            chosen = rng.choice(pool, size=min(pool.size, int(rng.integers(3, 9))), replace=False)
            picks.append(
                (
                    "community-pulse",
                    chosen,
                    (moment + pd.to_timedelta(rng.uniform(0, 7, chosen.size), unit="D")).round("s"),
                )
            )
    attended = community["campaign_members"].query("status == 'attended'")
    for _, campaign in community["campaigns"].dropna(subset=["survey_id"]).iterrows():
        surveys.append(
            {
                "slug": campaign["survey_id"],
                "title": f"How was {campaign['name']}?",
                "campaign_id": campaign["campaign_id"],
                "created_at": campaign["starts_at"],
                "questions": [("nps", "nps"), ("csat", "csat"), ("why", "long_text")],
            }
        )
        who = members.index[
            members["member_id"].isin(attended.loc[attended["campaign_id"] == campaign["campaign_id"], "member_id"])
        ]
        chosen = who[rng.uniform(0, 1, who.size) < 0.4].to_numpy()
        picks.append(
            (
                campaign["survey_id"],
                chosen,
                (campaign["ends_at"] + pd.to_timedelta(rng.uniform(0.05, 3, chosen.size), unit="D")).round("s"),
            )
        )

    responses, answers, feedback = [], [], []
    questions = {survey["slug"]: survey["questions"] for survey in surveys}
    for slug, chosen, submitted in picks:
        keep = submitted < end
        chosen, submitted = chosen[keep], submitted[keep]
        scores = _nps_scores(rng, members["propensity"].to_numpy()[chosen])
        chinese = (members["region"].to_numpy() == "Greater China")[chosen]
        wrote = rng.uniform(0, 1, chosen.size) < 0.45
        texts, themes, languages, sentiments = _texts(rng, scores, chinese)
        for n, (index, moment, score) in enumerate(zip(chosen, submitted, scores, strict=True)):
            key = f"demo-{slug}-{len(responses)}"
            member_id = members.at[index, "member_id"]
            responses.append(
                {
                    "key": key,
                    "slug": slug,
                    "member_id": member_id,
                    "submitted_at": moment.to_pydatetime(),
                    "started_at": (moment - pd.Timedelta(minutes=3)).to_pydatetime(),
                    "locale": "zh" if languages[n] == "zh" else "en",
                }
            )
            satisfaction = float(np.clip(np.rint(1 + score * 0.42 + rng.normal(0, 0.5)), 1, 5))
            for question, kind in questions[slug]:
                if kind == "long_text":
                    if wrote[n]:
                        answers.append(
                            {
                                "key": key,
                                "question_id": question,
                                "question_type": kind,
                                "value_num": None,
                                "value_text": texts[n],
                            }
                        )
                    continue
                value = float(score) if kind == "nps" else satisfaction
                answers.append(
                    {"key": key, "question_id": question, "question_type": kind, "value_num": value, "value_text": None}
                )
            if wrote[n]:
                feedback.append(
                    _feedback_row(
                        rng, key, member_id, moment, end, texts[n], float(score), sentiments[n], languages[n], themes[n]
                    )
                )
    return DemoSurveys(
        surveys=pd.DataFrame(surveys),
        responses=pd.DataFrame(responses),
        answers=pd.DataFrame(answers),
        feedback=pd.DataFrame(feedback),
    )


def _feedback_row(
    rng: np.random.Generator,
    key: str,
    member_id: str,
    moment: pd.Timestamp,
    end: pd.Timestamp,
    text: str,
    score: float,
    sentiment: float,
    language: str,
    theme: str,
) -> dict[str, object]:
    """Older feedback has mostly been handled; the last few weeks are still in the inbox."""
    age_days = (end - moment) / pd.Timedelta(days=1)
    closed_at = (moment + pd.Timedelta(days=float(rng.uniform(1, 20)))).round("s")
    closed = age_days > 21 and closed_at < end and rng.uniform() < min(0.95, age_days / 60)
    status = (
        rng.choice(["resolved", "resolved", "wont_fix"])
        if closed
        else rng.choice(["new", "new", "triaged", "in_progress"])
    )
    return {
        "key": key,
        "member_id": member_id,
        "created_at": moment.to_pydatetime(),
        "text": text,
        "score": score,
        "sentiment": sentiment,
        "language": language,
        "theme": theme,
        "status": str(status),
        "priority": "high" if score <= 3 else "normal",
        "closed_at": closed_at.to_pydatetime() if closed else None,
    }


def store_surveys(app_store: AppStore, demo: DemoSurveys, *, now: datetime) -> int:
    """Replace the demo's responses, answers and feedback in one transaction; add missing surveys.

    Only rows the demo made (responses with source 'demo', their answers and feedback) are removed,
    so real responses collected beside the demo stay. Returns the responses written.
    """
    slugs = demo.surveys["slug"].tolist()
    with app_store.begin() as connection:
        demo_responses = sa.select(tables.responses.c.id).where(tables.responses.c.source == "demo")
        connection.execute(tables.feedback.delete().where(tables.feedback.c.response_id.in_(demo_responses)))
        connection.execute(tables.answers.delete().where(tables.answers.c.response_id.in_(demo_responses)))
        connection.execute(tables.responses.delete().where(tables.responses.c.source == "demo"))
        existing = set(
            connection.execute(sa.select(tables.surveys.c.slug).where(tables.surveys.c.slug.in_(slugs))).scalars()
        )
        missing = [row for row in demo.surveys.itertuples() if row.slug not in existing]
        if missing:  # survey rows are kept: real responses may already point at them
            connection.execute(
                tables.surveys.insert(),
                [
                    {
                        "slug": row.slug,
                        "version": 1,
                        "title": row.title,
                        "status": "open",
                        "anonymous": False,
                        "campaign_id": row.campaign_id,
                        "created_at": row.created_at.to_pydatetime(),
                        "definition": {"questions": [{"id": q, "type": kind} for q, kind in row.questions]},
                    }
                    for row in missing
                ],
            )
        survey_ids = dict(
            connection.execute(
                sa.select(tables.surveys.c.slug, tables.surveys.c.id).where(
                    tables.surveys.c.slug.in_(slugs), tables.surveys.c.version == 1
                )
            ).all()
        )
        if demo.responses.empty:
            return 0
        connection.execute(
            tables.responses.insert(),
            [
                {
                    "survey_id": survey_ids[row.slug],
                    "member_id": row.member_id,
                    "started_at": row.started_at,
                    "submitted_at": row.submitted_at,
                    "completed": True,
                    "idempotency_key": row.key,
                    "locale": row.locale,
                    "source": "demo",
                }
                for row in demo.responses.itertuples()
            ],
        )
        response_ids = dict(
            connection.execute(
                sa.select(tables.responses.c.idempotency_key, tables.responses.c.id).where(
                    tables.responses.c.source == "demo"
                )
            ).all()
        )
        connection.execute(
            tables.answers.insert(),
            [
                {
                    "response_id": response_ids[row.key],
                    "question_id": row.question_id,
                    "question_type": row.question_type,
                    "value_num": None if pd.isna(row.value_num) else row.value_num,
                    "value_text": None if pd.isna(row.value_text) else row.value_text,
                }
                for row in demo.answers.itertuples()
            ],
        )
        if not demo.feedback.empty:
            connection.execute(
                tables.feedback.insert(),
                [
                    {
                        "source": "survey",
                        "response_id": response_ids[row.key],
                        "question_id": "why",
                        "member_id": row.member_id,
                        "created_at": row.created_at,
                        "text": row.text,
                        "score": row.score,
                        "sentiment": row.sentiment,
                        "language": row.language,
                        "status": row.status,
                        "priority": row.priority,
                        "theme": row.theme,
                        "updated_at": now,
                        "closed_at": None if pd.isna(row.closed_at) else row.closed_at,
                        "version": 1,
                    }
                    for row in demo.feedback.itertuples()
                ],
            )
    return len(demo.responses)
