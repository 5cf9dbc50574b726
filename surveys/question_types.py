"""Question types: each type of survey question is one object, and `TYPES` is the one list of them.

A type says how its part of a definition is checked, what answer it takes, how the answer is
stored (rows of the answers table), how a Google Forms cell is read, how a demo respondent answers
it and how the write-back sheet shows it. What needs Streamlit or the metrics layer is named, not
done, here: `widget` is how ui/survey_form.py draws the question (one of WIDGETS) and `result` how
metrics/survey_results.py counts its answers (one of RESULTS). Types that behave alike share a
class: the scales differ by their range, choice and multi by how many options may be chosen, the
two texts by their length and widget. Adding a type is one entry in TYPES (docs/surveys.md: "Adding
a question type").

Nothing else of the survey engine is imported when this module loads (definition.py and answers.py
ask it; a choice's sheet cell borrows definition.text_in when called), so every engine module may
depend on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from catalog import translate

if TYPE_CHECKING:
    from surveys.definition import Option, Question, Survey

OTHER = "__other__"  # the option id of "Other (please say)"
OTHER_MAX_LENGTH = 200
WIDGETS = ("scale", "yes_no", "choice", "multi", "line", "paragraph", "matrix")  # ui/survey_form.py draws each
RESULTS = ("scale", "yes_no", "choice", "text", "matrix")  # metrics/survey_results.py counts each
DEFAULT_MATRIX_SCALE = [  # in every language a definition may give (surveys.definition.LANGUAGES)
    {"en": "Strongly disagree", "zh": "非常不同意", "zh-CN": "非常不同意", "zh-TW": "非常不同意"},
    {"en": "Disagree", "zh": "不同意", "zh-CN": "不同意", "zh-TW": "不同意"},
    {"en": "Neutral", "zh": "一般", "zh-CN": "一般", "zh-TW": "普通"},
    {"en": "Agree", "zh": "同意", "zh-CN": "同意", "zh-TW": "同意"},
    {"en": "Strongly agree", "zh": "非常同意", "zh-CN": "非常同意", "zh-TW": "非常同意"},
]

Text = dict[str, str]  # language -> words
Problem = tuple[str, dict[str, Any]]  # (message code, values for the message)
Cell = str | int | float  # a cell of the write-back sheet


@dataclass(frozen=True)
class AnswerRow:
    """One row of the answers table."""

    question_id: str
    question_type: str
    value_num: float | None
    value_text: str | None


class Reader(Protocol):
    """What checking a type's fields of a definition uses (surveys.definition gives it)."""

    @property
    def languages(self) -> tuple[str, ...]: ...

    def problem(self, place: tuple[str | int, ...], key: str, **values: Any) -> None: ...

    def text(self, value: Any, place: tuple[str | int, ...], *, required: bool = True) -> Text | None: ...

    def options(self, values: Any, place: tuple[str | int, ...]) -> tuple[Option, ...]: ...


def other_key(question_id: str) -> str:
    return f"{question_id}.other"


def clean_text(text: str) -> bool:
    """Text the store can keep: valid UTF-8 (no lone surrogate such as "\\ud800") and no NUL, which
    PostgreSQL refuses; either would otherwise fail inside the transaction as a database error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def plain_cell(number: float | None, text: str | None) -> Cell:
    """A stored value as the sheet shows it: the text, else the number (whole ones as integers)."""
    if text is not None:
        return text
    if number is None:
        return ""
    return int(number) if float(number).is_integer() else float(number)


def plain(text: str) -> str:
    """Text compared loosely (spaces and case), as a Forms cell is matched to labels."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def point(rng: np.random.Generator, score: float, low: int, high: int) -> int:
    """A demo respondent's point on a low-high scale for a 0-10 mood."""
    return int(np.clip(np.rint(low + score / 10 * (high - low) + rng.normal(0, 0.6)), low, high))


