"""`make mutate`'s test selection: each mutant runs only the tests that execute the statement it changed.

mutmut runs, for each mutant, every listed test that calls the mutated function: 235 tests for a mutant
anywhere in surveys/definition.py, though a changed survey condition can only be noticed by the tests
that parse a condition. A test that never executes the changed statement behaves exactly as it does
without the mutant, so running it cannot kill the mutant (Stryker's "perTest" coverage analysis rests on
the same fact). scripts/mutate.py first runs the listed tests once under coverage.py with this module as
a plugin, recording which test executed each line (a context per test and phase), and keeps the map in
mutants/coverage-by-test.json. In each mutant's forked session, tests/conftest.py's
pytest_collection_modifyitems calls `select_for_mutant`: it finds the lines the mutant changed (its
function beside the original in mutants/, the spans mutmut indexes), widens them to their statement,
and keeps only the tests whose call executed one of them, fastest first.

A statement a session or module fixture ran (set up in whichever test needed it first) belongs to every
test that uses the fixture. It falls back to every test mutmut chose when it cannot be sure: a statement
run at import (a default argument) or in a tear-down, or anything it cannot read; a statement no test
ran is left to the fastest test alone, since no test can notice it.

A mutant judged equivalent (tests/mutation_equivalents.json: its name and its change, written by
`scripts/mutation_report.py --equivalent`) runs no test while its change is still the one judged: its
session ends at once as "skipped", and the report counts it apart. A survivor costs every test that
executes its change, and the judged ones would cost the same each run without ever being killed.
"""

from __future__ import annotations

import ast
import base64
import difflib
import functools
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

COVERAGE_MAP = "coverage-by-test.json"
PENDING_MAP = COVERAGE_MAP + ".pending"  # exists while scripts/mutate.py makes the map; holds why it failed
FIXTURE_USERS = "PULSE_MUTATION_FIXTURE_USERS"  # where the coverage run writes which tests use each fixture
ALL_TESTS = "PULSE_MUTATION_ALL_TESTS"  # set by `scripts/mutate.py --all-tests`: no selection (a check of it)
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.json")  # judged equivalent: name -> change
SKIPPED = 34  # the exit code mutmut records as "skipped"
# Contexts that pin a line to one test: its call, and the set-up of its own (function-scoped) fixtures.
OWN = ("call", "setup")


# --- the coverage run (scripts/mutate.py loads this module with `-p tests.mutation`) ------------------

_context: list[str] = [""]


def _switch(context: str) -> None:
    import coverage

    current = coverage.Coverage.current()
    if current is not None:
        current.switch_context(context)
    _context[-1] = context
    # A Python process a test starts (the CLI) is measured by coverage.py's `patch = subprocess` with the
    # configuration it passes along; its static context names the test that started it.
    passed = os.environ.get("COVERAGE_PROCESS_CONFIG")
    if passed:
        config = json.loads(base64.b64decode(passed))
        config["context"] = context
        os.environ["COVERAGE_PROCESS_CONFIG"] = base64.b64encode(json.dumps(config).encode()).decode()


def pytest_runtest_setup(item: Any) -> None:
    _switch(f"{item.nodeid}|setup")


def pytest_runtest_call(item: Any) -> None:
    _switch(f"{item.nodeid}|call")


def pytest_runtest_teardown(item: Any) -> None:
    _switch(f"{item.nodeid}|teardown")  # a session fixture's tear-down runs in the last test's


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Any:
    """A session, package, module or class fixture is set up in whichever test needs it first: its lines
    are recorded as the fixture's (`|fixture:demo_data_dir`), and belong to every test that uses it."""
    if fixturedef.scope == "function" or not _context[-1]:
        return (yield)
    outer = _context[-1]
    _context.append(outer)
    _switch(f"{outer.rsplit('|', 1)[0]}|fixture:{fixturedef.argname}")
    try:
        return (yield)
    finally:
        _context.pop()
        _switch(outer)


def pytest_collection_finish(session: Any) -> None:
    """The tests that use each fixture (directly or through another), for write_coverage_map."""
    if FIXTURE_USERS not in os.environ:
        return
    users: dict[str, list[str]] = {}
    for item in session.items:
        for name in getattr(item, "fixturenames", ()):
            users.setdefault(name, []).append(item.nodeid)
    Path(os.environ[FIXTURE_USERS]).write_text(json.dumps(users), encoding="utf-8")


