"""The meeting report: its content against the Overview's figures, the period's survey scores, how
each format reads (HTML, PDF through pdftotext, PNG through the spec it is drawn from), Chinese
names, what it never shows, escaping, the CLI and the button."""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import vl_convert
from streamlit.testing.v1 import AppTest

import cli
from catalog.spoken import speaking, t
from data_sources.warehouse import Warehouse
from digests import compose
from metrics.feedback import open_themes
from metrics.filters import Filters
from metrics.kpi import Kpi
from metrics.kpis import HEADLINE
from metrics.overview import overview_kpis
from reports import display
from reports.html import to_html
from reports.image import png_spec, to_png
from reports.meeting import Report, build_report
from reports.pdf import to_pdf
from store import tables
from store.database import AppStore
from tests import community
from tests.conftest import fill_app_store, make_warehouse
from visuals import charts, formats

APP = str(Path(__file__).resolve().parent.parent / "app.py")
P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
NOW = datetime(2025, 3, 9, 8)
MEETUP = "线下见面会"
# 1-10 March, members in the EU: alice, bob, gina and (from 8 March) frank; tom is staff.
EU = Filters(start=date(2025, 3, 1), end=date(2025, 3, 11), region="EU")
THEMED = [  # feedback key, theme, text
    ("f1", "events", "Loved the 线下见面会! Write to alice@example.org"),
    ("f3", "events", "希望下次在周末举办。"),
    ("f6", "support", "Nobody answered my question"),
]
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # attendance_rate, nps_margin, ...
MISSING = re.compile(r"\b(None|NaN|nan|NaT|null|undefined)\b")


def test_the_report_holds_the_overview_kpis_charts_campaigns_surveys_and_themes(duckdb_warehouse, app_store):
    report = build_report(warehouse=duckdb_warehouse, app_store=app_store, filters=P, now=NOW)
    page = to_html(report)
    assert report.kpis == overview_kpis(warehouse=duckdb_warehouse, app_store=app_store, filters=P).kpis
    tiles = dict(re.findall(r"<div class='label'>([^<]+)</div><div class='value'>([^<]+)</div>", page))
    assert tiles["Members"] == "7" and tiles["New members"] == "2"  # by hand in test_mapping / the fixture
    assert tiles["NPS"] == "+25 ± 81"  # 2 promoters, 1 detractor of 4: 1.96·√((3/4 − 1/16)/4) = 81.3
    assert "1 Mar 2025 – 7 Mar 2025 (UTC), compared with 22 Feb 2025 – 28 Feb 2025." in page
    assert "Members: All members" in page
    assert page.count("<svg") == 2  # activity trend and new members per week
    assert report.campaigns["name"].tolist() == ["Spring meetup"]  # 3 March is in P; January's letter is not
    assert "<td class='name'>Spring meetup</td>" in page
    # The pulse's answers of 2-6 March; its 8 March answer and the meetup survey's of 10 March are later.
    assert report.surveys[["title", "responses", "nps", "nps_answers"]].to_dict("records") == [
        {"title": "Pulse", "responses": 5, "nps": 25.0, "nps_answers": 4}
    ]
    assert report.surveys["nps_margin"].iloc[0] == pytest.approx(196 * math.sqrt((3 / 4 - 1 / 16) / 4), rel=1e-12)
    # Open at 8 March, none themed: f1 (alice), f3 (anonymous), f6 (closed exactly at the end).
    assert [(theme, items) for theme, items in zip(report.themes["theme"], report.themes["items"], strict=True)] == [
        (None, 3)
    ]
    assert "example" not in report.themes  # free text only for who may read it
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")  # self-contained


def test_survey_scores_count_only_answers_submitted_in_the_period(duckdb_warehouse, app_store):
    later = Filters(start=date(2025, 3, 8), end=date(2025, 3, 11))
    report = build_report(warehouse=duckdb_warehouse, app_store=app_store, filters=later, now=NOW)
    surveys = {table.title: table for table in display.tables(report)}["Surveys answered in the period"]
    # Meetup survey, 10 March: alice 10/5, carol 9/4, hank 5/3 (tom is staff): NPS (2 − 1)/3 = +33,
    # margin 1.96·√((1 − 1/9)/3) = 107, CSAT 2 of 3. Pulse: erin's 0 at 8 March 00:00 alone.
    assert surveys.rows == [
        ("How was the meetup?", "Open", "3", "+33 ± 107", "3", "66.7%", "3"),
        ("Pulse", "Open", "1", "-100 (1 answer)", "1", "—", "0"),  # one answer: no margin to give
    ]


