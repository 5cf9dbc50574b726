"""What a member's answers must satisfy, which questions they see, and how answers are stored.

Answers travel as a dict of question id to a Python value: an int for scale questions, an option id
for a choice, a list of option ids for multiple choice, True/False for yes/no, text, and for a matrix
a dict of row id to its scale point (1 = the first label). An "other" choice's text sits under
"<question id>.other". Problems come back as (code, values) so the page words them in the member's
language next to the question. What each type accepts and stores is its object in
surveys/question_types.py; this module applies them to a survey.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from surveys.definition import Question, Survey
from surveys.question_types import OTHER as OTHER  # the option id of "Other (please say)"
from surveys.question_types import OTHER_MAX_LENGTH, TYPES, AnswerRow, Problem, clean_text, other_key


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


def check_value(question: Question, value: Any) -> Problem | None:
    """What is wrong with an answer given to this question, shown or not: its type, range, options,
    length and characters. Conditions compare answers, so they are evaluated only on checked ones."""
    return TYPES[question.type].check(question, value)


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
    return TYPES[question.type].incomplete(question, value, answers)


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


def answer_rows(survey: Survey, answers: dict[str, Any]) -> list[AnswerRow]:
    """The rows to store for answered, visible questions (hidden questions' answers are dropped)."""
    rows = []
    for question in visible_questions(survey, answers):
        value = answers.get(question.id)
        if not is_answered(value):
            continue
        rows.extend(TYPES[question.type].rows(question, value, answers))
    return rows


def feedback_texts(survey: Survey, rows: list[AnswerRow]) -> list[AnswerRow]:
    """The free-text answers that become feedback items: text questions marked `feedback`."""
    wanted = {question.id for question in survey.questions if TYPES[question.type].free_text and question.feedback}
    return [row for row in rows if row.question_id in wanted and row.value_text]


def response_score(rows: list[AnswerRow]) -> tuple[str, float] | None:
    """The score a feedback item carries, with its kind: the response's NPS answer, else its CSAT
    answer."""
    for kind in ("nps", "csat"):
        for row in rows:
            if row.question_type == kind and row.value_num is not None:
                return kind, row.value_num
    return None
