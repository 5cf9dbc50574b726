"""Dates, numbers and percentages as each language writes them (catalog/locale.py), and where they
reach a person: tiles, table columns, chart axes and tooltips, the meeting report."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from catalog import locale
from metrics.filters import Filters
from metrics.kpi import Kpi
from reports import display
from reports.html import to_html
from reports.image import png_spec
from reports.meeting import Report
from tests.test_reports import html_text, spec_texts
from ui.i18n import speaking
from ui.tables import known_words
from visuals.charts import COHORT_LIMIT, activity_trend_chart, campaign_reach_chart, cohort_heatmap, new_members_chart
from visuals.formats import format_change, format_value

MONDAY = date(2026, 11, 2)
AFTERNOON = datetime(2026, 11, 30, 14, 3)


@pytest.mark.parametrize(
    "language, day, short_day, month, weekday, moment",
    [
        ("en", "2 Nov 2026", "2 Nov", "Nov 2026", "Mon", "30 Nov 2026, 14:03"),
        ("zh-CN", "2026年11月2日", "11月2日", "2026年11月", "周一", "2026年11月30日 14:03"),
        ("zh-TW", "2026年11月2日", "11月2日", "2026年11月", "週一", "2026年11月30日 14:03"),
        ("zh-Hant-HK", "2026年11月2日", "11月2日", "2026年11月", "週一", "2026年11月30日 14:03"),
        ("fr", "2 Nov 2026", "2 Nov", "Nov 2026", "Mon", "30 Nov 2026, 14:03"),  # no French: English
    ],
)
def test_dates_read_as_each_language_writes_them(language, day, short_day, month, weekday, moment):
    assert locale.day(MONDAY, language) == day
    assert locale.short_day(MONDAY, language) == short_day
    assert locale.month(MONDAY, language) == month
    assert locale.weekday(MONDAY, language) == weekday
    assert locale.moment(AFTERNOON, language) == moment
    assert locale.time(AFTERNOON) == "14:03"


@pytest.mark.parametrize("value", [None, float("nan"), pd.NaT])
def test_no_date_or_number_reads_as_a_dash(value):
    for language in ("en", "zh-CN"):
        assert locale.day(value, language) == locale.moment(value, language) == "—"
        assert locale.number(value, language) == locale.percent(value, language) == "—"


@pytest.mark.parametrize(
    "language, names",
    [
        ("en", ["English", "Chinese", "Spanish"]),
        ("zh-CN", ["英语", "中文", "西班牙语"]),
        ("zh-TW", ["英文", "中文", "西班牙文"]),
    ],
)
def test_a_languages_name_reads_in_the_readers_language(language, names):
    assert [locale.language_name(code, language) for code in ("en", "zh", "es")] == names
    assert locale.language_name("x-klingon", language) == "x-klingon"  # no name: the code as it is


@pytest.mark.parametrize(
    "language, names",
    [
        ("en", ["Simplified Chinese", "Traditional Chinese", "Japanese", "Brazilian Portuguese", "French (Belgium)"]),
        ("zh-CN", ["简体中文", "繁体中文", "日语", "巴西葡萄牙语", "法语（比利时）"]),
        ("zh-TW", ["簡體中文", "繁體中文", "日文", "葡萄牙文（巴西）", "法文（比利時）"]),
    ],
)
def test_a_survey_languages_name_with_script_or_region_reads_in_the_readers_language(language, names):
    assert [locale.language_name(code, language) for code in ("zh-CN", "zh-TW", "ja", "pt-BR", "fr-BE")] == names


def test_a_member_picks_a_language_by_its_own_name():
    codes = ("en", "en-GB", "zh", "zh-CN", "zh-TW", "es", "ja", "pt-BR", "x-klingon")
    names = ["English", "English", "简体中文", "简体中文", "繁體中文", "Español", "日本語", "Português (Brasil)"]
    names.append("x-klingon")  # no name: the code as it is
    assert [locale.autonym(code) for code in codes] == names


@pytest.mark.parametrize("code", ["es", "ja", "pt-BR", "zh-Hant", "es-419", "yue"])
def test_a_survey_language_is_any_code_cldr_knows(code):
    assert locale.is_language_code(code)


@pytest.mark.parametrize("code", ["klingon", "x-klingon", "", "e", "es_MX", "es MX", 3, None, "qq"])
def test_anything_else_is_not_a_language_code(code):
    assert not locale.is_language_code(code)


def test_dates_take_text_timestamps_and_datetimes_alike():
    assert locale.day("2026-11-02", "zh-CN") == locale.day(pd.Timestamp("2026-11-02 23:59"), "zh-CN") == "2026年11月2日"


@pytest.mark.parametrize("language", ["en", "zh-CN", "zh-TW"])
def test_numbers_and_percentages_group_thousands_and_round_as_python_does(language):
    # CLDR: English and both Chinese locales group by thousands with "," and write "." and "%".
    assert locale.number(1234567, language) == "1,234,567"
    assert locale.number(1234.56, language, decimals=1) == "1,234.6"
    assert locale.number(-1234, language, sign=True) == "-1,234"
    assert locale.number(12, language, sign=True) == "+12"
    assert locale.percent(0.125, language) == "12.5%"
    assert locale.percent(0.125, language, decimals=0) == "12%"  # half to even, as format() does
    assert locale.percent(0.015, language, sign=True) == "+1.5%"


def test_table_columns_and_chart_axes_spell_the_forms_for_streamlit_and_vega():
    assert locale.column_format("day", "en") == "D MMM YYYY"
    assert locale.column_format("moment", "en") == "D MMM YYYY, HH:mm"
    assert locale.column_format("day", "zh-TW") == "YYYY年M月D日"
    assert locale.column_format("moment", "zh-CN") == "YYYY年M月D日 HH:mm"
    assert locale.chart_format("short_day", "en") == "%-d %b"
    assert locale.chart_format("short_day", "zh-CN") == "%-m月%-d日"
    assert locale.chart_format("day", "zh-CN") == "%Y年%-m月%-d日"


def test_vegas_locale_names_months_and_weekdays_as_chinese_does():
    time = locale.vega_locale("zh-CN")["time"]
    assert time["shortMonths"][10] == "11月" and time["shortDays"][:2] == ["周日", "周一"]
    assert locale.vega_locale("zh-TW")["time"]["shortDays"][1] == "週一"
    assert locale.vega_locale("en")["time"]["shortMonths"][10] == "Nov"
    assert locale.vega_locale("zh-CN")["number"] == {
        "decimal": ".",
        "thousands": ",",
        "grouping": [3],
        "currency": ["", ""],
    }


def test_a_tile_writes_its_value_and_change_in_the_language():
    with speaking("zh-CN"):
        assert format_value("members", 12345) == "12,345"
        assert format_value("active_rate", 0.125) == "12.5%"
        assert format_value("nps", 20) == "+20"
        assert format_change("open_feedback", Kpi(23, 23)) == "与上期持平（23）"  # not "0（上期 23）"
    with speaking("en"):
        assert format_change("active_rate", Kpi(0.215, 0.2)) == "+1.5 pts vs 20.0%"
        assert format_change("dau_avg", Kpi(1234.5, 1000)) == "+234.5 vs 1,000.0"


def _charted(chart: object) -> dict:
    return chart.to_dict()  # type: ignore[attr-defined]


def test_a_chinese_line_chart_writes_its_days_in_chinese():
    daily = pd.DataFrame({"date": [date(2026, 11, 1), date(2026, 11, 2)], "dau": [3, 4], "wau": [5, 6], "mau": [7, 8]})
    with speaking("zh-CN"):
        spec = _charted(activity_trend_chart(daily))
    x = spec["encoding"]["x"]
    assert x["axis"]["format"] == "%-m月%-d日"
    assert spec["encoding"]["tooltip"][0]["format"] == "%Y年%-m月%-d日"
    with speaking("en"):
        assert _charted(activity_trend_chart(daily))["encoding"]["x"]["axis"]["format"] == "%-d %b"


def test_chinese_weekly_bars_label_their_weeks_in_chinese():
    weeks = pd.DataFrame({"week": [MONDAY, date(2026, 11, 9)], "value": ["forum", "forum"], "new_members": [2, 3]})
    with speaking("zh-CN"):
        spec = _charted(new_members_chart(weeks))
    assert spec["encoding"]["x"]["axis"]["labelExpr"] == "utcFormat(toDate(datum.value), '%-m月%-d日')"
    rows = next(iter(spec["datasets"].values()))
    assert [row["when"] for row in rows] == ["2026年11月2日", "2026年11月9日"]


def test_a_chinese_cohort_grid_names_its_months_in_chinese():
    grid = pd.DataFrame(
        {
            "cohort": [date(2026, 10, 1)],
            "months_since": [0],
            "size": [1234],
            "active": [617],
            "share": [0.5],
            "so_far": [False],
        }
    )
    with speaking("zh-CN"):
        spec = _charted(cohort_heatmap(grid))
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["cohort"] == "2026年10月（1,234）"
    # Streamlit's theme cuts axis labels at 100 pixels: "2026年10月（29…" in Chromium. The chart allows more.
    assert spec["layer"][0]["encoding"]["y"]["axis"]["labelLimit"] == COHORT_LIMIT == 140


def test_campaign_kinds_are_coloured_by_their_catalog_word_and_selected_by_key():
    table = pd.DataFrame(
        {"name": ["Meetup"], "kind": ["event"], "starts_at": [MONDAY], "reach": [5], "participants": [2]}
    )
    with speaking("en"):
        spec = _charted(campaign_reach_chart(table))
    rows = next(iter(spec["datasets"].values()))
    assert (rows[0]["kind"], rows[0]["shown"]) == ("event", "Event")
    assert spec["encoding"]["color"]["field"] == "shown"
    assert spec["params"][0]["select"]["fields"] == ["kind"]


def _report(language: str, timezone: str = "UTC") -> Report:
    return Report(
        filters=Filters(start=date(2026, 11, 2), end=date(2026, 11, 9), timezone=timezone),
        made_at=datetime(2026, 11, 10, 14, 3),
        kpis={"members": Kpi(12345, 12000)},
        charts=[],
        campaigns=pd.DataFrame(
            {
                "name": ["线下见面会"],
                "kind": ["event"],
                "starts_at": [datetime(2026, 11, 3)],
                "attendance_rate": [0.125],
            }
        ),
        surveys=pd.DataFrame(),
        themes=pd.DataFrame(),
        language=language,
    )


def test_the_chinese_report_writes_its_dates_and_numbers_in_chinese():
    page = " ".join(html_text(to_html(_report("zh-CN", "Asia/Shanghai"))).split())
    # The period 2–8 Nov against 26 Oct – 1 Nov, the campaign's start, when it was made.
    for shown in ("2026年11月2日", "2026年11月8日", "2026年10月26日", "2026年11月1日", "2026年11月3日"):
        assert shown in page
    assert "2026年11月10日 22:03 (Asia/Shanghai)" in page  # made at 14:03 UTC, on Beijing's clock
    assert "12,345" in page and "12.5%" in page
    assert "Nov 2026" not in page
    assert "<html lang='zh-CN'>" in to_html(_report("zh-CN"))
    spec = png_spec(_report("zh-CN"))
    texts = spec_texts(spec)
    assert any("2026年11月2日" in text for text in texts) and "2026年11月3日" in texts
    assert spec["config"]["locale"]["time"]["shortMonths"][10] == "11月"  # vega's own defaults, in Chinese


def test_the_english_report_keeps_its_forms():
    report = _report("en")
    campaigns = display.tables(report)[0]
    assert campaigns.rows[0][:3] == ("线下见面会", "Event", "3 Nov 2026")
    assert "Made 10 Nov 2026, 14:03 (UTC)" in html_text(to_html(report))


def test_campaign_kinds_and_suggested_themes_show_as_the_catalogs_words():
    with speaking("en"):
        assert known_words("campaign.kind") == {
            "event": "Event",
            "webinar": "Webinar",
            "challenge": "Challenge",
            "promotion": "Promotion",
            "newsletter": "Newsletter",
        }
        assert known_words("theme")["support"] == "Support"
        with speaking("zh-CN"):  # made once a language, never served in another's
            assert (known_words("theme")["support"], known_words("campaign.kind")["event"]) == ("使用求助", "线下活动")
        with speaking("zh-TW"):
            assert known_words("campaign.kind")["event"] == "實體活動"
        assert known_words("theme")["support"] == "Support"


def test_what_rounds_to_zero_is_0_without_a_sign():
    """An NPS of -0.4 read "-0" on its tile, a lift of 0 "+0.00" in the report."""
    assert [locale.number(value, "en", sign=True) for value in (-0.4, 0, 0.4, -0.6)] == ["0", "0", "0", "-1"]
    assert locale.number(-0.004, "en", decimals=2, sign=True) == "0.00"
    assert locale.number(-0.04, "zh-CN", decimals=1) == "0.0"
    assert (format_value("nps", -0.4), format_value("nps", 31.4)) == ("0", "+31")
