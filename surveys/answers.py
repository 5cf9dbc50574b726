"""What a member's answers must satisfy, which questions they see, and how answers are stored.

Answers travel as a dict of question id to a Python value: an int for scale questions, an option id
for a choice, a list of option ids for multiple choice, True/False for yes/no, text, and for a matrix
a dict of row id to its scale point (1 = the first label). An "other" choice's text sits under
"<question id>.other". Problems come back as (code, values) so the page words them in the member's
language next to the question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeGuard

from surveys.definition import CHOICE_TYPES, SCALES, TEXT_TYPES, Question, Survey

OTHER = "__other__"  # the option id of "Other (please say)"
OTHER_MAX_LENGTH = 200

Problem = tuple[str, dict[str, Any]]  # (message code, values for the message)


def other_key(question_id: str) -> str:
    return f"{question_id}.other"


def is_answered(value: Any) -> TypeGuard[Any]:  # True tells mypy the value is not None
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


def visible(question: Question, answers: dict[str, Any]) -> bool:
    """A question without a condition is always shown; otherwise when the earlier answer matches."""
    return question.show_if is None or question.show_if.holds(answers.get(question.show_if.question))


def visible_questions(survey: Survey, answers: dict[str, Any], *, page: int | None = None) -> list[Question]:
    pages = survey.pages if page is None else survey.pages[page : page + 1]
    return [question for each in pages for question in each.questions if visible(question, answers)]


def clean_text(text: str) -> bool:
    """Text the store can keep: valid UTF-8 (no lone surrogate such as "\\ud800") and no NUL, which
    PostgreSQL refuses; either would otherwise fail inside the transaction as a database error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def check_value(question: Question, value: Any) -> Problem | None:
    """What is wrong with an answer given to this question, shown or not: its type, range, options,
    length and characters. Conditions compare answers, so they are evaluated only on checked ones."""
    if question.type in SCALES:
        low, high = SCALES[question.type]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return "range", {"low": low, "high": high}
    elif question.type == "yes_no":
        if not isinstance(value, bool):
            return "yes_no", {}
    elif question.type in TEXT_TYPES:
        if not isinstance(value, str) or not clean_text(value):
            return "text", {}
        if len(value.strip()) > (question.max_length or 0):
            return "too_long", {"limit": question.max_length, "length": len(value.strip())}
    elif question.type in CHOICE_TYPES:
        return _check_choice(question, value)
    elif question.type == "matrix":
        return _check_matrix(question, value)
    return None


def _check_other_text(value: Any) -> Problem | None:
    """The words typed for "Other", when given: text the store can keep, short enough."""
    if value is None:
        return None
    if not isinstance(value, str) or not clean_text(value):
        return "text", {}
    if len(value.strip()) > OTHER_MAX_LENGTH:
        return "too_long", {"limit": OTHER_MAX_LENGTH, "length": len(value.strip())}
    return None


def check_answer(question: Question, answers: dict[str, Any]) -> Problem | None:
    """The first problem with one shown question's answer: missing when required, else malformed,
    else incomplete (Other without its words, a required matrix with a statement left out)."""
    value = answers.get(question.id)
    if not is_answered(value):
        return ("required", {}) if question.required else None
    problem = check_value(question, value)
    if problem is None and question.other:
        problem = _check_other_text(answers.get(other_key(question.id)))
    if problem is not None:
        return problem
    chosen = value if isinstance(value, list) else [value]
    if question.type in CHOICE_TYPES and OTHER in chosen and not (answers.get(other_key(question.id)) or "").strip():
        return "other_missing", {}
    if question.type == "matrix" and question.required and len(value) < len(question.rows):
        return "matrix_rows", {}
    return None


def _check_choice(question: Question, value: Any) -> Problem | None:
    """Option ids of this question; a multiple choice names each option once (the form never sends
    one twice, and a repeat would be stored as a larger count of choices)."""
    choices = value if question.type == "multi" else [value]
    if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
        return "choice", {}
    allowed = {option.id for option in question.options} | ({OTHER} if question.other else set())
    if any(choice not in allowed for choice in choices) or len(set(choices)) != len(choices):
        return "choice", {}
    return None


