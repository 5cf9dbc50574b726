"""What happens when feedback arrives: sentiment, language and theme; and imports from files."""

from __future__ import annotations

import io
from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from errors import in_language
from feedback import importer, inbox, intake, workflow
from feedback.importer import ImportFailed, import_feedback, undo_feedback_import
from feedback.intake import KEY_BATCH, NewFeedback, add_feedback, enrichment, record, remove_feedback
from feedback.sentiment import label_of, language_of, sentiment_of
from feedback.themes import suggest_theme
from store import tables
from store.database import AppStore
from tests.conftest import migrated_store

NOW = datetime(2026, 11, 23, 12, 0)

# Sentiment and themes against the labelled set, and the cases the rules exist for, are in
# tests/test_feedback_sentiment.py.


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hello", "en"),
        ("你好", "zh"),
        ("活动很好 but the audio", "zh"),
        ("PR #42 合并了", "zh"),
        ("", "en"),
        ("42", "en"),
    ],
)
def test_language_is_chinese_when_han_characters_are_a_fifth_of_the_letters(text, language):
    assert language_of(text) == language


def test_empty_text_is_neutral():
    assert sentiment_of("   ", "en") == 0.0
    assert label_of(0.0) == "neutral"
    assert label_of(None) is None


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Hard to find answers with the forum search.", "search"),  # search 2 keywords, support 1
        ("I asked for help twice and nobody replied.", "support"),
        ("Too many promotional posts lately.", "moderation"),
        ("The webinar started late", "events"),
        ("Meetups in Berlin please", "events"),  # plural of a keyword
        ("The site keeps crashing", "performance"),
        ("最近广告帖子太多了。", "moderation"),
        ("希望有更多面向新手的教程。", "content"),  # content and onboarding tie: the first listed wins
        ("Please add a dark mode", None),
        ("researching", None),  # whole words only: "search" inside another word does not count
    ],
)
def test_themes_are_suggested_from_keywords(text, theme):
    assert suggest_theme(text) == theme


def test_a_texts_enrichment_is_shared_by_the_cache_and_no_caller_can_change_it():
    text = "The meetup was excellent: practical talks and friendly people."
    first = enrichment(text)
    assert (first.language, first.suggested_theme) == ("en", "events")
    assert first.sentiment == sentiment_of(text, "en")
    with pytest.raises(FrozenInstanceError):
        first.suggested_theme = "docs"
    assert enrichment(text) is first


@pytest.fixture
def store(tmp_path):
    app_store = migrated_store(tmp_path / "app.db")
    yield app_store
    app_store.dispose()


def stored(store: AppStore) -> pd.DataFrame:
    return store.run(tables.feedback.select().order_by(tables.feedback.c.id))


CSV = (
    "Created_At , Text,email,member_id,score,source\r\n"
    '2026-11-20 14:03,"Search is hard,\r\nreally hard",alice@example.org,,3,forum\r\n'
    "2026-11-21T08:00:00+08:00,论坛搜索很难找到答案。,,bob,,\r\n"
    "2026/11/22 9:30,Great meetup thank you,nobody@example.org,,10,\r\n"
    ",,,,,\r\n"
)


def do_import(store, warehouse, name: str, content: bytes, timezone: str = "Europe/Berlin"):
    return import_feedback(
        store, warehouse, name=name, content=content, default_source="import", timezone=timezone, actor="ana", now=NOW
    )


