"""Feedback from the exports of the tools teams use, imported as downloaded (issue 24): 问卷星 按文本
and 按序号, 腾讯问卷, Typeform's two-row header, SurveyGizmo/Alchemer, Google Forms as CSV and .xlsx;
with a mapping; each import undone as a whole. The files in tests/data/imports copy the tools'
layouts; the workbooks are built here."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

import cli
from feedback.importer import FeedbackMapping, ImportFailed, import_feedback, undo_feedback_import
from store import tables
from store.database import AppStore

NOW = datetime(2026, 3, 10, 12, 0)
FIXTURES = Path(__file__).resolve().parent / "data" / "imports"


@pytest.fixture
def store(tmp_path):
    app_store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    app_store.migrate()
    yield app_store
    app_store.dispose()


def items(store: AppStore) -> list[tuple]:
    """(text, tags, member, created_at, source) of every stored item, in order."""
    frame = store.run(tables.feedback.select().order_by(tables.feedback.c.id)).astype(object)
    return [
        (
            row.text,
            tuple(row.tags) if isinstance(row.tags, list) else (),
            row.member_id if isinstance(row.member_id, str) else None,
            str(row.created_at),
            row.source,
        )
        for row in frame.itertuples()
    ]


def run(store, warehouse, name: str, content: bytes, mapping: FeedbackMapping | None = None, zone="Asia/Shanghai"):
    return import_feedback(
        store,
        warehouse,
        name=name,
        content=content,
        default_source="import",
        timezone=zone,
        actor="ana",
        now=NOW,
        mapping=mapping,
    )


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_wenjuanxing_export_by_text(store, duckdb_warehouse):
    result = run(store, duckdb_warehouse, "wjx_by_text.csv", (FIXTURES / "wjx_by_text.csv").read_bytes())
    assert (result.preset, result.added, result.blank, result.placeholders) == ("wjx", 3, 0, 4)
    assert result.columns == ["2、您对社区最满意的地方？", "3、您希望我们改进什么？"]
    assert items(store) == [
        # Shanghai 14:03:22 is 06:03:22 UTC; the member found by the address the form asked for.
        ("文档写得很清楚，问题回复也很及时。", ("您对社区最满意的地方？",), "alice", "2026-03-05 06:03:22", "微信"),
        ("希望多办线上分享", ("您参加过哪些活动？",), "alice", "2026-03-05 06:03:22", "微信"),  # 其他〖…〗
        (
            "希望论坛搜索能更好用，经常找不到以前的答案。",
            ("您希望我们改进什么？",),
            None,
            "2026-03-05 07:10:02",
            "链接",
        ),
    ]
    assert "(空)" not in {text for text, *_ in items(store)} and "(跳过)" not in {text for text, *_ in items(store)}
    again = run(store, duckdb_warehouse, "wjx_by_text.csv", (FIXTURES / "wjx_by_text.csv").read_bytes())
    assert (again.added, again.already_there) == (0, 3)


def test_a_wenjuanxing_email_question_somebody_skipped_still_finds_the_others(store, duckdb_warehouse):
    # The email question skipped by the second respondent: "(跳过)" is no address, and nobody's id.
    export = (FIXTURES / "wjx_by_text.csv").read_text(encoding="utf-8").splitlines()
    export[2] = export[2].removesuffix(",") + ",(跳过)"
    result = run(store, duckdb_warehouse, "wjx_by_text.csv", "\n".join(export).encode("utf-8"))
    assert (result.preset, result.added) == ("wjx", 3)
    assert [member for _, _, member, *_ in items(store)] == ["alice", "alice", None]


def test_a_wenjuanxing_export_by_number_as_xlsx(store, duckdb_warehouse):
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您参加过哪些活动？"]
    header += ["2、您对社区最满意的地方？", "3、您希望我们改进什么？"]
    rows = [
        [
            1,
            "2026/3/5 14:03:22",
            "120秒",
            "微信",
            "N/A",
            "116.226.1.2(上海-上海)",
            "1┋3",
            "回复很及时，文档也全。",
            "-3",
        ],
        [
            2,
            "2026/3/5 15:10:02",
            "95秒",
            "链接",
            "N/A",
            "36.110.3.4(北京-北京)",
            "2",
            "-2",
            "希望多一些线下活动，最好在周末。",
        ],
    ]
    result = run(store, duckdb_warehouse, "wjx.xlsx", workbook([header, *rows]))
    assert (result.preset, result.added, result.placeholders) == ("wjx", 2, 2)  # -3 skipped, -2 not shown
    assert [text for text, *_ in items(store)] == ["回复很及时，文档也全。", "希望多一些线下活动，最好在周末。"]


def test_a_tencent_export(store, duckdb_warehouse):
    result = run(store, duckdb_warehouse, "tencent.csv", (FIXTURES / "tencent.csv").read_bytes())
    assert (result.preset, result.added, result.blank, result.placeholders) == ("tencent", 1, 1, 1)
    assert items(store) == [
        ("签到流程可以再简化一些，排队太久了。", ("您还有什么建议？",), None, "2026-03-05 06:03:22", "import")
    ]


def test_a_typeform_export_with_two_header_rows(store, duckdb_warehouse):
    result = run(store, duckdb_warehouse, "typeform.csv", (FIXTURES / "typeform.csv").read_bytes())
    assert (result.preset, result.columns) == ("typeform", ["What should we improve?"])
    # Typeform writes UTC: the community's zone is not applied. "N/A" is someone's answer here.
    assert items(store) == [
        (
            "The Q&A ran too long and we missed the last talk.",
            ("What should we improve?",),
            "alice",
            "2026-03-05 14:03:22",
            "import",
        ),
        ("N/A", ("What should we improve?",), None, "2026-03-05 15:01:10", "import"),
    ]
    undone = run(
        store,
        duckdb_warehouse,
        "typeform-again.csv",
        (FIXTURES / "typeform.csv").read_bytes(),
        FeedbackMapping(text=("What should we improve?",), skip=("N/A",)),
    )
    assert (undone.added, undone.already_there, undone.placeholders) == (0, 1, 1)  # N/A named a placeholder


def test_a_typeform_export_of_a_chinese_form(store, duckdb_warehouse):
    """Typeform keeps its own column names in English; the questions and answers are the form's."""
    result = run(store, duckdb_warehouse, "typeform_chinese.csv", (FIXTURES / "typeform_chinese.csv").read_bytes())
    assert (result.preset, result.columns, result.added, result.blank) == ("typeform", ["我们应该改进什么？"], 1, 1)
    assert items(store) == [
        ("问答环节太长，最后一个分享没时间讲完。", ("我们应该改进什么？",), "alice", "2026-03-05 14:03:22", "import")
    ]
    language, sentiment = store.run(tables.feedback.select())[["language", "sentiment"]].iloc[0]
    assert language == "zh" and sentiment < 0  # scored by the Chinese model


