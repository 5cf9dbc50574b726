"""The app through Streamlit's AppTest: every page renders, shows its key text, and filters work."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from store import tables
from store.database import AppStore
from tests import seeded

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def overview(query: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    return at.run()


def tile(at: AppTest, label: str) -> str:
    return next(metric.value for metric in at.metric if metric.label == label)


FEEDBACK_RESPONSE = ("Median first response", "Median resolution")  # metrics.feedback.response_times


def test_overview_shows_kpis_charts_and_movers(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview()
    assert not at.exception
    assert at.title[0].value == "Overview"
    labels = [metric.label for metric in at.metric]
    assert labels[:6] == ["Members", "New members", "Monthly active", "Churn rate", "NPS", "Growth rate"]
    assert "NPS" in labels and "Open feedback" in labels
    assert tile(at, "Members") == "588"  # the fixture's 600 demo members less the 12 the seed puts in the team
    compared = [metric for metric in at.metric if metric.label not in ("NPS", *FEEDBACK_RESPONSE)]
    assert all("vs" in metric.proto.delta for metric in compared)
    first, resolution = (tile(at, label) for label in FEEDBACK_RESPONSE)  # of the period, no comparison
    assert first.endswith(" h") and resolution.endswith(" d")  # the demo answers and resolves feedback
    assert [s.value for s in at.subheader] == [
        "Active members",
        "New members per week, by channel",
        "Feedback response times",  # its tiles under a heading of their own, not the trend's
        "What changed most",
    ]
    assert len(at.get("vega_lite_chart")) == 2
    movers = at.dataframe[0].value  # measures and dimensions in words ("Active members", "Region")
    shown = movers.assign(measure=movers["measure"].str.lower(), dimension=movers["dimension"].str.lower())
    columns = ["measure", "dimension", "value", "previous", "current"]
    assert [tuple(row) for row in shown[columns].values.tolist()] == seeded.movers(demo_data_dir)


def test_a_change_that_is_not_clear_is_grey_and_says_why(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview()  # the last 28 days: the newest members are still in their first 30 days
    newcomers = next(metric for metric in at.metric if metric.label == "Newcomer conversion")
    assert newcomers.proto.delta_description == "still counting"
    assert Metric.MetricColor.Name(newcomers.proto.color) == "GRAY"
    assert "still in their first 30 days" in newcomers.proto.help
    today = overview({"period": "today"})
    assert all(
        Metric.MetricColor.Name(metric.proto.color) == "GRAY" for metric in today.metric if metric.proto.delta
    )  # today is not over: nothing is coloured


def test_region_filter_changes_the_numbers(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview()
    everyone = tile(at, "Members")
    at.selectbox(key="filters_region").select("Europe").run()
    assert not at.exception
    assert everyone == "588"
    members = seeded.people(demo_data_dir)
    assert tile(at, "Members") == f"{(members['region'] == 'Europe').sum():,}"  # 150 of them


def test_the_address_holds_the_view_in_words_of_no_language(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    by_widget = overview()
    by_widget.selectbox(key="filters_period").select("last_90_days").run()
    by_widget.selectbox(key="filters_segment").select("student").run()
    assert dict(by_widget.query_params) == {"period": "last_90_days", "segment": "student"}
    from_url = overview({"period": "last_90_days", "segment": "student"})
    assert not from_url.exception
    assert from_url.selectbox(key="filters_segment").value == "student"
    assert [m.value for m in from_url.metric] == [m.value for m in by_widget.metric]
    # An address of an earlier version (the widgets' English labels) opens the same view, in words.
    legacy = overview({"overview_period": "Last 90 days", "overview_segment": "student"})
    assert [m.value for m in legacy.metric] == [m.value for m in by_widget.metric]
    assert dict(legacy.query_params) == {"period": "last_90_days", "segment": "student"}


def test_the_view_follows_from_page_to_page(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview({"period": "custom", "start": "2026-10-01", "end": "2026-11-01", "region": "Europe"})
    at.query_params.clear()  # the navigation's link to another page carries no filters
    at.switch_page("pages/members.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="filters_region").value == "Europe"
    assert at.date_input(key="filters_dates").value == (date(2026, 10, 1), date(2026, 10, 31))
    assert dict(at.query_params) == {
        "period": "custom",
        "start": "2026-10-01",
        "end": "2026-11-01",
        "region": "Europe",
    }


def test_an_address_with_an_unreadable_period_says_so_and_shows_a_view(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview({"period": "next_year"})
    assert not at.exception
    assert [warning.value for warning in at.warning] == [
        "The address named a period that could not be read; showing the last view instead."
    ]
    assert at.selectbox(key="filters_period").value == "last_28_days"


@pytest.mark.parametrize(
    "query",
    [
        {"period": "custom", "start": "1990-01-01", "end": "1990-02-01"},  # before any custom period may start
        {"period": "custom", "start": "2026-01-01", "end": "2099-01-01"},  # after today
        {"overview_period": "Custom dates", "overview_dates": "2025-03-01--9999-12-31"},  # no day after the last
    ],
)
def test_dates_the_picker_does_not_offer_are_named_not_replaced_silently(demo_data_dir, pulse_env, query):
    pulse_env(demo_data_dir)
    at = overview(query)
    assert not at.exception
    assert [warning.value for warning in at.warning] == [
        "The address named a period that could not be read; showing the last view instead."
    ]


def test_custom_dates_without_activity_say_so(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview({"period": "custom", "start": "2019-01-01", "end": "2019-02-01"})
    assert not at.exception
    assert any("No activity between 1 Jan 2019 and 31 Jan 2019" in info.value for info in at.info)
    assert tile(at, "Members") == "0"


def test_missing_data_explains_how_to_get_some(tmp_path, pulse_env):
    pulse_env(tmp_path)
    at = overview()
    assert not at.exception
    assert "python cli.py demo" in at.info[0].value


def test_unusable_setting_is_named(tmp_path, pulse_env, monkeypatch):
    pulse_env(tmp_path)
    monkeypatch.setenv("PULSE_TIMEZONE", "Mars/Olympus")
    at = overview()
    assert not at.exception
    assert "'Mars/Olympus'" in at.error[0].value.replace("\\", "")  # the value as text: markdown escapes


def test_an_answer_given_today_reaches_the_overview_within_a_minute(configured, monkeypatch):
    import ui.data

    at = overview({"period": "today"})
    assert tile(at, "NPS") == "–"  # nobody answered today
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    now = datetime.now(UTC).replace(tzinfo=None)
    with store.begin() as connection:
        survey = connection.execute(sa.select(tables.surveys.c.id).where(tables.surveys.c.slug == "pulse")).scalar()
        response = connection.execute(
            tables.responses.insert().values(
                survey_id=survey,
                member_id="alice",
                submitted_at=now,
                completed=True,
                idempotency_key="today",
                source="web",
            )
        ).inserted_primary_key[0]
        connection.execute(
            tables.answers.insert().values(response_id=response, question_id="nps", question_type="nps", value_num=10)
        )
    store.dispose()
    later = time.time() + 60
    monkeypatch.setattr(ui.data.time, "time", lambda: later)  # the next minute: no sync needed
    assert tile(at.run(), "NPS") == "+100"
    # its caption writes the score as the tile does, and one answer as one
    assert "NPS +100 from 1 answer: too few to read (it needs 30)." in [caption.value for caption in at.caption]
