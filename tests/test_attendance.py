"""An event's registration and attendance sheet imported as a campaign's members (issue 24 item 5)."""

from __future__ import annotations

import shutil
from pathlib import Path

import cli
from data_sources.warehouse import read_tables
from settings import load_settings

FIXTURES = Path(__file__).resolve().parent / "data" / "imports"


def meetup_rows() -> set[tuple[str, str]]:
    table = read_tables(load_settings().warehouse_path, ["campaign_members"])["campaign_members"]
    mine = table[(table["campaign_id"] == "meetup") & table["status"].isin(["registered", "attended"])]
    return set(zip(mine["member_id"], mine["status"], strict=True))


def test_a_sheet_with_days_replaces_the_campaigns_registered_and_attended(configured, tmp_path, capsys):
    sheet = tmp_path / "Spring meetup attendance.csv"
    shutil.copy(FIXTURES / "attendance.csv", sheet)
    before = read_tables(load_settings().warehouse_path, ["campaign_members"])["campaign_members"]
    invited = set(before.loc[(before["campaign_id"] == "meetup") & (before["status"] == "invited"), "member_id"])
    assert cli.main(["attendance", str(sheet), "--campaign", "meetup"]) == 0
    out, err = capsys.readouterr()
    assert "Campaign meetup: 3 registered, 2 attended from Spring meetup attendance.csv; 1 people match no" in out
    assert "unmatched: nobody@example.org" in err
    # Alice on day 1 and Carol on day 2 attended; Bob registered only; matched by email, case aside.
    assert meetup_rows() == {
        ("alice", "registered"),
        ("alice", "attended"),
        ("bob", "registered"),
        ("carol", "registered"),
        ("carol", "attended"),
    }
    after = read_tables(load_settings().warehouse_path, ["campaign_members"])["campaign_members"]
    assert set(after.loc[(after["campaign_id"] == "meetup") & (after["status"] == "invited"), "member_id"]) == invited
    others = before[before["campaign_id"] != "meetup"]
    assert len(after[after["campaign_id"] != "meetup"]) == len(others)  # other campaigns untouched


def test_a_ragged_row_is_named_by_line_and_nothing_changes(configured, tmp_path, capsys):
    before = meetup_rows()
    assert cli.main(["attendance", str(FIXTURES / "attendance_ragged.csv"), "--campaign", "meetup"]) == 1
    err = capsys.readouterr().err
    assert "attendance_ragged.csv: line 3 has 7 values where the header has 4 columns" in err
    assert "tokenizing" not in err
    assert meetup_rows() == before


def test_an_unknown_campaign_is_refused(configured, capsys):
    assert cli.main(["attendance", str(FIXTURES / "attendance.csv"), "--campaign", "nope"]) == 1
    assert "no campaign 'nope'" in capsys.readouterr().err
