"""The inbox item a manager opens by its address, in a browser that already has the app's files
cached (one browser context, a new tab each time, as in a manager's own browser): the seconds until
the item's heading shows, until the page has settled, and its Next button, beside the reference
page (bench/reference_page.py) opened the same way in the same minutes, and Streamlit's floor: the
reference server's one-caption page (`?warm_up=1`) until its caption shows, the least any Streamlit
page opened by its address costs in that browser. Issue 20's figure; the browser phase of `make
bench` opens pages in new browser contexts (nothing cached) instead.

python -m bench.inbox_item --dir DATA [--runs 5]   DATA: a data folder (`PULSE_DATA_DIR=DATA cli.py demo`)
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from bench.browser import CHROMIUM, CHROMIUM_FLAGS, REFERENCE, VIEWPORT, Session, Traffic, addresses, serve


class Tab(Session):
    """A new tab in a context shared between steps (its cache and cookies kept)."""

    def __init__(self, context) -> None:
        self.context = context
        self.page = context.new_page()
        self.traffic = Traffic()
        self.page.on("websocket", self._watch)
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")

    def close(self) -> None:
        self.page.close()


def measure(env: dict[str, str], runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    item, _ = addresses(env)
    heading = f"h3:has-text('#{item} ·')"
    times: dict[str, list[float]] = {"shown": [], "settled": [], "next": [], "reference": [], "floor": []}
    with serve("serve.py", env) as app, serve(REFERENCE, env) as ref, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        for url in (f"{app}/feedback?item={item}", f"{ref}/"):  # untimed: the files cached, imports done
            tab = Tab(context)
            tab.open(url)
            tab.close()
        for _ in range(runs):
            tab = Tab(context)
            shown, settled, _ = tab.open_showing(f"{app}/feedback?item={item}", heading)
            times["shown"].append(shown)
            times["settled"].append(settled)
            times["next"].append(tab.press("Next")[0])
            tab.close()
            tab = Tab(context)
            times["reference"].append(tab.open(f"{ref}/")[0])
            tab.close()
            tab = Tab(context)
            times["floor"].append(tab.open_showing(f"{ref}/?warm_up=1", "text=Warmed up.")[0])
            tab.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox_item")
    parser.add_argument("--dir", type=Path, required=True, help="the data folder (PULSE_DATA_DIR)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PULSE_DATA_DIR": str(args.dir), "STREAMLIT_LOGGER_LEVEL": "error"}
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL"):
        env.pop(name, None)
    times = measure(env, args.runs)
    reference = statistics.median(times["reference"])
    for name, values in times.items():
        median = statistics.median(values)
        samples = ", ".join(f"{value:.2f}" for value in values)
        print(f"{name:<10} median {median:.2f} s ({median / reference:.2f}x the reference); samples {samples}")


if __name__ == "__main__":
    main()
