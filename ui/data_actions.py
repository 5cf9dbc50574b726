"""The Data page's ways to refresh the data (pages/data.py lists them): the source, queried in
place (its rollup rebuilt by a button) or built here (a sync, file imports), and how fresh it is;
Google Forms responses into a survey, with a preview; the import batches, a Forms one undone as a
whole; the answers waiting for the write-back sheet. A failure shows under its button as plain text
and the page goes on, so the other ways stay at hand."""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

import streamlit as st

import clock
from data_sources.errors import DataSourceError, InvalidData, NotConfigured, ShrinkRefused
from data_sources.files import read_export
from data_sources.sync import IMPORTS, SyncResult, built_from, import_files, last_good_sync, parsing, sync
from data_sources.validate import TABLES, RawTable
from errors import lines_in
from feedback.messages import take_messages
from rollup.state import rollup_is_current
from rollup.tables import BUILT_AT_KEY, TIMEZONE_KEY
from settings import Settings
from store.batches import recent_batches_query
from store.database import AppStore, StoreError
from surveys import registry
from surveys.definition import Survey
from surveys.forms_import import import_responses, language_note, read_responses, undo_forms_import
from surveys.write_back import pending
from ui import background, confirm, data
from ui.data_views import (
    batch_columns,
    batches_view,
    confirmed_shrinks,
    freshness,
    parse_mapping,
    preview_columns,
    preview_view,
    remember_refusal,
    row_counts,
    said_in,
    source_name,
    stored_error,
)
from ui.i18n import current_language, listed, t
from ui.session import current_user
from ui.streamlit_internals import DeltaGenerator
from ui.tables import error_markdown, moment, plain, table
from ui.uploads import upload_box

log = logging.getLogger(__name__)


def show_failure(error: DataSourceError | StoreError) -> None:
    """The message in the reader's language as plain text: it quotes file names and cells people
    wrote; then a refused file's or sheet's warnings (a title row skipped, columns ignored), which
    may be why. Caught where each action is, not by ui.page's catcher: the failure shows under its
    button and the page goes on, so the other ways to refresh stay at hand."""
    log.warning("Data page: %s: %s", type(error).__name__, error.user_message)
    st.error(t("data.failed"))
    st.text(error.text(current_language()))
    if isinstance(error, InvalidData):
        show_warnings(error.warnings)


def show_warnings(warnings: list[str]) -> None:
    """A sync's or an import's warnings (each a Said) in the reader's language, as plain text."""
    if warnings:
        st.caption(t("data.warnings"))
        st.text(lines_in(warnings, current_language()))


def show_result(result: SyncResult, message: str) -> None:
    st.success(message)
    if result.reason is not None:  # appended or rebuilt, and why: it may quote a member's id, so plain text
        st.text(lines_in([result.reason], current_language()))
    show_warnings(result.warnings)


def uploaded_to(folder: Path, files: list) -> list[Path]:
    paths = []
    for upload in files:
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        paths.append(path)
    return paths


def in_place_source(settings: Settings, source: DeltaGenerator, fresh: DeltaGenerator) -> None:
    """A database queried in place: its address, and its rollup, which a button rebuilds."""
    source.metric(t("data.source"), t("data.in_place"))
    try:
        warehouse = data.warehouse(settings)
        mapping = f"\n{t('data.mapping', file=settings.warehouse_mapping)}" if settings.warehouse_mapping else ""
        source.text(warehouse.display_url + mapping)
        warehouse.check()
        st.caption(t("data.rollup_help"))
        if st.button(t("data.refresh_rollup"), key="data_rollup"):
            with st.spinner(t("data.refresh_rollup")):
                rows = warehouse.refresh_rollup(timezone=settings.timezone)
            st.success(t("data.rollup_done", rows=rows, timezone=settings.timezone))
        state = warehouse.rollup_state()
        zone = state.get(TIMEZONE_KEY)
        fresh.metric(t("data.rollup"), moment(state.get(BUILT_AT_KEY)), zone, delta_color="off", delta_arrow="off")
        if state and not rollup_is_current(state):
            fresh.warning(t("data.rollup_outdated"))
    except DataSourceError as error:
        show_failure(error)


