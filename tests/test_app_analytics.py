"""The analytics pages through AppTest on the small demo: they render, react to filters, chart clicks
filter their tables, a campaign row opens its detail, and the lookup respects the viewer's role.

Chart clicks and row selections are given through session state, the way AppTest accepts them.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import schema
from auth import pages as app_pages
from auth.access import Role
from catalog import translate
from data_sources.connectors.wecom import FIGURES, GROUP_DAYS_KEY, group_days, group_days_frame
from data_sources.warehouse import build_warehouse, read_tables
from metrics.campaigns import with_unrecorded_blank
from store import tables
from store.database import AppStore
from tests import seeded, test_app_tables
from ui import campaign_views
from ui import data as ui_data
from ui import tables as ui_tables
from ui.i18n import LANGUAGE_KEY
from ui.language import CHOSEN

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def demo(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    return demo_data_dir


def open_page(page: str, *, period: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(app_pages.page(page).file).run()
    if period:
        at.selectbox(key="filters_period").select(period).run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, key: str):
    """A selectable table by its key."""
    return next(frame.value for frame in at.dataframe if frame.key == key)


def table_with(at: AppTest, column: str):
    """The first table having `column` (AppTest gives read-only tables no key)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def tile(at: AppTest, label: str) -> int:
    return int(next(metric.value for metric in at.metric if metric.label == label).replace(",", ""))


def click(at: AppTest, key: str, selection: dict) -> AppTest:
    at.session_state[key] = {"selection": selection}
    at.run()
    assert not at.exception, at.exception
    return at


def test_members_page(demo):
    at = open_page("members")
    assert [s.value for s in at.subheader] == [
        "Growth",
        "Retention by signup month",
        "Engagement levels",
        "Champions slipping away",
    ]
    assert len(at.get("vega_lite_chart")) == 3  # growth, cohorts, levels: none empty on the demo
    # The period's last day, as its caption writes it: inside its month, the cohorts' newest cells are grey.
    caption = next(c.value for c in at.caption if "compared with" in c.value).replace("\\", "")
    # each date kept whole on a phone by no-break spaces; nothing invisible between its characters to copy
    assert len(re.findall(r"\d{1,2}\u00a0\w{3}\u00a0\d{4}", caption)) == 4 and "\u2060" not in caption
    period = caption.replace("\u00a0", " ")
    last = datetime.strptime(re.search(r"– (\d{1,2} \w{3} \d{4}) \(", period).group(1), "%d %b %Y").date()
    notes = [c.value for c in at.caption if c.value.startswith("Grey cells ")]
    note = (
        f"Grey cells count {last:%b %Y} only up to {last.day} {last:%b %Y}, where the period ends: "
        "their share is not comparable with whole months."
    )
    assert notes == [note] * ((last + timedelta(days=1)).month == last.month)
    members = seeded.people(demo)
    growth = table_with(at, "growth_rate")  # by channel, the default
    assert growth.set_index("value")["members"].to_dict() == members.groupby("channel").size().to_dict()
    champions = seeded.champions(demo)  # the level listed by default
    assert table_with(at, "previous_level").set_index("member_id")["contributions"].to_dict() == (
        champions["contributions"].to_dict()
    )
    assert tile(at, "Members") == 588  # the 600 demo members less the team
    at.selectbox(key="filters_region").select("Europe").run()
    assert not at.exception
    assert tile(at, "Members") == (members["region"] == "Europe").sum()


def column_labels(at: AppTest, column: str) -> dict[str, str]:
    """Each table having `column`: its columns' labels, by the first cell of that column."""
    tables = {}
    for element in at.dataframe:
        if column in element.value.columns:
            config = json.loads(element.proto.columns or "{}")
            labels = {name: config.get(name, {}).get("label", name) for name in element.value.columns}
            tables[str(element.value[column].iloc[0])] = labels
    return tables


