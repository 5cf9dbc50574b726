"""Delivery channels and the outbox against loopback services that answer as Slack, WeCom, Feishu
and a signed-webhook receiver document it (tests/chat_server.py): each format as the service
checks it, retries on 429 / 5xx / rate-limit codes with the waits they ask for, give-ups, refusals
that fail at once, idempotent queuing, and the in-flight rows a dead sender leaves."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

import clock
import logs
from delivery import outbox
from delivery.channels import ChannelError, parse_channels, where
from delivery.message import Attachment, Figure, Message
from delivery.transport import webhook_signature
from settings import load_settings
from store import tables
from store.database import AppStore
from tests.chat_server import chat_server

SLACK_TOKEN = "XslackTokenNotForLogs1234"
WECOM_KEY = "693a91f6-wecom-key-not-for-logs"
FEISHU_TOKEN = "5e3d587e-feishu-hook-not-for-logs"
FEISHU_SECRET = "nIMtb7r3N9feishuSecret"
WEBHOOK_SECRET = "whsec-generic-secret-987"
MEMBER_TEXT = "<!channel> *urgent* [click](http://evil.example) `x` # heading & <b>bold</b>"


@pytest.fixture
def services():
    with chat_server(
        slack_tokens={SLACK_TOKEN},
        wecom_keys={WECOM_KEY},
        feishu_bots={FEISHU_TOKEN: FEISHU_SECRET, "open-bot": ""},
        webhook_secret=WEBHOOK_SECRET,
    ) as server:
        yield server


def configured(url: str) -> dict[str, object]:
    return {
        "team-slack": {"kind": "slack", "webhook": f"{url}/services/T000/B000/{SLACK_TOKEN}"},
        "ops-wecom": {"kind": "wecom", "webhook": f"{url}/cgi-bin/webhook/send?key={WECOM_KEY}"},
        "ops-feishu": {
            "kind": "feishu",
            "webhook": f"{url}/open-apis/bot/v2/hook/{FEISHU_TOKEN}",
            "secret": FEISHU_SECRET,
        },
        "open-feishu": {"kind": "feishu", "webhook": f"{url}/open-apis/bot/v2/hook/open-bot"},
        "hooks": {"kind": "webhook", "webhook": f"{url}/hook", "secret": WEBHOOK_SECRET},
    }


@pytest.fixture
def store(tmp_path):
    app_store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    app_store.migrate()
    yield app_store
    app_store.dispose()


class Clock:
    """A clock the test moves; it starts at the real time (Feishu and the receiver check timestamps)."""

    def __init__(self) -> None:
        self.at = clock.now()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def digest(title: str = "Weekly pulse") -> Message:
    return Message(
        title=title,
        figures=(Figure("MAU", "6,120", "+4.2%"), Figure("NPS", "41", "−3", key="nps", current=41.0, previous=44.0)),
        text=MEMBER_TEXT,
        link="https://pulse.example.org/?period=last_7_days",
        link_label="Open the dashboard",
    )


def rows(store: AppStore) -> dict[str, dict[str, object]]:
    found = store.run(sa.select(tables.delivery_outbox).order_by(tables.delivery_outbox.c.id))
    return {str(row["idempotency_key"]): row for row in found.to_dict("records")}


def test_each_chat_format_reaches_its_service_as_it_documents_it(services, store):
    channels = parse_channels(configured(services.url))
    now = Clock()
    for name, channel in channels.items():
        assert outbox.queue(store, channel=channel, message=digest(), key=f"digest:{name}", now=now())
    run = outbox.deliver_due(store, channels, now=now)
    assert (run.sent, run.retrying, run.failed) == (5, 0, 0)
    assert {key: row["status"] for key, row in rows(store).items()} == dict.fromkeys(
        (f"digest:{name}" for name in channels), "sent"
    )
    assert [len(services.of(kind)) for kind in ("slack", "wecom", "feishu", "webhook")] == [1, 1, 2, 1]

    slack = services.of("slack")[0].body
    assert slack["text"] == "Weekly pulse"
    assert slack["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Weekly pulse", "emoji": False},
    }
    assert slack["blocks"][1]["fields"][0] == {"type": "mrkdwn", "text": "*MAU*\n6,120  +4.2%"}
    assert slack["blocks"][2]["text"] == {"type": "plain_text", "text": MEMBER_TEXT}  # text, never mrkdwn
    assert slack["blocks"][3]["elements"][0]["url"] == "https://pulse.example.org/?period=last_7_days"

    wecom = services.of("wecom")[0].body
    assert wecom["msgtype"] == "markdown"
    content = wecom["markdown"]["content"]
    assert content.startswith('## Weekly pulse\n> MAU: **6,120** <font color="comment">+4.2%</font>\n')
    assert "＜!channel＞ ＊urgent＊ ［click］(http://evil.example) ｀x｀ ＃ heading & ＜b＞bold＜/b＞" in content
    assert content.endswith("\n[Open the dashboard](https://pulse.example.org/?period=last_7_days)")

    signed, unsigned = (services.of("feishu")[0], services.of("feishu")[1])
    assert {signed.bot, unsigned.bot} == {FEISHU_TOKEN, "open-bot"}
    if signed.bot != FEISHU_TOKEN:
        signed, unsigned = unsigned, signed
    assert set(signed.body) == {"msg_type", "card", "timestamp", "sign"}  # verified by the double as Feishu does
    assert set(unsigned.body) == {"msg_type", "card"}
    card = signed.body["card"]
    assert card["header"]["title"] == {"tag": "plain_text", "content": "Weekly pulse"}
    assert card["elements"][0]["fields"][1]["text"] == {"tag": "plain_text", "content": "NPS\n41  −3"}
    assert card["elements"][1] == {"tag": "div", "text": {"tag": "plain_text", "content": MEMBER_TEXT}}
    assert card["elements"][2]["actions"][0]["url"] == "https://pulse.example.org/?period=last_7_days"

    hook = services.of("webhook")[0]
    assert hook.headers["x-pulse-delivery"] == hook.body["id"] == "digest:hooks"
    assert hook.body["figures"][0] == {"label": "MAU", "value": "6,120", "change": "+4.2%"}
    # a figure with its key carries its values too: a program need not parse "41" or "−3" in any language
    assert hook.body["figures"][1] == {
        "label": "NPS",
        "value": "41",
        "change": "−3",
        "key": "nps",
        "current": 41.0,
        "previous": 44.0,
    }
    assert hook.body["text"] == MEMBER_TEXT


def test_the_webhook_signature_is_the_documented_hmac():
    """docs/delivery.md's recipe, worked by hand: sha256= and the hex HMAC of "<timestamp>.<body>"."""
    import hashlib
    import hmac

    body = b'{"id":"k"}'
    expected = hmac.new(b"s3cret-key", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook_signature("s3cret-key", 1700000000, body) == f"sha256={expected}"


def test_the_same_key_is_queued_once(services, store):
    channel = parse_channels(configured(services.url))["team-slack"]
    now = clock.now()
    assert outbox.queue(store, channel=channel, message=digest(), key="digest:w09", now=now)
    assert not outbox.queue(store, channel=channel, message=digest("Changed"), key="digest:w09", now=now)
    assert [row["title"] for row in rows(store).values()] == ["Weekly pulse"]


def test_retries_wait_as_asked_and_then_send(services, store):
    channels = parse_channels(configured(services.url))
    now = Clock()
    services.fail_next("slack", 429, "rate_limited", headers={"Retry-After": "30"})
    services.fail_next("webhook", 503, "Service Unavailable")
    services.fail_next("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    services.fail_next("feishu", 200, {"code": 11232, "msg": "frequency limited", "data": {}})
    for name in ("team-slack", "hooks", "ops-wecom", "ops-feishu"):
        outbox.queue(store, channel=channels[name], message=digest(), key=name, now=now())
    start = now()
    run = outbox.deliver_due(store, channels, now=now)
    assert (run.sent, run.retrying, run.failed) == (0, 4, 0)
    found = rows(store)
    waits = {key: found[key]["next_attempt_at"] - start for key in found}
    assert waits == {
        "team-slack": timedelta(seconds=30),  # its Retry-After
        "hooks": timedelta(minutes=1),  # the first backoff
        "ops-wecom": timedelta(seconds=60),  # a rate-limit code: a minute
        "ops-feishu": timedelta(seconds=60),
    }
    assert found["team-slack"]["last_error"] == "HTTP 429 (rate limited): rate_limited"
    assert "errcode 45009" in found["ops-wecom"]["last_error"]
    assert "code 11232" in found["ops-feishu"]["last_error"]
    now.advance(seconds=31)
    assert outbox.deliver_due(store, channels, now=now).sent == 1  # Slack's wait is over, the others' not
    now.advance(seconds=30)
    assert outbox.deliver_due(store, channels, now=now).sent == 3
    assert {row["status"] for row in rows(store).values()} == {"sent"}
    assert {row["attempts"] for row in rows(store).values()} == {2}
    assert [len(services.of(kind)) for kind in ("slack", "wecom", "feishu", "webhook")] == [1, 1, 1, 1]


def test_a_channel_that_keeps_failing_is_given_up_with_a_visible_error(services, store):
    channels = parse_channels(configured(services.url))
    now = Clock()
    services.fail_next("slack", 500, "internal_error", times=outbox.MAX_ATTEMPTS)
    outbox.queue(store, channel=channels["team-slack"], message=digest(), key="k", now=now())
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        before = now()
        outbox.deliver_due(store, channels, now=now)
        row = rows(store)["k"]
        waits.append(row["next_attempt_at"] - before)
        now.at = row["next_attempt_at"]
    assert waits[:-1] == [timedelta(minutes=m) for m in (1, 4, 16, 60, 60)]
    row = rows(store)["k"]
    assert (row["status"], row["attempts"]) == ("failed", outbox.MAX_ATTEMPTS)
    assert row["last_error"] == f"Gave up after {outbox.MAX_ATTEMPTS} attempts. Last: HTTP 500: internal_error"
    assert services.of("slack") == []


@pytest.mark.parametrize(
    ("name", "change", "error"),
    [
        ("team-slack", ("webhook", "/services/T000/B000/revoked"), "HTTP 404: no_service. Check the webhook address"),
        ("ops-wecom", ("webhook", "/cgi-bin/webhook/send?key=revoked"), "WeCom errcode 93000: the webhook address"),
        ("ops-feishu", ("secret", "a-wrong-secret"), "Feishu code 19021: the signature does not match"),
        ("open-feishu", ("webhook", "/open-apis/bot/v2/hook/revoked"), "Feishu code 19001: param invalid"),
        ("hooks", ("secret", "a-wrong-secret"), "HTTP 401"),
    ],
)
def test_an_answer_that_will_not_change_fails_at_once(services, store, name, change, error):
    config = configured(services.url)
    key, value = change
    config[name] = dict(config[name]) | {key: services.url + value if key == "webhook" else value}
    channels = parse_channels(config)
    outbox.queue(store, channel=channels[name], message=digest(), key="k", now=clock.now())
    run = outbox.deliver_due(store, channels, now=Clock())
    row = rows(store)["k"]
    assert (run.failed, row["status"], row["attempts"]) == (1, "failed", 1)
    assert row["last_error"].startswith(error)
    assert services.received == []


def test_wecom_past_twenty_a_minute_waits_for_the_next_run(services, store):
    """The robot takes 20 messages a minute (the double counts, as WeCom does); the 21st is answered
    45009 and the sender leaves that robot's remaining messages for a later run."""
    channels = parse_channels(configured(services.url))
    now = Clock()
    for n in range(24):
        outbox.queue(store, channel=channels["ops-wecom"], message=digest(f"Alert {n}"), key=f"a{n}", now=now())
    run = outbox.deliver_due(store, channels, now=now)
    assert (run.sent, run.retrying) == (20, 1)
    assert [row["status"] for row in rows(store).values()].count("pending") == 4
    assert len(services.of("wecom")) == 20


def test_a_long_message_is_cut_to_each_services_limit(services, store):
    channels = parse_channels(configured(services.url))
    long = Message(title="标题" * 200, figures=tuple(Figure(f"KPI {n}", "1") for n in range(14)), text="长" * 5000)
    for name in ("team-slack", "ops-wecom"):
        outbox.queue(store, channel=channels[name], message=long, key=name, now=clock.now())
    assert outbox.deliver_due(store, channels, now=Clock()).sent == 2
    assert len(services.of("wecom")[0].body["markdown"]["content"].encode()) <= 4096
    assert [block["type"] for block in services.of("slack")[0].body["blocks"]] == [
        "header",
        "section",
        "section",
        "section",
    ]


def test_a_row_left_in_flight_is_marked_unknown_and_not_sent_again(services, store):
    """A sender died between sending and recording: the next sender cannot know whether it arrived,
    so a chat message is not sent again; the generic webhook's is (its receiver drops repeats)."""
    channels = parse_channels(configured(services.url))
    now = clock.now()
    for name in ("team-slack", "hooks"):
        outbox.queue(store, channel=channels[name], message=digest(), key=name, now=now)
    with store.begin() as connection:
        connection.execute(tables.delivery_outbox.update().values(status="sending", claimed_by="dead", attempts=1))
    run = outbox.deliver_due(store, channels, now=Clock())
    found = rows(store)
    assert (run.unknown, run.sent) == (1, 1)
    assert found["team-slack"]["status"] == "unknown"
    assert "not known whether it arrived" in found["team-slack"]["last_error"]
    assert found["hooks"]["status"] == "sent"
    assert services.of("slack") == [] and len(services.of("webhook")) == 1
    assert outbox.requeue(store, int(found["team-slack"]["id"]), now=now)
    assert outbox.deliver_due(store, channels, now=Clock()).sent == 1


def test_a_sender_finds_the_lease_held_and_sends_nothing(services, store):
    channels = parse_channels(configured(services.url))
    outbox.queue(store, channel=channels["team-slack"], message=digest(), key="k", now=clock.now())
    with outbox.lease(store, clock.now()) as holder:
        assert holder is not None
        assert outbox.deliver_due(store, channels, now=Clock()).busy
    assert services.received == []
    with outbox.lease(store, clock.now() - timedelta(minutes=10)) as stale:  # a crashed holder's lease runs out
        assert stale is not None
        assert outbox.deliver_due(store, channels, now=Clock()).sent == 1


def test_a_channel_no_longer_configured_fails_its_messages(services, store):
    channels = parse_channels(configured(services.url))
    outbox.queue(store, channel=channels["team-slack"], message=digest(), key="k", now=clock.now())
    outbox.deliver_due(store, {}, now=Clock())
    assert (
        rows(store)["k"]["last_error"]
        == "The channel 'team-slack' (slack) is no longer in [pulse.channels] of secrets.toml."
    )


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"kind": "teams", "webhook": "https://x.example"}, "kind is 'teams'"),
        ({"kind": "slack"}, 'needs webhook = "…"'),
        ({"kind": "slack", "webhook": "http://hooks.slack.com/services/x"}, "must use https://"),
        ({"kind": "webhook", "webhook": "https://x.example/hook"}, 'needs secret = "…"'),
        ({"kind": "email", "host": "smtp.example.org", "from": "nobody"}, "from must be an address"),
        (
            {
                "kind": "email",
                "host": "smtp.example.org",
                "from": "p@example.org",
                "security": "none",
                "password": "pw12345",
            },
            'security = "none" would send the password unencrypted',
        ),
    ],
)
def test_a_channel_described_wrongly_is_refused_by_name(table, problem):
    with pytest.raises(ChannelError) as refused:
        parse_channels({"broken": table})
    assert refused.value.user_message.startswith("[pulse.channels.broken] in secrets.toml: ")
    assert problem in refused.value.user_message


