"""When digests are due, with a fixed clock: a slot is a local weekday or day of the month at a local
time, turned into UTC day by day (so daylight saving time moves the UTC moment, never the local one);
a month without the day sends on its last day; a server that was down for two weeks sends the
missed digest once; however many processes ask at once, a period reaches a channel once."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from data_sources.errors import SourceUnavailable
from digests import due
from digests.schedule import Schedule
from digests.subscriptions import DigestRefused, add_digest, edit_digest, list_digests, set_enabled
from errors import Said, recalled
from metrics.filters import Filters
from settings import load_settings
from store import tables
from store.database import AppStore

MADE = datetime(2025, 2, 26, 12, 0)  # a Wednesday


def weekly(weekday: int, at: str, timezone: str = "UTC") -> Schedule:
    hour, minute = map(int, at.split(":"))
    return Schedule("weekly", time(hour, minute), timezone, weekday=weekday)


def monthly(day: int, at: str, timezone: str = "UTC") -> Schedule:
    hour, minute = map(int, at.split(":"))
    return Schedule("monthly", time(hour, minute), timezone, day_of_month=day)


def slots(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        after = schedule.next_after(after)
        found.append(after)
    return found


def test_a_weekly_digest_is_due_from_its_slot_across_the_week_boundary_and_reports_the_7_days_before():
    monday = weekly(0, "09:00")
    assert monday.due(since=MADE, now=datetime(2025, 3, 3, 8, 59, 59)) is None  # Monday, a second early
    assert monday.due(since=MADE, now=datetime(2025, 3, 3, 9, 0)) == datetime(2025, 3, 3, 9, 0)
    assert monday.period(datetime(2025, 3, 3, 9), channel=None, region="EU", segment=None) == Filters(
        start=date(2025, 2, 24), end=date(2025, 3, 3), region="EU", timezone="UTC"
    )  # Monday 24 February to Sunday 2 March
    # Queued at 09:00, the next is a week later; not again the same day.
    assert monday.due(since=datetime(2025, 3, 3, 9), now=datetime(2025, 3, 9, 23, 59)) is None
    assert monday.next_after(datetime(2025, 3, 3, 9)) == datetime(2025, 3, 10, 9)


def test_a_local_time_east_of_utc_falls_on_the_utc_day_before():
    # Monday 08:00 in Shanghai is Monday 00:00 UTC; Monday 07:00 there is Sunday 23:00 UTC.
    assert weekly(0, "08:00", "Asia/Shanghai").next_after(MADE) == datetime(2025, 3, 3, 0, 0)
    early = weekly(0, "07:00", "Asia/Shanghai")
    assert early.next_after(MADE) == datetime(2025, 3, 2, 23, 0)
    # Its period is the 7 Shanghai days before that Monday.
    assert early.period(datetime(2025, 3, 2, 23), channel=None, region=None, segment=None) == Filters(
        start=date(2025, 2, 24), end=date(2025, 3, 3), timezone="Asia/Shanghai"
    )


def test_day_31_is_sent_on_the_last_day_of_shorter_months_and_reports_the_month_before():
    berlin = monthly(31, "08:00", "Europe/Berlin")
    # 31 Jan 08:00 CET (UTC+1), 28 Feb 08:00 CET, 31 Mar 08:00 CEST (UTC+2: after 30 March), 30 Apr.
    assert slots(berlin, datetime(2025, 1, 1), 4) == [
        datetime(2025, 1, 31, 7),
        datetime(2025, 2, 28, 7),
        datetime(2025, 3, 31, 6),
        datetime(2025, 4, 30, 6),
    ]
    assert slots(monthly(29, "00:00"), datetime(2024, 1, 31), 2) == [datetime(2024, 2, 29), datetime(2024, 3, 29)]
    assert berlin.period(datetime(2025, 2, 28, 7), channel=None, region=None, segment=None) == Filters(
        start=date(2025, 1, 1), end=date(2025, 2, 1), timezone="Europe/Berlin"
    )


def test_daylight_saving_time_moves_the_utc_moment_and_keeps_the_local_time():
    # Europe/Berlin: clocks go forward on Sunday 30 March 2025 and back on Sunday 26 October 2025.
    assert slots(weekly(0, "09:00", "Europe/Berlin"), datetime(2025, 3, 20), 2) == [
        datetime(2025, 3, 24, 8),  # 09:00 CET
        datetime(2025, 3, 31, 7),  # 09:00 CEST
    ]
    assert slots(weekly(0, "09:00", "Europe/Berlin"), datetime(2025, 10, 21), 2) == [
        datetime(2025, 10, 27, 8),  # 09:00 CET again: the Monday after clocks went back
        datetime(2025, 11, 3, 8),
    ]
    # New York skips 02:00-03:00 on Sunday 9 March 2025: 02:30 does not exist that day and is read
    # with the offset before the change (EST), arriving at 03:30 EDT; the next Sunday is 02:30 EDT.
    new_york = weekly(6, "02:30", "America/New_York")
    assert slots(new_york, datetime(2025, 2, 28), 3) == [
        datetime(2025, 3, 2, 7, 30),
        datetime(2025, 3, 9, 7, 30),
        datetime(2025, 3, 16, 6, 30),
    ]
    # Berlin repeats 02:00-03:00 on 26 October: 02:30 is sent once, the first time (CEST).
    assert slots(weekly(6, "02:30", "Europe/Berlin"), datetime(2025, 10, 20), 2) == [
        datetime(2025, 10, 26, 0, 30),
        datetime(2025, 11, 2, 1, 30),
    ]


def test_a_digest_missed_for_two_weeks_is_due_once_for_the_latest_slot():
    monday = weekly(0, "09:00")
    # Last queued on 3 March; the server was down on 10 and 17 March and comes back on the 19th.
    assert monday.due(since=datetime(2025, 3, 3, 9), now=datetime(2025, 3, 19, 12)) == datetime(2025, 3, 17, 9)
    assert monday.due(since=datetime(2025, 3, 17, 9), now=datetime(2025, 3, 19, 12, 1)) is None


@pytest.fixture
def scheduled(configured, tmp_path, monkeypatch):
    """The fixture community's data directory with two chat channels in secrets.toml (nothing is
    sent here: the tests look at what is queued) and one weekly digest made on MADE."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "http://127.0.0.1:9/services/T/B/slack-token-x"\n'
        '[pulse.channels.ops-wecom]\nkind = "wecom"\nwebhook = "http://127.0.0.1:9/cgi-bin/webhook/send?key=k"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    digest_id = add_digest(
        store,
        name="Weekly pulse",
        cadence="weekly",
        weekday=0,
        send_time="09:00",
        language="en",
        recipients=["team-slack", "ops-wecom", "gone-channel"],
        attachment="pdf",
        by="ana@example.org",
        now=MADE,
    )
    yield load_settings(), store, digest_id
    store.dispose()


