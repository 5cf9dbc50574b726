"""Goals and notes where people see them: the goal line and the marks on the activity trend (their
spec, in the palette, titles as text), a tile with a goal, and the Goals & notes page."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

import clock
from metrics import goals, notes
from metrics.goals import Goal
from store.database import AppStore
from visuals import charts
from visuals.charts import CATEGORICAL, GOAL, HIGHLIGHT, INK, NOTE

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DAILY = pd.DataFrame(
    {"date": [date(2026, 11, n) for n in (2, 3, 4)], "dau": [3, 4, 5], "wau": [5, 6, 7], "mau": [7, 8, 9]}
)
MARKS = pd.DataFrame(
    [
        ("campaign", "Spring meetup", date(2026, 11, 3), date(2026, 11, 5), "c1"),
        ("note", "<img src=x onerror=alert(1)> outage", date(2026, 11, 4), date(2026, 11, 5), None),
    ],
    columns=["kind", "title", "start", "end", "campaign_id"],
).assign(link=["campaigns?campaign=c1", None])


def layers(chart) -> list[dict]:
    """Every single view of a layered spec, depth first, with the data it inherits."""
    found = []

    def walk(spec: dict, data: dict | None = None) -> None:
        data = spec.get("data", data)
        if "layer" in spec:
            for inner in spec["layer"]:
                walk(inner, data)
        else:
            found.append({**spec, "data": data})

    walk(chart.to_dict())
    return found


def dataset(chart, view: dict) -> list[dict]:
    return chart.to_dict()["datasets"][view["data"]["name"]]


def test_the_goal_line_is_a_dashed_labelled_rule_over_the_goals_days_in_view():
    # A goal of 20 for MAU over November, charted 2-4 November: the rule runs from the 2nd to the 4th.
    month = Goal(id=1, kpi="mau", start=date(2026, 11, 1), end=date(2026, 12, 1), target=20)
    other = Goal(id=2, kpi="nps", start=date(2026, 11, 1), end=date(2026, 12, 1), target=40)  # not on this chart
    lines = charts.goal_lines([month, other], first=date(2026, 11, 2), last=date(2026, 11, 4))
    chart = charts.activity_trend_chart(DAILY, goals=lines)
    rules = [view for view in layers(chart) if view["mark"].get("type") == "rule"]
    (rule,) = rules
    assert rule["mark"]["color"] == GOAL and rule["mark"]["strokeDash"] == [6, 4]
    (row,) = dataset(chart, rule)
    assert (row["start"][:10], row["end"][:10], row["target"], row["label"]) == (
        "2026-11-02",
        "2026-11-04",
        20.0,
        "Goal: Monthly active 20",
    )
    # The count axis reaches the target, though no line does.
    lines_view = next(view for view in layers(chart) if view["mark"].get("type") == "line")
    assert lines_view["encoding"]["y"]["axis"].get("tickCount") is None  # 20 > FEW_TICKS: no tick per unit


def test_campaigns_and_notes_are_shaded_with_their_title_as_text_and_a_campaign_links_to_its_results():
    chart = charts.activity_trend_chart(DAILY, marks=MARKS)
    views = layers(chart)
    text = next(view for view in views if view["mark"].get("type") == "text")
    assert text["encoding"]["text"] == {"field": "title", "type": "nominal"}  # data as text, never markup
    assert text["encoding"]["href"] == {"field": "link", "type": "nominal"}
    rows = dataset(chart, text)
    assert [(row["kind"], row["title"], row["link"]) for row in rows] == [
        ("campaign", "Spring meetup", "campaigns?campaign=c1"),
        ("note", "<img src=x onerror=alert(1)> outage", None),
    ]
    tips = [tip["title"] for tip in text["encoding"]["tooltip"]]
    assert tips[:4] == ["Marked", "Name", "First day", "Last day"]  # a campaign's name or a note's title
    # The marks are drawn behind the lines, in the palette: a campaign orange, a note slate.
    assert [view["mark"]["type"] for view in views][:3] == ["rect", "rule", "text"]
    colours = set(re.findall(r"#[0-9a-fA-F]{6}", json.dumps(chart.to_dict())))
    assert colours <= {*CATEGORICAL, HIGHLIGHT, NOTE, INK, GOAL}
    assert {HIGHLIGHT, NOTE} <= colours


def members_goal(configured: Path) -> None:
    """A goal of 100 members over the ten days before today and twenty after."""
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    today = clock.today_in("UTC")
    goals.add_goal(
        store,
        kpi="members",
        start=today - timedelta(days=10),
        end=today + timedelta(days=20),
        target=100,
        by="ana@example.org",
        now=clock.now(),
    )
    store.dispose()


def test_a_tile_with_a_goal_says_how_far_along_it_is(configured):
    members_goal(configured)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    # Nobody in the fixture community joined in the last ten days: members stay where they are.
    said = [caption.value for caption in at.caption if caption.value.startswith("Goal ")]
    assert len(said) == 1 and re.fullmatch(r"Goal 100 · \d+ so far \(\d+%\) · behind · projected \d+", said[0]), said


def test_on_a_projector_a_tiles_goal_is_said_in_the_tile_briefly(configured):
    # A line under the tile made the first screen taller than 1920x1080.
    members_goal(configured)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    assert [caption.value for caption in at.caption if caption.value.startswith("Goal ")] == []
    described = {metric.label: metric.proto.delta_description for metric in at.metric}
    assert described["Members"] == "Goal 100: behind"  # not "· behind", which reads as another fact
    assert described["New members"] == ""  # no goal, nothing to say
    members = next(metric for metric in at.metric if metric.label == "Members")
    assert "Goal for " in members.help  # its days, as the line under the tile says them at a desk


def goals_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/goals.py").run()
    assert not at.exception, at.exception
    return at


def test_a_manager_adds_a_goal_and_a_note_and_nonsense_is_refused_in_words(configured):
    at = goals_page()
    assert [info.value for info in at.info] == ["No goals yet. Add one below.", "No notes yet. Add one below."]
    at.selectbox(key="goals_goal_new_kpi").set_value("active_rate").run()
    at.number_input(key="goals_goal_new_target_active_rate").set_value(120).run()  # 120%
    at.button(key="goals_goal_new_save").click().run()
    assert [error.value for error in at.error] == ["A percentage target is between 0% and 100%, not 120.0%."]
    at.number_input(key="goals_goal_new_target_active_rate").set_value(40).run()
    at.button(key="goals_goal_new_save").click().run()
    assert not at.exception and not at.error
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    (goal,) = goals.list_goals(store)
    today = clock.today_in("UTC")
    assert (goal.kpi, goal.target, goal.start, goal.created_by) == ("active_rate", 0.4, today.replace(day=1), "local")
    table = at.dataframe(key="goals_table").value
    assert list(table["kpi"]) == ["Active rate"] and list(table["target"]) == ["40.0%"]
    at.text_input(key="goals_note_new_title").set_value("Discord **outage**").run()
    at.button(key="goals_note_new_save").click().run()
    (note,) = notes.list_notes(store)
    assert (note.title, note.start, note.end) == ("Discord **outage**", today, today + timedelta(days=1))
    assert list(at.dataframe(key="goals_notes_table").value["title"]) == ["Discord **outage**"]  # text, as written
    store.dispose()


def test_deleting_a_goal_or_a_note_asks_first(configured):
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    today = clock.today_in("UTC")
    goal_id = goals.add_goal(
        store, kpi="nps", start=today, end=today + timedelta(days=30), target=40, by="ana@example.org", now=clock.now()
    )
    notes.add_note(
        store, title="Pricing *change*", start=today, end=today + timedelta(days=1), by="a@b.org", now=clock.now()
    )
    at = goals_page()
    # A selected row's Delete asks (ui.confirm); AppTest cannot select a table row, so the question
    # is put where the button puts it.
    at.session_state["pulse_confirm_goals_delete"] = goal_id
    at.run()
    assert [warning.value for warning in at.warning][-1].startswith("Delete the goal for NPS (")
    assert [goal.id for goal in goals.list_goals(store)] == [goal_id]  # nothing gone yet
    at.button(key="goals_delete_confirm").click().run()
    assert goals.list_goals(store) == [] and not at.exception
    (note,) = notes.list_notes(store)
    at.session_state["pulse_confirm_goals_delete_note"] = note.id
    at.run()
    assert [warning.value for warning in at.warning][-1] == "Delete the note “Pricing \\*change\\*”?"  # as text
    at.button(key="goals_delete_note_cancel").click().run()
    assert [kept.id for kept in notes.list_notes(store)] == [note.id]
    store.dispose()