class QuestionType:
    """What every type does; the defaults are those of a type stored as one row."""

    widget: str  # how ui/survey_form.py draws it: one of WIDGETS
    result: str  # how metrics/survey_results.py counts it: one of RESULTS
    ranked = False  # answers are numbers that show_if's at_most and at_least compare
    takes_options = False  # has `options` (and may offer `other`)
    free_text = False  # answers are words a member writes (counted in results, not read)
    feedback_by_default = False  # its answers become feedback items unless the definition says not
    max_length: int | None = None  # text: the longest answer; a definition may set less
    grid = False  # answered row by row: one column "Question [Row]" per row in a Forms export
    worded = False  # its answer reads as words (cell), not as its stored number: options, yes or no

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # The definition.
    def fields(self, raw: dict[str, Any], reader: Reader, where: tuple[str | int, ...]) -> dict[str, Any]:
        """The Question fields this type reads from its definition (options, rows, scale,
        max_length), each checked; problems go to the reader."""
        return {}

    def condition_value(self, wanted: Any) -> Any:
        """A show_if value as answers to this type are held."""
        return wanted

    def bounds(self, question: Question) -> tuple[int, int]:
        """The lowest and highest answer of a scale."""
        raise TypeError(f"a {self.name} question has no scale")

    # The answer.
    def check(self, question: Question, value: Any) -> Problem | None:
        """What is wrong with an answer (given, not empty) to this question: type, range, options."""
        raise NotImplementedError

    def incomplete(self, question: Question, value: Any, answers: dict[str, Any]) -> Problem | None:
        """What a well-formed answer still lacks before the question may be left."""
        return None

    def rows(self, question: Question, value: Any, answers: dict[str, Any]) -> list[AnswerRow]:
        """The answers table's rows for a checked answer."""
        raise NotImplementedError

    # A Google Forms cell.
    def read_cell(self, question: Question, text: str, answers: dict[str, Any], *, row: str | None = None) -> None:
        """Put a cell's answer into `answers` as the engine holds it; what cannot be read is kept
        as the text, for the check to report."""
        answers[question.id] = text

    # The demo.
    def demo_answer(self, question: Question, score: float, rng: np.random.Generator) -> Any:
        """A plausible answer from a respondent with this 0-10 mood (None: none; texts are added
        by the demo)."""
        raise NotImplementedError

    # The write-back sheet.
    def columns(self, question: Question) -> list[str]:
        """The sheet's columns for this question (its "Other" words are added after them)."""
        return [question.id]

    def cell(self, question: Question, question_id: str, number: float | None, text: str | None, language: str) -> Cell:
        """A stored row as a person reading `language` reads it (the write-back sheet, a member's
        answers on the lookup page)."""
        return plain_cell(number, text)


class ScaleType(QuestionType):
    """A whole number from low to high (NPS 0-10, rating and CSAT 1-5, CES 1-7). `words` names
    the catalog's words under the two ends (`survey.scale.<words>.low`/`.high`); `mood_is_answer`:
    a demo respondent's 0-10 mood is the answer itself (NPS)."""

    widget = "scale"
    result = "scale"
    ranked = True

    def __init__(self, name: str, low: int, high: int, *, words: str = "", mood_is_answer: bool = False) -> None:
        super().__init__(name)
        self.low, self.high = low, high
        self.words = words or name
        self.mood_is_answer = mood_is_answer

    def bounds(self, question: Question) -> tuple[int, int]:
        return self.low, self.high

    def check(self, question: Question, value: Any) -> Problem | None:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            return "range", {"low": self.low, "high": self.high}
        return None

    def rows(self, question: Question, value: Any, answers: dict[str, Any]) -> list[AnswerRow]:
        return [AnswerRow(question.id, self.name, float(value), None)]

    def read_cell(self, question: Question, text: str, answers: dict[str, Any], *, row: str | None = None) -> None:
        try:
            number = float(text)
        except ValueError:
            answers[question.id] = text
            return
        answers[question.id] = int(number) if number.is_integer() else text

    def demo_answer(self, question: Question, score: float, rng: np.random.Generator) -> Any:
        return int(score) if self.mood_is_answer else point(rng, score, self.low, self.high)