def test_slipping_champions_count_their_weeks_and_contributions_as_champions(demo, monkeypatch):
    """Their active weeks and contributions are over the 90 days before the period's last 30, when
    they were champions: labelled "(90 days)" as the level's list above, "12 active weeks" beside
    "last active 6 Nov" read as impossible. (The demo has slipping champions on some days only, so
    the list is given here: a champion silent for the last 30 days.)"""
    silent = pd.DataFrame(
        {
            "member_id": ["m-silent"],
            "name": ["Quiet Champion"],
            "email": ["quiet@example.org"],
            "segment": ["developer"],
            "channel": ["event"],
            "region": ["Europe"],
            "active_weeks": [12],
            "contributions": [48],
            "last_day": [pd.Timestamp("2026-11-06")],
        }
    )
    monkeypatch.setattr(ui_data, "load_slipping_champions", lambda *args: silent)
    at = open_page("members")
    labels = column_labels(at, "contributions")
    slipping = labels.pop("48")
    assert (slipping["active_weeks"], slipping["contributions"]) == (
        "Active weeks as champion",
        "Contributions as champion",
    )
    [listed] = labels.values()  # the level's list: the last 90 days
    assert (listed["active_weeks"], listed["contributions"]) == ("Active weeks (90 days)", "Contributions (90 days)")


def test_clicking_a_growth_bar_filters_the_growth_table(demo):
    at = open_page("members")
    click(at, "members_growth_chart", {"group": [{"value": "event"}]})
    assert table_with(at, "growth_rate")["value"].tolist() == ["event"]
    assert any("Showing only event" in caption.value for caption in at.caption)
    assert at.query_params["group"] == "event"


def test_another_grouping_forgets_the_group_picked_in_the_one_before(demo):
    at = open_page("members")
    click(at, "members_growth_chart", {"group": [{"value": "event"}]})
    at.button_group[0].set_value("region").run()
    assert not at.exception
    assert "group" not in at.query_params and at.query_params["growth_by"] == "region"
    assert sorted(table_with(at, "growth_rate")["value"]) == sorted(seeded.people(demo)["region"].dropna().unique())
    assert not any("Showing only" in caption.value for caption in at.caption)


def test_a_group_the_grouping_does_not_have_is_ignored_with_a_word(demo):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"growth_by": "region", "group": "event"})
    at.run().switch_page("pages/members.py").run()
    assert not at.exception
    assert "group" not in at.query_params
    assert len(table_with(at, "growth_rate")) > 1
    assert [warning.value for warning in at.warning] == [
        "This address’s “group” could not be read, so the page is shown without it."
    ]


def test_the_address_opens_members_grouped_and_picked(demo):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"growth_by": "region", "group": "Europe", "level": "dormant"})
    at.run().switch_page("pages/members.py").run()
    assert not at.exception
    assert at.button_group[0].value == "region"
    assert table_with(at, "growth_rate")["value"].tolist() == ["Europe"]
    assert any("**Dormant** members" in m.value for m in at.markdown)


def test_clicking_a_level_lists_its_members(demo):
    at = open_page("members")
    assert "**Champion** members" in at.markdown[0].value  # the default
    click(at, "members_levels_chart", {"level": [{"level": "dormant"}]})
    assert any("**Dormant** members" in m.value for m in at.markdown)
    dormant = table_with(at, "previous_level")
    # Every one of them: the demo has about 170, under the 200 the list shows at most.
    assert sorted(dormant["member_id"]) == sorted(seeded.dormant(demo)["member_id"])
    assert set(dormant["active_weeks"]) == {0}


