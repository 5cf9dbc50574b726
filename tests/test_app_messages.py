"""AppTest: errors and warnings read in the person's language, with the file, sheet, row and column
they name (Data page, the feedback inbox, the pages' one catcher); English reads as before
(tests/test_app_data.py, tests/test_app_feedback.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import gspread
import pytest
from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from data_sources.errors import InvalidData, Problem
from errors import Said
from feedback import workflow
from feedback.intake import NewFeedback, add_feedback
from store import tables
from store.database import AppStore
from ui.i18n import LANGUAGE_KEY
from ui.language import CHOSEN

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MEMBERS = "member_id,name,joined_at\nm1,Ada,2025-01-05 10:00:00\nm2,Bo,2025/1/6 14:03\n"
ACTIVITIES = "activity_id,member_id,occurred_at,kind\na1,m1,2025-01-05 11:00:00,post\n"
NOW = datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture
def folder(configured, tmp_path, monkeypatch) -> Path:
    source = tmp_path / "exports"
    source.mkdir()
    (source / "members.csv").write_text(MEMBERS, encoding="utf-8")
    (source / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", str(source))
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    return source


def open_page(page: str, language: str, query: dict[str, str] | None = None) -> AppTest:
    """The page in `language`: chosen for the session as ?lang= or the switch choose it. (In AppTest a
    page switched to runs alone, without app.py, so the address's lang would not be read there.)"""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state[LANGUAGE_KEY] = at.session_state[CHOSEN] = language
    at.switch_page(page)
    at.query_params.update(query or {})
    return at.run()


def sync(language: str) -> AppTest:
    at = open_page("pages/data.py", language)
    assert not at.exception
    at.button(key="data_sync").click().run()
    assert not at.exception
    return at


def test_a_missing_column_is_explained_in_chinese_with_its_file_and_column(folder):
    (folder / "members.csv").write_text("member_id\nm1\n", encoding="utf-8")
    at = sync("zh-CN")
    assert [error.value for error in at.error] == ["没有做任何更改。出错原因："]
    assert at.text[-1].value.splitlines() == [
        "members.csv，joined_at 列：表头中缺少必填列",
        "members.csv，第 1 行：找到的表头：'member_id'",
    ]
    at = sync("zh-TW")
    assert at.text[-1].value.splitlines() == [
        "members.csv，joined_at 欄：標頭列中缺少必填欄",
        "members.csv，第 1 列：找到的標頭：'member_id'",
    ]


def test_a_sync_runs_stored_error_reads_in_the_readers_language_and_an_older_one_as_stored(folder, configured):
    """The runs table says a failed run's error in the reader's language whatever language the run
    was made in; a row stored before errors kept their keys shows its English, as text."""
    (folder / "members.csv").write_text("member_id\nm1\n", encoding="utf-8")
    at = sync("en")
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    try:
        with store.begin() as connection:  # an interrupted run as the release before this one stored it
            connection.execute(
                tables.sync_runs.insert().values(
                    source="demo", started_at=datetime(2020, 1, 1), status="interrupted", error="The run **stopped**."
                )
            )
    finally:
        store.dispose()
    at = open_page("pages/data.py", "zh-CN")
    assert at.dataframe[0].value["error"].tolist() == [
        "members.csv，joined_at 列：表头中缺少必填列\nmembers.csv，第 1 行：找到的表头：'member_id'",
        "The run **stopped**.",
    ]
    at = open_page("pages/data.py", "zh-TW")
    assert at.dataframe[0].value["error"].tolist()[0] == (
        "members.csv，joined_at 欄：標頭列中缺少必填欄\nmembers.csv，第 1 列：找到的標頭：'member_id'"
    )
    at = open_page("pages/data.py", "en")
    assert at.dataframe[0].value["error"].tolist()[0] == (
        "members.csv, column joined_at: required column is missing from the header\n"
        "members.csv, row 1: headers found: 'member_id'"
    )


def test_a_bad_date_is_explained_in_chinese_with_its_row_and_the_cell_as_written(folder):
    (folder / "members.csv").write_text(MEMBERS.replace("2025/1/6 14:03", "**soon**"), encoding="utf-8")
    at = sync("zh-CN")
    assert at.text[-1].value == (
        "members.csv，第 3 行，joined_at 列：'**soon**' 不是日期/时间（请使用如 2025-03-05 14:03:22、2025/3/5 14:03 "
        "或 2025年3月5日 的格式）"
    )
    at = sync("en")  # English as before
    assert at.text[-1].value.startswith("members.csv, row 3, column joined_at: '**soon**' is not a date/time (use e.g.")


def test_sync_warnings_are_in_chinese(folder):
    (folder / "members.csv").write_text(
        "member_id,name,joined_at,nickname\nm1,Ada,2025-01-05 10:00:00,a\nm2,Bo,2025/1/6 14:03,b\n", encoding="utf-8"
    )
    at = sync("zh-CN")
    assert [caption.value for caption in at.caption if caption.value == "警告"] == ["警告"]
    assert at.text[-1].value == "members.csv：已忽略 'nickname' 列：本应用不使用这一列"


class Unshared:
    """A gspread client whose spreadsheet is not shared with its service account."""

    http_client = SimpleNamespace(
        session=SimpleNamespace(credentials=SimpleNamespace(service_account_email="pulse-reader@pulse.iam"))
    )

    def open_by_key(self, key: str) -> None:
        raise gspread.exceptions.SpreadsheetNotFound(key)


def test_a_google_sheets_failure_is_explained_in_chinese(configured, tmp_path, monkeypatch):
    from data_sources import sheets
    from ui import background

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[pulse]\ncommunity_source = "sheets"\n[pulse.sheets]\nspreadsheet = "1AbC"\n'
        '[pulse.sheets.worksheets]\nmembers = "成员"\nactivities = "Activities"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    monkeypatch.delenv("PULSE_COMMUNITY_SOURCE", raising=False)
    monkeypatch.setattr(sheets, "open_client", lambda settings: Unshared())
    monkeypatch.setattr(background, "refresh_when_due", lambda settings: None)  # no sync of its own meanwhile
    at = sync("zh-CN")
    assert [error.value for error in at.error] == ["没有做任何更改。出错原因："]
    assert at.text[-1].value == "找不到电子表格 1AbC。请检查密钥或网址，并确认已与 pulse-reader@pulse.iam 共享。"
    at = sync("en")
    assert at.text[-1].value == (
        "Spreadsheet 1AbC was not found. Check the key or URL, and that it is shared with pulse-reader@pulse.iam."
    )


def test_the_pages_catcher_says_a_keyed_error_in_chinese_with_peoples_values_as_text(configured, monkeypatch):
    from ui import data

    def fail(*args, **kwargs):
        raise InvalidData([Problem("**members**.csv", 3, "joined_at", Said("error.cell.not_number", cell="'*x*'"))])

    monkeypatch.setattr(data, "load_dimension_values", fail)  # the filter bar's loader, on every page
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "zh-CN"
    at.run()
    assert not at.exception
    assert [error.value for error in at.error] == [r"\*\*members\*\*\.csv，第 3 行，joined\_at 列：\'\*x\*\' 不是数字"]


@pytest.fixture
def store(configured) -> AppStore:
    app_store = AppStore(f"sqlite:///{configured / 'app.db'}")
    with app_store.begin() as connection:
        add_feedback(
            connection,
            [NewFeedback(source="manual", text="Hard to find answers with the forum search.", created_at=NOW)],
            actor="importer",
            now=NOW,
        )
    yield app_store
    app_store.dispose()


def press(at: AppTest, label: str) -> AppTest:
    """Press the button labelled `label` (else the first whose label starts with it)."""
    buttons = [*at.button, *at.get("form_submit_button")]
    exact = [b for b in buttons if b.label == label]
    (exact or [b for b in buttons if b.label.startswith(label)])[0].click()
    return at.run()


def test_a_refused_triage_save_is_explained_in_chinese(store, monkeypatch):
    monkeypatch.setenv("PULSE_TIMEZONE", "Asia/Shanghai")  # the time of ana's change reads on this clock
    search = int(store.run(tables.feedback.select().where(tables.feedback.c.source == "manual"))["id"].iloc[0])
    at = open_page("pages/_feedback.py", "zh-CN", {"feedback_edit": "true", "feedback_q": "forum search"})
    # AppTest formats widget values (the inbox's sort, now in Chinese) in the test's thread: Chinese there too
    with speaking("zh-CN"):
        at = edit_and_save_after_ana(at, store, search)
    assert not at.exception
    (message,) = [error.value.replace("\\", "") for error in at.error]  # values as text: escapes removed
    assert message.startswith("未保存：你加载后，有 1 条反馈被其他人修改过，因此没有覆盖任何内容。")
    shanghai = NOW + timedelta(hours=8)  # UTC+8 all year
    when = f"{shanghai.year}年{shanghai.month}月{shanghai.day}日 {shanghai:%H:%M}"
    assert f"#{search} 状态：“新建” → “已分类”（ana，{when}）" in message  # fields and statuses in words


def edit_and_save_after_ana(at: AppTest, store: AppStore, search: int) -> AppTest:
    at.session_state["feedback_editor_1"] = {
        "edited_rows": {0: {"status": "wont_fix"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    workflow.save(store, [workflow.Edit(search, 1, {"status": "triaged"})], actor="ana", now=NOW)  # someone else
    return press(at, "保存 1 条更改")


def test_a_refused_triage_change_names_the_statuses_in_chinese(store):
    search = int(store.run(tables.feedback.select().where(tables.feedback.c.source == "manual"))["id"].iloc[0])
    with pytest.raises(workflow.EditRefused) as refused:
        workflow.save(
            store, [workflow.Edit(search, 1, {"status": "resolved", "duplicate_of": search})], actor="a", now=NOW
        )
    assert refused.value.text("zh-CN") == f"#{search} 不能合并到它自己。"
    assert refused.value.user_message == f"#{search} cannot be merged into itself."


class Upload:
    """What st.file_uploader returns for a chosen file (AppTest cannot choose one)."""

    def __init__(self, name: str, content: str) -> None:
        self.name, self.content = name, content.encode("utf-8")

    def getvalue(self) -> bytes:
        return self.content


def test_a_refused_feedback_import_is_explained_in_chinese(store, monkeypatch):
    import streamlit

    chosen = Upload("坏.csv", "created_at,text,member_id\n2026-01-06 09:00,A fine row,carol\n,No date,carol\n")
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: chosen)
    at = open_page("pages/_feedback.py", "zh-CN", {"feedback_view": "add"})
    at = press(at, "导入")
    assert not at.exception
    assert [error.value for error in at.error] == [r"坏\.csv 中的内容均未导入。请修正以下各行后重试："]
    assert [code.value for code in at.code] == ["坏.csv：第 3 行，created_at 列：'' 不是日期时间。"]
    assert store.run(tables.feedback.select().where(tables.feedback.c.text == "A fine row")).empty


def test_feedback_import_warnings_are_in_chinese(store, monkeypatch):
    import streamlit

    chosen = Upload("notes.csv", "created_at,text,email\n2026-01-05 10:00,Lovely meetup,nobody@pulse.test\n")
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: chosen)
    at = open_page("pages/_feedback.py", "zh-TW", {"feedback_view": "add"})
    at = press(at, "匯入")
    assert not at.exception
    assert [code.value for code in at.code] == [
        "notes.csv：第 2 列，email 欄：沒有成員使用這個地址；已匯入，但不關聯成員。"
    ]
