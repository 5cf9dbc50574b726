"""The kill rate per package of the last mutation run (`make mutate`) and the mutants that survived.

Reads mutmut's results (mutants/<file>.meta, one exit code per mutant). A mutant is killed when a
test failed (or it ran past its time limit) or mypy rejected it ("by mypy", counted among the
killed); it survived when every test that ran passed; "no tests" means no selected test calls that
function at all, which counts against the rate too. Mutants not checked yet (an interrupted run)
are counted apart and left out of the rate.

    .venv/bin/python scripts/mutation_report.py [--diffs]    (--diffs: each survivor's changed lines)
"""

from __future__ import annotations

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


def _function(mangled: str) -> str:
    """mutmut's name of a mutated function as written in the source: x_name, or xǁClassǁmethod."""
    if mangled.startswith("xǁ"):
        return mangled.removeprefix("xǁ").replace("ǁ", ".")
    return mangled.removeprefix("x_")


def results(root: Path = ROOT) -> list[tuple[str, str, str, str]]:
    """(file, function, mutant name, status) rows, one per mutant, in file order."""
    rows = []
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        file = meta.relative_to(root / "mutants").as_posix().removesuffix(".meta")
        module = file.removesuffix(".py").replace("/", ".")
        for name, exit_code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            function = _function(name.removeprefix(module + ".").rsplit("__mutmut_", 1)[0])
            rows.append((file, function, name, status_by_exit_code[exit_code]))
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
    head = f"{'package':<10}{'mutants':>8}{'killed':>8}{'by mypy':>8}{'survived':>9}{'no tests':>9}{'unchecked':>10}"
    lines = [f"{head}  kill rate"]
    for package, count in counts.items():
        killed = sum(count[s] for s in KILLED)
        unchecked = sum(count[s] for s in NOT_CHECKED)
        checked = sum(count.values()) - unchecked
        rate = f"{100 * killed / checked:.1f}%" if checked else "-"
        lines.append(
            f"{package:<10}{sum(count.values()):>8}{killed:>8}{count['caught by type check']:>8}"
            f"{count['survived']:>9}{count['no tests']:>9}"
            f"{unchecked:>10}  {rate}"
        )
    survivors = [row for row in rows if row[3] not in KILLED | NOT_CHECKED]
    lines.append(f"\nSurvivors ({len(survivors)}): file, function, mutant (`mutmut show <mutant>` shows the change)")
    for file, function, name, status in survivors:
        lines.append(f"  {file}  {function}  {name}{'' if status == 'survived' else f'  ({status})'}")
        if diffs and status == "survived":
            lines += [f"      {line.strip()}" for line in changed_lines(name, file)]
    return "\n".join(lines)


if __name__ == "__main__":
    if not (ROOT / "mutants").is_dir():
        sys.exit("No mutation results: run `make mutate` first.")
    os.chdir(ROOT)  # mutmut reads mutants/ from the current directory
    print(report(results(), diffs="--diffs" in sys.argv[1:]))