def test_engagement_page_and_its_filters(demo):
    at = open_page("engagement")
    assert [m.label for m in at.metric] == [
        "Active members",
        "Contributors",
        "Contributions",
        "Contributions per active member",
        "Contributor absence factor",
    ]
    assert len(at.get("vega_lite_chart")) == 2
    everyone = table_with(at, "rank")
    assert everyone["rank"].tolist() == list(range(1, 21))
    assert everyone[["member_id", "points"]].equals(seeded.top_by_points(demo))
    click(at, "engagement_platform_chart", {"platform": [{"platform": "wechat"}]})
    on_wechat = table_with(at, "rank")
    assert any("Counting only WeChat" in caption.value for caption in at.caption)  # platforms in words too
    assert on_wechat[["member_id", "points"]].equals(seeded.top_by_points(demo, platform="wechat"))
    click(at, "engagement_activity_kind", {"kind": [{"kind": "comment"}]})
    assert any("Counting only Comment · WeChat" in caption.value for caption in at.caption)  # kinds in words
    # Comments are worth 5 points unless the source gives others; the demo gives none.
    comments = table_with(at, "rank")
    assert (comments["points"] == 5 * comments["contributions"]).all()
    assert (at.query_params["activity_kind"], at.query_params["platform"]) == ("comment", "wechat")
    linked = AppTest.from_file(APP, default_timeout=60)  # the address opens the same choice
    linked.query_params.update({"activity_kind": "comment", "platform": "wechat"})
    linked.run().switch_page("pages/engagement.py").run()
    assert table_with(linked, "rank").equals(comments)


def test_campaign_row_opens_its_detail(demo):
    at = open_page("campaigns", period="last_365_days")
    campaigns = table(at, "campaigns_table")
    assert campaigns["campaign_id"].tolist() == seeded.campaigns_during(demo, days=365)["campaign_id"].tolist()
    # what campaigns are compared by comes first (campaign_id is hidden): a phone shows four columns
    shown = [column for column in campaigns.columns if column != "campaign_id"]
    assert shown[:5] == ["name", "reach", "participants", "lift", "lift_from"]
    assert any("Select a campaign" in caption.value for caption in at.caption)
    webinar = campaigns.index[campaigns["kind"] == translate("campaign.kind.webinar")][0]  # shown in words
    click(at, "campaigns_table", {"rows": [int(webinar)], "columns": [], "cells": []})
    name = campaigns.loc[webinar, "name"]
    assert at.subheader[-1].value.replace("\\", "") == name
    assert len(at.get("vega_lite_chart")) == 3  # reach, daily participants vs others, funnel
    assert any("New members who came through it" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("registered", "attended", "stages"),
    [
        (0, 0, ["Invited", "Participants"]),  # a newsletter: two empty bars read as if nobody had come
        (40, 0, ["Invited", "Registered", "Attended", "Participants"]),
        (0, 12, ["Invited", "Registered", "Attended", "Participants"]),
    ],
)
def test_a_campaigns_funnel_draws_the_stages_its_list_records_and_its_participants(registered, attended, stages):
    campaign = pd.Series({"invited": 1_180, "registered": registered, "attended": attended, "participants": 126})
    funnel = campaign_views.funnel_stages(campaign)
    assert funnel["stage"].tolist() == stages
    counts = {"Invited": 1_180, "Registered": registered, "Attended": attended, "Participants": 126}
    assert funnel["members"].tolist() == [counts[stage] for stage in stages]
    # under a member filter the counts are the chosen members': none registered says nothing of the list
    narrowed = campaign_views.funnel_stages(campaign, narrowed=True)
    assert narrowed["stage"].tolist() == ["Invited", "Registered", "Attended", "Participants"]


def hidden_columns(at: AppTest, key: str) -> set[str]:
    (shown,) = [frame for frame in at.dataframe if frame.key == key]
    return {name for name, config in json.loads(shown.proto.columns).items() if config.get("hidden")} - {"_index"}


def test_the_campaign_table_shows_a_figure_only_when_a_campaign_listed_has_it(demo):
    """A year's newsletters take no registrations and ask no survey: those columns (zeros and
    dashes on every row) are not drawn, and the budget and cost are no longer a sideways scroll
    away; with every kind of a year's campaigns listed, all are."""
    year = open_page("campaigns", period="last_365_days")
    assert hidden_columns(year, "campaigns_table") == {"campaign_id"}
    newsletters = click(year, "campaigns_reach_chart", {"kind": [{"kind": "newsletter"}]})
    listed = table(newsletters, "campaigns_table")
    assert set(listed["kind"]) == {translate("campaign.kind.newsletter")} and listed["budget"].gt(0).all()
    absent = {"registered", "attended", "attendance_rate", "nps", "nps_answers", "csat", "csat_answers"}
    assert hidden_columns(newsletters, "campaigns_table") == {"campaign_id", *absent}
    assert set(listed.columns) >= absent  # the download keeps them all


