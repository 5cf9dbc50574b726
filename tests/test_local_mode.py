"""Local mode answers only a browser on this computer that opens the app directly: not another
computer, not a proxy, not another site's name pointed at 127.0.0.1 (DNS rebinding). Unit tests of
the rule, then Chromium against the served app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from auth.local_mode import refusal_reason
from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS, serve

DIRECT = {"Host": "localhost:8501", "Origin": "http://localhost:8501"}


@pytest.mark.parametrize(
    "headers",
    [
        DIRECT,
        {"Host": "127.0.0.1:8501"},
        {"Host": "[::1]:8501", "Origin": "http://[::1]:8501"},
        {"host": "LOCALHOST"},
        {},  # no browser behind the run (AppTest, a script)
    ],
)
def test_a_direct_request_from_this_computer_is_served(headers):
    assert refusal_reason(client_ip=None, headers=headers) is None
    assert refusal_reason(client_ip="127.0.0.1", headers=headers) is None


@pytest.mark.parametrize(
    ("client_ip", "headers", "reason"),
    [
        ("192.168.1.20", DIRECT, "the connection comes from 192.168.1.20"),
        (None, DIRECT | {"X-Forwarded-For": "203.0.113.9"}, "it passed through a proxy (x-forwarded-for)"),
        (None, DIRECT | {"X-Real-IP": "203.0.113.9"}, "it passed through a proxy (x-real-ip)"),
        (None, DIRECT | {"Forwarded": "for=203.0.113.9"}, "it passed through a proxy (forwarded)"),
        (None, DIRECT | {"Via": "1.1 proxy"}, "it passed through a proxy (via)"),
        (
            None,
            DIRECT | {"Via": "1.1 proxy", "X-Forwarded-For": "203.0.113.9"},
            "it passed through a proxy (x-forwarded-for, via)",
        ),
        (None, {"Host": "evil.example:8501"}, "it was addressed to evil.example:8501, not to this computer"),
        (None, {"Host": "192.168.1.5:9000"}, "it was addressed to 192.168.1.5:9000, not to this computer"),
        (None, {"Host": "localhost.evil.example"}, "it was addressed to localhost.evil.example, not to this computer"),
        (None, {"Host": "localhost:notaport"}, "it was addressed to localhost:notaport, not to this computer"),
        (None, {"Origin": "http://localhost:8501"}, "it was addressed to no host, not to this computer"),
        (None, {"Host": "localhost:8501", "Origin": "http://evil.example"}, "it was opened from http://evil.example"),
        (
            None,
            DIRECT | {"Origin": "http://localhost:3000"},
            "it was opened from http://localhost:3000",
        ),  # a dev server
        (None, DIRECT | {"Origin": "null"}, "it was opened from null"),  # a file opened in the browser
    ],
)
def test_a_request_from_elsewhere_is_refused_with_its_reason(client_ip, headers, reason):
    assert refusal_reason(client_ip=client_ip, headers=headers) == reason


def test_a_loopback_connection_may_be_written_in_brackets():
    assert refusal_reason(client_ip="[::1]", headers=DIRECT) is None
    assert refusal_reason(client_ip="[2001:db8::1]", headers=DIRECT) == "the connection comes from [2001:db8::1]"


@pytest.fixture(scope="module")
def served(demo_data_dir: Path) -> Iterator[str]:
    with serve(demo_data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def rebinding_browser() -> Iterator[Browser]:
    """Chromium that resolves rebind.example to 127.0.0.1, as DNS rebinding would make it."""
    with sync_playwright() as playwright:
        args = [*CHROMIUM_FLAGS, "--host-resolver-rules=MAP rebind.example 127.0.0.1"]
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


REFUSED = "This request came from elsewhere"


def test_local_mode_serves_this_computer_but_not_another_sites_name_or_a_proxy(served, rebinding_browser):
    port = served.rsplit(":", 1)[1]
    page = rebinding_browser.new_page()
    page.goto(f"http://localhost:{port}/data")
    page.get_by_test_id("stHeading").filter(has_text="Data").first.wait_for(timeout=30_000)
    assert page.get_by_text(REFUSED).count() == 0

    page.goto(f"http://rebind.example:{port}/data")
    page.get_by_text(REFUSED).wait_for(timeout=30_000)
    assert page.get_by_test_id("stHeading").count() == 0 and page.get_by_test_id("stDataFrame").count() == 0
    page.close()

    proxied = rebinding_browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.9"})
    page = proxied.new_page()
    page.goto(f"http://127.0.0.1:{port}/data")
    page.get_by_text(REFUSED).wait_for(timeout=30_000)
    assert page.get_by_test_id("stDataFrame").count() == 0
    proxied.close()