class YesNoType(QuestionType):
    """True or False, stored as 1 or 0; "yes" and "no" in a show_if."""

    widget = "yes_no"
    result = "yes_no"
    worded = True
    YES = frozenset({"yes", "y", "true", "是", "1"})
    NO = frozenset({"no", "n", "false", "否", "0"})

    def condition_value(self, wanted: Any) -> Any:
        if isinstance(wanted, list):
            return [self.condition_value(item) for item in wanted]
        return {"yes": True, "no": False}.get(wanted, wanted) if isinstance(wanted, str) else wanted

    def check(self, question: Question, value: Any) -> Problem | None:
        return None if isinstance(value, bool) else ("yes_no", {})

    def rows(self, question: Question, value: Any, answers: dict[str, Any]) -> list[AnswerRow]:
        return [AnswerRow(question.id, self.name, 1.0 if value else 0.0, None)]

    def read_cell(self, question: Question, text: str, answers: dict[str, Any], *, row: str | None = None) -> None:
        lowered = text.casefold()
        answers[question.id] = True if lowered in self.YES else False if lowered in self.NO else text

    def demo_answer(self, question: Question, score: float, rng: np.random.Generator) -> Any:
        return bool(rng.uniform() < 0.3 + score * 0.06)

    def cell(self, question: Question, question_id: str, number: float | None, text: str | None, language: str) -> Cell:
        if number is not None:
            return translate("survey.yes" if number else "survey.no", language)
        return plain_cell(number, text)


class ChoiceType(QuestionType):
    """One of the question's options (`multiple`: any of them, each once), and "Other" with its
    words where the definition offers it. One option is stored as its id; several as a JSON list
    of ids with how many in value_num; the Other words as a row of their own, `<id>.other`."""

    result = "choice"
    takes_options = True
    worded = True

    def __init__(self, name: str, *, multiple: bool) -> None:
        super().__init__(name)
        self.multiple = multiple
        self.widget = "multi" if multiple else "choice"

    def fields(self, raw: dict[str, Any], reader: Reader, where: tuple[str | int, ...]) -> dict[str, Any]:
        written = raw.get("options", [])
        options = reader.options(written, (*where, "options"))
        if not isinstance(written, list) or len(written) < 2:  # an empty one among them is a problem of its own
            reader.problem((*where, "options"), "options_few", type=self.name)
        return {"options": options}

    def chosen(self, value: Any) -> list[Any]:
        """The options an answer names."""
        return value if isinstance(value, list) else [value]

    def stored_choices(self, text: str) -> list[str]:
        """The option ids a stored value_text names."""
        return json.loads(text) if self.multiple else [text]

    def check(self, question: Question, value: Any) -> Problem | None:
        """Option ids of this question; a multiple choice names each option once (the form never
        sends one twice, and a repeat would be stored as a larger count of choices)."""
        choices = value if self.multiple else [value]
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
            return "choice", {}
        allowed = {option.id for option in question.options} | ({OTHER} if question.other else set())
        if any(choice not in allowed for choice in choices) or len(set(choices)) != len(choices):
            return "choice", {}
        return None

    def incomplete(self, question: Question, value: Any, answers: dict[str, Any]) -> Problem | None:
        if OTHER in self.chosen(value) and not (answers.get(other_key(question.id)) or "").strip():
            return "other_missing", {}
        return None

    def rows(self, question: Question, value: Any, answers: dict[str, Any]) -> list[AnswerRow]:
        if self.multiple:
            rows = [AnswerRow(question.id, self.name, float(len(value)), json.dumps(sorted(value)))]
        else:
            rows = [AnswerRow(question.id, self.name, None, value)]
        if OTHER in self.chosen(value):
            rows.append(AnswerRow(other_key(question.id), "other", None, answers[other_key(question.id)].strip()))
        return rows

    def read_cell(self, question: Question, text: str, answers: dict[str, Any], *, row: str | None = None) -> None:
        answers[question.id] = self._read(question, text, answers)

    def _read(self, question: Question, text: str, answers: dict[str, Any]) -> Any:
        if not self.multiple:
            chosen = _option(question, text)
            if chosen is None and question.other:
                answers[other_key(question.id)] = text
                return OTHER
            return chosen or text
        options, rest = _options_in(question, text)
        if rest and question.other:
            answers[other_key(question.id)] = rest
            options.append(OTHER)
        elif rest:
            return [*options, rest]
        return options

    def demo_answer(self, question: Question, score: float, rng: np.random.Generator) -> Any:
        ids = [option.id for option in question.options]
        if not self.multiple:
            return ids[int(rng.integers(len(ids)))]
        return sorted(rng.choice(ids, size=int(rng.integers(1, min(3, len(ids)) + 1)), replace=False).tolist())

    def cell(self, question: Question, question_id: str, number: float | None, text: str | None, language: str) -> Cell:
        """Option labels in `language`, in the options' order, joined as the language lists ("A, B";
        "A、B" in Chinese); "Other" for the option whose words are the `<id>.other` row."""
        if not text or question_id != question.id:
            return plain_cell(number, text)
        from surveys.definition import text_in  # definition.py imports this module

        labels = {option.id: text_in(option.label, language) for option in question.options}
        chosen = self.stored_choices(text)
        order = list(labels)
        chosen.sort(key=lambda choice: order.index(choice) if choice in labels else len(order))
        other = translate("survey.other", language)
        return translate("list.separator", language).join(labels.get(choice, other) for choice in chosen)


