"""Every table a page shows reads as a person would write it: labelled columns, no None, NaN or NaT.

st.dataframe draws its cells on a canvas, so a browser cannot read them; AppTest gives each table's
frame and its element (column config JSON, column order, missing-value placeholder) instead. Each
page and detail view on the small demo is opened, and every table it passes is checked.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from auth import pages as app_pages
from auth.share_links import create_link
from catalog import translate
from store import tables
from store.database import AppStore
from ui.tables import DAY, MINUTE, MISSING, SIGNED

APP = str(Path(__file__).resolve().parent.parent / "app.py")
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
EMPTY = {"None", "none", "NaN", "nan", "NaT", "null", "nan%", "undefined"}


def problems(at: AppTest) -> list[str]:
    """What a person should not read in the page's tables: a shown column labelled with a key, a
    missing value drawn as Streamlit's "None", a cell holding an empty value's name or a bare key
    (wont_fix), a date without the app's format, a rate that is not a percentage, a zero with a
    sign (a tile writes 0: the grid's sprintf wrote -0.4 as "-0" and 0 as "+0")."""
    found = []
    for number, element in enumerate(at.dataframe):
        frame, proto = element.value, element.proto
        texts = displayed(element)
        config = json.loads(proto.columns or "{}")
        name = f"table {number} ({element.key or ', '.join(map(str, frame.columns[:3]))})"
        for column in list(proto.column_order) or list(frame.columns):
            spec = config.get(column, {})
            if spec.get("hidden"):
                continue
            label, kind = spec.get("label") or str(column), spec.get("type_config", {})
            cells = frame[column]
            if RAW_KEY.search(label):
                found.append(f"{name}: column {column} is labelled {label!r}")
            if cells.isna().any() and proto.placeholder != MISSING:
                found.append(f"{name}: missing values in {column} are drawn as {proto.placeholder or 'None'!r}")
            # A selectbox column shows each option's label, not the code the cell holds.
            labels = {o["value"]: o.get("label", o["value"]) for o in kind.get("options", []) if isinstance(o, dict)}
            for cell in sorted({labels.get(cell, cell) for cell in cells if isinstance(cell, str)}):
                if cell.strip() in EMPTY or RAW_KEY.fullmatch(cell.strip()):
                    found.append(f"{name}: {column} shows {cell!r}")
            dated = pd.api.types.is_datetime64_any_dtype(cells) or any(hasattr(c, "isoformat") for c in cells)
            if dated and kind.get("format") not in (DAY, MINUTE):
                found.append(f"{name}: dates in {column} are written {kind.get('format')!r}")
            if "rate" in str(column) and kind.get("format") != "percent":
                found.append(f"{name}: {column} is not a percentage")
            signed = SIGNED.match(str(kind.get("format") or ""))
            if signed and any(written_as_zero(cell, int(signed.group(1) or 0)) for cell in cells):
                found.append(f"{name}: {column} shows a signed zero")
            if column in texts and any(SIGNED_ZERO.fullmatch(str(text)) for text in texts[column]):
                found.append(f"{name}: {column} shows a signed zero")
            if column in texts and not kind.get("format") and any(SIX.search(str(text)) for text in texts[column]):
                found.append(f"{name}: {column} shows six decimals")  # a Styler's default text, unformatted
    return found


SIX = re.compile(r"\d\.\d{6}$")


SIGNED_ZERO = re.compile(r"[+\-\u2212]0(?:[.,·]0+)?\s?[%٪]?")


def written_as_zero(cell: object, decimals: int) -> bool:
    """Whether the grid's sprintf writes `cell` as a signed zero (%+.0f writes -0.4 as "-0", 0 as "+0")."""
    return isinstance(cell, int | float) and not math.isnan(cell) and round(cell, decimals) == 0


def displayed(element) -> pd.DataFrame:
    """The text a pandas Styler gave the table's cells (empty without one): what the grid draws in
    place of a cell's value where its column has no format of its own."""
    styler = element.proto.arrow_data.styler
    if not styler.display_values:
        return pd.DataFrame()
    return pa.ipc.open_stream(styler.display_values).read_all().to_pandas()


@pytest.fixture(scope="module")
def data_dir(demo_data_dir, tmp_path_factory) -> Path:
    return demo_with_a_link_and_a_run(demo_data_dir, tmp_path_factory.mktemp("tables") / "data")


def demo_with_a_link_and_a_run(demo: Path, directory: Path) -> Path:
    """A copy of the demo (the session's demo stays as it is) with a share link never opened (its
    last use is missing) and a finished sync run, so the Share links and Data pages show tables."""
    shutil.copytree(demo, directory)
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    now = datetime.now(UTC).replace(tzinfo=None)
    create_link(
        store,
        page="members",
        query={"region": "Europe"},
        reveal_text=False,
        reveal_names=True,
        created_by="local",
        now=now,
        secret="tables",
    )
    with store.begin() as connection:
        connection.execute(
            tables.sync_runs.insert().values(
                source="demo", started_at=now, finished_at=now, status="ok", rows={"members": 600}, warnings=[]
            )
        )
    store.dispose()
    return directory


@pytest.fixture
def data(data_dir, pulse_env) -> Path:
    pulse_env(data_dir)
    return data_dir


def a_respondent(directory: Path) -> tuple[str, int]:
    """A member who gave feedback (so has answers too), and their latest item with a history."""
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    feedback, events = tables.feedback, tables.feedback_events
    row = store.run(
        sa.select(feedback.c.member_id, feedback.c.id)
        .join(events, events.c.feedback_id == feedback.c.id)
        .where(feedback.c.member_id.is_not(None), events.c.field == "status")
        .order_by(feedback.c.id)
        .limit(1)
    ).iloc[0]
    store.dispose()
    return str(row["member_id"]), int(row["id"])


def page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(query)
    at.run()
    if name != "survey":
        at.switch_page(app_pages.page(name).file)
        at.query_params.update(query)
        at.run()
    assert not at.exception, at.exception
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def dormant_members(directory: Path) -> AppTest:
    at = page("members")
    at.session_state["members_levels_chart"] = {"selection": {"level": [{"level": "dormant"}]}}
    return rerun(at)


def lookup_search(directory: Path) -> AppTest:
    at = page("lookup")
    at.text_input(key="lookup_q").input("Patel")
    return rerun(at)


def campaign_with_newcomers(directory: Path) -> AppTest:
    at = page("campaigns", period="last_365_days")  # the small demo's recent campaigns brought nobody new
    campaigns = at.dataframe(key="campaigns_table").value
    at.query_params["campaign"] = str(campaigns.sort_values("new_members")["campaign_id"].iloc[-1])
    return rerun(at)


def profile(directory: Path) -> AppTest:
    return page("lookup", member=a_respondent(directory)[0])


def feedback_item(directory: Path) -> AppTest:
    return page("feedback", item=str(a_respondent(directory)[1]))


def feedback_item_history(directory: Path) -> AppTest:
    at = feedback_item(directory)
    at.session_state["feedback_item_tab"] = translate("feedback.history", "en")  # lazy tabs: the chosen one runs
    return rerun(at)


def feedback_item_elsewhere(directory: Path) -> AppTest:
    at = feedback_item(directory)
    at.session_state["feedback_item_tab"] = translate("feedback.said_elsewhere", "en")
    return rerun(at)


def feedback_editor(directory: Path) -> AppTest:
    at = page("feedback")
    at.toggle(key="feedback_edit").set_value(True)
    return rerun(at)


def personal_links(directory: Path) -> AppTest:
    at = page("surveys", survey="onboarding")
    next(box for box in at.selectbox if box.label == "Segment to invite").set_value("developer")
    next(button for button in at.button if button.label == "Create links").click()
    return rerun(at)


VIEWS: dict[str, Callable[[Path], AppTest]] = {
    "overview": lambda _: page("overview"),
    "members": lambda _: page("members"),
    "members at a level": dormant_members,
    "engagement": lambda _: page("engagement"),
    "campaigns": lambda _: page("campaigns"),
    "a campaign": campaign_with_newcomers,
    "lookup search": lookup_search,
    "member profile": profile,
    "surveys": lambda _: page("surveys"),
    "survey results": lambda _: page("surveys", survey="quarterly-nps"),
    "survey without scores": lambda _: page("surveys", survey="onboarding"),
    "personal links": personal_links,
    "feedback inbox": lambda _: page("feedback"),
    "feedback item": feedback_item,
    "feedback item history": feedback_item_history,
    "feedback item elsewhere": feedback_item_elsewhere,
    "feedback editor": feedback_editor,
    "feedback themes": lambda _: page("feedback", feedback_view="themes"),
    "data": lambda _: page("data"),
    "sharing": lambda _: page("sharing"),
    "goals and notes": lambda _: page("goals"),
    "member survey": lambda _: page("survey", s="onboarding"),
}
# Tables each view must show on the demo, so a view that stops drawing them cannot pass unseen.
TABLES = {
    "overview": 1,
    "members": 2,  # growth and a level's members, and champions slipping away when any do
    "members at a level": 2,
    "engagement": 1,
    "campaigns": 1,
    "a campaign": 2,
    "lookup search": 1,
    "member profile": 4,
    "surveys": 1,
    "survey results": 6,
    "survey without scores": 6,
    "personal links": 7,
    "feedback inbox": 1,
    "feedback item": 2,  # the list and who said it: their latest activities (the rest is in other tabs)
    "feedback item elsewhere": 3,  # the list, their other feedback and their survey answers
    "feedback item history": 2,  # the list and the item's history
    "feedback editor": 1,
    "feedback themes": 1,
    "data": 1,
    "sharing": 1,
    "goals and notes": 0,  # the demo has no goals or notes yet: each list says so
    "member survey": 0,
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_table_reads_as_words(data, view):
    at = VIEWS[view](data)
    expected = TABLES[view]
    if view.startswith("members") and translate("members.no_slipping", "en") not in [e.value for e in at.success]:
        expected += 1  # on some days a champion of the demo anchored on today slips away: that table too
    assert len(at.dataframe) == expected
    assert problems(at) == []


def test_the_check_sees_keys_empty_cells_and_raw_dates():
    def raw() -> None:
        import pandas as pd
        import streamlit as st

        frame = pd.DataFrame(
            {
                "member_id": ["m1", None],
                "status": ["wont_fix", "None"],
                "joined_at": pd.to_datetime(["2026-11-30", "2026-12-01"]),
                "response_rate": [0.5, 0.25],
                "nps": [-0.4, 12.0],
            }
        )
        nps = st.column_config.NumberColumn("NPS", format="%+.0f")
        st.dataframe(frame, column_config={"status": "Status", "response_rate": "Response rate", "nps": nps})
        styled = pd.DataFrame({"change": [-0.0001, 0.5], "answers": [12.0, 3.0]}).style.format({"change": "{:+.1f}%"})
        st.dataframe(styled, column_config={"change": "Change", "answers": "Answers"})

    at = AppTest.from_function(raw).run()
    assert problems(at) == [
        "table 0 (member_id, status, joined_at): column member_id is labelled 'member_id'",
        "table 0 (member_id, status, joined_at): missing values in member_id are drawn as 'None'",
        "table 0 (member_id, status, joined_at): status shows 'None'",
        "table 0 (member_id, status, joined_at): status shows 'wont_fix'",
        "table 0 (member_id, status, joined_at): column joined_at is labelled 'joined_at'",
        "table 0 (member_id, status, joined_at): dates in joined_at are written None",
        "table 0 (member_id, status, joined_at): response_rate is not a percentage",
        "table 0 (member_id, status, joined_at): nps shows a signed zero",
        "table 1 (change, answers): change shows a signed zero",
        "table 1 (change, answers): answers shows six decimals",
    ]


def test_a_signed_figure_reads_as_a_tile_writes_it_and_keeps_its_number():
    """The grid's sprintf wrote an NPS of -0.4 as "-0", 0 as "+0" and 12,345 as "+12345"; the cells
    are written as the tiles write them and keep their numbers, so a column still sorts by them."""

    def scores() -> None:
        import pandas as pd
        import streamlit as st

        from ui.tables import change_column, table

        frame = pd.DataFrame(
            {
                "nps": [-0.4, 12.6, None],
                "lift": [-0.004, 0.126, 1.0],
                "change": [-3, 0, 12345],
                "change_pct": [-0.0004, 0.0594, 1.5],
                "answers": [12.0, None, 1234.0],  # a float unformatted: pandas' text would have six decimals
            }
        )
        table(
            frame,
            column_config={
                "answers": "Answers",
                "nps": st.column_config.NumberColumn("NPS", format="%+.0f"),
                "lift": st.column_config.NumberColumn("Lift", format="%+.2f"),
                "change": st.column_config.NumberColumn("Change", format="%+d"),
                "change_pct": change_column("Change (%)"),
            },
        )

    at = AppTest.from_function(scores).run()
    shown, texts = at.dataframe[0].value, displayed(at.dataframe[0])
    frame_columns = ["nps", "lift", "change", "change_pct"]
    assert problems(at) == []
    assert texts["nps"].tolist() == ["0", "+13", MISSING]
    assert texts["lift"].tolist() == ["0.00", "+0.13", "+1.00"]
    assert texts["change"].tolist() == ["-3", "0", "+12,345"]
    assert texts["change_pct"].tolist() == ["0.0%", "+5.9%", "+150.0%"]  # a relative change in percent
    assert shown["nps"].iloc[:2].tolist() == [0.0, 13.0] and shown["nps"].isna().iloc[2]  # numbers still
    assert shown["change"].tolist() == [-3, 0, 12345] and pd.api.types.is_integer_dtype(shown["change"])
    assert shown["change_pct"].tolist() == [0.0, 5.9, 150.0]
    answers = json.loads(at.dataframe[0].proto.columns)["answers"]
    assert (answers["label"], answers["type_config"]["format"]) == ("Answers", "localized")  # the grid's own text
    config = json.loads(at.dataframe[0].proto.columns)
    formats = {name: config[name].get("type_config", {}).get("format") for name in frame_columns}
    assert formats == dict.fromkeys(frame_columns)  # a format would take precedence over the text


def test_a_members_answers_name_their_questions_not_their_ids(data):
    store = AppStore(f"sqlite:///{data / 'app.db'}")
    ids = set(store.run(sa.select(tables.answers.c.question_id).distinct())["question_id"])
    store.dispose()
    answers = next(table.value for table in profile(data).dataframe if "question_id" in table.value.columns)
    shown = set(answers["question_id"])
    assert len(shown) >= 2 and not shown & ids, shown & ids  # "Did you find the help you needed?", not found_help
    assert all(text[0].isupper() for text in shown)  # the question's own words
