"""The app through Streamlit's AppTest: every page renders, shows its key text, and filters work."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def overview(query: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    return at.run()


def tile(at: AppTest, label: str) -> str:
    return next(metric.value for metric in at.metric if metric.label == label)


def test_overview_shows_kpis_charts_and_movers(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview()
    assert not at.exception
    assert at.title[0].value == "Overview"
    labels = [metric.label for metric in at.metric]
    assert labels[:6] == ["Members", "New members", "Monthly active", "Churn rate", "NPS", "Growth rate"]
    assert "NPS" in labels and "Open feedback" in labels
    assert int(tile(at, "Members").replace(",", "")) > 500
    assert all("vs" in metric.proto.delta for metric in at.metric if metric.label != "NPS")
    assert [s.value for s in at.subheader] == [
        "Active members",
        "New members per week, by channel",
        "What changed most",
    ]
    assert len(at.get("vega_lite_chart")) == 2
    assert len(at.dataframe[0].value) > 0  # the movers table


def test_region_filter_changes_the_numbers(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview()
    everyone = tile(at, "Members")
    at.selectbox(key="overview_region").select("Europe").run()
    assert not at.exception
    assert tile(at, "Members") != everyone
    assert int(tile(at, "Members").replace(",", "")) < int(everyone.replace(",", ""))


def test_url_reproduces_the_view(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    by_widget = overview()
    by_widget.selectbox(key="overview_period").select("last_90_days").run()
    by_widget.selectbox(key="overview_segment").select("student").run()
    # A bound selectbox writes its displayed label into the URL.
    from_url = overview({"overview_period": "Last 90 days", "overview_segment": "student"})
    assert not from_url.exception
    assert from_url.selectbox(key="overview_segment").value == "student"
    assert [m.value for m in from_url.metric] == [m.value for m in by_widget.metric]


def test_custom_dates_without_activity_say_so(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = overview({"overview_period": "Custom dates", "overview_dates": ["2019-01-01", "2019-01-31"]})
    assert not at.exception
    assert any("No activity between 2019-01-01 and 2019-01-31" in info.value for info in at.info)
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
    assert "Mars/Olympus" in at.error[0].value
