"""Survey responses appended to a Google Sheet: queued with the response, retried, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from errors import kept_text
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import parse_definition
from surveys.submission import Outcome, submit
from surveys.write_back import LEASE, pending, push_pending
from tests.conftest import migrated_store
from tests.sheets_server import EMAIL, local_client, sheets_server

NOW = datetime(2026, 3, 10, 12)
DEFINITION = {
    "slug": "pulse",
    "title": "Pulse",
    "questions": [
        {"id": "nps", "type": "nps", "text": "Recommend?", "required": True},
        {
            "id": "where",
            "type": "multi",
            "text": "Where?",
            "options": [{"id": "forum", "label": "Forum"}, {"id": "chat", "label": "Chat"}],
        },
        {"id": "again", "type": "yes_no", "text": "Again?"},
        {"id": "why", "type": "long_text", "text": "Why?"},
    ],
}
HEADER = ["response_id", "submitted_at_utc", "member_id", "locale", "nps", "where", "again", "why"]


@pytest.fixture
def store(tmp_path):
    app_store = migrated_store(tmp_path / "app.db")
    registry.register(app_store, parse_definition(DEFINITION, where="pulse.yaml"), timezone="UTC", now=NOW)
    yield app_store
    app_store.dispose()


def said_in(waiting: pd.DataFrame, language: str) -> str | None:
    """The first waiting row's last error as the Data page says it in `language`."""
    return kept_text(waiting["last_error_said"].iloc[0], waiting["last_error"].iloc[0], language)


def answer(store: AppStore, key: str, **answers: object) -> int:
    stored = registry.load_survey(store, "pulse")
    result = submit(store, stored=stored, answers=answers, key=key, now=NOW, write_back=True)
    assert result.outcome is Outcome.STORED
    return result.response_id


def test_responses_are_appended_typed_to_a_tab_per_survey_with_a_header(store):
    first = answer(store, "k1", nps=9, where=["chat", "forum"], again=True, why='=HYPERLINK("x")')
    second = answer(store, "k2", nps=3)
    with sheets_server() as server:
        book = server.add("wb", "Responses", Other=[["keep"]])
        result = push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW)
        assert (result.sent, result.failed) == (2, 0)
        assert book.sheets["pulse"] == [  # numbers and the time as Google stores typed values; text as text
            HEADER,
            [first, datetime(2026, 3, 10, 12), "", "en", 9.0, "Forum, Chat", "Yes", '=HYPERLINK("x")'],
            [second, datetime(2026, 3, 10, 12), "", "en", 3.0, "", "", ""],
        ]
        assert [query["valueInputOption"] for query in server.params(":append")] == [["USER_ENTERED"]]
    assert pending(store).empty


def test_an_empty_tab_gets_its_header(store):
    response_id = answer(store, "k1", nps=7)
    with sheets_server() as server:
        book = server.add("wb", "Responses", pulse=[])
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 1
        assert book.sheets["pulse"] == [HEADER, [response_id, datetime(2026, 3, 10, 12), "", "en", 7.0, "", "", ""]]


def test_an_append_google_applied_before_answering_503_is_not_made_twice(store):
    response_id = answer(store, "k1", nps=9)
    with sheets_server() as server:
        book = server.add("wb", "Responses", pulse=[HEADER])
        server.fail_next(503, applied=True, on=":append")
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 1
        assert [row[0] for row in book.sheets["pulse"]] == ["response_id", response_id]
        assert (len(server.params(":append")), len(server.failures)) == (1, 0)  # answered 503, read again: there
    assert pending(store).empty


def test_a_sheet_not_shared_keeps_the_responses_queued_with_the_address_to_share_with(store):
    answer(store, "k1", nps=9)
    with sheets_server() as server:
        server.add("wb", "Responses", pulse=[HEADER]).shared = False
        result = push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW)
    assert result.error == (
        "Google Sheets refused access to spreadsheet wb (403 PERMISSION_DENIED: The caller does not have permission). "
        f"Share the spreadsheet with {EMAIL} (Share → add that address; Viewer to read it, Editor for survey "
        "write-back)."
    )
    assert pending(store)["last_error"].tolist() == [result.error]
    assert said_in(pending(store), "en") == result.error
    assert said_in(pending(store), "zh-CN").startswith("Google 表格拒绝访问电子表格 wb（403 PERMISSION_DENIED")


