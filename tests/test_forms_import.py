"""Google Forms responses (CSV export or responses sheet) imported as a survey's responses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import cli
from data_sources.errors import InvalidData
from data_sources.files import read_csv_table, read_export
from data_sources.sheets import fetch_worksheet, open_spreadsheet
from data_sources.validate import Parsing
from feedback import workflow
from feedback.intake import NewFeedback, record
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import parse_definition
from surveys.forms_import import import_responses, undo_forms_import
from tests import boundaries
from tests.conftest import fixture_warehouse, migrated_store
from tests.sheets_server import local_client, sheets_server

NOW = datetime(2026, 3, 10, 12)
DEFINITION = {
    "slug": "meetup",
    "title": "Meetup",
    "languages": ["en", "zh"],
    "questions": [
        {"id": "nps", "type": "nps", "text": {"en": "How likely are you to recommend us?", "zh": "推荐吗？"}},
        {
            "id": "part",
            "type": "choice",
            "other": True,
            "text": {"en": "Which part was most useful?", "zh": "哪个环节最有用？"},
            "options": [
                {"id": "talks", "label": {"en": "Talks", "zh": "演讲"}},
                {"id": "food", "label": {"en": "Food, drinks", "zh": "餐饮"}},
            ],
        },
        {
            "id": "where",
            "type": "multi",
            "text": {"en": "Where do you take part?", "zh": "在哪里参与？"},
            "options": [
                {"id": "forum", "label": {"en": "Forum", "zh": "论坛"}},
                {"id": "docs", "label": {"en": "Docs, tutorials", "zh": "文档"}},
                {"id": "chat", "label": {"en": "Chat", "zh": "聊天"}},
            ],
        },
        {"id": "again", "type": "yes_no", "text": {"en": "Would you come again?", "zh": "还会来吗？"}},
        {
            "id": "agree",
            "type": "matrix",
            "text": {"en": "How much do you agree?", "zh": "同意吗？"},
            "rows": [
                {"id": "welcome", "label": {"en": "I feel welcome", "zh": "受欢迎"}},
                {"id": "learn", "label": {"en": "I learn things", "zh": "有收获"}},
            ],
        },
        {
            "id": "why",
            "type": "long_text",
            "feedback": True,
            "text": {"en": "What should we change?", "zh": "要改什么？"},
        },
    ],
}
HEADER = (
    "Timestamp,Email Address,How likely are you to recommend us?,Which part was most useful?,"
    "Where do you take part?,Would you come again?,How much do you agree? [I feel welcome],"
    "How much do you agree? [I learn things],What should we change?,Score\n"
)
ROWS = (
    '3/5/2026 14:03:22,ALICE@example.org,9,"Food, drinks","Forum, Docs, tutorials",Yes,Agree,Strongly agree,'
    '"More <b>food</b>\nand longer breaks",\n'
    "3/6/2026 9:00:00,nobody@example.org,3,The venue,Chat,No,Disagree,,,\n"
)


@pytest.fixture
def stored(tmp_path) -> registry.StoredSurvey:
    store = migrated_store(tmp_path / "app.db")
    registry.register(store, parse_definition(DEFINITION, where="meetup.yaml"), timezone="UTC", now=NOW)
    yield store, registry.load_survey(store, "meetup")
    store.dispose()


def export(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Meetup (Responses).csv"
    path.write_text(text, encoding="utf-8")
    return path


def answers_of(store: AppStore) -> dict[tuple[str | None, str], tuple]:
    query = sa.select(
        tables.responses.c.member_id,
        tables.answers.c.question_id,
        tables.answers.c.value_num,
        tables.answers.c.value_text,
    ).join(tables.answers, tables.answers.c.response_id == tables.responses.c.id)
    return {
        (row.member_id if isinstance(row.member_id, str) else None, row.question_id): (row.value_num, row.value_text)
        for row in store.run(query).itertuples()
    }


def test_a_forms_export_becomes_responses_with_members_answers_and_inbox_items(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    raw = read_csv_table(export(tmp_path, HEADER + ROWS), name="responses")
    result = import_responses(
        store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(timezone="Asia/Shanghai"), now=NOW
    )
    assert (result.added, result.already_there) == (2, 0)
    assert result.warnings == [
        "Meetup (Responses).csv: columns matching no question were left out: Score",
        "Meetup (Responses).csv: 1 addresses match no member; their responses are kept without one",
    ]
    responses = store.run(sa.select(tables.responses).order_by(tables.responses.c.submitted_at))
    assert responses["member_id"].tolist()[0] == "alice"  # found by email, case aside
    assert responses["member_id"].isna().tolist() == [False, True]
    assert str(responses["submitted_at"].iloc[0]) == "2026-03-05 06:03:22"  # Shanghai time in UTC
    assert responses["started_at"].tolist() == responses["submitted_at"].tolist()  # a form tells no start
    assert set(responses["source"]) == {"google_forms"}
    answers = answers_of(store)
    assert answers[("alice", "nps")][0] == 9
    assert answers[("alice", "part")][1] == "food"  # the label with a comma is one option
    assert answers[("alice", "where")] == (2, '["docs", "forum"]')  # "Docs, tutorials" is one option
    assert answers[("alice", "agree.welcome")][0] == 4 and answers[("alice", "agree.learn")][0] == 5
    assert answers[("alice", "again")][0] == 1
    assert answers[(None, "part.other")][1] == "The venue"  # no option matched: the "other" text
    feedback = store.run(sa.select(tables.feedback.c.text, tables.feedback.c.member_id, tables.feedback.c.score))
    assert feedback.values.tolist() == [["More <b>food</b>\nand longer breaks", "alice", 9.0]]


def test_importing_the_same_export_again_stores_nothing_twice(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    raw = read_csv_table(export(tmp_path, HEADER + ROWS), name="responses")
    import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)
    again = import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)
    assert (again.added, again.already_there) == (0, 2)
    assert len(store.run(sa.select(tables.responses))) == 2


def test_a_bad_answer_is_located_and_nothing_is_stored(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    bad = ROWS.replace(",9,", ",11,").replace("Chat,No", "Chat,Maybe").replace(",Disagree,", ",Meh,")
    raw = read_csv_table(export(tmp_path, HEADER + bad), name="responses")
    with pytest.raises(InvalidData) as raised:
        import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)
    assert str(raised.value).splitlines() == [
        "Meetup (Responses).csv, row 2, column How likely are you to recommend us?: '11' is not a number from 0 to 10",
        "Meetup (Responses).csv, row 3, column How much do you agree? [I feel welcome]: "
        "'Meh' is not a point of the scale",
        "Meetup (Responses).csv, row 3, column Would you come again?: 'Maybe' is not Yes or No",
        "Meetup (Responses).csv: columns matching no question (left out): Score",  # shown with the refusal too
    ]
    assert store.run(sa.select(tables.responses)).empty


def test_columns_can_be_mapped_to_questions_by_hand(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    raw = read_csv_table(export(tmp_path, "Timestamp,Q1,Q1 why\n2026-03-05 10:00,10,Great\n"), name="responses")
    with pytest.raises(InvalidData, match="column Q1 why: is mapped to 'reason', not a question of meetup"):
        import_responses(
            store,
            duckdb_warehouse,
            stored=survey,
            raw=raw,
            explicit={"Q1": "nps", "Q1 why": "reason"},
            parsing=Parsing(),
            now=NOW,
        )
    result = import_responses(
        store,
        duckdb_warehouse,
        stored=survey,
        raw=raw,
        explicit={"Q1": "nps", "Q1 why": "why"},
        parsing=Parsing(),
        now=NOW,
    )
    assert result.added == 1
    assert answers_of(store)[(None, "nps")][0] == 10


def test_an_export_without_a_timestamp_is_refused(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    raw = read_csv_table(export(tmp_path, "How likely are you to recommend us?\n9\n"), name="responses")
    with pytest.raises(InvalidData, match="has no Timestamp column"):
        import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)


def test_a_responses_sheet_is_read_as_values_in_the_sheets_time_zone(stored, duckdb_warehouse):
    store, survey = stored
    header = HEADER.strip().split(",")
    with sheets_server() as server:
        book = server.add(
            "forms1",
            "Meetup (Responses)",
            Form_Responses_1=[header, [datetime(2026, 3, 5, 14, 3, 22), "", 8, "Talks", "Chat", "Yes"]],
        )
        book.locale, book.time_zone = "zh_CN", "Asia/Shanghai"
        book.hidden = {"Form Responses 1": {2: "user"}}
        spreadsheet = open_spreadsheet(local_client(server), "forms1")
        raw = fetch_worksheet(spreadsheet, title="Form Responses 1", table="responses")
        shown = [query.get("dateTimeRenderOption") for query in server.params("/values/'Form Responses 1'!2:51")]
    assert shown == [["FORMATTED_STRING"]]  # how the Timestamp column is told from a number column
    result = import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)
    assert (result.added, result.warnings) == (
        1,
        [
            "sheet 'Form Responses 1': row 2 is hidden in the sheet; it was read all the same",
            "sheet 'Form Responses 1': columns matching no question were left out: Score",
        ],
    )
    assert answers_of(store)[(None, "nps")][0] == 8
    submitted = store.run(sa.select(tables.responses.c.submitted_at)).iloc[0, 0]
    assert str(submitted) == "2026-03-05 06:03:22"  # 14:03:22 in Shanghai


def test_cli_imports_a_forms_export(configured, tmp_path, capsys):
    path = export(tmp_path, "Timestamp,Q1\n2026-03-05 10:00,10\n")
    assert cli.main(["init"]) == 0
    assert cli.main(["survey", "import", "post-event", "--file", str(path), "--map", "Q1=nps"]) == 0
    assert "Import 1 into post-event: 1 responses added, 0 updated, 0 there already" in capsys.readouterr().out
    assert cli.main(["survey", "import", "post-event", "--file", str(path), "--map", "Q1=nps"]) == 0
    assert "Import 2 into post-event: 0 responses added, 0 updated, 1 there already" in capsys.readouterr().out


FIXTURES = Path(__file__).resolve().parent / "data" / "imports"


def responses_of(store: AppStore) -> list[tuple]:
    query = sa.select(tables.responses.c.submitted_at, tables.responses.c.member_id, tables.responses.c.import_batch)
    rows = store.run(query.order_by(tables.responses.c.id)).astype(object)
    return [tuple(None if pd.isna(value) else value for value in row) for row in rows.itertuples(index=False)]


def forms_workbook(tmp_path: Path, rows: list[list]) -> Path:
    """The form's .xlsx download: the header, then rows as Google writes them (times as date-times
    with milliseconds, or as serial numbers where a sheet was re-saved)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Form Responses 1"
    sheet.append(HEADER.strip().split(","))
    for row in rows:
        sheet.append(row)
    path = tmp_path / "Meetup (Responses).xlsx"
    book.save(path)
    return path


