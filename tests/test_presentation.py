"""Presentation mode: the page for a projector, with its filters from the address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.page import LAYOUT

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
    for hidden in (
        ".st-key-pulse_filters",
        '[data-testid="stDownloadButton"]',
        '[data-testid="stPopover"]',
        '[data-testid="stTooltipIcon"]',
        '[data-testid="stElementToolbar"]',
    ):
        assert hidden in style
    assert '.st-key-pulse_headline [data-testid="stMetricValue"] { font-size: 3.6rem; }' in style
    assert [tab.label for tab in presenting.tabs] == ["Activity and growth", "What changed most"]  # two "slides"
    assert not presenting.get("download_button") and not presenting.get("popover")  # no Share, no Report: not drawn
    assert not presenting.get("link_button")  # no Present button while presenting
    assert not [caption for caption in presenting.caption if "Local mode" in caption.value]
    styles = [element.proto.body for element in normal.get("html") if element.proto.body.startswith("<style")]
    assert styles == [LAYOUT]  # the desk's own layout, no projector styling


def _refresh_script() -> None:
    import streamlit as st

    from ui.presentation import refresh_seconds

    st.write(repr(refresh_seconds()))


@pytest.mark.parametrize(
    ("asked", "seconds"),
    [("", "None"), ("5", "30"), ("120", "120"), ("soon", "None"), ("²", "None"), ("99999999", "86400")],
)
def test_auto_refresh_is_at_least_thirty_seconds(asked, seconds):
    at = AppTest.from_function(_refresh_script)
    if asked:
        at.query_params["refresh"] = asked
    assert at.run().markdown[0].value == seconds


def members(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/members.py")
    return at.run()


def test_a_projector_shows_no_names_ids_or_emails_even_to_a_signed_in_admin(configured):
    desk = [list(frame.value.columns) for frame in members({}).dataframe]
    assert any("name" in columns and "member_id" in columns for columns in desk)  # the admin's own screen
    projector = members({"present": "1"})
    assert not projector.exception
    shown = [list(frame.value.columns) for frame in projector.dataframe]
    assert shown and all(not {"name", "member_id", "email"} & set(columns) for columns in shown)
    caption = " ".join(caption.value for caption in projector.caption).replace("\\", "")
    assert "Presentation mode hides email addresses, members' names and ids, what members wrote." in caption


def chart_config(at: AppTest) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec).get("config", {})


def in_march(query: dict[str, str]) -> AppTest:
    """The Overview of the fixture's week (its filter widgets run, hidden, while presenting)."""
    return overview({**query, "period": "custom", "start": "2025-03-01", "end": "2025-03-08"})


def test_chart_text_is_sized_for_a_projector(configured):
    assert chart_config(in_march({})).get("axis", {}).get("labelFontSize") is None
    axis = chart_config(in_march({"present": "1"}))["axis"]
    assert (axis["labelFontSize"], axis["titleFontSize"]) == (18, 18)


def test_member_lookup_is_not_shown_on_a_projector(configured):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"present": "1", "member": "alice"})
    at.run()
    at.switch_page("pages/lookup.py").run()
    assert not at.exception
    assert [info.value for info in at.info] == [
        "Member lookup shows one person's details, so it is not shown in presentation mode."
    ]
    assert not at.dataframe and not at.text_input


BUILT: list[str] = []  # the charts counted_funnel built, in this process


def counted_funnel(stages):
    """visuals.charts.funnel_chart, counting its calls (show_chart finds it by module and name)."""
    from visuals.charts import funnel_chart

    BUILT.append(str(stages["members"].tolist()))
    return funnel_chart(stages)


def _funnel_script() -> None:
    import pandas as pd
    import streamlit as st

    from catalog.spoken import speaking
    from tests.test_presentation import counted_funnel
    from ui.presentation import show_chart

    members = [int(st.session_state.get("attended", 3)), 2, 1]
    with speaking(st.session_state.get("language", "en")):
        show_chart(counted_funnel, pd.DataFrame({"stage": ["invited", "registered", "attended"], "members": members}))


def test_a_chart_is_built_once_for_the_same_data_language_and_mode():
    from ui.presentation import _spec

    _spec.clear()
    BUILT.clear()
    at = AppTest.from_function(_funnel_script).run()
    first = at.get("vega_lite_chart")[0].proto
    at.run()
    assert len(BUILT) == 1  # the rerun drew the kept spec
    again = at.get("vega_lite_chart")[0].proto
    assert (again.spec, list(again.datasets)) == (first.spec, list(first.datasets))
    at.session_state["attended"] = 5
    at.run()
    assert BUILT == ["[3, 2, 1]", "[5, 2, 1]"]  # other data, another chart
    at.session_state["language"] = "zh-CN"
    at.run()
    assert len(BUILT) == 3
    at.query_params["present"] = "1"
    at.run()
    assert len(BUILT) == 4
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["config"]["axis"]["labelFontSize"] == 18
