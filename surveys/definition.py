"""Survey definitions: the YAML format, its validation, and the objects the engine works with.

A definition is checked completely before it is used: every problem is reported with the file, the
question and the field, so a person editing YAML can fix them all in one go. The validated mapping
(`Survey.source`) is what the app store keeps for each version, and parsing it again gives the same
survey, so a stored version renders exactly as it was published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from catalog import NAMES, language_of, translate
from errors import PulseError
from surveys.question_types import TYPES, Text, names

# A definition's language codes: English, 简体中文, 繁體中文, and `zh` (简体中文, as older files wrote it).
LANGUAGES = ("en", "zh-CN", "zh-TW", "zh")
CONDITION_OPERATORS = ("equals", "in", "at_most", "at_least")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
SURVEY_FIELDS = {
    "slug",
    "title",
    "description",
    "languages",
    "questions",
    "pages",
    "opens_at",
    "closes_at",
    "anonymous",
    "response_limit",
    "campaign",
}
QUESTION_FIELDS = {
    "id",
    "type",
    "text",
    "help",
    "required",
    "options",
    "other",
    "rows",
    "scale",
    "min_label",
    "max_label",
    "max_length",
    "feedback",
    "show_if",
}


class DefinitionError(PulseError):
    """Raised when a survey definition (a YAML file, or a stored version) is not usable: bad YAML,
    a missing or unknown field, a question that cannot be asked; `problems` lists each one with its
    place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    id: str
    label: Text


@dataclass(frozen=True)
class Condition:
    """Show a question only when an earlier answer matches (e.g. NPS at most 6: detractors)."""

    question: str
    operator: str
    value: Any

    def holds(self, answer: Any) -> bool:
        """Whether the earlier answer matches; an answer of the wrong kind never does (submit()
        refuses it before asking, and the page never sends one)."""
        if answer is None or answer == [] or answer == {}:
            return False
        if self.operator in ("at_most", "at_least"):
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                return False
            return answer <= self.value if self.operator == "at_most" else answer >= self.value
        wanted = self.value if self.operator == "in" else [self.value]
        if isinstance(answer, list):  # a multiple-choice answer matches when any choice is wanted
            return any(choice in wanted for choice in answer)
        return answer in wanted


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Text
    help: Text | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    other: bool = False
    rows: tuple[Option, ...] = ()
    scale: tuple[Text, ...] = ()
    min_label: Text | None = None
    max_label: Text | None = None
    max_length: int | None = None
    feedback: bool = False
    show_if: Condition | None = None

    @property
    def bounds(self) -> tuple[int, int]:
        """The lowest and highest answer of a scale question (a matrix's scale counts from 1)."""
        return TYPES[self.type].bounds(self)


@dataclass(frozen=True)
class Page:
    title: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Survey:
    slug: str
    title: Text
    description: Text | None
    languages: tuple[str, ...]
    pages: tuple[Page, ...]
    opens_at: datetime | None
    closes_at: datetime | None
    anonymous: bool
    response_limit: int | None
    campaign: str | None
    source: dict[str, Any] = field(repr=False, compare=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for page in self.pages for question in page.questions)

    def question(self, question_id: str) -> Question:
        return next(question for question in self.questions if question.id == question_id)


def answer_labels(survey: Survey, language: str) -> dict[str, str]:
    """What each stored answer id of the survey reads as in `language`: its question's text; a grid's
    row as "question: row"; the words written for "Other" as "question: Other"."""
    labels: dict[str, str] = {}
    colon = "：" if language.startswith("zh") else ": "  # Chinese writes a full-width colon
    for question in survey.questions:
        text = text_in(question.text, language)
        labels[question.id] = text
        labels[f"{question.id}.other"] = f"{text}{colon}{translate('survey.other', language)}"
        for row in question.rows:
            labels[f"{question.id}.{row.id}"] = f"{text}{colon}{text_in(row.label, language)}"
    return labels


