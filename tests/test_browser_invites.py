"""Survey invitations end to end with real parts: a manager sends them from the Surveys page to a
CSV audience (its bad rows listed and skipped once confirmed); a local SMTP server (aiosmtpd)
receives them; the test parses an email and follows its personal link in Chromium on a phone to
complete the survey; the reminder then goes only to the member who did not answer; that member
unsubscribes through the email's link, and the next reminder does not go out; the other unsubscribes
with the mail client's one-click POST (RFC 8058). A `cli.py deliver`
killed while the SMTP server holds an invitation resumes without sending anyone a second one."""

from __future__ import annotations

import asyncio
import email
import logging
import re
import shutil
import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

import clock
from delivery import outbox
from delivery.channels import load_channels
from outreach import consent, invitations, reminders
from outreach.messages import sending_for
from settings import load_settings, signing_secret
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import parse_definition
from tests import test_browser, test_delivery_processes
from tests.test_browser import serve
from tests.test_delivery_email import free_port

browser = test_browser.browser  # fixtures: the module's headless Chromium,
phone = test_browser.phone  # and a page in it on a 390 x 844 touch screen
SLUG = "invite-check"
SURVEY = {
    "slug": SLUG,
    "title": {"en": "Invite check", "zh": "邀请测试"},
    "languages": ["en", "zh"],
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "required": True,
            "text": {"en": "Would you recommend us?", "zh": "你会推荐我们吗？"},
        }
    ],
}