def test_csv_import_resolves_emails_scores_and_enriches(store, duckdb_warehouse):
    result = do_import(store, duckdb_warehouse, "notes.csv", CSV.encode("utf-8-sig"))
    assert (result.added, result.already_there) == (3, 0)
    assert result.warnings == ["notes.csv: row 4, column email: no member has this address; kept without a member."]
    rows = stored(store)
    assert rows["member_id"].tolist()[:2] == ["alice", "bob"] and pd.isna(rows["member_id"][2])
    assert rows["source"].tolist() == ["forum", "import", "import"]
    assert rows["text"][0] == "Search is hard,\r\nreally hard"
    # Berlin is UTC+1 in November; the explicit +08:00 wins over the community's zone.
    assert rows["created_at"].tolist() == [
        pd.Timestamp(2026, 11, 20, 13, 3),
        pd.Timestamp(2026, 11, 21, 0, 0),
        pd.Timestamp(2026, 11, 22, 8, 30),
    ]
    assert rows["score"].tolist()[::2] == [3.0, 10.0] and rows["score_kind"][0] == "nps"
    assert rows["language"].tolist() == ["en", "zh", "en"]
    assert rows["suggested_theme"].tolist() == ["search", "search", "events"]
    assert [label_of(value) for value in rows["sentiment"]] == ["negative", "negative", "positive"]
    events = store.run(tables.feedback_events.select())
    assert events[["field", "actor", "new_value"]].drop_duplicates().values.tolist() == [
        ["created", "ana", "forum"],
        ["created", "ana", "import"],
    ]


def test_the_same_words_at_the_same_moment_from_two_members_are_two_items(store, duckdb_warehouse):
    same = "created_at,text,member_id\n2026-11-20 14:03,Search is hard,alice\n2026-11-20 14:03,Search is hard,bob\n"
    result = do_import(store, duckdb_warehouse, "twice.csv", same.encode("utf-8"))
    assert (result.added, result.already_there) == (2, 0)
    assert stored(store)["member_id"].tolist() == ["alice", "bob"]


def test_reimporting_the_same_file_adds_nothing(store, duckdb_warehouse):
    do_import(store, duckdb_warehouse, "notes.csv", CSV.encode("utf-8"))
    again = do_import(store, duckdb_warehouse, "notes-copy.csv", CSV.encode("utf-8-sig"))
    assert (again.added, again.already_there) == (0, 3)
    assert len(stored(store)) == 3


def test_rows_repeated_within_a_file_are_one_item(store, duckdb_warehouse):
    content = "created_at,text,member_id\n2026-11-20,Same,alice\n2026-11-20,Same,alice\n2026-11-20,Other,alice\n"
    result = do_import(store, duckdb_warehouse, "twice.csv", content.encode())
    assert (result.added, result.already_there) == (2, 1)


def test_an_imported_item_keeps_its_question_and_leaves_when_its_import_is_undone(store, duckdb_warehouse):
    # A form's export with two questions: each answer is an item tagged with its question.
    form = (
        "Timestamp,What should we change?,What do you like?\n"
        "2026/03/05 14:03:22,More chairs at the meetup please,The talks on search last week\n"
    )
    imported = do_import(store, duckdb_warehouse, "form.csv", form.encode("utf-8"))
    by_hand = record(store, NewFeedback(source="manual", text="Typed in", created_at=NOW), actor="a", now=NOW)
    rows = stored(store).astype(object)
    batches = [None if pd.isna(batch) else batch for batch in rows["import_batch"]]
    assert list(zip(rows["text"], rows["tags"], batches, strict=True)) == [
        ("More chairs at the meetup please", ["What should we change?"], imported.batch),
        ("The talks on search last week", ["What do you like?"], imported.batch),
        ("Typed in", None, None),
    ]
    assert undo_feedback_import(store, imported.batch, now=NOW) == 2
    assert stored(store)["id"].tolist() == [by_hand]


