"""Malformed answers for submit(): what a forged request or a broken client may send for each type of
question. The page's widgets never send these; submit() must refuse every one as a validation error
naming the question, and write nothing.

`OPTION` and `ROW` stand for one of the question's own option and row ids (`for_question` fills them
in), so a repeated or misplaced real option is tried, not only made-up ones.
"""

from __future__ import annotations

from typing import Any

from surveys.definition import Question

OPTION = "<option>"
ROW = "<row>"
SURROGATE = "\ud800"  # a lone surrogate: a str in Python, not encodable as UTF-8
HUGE = "x" * 1_000_000

# Wrong for every question type.
ANY_TYPE: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    b"bytes",
    {"nested": {"dict": {"deeper": [1, 2]}}},
    [[OPTION]],
    SURROGATE,
    HUGE,
    10**4300,  # a 4,301-digit number
    ("a", "tuple"),
]

BY_TYPE: dict[str, list[Any]] = {
    "scale": ["abc", 3.5, True, False, "5", [5], {"5": 5}, -1, 99, 10**40],
    "yes_no": ["yes", "no", 1, 0, [True], {"yes": True}],
    "text": [123, 4.5, True, ["words"], {"text": "words"}, "fine" + SURROGATE, "nul \x00 inside"],
    "choice": ["not-an-option", [OPTION], 1, True, OPTION + SURROGATE, {"id": OPTION}],
    "multi": [
        OPTION,  # one option, not a list of them
        [OPTION, OPTION, OPTION, OPTION],  # one option four times: was stored as a count of 4
        [OPTION, OPTION],
        ["not-an-option"],
        [OPTION, None],
        [1],
        [True],
        {OPTION: True},
        [SURROGATE],
    ],
    "matrix": [
        [1],
        "1",
        {"not-a-row": 1},
        {ROW: 0},
        {ROW: 99},
        {ROW: True},
        {ROW: 2.5},
        {ROW: "2"},
        {ROW: None},
        {ROW: {"point": 1}},
        {SURROGATE: 1},
    ],
}

# Question ids no survey has (the page never sends them): each is refused by name.
UNKNOWN_IDS: list[Any] = ["no-such-question", "", "__proto__", SURROGATE, 7, ("a", "b")]

FAMILY = {"nps": "scale", "rating": "scale", "csat": "scale", "ces": "scale", "short_text": "text", "long_text": "text"}


def _fill(value: Any, option: str, row: str) -> Any:
    if isinstance(value, str):
        return value.replace(OPTION, option).replace(ROW, row)
    if isinstance(value, list):
        return [_fill(item, option, row) for item in value]
    if isinstance(value, dict):
        return {_fill(key, option, row): _fill(item, option, row) for key, item in value.items()}
    return value


def for_question(question: Question) -> list[Any]:
    """Every malformed answer for this question, with its own first option and row filled in."""
    option = question.options[0].id if question.options else "a"
    row = question.rows[0].id if question.rows else "r"
    family = FAMILY.get(question.type, question.type)
    return [_fill(value, option, row) for value in ANY_TYPE + BY_TYPE[family]]