def serial(moment: datetime) -> float:
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86_400


def test_the_same_responses_from_csv_and_xlsx_are_recognised_as_the_same(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    first = import_responses(
        store,
        duckdb_warehouse,
        stored=survey,
        raw=read_export(export(tmp_path, HEADER + ROWS), name="responses"),
        parsing=Parsing(),
        now=NOW,
    )
    assert first.added == 2
    rows = [
        [
            *(datetime(2026, 3, 5, 14, 3, 22, 734000), "ALICE@example.org", 9, "Food, drinks"),
            *("Forum, Docs, tutorials", "Yes", "Agree", "Strongly agree", "More <b>food</b>\nand longer breaks"),
        ],
        [serial(datetime(2026, 3, 6, 9, 0, 0)), "nobody@example.org", 3, "The venue", "Chat", "No", "Disagree"],
    ]
    raw = read_export(forms_workbook(tmp_path, rows), name="responses")
    assert raw.file == "Meetup (Responses).xlsx [Form Responses 1]"
    again = import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)
    assert (again.added, again.updated, again.already_there) == (0, 0, 2)
    assert [(str(when), member) for when, member, _ in responses_of(store)] == [
        ("2026-03-05 14:03:22", "alice"),
        ("2026-03-06 09:00:00", None),
    ]


