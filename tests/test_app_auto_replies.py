"""AppTest: the inbox's Automatic replies view (outreach/auto_replies.py) — a rule added for every
theme and for one, refused when set already, removed; the warning while no email channel is
configured; the reply's wording edited there; the view in Chinese; an item's history naming
the automatic reply in words; and Tell the member from an item, through a local SMTP server."""

from __future__ import annotations

import email
from email import policy

import pytest
import sqlalchemy as sa

from catalog import translate
from catalog.spoken import speaking
from delivery import outbox
from delivery.channels import load_channels
from feedback import inbox, workflow
from feedback.intake import NewFeedback, add_feedback
from outreach import auto_replies, templates
from settings import load_settings
from store import tables
from store.database import AppStore
from tests import test_delivery_email
from tests.test_app_feedback import NOW, open_inbox, press, widget
from tests.test_app_messages import open_page
from tests.test_delivery_email import PASSWORD

smtp = test_delivery_email.smtp  # a local SMTP server that asks for a login


@pytest.fixture
def store(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))  # no email channel
    app_store = AppStore(f"sqlite:///{configured / 'app.db'}")
    yield app_store
    app_store.dispose()


def test_a_manager_adds_refuses_and_removes_rules(store):
    at = open_inbox({"feedback_view": "replies"})
    assert not at.exception
    assert next(w.value for w in at.warning).startswith("Nothing is sent until an email channel is configured")
    assert [i.value for i in at.info] == [
        "No automatic replies yet: members are told only when a manager uses Tell the member on an item."
    ]
    assert widget(at, "selectbox", "When an item moves to").value == "resolved"
    at = press(at, "Add")
    assert not at.exception
    assert "When an item moves to **Resolved**, any theme" in [m.value for m in at.markdown]
    assert any(c.value.replace("\\", "").startswith("Set by local user, ") for c in at.caption)

    at = press(at, "Add")  # the same again
    assert [e.value for e in at.error] == ["That automatic reply is set already."]

    widget(at, "selectbox", "When an item moves to").set_value("wont_fix")
    themes = widget(at, "selectbox", "Theme")
    assert themes.options[0] == "Any theme" and "Performance" in themes.options  # a suggested theme, in words
    themes.set_value("performance")
    at = press(at, "Add")
    kept = auto_replies.rules(store)
    assert kept[["status", "theme", "created_by"]].values.tolist() == [
        ["resolved", "", "local"],
        ["wont_fix", "performance", "local"],
    ]
    assert "When an item about Performance moves to **Won't fix**" in [m.value for m in at.markdown]

    resolved = int(kept.at[0, "id"])
    at = at.button(key=f"autoreply_remove_{resolved}").click().run()
    assert auto_replies.rules(store)["status"].tolist() == ["wont_fix"]
    assert "When an item moves to **Resolved**, any theme" not in [m.value for m in at.markdown]


def test_the_reply_wording_is_edited_in_the_view(store):
    at = open_inbox({"feedback_view": "replies"})
    subject = widget(at, "text_input", "Subject")
    assert subject.value == "About your feedback: {status}"
    subject.input("What became of your feedback: {status}")
    at = press(at, "Save wording")
    assert [s.value for s in at.success] == ["Saved. New emails use this wording."]
    assert templates.load(store, "reply", "en").subject == "What became of your feedback: {status}"
    widget(at, "text_input", "Subject").input("About {ticket}")  # a second edit after a save is kept too
    at = press(at, "Save wording")
    assert at.error and "\\{ticket\\}" in at.error[0].value
    assert templates.load(store, "reply", "en").subject == "What became of your feedback: {status}"
    at = press(at, "Back to the default")
    assert widget(at, "text_input", "Subject").value == "About your feedback: {status}"


def test_the_view_reads_in_chinese(store):
    at = open_page("pages/_feedback.py", "zh-CN", {"feedback_view": "replies"})
    assert not at.exception
    with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
        assert widget(at, "selectbox", "反馈变为").value == "resolved"
        at = press(at, "添加")
        assert "反馈变为**已解决**时（任何主题）" in [m.value for m in at.markdown]


def test_an_items_history_names_the_automatic_reply(store):
    with store.begin() as connection:
        (item,) = add_feedback(
            connection,
            [NewFeedback(source="manual", text="Automatic reply history", member_id="alice", created_at=NOW)],
            actor="importer",
            now=NOW,
        )
    workflow.save(store, [workflow.Edit(item, 1, {"status": "triaged"})], actor="ana", now=NOW)
    with store.begin() as connection:
        connection.execute(
            tables.feedback_events.insert().values(
                feedback_id=item, version=3, actor=auto_replies.ACTOR, at=NOW, field="told", new_value="About it"
            )
        )
        connection.execute(tables.feedback.update().where(tables.feedback.c.id == item).values(version=3))
    at = open_inbox({"item": str(item)})
    at.session_state["feedback_item_tab"] = translate("feedback.history", "en")  # lazy tabs: the chosen one runs
    at = at.run()
    assert not at.exception
    history = next(frame.value for frame in at.dataframe if "field" in frame.value.columns)
    assert history["actor"].tolist()[-1] == "Automatic reply"
    assert store.run(inbox.history_query(item))["actor"].tolist()[-1] == "auto-reply"  # stored as the code
    assert store.run(sa.select(tables.auto_replies)).empty


@pytest.fixture
def mail_store(configured, tmp_path, monkeypatch, smtp):
    """The fixture's data with an email channel on a local SMTP server (fixture members have
    <id>@example.org addresses)."""
    _, port = smtp
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[pulse.channels.members-mail]\nkind = "email"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'username = "pulse"\npassword = "{PASSWORD}"\nfrom = "Community Pulse <pulse@pulse.example.org>"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    app_store = AppStore(f"sqlite:///{configured / 'app.db'}")
    yield app_store
    app_store.dispose()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_manager_tells_the_member_from_the_item_and_the_email_arrives(mail_store, smtp):
    inbox_, _ = smtp
    with mail_store.begin() as connection:
        (item,) = add_feedback(
            connection,
            [
                NewFeedback(
                    source="manual", text="The forum search misses old threads.", member_id="alice", created_at=NOW
                )
            ],
            actor="importer",
            now=NOW,
        )
    at = open_inbox({"item": str(item)})
    assert not any(w.label == "Subject" for w in at.text_input)  # the form is built only when opened
    at.session_state[f"feedback_reply_{item}"] = True
    at = at.run()
    assert not at.exception
    assert widget(at, "text_input", "Subject").value == "About your feedback: New"
    assert "“The forum search misses old threads.”" in widget(at, "text_area", "Message").value
    at = press(at, "Send to the member")
    assert [s.value for s in at.success] == [f"The reply to #{item} is queued and recorded in its history."]
    history = mail_store.run(inbox.history_query(item))
    assert history[["actor", "field", "new_value"]].values.tolist()[-1] == ["local", "told", "About your feedback: New"]
    run = outbox.deliver_due(mail_store, load_channels(load_settings()))
    assert run.sent == 1
    (mail,) = [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in inbox_.messages]
    assert (mail["To"], mail["Subject"]) == ("alice@example.org", "About your feedback: New")
    assert "topic=feedback" in mail["List-Unsubscribe"]
