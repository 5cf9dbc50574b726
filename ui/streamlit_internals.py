"""Every use of Streamlit that its documentation does not promise, in one place.

Python: the pages-folder mode switch (`PagesManager.uses_pages_directory`), the DeltaGenerator
type, `st.runtime.exists` and the conversion st.altair_chart makes of an Altair chart
(`_convert_altair_to_vega_lite_spec`). CSS: the app's style blocks, which select Streamlit's elements by
their `data-testid` (and a few other attributes of its frontend); the `.st-key-<key>` class of a
keyed container is documented. tests/test_streamlit_internals.py checks each against the
installed Streamlit (the module paths and the attribute, and every test id in its frontend
bundle), so an upgrade that changes one fails there by name instead of quietly unstyling a page.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.pages_manager import PagesManager

__all__ = ["DeltaGenerator"]


def leave_pages_folder_mode() -> None:
    """Turn off Streamlit's old pages-folder mode, as a run of st.navigation does (ui.page.require_entry)."""
    PagesManager.uses_pages_directory = False


def running() -> bool:
    """Whether this code runs inside a Streamlit app (not the CLI or a plain test)."""
    return bool(st.runtime.exists())


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec st.altair_chart makes of `chart` (its data as named Arrow datasets, the
    "none" theme), which st.vega_lite_chart draws the same: kept, it spares a rerun building the
    chart again (ui.presentation.show_chart). Not checked against Vega-Lite's schema, which was
    two fifths of making the Overview's two charts: every builder's specs are checked by
    tests/test_charts.py, which makes them with Altair's checking on."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return dict(_convert_altair_to_vega_lite_spec(_Unchecked(chart)))  # type: ignore[arg-type]


class _Unchecked:
    """A chart as _convert_altair_to_vega_lite_spec reads it (it calls to_dict() and nothing
    else), without the schema check that to_dict() makes by default."""

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        self.chart = chart

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.chart.to_dict(*args, **{**kwargs, "validate": False})


def testid(name: str) -> str:
    return f'[data-testid="{name}"]'


# Test ids Streamlit builds from a template rather than writing out, and the template's text in its
# bundle (tests/test_streamlit_internals.py).
BUILT_TESTIDS = {"stBaseButton-primary": "`stBaseButton-${", "stBaseButton-secondary": "`stBaseButton-${"}
# Other attributes of Streamlit's elements the CSS selects on, as its bundle writes them.
ATTRIBUTES = ('"data-selected"', '"data-variant"', "`segmented_control`", "`st-key-`")


def layout_style(*, tiles: str, filters: str, inbox: str, views: str, period: str) -> str:
    """The app's layout on every page (app.py): the navigation bar is ~3.5rem tall and Streamlit's
    6rem above the content left a blank band. On a phone, KPI tiles (containers keyed `tiles` + the
    first KPI) and the filter bar (`filters`) go two to a row, so the first chart is within two
    screens, and so do the inbox's filters (`inbox`) after its search and statuses, which keep a
    row each; the inbox's saved views menu (in the row keyed `views`) shrinks to 10rem beside its
    Save view button rather than taking a row of its own at its desk width. A multiselect's chosen
    items wrap on a phone, where Streamlit scrolls them sideways
    under a fade: the inbox's fourth open status ("In progress") was cut off. Wrapping, they and
    the text field may shrink to the box's width: the field's own width pushed an empty
    multiselect's arrow out of a half-width box (the inbox's Priority). On a phone a tile's
    padding is its border's alone (Streamlit pads inside it again), so its change has the tile's
    width. A change, and the word on why it is grey, wrap rather than end in
    "…" where a tile is still too narrow ("+0.7 个百分点（上期 21.2%）"), as Streamlit cuts them to
    one line; the word goes under the change when both do not fit, and a change breaks at its spaces
    and brackets rather than between any two Chinese characters ("上 / 期" on a phone; a change too
    long for its tile still breaks anywhere, as a last resort). A tile's label wraps too, on every
    screen: two tiles to a row on a phone leave ~145 px, and "Contributions per active member" or a
    presentation's larger "Newcomer conversion" would otherwise end in "…". A heading that wraps
    does so in lines of even length, not one character alone on the last ("同期群留存（按加入月 / 份）").
    The period's caption (keyed `period`) breaks at its spaces and punctuation, never between two
    Chinese characters of a date ("10月 / 9日" on a phone)."""
    row, column = testid("stHorizontalBlock"), testid("stColumn")
    delta, why, text = testid("stMetricDelta"), testid("stMetricDeltaDescription"), testid("stMarkdownContainer")
    label = testid("stMetricLabel")
    return f"""<style>
{testid("stMainBlockContainer")} {{ padding-top: 4rem; }}
{testid("stMainBlockContainer")} :is(h1, h2, h3) {{ text-wrap: balance; }}
div:has(> {delta}) {{ flex-wrap: wrap; row-gap: 0.25rem; }}
{delta} {{ max-width: 100%; height: auto; min-height: 1.5rem; }}
{why} {{ flex-shrink: 0; max-width: 100%; }}
:is({delta}, {why}, {label}) {text}, :is({delta}, {why}, {label}) {text} p {{
  white-space: normal; overflow: visible; text-overflow: clip;
}}
{delta} {text} p {{ word-break: keep-all; overflow-wrap: anywhere; }}
.st-key-{period} {testid("stCaptionContainer")} p {{ word-break: keep-all; overflow-wrap: anywhere; }}
@media (max-width: 640px) {{
  [class*="st-key-{tiles}"] {row},
  .st-key-{filters} {row} {{ flex-flow: row wrap; gap: 0.5rem; }}
  [class*="st-key-{tiles}"] {column},
  .st-key-{filters} {column},
  .st-key-{inbox} {column} {{
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important;
  }}
  .st-key-{inbox} {row} {{ flex-flow: row wrap; gap: 0.5rem; }}
  .st-key-{inbox} {column}:nth-child(-n+2) {{ flex-basis: 100% !important; }}
  .st-key-{views} {testid("stElementContainer")}:has({testid("stSelectbox")}) {{
    flex: 1 1 10rem; min-width: 10rem; width: auto !important;
  }}
  [class*="st-key-{tiles}"] {testid("stMetricValue")} {{ font-size: 1.6rem; }}
  [class*="st-key-{tiles}"] {testid("stMetric")} {{ padding: 0.6rem 0.7rem; }}
  [class*="st-key-{tiles}"] {testid("stMetric")} > div {{ padding: 0; }}
  {testid("stMainBlockContainer")} h1 {{ font-size: 2rem; }}
  {testid("stMultiSelectTagsContainer")} {{
    flex-wrap: wrap; mask-image: none; overflow: visible; height: auto; min-width: 0;
  }}
  {testid("stMultiSelectTagsContainer")} input {{ min-width: 0; max-width: 100%; }}
  div:has(> {testid("stMultiSelectTagsContainer")}) {{ height: auto; max-height: none; }}
}}
</style>"""