def test_changing_the_mapping_updates_the_responses_and_an_import_is_undone_whole(stored, duckdb_warehouse, tmp_path):
    store, survey = stored
    raw = read_export(export(tmp_path, "Timestamp,Q1,Q2\n2026-03-05 10:00:00,10,Great talks\n"), name="responses")

    def run(mapping: dict[str, str]):
        return import_responses(
            store, duckdb_warehouse, stored=survey, raw=raw, explicit=mapping, parsing=Parsing(), now=NOW
        )

    assert (run({"Q1": "nps"}).added, len(store.run(sa.select(tables.feedback)))) == (1, 0)
    second = run({"Q1": "nps", "Q2": "why"})  # the text column mapped too: the same response, updated
    assert (second.added, second.updated, second.already_there) == (0, 1, 0)
    assert [batch for _, _, batch in responses_of(store)] == [second.batch]
    answers = answers_of(store)
    assert (set(answers), answers[(None, "nps")][0], answers[(None, "why")][1]) == (
        {(None, "nps"), (None, "why")},
        10,
        "Great talks",
    )
    feedback = store.run(sa.select(tables.feedback.c.id, tables.feedback.c.text))
    assert feedback["text"].tolist() == ["Great talks"]
    third = run({"Q1": "nps", "Q2": "why"})  # nothing changed: nothing written
    assert (third.added, third.updated, third.already_there) == (0, 0, 1)
    assert store.run(sa.select(tables.feedback.c.id))["id"].tolist() == feedback["id"].tolist()  # kept, not re-added
    assert undo_forms_import(store, second.batch, now=NOW) == 1
    assert responses_of(store) == [] and store.run(sa.select(tables.answers)).empty
    assert store.run(sa.select(tables.feedback)).empty and store.run(sa.select(tables.feedback_events)).empty
    assert undo_forms_import(store, second.batch, now=NOW) == 0  # undone once only
    back = run({"Q1": "nps"})
    assert back.added == 1  # and importing again brings it back: a new response, of this import
    assert undo_forms_import(store, back.batch, now=NOW) == 1 and responses_of(store) == []