def queued_keys(store: AppStore) -> list[str]:
    outbox = tables.delivery_outbox
    return list(store.run(sa.select(outbox.c.idempotency_key).order_by(outbox.c.id))["idempotency_key"])


def test_enqueue_due_queues_each_channel_once_and_a_server_down_two_weeks_sends_once(scheduled, caplog):
    settings, store, digest_id = scheduled
    assert due.enqueue_due(settings, store, datetime(2025, 3, 3, 8, 59)) == []
    (first,) = due.enqueue_due(settings, store, datetime(2025, 3, 3, 9, 0, 30))
    assert (first.queued, first.missing) == (2, ("gone-channel",))
    assert queued_keys(store) == [
        f"digest:{digest_id}:2025-02-24..2025-03-02:team-slack",
        f"digest:{digest_id}:2025-02-24..2025-03-02:ops-wecom",
    ]
    assert "recipients not in [pulse.channels] of secrets.toml: gone-channel" in caplog.text
    assert due.enqueue_due(settings, store, datetime(2025, 3, 3, 9, 5)) == []  # the same slot: nothing more
    # Down from 4 to 19 March: one digest, for the week before the latest Monday (17 March).
    (late,) = due.enqueue_due(settings, store, datetime(2025, 3, 19, 12))
    assert late.queued == 2 and (late.filters.start, late.filters.last) == (date(2025, 3, 10), date(2025, 3, 16))
    assert due.enqueue_due(settings, store, datetime(2025, 3, 23, 23, 59)) == []
    assert len(queued_keys(store)) == 4
    (kept,) = list_digests(store)
    assert kept.last_slot == datetime(2025, 3, 17, 9) and kept.next_run("UTC", now=datetime(2025, 3, 19)) == datetime(
        2025, 3, 24, 9
    )


