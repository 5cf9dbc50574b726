"""Work the server does on its own, in background threads, so no one waits for it.

- Sheets are re-read when the last sync is older than sheets_refresh_minutes (checked at most once
  a minute per server, on page runs); the sync lock keeps it to one run at a time.
- Survey responses queued for the write-back sheet are appended after each submit and retried on
  the same schedule.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import clock
import logs
from data_sources import sheets
from data_sources.sync import sync, sync_due
from errors import PulseError
from settings import Settings
from surveys.write_back import push_pending
from ui import data

CHECK_EVERY_S = 60
_checked = {"at": 0.0}
_running = {"sync": threading.Lock(), "push": threading.Lock()}
log = logging.getLogger(__name__)


def _in_background(name: str, work: Callable[[], object]) -> threading.Thread | None:
    lock = _running[name]
    if not lock.acquire(blocking=False):
        return None

    def run() -> None:
        log.info("Background %s started", name)
        try:
            work()
        except PulseError as error:  # also recorded where the Data page shows it: the sync run, the outbox row
            log.warning("Background %s failed (ref %s): %s", name, logs.reference(), error.user_message)
        except Exception:  # nobody waits for this thread: the log is where its failure is seen
            log.error("Background %s failed (ref %s)", name, logs.reference(), exc_info=True)
        else:
            log.info("Background %s finished", name)
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
