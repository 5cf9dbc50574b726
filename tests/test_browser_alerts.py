"""In headless Chromium: a manager creates an alert rule on the Alerts page with the form's lists,
checks it, and sees its history (the evaluation and the message queued, then sent) beside it; the
message lands at a loopback Slack (tests/chat_server.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from alerts.rules import list_rules
from delivery import outbox
from delivery.channels import parse_channels
from store.database import AppStore
from tests.chat_server import ChatServer, chat_server
from tests.test_browser import browser, page, serve  # noqa: F401  (fixtures)

SLACK_TOKEN = "XslackTokenForTheAlertsPage"
ROWS = """() => [...document.querySelectorAll('[role=row]')].map(
    row => [...row.querySelectorAll('[role=gridcell]')].map(cell => cell.innerText.trim()).join(' | '))"""


@pytest.fixture(scope="module")
def slack() -> Iterator[ChatServer]:
    with chat_server(slack_tokens={SLACK_TOKEN}) as server:
        yield server


@pytest.fixture(scope="module")
def served(demo_data_dir: Path, tmp_path_factory, slack: ChatServer) -> Iterator[tuple[str, Path]]:
    """The demo from a copy of its data, with a Slack channel at the loopback server."""
    copy = tmp_path_factory.mktemp("alerts-demo") / "data"
    shutil.copytree(demo_data_dir, copy, symlinks=True)
    secrets = copy / "secrets.toml"
    secrets.write_text(
        f'[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "{slack.url}/services/T000/B000/{SLACK_TOKEN}"\n',
        encoding="utf-8",
    )
    with serve(copy, secrets_file=str(secrets)) as url:
        yield url, copy


def rows(tab: Page) -> list[str]:
    return tab.evaluate(ROWS)


def test_a_manager_creates_a_rule_checks_it_and_sees_its_history(served, page: Page, slack: ChatServer):  # noqa: F811
    url, data_dir = served
    page.goto(f"{url}/alerts")
    page.get_by_role("heading", name="Alerts").first.wait_for(timeout=30_000)
    expect(page.get_by_text("No alert rules yet.")).to_be_visible(timeout=30_000)
    form = page.get_by_test_id("stExpander").filter(has_text="Add a rule")
    form.get_by_text("Add a rule").click()
    form.get_by_test_id("stTextInput").locator("input").fill("Monthly active below a million")
    # The defaults: a KPI below a threshold, Monthly active, the last 7 days, daily at 09:00, to team-slack.
    threshold = form.get_by_test_id("stNumberInput").locator("input").first
    threshold.fill("1000000")
    threshold.press("Tab")
    form.get_by_role("button", name="Save").click()
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    page.wait_for_function(f"() => ({ROWS})().some(row => row.includes('Monthly active below a million'))")
    listed = next(row for row in rows(page) if "Monthly active below a million" in row)
    assert "Monthly active below 1,000,000 (Last 7 days)" in listed and "team-slack" in listed
    assert "Not checked yet" in listed

    store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    (rule,) = list_rules(store)
    page.goto(f"{url}/alerts?rule={rule.id}")
    page.get_by_role("heading", name="History of “Monthly active below a million”").wait_for(timeout=30_000)
    page.get_by_role("button", name="Check now").click()
    page.wait_for_function(f"() => ({ROWS})().some(row => row.includes('Started holding: sent'))", timeout=30_000)
    # The rule's message, sent by this test (the server's sender would within a minute).
    channels = parse_channels(
        {"team-slack": {"kind": "slack", "webhook": f"{slack.url}/services/T000/B000/{SLACK_TOKEN}"}}
    )
    outbox.deliver_due(store, channels)
    assert [received.body["text"] for received in slack.of("slack")] == ["Alert: Monthly active below a million"]
    page.reload()
    page.wait_for_function(f"() => ({ROWS})().some(row => row.includes('team-slack | Sent'))", timeout=30_000)
    # the rule's state is another table of the page, drawn in its own time after a reload
    page.wait_for_function(f"() => ({ROWS})().some(row => row.includes('Holding'))", timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    store.dispose()
