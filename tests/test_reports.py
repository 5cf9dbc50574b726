"""The meeting report: its content against the Overview's figures, escaping, PNG, CLI and the button."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import cli
from metrics.filters import Filters
from metrics.overview import overview_kpis
from reports.meeting import Report, build_report, to_html, to_png

APP = str(Path(__file__).resolve().parent.parent / "app.py")
P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
NOW = datetime(2025, 3, 9, 8)


def test_the_report_holds_the_overview_kpis_charts_campaigns_and_surveys(duckdb_warehouse, app_store):
    report = build_report(warehouse=duckdb_warehouse, app_store=app_store, filters=P, now=NOW)
    page = to_html(report)
    kpis = overview_kpis(warehouse=duckdb_warehouse, app_store=app_store, filters=P).kpis
    assert report.kpis == kpis
    tiles = dict(re.findall(r"<div class='label'>([^<]+)</div><div class='value'>([^<]+)</div>", page))
    assert tiles["Members"] == "7" and tiles["New members"] == "2"  # by hand in test_mapping / the fixture
    assert "2025-03-01 – 2025-03-07 (UTC)" in page
    assert page.count("<svg") == 2  # activity trend and new members per week
    assert report.campaigns["name"].tolist() == ["Spring meetup"]  # 3 March is in P; January's letter is not
    assert "<td>Spring meetup</td>" in page
    assert sorted(report.surveys["slug"]) == ["post-meetup", "pulse"]
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")  # self-contained


def test_text_from_data_is_escaped():
    report = Report(
        filters=Filters(start=P.start, end=P.end, region="<EU>"),
        made_at=NOW,
        kpis={},
        charts=[],
        campaigns=pd.DataFrame({"name": ["<script>alert(1)</script>"], "participants": [3]}),
        surveys=pd.DataFrame(),
    )
    page = to_html(report)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Region: &lt;EU&gt;" in page
    assert "No survey yet." in page


def test_the_png_is_one_image_of_tiles_and_charts(duckdb_warehouse, app_store):
    image = to_png(build_report(warehouse=duckdb_warehouse, app_store=app_store, filters=P, now=NOW), scale=1)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert width > 600 and height > 600  # the tiles above two charts of 260 px


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


def test_the_overview_report_button_offers_both_files(configured):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not [button for button in at.get("download_button") if "Download HTML" in str(button.proto.label)]
    at.button(key="overview_report_prepare").click().run()
    labels = [str(button.proto.label) for button in at.get("download_button")]
    assert "Download HTML" in labels and "Download PNG" in labels
