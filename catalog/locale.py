"""Dates, times, numbers and percentages as each language writes them, for pages, charts, tables,
reports and the CLI alike (no Streamlit here; ui/ passes the person's language).

English keeps the product's own forms ("2 Nov 2026", "2 Nov", "Mon", "1,234", "12.5%"); Chinese
writes 2026年11月2日, 11月2日, 周一 (繁體: 週一), 14:03. Month and weekday names, number symbols and the
Chinese patterns come from the Unicode CLDR through Babel, so a language added to the catalog gets
its names without a table here. Numbers are rounded as Python's format() rounds, in every language,
so a figure reads the same in English and Chinese but for its symbols. Weeks start on Monday in
every language (docs/metrics.md), which is also the Chinese custom; nothing here changes a week.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Any

import pandas as pd
from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import get_currency_symbol

from catalog import DEFAULT, NAMES, language_of

MISSING = "—"
BABEL = {"en": "en", "zh-CN": "zh_Hans_CN", "zh-TW": "zh_Hant_TW"}  # CLDR's name of each language
SCRIPTS = {"zh-CN": "zh_Hans", "zh-TW": "zh_Hant"}  # CLDR's name of each Chinese script

# CLDR date patterns by form. English: the forms the product has always written.
PATTERNS = {
    "en": {
        "day": "d MMM y",  # 2 Nov 2026
        "short_day": "d MMM",  # 2 Nov
        "month": "MMM y",  # Nov 2026
        "weekday": "EEE",  # Mon
        "moment": "d MMM y, HH:mm",  # 2 Nov 2026, 14:03
    },
    "zh": {
        "day": "y年M月d日",
        "short_day": "M月d日",
        "month": "y年M月",
        "weekday": "EEE",  # 周一, 週一
        "moment": "y年M月d日 HH:mm",
    },
}
# The same forms for Streamlit's table columns (moment.js) and for vega's axes and tooltips (d3).
COLUMN_FORMATS = {
    "en": {"day": "D MMM YYYY", "moment": "D MMM YYYY, HH:mm"},
    "zh": {"day": "YYYY年M月D日", "moment": "YYYY年M月D日 HH:mm"},
}
CHART_FORMATS = {
    "en": {"day": "%-d %b %Y", "short_day": "%-d %b", "month": "%b %Y"},
    "zh": {"day": "%Y年%-m月%-d日", "short_day": "%-m月%-d日", "month": "%Y年%-m月"},
}


def _language(language: str | None) -> str:
    return language_of(language) or DEFAULT


def _family(language: str | None) -> str:
    """The key of PATTERNS, COLUMN_FORMATS and CHART_FORMATS: both Chinese scripts write dates alike."""
    return "zh" if _language(language).startswith("zh") else "en"


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(BABEL[language])


def language_name(code: str, language: str | None = None) -> str:
    """A language's name ("en", "zh", "zh-TW", "es", "pt-BR") in the reader's language (English, 中文,
    繁體中文, 西班牙語, Brazilian Portuguese); an unknown code as it is. From CLDR, so a language the
    product does not speak (a survey's Spanish, Japanese …) is named too."""
    reader = _locale(_language(language))
    key = code.strip().replace("-", "_")
    product = language_of(code) if "_" in key else None  # zh-CN, zh-Hant-TW: the script's name
    for candidate in (key, SCRIPTS.get(product or "")):
        if candidate and reader.languages.get(candidate):
            return str(reader.languages[candidate])
    try:
        named = Locale.parse(key).get_display_name(reader)  # "Spanish (Argentina)"
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    if not named:
        return code
    return named.replace(" (", "（").replace(")", "）") if _family(language) == "zh" else named


class LanguageName(str):
    """A language's name as a value inside a catalog message (errors.Said): its string is the English
    name, text(language) the name in the reader's language."""

    code: str

    def __new__(cls, code: str) -> LanguageName:
        name = super().__new__(cls, language_name(code, "en"))
        name.code = code
        return name

    def __reduce__(self) -> tuple[Any, ...]:
        return (LanguageName, (self.code,))

    def text(self, language: str, *, quote: Any = None) -> str:
        return language_name(self.code, language)


def is_language_code(code: object) -> bool:
    """Whether `code` is a BCP 47 language code CLDR knows (`es`, `ja`, `pt-BR`, `zh-Hant`): what a
    survey may be written in."""
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
        return False
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def autonym(code: str) -> str:
    """A language's name in itself (English, 简体中文, 繁體中文, Español, 日本語), for a member choosing
    the language to read a survey in; an unknown code as it is."""
    product = language_of(code)
    if product is not None:  # a language the product speaks: as its menu names it (`zh` is 简体中文)
        return NAMES[product]
    try:
        named = Locale.parse(code.strip().replace("-", "_")).get_display_name()
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return (named[:1].upper() + named[1:]) if named else code


def missing(value: Any) -> bool:  # Any: whatever pd.isna takes (a cell of any column)
    """No value: None, NaN, NaT (a text is never missing here, even empty)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _when(value: date | datetime | str | None, form: str, language: str | None) -> str:
    if value is None or missing(value):  # `is None` as well: mypy cannot see into missing
        return MISSING
    stamp = pd.Timestamp(value).to_pydatetime()
    spoken = _language(language)
    return format_datetime(stamp, PATTERNS[_family(spoken)][form], locale=_locale(spoken))


def day(value: date | datetime | str | None, language: str | None = None) -> str:
    """2 Nov 2026 · 2026年11月2日; — for none."""
    return _when(value, "day", language)


def short_day(value: date | datetime | str | None, language: str | None = None) -> str:
    """2 Nov · 11月2日."""
    return _when(value, "short_day", language)


def month(value: date | datetime | str | None, language: str | None = None) -> str:
    """Nov 2026 · 2026年11月."""
    return _when(value, "month", language)


def weekday(value: date | datetime | str | None, language: str | None = None) -> str:
    """Mon · 周一 · 週一."""
    return _when(value, "weekday", language)


def in_zone(value: date | datetime | str | None, zone: str) -> pd.Timestamp | None:
    """A moment as the stores keep it (UTC, without a zone) as a clock on the wall in `zone` reads
    it (without a zone again, for formatting); None for none."""
    if value is None or missing(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(zone).tz_localize(None)


def moment(value: date | datetime | str | None, language: str | None = None, *, zone: str | None = None) -> str:
    """2 Nov 2026, 14:03 · 2026年11月2日 14:03; with `zone`, a kept UTC moment on that zone's clock."""
    return _when(in_zone(value, zone) if zone else value, "moment", language)


def time(value: datetime | str | None) -> str:
    """14:03, in every language."""
    return MISSING if value is None or missing(value) else f"{pd.Timestamp(value):%H:%M}"


def column_format(form: str, language: str | None = None) -> str:
    """A form ("day", "moment") as st.column_config.DatetimeColumn spells it (moment.js)."""
    return COLUMN_FORMATS[_family(language)][form]


def chart_format(form: str, language: str | None = None) -> str:
    """A form ("day", "short_day", "month") as vega spells it (d3-time-format)."""
    return CHART_FORMATS[_family(language)][form]


def _symbols(language: str | None) -> dict[str, str]:
    return _locale(_language(language)).number_symbols["latn"]


def _localised(text: str, language: str | None) -> str:
    """Python's "1,234.5" / "12.5%" / "+3" / "-3" in the language's symbols."""
    symbols = _symbols(language)
    swap = {",": symbols["group"], ".": symbols["decimal"], "%": symbols["percentSign"], "-": symbols["minusSign"]}
    swap["+"] = symbols["plusSign"]
    return "".join(swap.get(char, char) for char in text)


def currency_symbol(code: str, language: str | None = None) -> str:
    """An ISO 4217 currency as the reader writes it beside an amount: CNY is ¥ in Chinese, CN¥ in English."""
    return str(get_currency_symbol(code, _locale(_language(language))))


def number(value: float | None, language: str | None = None, *, decimals: int = 0, sign: bool = False) -> str:
    """1,234 · 1,234.5 (`decimals` 1) · +12 (`sign`), thousands grouped as the language groups them;
    what rounds to zero is 0 without a sign (never "-0.0", nor "+0")."""
    if value is None or missing(value):
        return MISSING
    number = float(value)
    if round(number, decimals) == 0:
        number, sign = 0.0, False
    return _localised(f"{number:{'+' if sign else ''},.{decimals}f}", language)


def percent(value: float | None, language: str | None = None, *, decimals: int = 1, sign: bool = False) -> str:
    """A share as a percentage: 0.125 → 12.5% (`decimals` 0: 13%)."""
    if value is None or missing(value):
        return MISSING
    return _localised(f"{float(value):{'+' if sign else ''}.{decimals}%}", language)


def vega_locale(language: str | None = None) -> dict[str, object]:
    """Vega's number and time locale (d3's shape) for `language`: what vega writes where no format is
    given (a default axis, "%b", "%a") and what utcFormat in a label expression writes."""
    spoken = _language(language)
    names = _locale(spoken)
    months, days = names.months["format"], names.days["format"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # CLDR counts days from Monday, d3 from Sunday
    periods = names.day_periods["format"]["abbreviated"]
    symbols = _symbols(spoken)
    chinese = _family(spoken) == "zh"
    return {
        "number": {"decimal": symbols["decimal"], "thousands": symbols["group"], "grouping": [3], "currency": ["", ""]},
        "time": {
            "dateTime": "%Y年%-m月%-d日 %A %X" if chinese else "%a %b %e %X %Y",
            "date": "%Y/%-m/%-d" if chinese else "%-m/%-d/%Y",
            "time": "%H:%M:%S",
            "periods": [periods["am"], periods["pm"]],
            "days": [days["wide"][n] for n in sunday_first],
            "shortDays": [days["abbreviated"][n] for n in sunday_first],
            "months": [months["wide"][n] for n in range(1, 13)],
            "shortMonths": [months["abbreviated"][n] for n in range(1, 13)],
        },
    }