def test_undoing_an_import_reopens_the_items_merged_into_its_items_as_they_were_before(store, duckdb_warehouse):
    # Four items typed in, each merged into one of the import's: one planned first (back to planned),
    # one still new and one resolved first (a duplicate reopens to triaged, planned or in progress:
    # triaged), one whose history does not record its merge (triaged). A fifth, merged into an item
    # typed in, stays merged.
    imported = do_import(store, duckdb_warehouse, "notes.csv", CSV.encode("utf-8"))
    first, second, third = stored(store)["id"].tolist()
    kept = record(store, NewFeedback(source="manual", text="Typed in", created_at=NOW), actor="a", now=NOW)
    planned, new, resolved, unrecorded, copy = (
        record(store, NewFeedback(source="manual", text=f"also {n}", created_at=NOW), actor="a", now=NOW)
        for n in range(5)
    )
    workflow.save(store, [workflow.Edit(planned, 1, {"status": "planned"})], actor="ana", now=NOW)
    workflow.save(store, [workflow.Edit(resolved, 1, {"status": "resolved"})], actor="ana", now=NOW)
    merges = [(planned, 2, first), (new, 1, first), (resolved, 2, second), (unrecorded, 1, third), (copy, 1, kept)]
    workflow.save(store, [workflow.Edit(i, v, {"duplicate_of": o}) for i, v, o in merges], actor="ana", now=NOW)
    events = tables.feedback_events
    with store.begin() as connection:
        connection.execute(events.delete().where(events.c.feedback_id == unrecorded, events.c.field == "status"))
    later = datetime(2026, 11, 24, 9, 0)

    assert undo_feedback_import(store, imported.batch, now=later, actor="bo") == 3

    rows = stored(store).set_index("id").astype(object)
    reopened = [planned, new, resolved, unrecorded]
    assert rows.loc[reopened, "status"].tolist() == ["planned", "triaged", "triaged", "triaged"]
    assert rows.loc[reopened, "version"].tolist() == [4, 3, 4, 3]
    assert rows.loc[reopened, "duplicate_of"].isna().all() and rows.loc[reopened, "closed_at"].isna().all()
    assert (rows.loc[reopened, "updated_at"] == pd.Timestamp(later)).all()
    assert rows.loc[copy, ["status", "duplicate_of", "version"]].tolist() == ["duplicate", kept, 2]
    logged = store.run(
        sa.select(events.c.version, events.c.actor, events.c.at, events.c.field, events.c.old_value, events.c.new_value)
        .where(events.c.feedback_id == planned)
        .order_by(events.c.id)
    ).astype(object)
    assert logged.where(logged.notna(), None).values.tolist()[-2:] == [
        [4, "bo", pd.Timestamp(later), "status", "duplicate", "planned"],
        [4, "bo", pd.Timestamp(later), "original_removed", str(first), None],
    ]
    listed = store.run(inbox.inbox_query(inbox.InboxFilters(), now=later))["id"].tolist()  # the open inbox
    assert sorted(listed) == sorted([kept, *reopened])
    # A manager who loaded the merged item is told what happened to it, in words.
    with pytest.raises(workflow.EditConflict) as refused:
        workflow.save(store, [workflow.Edit(new, 2, {"priority": "high"})], actor="ana", now=later)
    assert f"#{new} status: duplicate → triaged (bo, 2026-11-24 09:00 UTC); " in refused.value.user_message
    assert f"#{new} merged into (original removed): {first} → – (bo, 2026-11-24 09:00 UTC)." in (
        refused.value.user_message
    )


def test_gb18030_csv_from_a_chinese_excel_is_read(store, duckdb_warehouse):
    content = "created_at,text,member_id\n2026-11-20,最近广告帖子太多了。,alice\n".encode("gb18030")
    do_import(store, duckdb_warehouse, "export.csv", content, timezone="Asia/Shanghai")
    rows = stored(store)
    assert rows["text"].tolist() == ["最近广告帖子太多了。"]
    assert rows["created_at"].tolist() == [pd.Timestamp(2026, 11, 19, 16, 0)]


