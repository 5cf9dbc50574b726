"""Saved views above the inbox's filters: a menu of views (mine, then the team's shared ones, then
the starters), a "Save view" popover, and a "This view" popover to rename, update, share or delete
one's own. A view is applied by writing its filters into the address, which the filter bar reads
(ui.inbox.listing), so a view and a link to its filters are one thing; `?view=<id>` opens a view
as it is saved now. Streamlit-side of feedback/views.py."""

from __future__ import annotations

from collections.abc import Callable, Collection

import streamlit as st

import clock
from feedback import views as stored
from feedback.inbox import InboxChoices
from feedback.views import View, ViewRefused
from store.database import AppStore, StoreError
from ui import confirm
from ui.i18n import t
from ui.inbox import VIEWS_ROW_KEY
from ui.outage import app_store_failed
from ui.session import who
from ui.tables import error_markdown, plain

APPLIED = "feedback_view_applied"  # (key, filters) of the view applied last in this session
PICKED = "pulse_feedback_view_pick"  # the menu's state: the view the filters are now, if any
NOTE = "feedback_view_note"  # a message for the next run (a view opened from the menu)
SAVE_OPEN = "feedback_view_save_open"  # the "Save view" popover is open (its form is built)
THIS_OPEN = "feedback_view_this_open"  # likewise "This view"
DELETE = "feedback_view_delete"


def view_name(view: View, user: str) -> str:
    """As the menu shows it (text, never markdown): a starter in the catalog's words, a shared view
    of someone else's with its owner, one's own shared view marked."""
    if view.starter is not None:
        return t(f"feedback.views.starter.{view.starter}")
    if not view.mine(user):
        return t("feedback.views.theirs", name=view.name, owner=who(view.owner or ""))
    return t("feedback.views.shared_mine", name=view.name) if view.shared else view.name


def current_filters() -> dict[str, str]:
    return stored.filters_of(st.query_params.to_dict())


def apply(view: View, choices: InboxChoices, *, segments: Collection[str], levels: Collection[str]) -> list[str]:
    """Write the view's filters into the address (replacing the ones there) with `?view=`; what no
    longer exists is left out, and named in the messages returned."""
    checked = stored.check(view.filters, choices, segments=segments, levels=levels)
    for name in stored.FILTERS:
        st.query_params.pop(stored.PREFIX + name, None)
    for name, value in stored.address_of(checked.filters).items():
        st.query_params[name] = value
    st.query_params["view"] = view.key
    st.session_state[APPLIED] = (view.key, checked.filters)
    if not checked.dropped:
        return []
    gone = "; ".join(f"{t(f'feedback.filter.{name}')} {plain(value)}" for name, value in checked.dropped)
    return [t("feedback.views.dropped", filters=gone)]


def view_bar(
    store: AppStore,
    *,
    user: str,
    admin: bool,
    choices: InboxChoices,
    segments: Collection[str],
    levels: Collection[str],
) -> None:
    """The views menu and its actions, above the filters (drawn first: opening a view sets them)."""
    try:
        saved = stored.visible(store, user)
    except StoreError:
        app_store_failed()
        return
    everything = {view.key: view for view in [*saved, *stored.starters()]}
    for note in st.session_state.pop(NOTE, []):
        st.warning(note, icon=":material/filter_alt_off:")
    _open_link(store, user, choices, segments=segments, levels=levels)
    applied = st.session_state.get(APPLIED)
    now = current_filters()
    base = everything.get(applied[0]) if applied else None
    if st.query_params.get("view") and (applied is None or applied[1] != now):
        st.query_params.pop("view", None)  # a filter changed since: the address is the filters alone
    st.session_state[PICKED] = next((key for key, view in everything.items() if _same(view, now, applied)), None)
    changed = base is not None and st.session_state[PICKED] != base.key
    # One row that wraps: the menu takes what the buttons leave (on a phone, down to 10rem: ui.page.LAYOUT).
    row = st.container(horizontal=True, vertical_alignment="bottom", key=VIEWS_ROW_KEY)
    menu = save_column = this_column = row
    menu.selectbox(
        t("feedback.views.label"),
        list(everything),
        index=None,
        format_func=lambda key: view_name(everything[key], user),
        placeholder=t("feedback.views.changed", name=view_name(base, user))
        if changed and base
        else t("feedback.views.none"),
        key=PICKED,
        on_change=_picked,
        args=(everything, choices, segments, levels),
        label_visibility="collapsed",
        width=320,
    )
    # Lazy: a popover's form is built only while it is open (closed, it is one button to draw).
    save = save_column.popover(
        t("feedback.views.save"), icon=":material/bookmark_add:", width="content", key=SAVE_OPEN, on_change="rerun"
    )
    if save.open:
        with save:
            _save_form(store, user=user, filters=now)
    target = everything.get(st.session_state[PICKED] or "") or base
    if target is not None and stored.may_change(target, user, admin=admin):
        this = this_column.popover(
            t("feedback.views.this"), icon=":material/tune:", width="content", key=THIS_OPEN, on_change="rerun"
        )
        if this.open:
            with this:
                _manage(store, target, user=user, admin=admin, filters=now, changed=changed)
    _delete_confirmation(store, user=user, admin=admin)


def _same(view: View, filters: dict[str, str], applied: tuple[str, dict[str, str]] | None) -> bool:
    """The filters are the view's: as it was applied (what was left of it), or as it is saved."""
    if applied is not None and applied[0] == view.key:
        return applied[1] == filters
    return view.filters == filters