def write_coverage_map(
    data_file: Path, root: Path, packages: tuple[str, ...], target: Path, users: dict[str, list[str]]
) -> None:
    """The lines of `packages` each context executed, from coverage.py's data: {file: {line: [context
    index]}} beside the list of contexts (files relative to `root`), and the tests using each fixture."""
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    contexts: list[str] = []
    index: dict[str, int] = {}
    files: dict[str, dict[str, list[int]]] = {}
    for measured in data.measured_files():
        relative = Path(measured).resolve().relative_to(root).as_posix()
        if relative.split("/", 1)[0] not in packages:
            continue
        lines = files.setdefault(relative, {})
        for line, names in data.contexts_by_lineno(measured).items():
            lines[str(line)] = sorted(index.setdefault(name, len(index)) for name in names)
    contexts = sorted(index, key=index.__getitem__)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"contexts": contexts, "files": files, "users": users}), encoding="utf-8")


# --- in each mutant's session -----------------------------------------------------------------------


def _mutants_root() -> Path:
    """mutants/ in a mutant's session (tests/ is copied there), else the checkout's mutants/."""
    here = Path(__file__).resolve().parent.parent
    return here if here.name == "mutants" else here / "mutants"


@functools.cache
def _coverage_map() -> dict[str, Any] | None:
    path = _mutants_root() / COVERAGE_MAP
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


_durations: dict[str, float] = {}


def _test_durations() -> dict[str, float]:
    """Each test's duration from mutmut's stats, read once the stats exist (in mutmut's own process, before
    it forks a session per mutant)."""
    if not _durations:
        path = _mutants_root() / "mutmut-stats.json"
        if path.is_file():
            _durations.update(json.loads(path.read_text(encoding="utf-8"))["duration_by_test"])
    return _durations


def _await_coverage_map() -> None:
    """scripts/mutate.py makes the map while mutmut starts: its own sessions wait for it here."""
    pending = _mutants_root() / PENDING_MAP
    while pending.exists():
        failure = pending.read_text(encoding="utf-8")
        if failure:
            raise pytest.UsageError(f"No coverage map: {failure}")
        time.sleep(1)


def warm() -> None:
    """Read the maps in mutmut's process, so each forked session has them already."""
    _await_coverage_map()
    _coverage_map()
    _test_durations()
    judged_equivalent()


def _split(mutant: str) -> tuple[str, str, str]:
    """("surveys/definition.py", "x__condition", "x__condition__mutmut_114") from mutmut's mutant name."""
    parts = mutant.split(".")
    at = next(i for i, part in enumerate(parts) if part.startswith(("x_", "xǁ")))
    mangled = ".".join(parts[at:])
    return "/".join(parts[:at]) + ".py", mangled.rsplit("__mutmut_", 1)[0], mangled


