"""Editing a definition as the survey editor does (ui/survey_editor/): pure operations on the
mapping a YAML file holds, so they are tested without a page.

The editor works on a definition in one shape: `pages` (never the one-page `questions`), every text
a mapping of language to words, every option and grid row `{id, label}`. `normalized` brings any
definition to that shape without changing what it says; `compact` drops the optional texts left
blank before a draft is saved. Question and option ids are made once and kept, so answers stay
under them across versions (surveys/drafts.py).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from catalog.locale import is_language_code
from surveys.definition import CONDITION_OPERATORS, raw_pages
from surveys.question_types import TYPES

SURVEY_TEXTS = ("title", "description", "thanks")
REQUIRED_TEXTS = ("title", "text")  # a draft keeps these even blank, for the editor to flag
QUESTION_TEXTS = ("text", "help", "min_label", "max_label")
PAGE_TEXTS = ("title",)
QUESTION_ORDER = ("id", "type", "required", "text", "help", "options", "other", "rows", "scale")


def _code(code: object) -> str:
    """`zh`, as older files write 简体中文, is `zh-CN` in the editor."""
    return "zh-CN" if code == "zh" else str(code)


def as_text(value: Any, first: str) -> dict[str, str]:
    """A text field as language → words (plain text is the first language's)."""
    if isinstance(value, dict):
        return {_code(key): "" if words is None else str(words) for key, words in value.items()}
    if value is None:
        return {}
    return {_code(first): str(value)}


def _labelled(values: Any, first: str) -> list[dict[str, Any]]:
    if not isinstance(values, list):
        return []
    items = []
    for value in values:
        if isinstance(value, dict):
            items.append({"id": str(value.get("id", "")), "label": as_text(value.get("label"), first)})
        else:
            items.append({"id": str(value), "label": as_text(value, first)})
    return items


def languages_of(definition: dict[str, Any]) -> list[str]:
    written = definition.get("languages")
    """The definition's languages the editor can show (a code that is not one is a problem beside the
    field, surveys.definition); English when none is."""
    valid = [_code(code) for code in written if is_language_code(code)] if isinstance(written, list) else []
    return list(dict.fromkeys(valid)) or ["en"]


def normalized(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition in the editor's shape, saying the same thing."""
    result = copy.deepcopy(definition)
    first = languages_of(result)[0]
    result["languages"] = languages_of(result)
    for name in SURVEY_TEXTS:
        if name in result:
            result[name] = as_text(result[name], first)
    written = raw_pages(result)
    pages: list[Any] = written if isinstance(written, list) else []
    result.pop("questions", None)
    result["pages"] = []
    for page in pages:
        page = dict(page) if isinstance(page, dict) else {"questions": []}
        if "title" in page:
            page["title"] = as_text(page["title"], first)
        written_questions = page.get("questions")
        questions: list[Any] = written_questions if isinstance(written_questions, list) else []
        page["questions"] = [_question(question, first) for question in questions]
        result["pages"].append(page)
    return result


def _question(raw: Any, first: str) -> dict[str, Any]:
    question = dict(raw) if isinstance(raw, dict) else {}
    for name in QUESTION_TEXTS:
        if name in question:
            question[name] = as_text(question[name], first)
    for name in ("options", "rows"):
        if name in question:
            question[name] = _labelled(question[name], first)
    if "scale" in question and isinstance(question["scale"], list):
        question["scale"] = [as_text(label, first) for label in question["scale"]]
    return question


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, dict) and not any(str(v).strip() for v in value.values()))


