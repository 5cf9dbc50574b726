"""The weekly digest of the fixture community (tests/community.py: period P, 1-7 March 2025) as
people receive it, through `cli.py deliver` as cron runs it: a real SMTP server (aiosmtpd) gets the
email, whose subject, HTML figures and PDF or PNG attachment the test reads; the loopback Slack,
WeCom and Feishu services (tests/chat_server.py) get the cards. The figures are P's, worked out by
hand in tests/test_overview_report.py: members 7 (5 the week before), new members 2 (bob alone
joined in 22-28 February), monthly active 6 (3), churn 2 of 3 (none the week before: no change),
NPS +25 (no answers the week before)."""

from __future__ import annotations

import email
import io
from datetime import date, datetime
from email import policy

import pytest
from PIL import Image

import cli
import clock
from digests.subscriptions import add_digest
from metrics import goals
from store.database import AppStore
from tests.chat_server import chat_server
from tests.test_delivery_email import PASSWORD, smtp  # noqa: F401  (fixture)
from tests.test_reports import html_text, poppler

# The SMTP server asks for a login without TLS: allowed on this machine (tests/test_delivery_email.py).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SLOT = datetime(2025, 3, 8, 9, 0, 30)  # Saturday 8 March, 09:00 UTC: the week before is P
SLACK, WECOM, FEISHU, FEISHU_SECRET = "slack-digest-token", "wecom-digest-key", "feishu-digest-bot", "feishu-secret-9"
HOOK_SECRET = "whsec-digest-secret-42"
LINK = "https://pulse.example.org/?period=custom&start=2025-03-01&end=2025-03-08"
FIGURES = [
    ("Members", "7", "+2"),
    ("New members", "2", "+1"),
    ("Monthly active", "6", "+3"),
    ("Churn rate", "66.7%", ""),
    ("NPS", "+25", ""),
]


@pytest.fixture
def services():
    with chat_server(
        slack_tokens={SLACK}, wecom_keys={WECOM}, feishu_bots={FEISHU: FEISHU_SECRET}, webhook_secret=HOOK_SECRET
    ) as server:
        yield server