def _open_link(
    store: AppStore, user: str, choices: InboxChoices, *, segments: Collection[str], levels: Collection[str]
) -> None:
    """An address with `?view=` that this session has not applied yet (a link, a fresh tab): the
    view as it is saved now, or, when the opener may not see it, a plain refusal and the inbox
    with its usual filters."""
    asked = st.query_params.get("view")
    applied = st.session_state.get(APPLIED)
    if not asked or (applied is not None and applied[0] == asked):
        return
    try:
        view = stored.find(store, asked, user)
    except ViewRefused as refused:
        st.warning(error_markdown(refused), icon=":material/lock:")
        for name in [*stored.FILTERS, "view"]:
            st.query_params.pop(stored.PREFIX + name if name != "view" else name, None)
        st.session_state.pop(APPLIED, None)
        return
    except StoreError:
        app_store_failed()
        return
    for note in apply(view, choices, segments=segments, levels=levels):
        st.warning(note, icon=":material/filter_alt_off:")


def _picked(
    everything: dict[str, View], choices: InboxChoices, segments: Collection[str], levels: Collection[str]
) -> None:
    """on_change of the menu: the picked view's filters into the address (the open item closes);
    cleared, the inbox's usual filters."""
    key = st.session_state.get(PICKED)
    if key is None:  # cleared: the inbox's usual filters
        for name in stored.FILTERS:
            st.query_params.pop(stored.PREFIX + name, None)
        st.query_params.pop("view", None)
        st.session_state.pop(APPLIED, None)
        return
    if key not in everything:
        return
    st.query_params.pop("item", None)
    st.session_state[NOTE] = apply(everything[key], choices, segments=segments, levels=levels)


def _save_form(store: AppStore, *, user: str, filters: dict[str, str]) -> None:
    """Name the current filters as a view of one's own, private or shared with the team."""
    with st.form("feedback_view_save", border=False):
        name = st.text_input(t("feedback.views.name"), max_chars=stored.MAX_NAME)
        shared = st.checkbox(t("feedback.views.share"), help=t("feedback.views.share_help"))
        if not st.form_submit_button(t("feedback.views.save_button"), type="primary"):
            return
    try:
        view_id = stored.save(store, owner=user, name=name, filters=filters, shared=shared, now=clock.now())
    except ViewRefused as refused:
        st.error(error_markdown(refused), icon=":material/error:")
        return
    except StoreError:
        app_store_failed()
        return
    st.query_params["view"] = str(view_id)
    st.session_state[APPLIED] = (str(view_id), dict(filters))
    st.session_state["feedback_saved"] = t("feedback.views.saved", name=plain(" ".join(name.split())))
    st.rerun()


def _manage(store: AppStore, view: View, *, user: str, admin: bool, filters: dict[str, str], changed: bool) -> None:
    """Rename, update with the current filters, share or keep private, delete."""
    view_id = view.id or 0  # a saved view: starters are not changed (stored.may_change)
    if changed:
        st.caption(t("feedback.views.changed_help"))
    pressed = st.button(t("feedback.views.update"), disabled=not changed, key="feedback_view_update", type="primary")
    if pressed and _change(
        lambda: stored.update(store, view_id, filters=filters, user=user, admin=admin, now=clock.now())
    ):
        st.query_params["view"] = view.key
        st.session_state[APPLIED] = (view.key, dict(filters))
        _done(t("feedback.views.updated", name=plain(view.name)))
    with st.form("feedback_view_rename", border=False):
        name = st.text_input(t("feedback.views.new_name"), value=view.name, max_chars=stored.MAX_NAME)
        renamed = st.form_submit_button(t("feedback.views.rename"))
    if renamed and _change(lambda: stored.rename(store, view_id, name=name, user=user, admin=admin, now=clock.now())):
        _done(t("feedback.views.renamed", name=plain(" ".join(name.split()))))
    if view.owner == user:
        label = t("feedback.views.make_private") if view.shared else t("feedback.views.make_shared")
        if st.button(label, key="feedback_view_sharing"):
            shared = not view.shared
            if _change(lambda: stored.share(store, view_id, shared=shared, user=user, admin=admin, now=clock.now())):
                _done(t("feedback.views.now_shared") if shared else t("feedback.views.now_private"))
    if st.button(t("feedback.views.delete"), icon=":material/delete:", key="feedback_view_delete_ask"):
        confirm.ask(DELETE, (view.id, view.name))
        st.rerun()


def _change(action: Callable[[], object]) -> bool:
    """Make a change; False, with the reason on screen, when it was refused or the store failed."""
    try:
        action()
    except ViewRefused as refused:
        st.error(error_markdown(refused), icon=":material/error:")
        return False
    except StoreError:
        app_store_failed()
        return False
    return True


def _done(message: str) -> None:
    st.session_state["feedback_saved"] = message
    st.rerun()


def _delete_confirmation(store: AppStore, *, user: str, admin: bool) -> None:
    asked = confirm.pending(DELETE)
    if asked is None:
        return
    view_id, name = asked
    question = t("feedback.views.delete_question", name=plain(name))
    if confirm.confirmed(DELETE, question, confirm=t("feedback.views.delete")) is None:
        return
    if _change(lambda: stored.delete(store, view_id, user=user, admin=admin)):
        st.query_params.pop("view", None)
        st.session_state.pop(APPLIED, None)
        _done(t("feedback.views.deleted", name=plain(name)))