def compact(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition as a draft keeps it: optional texts left blank, empty settings and a question's
    default flags dropped; required texts kept even blank (the editor flags them); the words of a
    language the survey no longer has dropped (the editor's working copy keeps them, so a language
    taken out by mistake and put back has them again)."""
    result = copy.deepcopy(definition)
    for name in ("description", "thanks", "opens_at", "closes_at", "response_limit", "campaign"):
        if _blank(result.get(name)):
            result.pop(name, None)
    if result.get("anonymous") is False:
        result.pop("anonymous")
    for page in result.get("pages", []):
        if _blank(page.get("title")):
            page.pop("title", None)
        for question in page.get("questions", []):
            for name in ("help", "min_label", "max_label", "show_if", "max_length"):
                if _blank(question.get(name)):
                    question.pop(name, None)
            for flag in ("required", "other"):
                if question.get(flag) is False:
                    question.pop(flag)
            for name in ("text",):
                question[name] = _trimmed(question.get(name))
            for option in [*question.get("options", []), *question.get("rows", [])]:
                option["label"] = _trimmed(option.get("label"))
    result["title"] = _trimmed(result.get("title"))
    languages = languages_of(result)
    for text in _texts(result):  # a language taken out: its words stay in the editor, not in what is kept
        if isinstance(text, dict):
            for code in [code for code in text if code not in languages]:
                del text[code]
    return result


def _trimmed(text: Any) -> Any:
    """A text without the languages left blank (missing translations), but never empty."""
    if not isinstance(text, dict):
        return text
    kept = {code: words for code, words in text.items() if str(words).strip()}
    return kept or text


def question_ids(definition: dict[str, Any]) -> list[str]:
    return [str(q.get("id")) for page in definition.get("pages", []) for q in page.get("questions", [])]


def new_id(prefix: str, taken: set[str]) -> str:
    """`prefix`, or `prefix_2`, `prefix_3` … : the first not taken."""
    base = re.sub(r"[^a-z0-9_-]", "_", prefix.lower())[:50] or "q"
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def new_question(kind: str, *, taken: set[str], languages: list[str]) -> dict[str, Any]:
    """A question of the type, its texts blank in every language; choices start with two options
    and a grid with two statements."""
    blank = dict.fromkeys(languages, "")
    question: dict[str, Any] = {"id": new_id(kind, taken), "type": kind, "text": dict(blank)}
    if TYPES[kind].takes_options:
        question["options"] = [{"id": f"o{n}", "label": dict(blank)} for n in (1, 2)]
    if TYPES[kind].grid:
        question["rows"] = [{"id": f"r{n}", "label": dict(blank)} for n in (1, 2)]
    return question


def new_option(items: list[dict[str, Any]], *, languages: list[str], prefix: str = "o") -> dict[str, Any]:
    taken = {str(item.get("id")) for item in items}
    n = len(items) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    return {"id": f"{prefix}{n}", "label": dict.fromkeys(languages, "")}


def moved(items: list[Any], index: int, step: int) -> list[Any]:
    """The list with item `index` moved one place up (-1) or down (+1); unchanged at an end."""
    target = index + step
    if not 0 <= index < len(items) or not 0 <= target < len(items):
        return items
    items = list(items)
    items[index], items[target] = items[target], items[index]
    return items


def earlier(definition: dict[str, Any], question_id: str) -> list[dict[str, Any]]:
    """The questions before this one (what its `show_if` may depend on)."""
    found: list[dict[str, Any]] = []
    for page in definition.get("pages", []):
        for question in page.get("questions", []):
            if question.get("id") == question_id:
                return found
            found.append(question)
    return found


def operators_for(kind: str) -> tuple[str, ...]:
    """The tests a show_if may make of an answer to this type."""
    if TYPES[kind].ranked:
        return ("at_most", "at_least", "equals")
    if TYPES[kind].takes_options:
        return ("in",)
    if kind == "yes_no":
        return ("equals",)
    return ()


def missing(text: Any, languages: list[str]) -> list[str]:
    """The languages a text is not yet written in (the first included: then it is a problem too)."""
    words = text if isinstance(text, dict) else {}
    return [code for code in languages if not str(words.get(code, "")).strip()]


def _texts(definition: dict[str, Any]) -> list[Any]:
    """Every text of a definition in the editor's shape: the survey's, each page's title, each
    question's, its options' and grid rows' labels."""
    texts: list[Any] = [definition.get(name) for name in SURVEY_TEXTS if name in definition]
    for page in definition.get("pages", []):
        texts.append(page.get("title"))
        for question in page.get("questions", []):
            texts.extend(question.get(name) for name in QUESTION_TEXTS if name in question)
            texts.extend(item.get("label") for item in [*question.get("options", []), *question.get("rows", [])])
            scale = question.get("scale")
            texts.extend(scale if isinstance(scale, list) else [])  # a grid's answer labels
    return texts


def missing_translations(definition: dict[str, Any]) -> int:
    """How many texts lack a language other than the first (the first's are problems of their own)."""
    languages = languages_of(definition)[1:]
    return sum(
        len(missing(text, languages))
        for text in _texts(definition)
        if isinstance(text, dict) and any(str(v).strip() for v in text.values())
    )


def first_language(definition: dict[str, Any], language: str) -> dict[str, Any]:
    """A new survey's definition with `language` (the manager's) its first where it has it: the
    language its required texts are written in first, and members of another language read."""
    languages = languages_of(definition)
    if language in languages:
        definition = {**definition, "languages": [language, *(code for code in languages if code != language)]}
    return definition


def preview_definition(definition: dict[str, Any], *, placeholder: str) -> dict[str, Any]:
    """A copy a half-written draft can be previewed from: blank required texts read `placeholder`."""
    result = copy.deepcopy(definition)
    first = languages_of(result)[0]

    def filled(text: Any) -> Any:
        text = as_text(text, first)
        if not str(text.get(first, "")).strip():
            text[first] = placeholder
        return text

    result["title"] = filled(result.get("title"))
    for page in result.get("pages", []):
        for question in page.get("questions", []):
            question["text"] = filled(question.get("text"))
            for item in [*question.get("options", []), *question.get("rows", [])]:
                item["label"] = filled(item.get("label"))
    return result


def condition_parts(show_if: Any) -> tuple[str | None, str | None, Any]:
    """A show_if as (question, operator, value); Nones when there is none."""
    if not isinstance(show_if, dict):
        return None, None, None
    operator = next((key for key in show_if if key in CONDITION_OPERATORS), None)
    return show_if.get("question"), operator, show_if.get(operator) if operator else None