def nearest_language(codes: tuple[str, ...], asked: str | None) -> str | None:
    """The code among `codes` (a definition's) that writes the language `asked` names in any spelling
    a browser or address uses (`zh`, `zh-CN` and `zh-Hans` are one language; `zh-TW` and `zh-HK`
    another); for Chinese without its own script there, the other Chinese script (a reader of one
    reads the other better than English); else None."""
    wanted = language_of(asked)
    if wanted is None:
        return None
    spoken = [language_of(code) for code in codes]
    if wanted in spoken:
        return codes[spoken.index(wanted)]
    chinese = [code for code, language in zip(codes, spoken, strict=True) if (language or "").startswith("zh")]
    return chinese[0] if wanted.startswith("zh") and chinese else None


def choose_language(languages: tuple[str, ...], *asked: str | None) -> str:
    """The survey language for a member: the first of `asked` (the address's `lang`, then the
    browser's locale) that the survey has, or has the other Chinese script of; else its first."""
    for code in asked:
        chosen = nearest_language(languages, code)
        if chosen is not None:
            return chosen
    return languages[0]


def text_in(text: Text | None, language: str) -> str:
    """The text in the language asked for, else in the nearest language it is given in (繁體中文 →
    简体中文, and back), else in the first language the definition gives."""
    if not text:
        return ""
    if text.get(language):
        return text[language]
    code = nearest_language(tuple(text), language)
    return text[code] if code else next(iter(text.values()))


class _Checker:
    """Collects every problem in one definition, each prefixed with where it is."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def problem(self, place: str, message: str) -> None:
        self.problems.append(f"{self.where}: {place}: {message}")

    def text(self, value: Any, place: str, languages: tuple[str, ...], *, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.problem(place, "is missing")
            return None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return {languages[0]: str(value)}
        if not isinstance(value, dict) or not value:
            self.problem(place, "must be text, or a mapping of language to text such as {en: ..., zh: ...}")
            return None
        unknown = [key for key in value if key not in languages]
        if unknown:
            self.problem(place, f"language {unknown[0]!r} is not in the survey's languages {list(languages)}")
        if not isinstance(value.get(languages[0]), str) or not value[languages[0]].strip():
            self.problem(place, f"needs the {languages[0]!r} text (the survey's first language)")
            return None
        return {str(key): str(words) for key, words in value.items() if key in languages}


def _moment(value: Any, checker: _Checker, place: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        checker.problem(place, f"{value!r} is not a date such as 2026-03-01 or 2026-03-01 09:00")
        return None


def _options(values: Any, checker: _Checker, place: str, languages: tuple[str, ...]) -> tuple[Option, ...]:
    if not isinstance(values, list):
        checker.problem(place, "must be a list")
        return ()
    options = []
    for n, value in enumerate(values, start=1):
        if isinstance(value, dict) and "id" in value:
            option_id, label = str(value["id"]), checker.text(value.get("label"), f"{place} {n}: label", languages)
        elif isinstance(value, str | int):
            option_id, label = str(value), {languages[0]: str(value)}
        else:
            checker.problem(f"{place} {n}", "must be text or a mapping with id and label")
            continue
        if not ID_PATTERN.match(option_id):
            checker.problem(f"{place} {n}", f"id {option_id!r} must be lowercase letters, digits, - or _")
        if label is not None:
            options.append(Option(id=option_id, label=label))
    ids = [option.id for option in options]
    duplicates = sorted({option_id for option_id in ids if ids.count(option_id) > 1})
    if duplicates:
        checker.problem(place, f"id {duplicates[0]!r} appears more than once")
    return tuple(options)


def _condition(value: Any, checker: _Checker, place: str, earlier: dict[str, Question]) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, dict) or "question" not in value:
        checker.problem(place, "must name a question and one of " + ", ".join(CONDITION_OPERATORS))
        return None
    operators = [key for key in value if key in CONDITION_OPERATORS]
    unknown = [key for key in value if key not in CONDITION_OPERATORS and key != "question"]
    if unknown or len(operators) != 1:
        checker.problem(place, "needs exactly one of " + ", ".join(CONDITION_OPERATORS))
        return None
    target = earlier.get(str(value["question"]))
    if target is None:
        checker.problem(place, f"question {value['question']!r} is not an earlier question of this survey")
        return None
    operator, wanted = operators[0], value[operators[0]]
    numeric = not isinstance(wanted, bool) and isinstance(wanted, int | float)
    if operator in ("at_most", "at_least") and (not TYPES[target.type].ranked or not numeric):
        scales = ", ".join(names(lambda kind: kind.ranked))
        checker.problem(place, f"{operator} needs a number and a scale question ({scales})")
        return None
    if operator == "in" and not isinstance(wanted, list):
        checker.problem(place, "in needs a list of answers")
        return None
    return Condition(question=target.id, operator=operator, value=TYPES[target.type].condition_value(wanted))


@dataclass(frozen=True)
class _Reader:
    """What a question type's `fields` check uses: the problems, and readers of text and options in
    the survey's languages."""

    checker: _Checker
    languages: tuple[str, ...]

    def problem(self, place: str, message: str) -> None:
        self.checker.problem(place, message)

    def text(self, value: Any, place: str, *, required: bool = True) -> Text | None:
        return self.checker.text(value, place, self.languages, required=required)

    def options(self, values: Any, place: str) -> tuple[Option, ...]:
        return _options(values, self.checker, place, self.languages)