def uploader_style(key: str, *, button: str, limits: str) -> str:
    """A file uploader's own words in the reader's language: Streamlit draws its button ("Upload")
    and the line under it ("200MB per file • CSV") in English whatever the language and has no
    option for them, so in the uploader keyed `key` the English is set to size 0 and `button` and
    `limits` are drawn in its place (CSS `content`, at Streamlit's 14 px)."""
    zone = f".st-key-{key} {testid('stFileUploaderDropzone')}"
    words = f"{zone} {testid('stBaseButton-secondary')} {testid('stMarkdownContainer')} p"
    line = f"{zone} {testid('stFileUploaderDropzoneInstructions')} span"
    return (
        "<style>"
        + f"{words}, {line} {{ font-size: 0; }}"
        + f" {words}::after {{ content: {_css_text(button)}; font-size: 14px; }}"
        + f" {line}::after {{ content: {_css_text(limits)}; font-size: 14px; }}"
        + "</style>"
    )


def _css_text(text: str) -> str:
    """`text` as a CSS string: quotes, backslashes and line ends escaped, nothing closes the rule."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\\n<>' else char for char in text)
    return f'"{escaped}"'


TABLE_ZOOM = 1.5  # a table on a projector: 14-pixel cells read as 21, near the charts' 18-pixel text


LAPTOP_PRESENTING = 1700  # pixels: narrower, a slide's row of eight tiles goes four to a row


def presentation_style(*, filters: str, headline: str, tiles: str, sized: bool = True) -> str:
    """Presentation mode (ui.presentation): the filter bar (`filters`), help icons, share, download
    and toolbar controls hidden; wider than a phone, large tiles, the largest in the `headline`
    container, and tables drawn half as large again (a table is a canvas whose text no theme or CSS
    font size reaches: zoomed, it keeps the column's width and its clicks their rows), as the
    charts' text grows. On a phone the sizes stay a phone's (a zoomed table showed a column and a
    half), as its charts' do (ui.presentation.Reader.now): not `sized` for a phone's browser (held
    sideways it is wider than 640 pixels), and only wider than 640 pixels for any other. Up to
    LAPTOP_PRESENTING pixels (a laptop, a 1280-pixel projector) a row of more than five tiles (in
    containers keyed `tiles` + the first KPI) goes four to a row: eight to a row left a change
    some 110 pixels, and "-0.9 个百分点" broke inside its unit."""
    hidden = (
        f".st-key-{filters}",
        testid("stDownloadButton"),
        testid("stPopover"),
        testid("stToolbar"),
        testid("stHeader"),
        testid("stTooltipIcon"),
        testid("stElementToolbar"),
        testid("stLinkButton"),
    )
    value, label, delta = testid("stMetricValue"), testid("stMetricLabel"), testid("stMetricDelta")
    column = testid("stColumn")
    wide_row = f'[class*="st-key-{tiles}"] {testid("stHorizontalBlock")}:has(> {column}:nth-child(6))'
    return (
        "<style>"
        + ", ".join(hidden)
        + " { display: none !important; }"
        # a slide ends with its last element: a Chinese Overview was 2 pixels taller than the screen
        + f" {testid('stMainBlockContainer')} {{ padding-top: 1rem; padding-bottom: 0.25rem; }}"
        + (
            " @media (min-width: 641px) {"
            + f" {value} {{ font-size: 2.2rem; }}"
            + f" {label} p {{ font-size: 1.1rem; }}"
            + f" {delta} {{ font-size: 1.05rem; }}"
            + f" .st-key-{headline} {value} {{ font-size: 3.6rem; }}"
            + f" .st-key-{headline} {label} p {{ font-size: 1.4rem; }}"
            + f" .st-key-{headline} {delta} {{ font-size: 1.3rem; }}"
            + f" {testid('stCaptionContainer')} p {{ font-size: 1.05rem; }}"
            + f" {testid('stTab')} p {{ font-size: 1.2rem; }}"
            + f" {testid('stFullScreenFrame')}:has(> {testid('stDataFrame')})"
            + f" {{ zoom: {TABLE_ZOOM}; width: calc(100% / {TABLE_ZOOM}) !important; }}"
            + " }"
            + f" @media (min-width: 641px) and (max-width: {LAPTOP_PRESENTING}px) {{"
            + f" {wide_row} {{ flex-wrap: wrap; gap: 1rem; }}"
            + f" {wide_row} > {column} {{ flex: 1 1 calc(25% - 0.75rem) !important;"
            + " min-width: calc(25% - 0.75rem) !important; }"
            + " }"
            if sized
            else ""
        )
        + "</style>"
    )


def survey_style(*, scopes: tuple[str, ...], hidden: str, accent: str) -> str:
    """The member's survey form (ui.survey_form): inside the containers keyed `scopes`, a scale's
    options share the row (11 fit 390 px) and what is chosen, and the primary button, are filled with
    `accent` (Streamlit only tints a chosen option); a text box shows its counter without
    Streamlit's English hint; the `hidden` container takes no room; a title
    that wraps does so in even lines ("社区日活动怎么 / 样？" on a phone). The builder's preview
    draws the form with it too (no_menu_style is the member's pages' alone: ui.page.no_app_menu)."""
    selectors = tuple(f".st-key-{scope}" for scope in scopes)
    filled = f"background: {accent} !important; border-color: {accent} !important; color: #fff !important;"

    def scoped(selector: str, rules: str, within: tuple[str, ...] = selectors) -> str:
        return ", ".join(f"{scope} {selector}" for scope in within) + f" {{ {rules} }}"

    return (
        "<style>"
        + scoped(
            'button[data-variant="segmented_control"]',
            "flex: 1 1 0; min-width: 0; padding: 0; min-height: 2.75rem;",
            within=selectors[:1],
        )
        + scoped('button[data-selected="true"]', filled)  # a scale point, a multiple choice, the language
        + scoped('button[data-selected="true"] p', "color: #fff !important;")
        + scoped(testid("stRadioOption") + '[data-selected="true"] > div > div:first-child', filled)
        + scoped(testid("stBaseButton-primary"), filled)
        # a text box being typed in is no error
        + scoped('[data-testid$="RootElement"]:focus-within', f"border-color: {accent} !important;")
        # Streamlit's "Press Enter to apply" (in English, and no key to press on a phone) beside a
        # box's counter ("2/200"): the counter stays, and Next or Submit takes what was typed
        + scoped(f"{testid('InputInstructions')} > span:not(:last-child)", "display: none;")
        + scoped(f"{testid('InputInstructions')} > span:last-child::before", "content: none;")  # its "•" joined them
        + f".st-key-{hidden} {{ display: none; }}"  # it would leave a gap above the language switch
        + f"{testid('stMainBlockContainer')} :is(h1, h2, h3) {{ text-wrap: balance; }}"
        + "</style>"
    )


def no_menu_style() -> str:
    """Streamlit's ⋮ menu (settings, print, about) hidden: it is the app's, not a member's."""
    return f"<style>{testid('stMainMenu')} {{ display: none; }}</style>"


def rerun_fragment() -> None:
    """Rerun the fragment being drawn, or the whole page when this run is not a fragment's own
    (Streamlit allows `scope="fragment"` only during a fragment's rerun; a full run, as AppTest
    makes for a click inside a fragment, must rerun the page)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()
