"""Response targets (feedback/targets.py): where an item stands against its next target at the
boundaries, how a priority change and a reopening move the clock, the stored targets with who and
when, the SQL order of "due soonest" against the Python rule on SQLite and PostgreSQL, and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

import cli
from feedback import targets, workflow
from feedback.inbox import InboxFilters, inbox_query
from feedback.intake import NewFeedback, add_feedback
from feedback.targets import DEFAULT_TARGETS, FIRST_RESPONSE, RESOLUTION, Target, TargetRefused, next_due
from store import tables
from store.database import AppStore
from tests.conftest import migrated_store

ARRIVED = datetime(2026, 11, 2, 9, 0)
HOUR = timedelta(hours=1)


def due(*, at: datetime, priority: str | None = "normal", status: str = "new", answered: datetime | None = None):
    return next_due(
        created_at=ARRIVED,
        first_response_at=answered,
        status=status,
        priority=priority,
        targets=DEFAULT_TARGETS,
        now=at,
    )


def test_exactly_at_the_target_is_on_time_and_a_second_later_is_overdue():
    on_time = due(at=ARRIVED + 24 * HOUR)  # normal: first response within 24 h
    assert (on_time.target, on_time.hours_left, on_time.overdue, on_time.breaching) == (FIRST_RESPONSE, 0, False, True)
    late = due(at=ARRIVED + 24 * HOUR + timedelta(seconds=1))
    assert late.overdue and not late.breaching
    assert late.due_at == ARRIVED + 24 * HOUR


def test_breaching_means_due_within_the_next_24_hours():
    low = dict(priority="low")  # first response within 72 h
    assert due(at=ARRIVED + 48 * HOUR, **low).breaching  # exactly 24 h left
    assert not due(at=ARRIVED + 48 * HOUR - timedelta(seconds=1), **low).breaching
    assert due(at=ARRIVED + 71 * HOUR, **low).hours_left == 1


def test_the_first_response_moves_the_item_on_to_its_resolution_target_measured_from_arrival():
    answered = ARRIVED + 2 * HOUR
    at = ARRIVED + 30 * HOUR  # past normal's 24 h first-response target, within its 7 days
    assert due(at=at).overdue
    resolution = due(at=at, answered=answered, status="triaged")
    assert (resolution.target, resolution.due_at, resolution.overdue) == (RESOLUTION, ARRIVED + 168 * HOUR, False)


def test_the_target_follows_the_current_priority_and_no_priority_is_normal():
    at = ARRIVED + 6 * HOUR
    assert due(at=at, priority=None) == due(at=at, priority="normal")
    assert due(at=at, priority="urgent").overdue  # raised to urgent after 6 h: 4 h target, overdue at once
    assert due(at=at, priority="high").hours_left == 2
    assert due(at=at, priority="low").hours_left == 66


def test_closed_items_have_no_target_and_a_reopened_one_is_held_to_its_resolution_from_arrival():
    answered = ARRIVED + HOUR
    for status in ("resolved", "wont_fix", "duplicate"):
        assert due(at=ARRIVED + 400 * HOUR, status=status, answered=answered) is None
    reopened = due(at=ARRIVED + 200 * HOUR, status="triaged", answered=answered)  # resolved, then reopened
    assert (reopened.target, reopened.overdue, reopened.hours_left) == (RESOLUTION, True, -32)


def test_due_columns_of_a_frame():
    items = pd.DataFrame(
        {
            "created_at": [ARRIVED, ARRIVED, ARRIVED],
            "first_response_at": [None, ARRIVED + HOUR, ARRIVED + HOUR],
            "status": ["new", "in_progress", "resolved"],
            "priority": ["urgent", None, "high"],
        }
    )
    columns = targets.due_columns(items, targets=DEFAULT_TARGETS, now=ARRIVED + 5 * HOUR)
    assert columns["due_target"].tolist() == [FIRST_RESPONSE, RESOLUTION, None]
    assert columns["due_hours"].tolist()[:2] == [-1.0, 163.0] and pd.isna(columns["due_hours"].iloc[2])
    assert columns["overdue"].tolist() == [True, False, False]
    assert columns["breaching"].tolist() == [False, False, False]


@pytest.fixture
def store(tmp_path):
    app_store = migrated_store(tmp_path / "app.db")
    yield app_store
    app_store.dispose()


def test_stored_targets_replace_the_defaults_with_who_and_when(store):
    assert targets.read_targets(store) == DEFAULT_TARGETS
    when = datetime(2026, 11, 3, 10, 30)
    changed = targets.save_targets(
        store, {"urgent": Target(2, 12), "low": Target(72, 336)}, actor="ana@example.org", now=when
    )
    assert changed == ["urgent"]  # low was its default already
    current = targets.read_targets(store)
    assert current.by_priority["urgent"] == Target(2, 12)
    assert current.by_priority["high"] == Target(8, 72)
    assert (current.changed_by, current.changed_at) == ({"urgent": "ana@example.org"}, {"urgent": when})
    targets.save_targets(store, {"urgent": Target(3, 12)}, actor="bo@example.org", now=when + HOUR)
    assert targets.read_targets(store).changed_by == {"urgent": "bo@example.org"}
    assert len(store.run(tables.response_targets.select())) == 1


@pytest.mark.parametrize(
    ("wanted", "key"),
    [
        ({"urgent": Target(24, 4)}, "feedback.targets.refused.order"),
        ({"urgent": Target(0, 4)}, "feedback.targets.refused.hours"),
        ({"urgent": Target(4, 24 * 365 + 1)}, "feedback.targets.refused.hours"),
        ({"critical": Target(1, 2)}, "feedback.targets.refused.priority"),
        ({"high": Target(6, 48), "low": Target(9, 8)}, "feedback.targets.refused.order"),  # all or none
    ],
)
def test_unusable_targets_are_refused_and_nothing_is_saved(store, wanted, key):
    with pytest.raises(TargetRefused) as refused:
        targets.save_targets(store, wanted, actor="ana", now=ARRIVED)
    assert refused.value.key == key
    assert targets.read_targets(store) == DEFAULT_TARGETS


def test_due_soonest_order_in_sql_matches_the_rule(tmp_path, new_postgres_database):
    """The inbox sorts by due in SQL (so its row limit applies after the sort): on both app engines
    it lists items in the order of their due times by the Python rule, closed ones last."""
    now = datetime(2026, 11, 10, 12)
    rows = [  # (created, priority, answered, status)
        (now - 30 * HOUR, "low", None, "new"),  # due in 42 h
        (now - 3 * HOUR, "urgent", None, "new"),  # due in 1 h
        (now - 50 * HOUR, None, now - 40 * HOUR, "triaged"),  # normal resolution: due in 118 h
        (now - 10 * HOUR, "high", None, "new"),  # 2 h overdue
        (now - 100 * HOUR, "high", now - 99 * HOUR, "planned"),  # resolution 72 h: 28 h overdue
        (now - 400 * HOUR, "urgent", now - 399 * HOUR, "resolved"),  # closed: last
    ]
    custom = targets.Targets(by_priority={**targets.DEFAULTS, "low": Target(72, 400)})
    for url in (f"sqlite:///{tmp_path / 'app.db'}", new_postgres_database("due_order")):
        store = AppStore(url)
        store.migrate()
        with store.begin() as connection:
            add_feedback(
                connection,
                [NewFeedback(source="test", text=f"item {n}", created_at=row[0]) for n, row in enumerate(rows)],
                actor="test",
                now=now,
            )
            for n, (_, priority, answered, status) in enumerate(rows, start=1):
                connection.execute(
                    tables.feedback.update()
                    .where(tables.feedback.c.id == n)
                    .values(priority=priority, first_response_at=answered, status=status)
                )
        filters = InboxFilters(statuses=workflow.STATUSES, sort="due")
        for chosen in (targets.DEFAULT_TARGETS, custom):
            listed = store.run(inbox_query(filters, now=now, targets=chosen))
            expected = targets.due_columns(listed, targets=chosen, now=now).assign(id=listed["id"])
            by_rule = expected.sort_values("due_hours", na_position="last", kind="stable")["id"].tolist()
            assert listed["id"].tolist() == by_rule, url.split(":")[0]
        assert listed["id"].tolist() == [5, 4, 2, 1, 3, 6]
        store.dispose()


def test_the_cli_prints_and_sets_targets(configured, capsys):
    assert cli.main(["feedback", "targets", "--set", "urgent", "2", "12", "--set", "low", "48", "240"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].split()[:3] == ["urgent", "2", "12"] and "by cli" in printed[1]
    assert printed[2].split() == ["high", "8", "72", "default"]
    assert printed[4].split()[:3] == ["low", "48", "240"]
    assert cli.main(["feedback", "targets", "--set", "urgent", "12", "2"]) == 1  # refused, nothing saved
    assert "cannot be shorter" in capsys.readouterr().err
    assert cli.main(["feedback", "targets"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:3] == ["urgent", "2", "12"]


def test_the_retired_overdue_days_setting_is_named_in_a_warning_once(tmp_path, caplog):
    import settings

    settings._retired_overdue_days.cache_clear()
    environ = {"PULSE_DATA_DIR": str(tmp_path), "PULSE_FEEDBACK_OVERDUE_DAYS": "10"}
    with caplog.at_level("WARNING", logger="settings"):
        for _ in range(3):  # read on every run of the app: said once
            loaded = settings.load_settings(environ=environ, secrets_file=tmp_path / "none.toml")
    warned = [r.getMessage() for r in caplog.records if "feedback_overdue_days" in r.getMessage()]
    assert len(warned) == 1 and "cli.py feedback targets" in warned[0]
    assert not hasattr(loaded, "feedback_overdue_days")
