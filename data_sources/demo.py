"""A deterministic demo community that looks real: growth, heavy-tailed activity, campaigns.

Everything derives from a fixed seed and the anchor date `today`, so the same day gives the same
data, and the dashboard's recent periods are always populated. Vectorised with numpy: the default
5,000 members / ~300,000 activities take a few seconds. Survey answers to go with it come from
surveys/demo.py.

A `Flavour` makes the same community English-first (the default) or Chinese-first (`zh-CN`,
`zh-TW`): its names, regions, channels, platforms and campaign names, and the time zone its days
are lived in. Platform, channel, region and segment are the community's own words, data like a
member's name (a Chinese community's spreadsheet says 微信群 and 华东), so the Chinese flavours write
them in Chinese; activity and campaign kinds are the product's codes and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Names:
    """How a Chinese-first community's members are called: surname and given name (common surnames
    more often), or an English given name before the romanised surname, as some people go by."""

    surnames: tuple[tuple[str, str], ...]  # (surname, as romanised in an English name), most common first
    given: tuple[str, ...]
    english: tuple[str, ...]
    english_share: float


@dataclass(frozen=True)
class Flavour:
    """What makes the demo community English-first or Chinese-first. Every flavour draws the same
    shapes (growth, activity, campaigns); only these words, places and the clock differ."""

    timezone: str  # the community's days: generated in local time, stored in UTC
    regions: dict[str, float]
    chinese_region: str | None  # members who mostly write in Chinese (None: every member)
    home: tuple[str, str, float]  # a member's home platform: the first with this chance, else the second...
    away: tuple[str, str]  # ...except in region away[0], at home on away[1]
    roaming: tuple[str, ...]  # where one activity in five happens instead
    names: Names | None  # None: the international mix of FIRST_NAMES, LAST_NAMES and CHINESE_NAMES
    campaign_names: tuple[str, ...]  # one per CAMPAIGN_PLAN row
    edition: str  # a repeated campaign's name, from {name} and {number}
    flagship: str  # the newest event, whose survey is surveys/post-event.yaml
    starts: tuple[int, int]  # campaigns start at this local hour and minute
    words: dict[str, str]  # the English demo's channels, segments and venues, in this language


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """("王", "Wang") from "王:Wang": a surname beside the way an English name romanises it."""
    return tuple((surname, roman) for surname, roman in (pair.split(":") for pair in text.split()))


ENGLISH = Flavour(
    timezone="UTC",
    regions=REGIONS,
    chinese_region="Greater China",
    home=("discord", "forum", 0.55),
    away=("Greater China", "wechat"),
    roaming=("forum", "discord", "github"),
    names=None,
    campaign_names=tuple(plan[1] for plan in CAMPAIGN_PLAN),
    edition="{name} #{number}",
    flagship="Community Day",
    starts=(16, 0),
    words={},
)
ENGLISH_GIVEN = ("Kevin", "Lily", "Jason", "Vivian", "Eric", "Grace", "Tony", "Amy", "Jack", "Cindy", "Leo", "Iris")
SIMPLIFIED = Flavour(
    timezone="Asia/Shanghai",
    regions={
        "华东": 0.3,
        "华南": 0.2,
        "华北": 0.18,
        "华中": 0.09,
        "西南": 0.09,
        "东北": 0.05,
        "西北": 0.03,
        "港澳台": 0.03,
        "海外": 0.03,
    },
    chinese_region=None,
    home=("微信群", "QQ群", 0.7),
    away=("海外", "Discord"),
    roaming=("论坛", "知乎", "B站", "小红书"),
    names=Names(
        surnames=_pairs(
            "王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 黄:Huang 赵:Zhao 吴:Wu 周:Zhou 徐:Xu 孙:Sun "
            "马:Ma 朱:Zhu 胡:Hu 郭:Guo 何:He 林:Lin 罗:Luo 高:Gao 郑:Zheng 梁:Liang 谢:Xie 宋:Song 唐:Tang "
            "许:Xu 韩:Han 冯:Feng 邓:Deng 曹:Cao 彭:Peng 曾:Zeng 肖:Xiao 田:Tian 董:Dong 潘:Pan 袁:Yuan "
            "蒋:Jiang 蔡:Cai 余:Yu 杜:Du 叶:Ye 程:Cheng 苏:Su 魏:Wei 吕:Lyu 丁:Ding 沈:Shen 姚:Yao "
            "钟:Zhong 欧阳:Ouyang"
        ),
        given=_words(
            "伟 芳 娜 敏 静 磊 洋 杰 婷 涛 明 超 悦 帆 欣怡 子涵 浩然 梓萱 宇轩 思远 雨桐 晨曦 佳琪 俊杰 "
            "文博 晓峰 嘉怡 一诺 志强 海燕 建华 丽娟 天宇 梦瑶 若溪 家乐"
        ),
        english=ENGLISH_GIVEN,
        english_share=0.14,
    ),
    campaign_names=_words("城市线下交流会 线上分享会：新手入门 21天打卡挑战 线上分享会：最佳实践 新人欢迎周 社区月报"),
    edition="{name}（第{number}期）",
    flagship="社区日",
    starts=(19, 30),
    words={
        "organic search": "搜索引擎",
        "referral": "朋友推荐",
        "social": "社交媒体",
        "event": "线下活动",
        "newsletter": "公众号",
        "partner": "合作伙伴",
        "online": "线上",
        "developer": "开发者",
        "data scientist": "数据分析师",
        "student": "学生",
        "business": "企业用户",
        "team": "运营团队",
        "forum": "论坛",
        "zoom": "腾讯会议",
        "in person": "线下",
    },
)
TRADITIONAL = Flavour(
    timezone="Asia/Taipei",
    regions={"北部": 0.4, "中部": 0.2, "南部": 0.18, "東部": 0.03, "香港": 0.12, "澳門": 0.02, "海外": 0.05},
    chinese_region=None,
    home=("LINE 社群", "Facebook 社團", 0.6),
    away=("海外", "Discord"),
    roaming=("論壇", "PTT", "Dcard", "YouTube"),
    names=Names(
        surnames=_pairs(
            "陳:Chen 林:Lin 黃:Huang 張:Chang 李:Lee 王:Wang 吳:Wu 劉:Liu 蔡:Tsai 楊:Yang 許:Hsu 鄭:Cheng "
            "謝:Hsieh 洪:Hung 郭:Kuo 邱:Chiu 曾:Tseng 廖:Liao 賴:Lai 徐:Hsu 周:Chou 葉:Yeh 蘇:Su "
            "莊:Chuang 呂:Lu 江:Chiang 何:Ho 蕭:Hsiao 羅:Lo 高:Kao 潘:Pan 簡:Chien 朱:Chu 鍾:Chung 游:Yu "
            "彭:Peng 詹:Chan 胡:Hu 施:Shih 沈:Shen 余:Yu 盧:Lu 梁:Liang 趙:Chao 顏:Yen 柯:Ko 翁:Weng "
            "魏:Wei 孫:Sun 戴:Tai"
        ),
        given=_words(
            "家豪 志明 怡君 雅婷 淑芬 俊傑 冠宇 宜蓁 詩涵 承恩 品妍 宥廷 "
            "欣妤 柏翰 佳穎 子晴 彥廷 家瑋 美玲 建宏 偉 婷 傑 萱"
        ),
        english=ENGLISH_GIVEN,
        english_share=0.18,
    ),
    campaign_names=_words("城市實體聚會 線上分享會：新手入門 21天打卡挑戰 線上分享會：最佳實踐 新手歡迎週 社群電子報"),
    edition="{name}（第{number}期）",
    flagship="社群日",
    starts=(19, 30),
    words={
        "organic search": "搜尋引擎",
        "referral": "朋友推薦",
        "social": "社群媒體",
        "event": "實體活動",
        "newsletter": "電子報",
        "partner": "合作夥伴",
        "online": "線上",
        "developer": "開發者",
        "data scientist": "資料分析師",
        "student": "學生",
        "business": "企業用戶",
        "team": "營運團隊",
        "forum": "論壇",
        "zoom": "Google Meet",
        "in person": "實體",
    },
)
FLAVOURS = {"en": ENGLISH, "zh-CN": SIMPLIFIED, "zh-TW": TRADITIONAL}  # by language code (catalog.LANGUAGES)
WORDED = {"members": ("channel", "segment"), "activities": ("platform",), "campaigns": ("channel",)}
TIMES = {
    "members": ("joined_at",),
    "activities": ("occurred_at",),
    "campaigns": ("starts_at", "ends_at"),
    "campaign_members": ("at",),
}


def _choice(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    probabilities = np.array(list(weights.values()))
    return rng.choice(np.array(list(weights.keys()), dtype=object), size=size, p=probabilities / probabilities.sum())


def _campaigns(rng: np.random.Generator, start: datetime, count: int, flavour: Flavour) -> pd.DataFrame:
    offsets = np.linspace(20, DAYS - 6, count) + rng.uniform(-5, 5, count)
    rows = []
    for index, offset in enumerate(offsets):
        kind, _, (low, high), *_ = CAMPAIGN_PLAN[index % len(CAMPAIGN_PLAN)]
        hour, minute = flavour.starts
        starts_at = (start + timedelta(days=float(offset))).replace(hour=hour, minute=minute, second=0, microsecond=0)
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
                "name": flavour.edition.format(
                    name=flavour.campaign_names[index % len(CAMPAIGN_PLAN)], number=index // len(CAMPAIGN_PLAN) + 1
                ),
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
    frame.loc[newest, ["campaign_id", "name", "survey_id"]] = [FLAGSHIP_EVENT, flavour.flagship, "post-event"]
    return frame


def _international_names(rng: np.random.Generator, region: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, ...]:
    """Names and email stems of the English demo: Ada Costa, and 王伟 in Greater China."""
    count = len(ids)
    chinese = region == "Greater China"
    first = rng.choice(FIRST_NAMES, count).astype(object)
    last = rng.choice(LAST_NAMES, count).astype(object)
    names = np.where(chinese, rng.choice(CHINESE_NAMES, count).astype(object), first + " " + last)
    return names, np.where(chinese, ids, first + "." + last)


def _chinese_names(rng: np.random.Generator, names: Names, ids: np.ndarray) -> tuple[np.ndarray, ...]:
    """Names and email stems of a Chinese-first community: 陈静, 欧阳子涵, Kevin Zhang."""
    count = len(ids)
    weights = 1 / np.arange(1, len(names.surnames) + 1) ** 0.9  # 王, 李, 张 far more often than 钟
    which = rng.choice(len(names.surnames), count, p=weights / weights.sum())
    surname = np.array([surname for surname, _ in names.surnames], dtype=object)[which]
    romanised = np.array([roman for _, roman in names.surnames], dtype=object)[which]
    given = rng.choice(np.array(names.given, dtype=object), count)
    first = rng.choice(np.array(names.english, dtype=object), count)
    english = rng.uniform(0, 1, count) < names.english_share
    return np.where(english, first + " " + romanised, surname + given), np.where(english, first + "." + romanised, ids)


def _members(
    rng: np.random.Generator, start: datetime, count: int, campaigns: pd.DataFrame, flavour: Flavour
) -> pd.DataFrame:
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
    region = _choice(rng, flavour.regions, count)
    ids = np.array([f"m{n:05d}" for n in range(1, count + 1)], dtype=object)
    if flavour.names is None:
        names, stems = _international_names(rng, region, ids)
    else:
        names, stems = _chinese_names(rng, flavour.names, ids)
    emails = np.char.lower(stems.astype(str)) + np.char.add("." + np.arange(1, count + 1).astype(str), "@example.org")
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


def _activities(
    rng: np.random.Generator, members: pd.DataFrame, today: datetime, target: int, flavour: Flavour
) -> tuple[pd.DataFrame, np.ndarray]:
    count = len(members)
    age = (pd.to_timedelta(pd.Timestamp(today) - members["joined_at"]) / pd.Timedelta(days=1)).to_numpy()
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
    (first, second, share), (region, there) = flavour.home, flavour.away
    away = (members["region"].to_numpy() == region)[owner]
    home = np.where(away, there, np.where(rng.uniform(0, 1, count) < share, first, second)[owner])
    roaming = rng.uniform(0, 1, owner.size) < 0.2
    platform = np.where(roaming, rng.choice(list(flavour.roaming), owner.size), home)
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
    for position, (_, campaign) in enumerate(campaigns.iterrows()):  # campaigns' index is 0, 1, …
        _, _, _, invite, register, attend = CAMPAIGN_PLAN[position % len(CAMPAIGN_PLAN)]
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
    *, today: date, members: int = 5000, activities: int = 320_000, seed: int = SEED, locale: str = "en"
) -> dict[str, pd.DataFrame]:
    """The four canonical community tables, typed, with timestamps in naive UTC before `today`
    begins in the flavour's time zone; `locale` picks the flavour (FLAVOURS: en, zh-CN, zh-TW)."""
    flavour = FLAVOURS[locale]
    rng = np.random.default_rng(seed)
    end = datetime.combine(today, datetime.min.time())  # local time until _in_utc
    start = end - timedelta(days=DAYS)
    campaigns = _campaigns(rng, start, count=30, flavour=flavour)
    member_frame = _members(rng, start, members, campaigns, flavour)
    activity_frame, propensity = _activities(rng, member_frame, end, target=activities, flavour=flavour)
    campaign_members, extra = _participation(rng, member_frame, campaigns, propensity)
    activity_frame = pd.concat([activity_frame, extra], ignore_index=True)
    activity_frame = activity_frame[activity_frame["occurred_at"] < np.datetime64(end)]
    activity_frame = activity_frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    activity_frame.insert(0, "activity_id", [f"a{n:07d}" for n in range(1, len(activity_frame) + 1)])
    campaign_members = campaign_members[campaign_members["at"] < np.datetime64(end)]
    campaign_members = campaign_members.drop_duplicates(["campaign_id", "member_id", "status"])
    member_frame["propensity"] = propensity  # used by the survey generator, dropped before loading
    frames = {
        "members": member_frame,
        "activities": activity_frame,
        "campaigns": campaigns[campaigns["starts_at"] < end].reset_index(drop=True),
        "campaign_members": campaign_members.reset_index(drop=True),
    }
    return _in_utc(_worded(frames, flavour.words), flavour.timezone)


def data_end(today: date, *, locale: str = "en") -> datetime:
    """Naive UTC of the moment `today` begins where the flavour's community lives: its data stop there."""
    return _utc(pd.Series([pd.Timestamp(today)]), FLAVOURS[locale].timezone)[0].to_pydatetime()


def _worded(frames: dict[str, pd.DataFrame], words: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The channel, segment and platform words of the English demo in the flavour's language."""
    if not words:
        return frames
    return frames | {
        table: frames[table].assign(**{column: frames[table][column].replace(words) for column in columns})
        for table, columns in WORDED.items()
    }


def _utc(moments: pd.Series, timezone: str) -> pd.Series:
    # The flavours' zones keep no summer time, so no local time is missing or doubled.
    return moments.dt.tz_localize(timezone).dt.tz_convert("UTC").dt.tz_localize(None)


def _in_utc(frames: dict[str, pd.DataFrame], timezone: str) -> dict[str, pd.DataFrame]:
    """The frames with their local times as naive UTC, as every source stores them."""
    if timezone == "UTC":
        return frames
    return frames | {
        table: frames[table].assign(**{column: _utc(frames[table][column], timezone) for column in columns})
        for table, columns in TIMES.items()
    }
