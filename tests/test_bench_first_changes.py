"""bench/first_changes.py's bookkeeping and its arguments: no browser, no timing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import first_changes

ROOT = Path(__file__).resolve().parent.parent


def test_the_versions_take_turns_going_first():
    assert [first_changes.order(pair) for pair in range(4)] == [("a", "b"), ("b", "a"), ("a", "b"), ("b", "a")]


def test_medians_ratios_and_the_pairs_differences():
    samples = {
        "a": {"open_cold_s": [2.0, 3.0, 2.5], "period_first_s": [0.6, 0.5, 0.7], "filter_first_s": [0.5, 0.4, 1.0]},
        "b": {"open_cold_s": [2.2, 2.9, 2.4], "period_first_s": [0.5, 0.55, 0.6], "filter_first_s": [0.6, 0.3, 0.9]},
    }
    result = first_changes.summary(samples, [0.2, 0.3, 0.25, 0.1])
    assert result["reference_rerun_s"] == pytest.approx(0.225)  # the median of the reruns
    assert result["a"]["period_first_s"] == pytest.approx(0.6)
    assert result["b"]["filter_first_s"] == pytest.approx(0.6)
    # a change to the reference's rerun; an opening has no reference here
    assert result["a"]["ratios"] == {
        "period_first": pytest.approx(0.6 / 0.225),
        "filter_first": pytest.approx(0.5 / 0.225),
    }
    period = result["differences"]["period_first_s"]
    assert period["median_b_minus_a_s"] == pytest.approx(-0.1)  # -0.1, +0.05, -0.1
    assert (period["b_faster"], period["pairs"]) == (2, 3)
    member_filter = result["differences"]["filter_first_s"]
    assert member_filter["pairs"] == 3
    assert member_filter["median_b_minus_a_s"] == pytest.approx(-0.1)  # +0.1, -0.1, -0.1
    assert member_filter["b_faster"] == 2


def test_a_version_serves_its_own_data_where_given(tmp_path):
    bench, own = tmp_path / "bench", tmp_path / "own"
    envs = first_changes.environments(bench, a=None, b=own)
    assert (envs["a"]["PULSE_DATA_DIR"], envs["b"]["PULSE_DATA_DIR"]) == (str(bench), str(own))
    assert envs["b"]["PULSE_TIMEZONE"] == "UTC" and "PULSE_WAREHOUSE_URL" not in envs["b"]


def test_no_pairs_is_refused():
    run = subprocess.run(
        [sys.executable, "-m", "bench.first_changes", "--a", str(ROOT), "--b", str(ROOT), "--pairs", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "--pairs must be 1 or more" in run.stderr


def test_a_folder_that_is_not_a_checkout_is_refused(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "bench.first_changes", "--a", str(ROOT), "--b", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert f"{tmp_path} is not a checkout of the app" in run.stderr
