"""Downloads cannot carry spreadsheet formulas, member text is shown literally, and one policy
decides who sees personal data."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from auth.access import Permission, Role, allows
from exports import safe_csv
from ui.tables import plain


def read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8 (Chinese names) right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("fine = good", "fine = good"),
        ("王伟", "王伟"),
    ],
)
def test_formula_cells_are_neutralised(cell, written):
    assert read(safe_csv(pd.DataFrame({"name": [cell]})))[1] == [written]


def test_numbers_and_dates_stay_as_they_are():
    frame = pd.DataFrame({"lift": [-0.5], "joined": [pd.Timestamp("2025-03-02 09:00")], "=x": ["ok"]})
    assert read(safe_csv(frame)) == [["lift", "joined", "'=x"], ["-0.5", "2025-03-02 09:00:00", "ok"]]


def test_member_text_is_escaped_for_markdown():
    assert plain("**Bob** [x](javascript:alert(1)) <b>") == (r"\*\*Bob\*\* \[x\]\(javascript\:alert\(1\)\) \<b\>")
    assert plain("王伟 Ada") == "王伟 Ada"


@pytest.mark.parametrize(
    ("role", "personal", "text"),
    [(Role.VIEWER, False, False), (Role.MANAGER, True, True), (Role.ADMIN, True, True)],
)
def test_what_each_role_may_see(role, personal, text):
    assert allows(role, Permission.PERSONAL_DATA) is personal
    assert allows(role, Permission.FREE_TEXT) is text


def test_line_breaks_inside_cells_stay_inside_them():
    rows = read(safe_csv(pd.DataFrame({"text": ["one\rtwo", "three\nfour"], "n": [1, 2]})))
    assert rows == [["text", "n"], ["one\rtwo", "1"], ["three\nfour", "2"]]