def built_source(settings: Settings, store: AppStore, source: DeltaGenerator, fresh: DeltaGenerator) -> None:
    """A warehouse this app builds: a sync and file imports, then where the data in use came from
    and how fresh it is (drawn after them, so they show the data a sync or an import has just made)."""
    built_before = built_from(store)
    replaced = built_before == IMPORTS and settings.community_source != IMPORTS  # files imported here
    sync_buttons(settings, store, replacing=built_before if replaced else None)
    st.subheader(t("data.import"))
    st.caption(t("data.import_help"))
    file_import(settings, store)
    in_use = built_from(store) or settings.community_source
    source.metric(t("data.source"), source_name(in_use))
    if in_use != settings.community_source:  # a sync would replace what is shown
        source.caption(t("data.source_configured", source=source_name(settings.community_source)))
    built = last_good_sync(store)
    value, age = freshness(built, now=clock.now())
    fresh.metric(t("data.built"), value, age, delta_color="off", delta_arrow="off")
    if settings.community_source == "sheets":
        due = built + timedelta(minutes=settings.sheets_refresh_minutes) if built else clock.now()
        fresh.caption(t("data.next_refresh", minutes=settings.sheets_refresh_minutes, due=moment(due)))


def sync_buttons(settings: Settings, store: AppStore, *, replacing: str | None) -> None:
    """Sync now, or rebuild in full; a sync that would shrink a table asks first, and so does one
    from the configured source while the data in use came from another (`replacing`: files imported
    on this page, say, which a sync from the demo would replace whole, the shrink check aside)."""
    if replacing is None:
        confirm.cancel("data_sync_source")  # asked before the data changed (a sync elsewhere): nothing to ask now
    question = st.empty()  # the boxes, gone once the sync went through
    with question.container():
        allowed = confirmed_shrinks("sync")
        asked = confirm.confirmed(
            "data_sync_source",
            t(
                "data.sync_replaces",
                built=source_name(replacing or ""),
                source=source_name(settings.community_source),
            ),
            confirm=t("data.sync_replace", source=source_name(settings.community_source)),
        )
    with st.container(horizontal=True):
        quick = st.button(t("data.sync"), help=t("data.sync_help"), type="primary", key="data_sync")
        full = st.button(t("data.sync_full"), help=t("data.sync_full_help"), key="data_sync_full")
    if replacing is not None and (quick or full):
        confirm.ask("data_sync_source", "full" if full else "quick")
        st.rerun()
    if asked is not None:
        quick, full = asked == "quick", asked == "full"
    if not (quick or full):
        return
    remember_refusal("sync", [])  # this run's outcome replaces the last refusal
    try:
        with st.status(t("data.syncing")) as status:
            progress = said_in(status)
            synced = sync(settings=settings, app_store=store, allow_shrink=allowed, progress=progress, full=full)
            status.update(label=t("data.sync_done"), state="complete")
        question.empty()
        show_result(synced, t("data.synced", source=source_name(synced.source), rows=row_counts(synced.rows)))
        # messages of the channels chosen for feedback, now that the warehouse knows who wrote them
        taken = take_messages(store, settings=settings, now=clock.now())
        if taken:
            st.success(t("data.feedback_from_messages", count=taken))
    except ShrinkRefused as refused:
        remember_refusal("sync", refused.shrinks)
        st.rerun()
    except NotConfigured as error:
        st.info(error_markdown(error))
    except (DataSourceError, StoreError) as error:
        show_failure(error)
    background.evaluate_alerts_soon(settings)  # after a failed sync too: the sync rule watches the runs


def file_import(settings: Settings, store: AppStore) -> None:
    """CSV, Excel or Parquet files into the warehouse, each replacing its table (data_sources.sync.import_files);
    an import that would empty a table or cut it deeply asks first."""
    files = upload_box(t("data.import_files"), types=["csv", "xlsx", "parquet"], multiple=True, key="data_files")
    named = st.selectbox(
        t("data.import_table"),
        list(TABLES),
        index=None,
        placeholder=t("widget.choose"),
        format_func=lambda name: t(f"data.table.{name}"),
        key="data_table",
    )
    question = st.empty()  # the boxes, gone once the import went through
    with question.container():
        allowed = confirmed_shrinks("import")
    if not st.button(t("data.import_button"), disabled=not files, key="data_import"):
        return
    remember_refusal("import", [])  # this run's outcome replaces the last refusal
    with tempfile.TemporaryDirectory() as folder:
        try:
            paths = uploaded_to(Path(folder), files)
            imported = import_files(paths, settings=settings, app_store=store, table=named, allow_shrink=allowed)
            question.empty()
            names = plain(listed(path.name for path in paths))  # uploaded names: text, not markdown
            show_result(imported, t("data.imported", files=names, rows=row_counts(imported.rows)))
        except ShrinkRefused as refused:
            remember_refusal("import", refused.shrinks)
            st.rerun()
        except (DataSourceError, StoreError) as error:
            show_failure(error)


