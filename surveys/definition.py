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
from catalog.locale import is_language_code, language_name
from errors import Lines, PulseError, Quote, Said, quoted
from surveys.question_types import OTHER, TYPES, Text, names

# A definition's languages are open: any BCP 47 code CLDR knows (`es`, `ja`, `pt-BR` …; `zh` is
# 简体中文, as older files wrote it). The product's own pages speak en, zh-CN and zh-TW (catalog); a
# survey in another language shows its texts in it and the page's buttons in English. The builder
# offers these first and takes any other code typed in.
COMMON_LANGUAGES = ("en", "zh-CN", "zh-TW", "es", "pt", "fr", "de", "it", "ja", "ko", "vi", "th", "id", "ru", "ar")
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
    "thanks",
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


FieldPath = tuple[str | int, ...]  # where in a definition: ("questions", "nps", "options", 0), ("closes_at",)


class Place:
    """A field's path as a person reads it: `page 2 question 1: id`, `nps: options 3: label`,
    `closes_at` (field names are YAML's, the same in every language; page and question words are
    translated; an index counts from 1)."""

    def __init__(self, path: FieldPath) -> None:
        self.path = path

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        path, parts = self.path, []
        if path[:1] == ("pages",) and len(path) > 1:
            if len(path) > 3 and path[2] == "questions" and isinstance(path[3], int):
                parts.append(
                    translate("survey.place.page_question", language, page=int(path[1]) + 1, number=path[3] + 1)
                )
                path = path[4:]
            else:
                parts.append(translate("survey.place.page", language, page=int(path[1]) + 1))
                path = path[2:]
        elif path[:1] == ("questions",) and len(path) > 1:
            parts.append(quote(str(path[1])) if quote else str(path[1]))
            path = path[2:]
        elif path[:1] == ("line",) and len(path) > 1:
            parts.append(translate("survey.place.line", language, line=path[1]))
            path = path[2:]
        for part in path:
            if isinstance(part, int) and parts:
                parts[-1] = f"{parts[-1]} {part + 1}"
            else:
                parts.append(str(part))
        return ": ".join(parts)


class DefinitionProblem(Said):
    """One problem of a definition: where it was read (a file name, a stored version, a draft),
    the path of the field it concerns (`field`, for the editor to show it beside that field), and
    what is wrong (`message`, a Said). Its string is the English line `file: place: message`."""

    field: FieldPath
    message: Said

    def __new__(cls, where: str, field: FieldPath, message: Said) -> DefinitionProblem:
        key = "survey.problem" if field else "survey.problem.file"
        values: dict[str, Any] = {"where": where, "place": Place(field), "message": message}
        problem = str.__new__(cls, translate(key, "en", **quoted(values, None)))
        problem.key, problem.values = key, values
        problem.field, problem.message = field, message
        return problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (DefinitionProblem, (self.values["where"], self.field, self.message))


