"""Malformed import files: what broken exports and hostile uploads look like, made in a few bytes.

Each entry is a file as a person would upload it (members.csv, activities.xlsx, ...) and the words
the refusal must contain; every entry goes through `cli.py import`, `cli.py sync` (a folder) and
`cli.py feedback import` in tests/test_import_safety.py. GOOD holds the clean tables they replace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MEMBERS = "member_id,name,joined_at\nm1,Ada,2025-01-05 10:00:00\nm2,Bo,2025-01-06 08:00:00\nm3,Cy,2025-01-07 09:00:00\n"
ACTIVITIES = (
    "activity_id,member_id,occurred_at,kind,points\n"
    "a1,m1,2025-01-05 11:00:00,post,10\n"
    "a2,m2,2025-01-06 09:00:00,comment,5\n"
)
CAMPAIGNS = "campaign_id,name,starts_at,ends_at\nc1,Meetup,2025-03-01,2025-03-02\n"
GOOD = {"members.csv": MEMBERS.encode(), "activities.csv": ACTIVITIES.encode(), "campaigns.csv": CAMPAIGNS.encode()}


def _noise(size: int, *, seed: int) -> bytes:
    """Random bytes, the same on every run."""
    return random.Random(seed).randbytes(size)


@dataclass(frozen=True)
class Malformed:
    """A file to import, and the words its refusal names (file first, then row and column)."""

    id: str
    name: str
    content: bytes
    says: str
    feedback_says: str = ""  # what `feedback import` answers, where it differs from "Nothing was imported"

    @property
    def table(self) -> str:
        return self.name.split(".")[0]


CORPUS = [
    Malformed(
        "xlsx-random-bytes",
        "members.xlsx",
        _noise(512, seed=1),
        "members.xlsx: is not a readable .xlsx workbook (File is not a zip file)",
        "members.xlsx: could not be read as XLSX (File is not a zip file).",
    ),
    Malformed(
        "xlsx-truncated-zip",
        "members.xlsx",
        b"PK\x03\x04" + _noise(200, seed=2),
        "members.xlsx: is not a readable .xlsx workbook",
        "members.xlsx: could not be read as XLSX",
    ),
    Malformed(
        "parquet-random-bytes",
        "members.parquet",
        _noise(300, seed=3),
        "members.parquet: is not a readable Parquet file",
        "members.parquet: only .csv and .xlsx files can be imported.",
    ),
    Malformed(
        "csv-one-field-too-many-first-row",
        "members.csv",
        MEMBERS.replace("m1,Ada,2025-01-05 10:00:00", "m1,Ada,2025-01-05 10:00:00,extra").encode(),
        "members.csv, row 2: has more values than the header has columns (3)",
        "members.csv: line 2 has 4 values where the header has 3 columns",
    ),
    Malformed(
        "csv-one-field-too-many-later-row",
        "members.csv",
        MEMBERS.replace("m3,Cy,2025-01-07 09:00:00", "m3,Cy,2025-01-07 09:00:00,extra").encode(),
        "members.csv: line 4 has 4 values where the header has 3 columns; quote values that hold commas, or remove "
        "the extra values",  # said plainly, not as pandas' "Error tokenizing data. C error: ..."
        "members.csv: line 4 has 4 values where the header has 3 columns",
    ),
    Malformed(
        "csv-empty",
        "members.csv",
        b"",
        "members.csv: is empty; it needs at least a header row",
        "members.csv: the file is empty; it needs a header row",
    ),
    Malformed(
        "csv-bom-only",
        "members.csv",
        b"\xef\xbb\xbf",
        "members.csv: is empty; it needs at least a header row",
        "members.csv: the file is empty; it needs a header row",
    ),
    Malformed(
        "csv-header-only",
        "members.csv",
        b"member_id,name,joined_at\n",
        "members.csv: members would go from 3 rows to 0",
    ),
    Malformed(
        "csv-binary-noise",
        "members.csv",
        _noise(400, seed=4),
        "members.csv: is not UTF-8 text",
        "members.csv: is not UTF-8 text",
    ),
    Malformed(
        "csv-shift-jis-too-short-to-tell",
        "members.csv",
        "member_id,name,joined_at\nm1,山田太郎,2025-01-05\n".encode("shift_jis"),
        "members.csv: is not UTF-8 text, and could be Shift-JIS or",
        "members.csv: is not UTF-8 text, and could be Shift-JIS or",
    ),
    Malformed(
        "number-overflowing-to-infinity",
        "activities.csv",
        ACTIVITIES.replace(",10\n", ",1e309\n").encode(),
        "activities.csv, row 2, column points: '1e309' is not a finite number",
    ),
    Malformed(
        "numbers-written-inf-and-nan",
        "activities.csv",
        ACTIVITIES.replace(",10\n", ",-inf\n").replace(",5\n", ",NaN\n").encode(),
        "activities.csv, row 2, column points: '-inf' is not a finite number (infinity and NaN cannot be summed "
        "or reported)\nactivities.csv, row 3, column points: 'NaN' is not a finite number",
    ),
    Malformed(
        "campaign-ending-before-it-starts",
        "campaigns.csv",
        CAMPAIGNS.replace("2025-03-01,2025-03-02", "2025-03-05,2025-03-01").encode(),
        "campaigns.csv, row 2, column starts_at/ends_at: ends (2025-03-01) before it starts (2025-03-05)",
    ),
]