class TextType(QuestionType):
    """Words, at most `max_length` characters (a definition may set less), stored stripped."""

    result = "text"
    free_text = True
    max_length: int

    def __init__(self, name: str, *, max_length: int, widget: str, feedback_by_default: bool = False) -> None:
        super().__init__(name)
        self.max_length = max_length
        self.widget = widget
        self.feedback_by_default = feedback_by_default

    def fields(self, raw: dict[str, Any], reader: Reader, where: tuple[str | int, ...]) -> dict[str, Any]:
        limit = raw.get("max_length")
        if limit is None:
            limit = self.max_length
        elif isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= self.max_length:
            reader.problem((*where, "max_length"), "max_length", limit=self.max_length)
        return {"max_length": limit}

    def check(self, question: Question, value: Any) -> Problem | None:
        if not isinstance(value, str) or not clean_text(value):
            return "text", {}
        if len(value.strip()) > (question.max_length or 0):
            return "too_long", {"limit": question.max_length, "length": len(value.strip())}
        return None

    def rows(self, question: Question, value: Any, answers: dict[str, Any]) -> list[AnswerRow]:
        return [AnswerRow(question.id, self.name, None, value.strip())]

    def demo_answer(self, question: Question, score: float, rng: np.random.Generator) -> Any:
        return None


