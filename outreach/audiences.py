"""An audience given as a CSV of email addresses: read, checked and matched to members. Invalid
and repeated addresses, and addresses no member has, are listed with their rows (the header is
row 1, as a spreadsheet numbers it) for the manager to confirm before they are skipped."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

import schema
from errors import PulseError, Said
from outreach.messages import is_address

MAX_ROWS = 50_000


class AudienceError(PulseError):
    """Raised when a CSV audience cannot be read at all: not UTF-8 text, no rows, too many rows."""


@dataclass(frozen=True)
class Skipped:
    """A row of the file that will not be invited, and why: invalid, duplicate (of `first`) or unknown."""

    row: int
    address: str
    problem: str
    first: int | None = None


@dataclass(frozen=True)
class CsvAudience:
    file: str
    addresses: dict[str, int]  # each usable address (lower case) and its row
    skipped: tuple[Skipped, ...]


def read_addresses(content: bytes, *, file: str) -> CsvAudience:
    """The addresses of a CSV: the column headed email (any case), else the first column."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AudienceError(Said("outreach.csv.encoding", file=file)) from error
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2:
        raise AudienceError(Said("outreach.csv.empty", file=file))
    if len(rows) > MAX_ROWS + 1:
        raise AudienceError(Said("outreach.csv.too_many", file=file, most=MAX_ROWS))
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("email") if "email" in header else 0
    addresses: dict[str, int] = {}
    skipped: list[Skipped] = []
    for number, row in enumerate(rows[1:], start=2):
        value = row[column].strip() if column < len(row) else ""
        if not value and not any(cell.strip() for cell in row):
            continue  # an empty line
        address = value.lower()
        if not is_address(value):
            skipped.append(Skipped(number, value, "invalid"))
        elif address in addresses:
            skipped.append(Skipped(number, value, "duplicate", addresses[address]))
        else:
            addresses[address] = number
    return CsvAudience(file=file, addresses=addresses, skipped=tuple(skipped))


def members_with_addresses_query(addresses: list[str]) -> sa.Select:
    """Member id, name and email of the community's members (never team) with these addresses."""
    members = schema.members
    return (
        sa.select(members.c.member_id, members.c.name, members.c.email)
        .where(members.c.is_team == sa.false(), sa.func.lower(sa.func.trim(members.c.email)).in_(addresses))
        .order_by(members.c.name, members.c.member_id)
    )


def matched(audience: CsvAudience, members: pd.DataFrame) -> tuple[pd.DataFrame, tuple[Skipped, ...]]:
    """The members the file names, and every skipped row (its problems, then addresses of no member)."""
    known = {str(email).strip().lower() for email in members["email"]}
    unknown = [Skipped(row, address, "unknown") for address, row in audience.addresses.items() if address not in known]
    skipped = sorted([*audience.skipped, *unknown], key=lambda each: each.row)
    return members.reset_index(drop=True), tuple(skipped)