def test_a_surveygizmo_export_in_chinese(store, duckdb_warehouse):
    content = (FIXTURES / "surveygizmo_chinese.csv").read_bytes()
    result = run(store, duckdb_warehouse, "surveygizmo_chinese.csv", content, zone="UTC")
    assert (result.preset, result.added, result.blank) == ("surveygizmo", 2, 2)
    assert [(text, tags, member) for text, tags, member, *_ in items(store)] == [
        ("大家回复很快，周末也有人答疑。", ("您喜欢社区的哪些方面？",), "alice"),
        ("文件搜尋總是先出現舊版本，很困擾。", ("还有什么想告诉我们的？",), None),
    ]


def test_a_surveygizmo_export_with_blank_answers_is_not_refused(store, duckdb_warehouse):
    result = run(store, duckdb_warehouse, "surveygizmo.csv", (FIXTURES / "surveygizmo.csv").read_bytes())
    assert (result.preset, result.added, result.blank) == ("surveygizmo", 2, 4)
    assert [(text, tags) for text, tags, *_ in items(store)] == [
        ("People answer quickly, even on weekends.", ("What do you like about the community?",)),
        ("The docs search returns old versions first, which is confusing.", ("Anything else we should know?",)),
    ]


def test_csv_and_xlsx_read_alike_and_an_import_is_undone_whole(store, duckdb_warehouse):
    header = ["Timestamp", "Email Address", "What should we change?"]
    rows = [
        ["2026/03/05 14:03:22", "alice@example.org", "More chairs at the meetup; people stood for an hour."],
        ["2026/03/05 15:00:00", "", "N/A"],
        ["2026/03/05 16:00:00", "", "None"],
    ]
    csv = "\n".join(",".join(row) for row in [header, *rows]).encode()
    first = run(store, duckdb_warehouse, "form.csv", csv)
    assert (first.preset, first.added) == ("google_forms", 3)  # "N/A" and "None" are what people wrote
    again = run(store, duckdb_warehouse, "form.xlsx", workbook([header, *rows]))
    assert (again.added, again.already_there) == (0, 3)  # the .xlsx reads exactly as the CSV
    assert undo_feedback_import(store, first.batch, now=NOW) == 3
    assert items(store) == [] and store.run(tables.feedback_events.select()).empty
    assert undo_feedback_import(store, first.batch, now=NOW) == 0
    assert run(store, duckdb_warehouse, "form.xlsx", workbook([header, *rows])).added == 3