@pytest.fixture
def digest_setup(configured, smtp, services, tmp_path, monkeypatch):  # noqa: F811
    """Secrets with an email channel on the aiosmtpd server and the three chat services; the app's
    public address set (the cards link to the view); a goal on monthly active members in March."""
    _, port = smtp
    url = services.url
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f"""
[pulse.channels.team-email]
kind = "email"
host = "127.0.0.1"
port = {port}
security = "none"
username = "pulse"
password = "{PASSWORD}"
from = "Community Pulse <pulse@pulse.example.org>"
to = ["team@pulse.example.org"]
[pulse.channels.team-slack]
kind = "slack"
webhook = "{url}/services/T000/B000/{SLACK}"
[pulse.channels.ops-wecom]
kind = "wecom"
webhook = "{url}/cgi-bin/webhook/send?key={WECOM}"
[pulse.channels.ops-feishu]
kind = "feishu"
webhook = "{url}/open-apis/bot/v2/hook/{FEISHU}"
secret = "{FEISHU_SECRET}"
[pulse.channels.crm-hook]
kind = "webhook"
webhook = "{url}/hook"
secret = "{HOOK_SECRET}"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("PULSE_PUBLIC_URL", "https://pulse.example.org")
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    goals.add_goal(
        store, kpi="mau", start=date(2025, 3, 1), end=date(2025, 4, 1), target=9, by="ana@example.org", now=SLOT
    )
    yield store
    store.dispose()


def weekly(store: AppStore, *, recipients: list[str], language: str = "en", attachment: str = "pdf") -> int:
    return add_digest(
        store,
        name="Weekly pulse" if language == "en" else "社群周报",
        cadence="weekly",
        weekday=5,
        send_time="09:00",
        language=language,
        recipients=recipients,
        attachment=attachment,
        by="ana@example.org",
        now=datetime(2025, 3, 1),
    )


def deliver_at(moment: datetime, monkeypatch, capsys) -> str:
    """`cli.py deliver` as cron runs it, at `moment` (the sender signs with the real clock: Feishu
    checks its timestamp)."""
    monkeypatch.setattr(clock, "now", lambda: moment)
    assert cli.main(["deliver"]) == 0
    return capsys.readouterr().out


def test_the_weekly_digest_email_has_the_figures_the_goal_the_link_and_the_report_as_pdf(
    digest_setup,
    smtp,  # noqa: F811
    monkeypatch,
    capsys,
    tmp_path,
):
    inbox, _ = smtp
    digest = weekly(digest_setup, recipients=["team-email"])
    out = deliver_at(SLOT, monkeypatch, capsys)
    assert f"Digest {digest} for 2025-03-01 to 2025-03-07: 1 queued." in out and "Messages sent: 1;" in out
    [(_, recipients, raw)] = inbox.messages
    assert recipients == ["team@pulse.example.org"]
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == "Weekly pulse: 1 Mar 2025 – 7 Mar 2025"
    page = mail.get_body(preferencelist=("html",)).get_content()
    rows = [" ".join(line.split()) for line in html_text(page.replace("</tr>", "</tr>\n")).splitlines()]
    # The heading runs into the table's first row; then a row per figure: label, value, change.
    assert [row for row in rows if row][:5] == [
        "Weekly pulse: 1 Mar 2025 – 7 Mar 2025 Members 7 +2",
        *[" ".join(filter(None, figure)) for figure in FIGURES[1:]],
    ]
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Members: All members" in text
    # The goal is measured over March so far, 1-8 March (the slot's day counts): MAU(8 March) is 7
    # with frank's post that day, 78% of 9; its daily MAU 3 4 4 5 5 5 6 7 has the least-squares
    # slope 20.5 / 42, so on day 31 it reads 4.875 + 26.5 · 20.5 / 42 = 17.8: projected 18.
    assert "Goals\nMonthly active: Goal 9 · 7 so far (78%) · on track · projected 18" in text
    assert f'<a href="{LINK.replace("&", "&amp;")}">Open the dashboard</a>' in page
    [attachment] = list(mail.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        "community-pulse-2025-03-01-2025-03-07.pdf",
        "application/pdf",
    )
    pdf = tmp_path / "digest.pdf"
    pdf.write_bytes(attachment.get_content())
    printed = " ".join(poppler("pdftotext", pdf).split())
    assert "1 Mar 2025 – 7 Mar 2025" in printed and "Goal: Monthly active 9" in printed
    # The next run at the same slot, and a second deliver, queue and send nothing more.
    again = deliver_at(datetime(2025, 3, 8, 9, 5), monkeypatch, capsys)
    assert "queued" not in again and len(inbox.messages) == 1


def test_a_png_digest_attaches_the_report_as_an_image(digest_setup, smtp, monkeypatch, capsys):  # noqa: F811
    inbox, _ = smtp
    weekly(digest_setup, recipients=["team-email"], attachment="png")
    deliver_at(SLOT, monkeypatch, capsys)
    [(_, _, raw)] = inbox.messages
    [attachment] = list(email.message_from_bytes(raw, policy=policy.default).iter_attachments())
    assert attachment.get_content_type() == "image/png"
    image = Image.open(io.BytesIO(attachment.get_content()))
    assert image.format == "PNG" and image.width > 1000 and image.height > image.width / 2


def test_the_chat_cards_carry_the_headline_kpis_with_their_change_and_a_link(
    digest_setup, services, monkeypatch, capsys
):
    weekly(digest_setup, recipients=["team-slack", "ops-wecom", "ops-feishu"])
    assert "Messages sent: 3;" in deliver_at(SLOT, monkeypatch, capsys)
    [slack] = services.of("slack")
    blocks = slack.body["blocks"]
    assert blocks[0]["text"]["text"] == slack.body["text"] == "Weekly pulse: 1 Mar 2025 – 7 Mar 2025"
    assert [field["text"] for field in blocks[1]["fields"]] == [
        f"*{label}*\n{value}  {change}".strip() for label, value, change in FIGURES
    ]
    assert blocks[-1]["elements"][0]["url"] == LINK
    [wecom] = services.of("wecom")
    lines = wecom.body["markdown"]["content"].splitlines()
    assert lines[:3] == [
        "## Weekly pulse: 1 Mar 2025 – 7 Mar 2025",
        '> Members: **7** <font color="comment">+2</font>',
        '> New members: **2** <font color="comment">+1</font>',
    ]
    assert "> Churn rate: **66.7%**" in lines and lines[-1] == f"[Open the dashboard]({LINK})"
    [feishu] = services.of("feishu")
    card = feishu.body["card"]
    assert card["header"]["title"]["content"] == "Weekly pulse: 1 Mar 2025 – 7 Mar 2025"
    assert [field["text"]["content"] for field in card["elements"][0]["fields"]][:2] == [
        "Members\n7  +2",
        "New members\n2  +1",
    ]
    assert card["elements"][-1]["actions"][0]["url"] == LINK


def test_a_chinese_digest_reads_chinese_and_without_a_public_address_has_no_link(
    digest_setup, services, monkeypatch, capsys
):
    monkeypatch.delenv("PULSE_PUBLIC_URL")  # left at http://localhost:8501: no reader elsewhere could open it
    weekly(digest_setup, recipients=["ops-wecom"], language="zh-CN")
    deliver_at(SLOT, monkeypatch, capsys)
    [wecom] = services.of("wecom")
    content = wecom.body["markdown"]["content"]
    assert content.splitlines()[:2] == [
        "## 社群周报：2025年3月1日至2025年3月7日",
        '> 成员数：**7** <font color="comment">+2</font>',  # the full-width colon of Chinese
    ]
    assert "目标" in content and "http" not in content


def test_a_digest_to_a_webhook_carries_each_figures_key_and_values_whatever_the_language(
    digest_setup, services, monkeypatch, capsys
):
    """A program reading the webhook gets P's figures (module docstring) as numbers, beside the words
    in the digest's language; NPS and churn have no previous value to compare with."""
    weekly(digest_setup, recipients=["crm-hook"], language="zh-CN")
    assert "Messages sent: 1;" in deliver_at(SLOT, monkeypatch, capsys)
    [hook] = services.of("webhook")
    figures = hook.body["figures"]
    assert [figure["key"] for figure in figures] == ["members", "new_members", "mau", "churn_rate", "nps"]
    assert [figure["label"] for figure in figures][:2] == ["成员数", "新成员"]
    assert [(figure["current"], figure["previous"]) for figure in figures[:3]] == [(7, 5), (2, 1), (6, 3)]
    assert figures[3]["current"] == pytest.approx(2 / 3) and figures[3]["value"] == "66.7%"
    assert (figures[4]["current"], figures[4]["previous"]) == (25.0, None)