def test_open_themes_count_items_open_at_the_end_named_first(chinese):
    warehouse, store = chinese
    themes = open_themes(app_store=store, warehouse=warehouse, filters=Filters(start=EU.start, end=EU.end))
    feedback = store.run(sa.select(tables.feedback.c.text, tables.feedback.c.id))
    ids = dict(zip(feedback["text"], feedback["id"], strict=True))
    # Open at 11 March: f1 and f3 (events; f3 is newer), f5 (dave, 9 March, no theme); f6 closed on the 8th.
    assert themes["theme"][0] == "events" and pd.isna(themes["theme"][1])
    assert themes[["items", "newest"]].to_numpy().tolist() == [[2, ids[THEMED[1][2]]], [1, ids["f5"]]]


@pytest.fixture(scope="module")
def chinese(tmp_path_factory) -> Iterator[tuple[Warehouse, AppStore]]:
    """The fixture community with the meetup and its survey named in Chinese, and feedback themed."""
    directory = tmp_path_factory.mktemp("chinese")
    frames = community.frames()
    frames["campaigns"] = frames["campaigns"].replace({"name": {"Spring meetup": MEETUP}})
    warehouse = make_warehouse("duckdb", directory, frames, None)
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    store.migrate()
    fill_app_store(store)
    with store.begin() as connection:
        surveys, feedback = tables.surveys, tables.feedback
        connection.execute(surveys.update().where(surveys.c.slug == "post-meetup").values(title=f"{MEETUP}反馈"))
        for key, theme, text in THEMED:
            connection.execute(feedback.update().where(feedback.c.text == key).values(theme=theme, text=text))
    yield warehouse, store
    warehouse.dispose()
    store.dispose()


@pytest.fixture(scope="module")
def eu_report(chinese) -> Report:
    warehouse, store = chinese
    return build_report(warehouse=warehouse, app_store=store, filters=EU, now=NOW, include_text=True)


def poppler(tool: str, path: Path) -> str:
    assert shutil.which(tool), f"{tool} is missing: run `bash scripts/system-packages.sh` (poppler-utils)"
    arguments = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(arguments, check=True, capture_output=True, text=True).stdout


def html_text(page: str) -> str:
    """What a reader sees of the page: no style sheet, no tags."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def spec_texts(spec: object, *, key: str | None = None) -> list[str]:
    """Every text the PNG's spec draws: titles and subtitles, and the `text` of its table rows."""
    if isinstance(spec, dict):
        return [text for name, value in spec.items() for text in spec_texts(value, key=name)]
    if isinstance(spec, list):
        return [text for value in spec for text in spec_texts(value, key=key)]
    return [spec] if key in ("text", "title", "subtitle") and isinstance(spec, str) else []


@pytest.fixture(scope="module")
def seen(eu_report, tmp_path_factory) -> dict[str, str]:
    """The visible text of each format of the EU report."""
    pdf = tmp_path_factory.mktemp("pdf") / "report.pdf"
    pdf.write_bytes(to_pdf(eu_report))
    return {
        "html": html_text(to_html(eu_report)),
        "pdf": poppler("pdftotext", pdf),
        "png": "\n".join(spec_texts(png_spec(eu_report))),
        "pdffonts": poppler("pdffonts", pdf),
    }


@pytest.mark.parametrize("kind", ["html", "pdf", "png"])
def test_every_format_reads_as_labels_without_raw_keys_or_missing_values(seen, kind):
    text = seen[kind]
    assert RAW_KEY.findall(text) == []
    assert MISSING.findall(text) == []
    flat = " ".join(text.split())  # pdftotext breaks lines where the page does, the PNG long labels
    assert "1 Mar 2025 – 10 Mar 2025 (UTC), compared with 19 Feb 2025 – 28 Feb 2025." in flat
    assert "Region: EU" in flat and "All members" not in flat
    for label in ("Members", "Monthly active", "Attendance", "Cost per participant", "Open items"):
        assert label in flat
    assert MEETUP in text and f"{MEETUP}反馈" in text  # the campaign and its survey, in Chinese
    assert "Loved the 线下见面会! Write to [email]" in flat  # the example, its address masked
    for private in ("Alice", "alice", "@example.org", "Hank"):  # no member's name or email
        assert private not in text


def test_the_pdf_embeds_a_cjk_font(seen):
    assert re.search(r"Noto-?Sans-?CJK", seen["pdffonts"]), seen["pdffonts"]


def test_a_campaign_whose_list_records_no_registration_reads_blank_not_zero(duckdb_warehouse, app_store):
    """January's letter invited alice and dave and records no registration: dashes, where the
    meetup (4 registered, 2 attended by the fixture) has its counts."""
    quarter = Filters(start=date(2025, 1, 1), end=date(2025, 3, 8))
    report = build_report(warehouse=duckdb_warehouse, app_store=app_store, filters=quarter, now=NOW)
    campaigns, _, _ = display.tables(report)
    rows = {row[0]: dict(zip(campaigns.columns, row, strict=True)) for row in campaigns.rows}
    letter, meetup = rows["January letter"], rows["Spring meetup"]
    assert (letter["Invited"], letter["Registered"], letter["Attended"], letter["Attendance"]) == ("2", "—", "—", "—")
    assert (meetup["Registered"], meetup["Attended"]) == ("4", "2")


