"""Google Sheets' unformatted values as the text validate.py reads, whatever the sheet's formats.

Sheets is read with UNFORMATTED_VALUE and SERIAL_NUMBER dates: numbers arrive as JSON numbers
(no thousands separators, currency signs or percent), booleans as booleans, and dates as days
since 1899-12-30 on the spreadsheet's wall clock. Each becomes plain text: a number as plain
decimal ("1234.5", "0.5" for 50%), a date-time as ISO 8601 with the offset the spreadsheet's time
zone had then ("2024-03-05T14:03:22-08:00"). Text stays text. A date or number column that also
holds text is not guessed at: those cells are returned as problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from errors import Said

EPOCH = datetime(1899, 12, 30)
LAST_SERIAL = 2958466  # 10000-01-01: past the last day a date can hold
Kind = Literal["datetime", "number", "boolean", "text"]


@dataclass(frozen=True)
class Column:
    """One column's cells as text for validate.py, the positions of cells it refuses, and a note."""

    texts: list[str]
    refused: dict[int, Said]  # position → why
    note: Said | None = None


def plain_number(value: float) -> str:
    """1234 → '1234', 0.5 → '0.5', 1e21 → '1000000000000000000000': no exponent, no separators."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def serial_to_iso(serial: float, zone: ZoneInfo) -> str:
    """A Sheets serial date-time on `zone`'s wall clock as ISO 8601 with that moment's offset."""
    local = EPOCH + timedelta(milliseconds=round(serial * 86_400_000))
    return local.replace(tzinfo=zone).isoformat(timespec="milliseconds" if local.microsecond else "seconds")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return plain_number(value)
    return str(value)


def convert_column(cells: list[Any], *, kind: Kind, zone: ZoneInfo, zone_name: str, locale: str) -> Column:
    """The column's cells ('' for empty) as text; date and number columns refuse text among values."""
    if kind not in ("datetime", "number"):
        return Column([_text(cell) for cell in cells], {})
    numbers = [isinstance(cell, int | float) and not isinstance(cell, bool) for cell in cells]
    if not any(numbers):  # typed as text throughout (pasted plain text): validate.py reads it as text
        return Column([_text(cell) for cell in cells], {})
    wanted = "date" if kind == "datetime" else "number"
    refused = {
        position: Said(f"error.sheets.text_among_{wanted}s", cell=repr(cell), locale=locale)
        for position, (cell, number) in enumerate(zip(cells, numbers, strict=True))
        if not number and cell != ""
    }
    if kind == "number":
        return Column([_text(cell) for cell in cells], refused)
    texts = []
    for position, (cell, number) in enumerate(zip(cells, numbers, strict=True)):
        if number and not 1 <= cell < LAST_SERIAL:
            refused[position] = Said("error.sheets.number_not_date", cell=repr(cell))
        texts.append(serial_to_iso(cell, zone) if number and position not in refused else _text(cell))
    serials = [cell for cell, number in zip(cells, numbers, strict=True) if number]
    note = None
    if all(float(cell).is_integer() for cell in serials):
        note = Said("warning.sheets.dates_without_time", zone=zone_name)
    return Column(texts, refused, note)