def test_a_campaign_whose_list_records_no_registration_shows_blanks_not_zeros(demo):
    """Beside an event's registrations, a newsletter's row is blank: 0 would read as nobody came."""
    campaigns = table(open_page("campaigns", period="last_365_days"), "campaigns_table")
    newsletters = campaigns["kind"] == translate("campaign.kind.newsletter")
    assert newsletters.any() and campaigns.loc[newsletters, ["registered", "attended"]].isna().all().all()
    recorded = campaigns.loc[~newsletters, "registered"]
    assert recorded.notna().any() and recorded.dropna().gt(0).all()


def test_blank_registrations_are_the_lists_that_record_none_and_never_under_a_member_filter():
    campaigns = pd.DataFrame({"registered": [40, 0, 0], "attended": [12, 5, 0], "reach": [90, 60, 300]})
    shown = with_unrecorded_blank(campaigns, narrowed=False)
    assert shown["registered"].tolist() == [40, 0, pd.NA] and shown["attended"].tolist() == [12, 5, pd.NA]
    assert shown["reach"].tolist() == [90, 60, 300]
    narrowed = with_unrecorded_blank(campaigns, narrowed=True)
    assert narrowed["registered"].tolist() == [40, 0, 0]  # none of the chosen members registered


def test_a_campaigns_lift_is_blank_until_its_30_days_are_over(demo):
    at = open_page("campaigns", period="last_365_days")
    campaigns = table(at, "campaigns_table")
    known = pd.to_datetime(campaigns["starts_at"]).dt.normalize() + pd.Timedelta(days=30) <= seeded.today()
    # The demo's newest campaign starts a few days before its data end; older ones have a lift.
    assert (~known).any() and campaigns.loc[~known, "lift"].isna().all()
    assert campaigns.loc[known, "lift"].notna().any()
    # Beside a blank lift, the day it is shown from; a column that is there only while one waits.
    starts = pd.to_datetime(campaigns["starts_at"]).dt.normalize()
    assert (pd.to_datetime(campaigns.loc[~known, "lift_from"]) == starts[~known] + pd.Timedelta(days=30)).all()
    assert campaigns.loc[known, "lift_from"].isna().all()
    (shown,) = [frame for frame in at.dataframe if frame.key == "campaigns_table"]
    assert json.loads(shown.proto.columns)["lift_from"]["label"] == "Lift shown from"
    newest = campaigns.index[~known][-1]
    click(at, "campaigns_table", {"rows": [int(newest)], "columns": [], "cells": []})
    last_day = pd.Timestamp(campaigns.loc[newest, "starts_at"]).normalize() + pd.Timedelta(days=29)
    until = f"The 30 days from the start run until {last_day.day} {last_day:%b %Y};"
    assert f"{until} the activity lift is shown once they are over." in [caption.value for caption in at.caption]
    older = campaigns.index[known][-1]
    click(at, "campaigns_table", {"rows": [int(older)], "columns": [], "cells": []})
    assert not [caption.value for caption in at.caption if "activity lift is shown" in caption.value]


def test_a_campaign_is_shaded_on_the_communitys_days(demo, monkeypatch):
    """The demo's campaigns start at 16:00 UTC: 00:00 the next day in Shanghai, where the chart's
    days are Shanghai's, and so are the shaded start, the table's start and the day a lift is shown."""
    import pyarrow as pa

    monkeypatch.setenv("PULSE_TIMEZONE", "Asia/Shanghai")
    at = open_page("campaigns", period="last_365_days")
    campaigns = table(at, "campaigns_table")
    webinar = campaigns.index[campaigns["kind"] == translate("campaign.kind.webinar")][0]
    click(at, "campaigns_table", {"rows": [int(webinar)], "columns": [], "cells": []})
    daily = at.get("vega_lite_chart")[1].proto
    frames = [pa.ipc.open_stream(dataset.data.data).read_all().to_pandas() for dataset in daily.datasets]
    (span,) = [frame for frame in frames if "start" in frame.columns]
    starts = pd.Timestamp(campaigns.loc[webinar, "starts_at"])  # shown on Shanghai's clock
    assert starts.hour == 0 and span["start"].iloc[0] == starts
    assert seeded.campaigns_during(demo, days=365)["starts_at"].dt.hour.eq(16).all()  # kept in UTC
    waiting = campaigns[campaigns["lift_from"].notna()]
    assert not waiting.empty  # the newest campaign's 30 days run
    assert (pd.to_datetime(waiting["lift_from"]) == pd.to_datetime(waiting["starts_at"]) + pd.Timedelta(days=30)).all()


