"""Work the server does on its own, in background threads, so no one waits for it.

- Sheets are re-read when the last sync is older than sheets_refresh_minutes (checked at most once
  a minute per server, on page runs); the sync lock keeps it to one run at a time.
- Survey responses queued for the write-back sheet are appended after each submit and retried on
  the same schedule.
- The delivery outbox is sent every minute by one thread per server process, started by the first
  page run (`start_sender`); the store's delivery lease lets exactly one process send at a time
  however many servers run, and a server with nothing due only reads (delivery/outbox.py). Before
  each send it evaluates the alert rules that are due (alerts/evaluation.py, under the store's
  "alerts" lease) and queues the digests whose slot has come (digests/due.py), so what they queue
  leaves in the same minute.
- After every sync (the Sheets refresh here, the Data page's Sync now) the rules are evaluated
  again (`evaluate_alerts_soon`): rules checked after each sync, and the sync rule, see the run.
- Survey reminders that have come due are queued after each round, for the next (outreach/reminders.py).
- Automatic replies to members whose feedback moved to a status a manager chose are queued before
  each send (outreach/auto_replies.py), so they leave in the same minute.
- The dashboards' default views are kept warm (ui/warming.py): a build another process swapped in
  (`cli.py sync` from cron) has them computed within the minute.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

import clock
import logs
from alerts.evaluation import evaluate_due
from data_sources import identities, sheets
from data_sources.sync import IMPORTS, built_from, sync, sync_due
from delivery.channels import load_channels
from delivery.outbox import deliver_due
from digests.due import enqueue_due
from errors import PulseError
from feedback.messages import take_messages
from outreach import auto_replies
from outreach.reminders import queue_due_for as queue_reminders
from settings import Settings
from store.database import AppStore
from surveys.write_back import push_pending
from ui import data, warming

CHECK_EVERY_S = 60
SEND_EVERY_S = 60
_checked = {"at": 0.0}
_running = {"sync": threading.Lock(), "push": threading.Lock(), "alerts": threading.Lock()}
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


def evaluate_alerts_soon(settings: Settings) -> threading.Thread | None:
    """Evaluate the alert rules that are due now (after a sync), without keeping a page waiting."""
    store = data.app_store(settings.app_db_url)
    return _in_background("alerts", lambda: evaluate_due(settings, store, clock.now()))


def _sync_then_evaluate(settings: Settings, store: AppStore) -> None:
    """A scheduled sync, the chosen channels' messages made feedback items (as Sync now and `cli.py
    sync` do), then the alert rules (also after a failed sync: the sync rule watches it)."""
    try:
        sync(settings=settings, app_store=store)
        take_messages(store, settings=settings, now=clock.now())
    finally:
        evaluate_due(settings, store, clock.now())


_sender: dict[str, object] = {"thread": None, "settings": None, "store": None}
_sender_lock = threading.Lock()
stop_sending = threading.Event()  # set by tests to end the sender


def _logged(name: str, work: Callable[..., object], *args: object) -> None:
    """One step of the sender: its failure goes to the log (nobody waits for this thread)."""
    try:
        work(*args)
    except PulseError as error:
        log.warning("Background %s failed (ref %s): %s", name, logs.reference(), error.user_message)
    except Exception:
        log.error("Background %s failed (ref %s)", name, logs.reference(), exc_info=True)


def _deliver(settings: Settings, store: AppStore) -> None:
    deliver_due(store, load_channels(settings))  # the channels read each time: an admin's edit applies


def _queue_reminders(settings: Settings, store: AppStore) -> None:
    persons_of = partial(identities.persons_of, lambda query: data.warehouse(settings).run(query))  # read when due
    queue_reminders(settings, store, load_channels(settings), now=clock.now(), persons_of=persons_of)


def _queue_replies(settings: Settings, store: AppStore) -> None:
    addresses_of = auto_replies.addresses_from(lambda query: data.warehouse(settings).run(query))  # read only when due
    auto_replies.queue_due_for(settings, store, load_channels(settings), addresses_of, now=clock.now())


def _send_forever() -> None:
    """Send what is due now and then every SEND_EVERY_S seconds, to the store and channels of the
    latest page run's settings (secrets.toml is read each time, so an admin's edit applies within a
    minute)."""
    while True:
        settings, store = _sender["settings"], _sender["store"]
        assert isinstance(settings, Settings) and isinstance(store, AppStore)
        # The digests whose time has come and the alert rules that are due first, so what they
        # queue leaves in this minute's run; a step that fails is logged and the next still runs
        # (a digest that cannot be built yet, a bad alerts file, a channel described wrongly).
        _logged("digests", enqueue_due, settings, store, clock.now())
        _logged("alerts", evaluate_due, settings, store, clock.now())
        _logged("replies", _queue_replies, settings, store)
        _logged("delivery", _deliver, settings, store)
        _logged("reminders", _queue_reminders, settings, store)  # survey reminders now due: the next round sends them
        _logged("warming", warming.warm_default_views, settings)  # e.g. of a build `cli.py sync` swapped in
        if stop_sending.wait(SEND_EVERY_S):
            return


def start_sender(settings: Settings) -> threading.Thread | None:
    """Point this process's delivery sender at these settings, and start it unless it runs (the
    thread that was started, else None)."""
    with _sender_lock:
        _sender.update(settings=settings, store=data.app_store(settings.app_db_url))
        running = _sender["thread"]
        if isinstance(running, threading.Thread) and running.is_alive():
            return None
        thread = threading.Thread(target=_send_forever, daemon=True, name="pulse-deliver")
        _sender["thread"] = thread
        thread.start()
        return thread


def refresh_when_due(settings: Settings) -> threading.Thread | None:
    """Start a Sheets sync when one is due, and retry the write-back; cheap on most page runs. Also
    makes sure the delivery sender runs."""
    start_sender(settings)
    if time.monotonic() - _checked["at"] < CHECK_EVERY_S:
        return None
    _checked["at"] = time.monotonic()
    push_responses_soon(settings)
    if settings.community_source != "sheets" or settings.warehouse_path is None:
        return None
    store = data.app_store(settings.app_db_url)
    if built_from(store) == IMPORTS:  # files imported on the Data page: a sync replaces them only when asked there
        return None
    if not sync_due(settings=settings, app_store=store, now=clock.now()):
        return None
    return _in_background("sync", lambda: _sync_then_evaluate(settings, store))
