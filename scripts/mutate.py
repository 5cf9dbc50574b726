"""`make mutate`: mutmut over the domain packages ([tool.mutmut] in pyproject.toml), against one
throwaway PostgreSQL server started here for the whole run, then the kill rates and the survivors.

Each mutant runs its tests in a forked process, a pytest session of its own; PULSE_TEST_POSTGRES_URL
points every session at the server started here (tests/postgres.py), so no mutant starts one.

    .venv/bin/python scripts/mutate.py [mutant name or glob ...]   (e.g. "metrics.levels*")
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.postgres import postgres_server

ROOT = Path(__file__).resolve().parent.parent

MAX_CHILDREN = "2"


def main(names: list[str]) -> int:
    started = time.monotonic()
    with postgres_server() as url:
        # No ClickHouse engine in the forked sessions (tests/conftest.py's WAREHOUSE_ENGINES says why).
        env = {**os.environ, "PULSE_TEST_POSTGRES_URL": url, "PULSE_TEST_NO_CLICKHOUSE": "1"}
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", MAX_CHILDREN, *names]
        code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    print(f"\nmutmut took {time.monotonic() - started:.0f} s (exit code {code})")
    report = subprocess.run([sys.executable, str(ROOT / "scripts" / "mutation_report.py")], cwd=ROOT, check=False)
    return code or report.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