def _question(raw: Any, checker: _Checker, place: str, languages: tuple[str, ...], earlier: dict) -> Question | None:
    if not isinstance(raw, dict):
        checker.problem(place, "must be a mapping with id, type and text")
        return None
    question_id = str(raw.get("id", ""))
    if not ID_PATTERN.match(question_id):
        checker.problem(f"{place}: id", f"{question_id!r} must be lowercase letters, digits, - or _ (and is required)")
        return None
    where = question_id
    for key in raw:
        if key not in QUESTION_FIELDS:
            checker.problem(f"{where}: {key}", "is not a question field (" + ", ".join(sorted(QUESTION_FIELDS)) + ")")
    name = raw.get("type")
    if not isinstance(name, str) or name not in TYPES:
        checker.problem(f"{where}: type", f"{name!r} is not one of " + ", ".join(TYPES))
        return None
    kind = TYPES[name]
    text = checker.text(raw.get("text"), f"{where}: text", languages)
    if "options" in raw and not kind.takes_options:
        choices = " and ".join(names(lambda each: each.takes_options))
        checker.problem(f"{where}: options", f"only {choices} questions have options, not {name}")
    fields = kind.fields(raw, _Reader(checker, languages), where)
    if raw.get("max_length") is not None and kind.max_length is None:
        checker.problem(f"{where}: max_length", "only text questions have a max_length")
    for flag in ("required", "other", "feedback"):
        if flag in raw and not isinstance(raw[flag], bool):
            checker.problem(f"{where}: {flag}", "must be true or false")
    if raw.get("other") and not kind.takes_options:
        choices = " and ".join(names(lambda each: each.takes_options))
        checker.problem(f"{where}: other", f"only {choices} questions can offer 'other'")
    show_if = _condition(raw.get("show_if"), checker, f"{where}: show_if", earlier)
    if text is None:
        return None
    return Question(
        id=question_id,
        type=name,
        text=text,
        help=checker.text(raw.get("help"), f"{where}: help", languages, required=False),
        required=bool(raw.get("required", False)),
        other=bool(raw.get("other", False)),
        min_label=checker.text(raw.get("min_label"), f"{where}: min_label", languages, required=False),
        max_label=checker.text(raw.get("max_label"), f"{where}: max_label", languages, required=False),
        feedback=bool(raw.get("feedback", kind.feedback_by_default)),
        show_if=show_if,
        **fields,
    )


