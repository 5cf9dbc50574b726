"""Automatic replies (outreach/auto_replies.py) on SQLite and PostgreSQL, through a real SMTP server:
a member is told once their item has stayed in a chosen status for the grace period, once per
change, in their language; never after an undo, a manager's own reply, for a change made before
the rule or too long ago, without an address, or to one who unsubscribed; a theme rule answers
only its theme. The moves are made with the inbox's own save (feedback.workflow)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from feedback import workflow
from feedback.intake import remove_feedback
from outreach import auto_replies, consent
from store import tables
from store.database import AppStore
from tests import test_delivery_email
from tests.test_outreach import BASE, MEMBERS, SECRET, arrived, deliver, speaks_chinese, text_of

smtp = test_delivery_email.smtp  # a local SMTP server that asks for a login
channel = test_delivery_email.channel

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

T0 = dt.datetime(2026, 3, 2, 9, 0)  # when the manager moves the items
RULE_SET = T0 - dt.timedelta(days=1)
ADDRESSES = {row.member_id: (row.name, row.email if isinstance(row.email, str) else "") for row in MEMBERS.itertuples()}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database):
    url = f"sqlite:///{tmp_path / 'app.db'}" if request.param == "sqlite" else new_postgres_database("replies")
    app_store = AppStore(url)
    app_store.migrate()
    yield app_store
    app_store.dispose()


def item(store: AppStore, member_id: str | None, *, theme: str | None = None, text: str = "Search is slow.") -> int:
    """An item already triaged (version 1), from this member."""
    with store.begin() as connection:
        return connection.execute(
            tables.feedback.insert().values(
                source="manual",
                member_id=member_id,
                created_at=T0 - dt.timedelta(days=3),
                text=text,
                status="triaged",
                theme=theme,
                updated_at=T0 - dt.timedelta(days=2),
                version=1,
            )
        ).inserted_primary_key[0]


def move(store: AppStore, item_id: int, status: str, *, at: dt.datetime) -> None:
    (found,) = store.run(sa.select(tables.feedback.c.version).where(tables.feedback.c.id == item_id))["version"]
    workflow.save(store, [workflow.Edit(item_id, int(found), {"status": status})], actor="ana@team.test", now=at)


def queue(store: AppStore, port: int, at: dt.datetime, **extra) -> int:
    return auto_replies.queue_due(
        store,
        channel(port, **extra),
        lambda ids: {member: ADDRESSES[member] for member in ids if member in ADDRESSES},
        secret=SECRET,
        base_url=BASE,
        language="en",
        now=at,
    )


def told(store: AppStore, item_id: int) -> list[tuple[str, str]]:
    events = tables.feedback_events
    rows = store.run(
        sa.select(events.c.actor, events.c.new_value)
        .where(events.c.feedback_id == item_id, events.c.field == "told")
        .order_by(events.c.id)
    )
    return [tuple(row) for row in rows.itertuples(index=False)]


def test_a_member_is_told_once_after_the_grace_period_in_their_language(smtp, store):
    inbox, port = smtp
    auto_replies.add_rule(store, status="resolved", actor="lead@team.test", now=RULE_SET)
    speaks_chinese(store, "m2")
    english, chinese = item(store, "m1"), item(store, "m2", text="论坛搜索找不到旧帖子。")
    move(store, english, "resolved", at=T0)
    move(store, chinese, "resolved", at=T0)

    assert queue(store, port, T0 + dt.timedelta(minutes=4, seconds=59)) == 0  # still within the grace
    assert queue(store, port, T0 + dt.timedelta(minutes=5)) == 2
    assert queue(store, port, T0 + dt.timedelta(minutes=6)) == 0  # each change is answered once
    deliver(store, port, T0 + dt.timedelta(minutes=6))

    mails = {mail["To"]: mail for mail in arrived(inbox)}
    assert sorted(mails) == ["ana@members.test", "jing@members.test"]
    assert mails["ana@members.test"]["Subject"] == "About your feedback: Resolved"
    assert "Hi Ana," in text_of(mails["ana@members.test"]) and "“Search is slow.”" in text_of(mails["ana@members.test"])
    assert mails["jing@members.test"]["Subject"] == "关于你的反馈：已解决"
    assert "topic=feedback" in mails["jing@members.test"]["List-Unsubscribe"]
    assert told(store, english) == [("auto-reply", "About your feedback: Resolved")]
    assert auto_replies.sent_since(store, T0) == 2


def test_an_undo_a_managers_own_reply_or_a_status_without_a_rule_sends_nothing(smtp, store):
    _, port = smtp
    auto_replies.add_rule(store, status="resolved", actor="lead@team.test", now=RULE_SET)
    undone, replied, planned = item(store, "m1"), item(store, "m5"), item(store, "m2")
    move(store, undone, "resolved", at=T0)
    move(store, undone, "triaged", at=T0 + dt.timedelta(minutes=2))  # the undo, within the grace
    move(store, replied, "resolved", at=T0)
    with store.begin() as connection:  # the manager told m5 by hand a minute later
        connection.execute(
            tables.member_messages.insert().values(
                kind="reply",
                topic="feedback",
                member_id="m5",
                address="di@members.test",
                address_hash=consent.address_hash("di@members.test"),
                language="en",
                feedback_id=replied,
                channel="mail",
                outbox_key=f"reply:{replied}:2",
                created_by="ana@team.test",
                created_at=T0 + dt.timedelta(minutes=1),
            )
        )
    move(store, planned, "planned", at=T0)

    assert queue(store, port, T0 + dt.timedelta(hours=1)) == 0
    assert told(store, undone) == told(store, replied) == told(store, planned) == []


def test_a_duplicate_reopened_because_its_original_was_removed_is_not_told(smtp, store):
    """An import undone reopens the items merged into its items (back to planned here): nothing became
    of the member's feedback, so a rule on planned tells them nothing; a manager's own move after it
    is answered as ever."""
    _, port = smtp
    auto_replies.add_rule(store, status="planned", actor="lead@team.test", now=RULE_SET)
    original, copy = item(store, "m2"), item(store, "m1")
    move(store, copy, "planned", at=T0 - dt.timedelta(days=2))  # told back then, before the rule's window
    workflow.save(store, [workflow.Edit(copy, 2, {"duplicate_of": original})], actor="ana@team.test", now=T0)
    with store.begin() as connection:
        assert remove_feedback(connection, [original], actor="bo@team.test", now=T0) == 1
    (status,) = store.run(sa.select(tables.feedback.c.status).where(tables.feedback.c.id == copy))["status"]
    assert status == "planned"
    assert queue(store, port, T0 + dt.timedelta(minutes=10)) == 0
    move(store, copy, "resolved", at=T0 + dt.timedelta(minutes=20))
    move(store, copy, "planned", at=T0 + dt.timedelta(minutes=21))  # a manager's decision: answered
    assert queue(store, port, T0 + dt.timedelta(minutes=30)) == 1


def test_a_member_without_an_address_or_unsubscribed_is_left_out(smtp, store):
    _, port = smtp
    auto_replies.add_rule(store, status="resolved", actor="lead@team.test", now=RULE_SET)
    no_email, bad_email, unknown, anonymous, unsubscribed = (
        item(store, "m3"),
        item(store, "m4"),
        item(store, "m99"),
        item(store, None),
        item(store, "m1"),
    )
    consent.set_wanted(store, "m1", "feedback", wanted=False, now=T0 - dt.timedelta(days=5))
    for each in (no_email, bad_email, unknown, anonymous, unsubscribed):
        move(store, each, "resolved", at=T0)

    assert queue(store, port, T0 + dt.timedelta(minutes=10)) == 0
    assert [told(store, each) for each in (no_email, bad_email, unknown, anonymous, unsubscribed)] == [[]] * 5


def test_a_change_before_the_rule_or_older_than_the_window_is_left_to_people(smtp, store):
    _, port = smtp
    before, old = item(store, "m1"), item(store, "m5")
    move(store, before, "resolved", at=T0)
    move(store, old, "resolved", at=T0 + dt.timedelta(hours=1))
    auto_replies.add_rule(store, status="resolved", actor="lead@team.test", now=T0 + dt.timedelta(minutes=30))

    assert queue(store, port, T0 + dt.timedelta(hours=2)) == 1  # only the change after the rule
    assert told(store, before) == []
    assert len(told(store, old)) == 1

    later = item(store, "m2")
    move(store, later, "resolved", at=T0 + dt.timedelta(hours=3))
    week = auto_replies.WINDOW
    assert queue(store, port, T0 + dt.timedelta(hours=3) + week) == 0  # exactly the window's age: too old
    assert told(store, later) == []


def test_a_theme_rule_answers_its_theme_only_and_no_channel_sends_nothing(smtp, store):
    _, port = smtp
    auto_replies.add_rule(store, status="wont_fix", theme="performance", actor="lead@team.test", now=RULE_SET)
    slow, other, suggested = (
        item(store, "m1", theme="performance"),
        item(store, "m5", theme="events"),
        item(store, "m2"),
    )
    with store.begin() as connection:  # a theme only suggested counts as the item's theme too
        connection.execute(
            tables.feedback.update().where(tables.feedback.c.id == suggested).values(suggested_theme="performance")
        )
    for each in (slow, other, suggested):
        move(store, each, "wont_fix", at=T0)

    assert (
        auto_replies.queue_due(
            store, {}, lambda ids: {}, secret=SECRET, base_url=BASE, language="en", now=T0 + dt.timedelta(hours=1)
        )
        == 0
    )
    assert queue(store, port, T0 + dt.timedelta(hours=1)) == 2
    assert (len(told(store, slow)), len(told(store, other)), len(told(store, suggested))) == (1, 0, 1)


def test_a_rule_is_refused_for_new_and_when_set_already(store):
    with pytest.raises(auto_replies.AutoReplyError) as refused:
        auto_replies.add_rule(store, status="new", actor="lead@team.test", now=T0)
    assert refused.value.key == "outreach.auto.status"
    auto_replies.add_rule(store, status="resolved", actor="lead@team.test", now=T0)
    auto_replies.add_rule(store, status="resolved", theme="events", actor="lead@team.test", now=T0)
    with pytest.raises(auto_replies.AutoReplyError) as again:
        auto_replies.add_rule(store, status="resolved", actor="ana@team.test", now=T0)
    assert again.value.key == "outreach.auto.exists"
    kept = auto_replies.rules(store)
    assert kept[["status", "theme", "created_by"]].values.tolist() == [
        ["resolved", "", "lead@team.test"],
        ["resolved", "events", "lead@team.test"],
    ]
    auto_replies.remove_rule(store, int(kept.at[0, "id"]))
    assert auto_replies.rules(store)["theme"].tolist() == ["events"]