class MatrixType(QuestionType):
    """Statements (`rows`) each given a point of a labelled scale (1 = the first label), stored as
    one row per statement, `<id>.<row id>`."""

    widget = "matrix"
    result = "matrix"
    grid = True

    def fields(self, raw: dict[str, Any], reader: Reader, where: tuple[str | int, ...]) -> dict[str, Any]:
        rows = reader.options(raw.get("rows", []), (*where, "rows"))
        if not rows:
            reader.problem((*where, "rows"), "matrix_rows")
        default = [{language: label[language] for language in reader.languages} for label in DEFAULT_MATRIX_SCALE]
        labels = raw.get("scale", default)
        scale: tuple[Text, ...] = ()
        if not isinstance(labels, list) or not 2 <= len(labels) <= 11:
            reader.problem((*where, "scale"), "matrix_scale")
        else:
            scale = tuple(reader.text(label, (*where, "scale", n)) or {} for n, label in enumerate(labels))
        return {"rows": rows, "scale": scale}

    def bounds(self, question: Question) -> tuple[int, int]:
        return 1, len(question.scale)

    def check(self, question: Question, value: Any) -> Problem | None:
        if not isinstance(value, dict):
            return "matrix", {}
        rows = {row.id for row in question.rows}
        high = len(question.scale)
        for row, given in value.items():
            if row not in rows or isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= high:
                return "matrix", {}
        return None

    def incomplete(self, question: Question, value: Any, answers: dict[str, Any]) -> Problem | None:
        if question.required and len(value) < len(question.rows):
            return "matrix_rows", {}
        return None

    def rows(self, question: Question, value: Any, answers: dict[str, Any]) -> list[AnswerRow]:
        return [
            AnswerRow(f"{question.id}.{row.id}", self.name, float(value[row.id]), None)
            for row in question.rows
            if row.id in value
        ]

    def read_cell(self, question: Question, text: str, answers: dict[str, Any], *, row: str | None = None) -> None:
        """A row's cell is a point's number or label; a column mapped to the whole question is
        kept as its text (and refused by the check)."""
        if row is None:
            answers[question.id] = text
            return
        answers.setdefault(question.id, {})[row] = self._point(question, text)

    @staticmethod
    def _point(question: Question, text: str) -> int | str:
        if text.isdigit():
            return int(text)
        for number, label in enumerate(question.scale, start=1):
            if plain(text) in {plain(words) for words in label.values()}:
                return number
        return text

    def demo_answer(self, question: Question, score: float, rng: np.random.Generator) -> Any:
        return {row.id: point(rng, score, 1, len(question.scale)) for row in question.rows}

    def columns(self, question: Question) -> list[str]:
        return [f"{question.id}.{row.id}" for row in question.rows]


def _option(question: Question, text: str) -> str | None:
    wanted = plain(text)
    for option in question.options:
        if wanted == option.id or wanted in {plain(label) for label in option.label.values()}:
            return option.id
    return None


def _options_in(question: Question, text: str) -> tuple[list[str], str]:
    """Checkbox answers joined by ", " (labels may hold commas too): the options, and what is left."""
    rest = f", {text.strip()}, "
    chosen: list[str] = []
    labels = [(label, option.id) for option in question.options for label in option.label.values()]
    for label, option_id in sorted(labels, key=lambda pair: -len(pair[0])):
        item = f", {label.strip()}, "
        if item.casefold() in rest.casefold() and option_id not in chosen:
            start = rest.casefold().index(item.casefold())
            rest = rest[:start] + ", " + rest[start + len(item) :]
            chosen.append(option_id)
    order = [option.id for option in question.options]
    return sorted(chosen, key=order.index), rest.strip(", ").strip()


TYPES: dict[str, QuestionType] = {
    kind.name: kind
    for kind in (
        ScaleType("nps", 0, 10, mood_is_answer=True),
        ScaleType("rating", 1, 5),
        ScaleType("csat", 1, 5),
        ScaleType("ces", 1, 7),
        ChoiceType("choice", multiple=False),
        ChoiceType("multi", multiple=True),
        YesNoType("yes_no"),
        TextType("short_text", max_length=200, widget="line"),
        TextType("long_text", max_length=5000, widget="paragraph", feedback_by_default=True),
        MatrixType("matrix"),
    )
}


def answer_cell(survey: Survey, question_id: str, number: float | None, text: str | None, language: str) -> Cell:
    """A stored answer of `survey` as a person reading `language` reads it: option labels, yes or
    no, numbers (whole ones as integers), the words written (its question's type says how; a question
    the survey no longer asks shows what was stored)."""
    base = question_id.split(".", 1)[0]
    question = next((q for q in survey.questions if q.id == base), None)
    if question is None:
        return plain_cell(number, text)
    return TYPES[question.type].cell(question, question_id, number, text, language)


def names(test: Callable[[QuestionType], bool]) -> list[str]:
    """The names of the types that pass a test, in TYPES' order (e.g. the free-text types)."""
    return [name for name, kind in TYPES.items() if test(kind)]
