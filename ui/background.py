"""Work the server does on its own, in background threads, so no one waits for it.

- Sheets are re-read when the last sync is older than sheets_refresh_minutes (checked at most once
  a minute per server, on page runs); the sync lock keeps it to one run at a time.
- Survey responses queued for the write-back sheet are appended after each submit and retried on
  the same schedule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import clock
from data_sources import sheets
from data_sources.errors import DataSourceError
from data_sources.sync import sync, sync_due
from settings import Settings
from store.database import StoreError
from surveys.write_back import push_pending
from ui import data

CHECK_EVERY_S = 60
_checked = {"at": 0.0}
_running = {"sync": threading.Lock(), "push": threading.Lock()}


def _in_background(name: str, work: Callable[[], object]) -> threading.Thread | None:
    lock = _running[name]
    if not lock.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            work()
        except (DataSourceError, StoreError):
            pass  # recorded where the Data page shows it: the sync run, the outbox row
        finally:
            lock.release()

    thread = threading.Thread(target=run, daemon=True, name=f"pulse-{name}")
    thread.start()
    return thread


def push_responses_soon(settings: Settings) -> threading.Thread | None:
    """Append queued survey responses to the write-back sheet (no-op when not configured)."""
    if settings.write_back_spreadsheet is None:
        return None
    store = data.app_store(settings.app_db_url)
    return _in_background(
        "push",
        lambda: push_pending(
            store, lambda: sheets.open_client(settings), spreadsheet=settings.write_back_spreadsheet, now=clock.now()
        ),
    )


def refresh_when_due(settings: Settings) -> threading.Thread | None:
    """Start a Sheets sync when one is due, and retry the write-back; cheap on most page runs."""
    if time.monotonic() - _checked["at"] < CHECK_EVERY_S:
        return None
    _checked["at"] = time.monotonic()
    push_responses_soon(settings)
    if settings.community_source != "sheets" or settings.warehouse_path is None:
        return None
    store = data.app_store(settings.app_db_url)
    if not sync_due(settings=settings, app_store=store, now=clock.now()):
        return None
    return _in_background("sync", lambda: sync(settings=settings, app_store=store))
