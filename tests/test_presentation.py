"""Presentation mode: the page for a projector, with its filters from the address."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def overview(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    return at.run()


def test_presenting_hides_navigation_filters_and_controls_and_enlarges_tiles(configured):
    normal = overview({})
    assert [button.label for button in normal.get("link_button")] == ["Present"]
    presenting = overview({"present": "1"})
    assert not presenting.exception
    assert presenting.title[0].value == "Overview" and presenting.metric  # the tiles are there
    style = "".join(element.proto.body for element in presenting.get("html"))
    for hidden in (".st-key-pulse_filters", '[data-testid="stDownloadButton"]', '[data-testid="stPopover"]'):
        assert hidden in style
    assert '[data-testid="stMetricValue"] { font-size: 3.2rem; }' in style
    assert not presenting.get("link_button")  # no Present button while presenting
    assert not [caption for caption in presenting.caption if "Local mode" in caption.value]
    assert not "".join(element.proto.body for element in normal.get("html") if element.proto.body.startswith("<style"))


def _refresh_script() -> None:
    import streamlit as st

    from ui.presentation import refresh_seconds

    st.write(repr(refresh_seconds()))


@pytest.mark.parametrize(("asked", "seconds"), [("", "None"), ("5", "30"), ("120", "120"), ("soon", "None")])
def test_auto_refresh_is_at_least_thirty_seconds(asked, seconds):
    at = AppTest.from_function(_refresh_script)
    if asked:
        at.query_params["refresh"] = asked
    assert at.run().markdown[0].value == seconds
