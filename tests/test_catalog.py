"""The catalogs stay complete: every language has every key with the same placeholders, and code
asks only for keys that exist (a key missing in Chinese, or mistyped in code, fails here rather
than showing a raw key on a page)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from catalog import CATALOGS, LANGUAGES, language_of, translate

ROOT = Path(__file__).resolve().parent.parent
CODE = [ROOT / "app.py", ROOT / "cli.py", ROOT / "settings.py", ROOT / "errors.py"]
CODE += sorted((ROOT / "pages").glob("*.py"))
CODE += [
    path
    for folder in ("ui", "visuals", "reports", "surveys", "feedback", "auth", "data_sources", "store", "alerts")
    for path in sorted((ROOT / folder).rglob("*.py"))  # packages inside them too (ui/inbox)
]
ASKING = {"t", "Said"}  # t("key") speaks a key now; Said("key", ...) keeps it for an error or a warning


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_language_has_every_key_with_the_same_placeholders(language):
    english, other = CATALOGS["en"], CATALOGS[language]
    assert sorted(set(english) - set(other)) == []  # missing in this language
    assert sorted(set(other) - set(english)) == []  # left over after a key was removed
    differ = [key for key in english if placeholders(english[key]) != placeholders(other[key])]
    assert differ == []
    assert [key for key, text in other.items() if not text.strip()] == []


def asked_keys() -> tuple[set[str], set[str]]:
    """Keys code asks t() or Said() for: literal ones, and the fixed start of f-string ones
    (t(f"kpi.{key}")); and the keys errors are raised with (LinkRefused(message, "share.refused.revoked"))."""
    literal, prefixes = set(), set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ASKING:
                second = node.args[1] if len(node.args) > 1 else None
                keyword = next((k.value for k in node.keywords if k.arg == "key"), None)
                for key in (second, keyword):
                    if node.func.id.endswith(("Error", "Refused", "Busy")) and isinstance(key, ast.Constant):
                        literal.add(str(key.value))
                continue
            if not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal.add(first.value)
            elif isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
                prefixes.add(str(first.values[0].value))
    return literal, prefixes


def test_code_asks_only_for_keys_the_catalog_has():
    literal, prefixes = asked_keys()
    assert len(literal) > 300  # the scan found the code's keys
    assert sorted(key for key in literal if key not in CATALOGS["en"]) == []
    assert sorted(prefix for prefix in prefixes if not any(key.startswith(prefix) for key in CATALOGS["en"])) == []


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("zh-CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-Hans-CN", "zh-CN"),
        ("zh_SG", "zh-CN"),
        ("zh-TW", "zh-TW"),
        ("zh-HK", "zh-TW"),
        ("zh-Hant", "zh-TW"),
        ("en-GB", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_browser_and_address_codes_name_a_language(code, language):
    assert language_of(code) == language


def test_a_string_is_given_in_the_language_asked_else_english():
    assert translate("nav.overview", "en") == "Overview"
    assert translate("nav.overview", "zh-CN") != "Overview"
    assert (
        translate("sign_in.locked", "en", minutes=3)
        == "Too many failed attempts for this address. Try again in 3 minutes."
    )
    assert translate("nav.overview", "fr") == "Overview"


def test_every_file_uploader_speaks_the_readers_language():
    """st.file_uploader draws its own English ("Upload", "200MB per file"); ui.uploads.upload_box
    puts the catalog's words in its place, so no page calls st.file_uploader itself."""
    callers = [
        str(path.relative_to(ROOT))
        for folder in ("pages", "ui")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "uploads.py" and ".file_uploader(" in path.read_text(encoding="utf-8")
    ]
    assert callers == []


def test_every_choice_says_its_placeholder_in_the_readers_language():
    """Streamlit's own words for a selectbox or multiselect with nothing chosen, or with nothing to
    choose from, are English ("Choose an option", "Choose options", "No options to select"): the
    Share links page read "Choose an option" in Chinese. Every one passes the catalog's placeholder."""
    missing = []
    for folder in ("pages", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr in ("selectbox", "multiselect") and not any(
                    keyword.arg == "placeholder" for keyword in node.keywords
                ):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_control_that_groups_a_chart_has_one_name_on_every_page(language):
    """Members and Surveys said "Group by" (分组依据) where Engagement said "Break down by" (拆分维度)
    for the same control: a chart's bars split by a dimension the reader picks."""
    names = {translate(key, language) for key in ("members.growth_by", "engagement.breakdown", "surveys.breakdown_by")}
    assert len(names) == 1


def test_every_actor_a_store_records_for_a_process_has_words():
    """The history and the lists name who changed something: local mode and the app's own processes
    are shown in the reader's words (errors.Who, ui.session.who), never as the stored code ("local", "cli")."""
    from errors import ACTORS
    from feedback import messages
    from outreach import auto_replies
    from ui import session

    assert {session.LOCAL_USER, messages.ACTOR, auto_replies.ACTOR, "survey", "cli", "reminders"} <= set(ACTORS)
    for language in LANGUAGES:
        assert all(key in CATALOGS[language] for key in ACTORS.values()), language