def test_digest_list_and_send_now_try_a_digest_without_using_up_its_scheduled_run(
    digest_setup, services, monkeypatch, capsys
):
    digest = weekly(digest_setup, recipients=["team-slack", "old-channel"])
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 5, 12))
    assert cli.main(["digest", "list"]) == 0
    assert (
        capsys.readouterr().out.split()
        == (
            f"{digest} Weekly pulse [enabled] weekly, Saturday 09:00 (UTC) to team-slack, old-channel "
            "for every member; next run 2025-03-08 09:00"
        ).split()
    )
    # Tried on Wednesday 5 March: the period its latest slot (Saturday 1 March) reported on, 22-28 February.
    assert cli.main(["digest", "send", str(digest), "--now"]) == 0
    out, err = capsys.readouterr()
    assert f"Digest {digest} for 2025-02-22 to 2025-02-28: 1 messages queued." in out and "Messages sent: 1;" in out
    assert err == "Not in [pulse.channels] of secrets.toml: old-channel.\n"
    assert [item.body["text"] for item in services.of("slack")] == ["Weekly pulse: 22 Feb 2025 – 28 Feb 2025"]
    deliver_at(SLOT, monkeypatch, capsys)  # the scheduled run still goes, for its own week
    assert services.of("slack")[-1].body["text"] == "Weekly pulse: 1 Mar 2025 – 7 Mar 2025"
    assert cli.main(["digest", "send", "99"]) == 1
    assert "There is no digest 99" in capsys.readouterr().err