def test_undoing_a_forms_import_reopens_an_item_merged_into_one_of_its_answers(stored, duckdb_warehouse, tmp_path):
    """The import's written answer leaves the inbox; a manager's item merged into it stands alone
    again, open (triaged: it was new), with who undid it in its history (feedback.workflow)."""
    store, survey = stored
    raw = read_export(export(tmp_path, "Timestamp,Q1,Q2\n2026-03-05 10:00:00,10,Great talks\n"), name="responses")
    run = import_responses(
        store, duckdb_warehouse, stored=survey, raw=raw, explicit={"Q1": "nps", "Q2": "why"}, parsing=Parsing(), now=NOW
    )
    (answer,) = store.run(sa.select(tables.feedback.c.id))["id"].tolist()
    mine = record(store, NewFeedback(source="manual", text="Loved the talks", created_at=NOW), actor="ana", now=NOW)
    workflow.save(store, [workflow.Edit(mine, 1, {"duplicate_of": answer})], actor="ana", now=NOW)
    assert undo_forms_import(store, run.batch, now=NOW, actor="bo") == 1
    items = store.run(sa.select(tables.feedback.c.id, tables.feedback.c.status, tables.feedback.c.duplicate_of))
    assert items.astype(object).where(items.notna(), None).values.tolist() == [[mine, "triaged", None]]
    events = tables.feedback_events
    last = store.run(
        sa.select(events.c.actor, events.c.field).where(events.c.feedback_id == mine).order_by(events.c.id)
    )
    assert last.values.tolist()[-2:] == [["bo", "status"], ["bo", "original_removed"]]