def test_channels_are_described_without_their_secrets(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[pulse.channels.team-slack]\nkind = "slack"\n'
        f'webhook = "https://hooks.slack.com/services/T000/B000/{SLACK_TOKEN}"\n'
        '[pulse.channels.mail]\nkind = "email"\nhost = "smtp.example.org"\nfrom = "Pulse <p@example.org>"\n'
        'to = ["a@example.org", "b@example.org"]\nusername = "pulse"\npassword = "smtp-password-42"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    settings = load_settings()
    assert {f"https://hooks.slack.com/services/T000/B000/{SLACK_TOKEN}", "smtp-password-42"} <= logs.kept_secrets()
    from delivery.channels import load_channels

    channels = load_channels(settings)
    assert where(channels["team-slack"]) == "hooks.slack.com (address hidden)"
    assert where(channels["mail"]) == "smtp.example.org:587 (starttls), 2 recipients"
    shown = repr(channels) + json.dumps([where(c) for c in channels.values()])
    assert SLACK_TOKEN not in shown and "smtp-password-42" not in shown


def test_an_attachment_travels_in_the_webhooks_json(services, store):
    channels = parse_channels(configured(services.url))
    message = Message(title="Report", attachment=Attachment("report.pdf", b"%PDF-1.7 x", "application/pdf"))
    outbox.queue(store, channel=channels["hooks"], message=message, key="r", now=clock.now())
    outbox.deliver_due(store, channels, now=Clock())
    assert services.of("webhook")[0].body["attachment"] == {
        "filename": "report.pdf",
        "mime_type": "application/pdf",
        "content_base64": "JVBERi0xLjcgeA==",
    }


@pytest.mark.parametrize(
    ("service", "name"), [("wecom", "ops-wecom"), ("feishu", "open-feishu"), ("slack", "team-slack")]
)
def test_a_200_that_is_not_the_services_answer_is_not_taken_for_sent(services, store, service, name):
    """A proxy or a captive portal answering 200 with a page of its own: the message did not reach the chat."""
    channels = parse_channels(configured(services.url))
    services.fail_next(service, 200, "<html>Welcome to the office network</html>")
    outbox.queue(store, channel=channels[name], message=digest(), key="k", now=clock.now())
    outbox.deliver_due(store, channels, now=Clock())
    row = rows(store)["k"]
    assert row["status"] == "failed"
    assert "<html>Welcome to the office network</html>" in row["last_error"]


@pytest.mark.parametrize(
    "language, lines",
    [("en", ["MAU: 6,120 (+4.2%)", "NPS: 41"]), ("zh-CN", ["月活：6,120（+4.2%）", "NPS：41"])],
)
def test_a_messages_figures_are_joined_the_readers_way(language, lines):
    message = Message(
        title="t",
        figures=(Figure("MAU" if language == "en" else "月活", "6,120", "+4.2%"), Figure("NPS", "41")),
        language=language,
    )
    assert message.lines() == lines


def test_a_test_message_links_to_the_app_only_where_others_can_open_it():
    """A channel's test message carries the app's public address, and none while that is this
    computer's (public_url unset): a teammate reading Slack elsewhere could not open localhost."""
    from delivery.trial import trial_message

    (channel,) = parse_channels(
        {"team": {"kind": "slack", "webhook": "https://hooks.slack.com/services/T0/B0/x"}}
    ).values()
    now = datetime(2026, 12, 7, 9, 30)

    def link(public_url: str) -> str:
        return trial_message(channel, link=public_url, language="en", zone="UTC", now=now).link

    assert link("https://pulse.example.org") == "https://pulse.example.org"
    assert link("http://localhost:8501") == ""
    assert link("http://127.0.0.1:8611") == ""
    assert link("") == ""
