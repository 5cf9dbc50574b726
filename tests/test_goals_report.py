"""Goals and notes in `cli.py report` (JSON, unrounded) and in the meeting report (HTML with the goal
line and the note on its chart, escaped; the PDF through pdftotext)."""

from __future__ import annotations

import html
import json
from datetime import date, datetime

import pytest

import cli
import clock
from metrics import goals, notes
from store.database import AppStore
from tests.test_reports import html_text, poppler

TODAY = datetime(2025, 3, 7, 12, 0)  # the fixture's period P is 1-7 March 2025
NOTE = "Discord <b>outage</b> & *pricing*"


@pytest.fixture
def with_goals(configured, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: TODAY)
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    # New members: 2 joined in the first 7 days of 14 (tests/community.py), so 4 at that pace.
    goals.add_goal(
        store,
        kpi="new_members",
        start=date(2025, 3, 1),
        end=date(2025, 3, 15),
        target=5,
        by="ana@example.org",
        now=TODAY,
    )
    goals.add_goal(
        store, kpi="mau", start=date(2025, 3, 1), end=date(2025, 4, 1), target=9, by="ana@example.org", now=TODAY
    )
    goals.add_goal(  # another region's goal is not the community's
        store,
        kpi="mau",
        start=date(2025, 3, 1),
        end=date(2025, 4, 1),
        target=2,
        by="ana@example.org",
        now=TODAY,
        region="EU",
    )
    notes.add_note(store, title=NOTE, start=date(2025, 3, 4), end=date(2025, 3, 6), by="ana@example.org", now=TODAY)
    store.dispose()
    return configured


def test_the_cli_json_carries_the_views_goals_with_progress_and_its_notes(with_goals, capsys):
    assert cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    new, mau = sorted(document["goals"], key=lambda goal: goal["kpi"], reverse=True)
    assert new == {
        "id": 1,
        "kpi": "new_members",
        "start": "2025-03-01",
        "end": "2025-03-15",
        "target": 5.0,
        "channel": None,
        "region": None,
        "segment": None,
        "set_by": "ana@example.org",
        "as_of": "2025-03-07",
        "current": 2,
        "projected": 4.0,
        "margin": None,
        "share": 0.4,
        "status": "behind",
    }
    assert (mau["kpi"], mau["target"], mau["current"], mau["status"]) == ("mau", 9.0, 6, mau["status"])
    assert document["notes"] == [{"id": 1, "title": NOTE, "start": "2025-03-04", "end": "2025-03-06"}]


def test_the_meeting_report_shows_goals_the_goal_line_and_the_note_as_text(with_goals, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert (
        cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "html", "--out", str(out)]) == 0
    )
    page = out.read_text(encoding="utf-8")
    text = " ".join(html_text(page).split())
    header = "Goals KPI For First day Last day Target So far Progress Projected Status"
    assert f"{header} New members Whole community 1 Mar 2025 14 Mar 2025 5 2 40% 4 behind" in text
    assert "Monthly active Whole community 1 Mar 2025 31 Mar 2025 9 6 67%" in text
    assert "Region: EU" not in text  # the EU's goal is not this view's
    # The note in the notes table and on the trend chart (an SVG text), escaped, never markup.
    assert f"Notes First day Last day Note 4 Mar 2025 5 Mar 2025 {NOTE}" in text
    assert "<b>outage</b>" not in page and html.escape(NOTE, quote=False) in page
    assert "Goal: Monthly active 9" in text  # the goal line's label on the trend chart
    pdf = tmp_path / "report.pdf"
    assert (
        cli.main(["report", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "pdf", "--out", str(pdf)]) == 0
    )
    printed = " ".join(poppler("pdftotext", pdf).split())
    assert "Goals" in printed and "Discord <b>outage</b>" in printed and "Goal: Monthly active 9" in printed