def test_the_tables_read_as_people_read_them(eu_report):
    campaigns, surveys, themes = display.tables(eu_report)
    # EU: alice and gina invited, alice registered and attended. Lift: alice's active days went from 3
    # (5, 23 Feb, 1 Mar) to 1 (3 Mar), −2; neither invited nor reached: bob 2 → 0, −2; −2 − (−2) = 0.
    assert campaigns.columns[:4] == ("Campaign", "Kind", "Starts", "Invited")
    # No cost per participant under a member filter: the budget (300) pays for the whole campaign.
    assert campaigns.rows == [(MEETUP, "Event", "3 Mar 2025", "2", "1", "1", "100.0%", "1", "1", "0.00", "—")]
    # Only alice answers in the EU (anonymous answers drop out once members are selected).
    assert surveys.rows == [
        (f"{MEETUP}反馈", "Open", "1", "+100 (1 answer)", "1", "100.0%", "1"),  # one answer: no margin to give
        ("Pulse", "Open", "1", "+100 (1 answer)", "1", "—", "0"),
    ]
    assert themes.columns == ("Theme", "Open items", "Example (newest)")
    assert themes.rows == [("Events", "1", "Loved the 线下见面会! Write to [email]")]


def test_the_png_draws_every_table_cell_and_the_title_with_a_margin(eu_report):
    spec = png_spec(eu_report)
    texts = set(spec_texts(spec))
    for table in display.tables(eu_report):
        assert table.title in texts
        assert {cell for row in table.rows for cell in row} <= texts
    assert spec["padding"]["left"] >= 24 and spec["title"]["anchor"] == "start"
    image = to_png(eu_report, scale=1)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert 1000 < width < 1200 and 1200 < height < 2000  # tiles, two charts, three tables


def test_without_free_text_no_example_is_shown(chinese):
    warehouse, store = chinese
    report = build_report(warehouse=warehouse, app_store=store, filters=EU, now=NOW)
    themes = display.tables(report)[2]
    assert themes.rows == [("Events", "1")]
    assert "Loved" not in to_html(report) and "Loved" not in json.dumps(png_spec(report), ensure_ascii=False)


@pytest.mark.parametrize(
    ("language", "started", "said"),
    [
        ("en", "3 Mar 2025", "shown from 2 Apr 2025"),
        ("zh-CN", "2025年3月3日", "2025年4月2日起显示"),
        ("zh-TW", "2025年3月3日", "2025年4月2日起顯示"),
    ],
)
def test_a_lift_whose_30_days_still_run_says_when_it_is_shown(language, started, said):
    # In Shanghai the meetup starts at 00:00 on 3 March (16:00 UTC on 2 March): its day there.
    campaigns = pd.DataFrame(
        {
            "name": ["Spring meetup", "Letter"],
            "starts_at": [datetime(2025, 3, 2, 16), datetime(2025, 1, 5)],
            "lift": [None, 0.5],
            "lift_from": [date(2025, 4, 2), None],  # metrics.campaigns.results_table's
        }
    )
    report = Report(
        filters=replace(P, timezone="Asia/Shanghai"),
        made_at=NOW,
        kpis={},
        charts=[],
        campaigns=campaigns,
        surveys=pd.DataFrame(),
        themes=pd.DataFrame(),
        language=language,
    )
    with speaking(language):  # as to_html and png_spec draw it
        (table, *_) = display.tables(report)
    starts, lift = (table.columns.index(t(key, language=language)) for key in ("column.starts", "column.lift"))
    meetup, letter = table.rows
    assert (meetup[starts], meetup[lift], letter[lift]) == (started, said, "+0.50")


def test_text_from_data_is_escaped():
    report = Report(
        filters=Filters(start=P.start, end=P.end, region="<EU>"),
        made_at=NOW,
        kpis={},
        charts=[],
        campaigns=pd.DataFrame({"name": ["<script>alert(1)</script>"], "participants": [3]}),
        surveys=pd.DataFrame(),
        themes=pd.DataFrame(),
    )
    page = to_html(report)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Region: &lt;EU&gt;" in page
    assert "No survey answers between 1 Mar 2025 and 7 Mar 2025." in page