def _function_node(tree: ast.Module, mangled_function: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The original function (or method, `xǁClassǁmethod`) a mutmut name stands for."""
    if mangled_function.startswith("xǁ"):
        class_name, method = mangled_function.removeprefix("xǁ").split("ǁ", 1)
        scopes: list[ast.stmt] = [
            node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name
        ]
        name = method
        body = [child for scope in scopes for child in scope.body]  # type: ignore[attr-defined]
    else:
        name = mangled_function.removeprefix("x_")
        body = tree.body
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@functools.cache
def _spans(path: Path) -> dict[str, list[int]]:
    return json.loads(path.read_text(encoding="utf-8"))["spans"]


def changed_lines(mutant: str, mutants_root: Path, source_root: Path) -> set[int] | None:
    """The original file's lines (1-based) a mutant changes, or None when they cannot be placed."""
    file, function, mangled = _split(mutant)
    spans = _spans(mutants_root / f"{file}.spans")
    mutated_lines = _lines(mutants_root / file)
    original_span, mutant_span = spans.get(f"{function}__mutmut_orig"), spans.get(mangled)
    node = _function_node(_tree(source_root / file), function)
    if original_span is None or mutant_span is None or node is None:
        return None
    original = mutated_lines[original_span[0] : original_span[1]]
    changed = mutated_lines[mutant_span[0] : mutant_span[1]]
    define = next((i for i, line in enumerate(original) if line.lstrip().startswith(("def ", "async def "))), None)
    if define is None or len(original) < 1:
        return None
    # The def lines differ by name only (…__mutmut_orig against …__mutmut_114): compare them without it.
    original = [line.replace(f"{function}__mutmut_orig", "NAME") for line in original]
    changed = [line.replace(f"{mangled}", "NAME") for line in changed]
    lines: set[int] = set()
    for tag, start, end, _, _ in difflib.SequenceMatcher(None, original, changed, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for index in range(start, max(end, start + 1)) if tag != "insert" else (max(start - 1, 0),):
            lines.add(node.lineno + index - define)
    return lines or None


def change_of(mutant: str, mutants_root: Path) -> list[str] | None:
    """The lines a mutant removes ("- …") and adds ("+ …") in its function, stripped, or None when they
    cannot be read: what a judgement of it holds, so a judgement lapses when its mutant changes."""
    file, function, mangled = _split(mutant)
    spans = _spans(mutants_root / f"{file}.spans")
    mutated_lines = _lines(mutants_root / file)
    original_span, mutant_span = spans.get(f"{function}__mutmut_orig"), spans.get(mangled)
    if original_span is None or mutant_span is None:
        return None
    original = [line.replace(f"{function}__mutmut_orig", "NAME") for line in mutated_lines[slice(*original_span)]]
    changed = [line.replace(mangled, "NAME") for line in mutated_lines[slice(*mutant_span)]]
    return [line[0] + " " + line[2:].strip() for line in difflib.ndiff(original, changed) if line[:1] in "-+"]


@functools.cache
def judged_equivalent() -> dict[str, list[str]]:
    return json.loads(EQUIVALENTS.read_text(encoding="utf-8")) if EQUIVALENTS.is_file() else {}


def still_as_judged(mutant: str, mutants_root: Path, judged: dict[str, list[str]]) -> bool:
    """Whether the mutant was judged equivalent and still makes the very change judged."""
    if mutant not in judged:
        return False
    try:
        return change_of(mutant, mutants_root) == judged[mutant]
    except (OSError, ValueError, KeyError, StopIteration):
        return False


def _statement_lines(function: ast.FunctionDef | ast.AsyncFunctionDef, line: int) -> range | None:
    """The lines of the innermost statement holding `line` (a compound statement's header only), or None
    when it is the function's own definition (run at import)."""
    holding = [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    found = max(holding, key=lambda node: (node.lineno, -(node.end_lineno or node.lineno)), default=None)
    if found is None or found is function:
        return None
    body = getattr(found, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        # A compound statement holds the line in its header (its body's statements are deeper and later).
        return range(found.lineno, max(body[0].lineno, line + 1))
    return range(found.lineno, (found.end_lineno or found.lineno) + 1)


def covering_tests(mutant: str, mutants_root: Path, source_root: Path, coverage_map: dict[str, Any]) -> set[str] | None:
    """The tests that executed a statement the mutant changes (in their call or their own fixtures' set-up);
    an empty set when no test did; None for "every test mutmut chose"."""
    file, function, _ = _split(mutant)
    lines = changed_lines(mutant, mutants_root, source_root)
    node = _function_node(_tree(source_root / file), function)
    by_line = coverage_map["files"].get(file)
    if lines is None or node is None or by_line is None:
        return None
    contexts: set[str] = set()
    for line in lines:
        statement = _statement_lines(node, line)
        if statement is None:
            return None
        for each in statement:
            contexts |= {coverage_map["contexts"][i] for i in by_line.get(str(each), ())}
    tests: set[str] = set()
    for context in contexts:
        test, _, phase = context.rpartition("|")
        if phase in OWN:
            tests.add(test)
        elif phase.startswith("fixture:") and phase.removeprefix("fixture:") in coverage_map["users"]:
            tests |= set(coverage_map["users"][phase.removeprefix("fixture:")])
        else:
            return None  # at import, or in a tear-down
    return tests


def select_for_mutant(config: Any, items: list[Any]) -> None:
    """In a mutant's session: keep the tests that execute its change, fastest first, PostgreSQL's last (so a
    session switches its warehouse engines once)."""
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    mutant = os.environ["MUTANT_UNDER_TEST"]
    if "__mutmut_" not in mutant:
        warm()  # mutmut's own runs (stats, the clean run), before it forks the mutants' sessions
        return
    if not os.environ.get(ALL_TESTS) and still_as_judged(mutant, _mutants_root(), judged_equivalent()):
        pytest.exit("judged equivalent (tests/mutation_equivalents.json)", returncode=SKIPPED)
    coverage_map = None if os.environ.get(ALL_TESTS) else _coverage_map()
    try:
        wanted = (
            None
            if coverage_map is None
            else covering_tests(mutant, _mutants_root(), _mutants_root().parent, coverage_map)
        )
    except (OSError, ValueError, KeyError, StopIteration, SyntaxError):
        wanted = None
    durations = _test_durations()
    items.sort(key=lambda item: ("postgres" in item.nodeid, durations.get(item.nodeid, 60.0)))
    if wanted is not None:
        # No test executes the change (coverage follows threads and subprocesses): no test can notice it, and
        # the fastest one says so.
        kept = [item for item in items if item.nodeid in wanted] or items[:1]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
