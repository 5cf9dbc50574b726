"""End to end in headless Chromium: the served app renders, and a URL reproduces a filtered view."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_data_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PULSE_DATA_DIR": str(demo_data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"Streamlit did not start: {process.stderr.read().decode()[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def members_tile(page: Page) -> str:
    tile = page.get_by_test_id("stMetric").filter(has_text="Members").first
    return tile.get_by_test_id("stMetricValue").inner_text(timeout=30_000)


def test_overview_renders_in_a_browser(server, page, tmp_path):
    page.goto(server)
    page.get_by_text("What changed most").wait_for(timeout=30_000)
    assert int(members_tile(page).replace(",", "")) > 500
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2, timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)


def test_url_with_a_filter_reproduces_the_filtered_view(server, page):
    page.goto(server)
    everyone = members_tile(page)
    page.goto(f"{server}/?overview_region=Europe")
    page.get_by_text("What changed most").wait_for(timeout=30_000)
    region = page.get_by_test_id("stSelectbox").filter(has_text="Region")
    assert region.locator("input").input_value() == "Europe"
    assert int(members_tile(page).replace(",", "")) < int(everyone.replace(",", ""))


def test_clicking_a_chart_bar_filters_the_table_below(server, page):
    page.goto(f"{server}/engagement")
    page.get_by_text("Top contributors").wait_for(timeout=30_000)
    platforms = page.get_by_test_id("stVegaLiteChart").nth(1)
    platforms.locator("canvas, svg").first.wait_for(timeout=30_000)
    box = platforms.bounding_box()
    assert box is not None
    # Bars are sorted longest first from the left axis: the top one spans most of the width.
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + 22)
    expect(page.get_by_text("Counting only")).to_be_visible(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