def test_a_response_read_again_takes_its_member_and_version_and_drops_a_text_no_longer_answered(
    stored, duckdb_warehouse, tmp_path
):
    store, survey = stored
    raw = read_export(
        export(tmp_path, "Timestamp,Email Address,Q1,Q2\n2026-03-05 10:00:00,alice@example.org,10,Great talks\n"),
        name="responses",
    )
    # First read against a community without alice (the boundary one): the response has no member.
    elsewhere = fixture_warehouse("duckdb", tmp_path / "elsewhere", "boundaries", boundaries.frames, None)
    first = import_responses(
        store, elsewhere, stored=survey, raw=raw, explicit={"Q1": "nps", "Q2": "why"}, parsing=Parsing(), now=NOW
    )
    elsewhere.dispose()
    assert store.run(sa.select(tables.feedback.c.text))["text"].tolist() == ["Great talks"]
    registry.register(
        store,
        parse_definition({**DEFINITION, "title": "Meetup, reworded"}, where="meetup.yaml"),
        timezone="UTC",
        now=NOW,
    )
    newer = registry.load_survey(store, "meetup")
    # Read again under version 2, in the community that knows alice, without the text column.
    again = import_responses(
        store, duckdb_warehouse, stored=newer, raw=raw, explicit={"Q1": "nps"}, parsing=Parsing(), now=NOW
    )
    assert (first.added, again.added, again.updated) == (1, 0, 1)
    response = store.run(sa.select(tables.responses.c.survey_id, tables.responses.c.member_id)).values.tolist()
    assert (newer.version, response) == (2, [[newer.id, "alice"]])
    assert set(answers_of(store)) == {("alice", "nps")}
    assert store.run(sa.select(tables.feedback)).empty  # the text no longer answered leaves the inbox


SPANISH = {
    "slug": "encuentro",
    "title": "Encuentro",
    "languages": ["en", "es"],
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "text": {"en": "How likely are you to recommend us?", "es": "¿Nos recomendarías?"},
        },
        {
            "id": "why",
            "type": "long_text",
            "feedback": True,
            "text": {"en": "What to change?", "es": "¿Qué cambiarías?"},
        },
        {"id": "more", "type": "long_text", "feedback": True, "text": {"en": "Anything else?", "es": "¿Algo más?"}},
    ],
}


def test_a_response_read_again_in_another_language_has_its_texts_read_in_it(duckdb_warehouse, tmp_path):
    store = migrated_store(tmp_path / "app.db")
    registry.register(store, parse_definition(SPANISH, where="encuentro.yaml"), timezone="UTC", now=NOW)
    survey = registry.load_survey(store, "encuentro")
    english = "Timestamp,Email Address,How likely are you to recommend us?,What to change?,Anything else?\n"
    spanish = "Timestamp,Email Address,¿Nos recomendarías?,¿Qué cambiarías?,¿Algo más?\n"
    alice, bob = "2026-03-05 10:00:00,alice@example.org,9,Genial", "2026-03-06 10:00:00,bob@example.org,8,Genial"

    def read(text: str) -> list[list]:
        """Import the form's download `text`; the inbox after: (item, member, question, language, sentiment)."""
        path = tmp_path / "Encuentro.csv"
        path.write_text(text, encoding="utf-8")
        raw = read_export(path, name="responses")
        import_responses(store, duckdb_warehouse, stored=survey, raw=raw, parsing=Parsing(), now=NOW)
        feedback = tables.feedback
        query = sa.select(feedback.c.id, feedback.c.member_id, feedback.c.question_id, feedback.c.language)
        rows = store.run(query.add_columns(feedback.c.sentiment).order_by(feedback.c.member_id, feedback.c.question_id))
        return rows.astype(object).where(rows.notna(), None).values.tolist()

    # "Genial" says nothing of its language: as English, VADER scores it 0.4215; as the Spanish it was
    # answered in, it is not scored (no model). Read first from the English form:
    first = read(english + f"{alice},\n{bob},\n")
    (alice_why, *_), (bob_why, *_) = first
    assert first == [[alice_why, "alice", "why", "en", 0.4215], [bob_why, "bob", "why", "en", 0.4215]]
    # alice's response again, from the Spanish form, with a second answer: her kept item is read again
    # in Spanish, the new one is hers and Spanish; bob's, not in this download, is not read again.
    second = read(spanish + f"{alice},Genial\n")
    alice_more = second[0][0]
    assert second == [
        [alice_more, "alice", "more", "es", None],
        [alice_why, "alice", "why", "es", None],
        [bob_why, "bob", "why", "en", 0.4215],
    ]
    # And from the English form again: both of hers are English and scored once more.
    assert read(english + f"{alice},Genial\n") == [
        [alice_more, "alice", "more", "en", 0.4215],
        [alice_why, "alice", "why", "en", 0.4215],
        [bob_why, "bob", "why", "en", 0.4215],
    ]
    store.dispose()