def test_cli_writes_the_report_for_the_last_seven_days_by_default(configured, tmp_path, capsys):
    out = tmp_path / "weekly.html"
    assert cli.main(["report", "--format", "html", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Wrote the meeting report for ") and str(out) in printed
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    png = tmp_path / "weekly.png"
    assert (
        cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "png", "--out", str(png)]) == 0
    )
    assert png.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(SystemExit) as refused:
        cli.main(["report", "--format", "html"])  # where to?
    assert refused.value.code == 2
    assert "--format html needs --out FILE" in capsys.readouterr().err


def test_cli_writes_the_pdf_with_what_members_wrote(configured, tmp_path):
    pdf = tmp_path / "weekly.pdf"
    arguments = ["report", "--start", "2025-03-01", "--end", "2025-03-08", "--segment", "dev", "--format", "pdf"]
    assert cli.main([*arguments, "--out", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = " ".join(poppler("pdftotext", pdf).split())
    assert "1 Mar 2025 – 7 Mar 2025 (UTC)" in text and "Segment: dev" in text
    assert "Spring meetup" in text
    # The operator's report quotes feedback: alice's f1, the newest item open at 8 March (dev members).
    assert "Example (newest)" in text and re.search(r"\bf1\b", text)


def test_the_overview_report_button_offers_three_files(configured):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not [button for button in at.get("download_button") if "Download HTML" in str(button.proto.label)]
    at.button(key="overview_report_prepare").click().run()
    labels = [str(button.proto.label) for button in at.get("download_button")]
    assert {"Download HTML", "Download PDF", "Download PNG"} <= set(labels)


def test_a_report_tile_says_why_a_change_is_not_clear():
    made = datetime(2026, 11, 30, 15, 0)
    today = Filters(start=date(2026, 11, 30), end=date(2026, 12, 1))
    report = Report(
        filters=today,
        made_at=made,
        kpis={"members": Kpi(120, 100), "nps": Kpi(20, 10, margin=30, previous_margin=40, sample=9, previous_sample=9)},
        charts=[],
        campaigns=pd.DataFrame(),
        surveys=pd.DataFrame(),
        themes=pd.DataFrame(),
    )
    assert [tile.change for tile in display.tiles(report)] == ["+20 vs 100 · so far", "+10 vs +10 · so far"]
    over = Report(**{**vars(report), "filters": Filters(start=date(2026, 10, 1), end=date(2026, 11, 1))})
    assert [tile.change for tile in display.tiles(over)] == ["+20 vs 100", "+10 vs +10 · few to go on"]


def test_an_emoji_in_a_campaigns_name_does_not_fail_the_reports_drawing():
    """vl-convert cuts a title too long for its room by UTF-16 halves, and a cut inside an emoji
    failed the whole PNG and SVG: the report draws such characters as □ (its fonts have no emoji)."""
    daily = pd.DataFrame({"date": pd.date_range("2026-11-06", periods=28).date, "dau": 5, "wau": 15, "mau": 28})
    name = "🎉 新年活动 🎉🎉🎉 Party"
    marks = pd.DataFrame(
        [("campaign", name, date(2026, 12, 1), date(2026, 12, 3))], columns=["kind", "title", "start", "end"]
    )
    chart = charts.activity_trend_chart(daily, marks=marks)
    with pytest.raises(ValueError, match="deserialize text"):  # the spec as the app gives it to a browser
        vl_convert.vegalite_to_png(chart.properties(width=860, height=200).to_dict())
    spec = display.chart_spec(chart, width=860, height=200)
    written = json.dumps(spec, ensure_ascii=False)
    assert name.replace("🎉", "□") in written and "🎉" not in written
    assert vl_convert.vegalite_to_png(spec).startswith(b"\x89PNG")
    assert "<svg" in vl_convert.vegalite_to_svg(spec)


def test_a_digests_and_a_reports_nps_say_when_few_answers_make_it_unsure():
    few = Kpi(current=0.0, previous=-20.0, margin=0.0, previous_margin=50.0, sample=1, previous_sample=5)
    kpis = {key: Kpi(current=None, previous=None) for key in HEADLINE} | {"nps": few}
    report = Report(
        filters=Filters(start=date(2026, 11, 30), end=date(2026, 12, 7)),
        made_at=datetime(2026, 12, 7, 9, 0),
        kpis=kpis,
        charts=[],
        campaigns=pd.DataFrame(),
        surveys=pd.DataFrame(),
        themes=pd.DataFrame(),
    )
    [nps] = [figure for figure in compose.figures(report) if figure.label == "NPS"]
    assert (nps.value, nps.change) == ("0", "+20 · few to go on")
    assert formats.with_margin(0.0, 0.0, 1) == "0 (1 answer)"  # every answer alike: no margin of 0 to give
    assert formats.with_margin(25.0, 81.3, 4) == "+25 ± 81"