def forms_import(settings: Settings, store: AppStore) -> None:
    """Google Forms responses into a survey: a preview first if wished, then the import; undone as a whole."""
    st.subheader(t("data.forms"))
    st.caption(t("imports.forms_help"))
    data.register_surveys(settings)
    slugs = registry.survey_slugs(store)
    slug = st.selectbox(
        t("data.forms_survey"), slugs, index=None, placeholder=t("widget.choose"), key="data_forms_survey"
    )
    export = upload_box(t("imports.forms_file"), types=["csv", "xlsx"], key="data_forms_file")
    mapping = parse_mapping(
        st.text_area(t("imports.forms_map"), help=t("imports.forms_map_help"), height=68, key="data_forms_map")
    )
    with st.container(horizontal=True):
        previewing = st.button(t("imports.preview"), disabled=not (slug and export), key="data_forms_preview")
        importing = st.button(t("data.forms_button"), disabled=not (slug and export), key="data_forms_import")
    if not (previewing or importing):
        return
    with tempfile.TemporaryDirectory() as folder:
        try:
            [path] = uploaded_to(Path(folder), [export])
            raw = read_export(path, name="responses")
            stored_survey = registry.load_survey(store, slug)
            if stored_survey is None:  # deleted since it was listed, or written by an older release's rules
                st.error(t("surveys.unreadable", slug=plain(slug)))
                return
            if previewing:
                forms_preview(settings, raw, stored_survey.survey, mapping)
            else:
                result = import_responses(
                    store,
                    data.warehouse(settings),
                    stored=stored_survey,
                    raw=raw,
                    explicit=mapping,
                    parsing=parsing(settings),
                    actor=current_user(),
                    now=clock.now(),
                )
                st.success(
                    t(
                        "imports.forms_done",
                        batch=result.batch,
                        slug=slug,
                        added=result.added,
                        updated=result.updated,
                        already=result.already_there,
                        empty=result.empty,
                    )
                )
                st.caption(language_note(result.language).text(current_language()))
                show_warnings(result.warnings)
        except (DataSourceError, StoreError) as error:
            show_failure(error)


def forms_preview(settings: Settings, raw: RawTable, survey: Survey, mapping: dict[str, str]) -> None:
    """How an export's columns would be read, and what an import would refuse, before importing."""
    parsed = read_responses(raw, survey=survey, explicit=mapping, parsing=parsing(settings))
    table(preview_view(parsed.columns, current_language()), column_config=preview_columns())
    st.caption(t("imports.preview_counts", rows=len(parsed.rows), empty=parsed.empty))
    st.caption(language_note(parsed.language).text(current_language()))
    show_warnings(parsed.warnings)
    if parsed.problems:
        st.warning(t("imports.preview_refused"))
        st.text(parsed.refusal(raw.file).text(current_language()))


def import_batches(store: AppStore) -> None:
    """The recent imports of answers, a Google Forms one undone as a whole."""
    batches = store.run(recent_batches_query())
    if batches.empty:
        return
    st.caption(t("imports.batches_help"))
    table(batches_view(batches), column_config=batch_columns(), key="data_batches")
    undoable = batches.loc[batches["undone_at"].isna() & (batches["kind"] == "google_forms"), "id"].tolist()
    chosen = st.selectbox(
        t("imports.undo_which"), undoable, index=None, placeholder=t("widget.choose"), key="data_undo_batch"
    )
    if st.button(t("imports.undo"), disabled=chosen is None, key="data_undo"):
        removed = undo_forms_import(store, int(chosen), now=clock.now(), actor=current_user())
        st.success(t("imports.undone", batch=chosen, removed=removed))


def write_back(settings: Settings, store: AppStore) -> None:
    """Answers waiting to be written to the team's spreadsheet, and a button to push them now."""
    st.subheader(t("data.write_back"))
    waiting = pending(store)
    if waiting.empty:
        st.caption(t("data.write_back_ok"))
        return
    said = [stored_error(*error) for error in zip(waiting["last_error_said"], waiting["last_error"], strict=True)]
    errors = [error for error in said if error]
    st.text(t("data.write_back_waiting", count=len(waiting), error=errors[-1] if errors else "—"))
    if st.button(t("data.push"), key="data_push"):
        thread = background.push_responses_soon(settings)
        if thread is not None:
            thread.join(timeout=60)
        st.rerun()
