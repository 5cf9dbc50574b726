"""What the connector tests share: settings over a temporary data folder with a secrets.toml, a
migrated app store, and a sync through the connectors source whose clients record their waits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_sources.connectors.source import Made, load_connectors_source
from data_sources.sync import SyncResult, run_sync
from data_sources.warehouse import read_tables
from settings import Settings
from store.database import AppStore


def connector_settings(tmp_path: Path, secrets: str) -> Settings:
    path = tmp_path / "secrets.toml"
    path.write_text(secrets, encoding="utf-8")
    data = tmp_path / "data"
    return Settings(
        data_dir=data,
        warehouse_url=f"duckdb:///{data / 'warehouse.duckdb'}",
        app_db_url=f"sqlite:///{data / 'app.db'}",
        timezone="UTC",
        community_source="connectors",
        secrets_file=path,
    )


def migrated_store(settings: Settings) -> AppStore:
    store = AppStore(settings.app_db_url)
    store.migrate()
    return store


def sync_connectors(settings: Settings, store: AppStore, *, waits: list[float], attempts: int = 6) -> SyncResult:
    """What `sync(source="connectors")` does, with clients that record their waits instead of sleeping."""
    return run_sync(
        settings=settings,
        app_store=store,
        source="connectors",
        load=lambda: load_connectors_source(
            settings=settings, app_store=store, make=Made({"sleep": waits.append, "attempts": attempts})
        ),
    )


def warehouse_rows(settings: Settings, table: str, columns: list[str]) -> list[tuple]:
    assert settings.warehouse_path is not None
    frame = read_tables(settings.warehouse_path, [table])[table].sort_values(columns[0])
    return [
        tuple(None if pd.isna(value) else value for value in row)
        for row in frame[columns].itertuples(index=False, name=None)
    ]