def test_excel_import(store, duckdb_warehouse):
    buffer = io.BytesIO()
    frame = pd.DataFrame({"created_at": ["2026-11-20 10:00"], "text": ["Great docs"], "email": ["Carol@Example.org"]})
    frame.to_excel(buffer, index=False, engine="openpyxl")
    do_import(store, duckdb_warehouse, "feedback.xlsx", buffer.getvalue())
    rows = stored(store)
    assert rows[["member_id", "text"]].values.tolist() == [["carol", "Great docs"]]


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        ("when,text,member_id\n2026-11-20,x,a\n", ["f.csv: column 'created_at' is missing."]),
        ("created_at,text\n2026-11-20,x\n", ["f.csv: a member_id or an email column is needed (cells may be empty)."]),
        (
            "created_at,text,member_id,score\n2026-11-20,ok,a,5\nyesterday,ok,a,\n2026-11-20,,a,11\n",
            [  # row 4's empty text is no problem: a blank answer is skipped and counted
                "f.csv: row 3, column created_at: 'yesterday' is not a date and time.",
                "f.csv: row 4, column score: '11' is not a number from 0 to 10.",
            ],
        ),
    ],
)
def test_a_bad_file_names_every_problem_and_imports_nothing(store, duckdb_warehouse, content, problems):
    with pytest.raises(ImportFailed) as failed:
        do_import(store, duckdb_warehouse, "f.csv", content.encode())
    assert failed.value.problems[: len(problems)] == problems
    assert stored(store).empty


def test_files_other_than_csv_and_xlsx_are_refused(store, duckdb_warehouse):
    with pytest.raises(ImportFailed, match=r"f.json: only .csv and .xlsx files can be imported"):
        do_import(store, duckdb_warehouse, "f.json", b"{}")


def test_text_whose_encoding_cannot_be_told_is_refused():
    with pytest.raises(ImportFailed, match="is not UTF-8 text"):
        importer.read_table("f.csv", b"created_at,text\n\x80\xff\xfe")


