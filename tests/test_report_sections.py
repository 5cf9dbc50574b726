"""`cli.py report --section`: the analytics pages' figures as JSON, on the fixture community.

Expected values are the hand-worked ones of tests/test_metrics_members.py, test_metrics_engagement.py
and test_metrics_campaigns.py, with the default engagement-level rules.
"""

from __future__ import annotations

import json

import pytest

import cli

PERIOD = ["--start", "2025-03-01", "--end", "2025-03-08"]


def report(capsys, *arguments: str) -> dict:
    assert cli.main(["report", *PERIOD, *arguments, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_members_section(configured, capsys):
    document = report(capsys, "--section", "members")
    assert document["period"]["previous_start"] == "2025-02-22"
    assert document["kpis"]["members"] == {"current": 7, "previous": 5}
    # Churned in P: bob and dave; nobody was active in the week before Q.
    assert document["kpis"]["churned"] == {"current": 2, "previous": 0}
    assert document["kpis"]["churn_rate"]["current"] == pytest.approx(2 / 3)
    assert document["kpis"]["newcomer_conversion"] == {"current": 0.5, "previous": 1.0}
    assert document["growth_by"]["channel"] == [
        {"value": "event", "members": 3, "new_members": 0, "growth_rate": 0.0},
        {"value": "forum", "members": 4, "new_members": 2, "growth_rate": 1.0},
    ]
    assert [(row["level"], row["current"]) for row in document["engagement_levels"]] == [
        ("champion", 0),
        ("regular", 0),
        ("casual", 6),
        ("dormant", 1),
    ]
    assert document["slipping_champions"] == []
    # The period ends on 7 March: every cohort's March is counted only up to it.
    assert document["cohorts"][-1] == {
        "cohort": "2025-03",
        "size": 2,
        "share_active": [1.0],
        "last_month_partial": True,
    }
    assert document["cohorts"][0] == {
        "cohort": "2024-06",
        "size": 1,
        "share_active": [0.0] * 10,
        "last_month_partial": True,
    }


def test_engagement_section(configured, capsys):
    document = report(capsys, "--section", "engagement")
    assert document["kpis"]["contributions_per_active_member"] == {"current": 1.25, "previous": 1.0}
    assert document["kpis"]["absence_factor"] == {"current": 1, "previous": 2}
    assert document["active_by_platform"][0] == {"platform": "discord", "current": 2, "previous": 0}
    assert document["bucket_days"] == 1
    assert document["activity"][0] == {"bucket": "2025-03-01", "kind": "post", "platform": "forum", "activities": 1}
    assert [(row["member_id"], row["points"]) for row in document["top_contributors"]] == [
        ("alice", 65),
        ("carol", 10),
        ("hank", 5),
    ]


def test_campaigns_section(configured, capsys):
    (row,) = report(capsys, "--section", "campaigns")["campaigns"]
    assert row["campaign_id"] == "meetup"
    assert row["starts_at"] == "2025-03-03T00:00:00"
    assert (row["invited"], row["registered"], row["attended"], row["reach"]) == (5, 4, 2, 4)
    assert row["lift"] == pytest.approx(1.5)  # tests/test_metrics_campaigns.py works it out
    assert row["nps"] == pytest.approx(100 / 3)
    assert row["cost_per_participant"] == 150.0


def test_section_as_a_table(configured, capsys):
    assert cli.main(["report", *PERIOD, "--section", "engagement", "--region", "US"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["kpi", "current", "previous"]
    # US: carol, erin and hank active in P; dave in Q.
    assert lines[1].split() == ["active_members", "3", "1"]
    assert "top_contributors:" in out


def test_unknown_section_is_refused(configured, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", *PERIOD, "--section", "surveys"])
    assert stop.value.code == 2
    assert "invalid choice: 'surveys'" in capsys.readouterr().err
