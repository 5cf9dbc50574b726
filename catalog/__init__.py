"""Every string a person reads, in every language the product has: one module of MESSAGES per
language (en.py, zh_CN.py, zh_TW.py), the same keys in each (tests/test_catalog.py). No Streamlit
here, so reports and the CLI translate as the pages do; ui/i18n.py adds the current person's
language.

Language codes are BCP 47 as browsers send them: `en`, `zh-CN` (简体中文), `zh-TW` (繁體中文). A
survey definition's `zh` texts are Simplified Chinese.
"""

from __future__ import annotations

from catalog import en, zh_CN, zh_TW

LANGUAGES = ("en", "zh-CN", "zh-TW")
DEFAULT = "en"
NAMES = {"en": "English", "zh-CN": "简体中文", "zh-TW": "繁體中文"}  # each in its own language
CATALOGS: dict[str, dict[str, str]] = {"en": en.MESSAGES, "zh-CN": zh_CN.MESSAGES, "zh-TW": zh_TW.MESSAGES}
TRADITIONAL = ("tw", "hk", "mo", "hant")  # regions and the script that write Traditional Chinese


def language_of(code: object) -> str | None:
    """The product's language for a browser or address code (`zh`, `zh-Hans-CN`, `zh_TW`, `zh-HK`,
    `en-GB` …), or None when it has none of the code's language."""
    if not isinstance(code, str):
        return None
    parts = code.strip().lower().replace("_", "-").split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh":
        return "zh-TW" if any(part in TRADITIONAL for part in parts[1:]) else "zh-CN"
    return None


def translate(key: str, language: str = DEFAULT, **values: object) -> str:
    """The string for `key` in `language` (a code language_of reads; else English), with `values`
    filled in; the key itself when no catalog has it (tests/test_catalog.py keeps that from
    happening)."""
    catalog = CATALOGS.get(language_of(language) or DEFAULT, en.MESSAGES)
    text = catalog.get(key) or en.MESSAGES.get(key, key)
    return text.format(**values) if values else text