def test_a_failing_sheet_keeps_the_response_queued_and_a_retry_sends_it_once(store):
    answer(store, "k1", nps=9)
    with sheets_server() as server:
        book = server.add("wb", "Responses", pulse=[HEADER])
        server.fail_next(500, times=10)
        failed = push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW)
        assert (failed.sent, failed.failed) == (0, 1)
        assert failed.error == (
            "Google Sheets answered 500 (INTERNAL: Internal error encountered.) for spreadsheet wb, after retrying. "
            "The responses stay queued and are sent on the next push."
        )
        waiting = pending(store)
        assert waiting[["slug", "attempts"]].values.tolist() == [["pulse", 1]]
        assert waiting["last_error"].iloc[0] == failed.error
        assert said_in(waiting, "zh-CN") == (  # the Data page says the kept error in the reader's language
            "多次重试后，Google 表格对电子表格 wb仍返回 500（INTERNAL: Internal error encountered.）。"
            "这些答卷仍在队列中，下次推送时发送。"
        )
        assert store.run(sa.select(sa.func.count()).select_from(tables.responses)).iloc[0, 0] == 1  # never lost

        server.failures.clear()
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 1
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 0
        assert len(book.sheets["pulse"]) == 2


def test_a_row_the_sheet_took_before_a_crash_is_not_appended_again(store):
    response_id = answer(store, "k1", nps=9)
    with sheets_server() as server:
        book = server.add("wb", "Responses", pulse=[HEADER, [response_id, datetime(2026, 3, 10, 12)]])
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 1
        assert len(book.sheets["pulse"]) == 2  # taken before; marked sent now, not appended twice
    assert pending(store).empty


def test_a_survey_whose_stored_definition_no_longer_reads_fails_its_rows_and_the_others_are_sent(store):
    broken = answer(store, "k1", nps=9)
    other = parse_definition({**DEFINITION, "slug": "other"}, where="other.yaml")
    registry.register(store, other, timezone="UTC", now=NOW)
    sent = submit(
        store, stored=registry.load_survey(store, "other"), answers={"nps": 4}, key="k2", now=NOW, write_back=True
    )
    with store.begin() as connection:  # as if an older release had written rules this one rejects
        connection.execute(
            tables.surveys.update().where(tables.surveys.c.slug == "pulse").values(definition={"slug": "pulse"})
        )
    with sheets_server() as server:
        book = server.add("wb", "Responses", pulse=[HEADER], other=[HEADER])
        result = push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW)
        assert (result.sent, result.failed) == (1, 1)
        assert result.error == "The survey 'pulse' has no readable definition in the store."
        assert book.sheets["pulse"] == [HEADER]
        assert [row[0] for row in book.sheets["other"][1:]] == [sent.response_id]
    waiting = pending(store)
    assert waiting[["response_id", "attempts", "last_error"]].values.tolist() == [[broken, 1, result.error]]
    assert said_in(waiting, "zh-TW") == "問卷 'pulse' 在儲存區中沒有可讀取的定義。"


def test_without_write_back_nothing_is_queued(store):
    stored = registry.load_survey(store, "pulse")
    submit(store, stored=stored, answers={"nps": 9}, key="k1", now=NOW)
    assert pending(store).empty


def test_one_push_at_a_time_across_processes_and_a_crashed_pushers_lease_runs_out(store):
    response_id = answer(store, "k1", nps=7)
    with store.begin() as connection:  # another process is pushing (or crashed while pushing) until 12:10
        connection.execute(tables.sheet_push_lease.insert().values(id=1, holder="other", until=NOW + LEASE))
    with sheets_server() as server:
        book = server.add("wb", "Responses", pulse=[])
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 0
        assert book.sheets["pulse"] == [] and server.params(":append") == []  # left to the lease's holder
        later = NOW + LEASE + timedelta(seconds=1)
        assert push_pending(store, lambda: local_client(server), spreadsheet="wb", now=later).sent == 1
        assert [row[0] for row in book.sheets["pulse"]] == ["response_id", response_id]
    assert store.run(sa.select(tables.sheet_push_lease)).empty  # released after the push
