"""Survey results against answers worked out by hand, on the fixture community (tests/community.py).

Period P = [2025-03-01, 2025-03-08). In scope, NPS answers are alice 10, bob 9, carol 8, dave 6,
hank 0 and one anonymous 10: n = 6, promoters 3, detractors 2, so NPS = (3 - 2) / 6 = 16.67, and
with p = 1/2, d = 1/3 the margin is 1.96 * sqrt((p + d - (p - d)^2) / n) = 71.82 points (unrounded in Scores).
Left out: tom (team), alice's answer of 20 February (before P), bob's unfinished second response.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from metrics.filters import Filters
from metrics.survey_results import (
    SCORE_COLUMNS,
    breakdown,
    free_text_query,
    period_table,
    question_result,
    responses_by_version_query,
    results_document,
    survey_results,
    survey_table,
)
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import parse_definition
from tests.conftest import migrated_store, new_migrated_store

t = datetime
P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
DEFINITION = {
    "slug": "pulse",
    "title": "Pulse",
    "questions": [
        {"id": "nps", "type": "nps", "text": "Recommend?"},
        {"id": "csat", "type": "csat", "text": "Satisfied?"},
        {"id": "ces", "type": "ces", "text": "Easy?"},
        {"id": "pick", "type": "choice", "text": "Pick one", "options": ["a", "b"]},
        {"id": "many", "type": "multi", "text": "Pick any", "options": ["a", "b", "c"]},
        {"id": "agree", "type": "matrix", "text": "Agree?", "rows": ["r1"]},
        {"id": "again", "type": "yes_no", "text": "Again?"},
    ],
}
RESPONSES = [  # member, submitted_at (None: unfinished), answers
    (
        "alice",
        t(2025, 3, 3, 9),
        {"nps": 10, "csat": 5, "ces": 7, "pick": "a", "many": ["a", "b"], "agree": {"r1": 5}, "again": True},
    ),
    ("bob", t(2025, 3, 3, 10), {"nps": 9, "csat": 4, "ces": 5, "pick": "b", "many": ["b"], "again": False}),
    ("carol", t(2025, 3, 3, 11), {"nps": 8, "csat": 3, "ces": 3}),
    ("dave", t(2025, 3, 1, 12), {"nps": 6, "csat": 2}),
    ("hank", t(2025, 3, 1, 13), {"nps": 0}),
    (None, t(2025, 3, 6, 8), {"nps": 10}),
    ("tom", t(2025, 3, 3, 12), {"nps": 0}),  # team member
    ("alice", t(2025, 2, 20), {"nps": 0}),  # before P
    ("bob", None, {}),  # opened, never submitted
]


@pytest.fixture
def answered(tmp_path) -> AppStore:
    store = migrated_store(tmp_path / "app.db")
    survey = parse_definition(DEFINITION, where="pulse.yaml")
    registry.register(store, survey, timezone="UTC", now=t(2025, 2, 1))
    stored = registry.load_survey(store, "pulse")
    from surveys.answers import answer_rows

    with store.begin() as connection:
        for n, (member, submitted, given) in enumerate(RESPONSES):
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=stored.id,
                    member_id=member,
                    started_at=submitted or t(2025, 3, 2),
                    submitted_at=submitted,
                    completed=submitted is not None,
                    idempotency_key=f"r{n}",
                )
            ).inserted_primary_key[0]
            for row in answer_rows(survey, given):
                connection.execute(tables.answers.insert().values(response_id=response_id, **row.__dict__))
        for n, used in enumerate([t(2025, 3, 3), t(2025, 3, 3), None, None]):
            connection.execute(
                tables.invitations.insert().values(
                    survey_id=stored.id, token_hash=f"h{n}", member_id=f"m{n}", sent_at=t(2025, 3, 1), used_at=used
                )
            )
    yield store
    store.dispose()


def results(store: AppStore, warehouse, filters: Filters = P):
    return survey_results(
        app_store=store, warehouse=warehouse, versions=registry.load_versions(store, "pulse"), filters=filters
    )


def test_nps_with_its_margin_csat_and_ces(answered, duckdb_warehouse):
    summary = results(answered, duckdb_warehouse).summary
    assert summary.responses == 6
    # Unrounded: the views round as they show (JSON keeps every digit, issue 24).
    assert summary.nps == pytest.approx(100 / 6, rel=1e-12) and summary.nps_answers == 6
    assert summary.nps_margin == pytest.approx(196 * math.sqrt((1 / 2 + 1 / 3 - (1 / 2 - 1 / 3) ** 2) / 6), rel=1e-12)
    assert (summary.csat, summary.csat_answers) == (0.5, 4)  # 5 and 4 of 5, 4, 3, 2
    assert (summary.ces, summary.ces_answers) == (5.0, 3)  # mean of 7, 5, 3


def test_nps_by_week_starts_weeks_on_monday(answered, duckdb_warehouse):
    trend = results(answered, duckdb_warehouse).trend
    # Week of 24 Feb: dave 6, hank 0 (both detractors). Week of 3 Mar: 10, 9, 8, 10 -> 3 of 4 promoters.
    assert trend["week"].tolist() == [date(2025, 2, 24), date(2025, 3, 3)]
    assert trend["nps"].round(1).tolist() == [-100.0, 75.0]
    assert trend["margin"].round(1).tolist() == [0.0, 42.4]
    assert trend["answers"].tolist() == [2, 4]


def test_a_segment_filter_leaves_out_anonymous_answers(answered, duckdb_warehouse):
    summary = results(answered, duckdb_warehouse, Filters(start=P.start, end=P.end, segment="dev")).summary
    assert (summary.nps, summary.nps_answers) == (pytest.approx(100 / 3), 3)  # alice 10, bob 9, dave 6


def test_breakdowns_by_segment_channel_and_level(answered, duckdb_warehouse):
    breakdowns = results(answered, duckdb_warehouse).breakdowns
    segment = breakdowns["segment"].set_index("group")
    assert segment.loc["dev", "respondents"] == 3 and round(segment.loc["dev", "nps"], 1) == 33.3
    assert round(segment.loc["dev", "csat"], 4) == round(2 / 3, 4)  # 5, 4 satisfied of 5, 4, 2
    assert segment.loc["biz", "nps"] == -50.0 and segment.loc["biz", "csat"] == 0.0  # carol 8, hank 0; csat 3
    # biz's margin: 1.96 x 100 x sqrt((0 promoters + 1/2 detractors - (0 - 1/2)^2) / 2 answers)
    assert segment.loc["biz", "nps_margin"] == pytest.approx(196 * math.sqrt(0.25 / 2), rel=1e-12)
    assert list(breakdowns["segment"].columns) == ["group", "respondents", "nps", "nps_margin", "csat"]
    channel = breakdowns["channel"].set_index("group")
    assert channel["respondents"].to_dict() == {"event": 2, "forum": 3}
    assert channel.loc["forum", "nps"] == 0.0  # alice 10, carol 8, hank 0: one promoter, one detractor
    assert round(channel.loc["event", "csat"], 2) == 0.5  # bob 4, dave 2
    # In the 90 days to 8 March every respondent was active in 1-4 weeks with under 5 contributions.
    level = breakdowns["level"].set_index("group")
    assert level["respondents"].to_dict() == {"casual": 5} and level.loc["casual", "nps"] == 0.0


def test_each_question_gets_its_distribution(answered, duckdb_warehouse):
    by_id = {question.id: frame for question, frame in results(answered, duckdb_warehouse).questions}
    nps = by_id["nps"].set_index("answer")["answers"]
    assert len(nps) == 11 and (nps[10.0], nps[9.0], nps[8.0], nps[6.0], nps[0.0], nps[5.0]) == (2, 1, 1, 1, 1, 0)
    pick = by_id["pick"].set_index("answer")
    assert pick["answers"].to_dict() == {"a": 1, "b": 1} and pick["share"].to_dict() == {"a": 0.5, "b": 0.5}
    many = by_id["many"].set_index("answer")  # shares of the two who answered: may add up past 100%
    assert many["answers"].to_dict() == {"a": 1, "b": 2, "c": 0}
    assert many["share"].to_dict() == {"a": 0.5, "b": 1.0, "c": 0.0}
    assert by_id["again"].set_index("label")["answers"].to_dict() == {"no": 1, "yes": 1}
    agree = by_id["agree"]
    assert agree[["row", "label", "answers", "share"]].values.tolist() == [["r1", "Strongly agree", 1, 1.0]]
    # A scale's every point, labelled by its number, with its share of the answers: 5, 4, 3, 2 of 1-5.
    assert by_id["csat"].to_dict("records") == [
        {"answer": point, "label": str(point), "answers": int(point > 1), "share": 0.25 if point > 1 else 0.0}
        for point in range(1, 6)
    ]


def test_survey_list_rates(answered):
    row = survey_table(app_store=answered, now=t(2025, 3, 10)).set_index("slug").loc["pulse"]
    assert (row["started"], row["completed"]) == (9, 8)
    assert row["completion_rate"] == 8 / 9
    assert (row["invitations"], row["invited_responses"], row["response_rate"]) == (4, 2, 0.5)
    assert row["state"] == "open"


def test_the_survey_list_names_each_survey_in_the_readers_language(answered):
    titled = {"en": "Check-in", "zh": "近况调查", "zh-TW": "近況調查"}
    definition = {**DEFINITION, "slug": "check", "title": titled, "languages": ["en", "zh", "zh-TW"]}
    registry.register(answered, parse_definition(definition, where="c"), timezone="UTC", now=t(2025, 2, 1))
    for language, check in [(None, "Check-in"), ("en", "Check-in"), ("zh-CN", "近况调查"), ("zh-TW", "近況調查")]:
        titles = survey_table(app_store=answered, now=t(2025, 3, 10), language=language).set_index("slug")["title"]
        assert titles.to_dict() == {"check": check, "pulse": "Pulse"}  # pulse is in English alone
    with answered.begin() as connection:  # as if an older release had written rules this one rejects
        connection.execute(
            tables.surveys.update().where(tables.surveys.c.slug == "check").values(definition={"slug": "check"})
        )
    titles = survey_table(app_store=answered, now=t(2025, 3, 10), language="zh-CN").set_index("slug")["title"]
    assert titles["check"] == "Check-in"  # the title it was stored with


def test_the_survey_table_counts_each_surveys_links_apart_and_a_managers_close(answered):
    # "aside", registered after pulse, comes first by its slug; one personal link of its own, unused,
    # and closed by a manager before now.
    registry.register(
        answered,
        parse_definition({**DEFINITION, "slug": "aside", "title": "Aside"}, where="a"),
        timezone="UTC",
        now=t(2025, 2, 1),
    )
    aside = registry.load_survey(answered, "aside")
    with answered.begin() as connection:
        connection.execute(
            tables.invitations.insert().values(
                survey_id=aside.id, token_hash="a0", member_id="m9", sent_at=t(2025, 3, 1)
            )
        )
    registry.set_status(answered, "aside", "closed", actor="ana@example.org", now=t(2025, 3, 5))
    table = survey_table(app_store=answered, now=t(2025, 3, 10))
    assert table[["slug", "state", "invitations", "invited_responses", "started"]].values.tolist() == [
        ["aside", "closed", 1, 0, 0],
        ["pulse", "open", 4, 2, 9],
    ]


def test_results_document_is_plain_json(answered, duckdb_warehouse):
    document = results_document(results(answered, duckdb_warehouse))
    again = json.loads(json.dumps(document))
    assert again["nps"] == pytest.approx(100 / 6, rel=1e-12) and again["nps_by_week"][1]["week"] == "2025-03-03"
    assert again["nps_by_week"][1]["margin"] == pytest.approx(196 * math.sqrt((3 / 4 - (3 / 4) ** 2) / 4), rel=1e-12)
    assert again["questions"]["pick"]["results"][0] == {"answer": "a", "label": "a", "answers": 1, "share": 0.5}
    assert type(again["questions"]["pick"]["results"][0]["answers"]) is int  # a count, not 1.0
    assert {key: again["questions"]["pick"][key] for key in ("type", "text")} == {"type": "choice", "text": "Pick one"}
    assert again["breakdowns"]["segment"][0]["group"] == "biz"


def test_the_results_document_gives_each_question_in_english(answered, duckdb_warehouse):
    # A question written first in Chinese: the document (for machines, in English) takes its English.
    found = results(answered, duckdb_warehouse)
    bilingual = [
        (replace(question, text={"zh": "选一个", "en": "Pick one"}), frame) for question, frame in found.questions
    ]
    document = results_document(replace(found, questions=bilingual))
    assert document["questions"]["pick"]["text"] == "Pick one"


CLI = Path(__file__).resolve().parent.parent / "cli.py"


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CLI), *args], capture_output=True, env=env, timeout=120)


@pytest.fixture
def cli_env(configured, tmp_path, monkeypatch) -> dict[str, str]:
    import os

    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "pulse.yaml").write_text(json.dumps(DEFINITION), encoding="utf-8")  # JSON is YAML too
    return {**os.environ, "PULSE_SURVEYS_DIR": str(folder), "PULSE_PUBLIC_URL": "https://pulse.example.org"}


def test_cli_validate_reports_problems_with_file_question_and_field(cli_env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: bad\ntitle: Bad\nquestions:\n  - {id: q3, type: choice, text: Pick, options: [a]}\n")
    result = cli("survey", "validate", str(bad), env=cli_env)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "bad.yaml: q3: options: a choice question needs at least two options"
    good = cli("survey", "validate", env=cli_env)
    assert good.returncode == 0 and good.stdout.decode().strip() == "pulse.yaml: ok (pulse, 7 questions, 1 pages)"


def test_cli_links_writes_one_personal_link_per_member_as_csv(cli_env):
    result = cli("survey", "links", "pulse", "--segment", "dev", env=cli_env)
    assert result.returncode == 1 and "no survey 'pulse'" in result.stderr.decode()  # not published yet
    assert cli("survey", "list", "--format", "json", env=cli_env).returncode == 0
    result = cli("survey", "links", "pulse", "--segment", "dev", env=cli_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8-sig").splitlines()
    assert lines[0] == "member_id,name,email,link"
    members = [line.split(",")[0] for line in lines[1:]]
    assert sorted(members) == ["alice", "bob", "dave", "erin", "frank"]  # dev, not team
    assert all(",https://pulse.example.org/survey?s=pulse&t=" in line for line in lines[1:])
    listed = json.loads(cli("survey", "list", "--format", "json", env=cli_env).stdout)
    assert [(row["slug"], row["invitations"]) for row in listed if row["slug"] == "pulse"] == [("pulse", 5)]


def test_cli_results_json(cli_env):
    cli("survey", "list", env=cli_env)
    result = cli(
        "survey", "results", "pulse", "--start", "2025-03-01", "--end", "2025-03-08", "--format", "json", env=cli_env
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    # The fixture store already holds answers to a first "pulse" (tests/conftest.py fill_app_store);
    # the file becomes its version 2 and results count both: 5 responses, NPS 25 as in
    # test_metrics_surveys_feedback.
    assert (document["survey"], document["version"], document["responses"], document["nps"]) == ("pulse", 2, 5, 25.0)
    assert document["period"]["start"] == "2025-03-01"


@pytest.mark.parametrize(
    "audience, expected",
    [
        (("segment", "biz"), ["carol", "gina", "hank"]),
        (("channel", "event"), ["bob", "dave", "gina"]),
        (("campaign", "meetup"), ["alice", "carol", "dave", "erin", "gina", "hank"]),  # any stage, not tom
    ],
)
def test_an_audience_is_its_members_without_the_team(duckdb_warehouse, audience, expected):
    from surveys.links import Audience, audience_query

    members = duckdb_warehouse.run(audience_query(Audience(*audience)))
    assert sorted(members["member_id"]) == expected


def test_the_qr_code_is_a_png():
    from surveys.links import qr_png

    image = qr_png("https://pulse.example.org/survey?s=post-event")
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 200


def test_cli_survey_list_shows_rates_as_percentages_and_a_dash_where_there_is_none(cli_env, monkeypatch, capsys):
    import cli as command_line

    for name in ("PULSE_SURVEYS_DIR", "PULSE_PUBLIC_URL"):
        monkeypatch.setenv(name, cli_env[name])
    assert command_line.main(["survey", "list"]) == 0  # publishes the file as pulse's version 2
    assert command_line.main(["survey", "links", "pulse", "--segment", "dev"]) == 0  # 5 links, none used yet
    capsys.readouterr()
    # post-meetup: 4 of 4 completed, no links. pulse: 7 of its 8 responses completed (bob's is not),
    # 0 of 5 links used.
    assert command_line.main(["survey", "list"]) == 0
    assert [line.split() for line in capsys.readouterr().out.splitlines()] == [
        ["slug", "version", "state", "started", "completed", "completion_rate", "invitations", "response_rate"],
        ["post-meetup", "1", "open", "4", "4", "100.0%", "0", "—"],
        ["pulse", "2", "open", "8", "7", "87.5%", "5", "0.0%"],
    ]
    assert command_line.main(["survey", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "slug": "post-meetup",
            "version": 1,
            "state": "open",
            "started": 4,
            "completed": 4,
            "completion_rate": 1.0,
            "invitations": 0,
            "response_rate": None,
        },
        {
            "slug": "pulse",
            "version": 2,
            "state": "open",
            "started": 8,
            "completed": 7,
            "completion_rate": 0.875,
            "invitations": 5,
            "response_rate": 0.0,
        },
    ]


def add_responses(store: AppStore, stored: registry.StoredSurvey, given: list[tuple], *, prefix: str) -> None:
    """Responses (member, submitted_at or None: unfinished, answers) to a stored survey version."""
    from surveys.answers import answer_rows

    with store.begin() as connection:
        for n, (member, submitted, answers) in enumerate(given):
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=stored.id,
                    member_id=member,
                    submitted_at=submitted,
                    completed=submitted is not None,
                    idempotency_key=f"{prefix}{n}",
                )
            ).inserted_primary_key[0]
            for row in answer_rows(stored.survey, answers):
                connection.execute(tables.answers.insert().values(response_id=response_id, **row.__dict__))


def test_responses_are_counted_per_version_newest_first(answered):
    registry.register(
        store := answered,
        parse_definition({**DEFINITION, "title": "Pulse, reworded"}, where="p"),
        timezone="UTC",
        now=t(2025, 3, 4),
    )
    second = registry.load_survey(store, "pulse")
    # Under version 2: one exactly at P's start (in it), one exactly at its end (not).
    add_responses(
        store,
        second,
        [("erin", t(2025, 3, 1), {"nps": 7}), ("erin", t(2025, 3, 8), {"nps": 7})],
        prefix="v2-",
    )
    rows = store.run(responses_by_version_query(slug="pulse", filters=P))
    # Version 1 in P: alice, bob, carol, dave, hank, the anonymous one and tom (the app store has no teams).
    assert (second.version, rows.to_dict("records")) == (
        2,
        [{"version": 2, "responses": 1}, {"version": 1, "responses": 7}],  # the Surveys page reads them by name
    )


def test_free_text_newest_first_with_the_responses_nps(tmp_path):
    store = migrated_store(tmp_path / "app.db")
    questions = [
        {"id": "nps", "type": "nps", "text": "Recommend?"},
        {"id": "why", "type": "long_text", "text": "Why?"},
        {"id": "city", "type": "short_text", "text": "City?"},
        {"id": "pick", "type": "choice", "text": "Pick", "options": ["a", "b"]},
    ]
    for slug in ("talk", "other"):
        registry.register(
            store,
            parse_definition({"slug": slug, "title": slug, "questions": questions}, where=slug),
            timezone="UTC",
            now=t(2025, 2, 1),
        )
    given = [
        ("alice", t(2025, 3, 1), {"nps": 9, "why": "Great", "city": "Lyon", "pick": "a"}),  # at P's start
        ("bob", t(2025, 3, 5), {"why": "No score"}),
        ("carol", t(2025, 3, 8), {"nps": 3, "why": "Late"}),  # at P's end: after it
        ("dave", None, {"why": "Unfinished"}),
    ]
    add_responses(store, registry.load_survey(store, "talk"), given, prefix="talk-")
    add_responses(
        store,
        registry.load_survey(store, "other"),
        [("erin", t(2025, 3, 2), {"nps": 1, "why": "Elsewhere"})],
        prefix="other-",
    )
    rows = store.run(free_text_query(slug="talk", filters=P))
    assert list(rows.columns) == ["submitted_at", "member_id", "question_id", "text", "nps"]
    rows = rows.astype(object).where(rows.notna(), None)
    # Newest first, then by question; bob gave no score; the choice is not free text.
    assert [[str(r[0]), *r[1:]] for r in rows.values.tolist()] == [
        ["2025-03-05 00:00:00", "bob", "why", "No score", None],
        ["2025-03-01 00:00:00", "alice", "city", "Lyon", 9.0],
        ["2025-03-01 00:00:00", "alice", "why", "Great", 9.0],
    ]
    assert len(store.run(free_text_query(slug="talk", filters=P, limit=2))) == 2
    store.dispose()


def test_the_period_table_has_a_row_per_survey_answered_in_the_period(answered, duckdb_warehouse):
    registry.register(
        answered,
        parse_definition({**DEFINITION, "slug": "quiet", "title": "Quiet"}, where="q"),
        timezone="UTC",
        now=t(2025, 2, 1),
    )
    table = period_table(app_store=answered, warehouse=duckdb_warehouse, filters=P, now=t(2025, 3, 10))
    # quiet has no response in P: no row. pulse's figures are the summary's (test_nps_with_its_margin_csat_and_ces).
    assert list(table.columns) == [
        "slug",
        "title",
        "state",
        "responses",
        "nps",
        "nps_margin",
        "nps_answers",
        "csat",
        "csat_answers",
        "ces",
        "ces_answers",
    ]
    row = table.iloc[0].to_dict()
    assert (len(table), row["slug"], row["title"], row["state"]) == (1, "pulse", "Pulse", "open")
    summary = results(answered, duckdb_warehouse).summary
    assert [row[name] for name in ("responses", "nps_answers", "csat", "csat_answers", "ces", "ces_answers")] == [
        6,
        6,
        0.5,
        4,
        5.0,
        3,
    ]
    assert (row["nps"], row["nps_margin"]) == (summary.nps, summary.nps_margin)


PERIOD_COLUMNS = ["slug", "title", "state", "responses", "nps", "nps_margin", "nps_answers", "csat", "csat_answers"]


def test_the_period_table_says_each_surveys_state_now_and_keeps_its_columns_when_empty(answered, duckdb_warehouse):
    # "closing" closes at 00:00 on 10 March 2025, exactly now: closed; alice answered it in P.
    definition = {**DEFINITION, "slug": "closing", "title": "Closing", "closes_at": t(2025, 3, 10)}
    registry.register(answered, parse_definition(definition, where="c"), timezone="UTC", now=t(2025, 2, 1))
    given = [("alice", t(2025, 3, 2), {"nps": 9}), ("bob", t(2025, 3, 3), {"nps": 7})]
    add_responses(answered, registry.load_survey(answered, "closing"), given, prefix="c-")
    table = period_table(app_store=answered, warehouse=duckdb_warehouse, filters=P, now=t(2025, 3, 10))
    assert table[["slug", "state"]].values.tolist() == [["closing", "closed"], ["pulse", "open"]]  # by slug
    # alice's 9 promotes, bob's 7 is passive (a detractor answers 6 at most): NPS 50 of two answers.
    assert table.set_index("slug").loc["closing", ["responses", "nps", "nps_answers"]].tolist() == [2, 50.0, 2]
    # No survey answered in the first week of 2025: no row, and the same columns for the views to read.
    quiet = Filters(start=date(2025, 1, 1), end=date(2025, 1, 8))
    empty = period_table(app_store=answered, warehouse=duckdb_warehouse, filters=quiet, now=t(2025, 3, 10))
    assert empty.empty and list(empty.columns)[: len(PERIOD_COLUMNS)] == PERIOD_COLUMNS
    assert list(empty.columns) == list(table.columns)


def test_each_surveys_state_and_rates_at_their_edges(tmp_path):
    store = migrated_store(tmp_path / "app.db")
    now = t(2025, 3, 10, 12)
    question = [{"id": "nps", "type": "nps", "text": "Recommend?"}]
    for slug, fields in (
        ("ended", {"closes_at": "2025-03-10 12:00"}),  # closes exactly now
        ("opening", {"opens_at": "2025-03-10 12:00"}),  # opens exactly now
        ("soon", {"opens_at": "2025-03-11"}),
        ("full", {"response_limit": 1, "anonymous": True, "campaign": "meetup"}),  # its one answer given
        ("room", {"response_limit": 2}),
        ("gone", {}),
    ):
        definition = {"slug": slug, "title": slug.title(), "questions": question, **fields}
        registry.register(store, parse_definition(definition, where=slug), timezone="UTC", now=t(2025, 3, 1))
    registry.set_status(store, "gone", "archived")
    for slug in ("full", "room"):
        add_responses(store, registry.load_survey(store, slug), [(None, t(2025, 3, 5), {"nps": 9})], prefix=slug)
    with store.begin() as connection:  # one link handed out for "room", not answered through
        connection.execute(
            tables.invitations.insert().values(
                survey_id=registry.load_survey(store, "room").id, token_hash="h", member_id="m", sent_at=t(2025, 3, 1)
            )
        )
    table = survey_table(app_store=store, now=now)
    table = table.astype(object).where(table.notna(), None)
    columns = ["slug", "title", "state", "anonymous", "campaign_id", "started", "completion_rate", "response_rate"]
    assert table[columns].values.tolist() == [
        ["ended", "Ended", "closed", False, None, 0, None, None],
        ["full", "Full", "limit", True, "meetup", 1, 1.0, None],
        ["gone", "Gone", "archived", False, None, 0, None, None],
        ["opening", "Opening", "open", False, None, 0, None, None],
        ["room", "Room", "open", False, None, 1, 1.0, 0.0],
        ["soon", "Soon", "not_open", False, None, 0, None, None],
    ]
    assert table.set_index("slug").loc["room", "id"] == registry.load_survey(store, "room").id
    assert [str(value)[:10] for value in table["last_response"]] == [
        "None",
        "2025-03-05",
        "None",
        "None",
        "2025-03-05",
        "None",
    ]
    store.dispose()


def test_a_grids_rows_are_counted_apart_and_labelled_in_the_readers_language(tmp_path, duckdb_warehouse):
    from surveys.definition import text_in

    store = migrated_store(tmp_path / "app.db")
    rows = [
        {"id": "r1", "label": {"en": "Clear", "zh-CN": "清楚"}},
        {"id": "r2", "label": {"en": "Useful", "zh-CN": "有用"}},
    ]
    definition = {
        "slug": "grid",
        "title": "Grid",
        "languages": ["en", "zh-CN"],
        "questions": [{"id": "agree", "type": "matrix", "text": {"en": "Agree?", "zh-CN": "同意吗？"}, "rows": rows}],
    }
    registry.register(store, parse_definition(definition, where="grid"), timezone="UTC", now=t(2025, 2, 1))
    given = [(None, t(2025, 3, 3), {"agree": {"r1": 5, "r2": 4}}), (None, t(2025, 3, 4), {"agree": {"r1": 5}})]
    add_responses(
        store, registry.load_survey(store, "grid"), [*given, (None, t(2025, 3, 5), {"agree": {"r1": 3}})], prefix="g"
    )
    versions = registry.load_versions(store, "grid")
    found = survey_results(app_store=store, warehouse=duckdb_warehouse, versions=versions, filters=P, language="zh-CN")
    ((question, frame),) = found.questions
    scale = [text_in(point, "zh-CN") for point in question.scale]
    assert scale[2] == "一般"  # the scale in 简体中文, not English
    # Clear: 5 twice and 3 once, of three; Useful: 4 once, of one.
    assert frame[["row", "answer", "label", "answers", "share"]].values.tolist() == [
        ["清楚", 3, scale[2], 1, 1 / 3],
        ["清楚", 5, scale[4], 2, 2 / 3],
        ["有用", 4, scale[3], 1, 1.0],
    ]
    store.dispose()


def _both(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


ALIKE = {
    "slug": "alike",
    "title": _both("相似", "Alike"),
    "languages": ["zh-CN", "en"],  # Chinese first: a reader who names no language still reads English
    "questions": [
        {"id": "nps", "type": "nps", "text": _both("推荐吗？", "Recommend?")},
        {"id": "again", "type": "nps", "text": _both("再推荐吗？", "Again?")},  # a second question of one type
        {
            "id": "pick",
            "type": "choice",
            "text": _both("选一个", "Pick"),
            "options": [{"id": "a", "label": _both("甲", "A")}, {"id": "b", "label": _both("乙", "B")}],
        },
        {
            "id": "skipped",
            "type": "choice",
            "text": _both("没人答", "Nobody"),
            "options": [{"id": "x", "label": _both("丙", "X")}, {"id": "y", "label": _both("丁", "Y")}],
        },
        {"id": "sat", "type": "csat", "text": _both("满意吗？", "Satisfied?")},  # nobody answers it
        {
            "id": "grid",
            "type": "matrix",
            "text": _both("同意吗？", "Agree?"),
            "rows": [{"id": "r1", "label": _both("一", "One")}, {"id": "r2", "label": _both("二", "Two")}],
        },
    ],
}
ALIKE_ANSWERS = [  # the two anonymous answers share one member (NULL) yet differ in one column each
    (None, t(2025, 3, 2, 9), {"nps": 9, "again": 0, "pick": "a", "grid": {"r1": 5, "r2": 5}}),  # week of 24 Feb
    (None, t(2025, 3, 4, 9), {"nps": 10, "pick": "b"}),  # week of 3 March
    ("gina", t(2025, 3, 5, 9), {"nps": 6}),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def alike(request, tmp_path, new_postgres_database) -> Iterator[AppStore]:
    """ALIKE answered as ALIKE_ANSWERS, on each app engine."""
    store = new_migrated_store(request.param, tmp_path, new_postgres_database, "alike")
    registry.register(store, parse_definition(ALIKE, where="alike"), timezone="UTC", now=t(2025, 2, 1))
    add_responses(store, registry.load_survey(store, "alike"), ALIKE_ANSWERS, prefix="alike")
    yield store
    store.dispose()


def test_answers_alike_but_for_one_column_are_counted_apart_in_english_by_default(alike, duckdb_warehouse):
    """Every answer counted under its own question, value and week, though the two anonymous answers
    share a member; a question nobody answered shows every point at 0 answers and a share of 0; a reader
    who names no language reads the English labels of a survey written first in Chinese."""
    versions = registry.load_versions(alike, "alike")
    found = survey_results(app_store=alike, warehouse=duckdb_warehouse, versions=versions, filters=P)
    # Week of 24 Feb: 9 and 0 (one promoter, one detractor); week of 3 March: 10 and gina's 6.
    # Each week: p = d = 1/2, NPS 0, margin 196 x sqrt((1/2 + 1/2 - 0) / 2).
    assert found.trend["week"].tolist() == [date(2025, 2, 24), date(2025, 3, 3)]
    assert found.trend[["nps", "answers"]].values.tolist() == [[0.0, 2], [0.0, 2]]
    assert found.trend["margin"].tolist() == [pytest.approx(196 * math.sqrt(1 / 2))] * 2
    by_id = {question.id: frame for question, frame in found.questions}
    records = {key: frame.to_dict("records") for key, frame in by_id.items()}

    def scale(given: dict[int, int], total: int, high: int, low: int = 0) -> list[dict]:
        return [
            {
                "answer": n,
                "label": str(n),
                "answers": given.get(n, 0),
                "share": given.get(n, 0) / total if total else 0.0,
            }
            for n in range(low, high + 1)
        ]

    assert records["nps"] == scale({9: 1, 10: 1, 6: 1}, 3, 10)  # not "again"'s 0
    assert records["again"] == scale({0: 1}, 1, 10)
    assert records["sat"] == scale({}, 0, 5, low=1)
    assert by_id["sat"]["answers"].dtype.kind == "i"  # whole counts, shown without ".0"
    assert records["pick"] == [
        {"answer": "a", "label": "A", "answers": 1, "share": 0.5},
        {"answer": "b", "label": "B", "answers": 1, "share": 0.5},
    ]
    assert records["skipped"] == [
        {"answer": "x", "label": "X", "answers": 0, "share": 0.0},
        {"answer": "y", "label": "Y", "answers": 0, "share": 0.0},
    ]
    assert records["grid"] == [
        {"row": "One", "answer": 5.0, "label": "Strongly agree", "answers": 1, "share": 1.0},
        {"row": "Two", "answer": 5.0, "label": "Strongly agree", "answers": 1, "share": 1.0},
    ]
    counts = pd.DataFrame(
        {"question_id": ["pick"], "question_type": ["choice"], "value_num": [None], "value_text": ["b"], "answers": [2]}
    )
    pick = next(question for question, _ in found.questions if question.id == "pick")
    assert question_result(pick, counts)["label"].tolist() == ["A", "B"]


def test_a_period_nobody_answered_keeps_the_trend_and_breakdown_columns(alike, duckdb_warehouse):
    versions = registry.load_versions(alike, "alike")
    found = survey_results(app_store=alike, warehouse=duckdb_warehouse, versions=versions, filters=P.previous())
    assert (found.summary.responses, found.summary.nps) == (0, None)
    assert (found.trend.empty, list(found.trend.columns)) == (True, ["week", "nps", "margin", "answers"])
    for dimension, frame in found.breakdowns.items():
        assert (frame.empty, list(frame.columns)) == (True, ["group", "respondents", "nps", "nps_margin", "csat"]), (
            dimension
        )


def test_respondents_without_a_channel_are_one_group_of_their_own():
    """A breakdown by channel: ann (forum, 10) and two without a channel (bo 9 over two weeks' rows,
    cy 0); bo is one respondent though two rows; the anonymous 0 is left out."""
    columns = ["person_id", *SCORE_COLUMNS]
    zeros = dict.fromkeys(SCORE_COLUMNS[3:], 0)
    counts = pd.DataFrame(
        [
            {"person_id": "ann", "nps_answers": 1, "promoters": 1, "detractors": 0, **zeros},
            {"person_id": "bo", "nps_answers": 1, "promoters": 1, "detractors": 0, **zeros},
            {"person_id": "bo", "nps_answers": 1, "promoters": 1, "detractors": 0, **zeros},
            {"person_id": "cy", "nps_answers": 1, "promoters": 0, "detractors": 1, **zeros},
            {"person_id": None, "nps_answers": 1, "promoters": 0, "detractors": 1, **zeros},
        ],
        columns=columns,
    )
    profiles = pd.DataFrame({"member_id": ["ann", "bo", "cy"], "channel": ["forum", None, None]})
    found = breakdown(counts, profiles, dimension="channel")
    found = found.astype(object).where(found.notna(), None)
    # No channel: 3 answers, 2 promoters, 1 detractor: NPS 100/3, variance 2/3 + 1/3 - 1/9 = 8/9.
    assert found.values.tolist() == [
        ["forum", 1, 100.0, 0.0, None],
        ["—", 2, pytest.approx(100 / 3), pytest.approx(196 * math.sqrt(8 / 9 / 3)), None],
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path) -> Iterator[AppStore]:
    """An empty, migrated app store on each engine."""
    factory = request.getfixturevalue("new_postgres_database") if request.param == "postgresql" else None
    store = new_migrated_store(request.param, tmp_path, factory)
    yield store
    store.dispose()


TEXTS = [  # written in the reverse of their ids' order
    {"id": "zone", "type": "short_text", "text": "Zone?"},
    {"id": "why", "type": "long_text", "text": "Why?"},
    {"id": "city", "type": "short_text", "text": "City?"},
    {"id": "area", "type": "short_text", "text": "Area?"},
]


def test_the_surveys_are_listed_by_slug_whatever_order_they_were_written_in(any_store):
    # Written c, b, a, then a second version of c (reworded): listed a, b, c with c's newest version.
    for slug, title in (("c-talk", "C"), ("b-talk", "B"), ("a-talk", "A"), ("c-talk", "C, reworded")):
        definition = {"slug": slug, "title": title, "questions": TEXTS}
        registry.register(any_store, parse_definition(definition, where=slug), timezone="UTC", now=t(2025, 2, 1))
    table = survey_table(app_store=any_store, now=t(2025, 3, 1))
    assert table[["slug", "version", "title"]].values.tolist() == [
        ["a-talk", 1, "A"],
        ["b-talk", 1, "B"],
        ["c-talk", 2, "C, reworded"],
    ]


def test_free_text_of_one_moment_comes_by_question(any_store):
    # At 12:00 on 2 March: alice's response (written first) answers zone and why, bob's city and area,
    # each written in the reverse of its ids' order. Of one moment, the texts come by question.
    registry.register(
        any_store,
        parse_definition({"slug": "talk", "title": "talk", "questions": TEXTS}, where="talk"),
        timezone="UTC",
        now=t(2025, 2, 1),
    )
    given = [
        ("alice", t(2025, 3, 2, 12), {"zone": "North", "why": "Great"}),
        ("bob", t(2025, 3, 2, 12), {"city": "Lyon", "area": "Centre"}),
    ]
    add_responses(any_store, registry.load_survey(any_store, "talk"), given, prefix="t-")
    rows = any_store.run(free_text_query(slug="talk", filters=P))
    assert rows[["member_id", "question_id", "text"]].values.tolist() == [
        ["bob", "area", "Centre"],
        ["bob", "city", "Lyon"],
        ["alice", "why", "Great"],
        ["alice", "zone", "North"],
    ]


def test_free_text_keeps_the_newest_five_hundred(tmp_path):
    # 501 answers to "why", one a minute from 00:00 on 2 March: the oldest (m000's) is left out.
    store = migrated_store(tmp_path / "app.db")
    why = [{"id": "why", "type": "long_text", "text": "Why?"}]
    registry.register(
        store,
        parse_definition({"slug": "talk", "title": "talk", "questions": why}, where="talk"),
        timezone="UTC",
        now=t(2025, 2, 1),
    )
    given = [(f"m{n:03}", t(2025, 3, 2) + timedelta(minutes=n), {"why": f"w{n}"}) for n in range(501)]
    add_responses(store, registry.load_survey(store, "talk"), given, prefix="w-")
    rows = store.run(free_text_query(slug="talk", filters=P))
    store.dispose()
    assert (len(rows), rows["member_id"].iloc[0], rows["member_id"].iloc[-1]) == (500, "m500", "m001")
