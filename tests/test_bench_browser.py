"""The browser phase's bookkeeping (bench/browser.py) and its reference page: no browser, no timing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest

from bench import browser

ROOT = Path(__file__).resolve().parent.parent


def test_medians_and_ratios_to_the_reference():
    summary = browser.summarise(
        {
            "overview": {"open_cold_s": [3.0, 9.0, 2.0], "open_warm_s": [1.0, 1.2], "period_s": [0.9, 0.5, 0.6]},
            "feedback item": {"next_s": [0.8], "next_warmed_s": [0.15], "filter_s": []},
        },
        {"open_cold_s": [1.0, 1.5, 0.5], "open_warm_s": [], "rerun_s": [0.2, 0.3, 0.4]},
    )
    assert summary["reference"] == {"open_cold_s": 1.0, "rerun_s": 0.3}  # no samples, no figure
    overview = summary["pages"]["overview"]
    assert overview["open_cold_s"] == 3.0  # the median, not the mean or the last
    assert overview["open_warm_s"] == pytest.approx(1.1)
    # cold to the reference's cold; a change to its rerun; warm has no reference figure: no ratio
    assert overview["ratios"] == {"open_cold": pytest.approx(3.0), "period": pytest.approx(2.0)}
    item = summary["pages"]["feedback item"]
    assert "filter_s" not in item
    assert item["ratios"] == {"next": pytest.approx(0.8 / 0.3), "next_warmed": pytest.approx(0.5)}


def test_results_keep_medians_ratios_traffic_and_samples_as_json():
    record = browser.Recorder()
    traffic = browser.Traffic().as_dict()
    for seconds in (0.4, 0.6, 0.5):
        record.ref("open_warm_s", seconds, traffic)
        record.ref("rerun_s", seconds / 2, traffic)
    for seconds in (1.0, 1.5, 0.9):
        record.page("members", "open_warm_s", seconds, traffic)
        record.page("members", "filter_s", seconds / 2, traffic)
    result = json.loads(json.dumps(record.result(3)))
    assert result["runs"] == 3
    assert result["reference"] == {"open_warm_s": 0.5, "rerun_s": 0.25}
    assert result["pages"]["members"]["open_warm_s"] == 1.0
    assert result["pages"]["members"]["ratios"] == {"open_warm": 2.0, "filter": 2.0}
    assert result["samples"]["members"]["filter_s"] == [0.5, 0.75, 0.45]
    assert result["samples"]["reference"]["rerun_s"] == [0.2, 0.3, 0.25]
    assert set(result["traffic"]) == {"reference", "members"}
    assert set(result["traffic"]["members"]) == {"open_warm", "filter"}
    browser.print_table(result)  # the bench table reads this shape


def test_a_visit_that_fails_is_reported_and_the_phase_goes_on():
    record = browser.Recorder()

    def stuck(chromium, url, recorder, *, cold):
        raise RuntimeError(f"{url} did not settle")

    def fine(chromium, url, recorder, *, cold):
        recorder.ref("open_cold_s" if cold else "open_warm_s", 0.5, browser.Traffic().as_dict())

    record.attempt(stuck, None, "http://x/members", record, cold=True)
    record.attempt(fine, None, "http://x/", record, cold=False)
    result = record.result(1)
    assert result["failures"] == ["stuck http://x/members: http://x/members did not settle"]
    assert result["reference"] == {"open_warm_s": 0.5}
    browser.print_table(result)


def _message(**fields) -> bytes:
    message = ForwardMsg()
    for path, value in fields.items():
        target = message
        *parents, last = path.split("__")
        for name in parents:
            target = getattr(target, name)
        if value is None:
            getattr(target, last).SetInParent()
        else:
            setattr(target, last, value)
    return message.SerializeToString()


def test_traffic_counts_runs_elements_and_chart_bytes():
    traffic = browser.Traffic()
    frames = [
        _message(new_session__page_script_hash="a"),
        _message(delta__new_element__metric__label="Members"),
        _message(delta__new_element__metric__label="Active"),
        _message(delta__new_element__vega_lite_chart__spec='{"mark": "bar"}'),
        _message(ref_hash="abc"),
        _message(script_finished=0),
        _message(new_session__page_script_hash="a"),
    ]
    for frame in frames:
        traffic.add(frame)
    counted = traffic.as_dict()
    assert counted["frames"] == 7
    assert counted["kb"] == round(sum(map(len, frames)) / 1024, 1)
    assert counted["runs"] == 2
    assert counted["by_kind"] == {"metric": 2, "vega_lite_chart": 1}
    assert counted["elements"] == 3
    assert counted["reused"] == 1
    assert traffic.chart_bytes == len(frames[3])
    assert counted["server_s"] is not None  # the run's end arrived: the rest of the wait is the browser's
    assert browser.Traffic().as_dict()["server_s"] is None


def test_the_reference_page_runs_and_reruns_with_its_elements():
    at = AppTest.from_file(str(ROOT / browser.REFERENCE), default_timeout=60).run()
    assert not at.exception
    # Built like the Overview and Members pages (35-38 elements, of the same kinds): what a rerun of
    # a page that size costs in Streamlit itself.
    assert len(at.metric) == 15
    assert len(at.selectbox) == 5
    assert len(at.get("vega_lite_chart")) == 2
    assert len(at.dataframe) == 2
    assert [len(frame.value) for frame in at.dataframe] == [40, 200]
    assert len(at.get("download_button")) == 2 and len(at.button) == 1
    first = [metric.value for metric in at.metric]
    at.selectbox(key="period").select(browser.REFERENCE_CHOICES[1]).run()
    assert not at.exception
    assert [metric.value for metric in at.metric] != first  # the rerun draws new numbers


def test_the_reference_page_warm_up_draws_one_caption():
    at = AppTest.from_file(str(ROOT / browser.REFERENCE), default_timeout=60)
    at.query_params["warm_up"] = "1"
    at.run()
    assert not at.exception
    assert len(at.caption) == 1 and not at.metric