class DefinitionError(PulseError):
    """Raised when a survey definition (a YAML file, a stored version, a draft) is not usable: bad
    YAML, a missing or unknown field, a question that cannot be asked; `problems` lists each one
    (a DefinitionProblem) with its place."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        super().__init__(Lines(problems))
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
    thanks: Text | None = None  # what a member reads after submitting; else the catalog's thanks

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for page in self.pages for question in page.questions)

    def question(self, question_id: str) -> Question:
        return next(question for question in self.questions if question.id == question_id)


def answer_labels(survey: Survey, language: str) -> dict[str, str]:
    """What each stored answer id of the survey reads as in `language`: its question's text; a grid's
    row as "question: row"; the words written for "Other" as "question: Other"."""
    labels: dict[str, str] = {}
    for question in survey.questions:
        text = text_in(question.text, language)
        labels[question.id] = text
        labels[f"{question.id}.other"] = _part_of(text, translate("survey.other", language), language)
        for row in question.rows:
            labels[f"{question.id}.{row.id}"] = _part_of(text, text_in(row.label, language), language)
    return labels


def _part_of(question: str, part: str, language: str) -> str:
    """The part of a question as "question: part", the colon full-width in Chinese; none after a
    question that ends in its own mark ("Where do you chat? Other", "你在哪里参与讨论？其他", not "？：其他")."""
    chinese = language.startswith("zh")
    if question.rstrip().endswith(("?", "？", ":", "：", "!", "！", ".", "。")):
        return f"{question.rstrip()}{'' if chinese else ' '}{part}"
    return f"{question}{'：' if chinese else ': '}{part}"


def spoken_as(code: object) -> str | None:
    """The language a survey's code names, one value per language: the product's code for English
    and Chinese in any spelling (`zh`, `zh-Hans` → zh-CN), else the code in lower case (`es-MX`)."""
    if not isinstance(code, str):
        return None
    return language_of(code) or code.strip().lower().replace("_", "-")


def nearest_language(codes: tuple[str, ...], asked: str | None) -> str | None:
    """The code among `codes` (a definition's) that writes the language `asked` names in any spelling
    a browser or address uses (`zh`, `zh-CN` and `zh-Hans` are one language; `zh-TW` and `zh-HK`
    another; `es-MX` asks for `es` when the survey has no `es-MX`); for Chinese without its own
    script there, the other Chinese script (a reader of one reads the other better than English);
    else None."""
    wanted = spoken_as(asked)
    if wanted is None:
        return None
    spoken = [spoken_as(code) for code in codes]
    if wanted in spoken:
        return codes[spoken.index(wanted)]
    primary = [(each or "").split("-")[0] for each in spoken]
    if wanted.split("-")[0] in primary:  # es-MX → es, pt → pt-BR (Chinese scripts are two languages)
        return codes[primary.index(wanted.split("-")[0])]
    return None


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
    """Collects every problem in one definition, each with where it is."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[DefinitionProblem] = []

    def problem(self, place: FieldPath, key: str, **values: Any) -> None:
        self.problems.append(DefinitionProblem(self.where, place, Said(f"survey.problem.{key}", **values)))

    def text(self, value: Any, place: FieldPath, languages: tuple[str, ...], *, required: bool = True) -> Text | None:
        if _blank(value) and value is not None and (isinstance(value, str) or value):
            value = None  # blank (in every language) is missing
        if value is None:
            if required:
                self.problem(place, "missing")
            return None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return {languages[0]: str(value)}
        if not isinstance(value, dict) or not value:
            self.problem(place, "text_kind")
            return None
        unknown = [key for key in value if key not in languages]
        if unknown:
            self.problem(place, "text_language", code=repr(unknown[0]), languages=", ".join(languages))
        if not isinstance(value.get(languages[0]), str) or not value[languages[0]].strip():
            self.problem(place, "first_language", code=repr(languages[0]))
            return None
        return {
            str(key): str(words)
            for key, words in value.items()
            if key in languages and isinstance(words, str | int | float) and str(words).strip()
        }


def _blank(value: Any) -> bool:
    """Text with no words in any language (a label left empty in the editor)."""
    if isinstance(value, dict):
        return not any(isinstance(words, str | int | float) and str(words).strip() for words in value.values())
    return value is None or (isinstance(value, str) and not value.strip())


def _moment(value: Any, checker: _Checker, place: FieldPath) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        checker.problem(place, "date", value=repr(value))
        return None


def _options(values: Any, checker: _Checker, place: FieldPath, languages: tuple[str, ...]) -> tuple[Option, ...]:
    if not isinstance(values, list):
        checker.problem(place, "list")
        return ()
    options = []
    for n, value in enumerate(values):
        if isinstance(value, dict) and "id" in value and _blank(value.get("label")):
            checker.problem((*place, n), "option_empty")
            continue
        if isinstance(value, dict) and "id" in value:
            option_id, label = str(value["id"]), checker.text(value.get("label"), (*place, n, "label"), languages)
        elif isinstance(value, str | int) and str(value).strip():
            option_id, label = str(value), {languages[0]: str(value)}
        elif isinstance(value, str | None):
            checker.problem((*place, n), "option_empty")
            continue
        else:
            checker.problem((*place, n), "option_kind")
            continue
        if not ID_PATTERN.match(option_id):
            checker.problem((*place, n, "id"), "option_id", id=repr(option_id))
        if label is not None:
            options.append(Option(id=option_id, label=label))
    ids = [option.id for option in options]
    for n, option_id in enumerate(ids):
        if option_id in ids[:n]:
            checker.problem((*place, n, "id"), "option_twice", id=repr(option_id))
    return tuple(options)


def _condition(
    value: Any, checker: _Checker, place: FieldPath, earlier: dict[str, Question], every: set[str]
) -> Condition | None:
    if value is None:
        return None
    operators_named = ", ".join(CONDITION_OPERATORS)
    if not isinstance(value, dict) or "question" not in value:
        checker.problem(place, "condition_kind", operators=operators_named)
        return None
    operators = [key for key in value if key in CONDITION_OPERATORS]
    unknown = [key for key in value if key not in CONDITION_OPERATORS and key != "question"]
    if unknown or len(operators) != 1:
        checker.problem(place, "condition_operator", operators=operators_named)
        return None
    target = earlier.get(str(value["question"]))
    if target is None:
        named = repr(str(value["question"]))
        checker.problem(
            (*place, "question"),
            "condition_later" if str(value["question"]) in every else "condition_unknown",
            question=named,
        )
        return None
    operator, wanted = operators[0], value[operators[0]]
    numeric = not isinstance(wanted, bool) and isinstance(wanted, int | float)
    if operator in ("at_most", "at_least") and (not TYPES[target.type].ranked or not numeric):
        scales = ", ".join(names(lambda kind: kind.ranked))
        checker.problem((*place, operator), "condition_scale", operator=operator, scales=scales)
        return None
    if operator == "in" and not isinstance(wanted, list):
        checker.problem((*place, operator), "condition_in")
        return None
    if TYPES[target.type].takes_options:
        known = {option.id for option in target.options} | ({OTHER} if target.other else set())
        missing = [str(each) for each in (wanted if isinstance(wanted, list) else [wanted]) if str(each) not in known]
        if missing:
            checker.problem((*place, operator), "condition_option", option=repr(missing[0]), question=repr(target.id))
            return None
    return Condition(question=target.id, operator=operator, value=TYPES[target.type].condition_value(wanted))


@dataclass(frozen=True)
class _Reader:
    """What a question type's `fields` check uses: the problems, and readers of text and options in
    the survey's languages."""

    checker: _Checker
    languages: tuple[str, ...]

    def problem(self, place: FieldPath, key: str, **values: Any) -> None:
        self.checker.problem(place, key, **values)

    def text(self, value: Any, place: FieldPath, *, required: bool = True) -> Text | None:
        return self.checker.text(value, place, self.languages, required=required)

    def options(self, values: Any, place: FieldPath) -> tuple[Option, ...]:
        return _options(values, self.checker, place, self.languages)


def _question(
    raw: Any, checker: _Checker, place: FieldPath, languages: tuple[str, ...], earlier: dict, every: set[str]
) -> Question | None:
    if not isinstance(raw, dict):
        checker.problem(place, "question_kind")
        return None
    question_id = str(raw.get("id", ""))
    if not ID_PATTERN.match(question_id):
        checker.problem((*place, "id"), "question_id", id=repr(question_id))
        return None
    where: FieldPath = ("questions", question_id)
    for key in raw:
        if key not in QUESTION_FIELDS:
            checker.problem((*where, str(key)), "question_field", fields=", ".join(sorted(QUESTION_FIELDS)))
    name = raw.get("type")
    if not isinstance(name, str) or name not in TYPES:
        checker.problem((*where, "type"), "type", type=repr(name), types=", ".join(TYPES))
        return None
    kind = TYPES[name]
    text = checker.text(raw.get("text"), (*where, "text"), languages)
    choices = " / ".join(names(lambda each: each.takes_options))
    if "options" in raw and not kind.takes_options:
        checker.problem((*where, "options"), "options_not_taken", types=choices, type=name)
    fields = kind.fields(raw, _Reader(checker, languages), where)
    if raw.get("max_length") is not None and kind.max_length is None:
        checker.problem((*where, "max_length"), "max_length_not_taken")
    for flag in ("required", "other", "feedback"):
        if flag in raw and not isinstance(raw[flag], bool):
            checker.problem((*where, flag), "boolean")
    if raw.get("other") and not kind.takes_options:
        checker.problem((*where, "other"), "other_not_taken", types=choices)
    show_if = _condition(raw.get("show_if"), checker, (*where, "show_if"), earlier, every)
    if text is None:
        return None
    return Question(
        id=question_id,
        type=name,
        text=text,
        help=checker.text(raw.get("help"), (*where, "help"), languages, required=False),
        required=bool(raw.get("required", False)),
        other=bool(raw.get("other", False)),
        min_label=checker.text(raw.get("min_label"), (*where, "min_label"), languages, required=False),
        max_label=checker.text(raw.get("max_label"), (*where, "max_label"), languages, required=False),
        feedback=bool(raw.get("feedback", kind.feedback_by_default)),
        show_if=show_if,
        **fields,
    )


def raw_pages(raw: dict[str, Any]) -> list[Any]:
    """A definition's pages as written: `pages`, or the one page that `questions` makes."""
    return raw.get("pages") if "pages" in raw else [{"questions": raw.get("questions")}]  # type: ignore[return-value]


def _every_id(pages: Any) -> set[str]:
    """The ids of every question written in the definition (to tell a later question from none)."""
    if not isinstance(pages, list):
        return set()
    return {
        str(question.get("id"))
        for page in pages
        if isinstance(page, dict) and isinstance(page.get("questions"), list)
        for question in page["questions"]
        if isinstance(question, dict)
    }


def parse_definition(raw: Any, *, where: str) -> Survey:
    """Validate a definition mapping and build the Survey; DefinitionError lists every problem."""
    checker = _Checker(where)
    if not isinstance(raw, dict):
        checker.problem((), "file_mapping")
        raise DefinitionError(checker.problems)
    for key in raw:
        if key not in SURVEY_FIELDS:
            checker.problem((str(key),), "survey_field", fields=", ".join(sorted(SURVEY_FIELDS)))
    slug = str(raw.get("slug", ""))
    if not ID_PATTERN.match(slug):
        checker.problem(("slug",), "slug", slug=repr(slug))
    languages = raw.get("languages", ["en"])
    if not isinstance(languages, list) or not languages:
        checker.problem(("languages",), "languages")
        languages = ["en"]
    unknown = [code for code in languages if not is_language_code(code)]
    if unknown:
        checker.problem(("languages",), "language_code", code=repr(unknown[0]))
        languages = [code for code in languages if code not in unknown] or ["en"]
    languages = tuple(dict.fromkeys(languages))
    spoken = [spoken_as(code) for code in languages]
    for language in dict.fromkeys(each for each in spoken if spoken.count(each) > 1):
        same = [code for code, each in zip(languages, spoken, strict=True) if each == language]
        name = NAMES.get(language or "") or language_name(same[0])
        checker.problem(("languages",), "languages_twice", codes=" / ".join(same), code=name)
    title = checker.text(raw.get("title"), ("title",), languages)
    description = checker.text(raw.get("description"), ("description",), languages, required=False)
    thanks = checker.text(raw.get("thanks"), ("thanks",), languages, required=False)

    if "pages" in raw and "questions" in raw:
        checker.problem(("pages",), "pages_and_questions")
    written = raw_pages(raw)
    if not isinstance(written, list) or not written:
        checker.problem(("pages",), "pages")
        written = []
    every = _every_id(written)
    pages: list[Page] = []
    seen: dict[str, Question] = {}
    for page_number, raw_page in enumerate(written):
        place: FieldPath = ("pages", page_number)
        if (
            not isinstance(raw_page, dict)
            or not isinstance(raw_page.get("questions"), list)
            or not raw_page["questions"]
        ):
            checker.problem(place, "page_questions")
            continue
        page_title = checker.text(raw_page.get("title"), (*place, "title"), languages, required=False)
        questions = []
        for number, raw_question in enumerate(raw_page["questions"]):
            question = _question(raw_question, checker, (*place, "questions", number), languages, seen, every)
            if question is None:
                continue
            if question.id in seen:
                checker.problem(("questions", question.id, "id"), "question_twice", id=repr(question.id))
                continue
            seen[question.id] = question
            questions.append(question)
        pages.append(Page(title=page_title, questions=tuple(questions)))

    opens_at = _moment(raw.get("opens_at"), checker, ("opens_at",))
    closes_at = _moment(raw.get("closes_at"), checker, ("closes_at",))
    if opens_at and closes_at and closes_at <= opens_at:
        checker.problem(("closes_at",), "closes_before_opens")
    limit = raw.get("response_limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        checker.problem(("response_limit",), "response_limit")
    if not isinstance(raw.get("anonymous", False), bool):
        checker.problem(("anonymous",), "boolean")
    campaign = raw.get("campaign")
    if campaign is not None and not isinstance(campaign, str | int):
        checker.problem(("campaign",), "campaign")
    if checker.problems or title is None:  # a title of None has its problem said already
        raise DefinitionError(checker.problems)
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
        campaign=None if campaign is None or campaign == "" else str(campaign),
        source=plain_definition(raw),
        thanks=thanks,
    )


def plain_definition(value: Any) -> Any:
    """The mapping with dates as ISO text, so it can be stored as JSON and compared."""
    if isinstance(value, dict):
        return {str(key): plain_definition(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_definition(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def read_yaml(text: str, *, where: str) -> Any:
    """A definition's YAML as a mapping (dates as ISO text); DefinitionError names the line."""
    try:
        return plain_definition(yaml.safe_load(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place: FieldPath = ("line", mark.line + 1) if mark else ()
        said = Said("survey.problem.yaml", problem=str(getattr(error, "problem", None) or error))
        raise DefinitionError([DefinitionProblem(where, place, said)]) from error


def load_definition(path: Path) -> Survey:
    """Read and validate one YAML file; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        said = Said("survey.problem.unreadable", error=str(error))
        raise DefinitionError([DefinitionProblem(path.name, (), said)]) from error
    survey = parse_definition(read_yaml(text, where=path.name), where=path.name)
    if path.stem != survey.slug:
        said = Said("survey.problem.file_name", slug=repr(survey.slug), file=f"{survey.slug}.yaml")
        raise DefinitionError([DefinitionProblem(path.name, ("slug",), said)])
    return survey


def load_definitions(folder: Path) -> tuple[list[Survey], list[DefinitionProblem]]:
    """Every definition in a folder: the valid surveys, and the problems of the others."""
    surveys: list[Survey] = []
    problems: list[DefinitionProblem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            surveys.append(load_definition(path))
        except DefinitionError as error:
            problems.extend(error.problems)
    return surveys, problems
