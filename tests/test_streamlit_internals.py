"""What the app takes from Streamlit beyond its documented API is in ui/streamlit_internals.py, and
is still there in the installed Streamlit: a failure here names what an upgrade changed."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import streamlit_internals
from ui.page import LAYOUT
from ui.presentation import STYLE as PRESENTATION
from ui.survey_form import STYLE as SURVEY_FORM

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = Path(st.__file__).parent / "static" / "static" / "js"
STYLES = {"ui.page.LAYOUT": LAYOUT, "ui.presentation.STYLE": PRESENTATION, "ui.survey_form.STYLE": SURVEY_FORM}
TESTID = re.compile(r'data-testid(?P<how>[$^*]?)="(?P<name>[^"]+)"')
QUOTES = "`\"'"


@cache
def bundle() -> str:
    files = sorted(BUNDLE.glob("*.js"))
    assert files, f"Streamlit's frontend bundle is no longer at {BUNDLE}: see where static files went"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)


def selected_testids() -> set[tuple[str, str]]:
    """(how, name) of every data-testid the app's CSS selects on: exact, or `$` for a suffix."""
    return {(match["how"], match["name"]) for style in STYLES.values() for match in TESTID.finditer(style)}


def in_bundle(how: str, name: str) -> bool:
    text = bundle()
    if how == "" and name in streamlit_internals.BUILT_TESTIDS:
        return streamlit_internals.BUILT_TESTIDS[name] in text
    if how == "":
        return any(f"{quote}{name}{quote}" in text for quote in QUOTES)
    if how == "$":
        return re.search(rf"[{QUOTES}]\w+{re.escape(name)}[{QUOTES}]", text) is not None
    raise AssertionError(f"data-testid{how}= is not checked here; add a rule for it")


def test_every_testid_the_css_selects_is_in_streamlits_frontend():
    assert len(selected_testids()) >= 15  # the check sees the app's selectors
    missing = sorted(f"data-testid{how}={name!r}" for how, name in selected_testids() if not in_bundle(how, name))
    assert missing == [], (
        f"Streamlit {st.__version__} no longer has these test ids; the CSS in ui/streamlit_internals.py "
        f"that selects them styles nothing now: {missing}"
    )


def test_every_other_attribute_the_css_selects_is_in_streamlits_frontend():
    missing = [text for text in streamlit_internals.ATTRIBUTES if text not in bundle()]
    assert missing == [], f"Streamlit {st.__version__} no longer writes {missing} (ui/streamlit_internals.py's CSS)"


def test_the_bundle_check_can_fail():
    assert in_bundle("", "stMetricValue")
    assert not in_bundle("", "stMetricValueGoneInSomeUpgrade")
    assert not in_bundle("$", "NoSuchRootElement")


def test_the_pages_folder_switch_is_still_what_st_navigation_turns_off():
    """ui.page.require_entry leaves the old pages-folder mode as a run of st.navigation does."""
    try:
        module = importlib.import_module("streamlit.runtime.pages_manager")
    except ImportError as error:
        pytest.fail(f"streamlit.runtime.pages_manager is gone ({error}); see ui/streamlit_internals.py")
    manager = getattr(module, "PagesManager", None)
    assert manager is not None, "PagesManager left streamlit.runtime.pages_manager"
    assert "uses_pages_directory" in inspect.get_annotations(manager), "PagesManager.uses_pages_directory is gone"
    assert manager.uses_pages_directory in (None, True, False), "uses_pages_directory is no longer a flag"
    navigation = inspect.getsource(importlib.import_module("streamlit.commands.navigation"))
    assert "PagesManager.uses_pages_directory = False" in navigation, "st.navigation no longer sets the flag"
    kept = manager.uses_pages_directory
    try:
        manager.uses_pages_directory = True
        streamlit_internals.leave_pages_folder_mode()
        assert manager.uses_pages_directory is False
    finally:
        manager.uses_pages_directory = kept


def test_the_other_python_internals_are_there():
    from streamlit.delta_generator import DeltaGenerator

    assert streamlit_internals.DeltaGenerator is DeltaGenerator
    assert callable(getattr(st.runtime, "exists", None)), "st.runtime.exists is gone"
    assert streamlit_internals.running() is False  # a plain test is no Streamlit app


def _both_ways() -> None:
    from datetime import date

    import streamlit as st

    from tests.test_streamlit_internals import activity
    from ui.streamlit_internals import vega_lite_spec
    from visuals.charts import activity_chart

    chart = activity_chart(activity(), by="kind", bucket_days=1, period=(date(2025, 3, 1), date(2025, 3, 3)))
    st.altair_chart(chart, on_select="rerun", key="altair")
    st.vega_lite_chart(spec=vega_lite_spec(chart), on_select="rerun", key="spec")


def activity() -> pd.DataFrame:
    return pd.DataFrame(
        {"bucket": [date(2025, 3, 1), date(2025, 3, 2)], "kind": ["post", "comment"], "activities": [3, 4]}
    )


def test_a_kept_spec_draws_the_chart_st_altair_chart_draws():
    """ui.presentation.show_chart keeps vega_lite_spec's output and draws it with st.vega_lite_chart:
    the same spec, data and selection as st.altair_chart sends, apart from the widget's key."""
    at = AppTest.from_function(_both_ways).run()
    altair, kept = (chart.proto for chart in at.get("vega_lite_chart"))
    assert altair.spec == kept.spec and '"select"' in kept.spec  # the click selection goes along
    assert [(d.name, d.data.data) for d in altair.datasets] == [(d.name, d.data.data) for d in kept.datasets]
    assert len(kept.datasets) == 1 and kept.datasets[0].data.data  # the frame went as Arrow bytes
    assert altair.selection_mode == kept.selection_mode and list(kept.selection_mode)


def app_modules() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def internals_used(path: Path) -> list[str]:
    """Streamlit's submodules imported, st.runtime used, or CSS on data-testid, in one module."""
    text = path.read_text(encoding="utf-8")
    used = ["data-testid"] if "data-testid" in text else []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("streamlit."):
            used.append(f"from {node.module} import")
        elif isinstance(node, ast.Import):
            used += [f"import {alias.name}" for alias in node.names if alias.name.startswith("streamlit.")]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "st":
            used += [f"st.{node.attr}"] if node.attr in {"runtime", "delta_generator"} or node.attr[0] == "_" else []
    return used


def test_streamlit_internals_are_used_in_one_module_only():
    used = {
        str(path.relative_to(ROOT)): found
        for path in app_modules()
        if path.name != "streamlit_internals.py" and (found := internals_used(path))
    }
    assert used == {}, "move these into ui/streamlit_internals.py (and its checks here)"
    assert internals_used(ROOT / "ui" / "streamlit_internals.py")  # the scan sees them where they are
