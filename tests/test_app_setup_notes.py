"""Something only an admin can set up, said to whoever reads it (AppTest): an admin reads where to
set it (secrets.toml, the surveys folder), a manager whom to ask and never a configuration file's
name; a viewer (or a share link's reader) that there is nothing yet."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth.access import Role
from catalog.spoken import speaking
from tests.conftest import migrated_store
from tests.test_app_feedback import open_inbox

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CONFIGURATION_WORDS = ("secrets.toml", "pulse.channels", "docs/", "cli.py", "PULSE_", "YAML")


@pytest.fixture
def no_channels(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setattr("ui.background.start_sender", lambda settings: None)  # nothing to send here
    return configured


@pytest.fixture
def no_surveys(configured, monkeypatch):
    """The fixture community before any survey: an app store not filled and an empty surveys folder."""
    (configured / "app.db").unlink()
    migrated_store(configured / "app.db").dispose()
    (configured / "definitions").mkdir()
    monkeypatch.setenv("PULSE_SURVEYS_DIR", str(configured / "definitions"))
    monkeypatch.setattr("ui.background.start_sender", lambda settings: None)
    return configured


def as_role(monkeypatch, role: Role) -> None:
    monkeypatch.setattr("ui.session.current_role", lambda: role)


def opened(page: str, **context: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if context:
        at.context = context
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def plain_text(value: str) -> str:
    return value.replace("\u2060", "").replace("\\", "")  # as read: no link breakers, no markdown escapes


@pytest.mark.parametrize(
    ("page", "admin", "manager"),
    [
        (
            "pages/_digests.py",
            "An admin adds one as a `[pulse.channels.NAME]` table in `.streamlit/secrets.toml`",
            "No delivery channels are set up yet, so a digest has nowhere to go. Ask an admin of Community Pulse "
            "to add one (a chat room or an email address).",
        ),
        (
            "pages/_alerts.py",
            "messages need a channel in `secrets.toml` (`[pulse.channels]`, see `docs/delivery.md`).",
            "No delivery channels yet: rules are evaluated and recorded, but no message goes out until an admin "
            "of Community Pulse adds a channel.",
        ),
    ],
)
def test_without_channels_an_admin_reads_where_a_manager_whom_to_ask(no_channels, monkeypatch, page, admin, manager):
    said = [info.value for info in opened(page).info]
    assert any(admin in note for note in said), said
    as_role(monkeypatch, Role.MANAGER)
    said = [info.value for info in opened(page).info]
    assert manager in said, said
    assert not [note for note in said if any(word in note for word in CONFIGURATION_WORDS)]


def test_without_channels_a_manager_reads_whom_to_ask_in_chinese(no_channels, monkeypatch):
    as_role(monkeypatch, Role.MANAGER)
    with speaking("zh-CN"):  # AppTest's widgets (the filter bar's period) are looked up in the reader's words
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["lang"] = "zh-CN"
        at.run()
        at.switch_page("pages/_digests.py").run()
    assert not at.exception, at.exception
    assert "还没有设置任何推送通道，所以摘要暂时无处可发。请联系 Community Pulse 的管理员添加一个（群聊或邮箱）。" in [
        info.value for info in at.info
    ]


def test_with_no_survey_an_admin_reads_both_ways_to_add_one_and_a_manager_the_builder(no_surveys, monkeypatch):
    (said,) = [plain_text(info.value) for info in opened("pages/surveys.py").info]
    assert said == (
        f"No surveys yet. Make one with “Build” above, or add a YAML definition to {no_surveys / 'definitions'} "
        "(see docs/surveys.md)."
    )
    as_role(monkeypatch, Role.MANAGER)
    at = opened("pages/surveys.py")
    assert [info.value for info in at.info] == ["No surveys yet. Make one with “Build” above."]
    assert at.segmented_control(key="surveys_mode").options == ["Surveys", "Build"]  # the “Build” it names
    as_role(monkeypatch, Role.VIEWER)  # who can build nothing is told only that there is nothing yet
    assert [info.value for info in opened("pages/surveys.py").info] == ["No surveys yet."]


def test_without_an_email_channel_a_manager_reads_whom_to_ask_to_invite_or_reply(no_channels, monkeypatch):
    as_role(monkeypatch, Role.MANAGER)
    at = opened("pages/surveys.py")
    at.query_params["survey"] = "post-event"
    said = [info.value for info in at.run().info]  # the invitations tab
    invite = "No email channel is set up yet, so nothing can be emailed from here. Ask an admin of Community Pulse"
    assert f"{invite} to add one." in said
    replies = open_inbox({"feedback_view": "replies"})
    assert not replies.exception, replies.exception
    warned = [warning.value for warning in replies.warning]
    assert warned == ["Nothing is sent until an admin of Community Pulse sets up an email channel."]
    notes = [*said, *warned]
    assert not [note for note in notes if any(word in note for word in CONFIGURATION_WORDS)]


def test_the_public_address_warning_asks_an_admin_when_a_manager_reads_it(configured, monkeypatch):
    monkeypatch.delenv("PULSE_PUBLIC_URL", raising=False)  # the default: http://localhost:8501
    as_role(monkeypatch, Role.MANAGER)
    at = opened("pages/surveys.py", url="https://pulse.example.org/surveys")
    assert plain_text(at.warning[0].value) == (
        "Survey links and QR codes point at http://localhost:8501, an address on this computer, but this app is "
        "open at pulse.example.org: members' phones and laptops cannot reach the links. Ask an admin of Community "
        "Pulse to set the address members use (`public_url`)."
    )