def _check_matrix(question: Question, value: Any) -> Problem | None:
    if not isinstance(value, dict):
        return "matrix", {}
    rows = {row.id for row in question.rows}
    high = len(question.scale)
    for row, point in value.items():
        if row not in rows or isinstance(point, bool) or not isinstance(point, int) or not 1 <= point <= high:
            return "matrix", {}
    return None


def malformed(survey: Survey, answers: dict[str, Any]) -> dict[str, Problem]:
    """Problems with the answers given, before any condition looks at them: an unknown question id,
    or an answer (or "Other" text) that is not a valid answer to its question, by question id."""
    questions = {question.id: question for question in survey.questions}
    others = {other_key(question.id): question for question in survey.questions if question.other}
    problems: dict[str, Problem] = {}
    for name, value in answers.items():
        if name in others:
            problem = _check_other_text(value)
            if problem:
                problems.setdefault(others[name].id, problem)
        elif name not in questions:
            problems[str(name)] = ("unknown", {})
        elif is_answered(value):
            problem = check_value(questions[name], value)
            if problem:
                problems[name] = problem
    return problems


def known_answers(survey: Survey, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to this survey's questions (and their Other texts): what a form that outlived a
    republished version, which dropped a question, may still submit."""
    names = {question.id for question in survey.questions}
    names |= {other_key(question.id) for question in survey.questions if question.other}
    return {name: value for name, value in answers.items() if name in names}


def check_page(survey: Survey, answers: dict[str, Any], *, page: int) -> dict[str, Problem]:
    """Problems on one page's visible questions, by question id (empty when the page may be left)."""
    problems = {}
    for question in visible_questions(survey, answers, page=page):
        problem = check_answer(question, answers)
        if problem:
            problems[question.id] = problem
    return problems


def check_survey(survey: Survey, answers: dict[str, Any]) -> dict[str, Problem]:
    """What submitting checks again, whatever the pages said: every answer given is a valid answer to
    its question (shown or not, so no condition ever compares a malformed one), then every shown
    question is complete."""
    problems = malformed(survey, answers)
    if problems:
        return problems
    for page in range(len(survey.pages)):
        problems.update(check_page(survey, answers, page=page))
    return problems


@dataclass(frozen=True)
class AnswerRow:
    """One row of the answers table."""

    question_id: str
    question_type: str
    value_num: float | None
    value_text: str | None


def answer_rows(survey: Survey, answers: dict[str, Any]) -> list[AnswerRow]:
    """The rows to store for answered, visible questions (hidden questions' answers are dropped)."""
    rows = []
    for question in visible_questions(survey, answers):
        value = answers.get(question.id)
        if not is_answered(value):
            continue
        kind = question.type
        if kind in SCALES:
            rows.append(AnswerRow(question.id, kind, float(value), None))
        elif kind == "yes_no":
            rows.append(AnswerRow(question.id, kind, 1.0 if value else 0.0, None))
        elif kind in TEXT_TYPES:
            rows.append(AnswerRow(question.id, kind, None, value.strip()))
        elif kind == "choice":
            rows.append(AnswerRow(question.id, kind, None, value))
        elif kind == "multi":
            rows.append(AnswerRow(question.id, kind, float(len(value)), json.dumps(sorted(value))))
        elif kind == "matrix":
            rows.extend(
                AnswerRow(f"{question.id}.{row.id}", kind, float(value[row.id]), None)
                for row in question.rows
                if row.id in value
            )
        chosen = value if isinstance(value, list) else [value]
        if kind in CHOICE_TYPES and OTHER in chosen:
            rows.append(AnswerRow(other_key(question.id), "other", None, answers[other_key(question.id)].strip()))
    return rows


def feedback_texts(survey: Survey, rows: list[AnswerRow]) -> list[AnswerRow]:
    """The free-text answers that become feedback items: text questions marked `feedback`."""
    wanted = {question.id for question in survey.questions if question.type in TEXT_TYPES and question.feedback}
    return [row for row in rows if row.question_id in wanted and row.value_text]


def response_score(rows: list[AnswerRow]) -> tuple[str, float] | None:
    """The score a feedback item carries, with its kind: the response's NPS answer, else its CSAT
    answer."""
    for kind in ("nps", "csat"):
        for row in rows:
            if row.question_type == kind and row.value_num is not None:
                return kind, row.value_num
    return None
