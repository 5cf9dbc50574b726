"""The app server: Streamlit's pages (app.py) plus the one address a page cannot answer, the
one-click unsubscribe a mail client POSTs (RFC 8058) to the List-Unsubscribe link of a member
email. `streamlit run serve.py` starts both on one port (Makefile: `make run`); a GET of the same
link opens the unsubscribe page as before.

The POST carries the link's signed token (outreach/consent.py), which is its only authority: it
stops that kind of message for that member and answers 200, or 400 for a link that is not ours.
Nothing about the member is said back."""

from __future__ import annotations

import logging

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import clock
from outreach import consent
from settings import load_settings, signing_secret
from store.database import AppStore, StoreError
from ui import heap

log = logging.getLogger(__name__)
ONE_CLICK = "List-Unsubscribe=One-Click"


def _unsubscribe(token: str, topic: str) -> int:
    """Stop this kind of message for the token's member; the HTTP status to answer."""
    settings = load_settings()  # read per request, as the pages do: an admin's edit applies
    member = consent.member_of(signing_secret(settings), token)
    if member is None or topic not in consent.TOPICS:
        return 400
    store = AppStore(settings.app_db_url)
    try:
        consent.set_wanted(store, member, topic, wanted=False, now=clock.now())
    except StoreError:  # the mail client may try again; the details are in the log
        log.exception("A one-click unsubscribe could not be stored")
        return 503
    finally:
        store.dispose()
    return 200


async def one_click_unsubscribe(request: Request) -> PlainTextResponse:
    form = await request.form()
    if form.get("List-Unsubscribe") != "One-Click":
        return PlainTextResponse(f"Expected {ONE_CLICK} (RFC 8058).", status_code=400)
    status = await run_in_threadpool(
        _unsubscribe, request.query_params.get("u", ""), request.query_params.get("topic", "")
    )
    words = {200: "Unsubscribed.", 400: "This unsubscribe link is not valid.", 503: "Try again later."}
    return PlainTextResponse(words[status], status_code=status)


heap.freeze_the_loaded_code()  # out of the garbage collection after every run: ui/heap.py
app = st.App("app.py", routes=[Route("/unsubscribe", one_click_unsubscribe, methods=["POST"])])
