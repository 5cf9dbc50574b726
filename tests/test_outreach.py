"""Member messages through a real SMTP server on this machine (aiosmtpd): invitations in the
member's language with a personal link and one-click unsubscribe, parsed as they arrived; one
invitation per member and survey; the channel's rate; unsubscribes checked when queued and when
sent; reminders after N days to those who did not finish; templates refused with an unknown
placeholder; a CSV audience's bad rows; an SMTP failure kept with its error; replies to feedback."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa

from data_sources import identities
from data_sources.warehouse import Warehouse, build_warehouse
from delivery import outbox
from outreach import audiences, consent, progress, reminders, replies, templates
from outreach.invitations import personal_token, plan, queue_invitations
from outreach.messages import Recipient, Sending, wordings
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import parse_definition
from surveys.links import token_hash
from surveys.submission import mark_opened, start_response, submit
from tests import community, test_delivery_email

smtp = test_delivery_email.smtp  # fixtures: a local SMTP server that asks for a login,
store = test_delivery_email.store  # and a migrated SQLite app store
channel = test_delivery_email.channel

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SECRET = "a-signing-key-for-these-tests-only-0123456789"
BASE = "https://pulse.community.test"
T0 = dt.datetime(2026, 3, 2, 9, 0)
SURVEY = {
    "slug": "pulse-check",
    "title": {"en": "Pulse check", "zh": "社群脉搏"},
    "languages": ["en", "zh"],
    "questions": [{"id": "nps", "type": "nps", "required": True, "text": {"en": "Recommend us?", "zh": "推荐吗？"}}],
}
MEMBERS = pd.DataFrame(
    {
        "member_id": ["m1", "m2", "m3", "m4", "m5"],
        "name": ["Ana", "陈静", "Bo", "Cy", "Di"],
        "email": ["ana@members.test", "jing@members.test", None, "not an address", "di@members.test"],
    }
)


def published(store: AppStore) -> registry.StoredSurvey:
    survey = parse_definition(SURVEY, where="test")
    registry.register(store, survey, timezone="UTC", now=T0 - dt.timedelta(days=1))
    stored = registry.load_survey(store, "pulse-check")
    assert stored is not None
    return stored


def sending(port: int, kind: str = "invitation", language: str = "en", *, now=T0, **extra) -> Sending:
    mail = channel(port, **extra)["mail"]
    return Sending(
        mail,
        kind,
        {language: templates.default(kind, language)} | {"zh-CN": templates.default(kind, "zh-CN")},
        SECRET,
        BASE,
        "ana@team.test",
        now,
    )


def speaks_chinese(store: AppStore, member_id: str) -> None:
    """m2 answered an earlier survey in Chinese: their messages are written in it."""
    with store.begin() as connection:
        survey_id = connection.execute(
            tables.surveys.insert().values(
                slug="earlier",
                version=1,
                title="Earlier",
                definition={},
                status="closed",
                anonymous=False,
                created_at=T0,
            )
        ).inserted_primary_key[0]
        connection.execute(
            tables.responses.insert().values(
                survey_id=survey_id,
                member_id=member_id,
                completed=True,
                idempotency_key="e1",
                locale="zh-CN",
                source="web",
            )
        )


def arrived(inbox) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in inbox.messages]


def text_of(mail: email.message.EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def deliver(store: AppStore, port: int, at: dt.datetime, **extra) -> outbox.DeliveryRun:
    return outbox.deliver_due(store, channel(port, **extra), now=lambda: at)


def invite(store: AppStore, port: int, stored, members=MEMBERS, *, now=T0, **extra) -> int:
    found = plan(store, slug=stored.slug, members=members, default_language="en")
    return queue_invitations(
        store, sending(port, now=now, **extra), stored=stored, recipients=found.recipients, audience="segment: builders"
    )


def test_invitations_arrive_in_each_members_language_with_a_personal_link_and_one_click_unsubscribe(smtp, store):
    inbox, port = smtp
    stored = published(store)
    speaks_chinese(store, "m2")
    consent.set_wanted(store, "m5", "surveys", wanted=False, now=T0)
    found = plan(store, slug=stored.slug, members=MEMBERS, default_language="en")
    assert [r.member_id for r in found.recipients] == ["m1", "m2"]
    assert [r.language for r in found.recipients] == ["en", "zh-CN"]
    assert (found.no_email, found.unsubscribed, found.invited_before, found.answered) == (2, 1, 0, 0)
    assert (
        queue_invitations(
            store, sending(port), stored=stored, recipients=found.recipients, audience="segment: builders"
        )
        == 2
    )
    assert deliver(store, port, T0).sent == 2
    mails = {m["To"]: m for m in arrived(inbox)}
    assert sorted(mails) == ["ana@members.test", "jing@members.test"]
    english, chinese = mails["ana@members.test"], mails["jing@members.test"]
    assert english["Subject"] == "Invitation: Pulse check"
    assert chinese["Subject"] == "邀请你填写问卷《社群脉搏》"
    assert "邀请你填写问卷《社群脉搏》\n\n陈静，你好！\n" in text_of(chinese)
    link = re.search(r"https://\S+/survey\?\S+", text_of(english)).group(0)
    query = parse_qs(urlsplit(link).query)
    assert query["s"] == ["pulse-check"] and query["lang"] == ["en"]
    assert query["t"] == [personal_token(SECRET, "pulse-check", "m1")]
    with store.read() as connection:
        hashes = dict(
            connection.execute(sa.select(tables.invitations.c.member_id, tables.invitations.c.token_hash)).all()
        )
    assert hashes["m1"] == token_hash(query["t"][0])  # only its hash is kept
    unsubscribe = english["List-Unsubscribe"].strip("<>")
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text_of(english)
    token = parse_qs(urlsplit(unsubscribe).query)["u"][0]
    assert consent.member_of(SECRET, token) == "m1"
    assert consent.member_of(SECRET, token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert consent.member_of("another key entirely, not ours at all", token) is None


def test_a_second_send_invites_nobody_twice(smtp, store):
    inbox, port = smtp
    stored = published(store)
    assert invite(store, port, stored) == 3
    again = plan(store, slug=stored.slug, members=MEMBERS, default_language="en")
    assert (len(again.recipients), again.invited_before) == (0, 3)
    everyone = [Recipient("m1", "Ana", "ana@members.test", "en")]
    assert queue_invitations(store, sending(port), stored=stored, recipients=everyone, audience="csv") == 0
    deliver(store, port, T0)
    assert sorted(m["To"] for m in arrived(inbox)) == ["ana@members.test", "di@members.test", "jing@members.test"]


def test_a_channel_is_sent_at_most_its_per_minute(smtp, store):
    inbox, port = smtp
    stored = published(store)
    many = pd.DataFrame(
        {"member_id": [f"n{i}" for i in range(5)], "name": "N", "email": [f"n{i}@members.test" for i in range(5)]}
    )
    assert invite(store, port, stored, many) == 5
    assert deliver(store, port, T0, per_minute=2).sent == 2
    assert deliver(store, port, T0 + dt.timedelta(seconds=30), per_minute=2).sent == 0
    assert deliver(store, port, T0 + dt.timedelta(seconds=61), per_minute=2).sent == 2
    assert deliver(store, port, T0 + dt.timedelta(seconds=122), per_minute=2).sent == 1
    assert len(inbox.messages) == 5


def test_an_unsubscribe_after_queuing_withholds_the_message(smtp, store):
    inbox, port = smtp
    stored = published(store)
    invite(store, port, stored)
    consent.set_wanted(store, "m2", "surveys", wanted=False, now=T0)
    run = deliver(store, port, T0)
    assert run.sent == 2 and sorted(m["To"] for m in arrived(inbox)) == ["ana@members.test", "di@members.test"]
    with store.read() as connection:
        statuses = connection.execute(sa.select(tables.delivery_outbox.c.status)).scalars().all()
    assert sorted(statuses) == ["sent", "sent", "withheld"]
    assert consent.topics_of(store, "m2") == {"surveys": False, "feedback": True}


def test_an_unsubscribed_address_is_left_out_under_another_member_id(smtp, store):
    _, port = smtp
    stored = published(store)
    invite(store, port, stored, MEMBERS.iloc[:1])
    deliver(store, port, T0)
    consent.set_wanted(store, "m1", "surveys", wanted=False, now=T0)  # keeps the hash of ana's address
    again = pd.DataFrame({"member_id": ["m9"], "name": ["Ana"], "email": [" ANA@members.test"]})
    assert plan(store, slug=stored.slug, members=again, default_language="en").unsubscribed == 1


def answer(store: AppStore, stored, member_id: str) -> None:
    token = personal_token(SECRET, stored.slug, member_id)
    mark_opened(store, slug=stored.slug, token=token, now=T0 + dt.timedelta(hours=1))
    start_response(store, stored=stored, key=f"k-{member_id}", locale="en", now=T0 + dt.timedelta(hours=1), token=token)
    result = submit(
        store, stored=stored, answers={"nps": 9}, key=f"k-{member_id}", token=token, now=T0 + dt.timedelta(hours=2)
    )
    assert result.outcome.value == "stored"


def test_reminders_go_after_n_days_to_those_who_did_not_finish_at_most_twice(smtp, store):
    inbox, port = smtp
    stored = published(store)
    invite(store, port, stored, MEMBERS.iloc[:2])
    deliver(store, port, T0)
    answer(store, stored, "m1")
    reminders.set_reminders(store, stored.slug, reminders.Reminders(after_days=3, reminders=2), actor="ana", now=T0)
    mail = channel(port)

    def due(days: float) -> int:
        at = T0 + dt.timedelta(days=days)
        queued = reminders.queue_due(store, mail, secret=SECRET, base_url=BASE, now=at)
        deliver(store, port, at)
        return queued

    assert [due(2), due(3), due(5), due(6), due(9), due(12)] == [0, 1, 0, 1, 0, 0]
    first, *rest = arrived(inbox)[2:]
    assert [m["To"] for m in (first, *rest)] == ["jing@members.test", "jing@members.test"]
    assert first["Subject"] == "Reminder: Pulse check"
    assert personal_token(SECRET, "pulse-check", "m2") in text_of(first)  # the invitation's own link
    table = progress.invitation_progress(store, stored.slug)
    assert table.to_dict("records") == [
        {
            "audience": "segment: builders",
            "invited": 2,
            "opened": 1,
            "started": 1,
            "completed": 1,
            "reminded": 1,
            "response_rate": 0.5,
            "waiting": 0,
            "not_delivered": 0,
        }
    ]


def test_no_reminder_to_a_person_who_answered_under_an_account_since_merged_into_theirs(smtp, store, tmp_path):
    """Ana was invited as m1 and, on another platform, as m5 (two addresses); she answered m1's link.
    Once the two are one person in the warehouse, m5 is not reminded; before the merge it is."""
    _, port = smtp
    stored = published(store)
    invite(store, port, stored, MEMBERS.iloc[[0, 4]])
    deliver(store, port, T0)
    answer(store, stored, "m1")
    reminders.set_reminders(store, stored.slug, reminders.Reminders(after_days=1, reminders=1), actor="ana", now=T0)
    joined = T0 - dt.timedelta(days=30)
    ana = [(member, joined, "forum", "EU", "dev", False) for member in ("m1", "m5")]
    posted = [("m1", T0 - dt.timedelta(days=2), "post")]
    frames = community.frames(member_rows=ana, activity_rows=posted, campaign_rows=[], participation_rows=[])
    at = T0 + dt.timedelta(days=1)
    for merged, expected in (((("m1", "m5"),), 0), ((), 1)):
        people = identities.gather(frames, merges=merged)
        path = tmp_path / f"warehouse-{len(merged)}.duckdb"
        stamp = {identities.LINKS_KEY: people.fingerprint}
        build_warehouse(path, people.frames, timezone="UTC", stamp=stamp, beside=people.tables)
        warehouse = Warehouse(f"duckdb:///{path}")
        persons = partial(identities.persons_of, warehouse.run)
        assert persons(["m1", "m5"]) == ({"m5": "m1"} if merged else {})
        queued = reminders.queue_due(store, channel(port), secret=SECRET, base_url=BASE, now=at, persons_of=persons)
        assert queued == expected
        warehouse.dispose()


def test_an_unsubscribe_stops_the_next_reminder_and_a_closed_survey_sends_none(smtp, store):
    _, port = smtp
    stored = published(store)
    invite(store, port, stored, MEMBERS.iloc[:2])
    deliver(store, port, T0)
    reminders.set_reminders(store, stored.slug, reminders.Reminders(after_days=1, reminders=1), actor="ana", now=T0)
    consent.set_wanted(store, "m1", "surveys", wanted=False, now=T0)
    at = T0 + dt.timedelta(days=1)
    assert reminders.queue_due(store, channel(port), secret=SECRET, base_url=BASE, now=at) == 1  # m2 alone
    registry.set_status(store, stored.slug, "closed", now=at)
    reminders.set_reminders(store, stored.slug, reminders.Reminders(after_days=1, reminders=2), actor="ana", now=at)
    assert reminders.queue_due(store, channel(port), secret=SECRET, base_url=BASE, now=at + dt.timedelta(days=2)) == 0


@pytest.mark.parametrize(
    ("subject", "body", "key"),
    [
        ("{survey}", "Hi {nmae}, {link}", "outreach.template.unknown"),
        ("{survey", "{link}", "outreach.template.braces"),
        ("{survey}", "Hi {name}, no link here", "outreach.template.missing"),
        (" ", "{link}", "outreach.template.empty"),
    ],
)
def test_a_template_a_message_cannot_be_made_from_is_refused_when_saved(store, subject, body, key):
    with pytest.raises(templates.TemplateError) as refused:
        templates.save(store, templates.Template("invitation", "en", subject, body), actor="ana", now=T0)
    assert refused.value.key == key
    assert templates.load(store, "invitation", "en") == templates.default("invitation", "en")


def test_a_saved_template_is_what_members_read(smtp, store):
    inbox, port = smtp
    stored = published(store)
    edited = templates.Template("invitation", "en", "Quick one: {survey}", "Dear {name},\n{link}")
    templates.save(store, edited, actor="ana", now=T0)
    found = plan(store, slug=stored.slug, members=MEMBERS.iloc[:1], default_language="en")
    mine = Sending(channel(port)["mail"], "invitation", wordings(store, "invitation"), SECRET, BASE, "ana", T0)
    queue_invitations(store, mine, stored=stored, recipients=found.recipients, audience="csv")
    deliver(store, port, T0)
    (mail,) = arrived(inbox)
    assert mail["Subject"] == "Quick one: Pulse check" and "\n\nDear Ana,\nhttps://" in text_of(mail)


def test_a_csv_audience_lists_invalid_duplicate_and_unknown_rows():
    content = "name,Email\nAna,ana@members.test\nX,nope\nAna again,ANA@members.test\n,\nZed,zed@elsewhere.test\n"
    audience = audiences.read_addresses(content.encode(), file="list.csv")
    assert audience.addresses == {"ana@members.test": 2, "zed@elsewhere.test": 6}
    members = pd.DataFrame({"member_id": ["m1"], "name": ["Ana"], "email": ["ana@members.test"]})
    found, skipped = audiences.matched(audience, members)
    assert found["member_id"].tolist() == ["m1"]
    assert skipped == (
        audiences.Skipped(3, "nope", "invalid"),
        audiences.Skipped(4, "ANA@members.test", "duplicate", 2),
        audiences.Skipped(6, "zed@elsewhere.test", "unknown"),
    )
    with pytest.raises(audiences.AudienceError) as refused:
        audiences.read_addresses(b"\xff\xfe\x00bad", file="list.csv")
    assert refused.value.key == "outreach.csv.encoding"


def test_an_smtp_failure_keeps_the_invitation_queued_with_its_error(smtp, store):
    inbox, port = smtp
    stored = published(store)
    invite(store, port, stored, MEMBERS.iloc[:1])
    inbox.replies.append("451 4.3.0 Mailbox busy, try later")
    run = deliver(store, port, T0)
    assert (run.sent, run.retrying) == (0, 1)
    errors = progress.last_errors(store, stored.slug)
    assert errors["status"].tolist() == ["pending"]
    assert "451" in errors.at[0, "last_error"]
    assert progress.invitation_progress(store, stored.slug).at[0, "waiting"] == 1
    assert deliver(store, port, T0 + dt.timedelta(minutes=1)).sent == 1  # the retry after a minute
    assert len(inbox.messages) == 1


def feedback_item(store: AppStore, member_id: str) -> int:
    with store.begin() as connection:
        return connection.execute(
            tables.feedback.insert().values(
                source="manual",
                member_id=member_id,
                created_at=T0 - dt.timedelta(days=3),
                text="The  forum search never finds old threads.",
                status="resolved",
                closed_at=T0 - dt.timedelta(hours=1),
                updated_at=T0,
                version=2,
            )
        ).inserted_primary_key[0]


def test_a_reply_tells_the_member_once_and_the_history_and_figures_record_it(smtp, store):
    inbox, port = smtp
    item = feedback_item(store, "m2")
    other = feedback_item(store, "m1")
    member = Recipient("m2", "陈静", "jing@members.test", "zh-CN")
    values = replies.reply_values(
        text="The  forum search never finds old threads.", status="resolved", language="zh-CN"
    )
    assert values == {"feedback": "The forum search never finds old threads.", "status": "已解决"}
    subject, body = templates.fill(templates.default("reply", "zh-CN"), name=member.name, **values)
    reply = sending(port, "reply", "zh-CN")
    assert replies.send_reply(store, reply, member, feedback_id=item, version=2, subject=subject, body=body + "\n—Ana")
    assert not replies.send_reply(store, reply, member, feedback_id=item, version=2, subject=subject, body=body)
    deliver(store, port, T0)
    (mail,) = arrived(inbox)
    assert mail["Subject"] == "关于你的反馈：已解决"
    assert "“The forum search never finds old threads.”" in text_of(mail) and "—Ana" in text_of(mail)
    assert "topic=feedback" in mail["List-Unsubscribe"]
    with store.read() as connection:
        event = connection.execute(
            sa.select(tables.feedback_events.c.field, tables.feedback_events.c.version).where(
                tables.feedback_events.c.feedback_id == item
            )
        ).one()
    assert tuple(event) == ("told", 3)
    assert replies.closed_told(store, start=T0 - dt.timedelta(days=1), end=T0 + dt.timedelta(days=1)) == (2, 1)
    consent.set_wanted(store, "m1", "feedback", wanted=False, now=T0)
    with pytest.raises(replies.ReplyRefused) as refused:
        replies.send_reply(
            store,
            reply,
            Recipient("m1", "Ana", "ana@members.test", "en"),
            feedback_id=other,
            version=2,
            subject="s",
            body="b",
        )
    assert refused.value.key == "outreach.reply.unsubscribed"