def refusal(stored, warehouse, raw, mapping: dict[str, str]) -> list[str]:
    """The lines of the refusal an import with this mapping meets."""
    store, survey = stored
    with pytest.raises(InvalidData) as refused:
        import_responses(store, warehouse, stored=survey, raw=raw, explicit=mapping, parsing=Parsing(), now=NOW)
    return str(refused.value).splitlines()


def test_a_repeated_header_is_named_by_its_letter_and_mapped_by_it(stored, duckdb_warehouse):
    store, survey = stored
    raw = read_export(FIXTURES / "forms_repeated_header.csv", name="responses")
    assert list(raw.frame.columns)[3:6] == [
        "D: Which part was most useful?",
        "What should we change?",
        "F: Which part was most useful?",
    ]
    assert refusal(stored, duckdb_warehouse, raw, {"Which part was most useful?": "part"})[0] == (
        "forms_repeated_header.csv, column Which part was most useful?: appears more than once (columns D, F); "
        "map each column by its letter instead, e.g. D=part"
    )
    assert responses_of(store) == []
    result = import_responses(
        store, duckdb_warehouse, stored=survey, raw=raw, explicit={"D": "part"}, parsing=Parsing(), now=NOW
    )
    # Row 3 holds only a timestamp: skipped and counted, not a completed response with no answers.
    assert (result.added, result.empty) == (3, 1)
    assert "forms_repeated_header.csv: 1 rows answer no question (a timestamp only) and were skipped" in result.warnings
    assert (
        "forms_repeated_header.csv: columns matching no question were left out: F: Which part was most useful?, Score"
        in result.warnings
    )
    assert answers_of(store)[("alice", "part")][1] == "talks"  # column D's answer, not F's "Food"
    # Two anonymous responses in the same second are two responses.
    assert [str(when) for when, _, _ in responses_of(store)][1:] == ["2026-03-06 09:00:00"] * 2


def test_a_mistyped_map_header_is_refused_naming_the_closest(stored, duckdb_warehouse, tmp_path):
    store, _ = stored
    raw = read_export(export(tmp_path, "Timestamp,Recommend (0-10)\n2026-03-05 10:00:00,10\n"), name="responses")
    assert refusal(stored, duckdb_warehouse, raw, {"Recomend (0-10)": "nps"}) == [
        "Meetup (Responses).csv, column Recomend (0-10): no column has this header; the closest: Recommend (0-10)",
        "Meetup (Responses).csv: columns matching no question (left out): Recommend (0-10)",
    ]
    assert responses_of(store) == []


def test_cli_dry_run_shows_what_maps_and_stores_nothing(configured, tmp_path, capsys):
    path = export(tmp_path, "Timestamp,Q1\n2026-03-05 10:00,10\n2026-03-05 11:00,12\n2026-03-05 12:00,\n")
    assert cli.main(["init"]) == 0
    capsys.readouterr()
    assert cli.main(["survey", "import", "post-event", "--file", str(path), "--map", "Q1=nps", "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[1].split() == ["Q1", "nps", "1", "1"]  # one answer maps, one is refused
    assert "    1 × '12' is not a number from 0 to 10" in out
    assert "Responses to store: 1; empty rows (a timestamp only) to skip: 1." in out
    assert "Dry run: nothing was stored." in out
    assert "problem: Meetup (Responses).csv, row 3, column Q1: '12' is not a number from 0 to 10" in err
    assert cli.main(["survey", "import", "post-event", "--file", str(path), "--map", "Q 1=nps"]) == 1
    assert "column Q 1: no column has this header; the closest: Q1" in capsys.readouterr().err
