"""One clock: every module asks clock.py what time it is, so a test can set the time in one place."""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import cli
import clock

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", "mutants", "tests", "store/migrations"}  # mutants/: `make mutate`'s copy of the code
# Reading the wall clock: datetime.now(...), datetime.utcnow(), date.today(), datetime.today().
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today")}


def modules() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not any(relative == skipped or relative.startswith(f"{skipped}/") for skipped in SKIPPED):
            found.append(path)
    return found


def wall_clock_reads(path: Path) -> list[str]:
    reads = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and (owner.id, node.func.attr) in WALL_CLOCK:
                reads.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner.id}.{node.func.attr}()")
    return reads


def test_only_clock_reads_the_wall_clock():
    found = [read for path in modules() if path != ROOT / "clock.py" for read in wall_clock_reads(path)]
    assert found == [], "ask clock.now() / clock.today_in(zone) instead:\n" + "\n".join(found)


def test_the_scan_sees_a_wall_clock_read():
    assert wall_clock_reads(ROOT / "clock.py") == ["clock.py:18 datetime.now()"]
    assert len(modules()) > 100


def test_now_is_naive_utc():
    before = datetime.now(UTC).replace(tzinfo=None)
    now = clock.now()
    assert now.tzinfo is None
    assert before <= now <= datetime.now(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("moment", "zone", "today"),
    [
        (datetime(2026, 3, 1, 23, 30), "UTC", date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 30), "Asia/Shanghai", date(2026, 3, 2)),  # 07:30 on the 2nd there
        (datetime(2026, 3, 1, 3, 0), "America/New_York", date(2026, 2, 28)),  # 22:00 on the 28th there
    ],
)
def test_the_other_helpers_follow_a_set_clock(monkeypatch, moment, zone, today):
    monkeypatch.setattr(clock, "now", lambda: moment)
    assert clock.today() == moment.date()
    assert clock.today_in(zone) == today
    assert clock.now_in(zone).replace(tzinfo=None) - moment == clock.now_in(zone).utcoffset()


def test_a_set_clock_reaches_the_cli(monkeypatch, configured, capsys):
    """Without --start and --end a report covers the 7 days before the clock's today (UTC)."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 8, 23, 59))
    assert cli.main(["report", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["period"]["start"], document["period"]["end"]) == ("2025-03-01", "2025-03-08")
    assert document["members"] == {"current": 7, "previous": 5}
