"""When the app's own database (surveys, responses, feedback) is down, a manager page says so in
plain words and stops; the driver's message, which names the host, port, user and driver, goes to
the server log only."""

from __future__ import annotations

import logging

import sqlalchemy as sa
import streamlit as st

import logs
from settings import Settings
from store.database import AppStore, StoreError
from ui import data
from ui.i18n import t

log = logging.getLogger(__name__)


def app_store_or_stop(settings: Settings) -> AppStore:
    """The app store, checked to answer now (a cached store outlives its server)."""
    try:
        store = data.app_store(settings.app_db_url)
        store.run(sa.select(sa.literal(1)))
    except StoreError:
        app_store_failed()
        st.stop()
    return store


def app_store_failed() -> None:
    """Log why the app store failed (the exception being handled) and say so without its details,
    with the reference that finds them in the log."""
    reference = logs.reference()
    log.exception("The app store did not answer (ref %s)", reference)
    st.error(t("error.app_store", reference=reference), icon=":material/cloud_off:")
