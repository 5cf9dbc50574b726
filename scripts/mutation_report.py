"""The kill rate per package of the last mutation run (`make mutate`) and the mutants that survived.

Reads mutmut's results (mutants/<file>.meta, one exit code per mutant). A mutant is killed when a
test failed (or it ran past its time limit) or mypy rejected it ("by mypy", counted among the
killed); it survived when every test that ran passed; "no tests" means no selected test calls that
function at all, which counts against the rate too. Mutants not checked yet (an interrupted run)
are counted apart and left out of the rate.

A survivor judged equivalent (no caller can see the change; docs/testing.md says why) is recorded with
its change in tests/mutation_equivalents.json; while its change stays the same, a run skips it instead
of running every test that executes the change again, and the report counts it as "equivalent", out of
the rate (as Stryker leaves out the mutants it is told to ignore).

    .venv/bin/python scripts/mutation_report.py [--diffs]    (--diffs: each survivor's changed lines)
    .venv/bin/python scripts/mutation_report.py --equivalent <mutant name or glob> ...   (record survivors)
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("metrics", "surveys", "feedback", "auth")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
NOT_CHECKED = {"not checked", "check was interrupted by user"}
EQUIVALENT = "skipped"  # mutmut's status for a session tests/mutation.py ended as judged equivalent


def _function(mangled: str) -> str:
    """mutmut's name of a mutated function as written in the source: x_name, or xǁClassǁmethod."""
    if mangled.startswith("xǁ"):
        return mangled.removeprefix("xǁ").replace("ǁ", ".")
    return mangled.removeprefix("x_")


def results(root: Path = ROOT, judged: dict[str, list[str]] | None = None) -> list[tuple[str, str, str, str]]:
    """(file, function, mutant name, status) rows, one per mutant, in file order. A survivor judged
    equivalent since the run (its change the one judged) counts as equivalent, as the next run would."""
    sys.path.insert(0, str(ROOT))
    from tests.mutation import judged_equivalent, still_as_judged

    judged = judged_equivalent() if judged is None else judged
    rows = []
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        file = meta.relative_to(root / "mutants").as_posix().removesuffix(".meta")
        module = file.removesuffix(".py").replace("/", ".")
        for name, exit_code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            function = _function(name.removeprefix(module + ".").rsplit("__mutmut_", 1)[0])
            status = status_by_exit_code[exit_code]
            if status == "survived" and still_as_judged(name, root / "mutants", judged):
                status = EQUIVALENT
            rows.append((file, function, name, status))
    return rows


def changed_lines(name: str, file: str) -> list[str]:
    """The lines a mutant removes (-) and adds (+), as `mutmut show` prints them."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name, path=file).splitlines()
    return [line for line in diff if line[:1] in "-+" and line[:3] not in ("---", "+++")]


def report(rows: list[tuple[str, str, str, str]], *, diffs: bool = False) -> str:
    counts: dict[str, Counter[str]] = {package: Counter() for package in PACKAGES}
    for file, _function, _name, status in rows:
        counts.setdefault(file.split("/", 1)[0], Counter())[status] += 1
    head = (
        f"{'package':<10}{'mutants':>8}{'killed':>8}{'by mypy':>8}{'survived':>9}{'no tests':>9}"
        f"{'equivalent':>11}{'unchecked':>10}"
    )
    lines = [f"{head}  kill rate  (equivalents as survivors)"]
    for package, count in counts.items():
        killed = sum(count[s] for s in KILLED)
        unchecked = sum(count[s] for s in NOT_CHECKED)
        checked = sum(count.values()) - unchecked - count[EQUIVALENT]
        rate = f"{100 * killed / checked:.1f}%" if checked else "-"
        raw = f"{100 * killed / (checked + count[EQUIVALENT]):.1f}%" if checked else "-"
        lines.append(
            f"{package:<10}{sum(count.values()):>8}{killed:>8}{count['caught by type check']:>8}"
            f"{count['survived']:>9}{count['no tests']:>9}{count[EQUIVALENT]:>11}"
            f"{unchecked:>10}  {rate:>9}  {raw:>26}"
        )
    lines.append("(kill rate: killed / checked, the mutants judged equivalent left out)")
    survivors = [row for row in rows if row[3] not in KILLED | NOT_CHECKED | {EQUIVALENT}]
    lines.append(f"\nSurvivors ({len(survivors)}): file, function, mutant (`mutmut show <mutant>` shows the change)")
    for file, function, name, status in survivors:
        lines.append(f"  {file}  {function}  {name}{'' if status == 'survived' else f'  ({status})'}")
        if diffs and status == "survived":
            lines += [f"      {line.strip()}" for line in changed_lines(name, file)]
    return "\n".join(lines)


def record_equivalents(patterns: list[str], rows: list[tuple[str, str, str, str]]) -> list[str]:
    """Add the survivors matching the patterns to tests/mutation_equivalents.json with their change;
    returns their names. Judge each first, and say why in docs/testing.md."""
    from tests.mutation import EQUIVALENTS, change_of

    judged = json.loads(EQUIVALENTS.read_text(encoding="utf-8")) if EQUIVALENTS.is_file() else {}
    named = [
        name
        for _file, _function, name, status in rows
        if status == "survived" and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    ]
    for name in named:
        change = change_of(name, ROOT / "mutants")
        if change is None:
            sys.exit(f"{name}: its change cannot be read from mutants/.")
        judged[name] = change
    EQUIVALENTS.write_text(json.dumps(dict(sorted(judged.items())), ensure_ascii=False, indent=1) + "\n", "utf-8")
    return named


if __name__ == "__main__":
    if not (ROOT / "mutants").is_dir():
        sys.exit("No mutation results: run `make mutate` first.")
    os.chdir(ROOT)  # mutmut reads mutants/ from the current directory
    if sys.argv[1:2] == ["--equivalent"]:
        recorded = record_equivalents(sys.argv[2:], results())
        print(f"{len(recorded)} survivors recorded as equivalent in tests/mutation_equivalents.json")
    else:
        print(report(results(), diffs="--diffs" in sys.argv[1:]))
