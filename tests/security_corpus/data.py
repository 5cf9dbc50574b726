"""The demo-size community with the text corpora written where members and imports write: member
names, channel/region/segment values, campaign names, feedback text, themes and tags, and survey
titles, question texts and option labels (serve it with surveys_dir=<directory>/surveys)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml

from data_sources import demo
from data_sources.warehouse import build_warehouse
from feedback.intake import NewFeedback, add_feedback
from store import tables
from store.database import AppStore
from surveys import demo as survey_demo
from tests.security_corpus.text import ALL, CSV_FORMULAS, MARKDOWN, SQL, XSS

# Member values a filter can select: the image payload of issue 30 first (the filter caption's bug).
CHANNELS = (MARKDOWN[0], XSS[1], CSV_FORMULAS[0], SQL[0])
REGIONS = (MARKDOWN[4], XSS[0], SQL[1])
SEGMENTS = (MARKDOWN[12], XSS[4], CSV_FORMULAS[7])
SHIPPED = Path(__file__).resolve().parents[2] / "surveys"
STORED = tuple(payload for payload in ALL if "\x00" not in payload)  # no database text column takes NUL


def _cycle(values: tuple[str, ...], count: int) -> list[str]:
    return list(itertools.islice(itertools.cycle(values), count))


def _rewrite(node: object, payloads: Iterator[str]) -> object:
    """A survey definition with every title, question text, help and option label in English
    replaced by the next payload (ids, types and the Chinese texts kept)."""
    if isinstance(node, list):
        return [_rewrite(item, payloads) for item in node]
    if not isinstance(node, dict):
        return node
    texts = {"title", "text", "help", "label", "description", "min_label", "max_label"}
    return {
        key: {**value, "en": next(payloads)} if key in texts and isinstance(value, dict) else _rewrite(value, payloads)
        for key, value in node.items()
    }


def survey_folder(directory: Path) -> Path:
    """The shipped surveys written where the corpus community reads them (PULSE_SURVEYS_DIR)."""
    folder = directory / "surveys"
    folder.mkdir(exist_ok=True)
    payloads = itertools.cycle(STORED)
    for path in sorted(SHIPPED.glob("*.yaml")):
        definition = _rewrite(yaml.safe_load(path.read_text(encoding="utf-8")), payloads)
        (folder / path.name).write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return folder


def build(directory: Path) -> Path:
    """Write the warehouse and the app store of the corpus community into `directory`."""
    now = datetime.now(UTC).replace(tzinfo=None)
    frames = demo.generate_community(today=now.date(), members=600, activities=30_000)
    members, campaigns = frames["members"], frames["campaigns"]
    frames["members"] = members.assign(
        name=_cycle(STORED, len(members)),
        channel=_cycle(CHANNELS, len(members)),
        region=_cycle(REGIONS, len(members)),
        segment=_cycle(SEGMENTS, len(members)),
    )
    frames["campaigns"] = campaigns.assign(name=_cycle(STORED, len(campaigns)))
    build_warehouse(directory / "warehouse.duckdb", frames, timezone="UTC")
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    store.migrate()
    surveys = survey_demo.generate_surveys(frames, today=now.date(), folder=survey_folder(directory))
    survey_demo.store_surveys(store, surveys, now=now)
    member_ids = frames["members"]["member_id"].tolist()
    items = [
        NewFeedback(source="import", text=payload, member_id=member_ids[n], created_at=now - timedelta(days=n % 20))
        for n, payload in enumerate(STORED)
    ]
    with store.begin() as connection:
        ids = add_feedback(connection, items, actor="corpus", now=now)
        for n, item_id in enumerate(ids):
            connection.execute(
                sa.update(tables.feedback)
                .where(tables.feedback.c.id == item_id)
                .values(theme=STORED[n][:100], tags=[STORED[(n + 1) % len(STORED)][:40]])
            )
    store.dispose()
    return directory
