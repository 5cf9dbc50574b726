"""Survey links that only work on this computer: the decision, and the Surveys page's warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from settings import is_loopback
from surveys.public_url import address, links_base, links_stay_on_this_computer

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8501", True),
        ("http://LOCALHOST:8501/", True),
        ("http://127.0.0.1:8501", True),
        ("http://127.0.1.1", True),  # Debian names the machine itself 127.0.1.1
        ("http://[::1]:8501", True),
        ("http://0.0.0.0:8501", True),
        ("http://pulse.localhost", True),
        ("https://pulse.example.org", False),
        ("http://192.168.1.20:8501", False),
        ("http://localhost.example.org", False),
        ("http://[::1", False),  # malformed: not known to be this computer
        ("", False),
    ],
)
def test_loopback_addresses(url, expected):
    assert is_loopback(url) is expected


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("https://pulse.example.org/surveys", "pulse.example.org"),
        ("http://192.0.2.2:8501/surveys?x=1", "192.0.2.2:8501"),
        ("http://[::1]:8501/", "[::1]:8501"),
    ],
)
def test_an_address_is_named_by_its_host_and_port(url, named):
    assert address(url) == named


@pytest.mark.parametrize(
    ("public_url", "served_at", "warned"),
    [
        ("http://localhost:8501", "https://pulse.example.org/surveys", True),
        ("http://localhost:8501", "http://192.168.1.20:8501/surveys", True),
        ("http://127.0.0.1:8501", "http://10.0.0.5/surveys", True),
        ("http://localhost:8501", "http://localhost:8501/surveys", False),  # tried on a laptop
        ("http://localhost:8501", "http://127.0.0.1:8501/surveys", False),
        ("https://pulse.example.org", "https://pulse.example.org/surveys", False),
        ("https://pulse.example.org", "http://localhost:8501/surveys", False),  # set right, opened locally
        ("http://localhost:8501", None, False),  # no browser told us where it is
        ("http://localhost:8501", "", False),
    ],
)
def test_links_stay_on_this_computer_only_when_the_app_is_opened_elsewhere(public_url, served_at, warned):
    assert links_stay_on_this_computer(public_url, served_at=served_at) is warned


@pytest.mark.parametrize(
    ("public_url", "served_at", "base_path", "start"),
    [
        # Left unset and tried on this computer on another port: the browser's address.
        ("http://localhost:8501", "http://127.0.0.1:8611/surveys?survey=quick", "", "http://127.0.0.1:8611"),
        ("http://localhost:8501", "http://localhost:8502/", "pulse/", "http://localhost:8502/pulse"),
        ("http://localhost:8501", "http://localhost:8501/surveys", "", "http://localhost:8501"),
        # Opened from elsewhere: public_url stays, and the Surveys page says to set it.
        ("http://localhost:8501", "https://pulse.example.org/surveys", "", "http://localhost:8501"),
        # Set by an admin: always public_url, even opened on this computer.
        ("https://pulse.example.org", "http://127.0.0.1:8611/surveys", "", "https://pulse.example.org"),
        ("http://localhost:9000", "http://127.0.0.1:8611/", "", "http://localhost:9000"),
        # No browser, or an address that is not a web page's.
        ("http://localhost:8501", None, "", "http://localhost:8501"),
        ("http://localhost:8501", "file:///tmp/x", "", "http://localhost:8501"),
        ("http://localhost:8501", "http://[::1", "", "http://localhost:8501"),
    ],
)
def test_links_start_where_the_browser_has_the_app_only_on_this_computer_while_unset(
    public_url, served_at, base_path, start
):
    assert links_base(public_url, served_at=served_at, base_path=base_path) == start


def test_a_surveys_link_tried_on_another_port_opens(configured, monkeypatch, tmp_path):
    monkeypatch.delenv("PULSE_PUBLIC_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.context = {"url": "http://127.0.0.1:8611/surveys"}
    at.run()
    at.switch_page("pages/surveys.py")
    at.query_params.update({"survey": "quarterly-nps"})
    at.run()
    assert not at.exception
    assert "http://127.0.0.1:8611/survey?s=quarterly-nps" in [code.value for code in at.code]


def surveys_page(url: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context = {"url": url}
    at.run()
    at.switch_page("pages/surveys.py")
    return at.run()


def test_the_surveys_page_warns_when_links_would_point_at_localhost(configured, monkeypatch):
    monkeypatch.delenv("PULSE_PUBLIC_URL", raising=False)  # the default: http://localhost:8501
    at = surveys_page("https://pulse.example.org/surveys")
    assert not at.exception
    assert at.warning[0].value.replace("\u2060", "") == (  # U+2060 keeps the address from becoming a link
        "Survey links and QR codes point at http\\:\\/\\/localhost\\:8501, an address on this computer, but this "
        "app is open at pulse\\.example\\.org: members' phones and laptops cannot reach the links. Set `public_url` "
        "under `[pulse]` in secrets.toml (or the `PULSE_PUBLIC_URL` environment variable, then restart the app) to "
        "the address members use, e.g. `https://pulse.example.org`."
    )
    assert at.info[0].value == "Select a survey in the table to see its results, links and settings."


@pytest.mark.parametrize(
    ("public_url", "served_at"),
    [("https://pulse.example.org", "https://pulse.example.org/surveys"), (None, "http://localhost:8501/surveys")],
)
def test_the_surveys_page_does_not_warn_when_links_reach_members_or_all_is_local(
    configured, monkeypatch, public_url, served_at
):
    if public_url is None:
        monkeypatch.delenv("PULSE_PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("PULSE_PUBLIC_URL", public_url)
    at = surveys_page(served_at)
    assert not at.exception
    assert [warning.value for warning in at.warning] == []
    assert at.info[0].value == "Select a survey in the table to see its results, links and settings."
