"""Chinese in the meeting report is drawn, not boxes: the report of a Chinese-first demo community
(Chinese campaign, channel, region and feedback texts), in zh-CN, as PDF and PNG.

The PDF: pdftotext reads the Chinese back (the glyphs carry their characters) and pdffonts lists an
embedded Noto Sans CJK. The PNG has no text layer, so it is compared with itself: the same spec with
every wide character swapped for an unassigned code point, which no font has, draws tofu. Two
different unassigned characters draw the same picture (the control: a missing glyph looks the same
whatever the character), while the real text draws a different one; and fontconfig's Noto Sans CJK
SC, the face the report asks for, holds a glyph for every wide character the PNG shows.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from datetime import UTC, date, datetime

import numpy as np
import pytest
import vl_convert
from fontTools.ttLib import TTCollection
from PIL import Image

from data_sources import demo
from data_sources.warehouse import Warehouse, build_warehouse
from metrics.filters import Filters
from reports.image import png_spec
from reports.meeting import Report, build_report
from reports.pdf import to_pdf
from store.database import AppStore
from surveys import demo as survey_demo
from tests.test_reports import poppler

TODAY = date(2026, 3, 2)
ZONE = "Asia/Shanghai"
FEBRUARY = Filters(start=date(2026, 2, 1), end=TODAY, region="华南", timezone=ZONE)  # Beijing days
# Campaigns of the demo's plan starting in February: the 5th welcome week (2 Feb) and newsletter (24 Feb).
CAMPAIGNS = ["新人欢迎周（第5期）", "社区月报（第5期）"]
TOFU, OTHER_TOFU = "\u0378", "\u0379"  # unassigned (and in the BMP, which the report keeps to): no glyph


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    directory = tmp_path_factory.mktemp("zh-report")
    frames = demo.generate_community(today=TODAY, members=400, activities=15_000, locale="zh-CN")
    build_warehouse(directory / "warehouse.duckdb", frames, timezone=ZONE)
    warehouse = Warehouse(f"duckdb:///{directory / 'warehouse.duckdb'}")
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    store.migrate()
    now = datetime.now(UTC).replace(tzinfo=None)
    surveys = survey_demo.generate_surveys(frames, today=TODAY, locale="zh-CN")
    survey_demo.store_surveys(store, surveys, now=now, timezone=ZONE)
    made = build_report(
        warehouse=warehouse, app_store=store, filters=FEBRUARY, now=now, include_text=True, language="zh-CN"
    )
    warehouse.dispose()
    store.dispose()
    return made


def strings(value: object) -> list[str]:
    """Every string in a vega-lite spec: titles, labels and the values of its datasets."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def wide(text: str) -> bool:
    return unicodedata.east_asian_width(text) in "WF"


def swapped(value: object, char: str) -> object:
    """The spec with every wide character (a CJK one) replaced by `char`, so layout stays the same."""
    if isinstance(value, dict):
        return {key: swapped(item, char) for key, item in value.items()}
    if isinstance(value, list):
        return [swapped(item, char) for item in value]
    if isinstance(value, str):
        return "".join(char if wide(letter) else letter for letter in value)
    return value


def drawn(spec: dict[str, object]) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(vl_convert.vegalite_to_png(spec, scale=1))).convert("L"))


def test_the_report_holds_the_chinese_it_is_about(report):
    assert report.campaigns["name"].tolist() == CAMPAIGNS
    assert report.filters.region == "华南"


def test_the_pdf_reads_back_as_chinese_and_embeds_noto_sans_cjk(report, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(to_pdf(report))
    text = " ".join(poppler("pdftotext", pdf).split())
    for name in [*CAMPAIGNS, "华南"]:
        assert name in text
    example = report.themes["example"].dropna().iloc[0]  # the newest open item's words, in Chinese
    assert re.fullmatch(r"[\u4e00-\u9fff，。！]+", example) and example in text
    rows = [line.split() for line in poppler("pdffonts", pdf).splitlines()[2:]]  # below the header and rule
    embedded = {row[0].split("+")[-1] for row in rows if row[-5] == "yes"}  # XKQQSR+Noto-Sans-CJK-SC: a subset
    assert {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"} <= embedded


def test_the_png_draws_chinese_glyphs_not_tofu(report):
    spec = png_spec(report)
    shown = {letter for text in strings(spec) for letter in text if wide(letter)}
    assert set(filter(wide, "".join([*CAMPAIGNS, "华南"]))) <= shown
    tofu = drawn(swapped(spec, TOFU))
    assert np.array_equal(tofu, drawn(swapped(spec, OTHER_TOFU)))  # a missing glyph looks one way
    assert not np.array_equal(drawn(spec), tofu)  # the Chinese draws differently from that


def test_the_report_font_has_every_chinese_character_the_png_shows(report):
    path = subprocess.run(
        ["fc-match", "--format=%{file}", "Noto Sans CJK SC"], check=True, capture_output=True, text=True
    ).stdout
    assert "NotoSansCJK" in path, f"Noto Sans CJK is missing ({path}): run `bash scripts/system-packages.sh`"
    faces = {face["name"].getDebugName(1): face for face in TTCollection(path).fonts}
    covered = faces["Noto Sans CJK SC"].getBestCmap()
    shown = {letter for text in strings(png_spec(report)) for letter in text if wide(letter)}
    assert sorted(letter for letter in shown if ord(letter) not in covered) == []