def test_campaigns_of_the_default_period_are_shown(demo):
    at = open_page("campaigns")  # the last 28 days: the demo always has a campaign running
    shown = table(at, "campaigns_table")["campaign_id"].tolist()
    assert shown == seeded.campaigns_during(demo, days=28)["campaign_id"].tolist() != []
    assert len(at.get("vega_lite_chart")) == 1
    assert not at.info


def test_clicking_a_kind_filters_the_campaigns(demo):
    at = open_page("campaigns", period="last_365_days")
    click(at, "campaigns_reach_chart", {"kind": [{"kind": "newsletter"}]})
    assert set(table(at, "campaigns_table")["kind"]) == {translate("campaign.kind.newsletter")}  # shown in words


def a_respondent(directory: Path) -> str:
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    try:
        with store.begin() as connection:
            return connection.execute(
                sa.select(tables.feedback.c.member_id).where(tables.feedback.c.member_id.is_not(None)).limit(1)
            ).scalar_one()
    finally:
        store.dispose()


def test_tables_lead_with_what_they_are_for(demo):
    """A phone shows a table's first three or four columns: a member's name and figures, a change."""
    movers = next(frame.value for frame in open_page("overview").dataframe if "change" in frame.value.columns)
    assert list(movers.columns[:4]) == ["measure", "dimension", "value", "change"]
    leaders = table_with(open_page("engagement"), "rank")
    assert list(leaders.columns[:4]) == ["rank", "name", "points", "contributions"]
    members = open_page("members")
    at_level = next(frame.value for frame in members.dataframe if "active_weeks" in frame.value.columns)
    assert list(at_level.columns[:3]) == ["name", "contributions", "active_weeks"]


def test_the_lookup_opens_on_the_newest_members(demo):
    at = open_page("lookup")
    newest = table(at, "lookup_newest")
    members = seeded.warehouse(demo)["members"].query("~is_team")
    expected = members.sort_values(["joined_at", "member_id"], ascending=[False, True])["member_id"].head(10)
    assert newest["member_id"].tolist() == expected.tolist()
    click(at, "lookup_newest", {"rows": [2], "columns": [], "cells": []})
    assert at.query_params["member"] == expected.iloc[2]  # the address opens this profile
    assert "Engagement level" in [m.label for m in at.metric]
    at.run()  # the list stays above the profile opened from it
    assert table(at, "lookup_newest")["member_id"].tolist() == expected.tolist()
    assert at.subheader[0].value.replace("\\", "") == members.set_index("member_id").at[expected.iloc[2], "name"]


def test_lookup_finds_a_member_and_shows_the_profile(demo):
    member_id = a_respondent(demo)
    at = open_page("lookup")
    at.text_input(key="lookup_q").input(member_id).run()
    assert table(at, f"lookup_results_{member_id}")["member_id"].tolist()[0] == member_id
    click(at, f"lookup_results_{member_id}", {"rows": [0], "columns": [], "cells": []})
    assert at.query_params["member"] == member_id  # the address now opens this profile
    assert "Engagement level" in [m.label for m in at.metric]
    shown = " ".join(caption.value for caption in at.caption).replace("\\", "").replace("\u2060", "")
    assert "@example.org" in shown  # a local install's admin sees email
    answers = table_with(at, "question_id")
    completed = seeded.app_store(demo, "responses").query("member_id == @member_id and completed == 1")
    stored = seeded.app_store(demo, "answers")
    assert "value_text" in answers.columns and len(answers) == stored["response_id"].isin(completed["id"]).sum()
    feedback = seeded.app_store(demo, "feedback")
    assert len(table_with(at, "status")) == (feedback["member_id"] == member_id).sum()