def test_cli_imports_once_and_names_problems(configured, tmp_path, capsys):
    import cli

    good = tmp_path / "notes.csv"
    good.write_text("created_at,text,email\n2026-11-20 10:00,Search is hard,alice@example.org\n", encoding="utf-8")
    assert cli.main(["feedback", "import", str(good), "--source", "forum"]) == 0
    assert cli.main(["feedback", "import", str(good)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Imported 1 new feedback items; 0 were there already.",
        "Imported 0 new feedback items; 1 were there already.",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("created_at,text,member_id\nsoon,x,alice\n", encoding="utf-8")
    assert cli.main(["feedback", "import", str(bad)]) == 1
    assert capsys.readouterr().err == (
        "Nothing was imported from bad.csv:\nbad.csv: row 2, column created_at: 'soon' is not a date and time.\n"
    )
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    rows = store.run(tables.feedback.select().where(tables.feedback.c.source == "forum"))
    assert rows[["member_id", "text"]].values.tolist() == [["alice", "Search is hard"]]
    store.dispose()


def test_a_large_file_is_reimported_without_duplicates(store, duckdb_warehouse):
    rows = "".join(f"2026-11-{1 + n % 28:02d} 10:00,Idea number {n},m{n}\n" for n in range(1200))
    content = ("created_at,text,member_id\n" + rows).encode()
    assert do_import(store, duckdb_warehouse, "big.csv", content).added == 1200
    again = do_import(store, duckdb_warehouse, "big.csv", content)  # keys looked up in batches
    assert (again.added, again.already_there) == (0, 1200)


DEMO_DAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def demo_surveys():
    from data_sources import demo
    from surveys import demo as survey_demo

    community = demo.generate_community(today=DEMO_DAY, members=300, activities=8_000)
    return survey_demo.generate_surveys(community, today=DEMO_DAY)


def store_demo(store: AppStore, surveys) -> pd.DataFrame:
    from surveys import demo as survey_demo

    survey_demo.store_surveys(store, surveys, now=NOW)
    return stored(store)


@pytest.fixture
def marked_intake(monkeypatch):
    """The intake's enrichment with marked results, computed afresh (its cache cleared before and after)."""
    from feedback import intake

    monkeypatch.setattr(intake, "language_of", lambda text, declared=None: "xx")
    monkeypatch.setattr(intake, "sentiment_of", lambda text, language: 0.5)
    monkeypatch.setattr(intake, "suggest_theme", lambda text: "t")
    intake.enrichment.cache_clear()
    yield
    intake.enrichment.cache_clear()


def test_the_demos_feedback_is_stored_through_the_intake(store, demo_surveys, marked_intake):
    """What the demo stores is what the intake computes when it stores the items, as it does for a
    survey answer: not a copy of the enrichment made beforehand (demo_surveys was made unmarked)."""
    assert set(demo_surveys.feedback["language"]) == {"en", "zh"}
    rows = store_demo(store, demo_surveys)
    assert len(rows) == len(demo_surveys.feedback) > 100
    assert rows["text"].tolist() == demo_surveys.feedback["text"].tolist()
    assert set(zip(rows["language"], rows["sentiment"], rows["suggested_theme"], strict=True)) == {("xx", 0.5, "t")}
    assert set(rows["source"]) == {"survey"}


def test_the_demos_items_arrive_as_survey_answers_and_carry_their_triage(store, demo_surveys):
    rows = store_demo(store, demo_surveys).set_index("id")
    given = demo_surveys.feedback
    assert rows["language"].tolist() == given["language"].tolist()  # as generated (the intake's enrichment)
    assert rows["status"].tolist() == given["status"].tolist()
    assert rows["priority"].tolist() == given["priority"].tolist()
    assert rows["theme"].isna().tolist() == given["theme"].isna().tolist()
    assert rows["closed_at"].isna().tolist() == given["closed_at"].isna().tolist()
    events = store.run(tables.feedback_events.select().order_by(tables.feedback_events.c.id))
    created = events[events["field"] == "created"].set_index("feedback_id")
    # The intake's "created" entry, as a survey answer's (tests/test_survey_store.py), dated when given.
    assert sorted(created.index) == sorted(rows.index)
    assert created[["actor", "new_value", "version"]].drop_duplicates().values.tolist() == [["survey", "survey", 1]]
    assert (created["at"] == rows.loc[created.index, "created_at"]).all()
    steps = events[events["field"] == "status"].groupby("feedback_id").size()
    assert (rows["version"] == 1 + steps.reindex(rows.index, fill_value=0)).all()
    assert set(rows.loc[rows["version"] == 1, "status"]) == {"new"}


def test_loading_the_demo_again_reopens_a_real_item_merged_into_a_demo_item(store, demo_surveys):
    """The demo's items are replaced on every load; a manager's own item merged into one of them
    stands alone again, open, as after an import undone."""
    demo_item = int(store_demo(store, demo_surveys)["id"].iloc[0])
    mine = record(store, NewFeedback(source="manual", text="Mine", created_at=NOW), actor="a", now=NOW)
    workflow.save(store, [workflow.Edit(mine, 1, {"duplicate_of": demo_item})], actor="ana", now=NOW)
    rows = store_demo(store, demo_surveys).set_index("id")
    assert demo_item not in rows.index  # replaced, under new ids
    assert rows.at[mine, "status"] == "triaged" and pd.isna(rows.at[mine, "duplicate_of"])


def test_removing_more_items_than_a_batch_holds_removes_and_counts_them_all(store):
    # KEY_BATCH + 1 items to remove (a batch exactly full and one more), then three kept: one a
    # duplicate of the first removed item, one a duplicate of another kept item.
    texts = [f"item {n}" for n in range(KEY_BATCH + 4)]
    with store.begin() as connection:
        ids = add_feedback(
            connection, [NewFeedback(source="manual", text=text, created_at=NOW) for text in texts], actor="a", now=NOW
        )
    gone, (freed, copy, original) = ids[: KEY_BATCH + 1], ids[KEY_BATCH + 1 :]
    edits = [workflow.Edit(freed, 1, {"duplicate_of": gone[0]}), workflow.Edit(copy, 1, {"duplicate_of": original})]
    workflow.save(store, edits, actor="bo", now=NOW)
    with store.begin() as connection:
        assert remove_feedback(connection, gone, actor="a", now=NOW) == KEY_BATCH + 1
    item, events = tables.feedback, tables.feedback_events
    left = store.run(sa.select(item.c.id, item.c.duplicate_of).order_by(item.c.id)).astype(object)
    assert left.where(left.notna(), None).values.tolist() == [[freed, None], [copy, original], [original, None]]
    assert sorted(set(store.run(sa.select(events.c.feedback_id))["feedback_id"])) == [freed, copy, original]


def test_new_items_ids_come_back_in_an_order_the_database_guarantees(store):
    """SQLite documents a multi-row INSERT's RETURNING order as arbitrary, so add_feedback asks SQLAlchemy for
    the ids in the items' order (sort_by_parameter_order): on SQLite it then inserts one row per statement.
    A single multi-row statement would leave each "created" history entry's item to the engine's order."""
    sent: list[str] = []

    def remember(connection, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", remember)
    try:
        with store.begin() as connection:
            ids = add_feedback(
                connection,
                [NewFeedback(source=source, text=source, created_at=NOW) for source in ("forum", "email", "manual")],
                actor="a",
                now=NOW,
            )
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", remember)
    inserts = [statement for statement in sent if statement.startswith("INSERT INTO feedback ")]
    assert len(inserts) == 3 and not any("), (" in statement for statement in inserts)
    events = tables.feedback_events
    created = store.run(sa.select(events.c.feedback_id, events.c.new_value).order_by(events.c.feedback_id))
    assert created.values.tolist() == [[ids[0], "forum"], [ids[1], "email"], [ids[2], "manual"]]


def test_removing_more_than_two_batches_removes_every_batch(store, monkeypatch):
    """Batches of 2 (as the 500 would be with 1,000 ids and more): five items are batches [1, 2],
    [3, 4], [5], and every one goes."""
    monkeypatch.setattr(intake, "KEY_BATCH", 2)
    with store.begin() as connection:
        ids = add_feedback(
            connection,
            [NewFeedback(source="manual", text=f"item {n}", created_at=NOW) for n in range(5)],
            actor="a",
            now=NOW,
        )
        assert remove_feedback(connection, ids, actor="a", now=NOW) == 5
    assert stored(store).empty
    assert store.run(sa.select(tables.feedback_events.c.id)).empty


def test_rescoring_recomputes_what_was_scored_on_arrival_and_leaves_the_managers_fields(store):
    from feedback.intake import NewFeedback, record, rescore

    texts = ["I asked for help twice and nobody replied.", "活动直播经常卡顿", "Great meetup, thank you!"]
    ids = [record(store, NewFeedback(source="manual", text=text, created_at=NOW), actor="a", now=NOW) for text in texts]
    item = tables.feedback
    with store.begin() as connection:  # as an older release's rules scored them, and a manager's theme
        connection.execute(item.update().where(item.c.id == ids[0]).values(sentiment=0.18, suggested_theme=None))
        connection.execute(item.update().where(item.c.id == ids[1]).values(suggested_theme="events", theme="Live"))
    before = stored(store)
    assert rescore(store) == 2
    after = stored(store)
    assert [label_of(value) for value in after["sentiment"]] == ["negative", "negative", "positive"]
    assert after["suggested_theme"].tolist() == ["support", "performance", "events"]
    assert after["theme"].fillna("").tolist() == ["", "Live", ""]
    for column in ("version", "status", "updated_at", "text"):
        assert after[column].tolist() == before[column].tolist()
    assert after.loc[2, "sentiment"] == before.loc[2, "sentiment"]
    assert len(store.run(tables.feedback_events.select())) == 3  # the "created" entries only
    assert rescore(store) == 0


def test_cli_rescores_stored_feedback(configured, capsys):
    import cli

    assert cli.main(["feedback", "rescore"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("Rescored feedback: ") and first.endswith(" items changed.\n")
    assert cli.main(["feedback", "rescore"]) == 0
    assert capsys.readouterr().out == "Rescored feedback: 0 items changed.\n"


def test_items_of_member_ids_the_community_data_does_not_know_are_kept_and_named(store, duckdb_warehouse):
    rows = ["2026-11-20,Hi,bob", "2026-11-21,Hello,m99999", "2026-11-22,Again,m99999", "2026-11-23,Hey,zz"]
    csv = "created_at,text,member_id\n" + "\n".join(rows) + "\n"
    result = do_import(store, duckdb_warehouse, "notes.csv", csv.encode())
    assert result.added == 4
    assert result.warnings == [
        "notes.csv: 3 rows name a member id the community data does not know (m99999, zz): their items are in "
        "the inbox, and left out of the figures until a sync brings those members."
    ]
    chinese = in_language(result.warnings[0], "zh-CN")
    assert chinese.startswith("notes.csv：3 行的成员 ID 不在社群数据中（m99999、zz）")
    assert stored(store)["member_id"].tolist() == ["bob", "m99999", "m99999", "zz"]


def test_dates_are_read_as_the_data_page_reads_them(store, duckdb_warehouse):
    rows = ["2026年11月22日 21:00,论坛很好", "2026年11月23日,活动很好", "46350.5,Excel serial"]
    rows += ["2026/11/24 上午 9:30,早上好", "25 Nov 2026 9:00,as the app writes a day", '"Nov 26, 2026",spelled out']
    csv = "created_at,text,member_id\n" + "\n".join(f"{row}," for row in rows) + "\n"
    result = do_import(store, duckdb_warehouse, "反馈.csv", csv.encode("utf-8"), timezone="Asia/Shanghai")
    assert result.added == 6
    assert stored(store)["created_at"].tolist() == [  # the community's Beijing time, kept in UTC
        pd.Timestamp(2026, 11, 22, 13, 0),
        pd.Timestamp(2026, 11, 22, 16, 0),
        pd.Timestamp(2026, 11, 24, 4, 0),  # 12:00 on 24 November 2026 (serial 46350.5)
        pd.Timestamp(2026, 11, 24, 1, 30),
        pd.Timestamp(2026, 11, 25, 1, 0),  # read before as now
        pd.Timestamp(2026, 11, 25, 16, 0),
    ]


def test_a_day_first_community_reads_ambiguous_dates_day_first(store, duckdb_warehouse):
    """05/03/2026 is 5 March where date_order is day_first (British and most of the world's
    spreadsheets), as the Data page reads it; a file that says (a 13th of a month) is read as it says."""
    csv = "created_at,text,member_id\n05/03/2026 10:00,Hello,bob\n06/03/2026,Again,alice\n"
    day_first = import_feedback(
        store,
        duckdb_warehouse,
        name="uk.csv",
        content=csv.encode(),
        default_source="import",
        timezone="UTC",
        actor="ana",
        now=NOW,
        day_first=True,
    )
    assert day_first.added == 2
    assert stored(store)["created_at"].tolist() == [pd.Timestamp(2026, 3, 5, 10, 0), pd.Timestamp(2026, 3, 6)]
    told = "created_at,text,member_id\n13/03/2026,Thirteenth,bob\n"  # only day first makes sense
    assert do_import(store, duckdb_warehouse, "told.csv", told.encode(), timezone="UTC").added == 1
    assert stored(store)["created_at"].tolist()[-1] == pd.Timestamp(2026, 3, 13)
    us = "created_at,text,member_id\n05/03/2026,Howdy,bob\n"  # month first by default
    assert do_import(store, duckdb_warehouse, "us.csv", us.encode(), timezone="UTC").added == 1
    assert stored(store)["created_at"].tolist()[-1] == pd.Timestamp(2026, 5, 3)


def test_member_ids_are_asked_about_a_thousand_at_a_time(store, duckdb_warehouse, monkeypatch):
    monkeypatch.setattr(importer, "ASKED_AT_ONCE", 2)  # a file of thousands of members, at a small scale
    rows = [
        "2026-11-20,Hi,bob",
        "2026-11-21,Hello,m1",
        "2026-11-22,Again,m2",
        "2026-11-23,Hey,alice",
        "2026-11-24,Yo,m3",
    ]
    result = do_import(store, duckdb_warehouse, "many.csv", ("created_at,text,member_id\n" + "\n".join(rows)).encode())
    assert result.added == 5
    assert result.warnings == [
        "many.csv: 3 rows name a member id the community data does not know (m1, m2, m3): their items are in "
        "the inbox, and left out of the figures until a sync brings those members."
    ]