def parse_definition(raw: Any, *, where: str) -> Survey:
    """Validate a definition mapping and build the Survey; DefinitionError lists every problem."""
    checker = _Checker(where)
    if not isinstance(raw, dict):
        raise DefinitionError([f"{where}: the file must hold a mapping (slug, title, questions, ...)"])
    for key in raw:
        if key not in SURVEY_FIELDS:
            checker.problem(str(key), "is not a survey field (" + ", ".join(sorted(SURVEY_FIELDS)) + ")")
    slug = str(raw.get("slug", ""))
    if not ID_PATTERN.match(slug):
        checker.problem("slug", f"{slug!r} must be lowercase letters, digits, - or _ (it is the link's s=...)")
    languages = raw.get("languages", ["en"])
    if not isinstance(languages, list) or not languages or any(language not in LANGUAGES for language in languages):
        checker.problem("languages", f"must be a list drawn from {list(LANGUAGES)}")
        languages = ["en"]
    languages = tuple(dict.fromkeys(languages))
    spoken = [language_of(code) for code in languages]
    for language in dict.fromkeys(each for each in spoken if spoken.count(each) > 1):
        same = [code for code, each in zip(languages, spoken, strict=True) if each == language]
        checker.problem("languages", f"{' and '.join(same)} are both {NAMES[language or 'en']}; keep one")
    title = checker.text(raw.get("title"), "title", languages)
    description = checker.text(raw.get("description"), "description", languages, required=False)

    if "pages" in raw and "questions" in raw:
        checker.problem("pages", "give either pages (each with questions) or questions, not both")
    raw_pages = raw.get("pages") if "pages" in raw else [{"questions": raw.get("questions")}]
    if not isinstance(raw_pages, list) or not raw_pages:
        checker.problem("pages", "must be a list of pages, each with a list of questions")
        raw_pages = []
    pages: list[Page] = []
    seen: dict[str, Question] = {}
    for page_number, raw_page in enumerate(raw_pages, start=1):
        place = f"page {page_number}"
        if (
            not isinstance(raw_page, dict)
            or not isinstance(raw_page.get("questions"), list)
            or not raw_page["questions"]
        ):
            checker.problem(place, "needs a list of questions")
            continue
        page_title = checker.text(raw_page.get("title"), f"{place}: title", languages, required=False)
        questions = []
        for number, raw_question in enumerate(raw_page["questions"], start=1):
            question = _question(raw_question, checker, f"{place} question {number}", languages, seen)
            if question is None:
                continue
            if question.id in seen:
                checker.problem(f"{question.id}: id", "appears more than once")
                continue
            seen[question.id] = question
            questions.append(question)
        pages.append(Page(title=page_title, questions=tuple(questions)))

    opens_at = _moment(raw.get("opens_at"), checker, "opens_at")
    closes_at = _moment(raw.get("closes_at"), checker, "closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        checker.problem("closes_at", "must be after opens_at")
    limit = raw.get("response_limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        checker.problem("response_limit", "must be a whole number of at least 1")
    if not isinstance(raw.get("anonymous", False), bool):
        checker.problem("anonymous", "must be true or false")
    campaign = raw.get("campaign")
    if campaign is not None and not isinstance(campaign, str | int):
        checker.problem("campaign", "must be a campaign id")
    if checker.problems or title is None:
        raise DefinitionError(checker.problems or [f"{where}: title: is missing"])
    return Survey(
        slug=slug,
        title=title,
        description=description,
        languages=languages,
        pages=tuple(pages),
        opens_at=opens_at,
        closes_at=closes_at,
        anonymous=bool(raw.get("anonymous", False)),
        response_limit=limit,
        campaign=None if campaign is None else str(campaign),
        source=_plain(raw),
    )


def _plain(value: Any) -> Any:
    """The mapping with dates as ISO text, so it can be stored as JSON and compared."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def load_definition(path: Path) -> Survey:
    """Read and validate one YAML file; errors name the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise DefinitionError([f"{path.name}: cannot be read: {error}"]) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark else "YAML"
        raise DefinitionError([f"{path.name}: {place}: not valid YAML: {getattr(error, 'problem', error)}"]) from error
    survey = parse_definition(raw, where=path.name)
    if path.stem != survey.slug:
        raise DefinitionError(
            [f"{path.name}: slug: {survey.slug!r} differs from the file name; name it {survey.slug}.yaml"]
        )
    return survey


def load_definitions(folder: Path) -> tuple[list[Survey], list[str]]:
    """Every definition in a folder: the valid surveys, and the problems of the others."""
    surveys, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        try:
            surveys.append(load_definition(path))
        except DefinitionError as error:
            problems.extend(error.problems)
    return surveys, problems