@pytest.mark.parametrize(("language", "separator"), [("zh-CN", "、"), ("en", ", ")])
def test_a_members_chosen_options_read_as_labels_in_the_readers_language(demo, language, separator):
    """Not the stored JSON list of ids ('["chat", "forum"]'): the options' labels in the reader's
    language, joined its way, in the options' order; a yes or no as words, with no score."""
    answers, responses = seeded.app_store(demo, "answers"), seeded.app_store(demo, "responses")
    channels = answers[answers["question_id"] == "channels"].merge(
        responses[["id", "member_id"]], left_on="response_id", right_on="id"
    )
    once = channels.groupby("member_id")["response_id"].transform("size") == 1  # one row of theirs to read
    several = channels[once & (channels["value_num"] >= 2)].iloc[0]
    member_id = several["member_id"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state[LANGUAGE_KEY] = at.session_state[CHOSEN] = language
    at.query_params["member"] = member_id
    at.switch_page("pages/lookup.py").run()
    assert not at.exception
    shown = table_with(at, "question_id")
    question = {"zh-CN": "你在哪些地方参与？", "en": "Where do you take part?"}[language]
    row = shown[shown["question_id"] == question].iloc[0]
    language_code = "zh" if language == "zh-CN" else "en"
    labels = {"forum": {"en": "Forum", "zh": "论坛"}, "chat": {"en": "Chat", "zh": "聊天群"}}
    labels |= {"events": {"en": "Events", "zh": "活动"}, "docs": {"en": "Docs and tutorials", "zh": "文档和教程"}}
    labels["__other__"] = {"en": "Other", "zh": "其他"}
    order = [*labels]  # the options' order in quarterly-nps.yaml, Other last
    chosen = sorted(json.loads(several["value_text"]), key=order.index)
    assert row["value_text"] == separator.join(labels[choice][language_code] for choice in chosen)
    assert pd.isna(row["value_num"])  # the number of options chosen is no answer to read
    since = {
        "zh-CN": r"\*\*自 \d{4}年\d{1,2}月\d{1,2}日 起每周行为数\*\*",
        "en": r"\*\*Activity per week since \d{1,2} \w{3} \d{4}\*\*",
    }
    assert [
        text.value for text in at.markdown if re.fullmatch(since[language], text.value)
    ]  # a day in words, not 2025-12-04
    platforms = set(table_with(at, "platform")["platform"].dropna())  # the latest activities' platforms in words
    # every platform the demo gives activities to (a webinar's on Zoom, an event's in person), in words;
    # which one a member's latest activities show depends on the day the demo ends (today)
    demo_platforms = ("forum", "discord", "wechat", "github", "zoom", "in person")
    words = {translate(f"platform.{platform}", language) for platform in demo_platforms}
    assert platforms and platforms <= words


def test_what_changed_most_signs_its_percent_change_as_its_change(demo, monkeypatch):
    """ "+72" beside "5.9%" read as if the share had not risen; both are signed now, in percent on
    the screen and as fractions in the download."""
    downloads: dict[str, pd.DataFrame] = {}
    download = ui_tables._download

    def kept(frame: pd.DataFrame, *, key: str, file_name: str) -> None:
        downloads[key] = frame
        download(frame, key=key, file_name=file_name)

    monkeypatch.setattr(ui_tables, "_download", kept)
    at = open_page("overview")
    table = next(frame for frame in at.dataframe if "change_pct" in frame.value.columns)
    movers = table.value
    assert len(movers) > 0
    expected = (movers["change"] / movers["previous"] * 100).round(1).tolist()  # as the grid writes it
    assert movers["change_pct"].tolist() == pytest.approx(expected)
    written = test_app_tables.displayed(table)["change_pct"].tolist()
    assert 0.0 not in expected  # (a tile writes a zero change 0.0%, unsigned)
    assert written == [f"{share:+.1f}%" for share in expected]
    assert not at.exception
    downloaded = downloads["overview_movers"]
    assert downloaded["change_pct"].tolist() == pytest.approx((downloaded["change"] / downloaded["previous"]).tolist())


def test_viewers_see_no_email_and_no_free_text(demo, monkeypatch):
    monkeypatch.setattr("ui.session.current_role", lambda: Role.VIEWER)
    member_id = a_respondent(demo)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["member"] = member_id
    at.run()
    at.switch_page("pages/lookup.py").run()
    assert not at.exception
    assert at.text_input(key="lookup_q").label == "Search by name or member id"
    assert "@" not in at.caption[0].value
    assert "value_text" not in table_with(at, "question_id").columns
    assert "text" not in table_with(at, "status").columns
    assert any("hidden for your role" in caption.value for caption in at.caption)


def test_unknown_member_says_so(demo):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["member"] = "nobody"
    at.run()
    at.switch_page("pages/lookup.py").run()
    assert not at.exception
    assert at.warning[0].value == "There is no member with the id nobody."


@pytest.mark.parametrize("name", ["overview", "members", "engagement", "campaigns"])
def test_every_table_has_a_download(demo, name):
    at = open_page(name)
    downloads = at.get("download_button")
    slipping = 0 if seeded.slipping_champions(demo).empty else 1  # none on the demo: no table
    # The movers; growth, the champions and any slipping ones; the leaderboard; the campaigns.
    assert len(at.dataframe) == {"overview": 1, "members": 2 + slipping, "engagement": 1, "campaigns": 1}[name]
    assert len(downloads) == len(at.dataframe)


def test_searched_text_is_shown_literally(demo):
    at = open_page("lookup")
    at.text_input(key="lookup_q").input("**x** <b>").run()
    assert not at.exception
    assert at.info[0].value == "No member matches “\\*\\*x\\*\\* \\<b\\>”."


def test_engagement_shows_wecom_groups_where_a_connector_keeps_their_figures(demo_data_dir, pulse_env, tmp_path):
    """The demo's community with two days of WeCom figures in the last 28 days (40 and 60 messages,
    10 and 14 members who spoke, 2 and 3 new members): 100 messages, 12.0 a day, 5 new."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(demo_data_dir / "app.db", folder / "app.db")
    frames = read_tables(demo_data_dir / "warehouse.duckdb", [table.name for table in schema.metadata.sorted_tables])
    today = datetime.now(UTC).date()
    figures = {name: [0, 0] for name in FIGURES}
    days = pd.DataFrame(
        {
            **figures,
            "day": [(today - timedelta(days=3)).isoformat(), (today - timedelta(days=2)).isoformat()],
            "msg_total": [40, 60],
            "member_has_msg": [10, 14],
            "new_member_cnt": [2, 3],
        }
    )
    build_warehouse(
        folder / "warehouse.duckdb",
        frames,
        timezone="UTC",
        stamp={GROUP_DAYS_KEY: "2"},
        beside={group_days: group_days_frame(days)},
    )
    pulse_env(folder)
    at = open_page("engagement")
    shown = {metric.label: metric.value for metric in at.metric}
    labels = ("Messages in WeCom groups", "Members who spoke, a day", "New group members")
    assert [shown[label] for label in labels] == ["100", "12.0", "5"]
    assert any(header.value == "WeCom customer groups" for header in at.subheader)
    assert len(at.get("vega_lite_chart")) == 3  # activity, platforms, and the groups' messages a day
    whole = "All the groups: WeCom counts them as a whole"
    assert not any(caption.value.startswith(whole) for caption in at.caption)
    segment = at.selectbox(key="filters_segment")
    segment.select(segment.options[1]).run()  # a segment narrows the members, not WeCom's groups
    assert any(caption.value.startswith(whole) for caption in at.caption)
    assert {metric.label: metric.value for metric in at.metric}["Messages in WeCom groups"] == "100"