def test_any_file_with_a_mapping_and_an_unknown_column_refused(store, duckdb_warehouse):
    content = "When,Who,Comment,Rating,Channel\n2026-03-05 10:00,bob,The new docs site is much faster.,9,forum\n"
    mapping = FeedbackMapping(text=("Comment",), date="When", member="Who", score="Rating", source="Channel")
    result = run(store, duckdb_warehouse, "notes.csv", content.encode(), mapping, zone="UTC")
    assert result.added == 1
    frame = store.run(tables.feedback.select())
    assert frame[["member_id", "score", "source"]].values.tolist() == [["bob", 9.0, "forum"]]
    with pytest.raises(ImportFailed) as refused:
        run(store, duckdb_warehouse, "notes.csv", content.encode(), FeedbackMapping(text=("Coment",), date="When"))
    assert refused.value.problems == ["notes.csv, column Coment: no column has this header; the closest: Comment."]


def test_a_file_of_no_known_layout_says_what_to_give(store, duckdb_warehouse):
    with pytest.raises(ImportFailed) as refused:
        run(store, duckdb_warehouse, "x.csv", b"When,Comment\n2026-03-05,Long enough to be read as a comment\n")
    assert refused.value.problems[0].startswith("x.csv: these columns are neither an export this app knows")


def test_a_ragged_row_is_named_by_its_line(store, duckdb_warehouse):
    content = "Timestamp,What should we change?\n2026/03/05 14:03:22,ok\n2026/03/05 15:00:00,a,b,c\n"
    with pytest.raises(ImportFailed) as refused:
        run(store, duckdb_warehouse, "form.csv", content.encode())
    assert refused.value.problems == [
        "form.csv: line 3 has 4 values where the header has 2 columns; quote values that hold commas, or remove the "
        "extra values."
    ]


def test_cli_maps_columns_and_dry_runs(configured, tmp_path, capsys):
    path = tmp_path / "tencent.csv"
    path.write_bytes((FIXTURES / "tencent.csv").read_bytes())
    assert cli.main(["feedback", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Layout: tencent; rows: 3."
    assert "Items: 1; blank answers: 1; placeholders: 1." in out and "Dry run: nothing was stored." in out
    assert cli.main(["feedback", "import", str(path)]) == 0
    assert "Import 1 read tencent: text from 2.您还有什么建议？" in capsys.readouterr().out
    assert cli.main(["feedback", "undo-import", "1"]) == 0
    assert "Import 1 undone: 1 feedback items removed" in capsys.readouterr().out
    assert cli.main(["feedback", "import", str(path), "--text", "建议"]) == 1
    assert "column 建议: no column has this header" in capsys.readouterr().err
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    assert store.run(tables.feedback.select().where(tables.feedback.c.import_batch.is_not(None))).empty
    store.dispose()
