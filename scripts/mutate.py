"""`make mutate`: mutmut over the domain packages ([tool.mutmut] in pyproject.toml), against one
throwaway PostgreSQL server started here for the whole run, then the kill rates and the survivors.

Each mutant runs its tests in a forked process, a pytest session of its own; PULSE_TEST_POSTGRES_URL
points every session at the server started here (tests/postgres.py), so no mutant starts one. The
listed tests run once under coverage.py, recording which test executed each line
(mutants/coverage-by-test.json, made again only when a test or a mutated package changed): each mutant's
session then runs only the tests that execute the statement it changed (tests/mutation.py). From
scratch, that run goes beside mutmut's start (its mutants, mypy, its stats run) and stands for the clean
run mutmut would make next (every listed test, no mutant), which is left out.

    .venv/bin/python scripts/mutate.py [--all-tests] [mutant name or glob ...]   (e.g. "metrics.levels*")

--all-tests runs each named mutant against every test mutmut chose for its function, without the
selection: re-checking survivors so shows whether the selection let a killable mutant survive.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.mutation import ALL_TESTS, COVERAGE_MAP, FIXTURE_USERS, PENDING_MAP, write_coverage_map
from tests.postgres import postgres_server

ROOT = Path(__file__).resolve().parent.parent

MAX_CHILDREN = "2"


def _mutmut_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]


def _inputs_key(packages: list[str]) -> str:
    """A digest of everything the coverage map depends on: the tests, the mutated packages, the config."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for folder in ["tests", *packages]:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def map_is_current() -> bool:
    target = ROOT / "mutants" / COVERAGE_MAP
    kept = target.with_suffix(".key")
    return target.is_file() and kept.is_file() and kept.read_text() == _inputs_key(_mutmut_config()["source_paths"])


def coverage_by_test(env: dict[str, str]) -> None:
    """Run the listed tests once under coverage.py, a context per test and phase: the map of which test
    executed each line. Raises RuntimeError when a listed test fails."""
    config = _mutmut_config()
    packages = config["source_paths"]
    target = ROOT / "mutants" / COVERAGE_MAP
    key = _inputs_key(packages)
    kept = target.with_suffix(".key")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        data, rcfile = Path(scratch) / "coverage", Path(scratch) / "coveragerc"
        # Subprocesses measured too (a test's spawned Python), so a line no record holds ran nowhere.
        rcfile.write_text(
            f"[run]\ndata_file = {data}\nsource = {', '.join(packages)}\nparallel = true\npatch = subprocess\n"
        )
        coverage = [sys.executable, "-m", "coverage"]
        pytest = ["-m", "pytest", "-q", "-p", "tests.mutation", "-p", "no:cacheprovider"]
        command = [*coverage, "run", f"--rcfile={rcfile}", *pytest, *config["pytest_add_cli_args_test_selection"]]
        users = Path(scratch) / "fixture-users.json"
        run_env = {**env, FIXTURE_USERS: str(users)}
        code = subprocess.run(command, cwd=ROOT, env=run_env, check=False, stdout=subprocess.DEVNULL).returncode
        if code != 0:
            raise RuntimeError(f"The listed tests failed under coverage (exit code {code}); mutmut would too.")
        subprocess.run([*coverage, "combine", "-q", f"--rcfile={rcfile}"], cwd=ROOT, env=env, check=True)
        write_coverage_map(data, ROOT, tuple(packages), target, json.loads(users.read_text(encoding="utf-8")))
    kept.write_text(key)
    lines = sum(len(each) for each in json.loads(target.read_text(encoding="utf-8"))["files"].values())
    print(f"Which test runs each line: {lines} lines, {time.monotonic() - started:.0f} s", flush=True)


def coverage_beside_mutmut(env: dict[str, str]) -> threading.Thread:
    """Make the map while mutmut starts (mutants, mypy, its stats run; each on one core of two): its
    sessions wait in tests/mutation.py's `warm` while mutants/<map>.pending exists, and stop on the
    failure written into it."""
    pending = ROOT / "mutants" / PENDING_MAP
    pending.parent.mkdir(exist_ok=True)
    pending.write_text("", encoding="utf-8")

    def make() -> None:
        try:
            coverage_by_test(env)
        except Exception as failure:  # every failure must reach the session waiting for the map
            pending.write_text(str(failure) or repr(failure), encoding="utf-8")
            return
        pending.unlink()

    thread = threading.Thread(target=make, name="coverage map")
    thread.start()
    return thread


def mutmut_without_clean_run(arguments: list[str]) -> None:
    """mutmut's command line, its clean run of the listed tests left out: the coverage run that made the
    map beside it has just run every listed test, clean, and failed the run if one failed."""
    from mutmut.__main__ import cli
    from mutmut.workers import isolation

    for runner in (isolation.ForkRunner, isolation.ForkServerRunner):
        runner.run_clean_tests = lambda self, tests: 0  # type: ignore[method-assign]
    cli(arguments)


def main(names: list[str]) -> int:
    started = time.monotonic()
    with postgres_server() as url:
        # No ClickHouse engine in the forked sessions (tests/conftest.py's WAREHOUSE_ENGINES says why).
        # The venv's bin first on PATH: pyproject's type_check_command runs its `python -m mypy`.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        env = {**os.environ, "PATH": path, "PULSE_TEST_POSTGRES_URL": url, "PULSE_TEST_NO_CLICKHOUSE": "1"}
        if "--all-tests" in names:
            names = [name for name in names if name != "--all-tests"]
            env[ALL_TESTS] = "1"
        arguments = ["run", "--max-children", MAX_CHILDREN, *names]
        (ROOT / "mutants" / PENDING_MAP).unlink(missing_ok=True)  # left by a run stopped while making the map
        coverage, command = None, [sys.executable, "-m", "mutmut", *arguments]
        if not map_is_current() and not (ROOT / "mutants" / "mutmut-stats.json").is_file():
            # From scratch: the map beside mutmut's start, and no clean run after it.
            coverage = coverage_beside_mutmut(env)
            entry = "from scripts.mutate import mutmut_without_clean_run as run; import sys; run(sys.argv[1:])"
            command = [sys.executable, "-c", entry, *arguments]
        elif not map_is_current():
            # Re-checking after a change: mutmut lists the tests again at once (no mypy, no full stats run
            # to hide the map behind), so the map comes first. A session listing tests beside the coverage
            # run failed to collect once (23:40, 1 December 2026; not understood yet).
            try:
                coverage_by_test(env)
            except RuntimeError as failure:
                sys.exit(str(failure))
        code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        if coverage is not None:
            coverage.join()
    print(f"\nmutmut took {time.monotonic() - started:.0f} s (exit code {code})")
    report = subprocess.run([sys.executable, str(ROOT / "scripts" / "mutation_report.py")], cwd=ROOT, check=False)
    return code or report.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
