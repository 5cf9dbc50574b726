"""`make mutate` runs each mutant against the tests that execute the statement it changed (tests/mutation.py):
its changed lines found beside the original in mutants/, widened to their statement, looked up in the
coverage map; and every test mutmut chose whenever that cannot be sure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.mutation_report import report, results
from tests.mutation import change_of, changed_lines, covering_tests, still_as_judged

ORIGINAL = '''"""A module."""


def share(part: int, whole: int, *, digits: int = 1) -> float:
    if whole <= 0:
        return 0.0
    value = round(
        100 * part / whole,
        digits,
    )
    return value


class Gauge:
    def level(self, value: float) -> str:
        return "high" if value >= 50 else "low"
'''

SHARE = """def NAME(part: int, whole: int, *, digits: int = 1) -> float:
    if whole <= 0:
        return 0.0
    value = round(
        100 * part / whole,
        digits,
    )
    return value"""
LEVEL = """    def NAME(self, value: float) -> str:
        return 'high' if value >= 50 else 'low'"""

# mutants/pkg/calc.py as mutmut writes it: each function's original beside its mutants, spans indexed.
MUTATED_FUNCTIONS = {
    "x_share__mutmut_orig": SHARE,
    "x_share__mutmut_1": SHARE.replace("whole <= 0", "whole < 0"),
    "x_share__mutmut_2": SHARE.replace("100 *", "101 *"),
    "x_share__mutmut_3": SHARE.replace("digits: int = 1", "digits: int = 2"),
    "xǁGaugeǁlevel__mutmut_orig": LEVEL,
    "xǁGaugeǁlevel__mutmut_1": LEVEL.replace(">= 50", "> 50"),
}


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path]:
    source, mutants = tmp_path / "source", tmp_path / "mutants"
    (source / "pkg").mkdir(parents=True)
    (mutants / "pkg").mkdir(parents=True)
    (source / "pkg" / "calc.py").write_text(ORIGINAL, encoding="utf-8")
    lines = ["# trampolines and imports mutmut writes first", ""]
    spans = {}
    for name, function in MUTATED_FUNCTIONS.items():
        text = function.replace("NAME", name, 1)
        start = len(lines)
        lines += [*text.splitlines(), ""]
        spans[name] = [start, start + len(text.splitlines())]
    (mutants / "pkg" / "calc.py").write_text("\n".join(lines), encoding="utf-8")
    (mutants / "pkg" / "calc.py.spans").write_text(json.dumps({"version": 1, "spans": spans}), encoding="utf-8")
    return source, mutants


def coverage_map(by_line: dict[int, list[str]], users: dict[str, list[str]] | None = None) -> dict:
    contexts = sorted({context for names in by_line.values() for context in names})
    return {
        "contexts": contexts,
        "files": {"pkg/calc.py": {str(line): [contexts.index(n) for n in names] for line, names in by_line.items()}},
        "users": users or {},
    }


def test_a_mutant_is_placed_on_the_original_line_it_changes(roots):
    source, mutants = roots
    assert changed_lines("pkg.calc.x_share__mutmut_1", mutants, source) == {5}  # if whole <= 0
    assert changed_lines("pkg.calc.x_share__mutmut_2", mutants, source) == {8}  # 100 * part / whole
    assert changed_lines("pkg.calc.x_share__mutmut_3", mutants, source) == {4}  # the def line's default
    assert changed_lines("pkg.calc.xǁGaugeǁlevel__mutmut_1", mutants, source) == {16}


def test_only_the_tests_that_ran_the_changed_statement_are_kept(roots):
    source, mutants = roots
    ran = coverage_map(
        {
            5: ["tests/a.py::zero|call", "tests/a.py::half|setup"],  # in a test's own fixture, too
            6: ["tests/a.py::zero|call"],
            7: ["tests/a.py::half|call"],  # the statement `value = round(...)` starts here, over lines 7-10
            16: ["tests/b.py::gauge[duckdb]|call"],
        }
    )
    assert covering_tests("pkg.calc.x_share__mutmut_1", mutants, source, ran) == {
        "tests/a.py::zero",
        "tests/a.py::half",
    }
    # Line 8 itself holds no record: the statement it belongs to does.
    assert covering_tests("pkg.calc.x_share__mutmut_2", mutants, source, ran) == {"tests/a.py::half"}
    assert covering_tests("pkg.calc.xǁGaugeǁlevel__mutmut_1", mutants, source, ran) == {"tests/b.py::gauge[duckdb]"}
    # A statement no test ran (line 16 left out of the map): no test can notice the change.
    assert covering_tests("pkg.calc.xǁGaugeǁlevel__mutmut_1", mutants, source, coverage_map({5: ["t|call"]})) == set()


def test_a_statement_a_session_fixture_ran_belongs_to_every_test_using_it(roots):
    source, mutants = roots
    # Set up in whichever test needed it first (tests/a.py::zero): it is every user's.
    ran = coverage_map(
        {5: ["tests/a.py::zero|fixture:demo", "tests/a.py::half|call"]},
        users={"demo": ["tests/a.py::zero", "tests/c.py::report"], "other": ["tests/d.py::x"]},
    )
    assert covering_tests("pkg.calc.x_share__mutmut_1", mutants, source, ran) == {
        "tests/a.py::zero",
        "tests/c.py::report",
        "tests/a.py::half",
    }
    # A fixture the map names no user of: every test mutmut chose.
    unknown = coverage_map({5: ["tests/a.py::zero|fixture:gone"]})
    assert covering_tests("pkg.calc.x_share__mutmut_1", mutants, source, unknown) is None


def test_every_chosen_test_runs_when_the_change_cannot_be_pinned_to_tests(roots):
    source, mutants = roots
    # A default is evaluated when the module is imported, in no test.
    assert covering_tests("pkg.calc.x_share__mutmut_3", mutants, source, coverage_map({4: [""]})) is None
    # A statement run while a fixture was torn down (a session fixture's, in the last test's tear-down).
    in_teardown = coverage_map({5: ["tests/a.py::zero|teardown", "tests/a.py::half|call"]})
    assert covering_tests("pkg.calc.x_share__mutmut_1", mutants, source, in_teardown) is None
    # A file the map does not hold.
    assert covering_tests("pkg.calc.x_share__mutmut_1", mutants, source, {"contexts": [], "files": {}}) is None


def test_a_mutants_change_is_the_lines_it_removes_and_adds(roots):
    _, mutants = roots
    assert change_of("pkg.calc.x_share__mutmut_2", mutants) == ["- 100 * part / whole,", "+ 101 * part / whole,"]
    assert change_of("pkg.calc.xǁGaugeǁlevel__mutmut_1", mutants) == [
        "- return 'high' if value >= 50 else 'low'",
        "+ return 'high' if value > 50 else 'low'",
    ]
    assert change_of("pkg.calc.x_share__mutmut_9", mutants) is None  # no such mutant


def test_a_judgement_holds_only_while_the_mutant_makes_the_change_judged(roots):
    _, mutants = roots
    judged = {"pkg.calc.x_share__mutmut_2": ["- 100 * part / whole,", "+ 101 * part / whole,"]}
    assert still_as_judged("pkg.calc.x_share__mutmut_2", mutants, judged)
    assert not still_as_judged("pkg.calc.x_share__mutmut_1", mutants, judged)  # never judged
    # The code changed and mutmut numbered its mutants again: number 2 is now another change.
    renumbered = {"pkg.calc.x_share__mutmut_2": ["- if whole <= 0:", "+ if whole < 0:"]}
    assert not still_as_judged("pkg.calc.x_share__mutmut_2", mutants, renumbered)
    assert not still_as_judged("pkg.calc.x_share__mutmut_2", mutants / "gone", judged)  # unreadable: run it


def test_the_report_leaves_the_mutants_judged_equivalent_out_of_the_rate(roots):
    source, mutants = roots
    # killed by a test, caught by mypy, survived, judged equivalent after the run, skipped by a run as
    # judged equivalent, not reached.
    exit_codes = {
        "pkg.calc.x_share__mutmut_1": 1,
        "pkg.calc.x_share__mutmut_2": 0,
        "pkg.calc.x_share__mutmut_3": 0,
        "pkg.calc.xǁGaugeǁlevel__mutmut_1": 34,
        "pkg.calc.x_share__mutmut_4": 37,
        "pkg.calc.x_share__mutmut_5": None,
    }
    (mutants / "pkg" / "calc.py.meta").write_text(json.dumps({"exit_code_by_key": exit_codes}), encoding="utf-8")
    judged = {
        "pkg.calc.x_share__mutmut_3": [
            "- def NAME(part: int, whole: int, *, digits: int = 1) -> float:",
            "+ def NAME(part: int, whole: int, *, digits: int = 2) -> float:",
        ]
    }
    rows = results(source.parent, judged)
    assert [(name.rsplit(".", 1)[1], status) for _, _, name, status in rows] == [
        ("x_share__mutmut_1", "killed"),
        ("x_share__mutmut_2", "survived"),
        ("x_share__mutmut_3", "skipped"),
        ("xǁGaugeǁlevel__mutmut_1", "skipped"),
        ("x_share__mutmut_4", "caught by type check"),
        ("x_share__mutmut_5", "not checked"),
    ]
    # 2 killed of 3 checked (2 equivalent out): 66.7%; 2 of 5 with the equivalents as survivors: 40.0%.
    line = next(line for line in report(rows).splitlines() if line.startswith("pkg "))
    assert line.split() == ["pkg", "6", "2", "1", "1", "0", "2", "1", "66.7%", "40.0%"]
    assert "pkg.calc.x_share__mutmut_2" in report(rows) and "x_share__mutmut_3" not in report(rows)