def test_four_processes_at_once_queue_a_period_once(scheduled):
    settings, store, _ = scheduled
    barrier = threading.Barrier(4)
    results: list[int] = []

    def try_it() -> None:
        barrier.wait()
        results.append(sum(done.queued for done in due.enqueue_due(settings, store, datetime(2025, 3, 3, 9, 1))))

    threads = [threading.Thread(target=try_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 2 and len(queued_keys(store)) == 2


def test_a_paused_digest_is_not_sent_and_resumes_from_now(scheduled):
    settings, store, digest_id = scheduled
    set_enabled(store, digest_id, False, by="ana@example.org", now=datetime(2025, 3, 1))
    assert due.enqueue_due(settings, store, datetime(2025, 3, 3, 9, 1)) == []
    set_enabled(store, digest_id, True, by="ana@example.org", now=datetime(2025, 3, 5))
    assert due.enqueue_due(settings, store, datetime(2025, 3, 5, 0, 1)) == []  # 3 March slept through: not sent
    (resumed,) = due.enqueue_due(settings, store, datetime(2025, 3, 10, 9))
    assert resumed.filters.start == date(2025, 3, 3) and len(queued_keys(store)) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "Give the digest a name of at most 120 characters."),
        ({"weekday": 7}, "Choose the day of the week it is sent."),
        ({"cadence": "monthly", "day_of_month": 32}, "The day of the month is a whole number from 1 to 31, not 32."),
        ({"send_time": "9am"}, "The time is hours and minutes such as 09:00, not 9am."),
        ({"recipients": []}, "Choose at least one channel to send the digest to."),
        ({"attachment": "docx"}, "The attachment is pdf, png or none, not docx."),
    ],
)
def test_a_digest_that_cannot_be_kept_is_refused_in_words(tmp_path, change, message):
    store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    store.migrate()
    values = {
        "name": "Weekly",
        "cadence": "weekly",
        "weekday": 0,
        "send_time": "09:00",
        "language": "zh-CN",
        "recipients": ["team-slack"],
        "attachment": "pdf",
    }
    with pytest.raises(DigestRefused) as refused:
        add_digest(store, by="ana@example.org", now=MADE, **(values | change))
    assert refused.value.user_message == message
    store.dispose()


class Unreadable:
    """A warehouse that cannot be read (a file being replaced by hand, a database away)."""

    def run(self, statement):
        raise SourceUnavailable(Said("error.warehouse.unreadable", reason="disk I/O error"))


def test_a_digest_that_cannot_be_built_is_kept_as_failing_and_tried_again_15_minutes_later(scheduled, caplog):
    settings, store, digest_id = scheduled
    slot = datetime(2025, 3, 3, 9, 0, 30)
    assert due.enqueue_due(settings, store, slot, warehouse=Unreadable()) == []
    (failing,) = list_digests(store)
    assert failing.failed_at == slot and failing.last_slot is None and queued_keys(store) == []
    assert failing.failure == "The community data could not be read (disk I/O error). " + (
        "Check PULSE_WAREHOUSE_URL, or rebuild it with `python cli.py sync`."
    )
    assert recalled(failing.failure_said).text("zh-CN").startswith("无法读取社群数据（disk I/O error）")
    assert caplog.text.count("could not be queued") == 1
    # Each minute's sender leaves it alone for 15 minutes, then tries again (and fails again here).
    assert due.due_now(settings, store, slot + timedelta(minutes=14, seconds=59)) == []
    assert due.enqueue_due(settings, store, slot + timedelta(minutes=10), warehouse=Unreadable()) == []
    assert caplog.text.count("could not be queued") == 1
    assert [d.id for d, _ in due.due_now(settings, store, slot + timedelta(minutes=15))] == [digest_id]
    # The warehouse is back: the week is queued and the failure forgotten.
    (sent,) = due.enqueue_due(settings, store, slot + timedelta(minutes=15))
    assert sent.queued == 2
    (kept,) = list_digests(store)
    assert (kept.failed_at, kept.failure, kept.failure_said, kept.last_slot) == (
        None,
        None,
        None,
        datetime(2025, 3, 3, 9),
    )


def test_changing_a_failing_digest_tries_it_at_the_next_send(scheduled):
    settings, store, digest_id = scheduled
    slot = datetime(2025, 3, 3, 9, 0, 30)
    due.enqueue_due(settings, store, slot, warehouse=Unreadable())
    (failing,) = list_digests(store)
    edit_digest(
        store,
        digest_id,
        name="Weekly pulse, team",
        cadence=failing.cadence,
        weekday=failing.weekday,
        send_time=failing.send_time,
        language=failing.language,
        recipients=list(failing.recipients),
        attachment=failing.attachment,
        by="ana@example.org",
        now=slot + timedelta(minutes=1),
    )
    (changed,) = list_digests(store)
    assert changed.failed_at is None
    assert [d.id for d, _ in due.due_now(settings, store, slot + timedelta(minutes=2))] == [digest_id]