class Mailbox:
    """What the SMTP server was given (recorded when DATA arrives); `hold` seconds before answering
    the messages after the first `hold_after`."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.hold, self.hold_after = 0.0, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.original_content or envelope.content)
        if self.hold and len(self.messages) > self.hold_after:
            await asyncio.sleep(self.hold)
        return "250 Message accepted for delivery"

    def parsed(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=policy.default) for raw in self.messages]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs each line of DATA: addresses
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def secrets_for(folder: Path, port: int, **extra: str) -> Path:
    lines = [
        "[pulse.channels.members-mail]",
        'kind = "email"',
        'host = "127.0.0.1"',
        f"port = {port}",
        'security = "none"',
        'from = "Community Pulse <pulse@pulse.community.test>"',
        *(f"{key} = {value}" for key, value in extra.items()),
    ]
    path = folder / "secrets.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def demo_members(data_dir: Path, count: int) -> pd.DataFrame:
    """Members with an address who never answered a survey: their emails are in English (the default)."""
    store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    answered = set(store.run(sa.select(tables.responses.c.member_id).distinct())["member_id"].dropna())
    store.dispose()
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        members = connection.execute(
            "select member_id, name, email from members where not is_team and email is not null order by member_id"
        ).df()
    return members[~members["member_id"].isin(answered)].head(count).reset_index(drop=True)


def text_of(mail: email.message.EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def link_in(mail: email.message.EmailMessage, path: str) -> str:
    return re.search(rf"https?://\S+/{path}\?\S+", text_of(mail)).group(0)


def post(url: str, body: str) -> tuple[int, str]:
    """The status and text of a form POST, as a mail client sends it."""
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def on_server(link: str, server: str) -> str:
    """The link's page and query on the test's server (the emails name the configured public_url)."""
    parts = urlsplit(link)
    return f"{server}{parts.path}?{parts.query}"


def settled(page: Page) -> None:
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def deliver_until(store: AppStore, channels, box: Mailbox, count: int) -> None:
    """Send what is due (sharing the lease with the server's own sender) until `count` arrived."""
    deadline = time.monotonic() + 90
    while len(box.messages) < count and time.monotonic() < deadline:
        outbox.deliver_due(store, channels)
        time.sleep(0.5)
    assert len(box.messages) == count


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(demo_data_dir, copy)
    store = AppStore(f"sqlite:///{copy / 'app.db'}")
    store.migrate()
    registry.register(store, parse_definition(SURVEY, where="test"), timezone="UTC", now=clock.now())
    store.dispose()
    return copy


def test_invited_members_answer_through_their_link_and_only_the_others_are_reminded(
    data_dir, tmp_path, mailbox, browser, phone
):
    box, port = mailbox
    begun = datetime.now(UTC).replace(tzinfo=None)  # the invitations this test makes, not the demo's links
    secrets = secrets_for(tmp_path, port)
    two = demo_members(data_dir, 2)
    csv = tmp_path / "audience.csv"
    csv.write_text(
        "email\n" + f"{two.at[0, 'email']}\nnot-an-address\n{two.at[1, 'email'].upper()}\n{two.at[1, 'email']}\n",
        encoding="utf-8",
    )
    with serve(data_dir, secrets_file=str(secrets)) as server:
        context = browser.new_context(viewport={"width": 1400, "height": 2400})
        page = context.new_page()
        page.goto(f"{server}/surveys?survey={SLUG}")
        page.get_by_text("Invite check", exact=True).first.wait_for(timeout=60_000)
        settled(page)
        page.get_by_role("tab", name="Email invitations").click()
        invites = page.locator(".st-key-invites")
        invites.get_by_text("CSV of emails", exact=True).click()
        settled(page)
        invites.locator("input[type=file]").set_input_files(str(csv))
        invites.get_by_text("2 rows of audience.csv will be skipped:").wait_for(timeout=30_000)
        expect(invites.get_by_role("button", name=re.compile("^Send to"))).to_have_count(0)
        invites.get_by_text("Skip these 2 rows and invite the rest").click()
        invites.get_by_role("button", name="Send to 2 members").click()
        invites.get_by_text("Email an invitation to 2 members now? A sent email cannot be taken back.").wait_for()
        asked = load_settings(environ={"PULSE_DATA_DIR": str(data_dir), "PULSE_SECRETS_FILE": str(secrets)})
        assert outbox.recent(AppStore(asked.app_db_url)).empty  # nothing queued before the answer
        invites.get_by_role("button", name="Send the invitations").click()
        invites.get_by_text("2 invitations are queued; they go out at up to 60 a minute.").wait_for(timeout=30_000)
        context.close()

        settings = load_settings(environ={"PULSE_DATA_DIR": str(data_dir), "PULSE_SECRETS_FILE": str(secrets)})
        store = AppStore(settings.app_db_url)
        channels = load_channels(settings)
        deliver_until(store, channels, box, 2)
        mails = {mail["To"]: mail for mail in box.parsed()}
        assert sorted(mails) == sorted(two["email"])
        answering, waiting = mails[two.at[0, "email"]], mails[two.at[1, "email"]]
        assert answering["Subject"] == waiting["Subject"] == "Invitation: Invite check"
        assert answering["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        phone.goto(on_server(link_in(answering, "survey"), server))
        group = phone.get_by_role("radiogroup", name=re.compile("^Would you recommend us"))
        group.get_by_role("radio", name="9", exact=True).click()
        phone.get_by_role("button", name="Submit").click()
        phone.get_by_text("Thank you! Your answers are saved.").wait_for(timeout=30_000)

        reminders.set_reminders(store, SLUG, reminders.Reminders(after_days=3, reminders=2), actor="t", now=clock.now())
        later = clock.now() + timedelta(days=3, minutes=1)
        secret = signing_secret(settings)
        assert reminders.queue_due(store, channels, secret=secret, base_url=settings.public_url, now=later) == 1
        outbox.deliver_due(store, channels, now=lambda: later)
        reminder = box.parsed()[-1]
        assert (len(box.messages), reminder["To"], reminder["Subject"]) == (
            3,
            two.at[1, "email"],
            "Reminder: Invite check",
        )

        phone.goto(on_server(reminder["List-Unsubscribe"].strip("<>"), server))
        phone.get_by_role("button", name="Unsubscribe", exact=True).click()
        phone.get_by_text("Done: you will not receive survey invitations and reminders any more.").wait_for(
            timeout=30_000
        )
        # While the page reruns, the element a line above displaced can linger once more (stale) until the run ends.
        expect(phone.get_by_text("You do not receive survey invitations and reminders.")).to_have_count(
            1, timeout=30_000
        )
        expect(phone.get_by_text("You receive replies about your feedback.")).to_have_count(1, timeout=30_000)
        expect(phone.get_by_text("Something went wrong")).to_have_count(0)
        expect(phone.get_by_text("@")).to_have_count(0)  # the page never shows the address
        menu = phone.get_by_test_id("stMainMenu")  # nor the app's menu: the page is the member's
        expect(menu).to_have_count(1)
        expect(menu).to_be_hidden()
        member = str(two.at[1, "member_id"])
        assert consent.topics_of(store, member) == {"surveys": False, "feedback": True}

        # The other member unsubscribes from the mail client's button: a POST to the header's link (RFC 8058).
        one_click = on_server(answering["List-Unsubscribe"].strip("<>"), server)
        assert post(one_click, "List-Unsubscribe=One-Click") == (200, "Unsubscribed.")
        assert consent.topics_of(store, str(two.at[0, "member_id"])) == {"surveys": False, "feedback": True}
        assert post(one_click, "")[0] == 400  # not a one-click request
        assert post(one_click.replace("u=", "u=x"), "List-Unsubscribe=One-Click")[0] == 400  # not our link
        even_later = later + timedelta(days=3, minutes=1)
        assert reminders.queue_due(store, channels, secret=secret, base_url=settings.public_url, now=even_later) == 0
        outbox.deliver_due(store, channels, now=lambda: even_later)
        assert len(box.messages) == 3
        with store.read() as connection:
            used = (
                connection.execute(
                    sa.select(tables.invitations.c.member_id).where(
                        tables.invitations.c.used_at.is_not(None), tables.invitations.c.sent_at >= begun
                    )
                )
                .scalars()
                .all()
            )
        assert used == [str(two.at[0, "member_id"])]
        store.dispose()


def test_a_killed_sender_resumes_without_inviting_anyone_twice(data_dir, tmp_path, mailbox):
    """`cli.py deliver` killed while the SMTP server holds the third invitation: the next sender
    marks that one unknown (it reached the server) and sends the others once."""
    box, port = mailbox
    secrets = secrets_for(tmp_path, port)
    env = test_delivery_processes.environment(data_dir, secrets)
    settings = load_settings(environ={"PULSE_DATA_DIR": str(data_dir), "PULSE_SECRETS_FILE": str(secrets)})
    store = AppStore(settings.app_db_url)
    channel = load_channels(settings)["members-mail"]
    stored = registry.load_survey(store, SLUG)
    found = invitations.plan(store, slug=SLUG, members=demo_members(data_dir, 6), default_language="en")
    sending = sending_for(store, settings, channel, "invitation", actor="t", now=clock.now())
    assert (
        invitations.queue_invitations(store, sending, stored=stored, recipients=found.recipients, audience="csv") == 6
    )
    box.hold, box.hold_after = 20.0, 2
    process = test_delivery_processes.deliver(env)
    deadline = time.monotonic() + 60
    while len(box.messages) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(box.messages) == 3
    box.hold = 0.0
    with store.begin() as connection:  # the dead sender's lease runs out (outbox.LEASE)
        connection.execute(tables.leases.update().values(until=clock.now() - timedelta(seconds=1)))
    again = test_delivery_processes.deliver(env)
    out, _ = again.communicate(timeout=120)
    assert (
        out.strip() == "Messages sent: 3; waiting for a retry: 0; failed: 0; left unknown by a sender that stopped: 1."
    )
    arrived = Counter(mail["To"] for mail in box.parsed())
    assert sorted(arrived.values()) == [1] * 6
    assert Counter(test_delivery_processes.statuses(store).values()) == {"sent": 5, "unknown": 1}
    store.dispose()
