"""Files people download and open in a spreadsheet: CSV that cannot carry formulas.

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by Excel, LibreOffice
and Google Sheets (OWASP "CSV injection"). Such text cells get a leading apostrophe, so they show as
typed. Numbers stay numbers: a negative lift is a number, not text.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese names right), formulas neutralised.
    Lines end in CRLF (RFC 4180), which also makes the writer quote any cell holding a lone CR."""
    text_columns = [
        name
        for name in frame.columns
        if not (pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_datetime64_any_dtype(frame[name]))
    ]
    safe = frame.assign(**{name: frame[name].map(neutralise) for name in text_columns})
    safe.columns = [neutralise(str(name)) for name in frame.columns]
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
