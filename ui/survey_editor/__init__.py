"""The survey builder: the Surveys page's Build mode, for managers with the survey permission.

Start from scratch, from a template (surveys/templates/) or by duplicating a survey; edit a
published survey (its draft, shared by every manager who opens it); import a YAML file. The editor
(fields.py) and the live preview (preview.py) sit side by side on a desktop and one under the other
on a phone; they run as one fragment, so typing reruns them alone. The working copy is kept in the
session by draft id and the revision it was loaded from; Save replaces the draft whole, and a save
that someone else's beat is refused with their name while the edits stay on screen
(surveys/drafts.py). Problems are shown beside their fields as they are typed; publishing adds the
versioning rules' problems the same way.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

import clock
from errors import PulseError
from ids import parse_id
from settings import Settings
from store.database import AppStore
from surveys import drafts, editing
from surveys.definition import ID_PATTERN, DefinitionError, DefinitionProblem, Survey, parse_definition, text_in
from surveys.registry import load_survey
from ui import confirm, data, survey_form
from ui.i18n import current_language, t
from ui.page import data_errors_stop_the_page
from ui.session import current_user, who
from ui.streamlit_internals import rerun_fragment
from ui.survey_editor import fields as editor_fields
from ui.survey_editor.preview import preview
from ui.tables import moment, plain
from ui.uploads import upload_box

WORK = "builder_work"  # draft id → the working copy and what it was loaded from
REFUSED = "builder_refused"  # draft id → the problems publishing met
DRAFT = "draft"  # ?draft=<id> opens the editor on it
DISCARDED = "builder_discarded"  # the title of the draft just discarded, said once
MODE_NEXT = "surveys_mode_next"  # the Surveys page's mode on its next run (pages/surveys.py)


def open_draft(draft_id: int) -> None:
    """Open the editor on a draft (also from a button's callback elsewhere on the page)."""
    st.query_params[DRAFT] = str(draft_id)


def close_editor() -> None:
    st.query_params.pop(DRAFT, None)
    confirm.cancel("builder_discard")  # a question about this draft is not asked over another


def builder(settings: Settings) -> None:
    """The editor on the draft the address names, else the start: drafts, new, import."""
    store = data.app_store(settings.app_db_url)
    survey_form.style()
    draft_id = parse_id(st.query_params.get(DRAFT), minimum=1) if st.query_params.get(DRAFT) else None
    if draft_id is not None:
        with data_errors_stop_the_page():
            draft = drafts.load_draft(store, draft_id)
        if draft is not None:
            _editor(settings, draft_id)
            return
        st.warning(t("survey.draft.gone"), icon=":material/info:")
        close_editor()
    _start(settings, store)


def _start(settings: Settings, store: AppStore) -> None:
    language = current_language()
    if discarded := st.session_state.pop(DISCARDED, None):
        st.success(t("builder.discarded", title=plain(discarded)), icon=":material/check:")
    with data_errors_stop_the_page():
        open_drafts = drafts.list_drafts(store)
        published = data.load_survey_table(settings)
    st.markdown("### " + t("builder.drafts"))
    if not open_drafts:
        st.caption(t("builder.no_drafts"))
    for draft in open_drafts:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            title = text_in(editing.as_text(draft.definition.get("title"), "en"), language) or t("builder.untitled")
            slug = str(draft.definition.get("slug") or "")
            with st.container(gap="xxsmall"):
                st.markdown("**" + plain(title) + "**")
                st.caption(
                    t(
                        "builder.draft_line",
                        slug=plain(slug),
                        by=plain(who(draft.updated_by)),
                        at=moment(draft.updated_at),
                        state=t("builder.edits_published" if draft.survey_slug else "builder.new_survey"),
                    )
                )
            st.button(t("builder.open"), key=f"builder_open_{draft.id}", on_click=open_draft, args=(draft.id,))

    titles = dict(zip(published["slug"], published["title"], strict=True)) if not published.empty else {}

    def named(slug: str) -> str:  # a published survey as the list names it, its link name beside
        return t("builder.survey_named", title=titles.get(slug, slug), slug=slug)

    st.markdown("### " + t("builder.create"))
    with st.container(border=True):
        templates = drafts.templates()
        sources = ["blank", "template", *(["duplicate"] if not published.empty else [])]
        source = (
            st.segmented_control(
                t("builder.start_from"),
                sources,
                format_func=lambda name: t(f"builder.start.{name}"),
                default="template",
                key="builder_source",
            )
            or "template"
        )
        starting: dict[str, Any] | None = None
        if source == "template":
            name = st.selectbox(
                t("builder.template"),
                list(templates),
                format_func=lambda name: text_in(editing.as_text(templates[name].get("title"), "en"), language),
                key="builder_template",
                placeholder=t("widget.choose"),
            )
            starting = templates.get(name or "")
        elif source == "duplicate":
            original = st.selectbox(
                t("builder.duplicate_of"),
                published["slug"].tolist(),
                format_func=named,
                key="builder_duplicate",
                placeholder=t("widget.choose"),
            )
            stored = drafts_source(store, original)
            starting = stored
        slug = st.text_input(t("builder.slug"), key="builder_new_slug", help=t("builder.slug_help"), max_chars=60)
        slug = slug.strip()
        taken = set(published["slug"]) | {str(d.definition.get("slug")) for d in open_drafts}
        if slug and not ID_PATTERN.match(slug):
            st.caption(":red[" + plain(t("builder.slug_invalid")) + "]")
        elif slug in taken:
            st.caption(":red[" + plain(t("survey.publish.slug_taken", slug=repr(slug))) + "]")
        ready = bool(slug) and bool(ID_PATTERN.match(slug)) and slug not in taken
        if st.button(t("builder.create_draft"), type="primary", icon=":material/edit_document:", disabled=not ready):
            if starting is None:
                definition = drafts.blank_definition(slug, languages=drafts.blank_languages(language))
            elif source == "template":  # the manager's language first, where the template has it
                definition = editing.first_language(drafts.duplicate(starting, slug), language)
            else:  # a published survey's copy keeps its languages' order
                definition = drafts.duplicate(starting, slug)
            with data_errors_stop_the_page():
                made = drafts.create_draft(store, definition, actor=current_user(), now=clock.now())
            open_draft(made.id)
            st.rerun()

    if not published.empty:
        st.markdown("### " + t("builder.edit_published"))
        with st.container(horizontal=True, vertical_alignment="bottom"):
            chosen = st.selectbox(
                t("builder.survey"),
                published["slug"].tolist(),
                format_func=named,
                key="builder_edit_slug",
                width=320,
                placeholder=t("widget.choose"),
            )
            if st.button(t("builder.edit"), icon=":material/edit:", key="builder_edit") and chosen:
                with data_errors_stop_the_page():
                    draft = drafts.edit_survey(store, chosen, actor=current_user(), now=clock.now())
                open_draft(draft.id)
                st.rerun()

    st.markdown("### " + t("builder.import"))
    upload = upload_box(t("builder.import_file"), types=["yaml", "yml"], key="builder_upload")
    if upload is not None and st.button(t("builder.import_button"), icon=":material/upload_file:"):
        try:
            text = upload.getvalue().decode("utf-8")
            draft = drafts.import_yaml(store, text, where=upload.name, actor=current_user(), now=clock.now())
        except UnicodeDecodeError:
            st.error(t("builder.import_not_text"))
        except (DefinitionError, PulseError) as error:  # local: say what is wrong and stay on the start
            st.error(error.text(current_language(), quote=plain).replace("\n", "  \n"))
        else:
            open_draft(draft.id)
            st.rerun()


def drafts_source(store: AppStore, slug: str | None) -> dict[str, Any] | None:
    """The newest published definition of a survey, to duplicate."""
    stored = load_survey(store, slug) if slug else None
    return copy.deepcopy(stored.survey.source) if stored else None


def _work(draft: drafts.Draft) -> dict[str, Any]:
    """The session's working copy of the draft: loaded again when the draft was saved elsewhere and
    nothing here is unsaved; kept (with its edits) when both changed, for the save to refuse."""
    works = st.session_state.setdefault(WORK, {})
    work = works.get(draft.id)
    stale = work is not None and work["revision"] != draft.revision and not unsaved(work)
    if work is None or stale:
        definition = editing.normalized(draft.definition)
        work = {
            "revision": draft.revision,
            "definition": definition,
            "saved": copy.deepcopy(definition),
            "generation": (work or {}).get("generation", 0) + 1,
        }
        works[draft.id] = work
    return work


def unsaved(work: dict[str, Any]) -> bool:
    """Whether the working copy says something the saved draft does not (fields the editor shows
    empty, such as a help text, are no change)."""
    return editing.compact(work["definition"]) != editing.compact(work["saved"])


@st.fragment
def _editor(settings: Settings, draft_id: int) -> None:
    store = data.app_store(settings.app_db_url)
    with data_errors_stop_the_page():
        draft = drafts.load_draft(store, draft_id)
    if draft is None:
        st.warning(t("survey.draft.gone"), icon=":material/info:")
        return
    work = _work(draft)
    definition = work["definition"]
    problems = _problems(definition) + st.session_state.setdefault(REFUSED, {}).get(draft_id, [])
    head = st.container()
    editor, shown = st.columns([3, 2], gap="large")
    fields = editor_fields.Fields(
        definition=definition,
        problems=problems,
        prefix=f"bld{draft_id}g{work['generation']}_",
        published=draft.survey_slug is not None,
    )
    with editor:
        questions_tab, settings_tab = st.tabs([t("builder.questions"), t("builder.settings")])
        with questions_tab:
            editor_fields.pages(fields)
        with settings_tab:
            editor_fields.survey_settings(fields, campaigns=_campaigns(settings))
    if fields.apply():
        work["generation"] += 1
        rerun_fragment()
    refused = st.session_state[REFUSED].get(draft_id, [])
    if [str(p) for p in _problems(definition) + refused] != [str(p) for p in problems]:
        rerun_fragment()  # what was just typed fixed or made a problem: show it beside its field now
    with shown:
        preview(definition, key=f"builder_preview_{draft_id}")
    with head:
        _toolbar(settings, store, draft, work, problems, fields)


def _problems(definition: dict[str, Any]) -> list[DefinitionProblem]:
    """What is wrong with the working copy as it is typed: the definition's problems, then the
    ones only publishing checks (options worded alike)."""
    where = str(definition.get("slug") or "draft")
    try:
        survey = parse_definition(editing.compact(definition), where=where)
    except DefinitionError as error:
        return list(error.problems)
    return drafts.repeated_labels(survey, where=where)


def _campaigns(settings: Settings) -> dict[str, str]:
    """Campaign ids and names for the linked-campaign choice; none when the data is not there."""
    try:
        choices = data.load_campaign_choices(settings, data.data_version(settings))
    except PulseError:  # local: a survey can be built before any data is connected
        return {}
    return {str(c): f"{n} ({c})" for c, n in zip(choices["campaign_id"], choices["name"], strict=True)}


def _toolbar(
    settings: Settings,
    store: AppStore,
    draft: drafts.Draft,
    work: dict[str, Any],
    problems: list[DefinitionProblem],
    fields: editor_fields.Fields,
) -> None:
    definition = work["definition"]
    language = current_language()
    title = text_in(editing.as_text(definition.get("title"), "en"), language) or t("builder.untitled")
    st.markdown("## " + plain(title))
    changed = unsaved(work)
    st.caption(
        t(
            "builder.draft_caption",
            revision=work["revision"],
            by=plain(who(draft.updated_by)),
            at=moment(draft.updated_at),
        )
        + (" · :orange[" + t("builder.unsaved") + "]" if changed else "")
    )
    missing = editing.missing_translations(definition)
    if missing:
        st.caption(":orange[:material/translate: " + t("builder.translations_missing", count=missing) + "]")
    conflict = st.session_state.get("builder_conflict")
    if conflict:
        st.error(conflict, icon=":material/sync_problem:")
        if st.button(t("builder.load_saved"), icon=":material/refresh:", key="builder_load_saved"):
            st.session_state[WORK].pop(draft.id, None)
            st.session_state.pop("builder_conflict", None)
            rerun_fragment()
    if problems:
        with st.expander(t("builder.problems", count=len(problems)), icon=":material/error:"):
            for problem in problems:
                st.caption(plain(problem.text(language)))
    with st.container(horizontal=True):
        save = st.button(t("builder.save"), icon=":material/save:", key="builder_save", disabled=not changed)
        publish = st.button(
            t("builder.publish"),
            icon=":material/publish:",
            type="primary",
            key="builder_publish",
            disabled=bool(_problems(definition)),
        )
        st.download_button(
            t("builder.export"),
            drafts.to_yaml(editing.compact(definition)),
            file_name=f"{definition.get('slug') or 'survey'}.yaml",
            mime="application/yaml",
            icon=":material/download:",
            on_click="ignore",
            key="builder_export",
        )
        if st.button(t("builder.discard"), icon=":material/delete:", key="builder_discard"):
            confirm.ask("builder_discard", draft.id)  # asked below, before anything typed is thrown away
        st.button(t("builder.close"), icon=":material/close:", key="builder_close", on_click=close_editor)
    if confirm.pending("builder_discard") not in (None, draft.id):
        confirm.cancel("builder_discard")  # asked of another draft, opened since by its address
    if confirm.confirmed(
        "builder_discard", t("builder.discard_confirm", title=plain(title)), confirm=t("builder.discard")
    ):
        drafts.discard_draft(store, draft.id)
        st.session_state[WORK].pop(draft.id, None)
        st.session_state[DISCARDED] = title
        close_editor()
        st.rerun()
    if not (save or publish):
        return
    saved = _save(store, draft, work) if changed else dataclasses.replace(draft, revision=work["revision"])
    if saved is None or not publish:
        rerun_fragment()
    try:
        version = drafts.publish(store, saved, actor=current_user(), timezone=settings.timezone, now=clock.now())
    except (DefinitionError, drafts.PublishRefused) as refused:  # local: beside their fields, edits kept
        st.session_state[REFUSED][draft.id] = list(refused.problems)
        rerun_fragment()
    except (drafts.DraftConflict, drafts.DraftGone) as conflict:
        st.error(conflict.text(language, quote=plain), icon=":material/sync_problem:")
        return
    st.session_state[WORK].pop(draft.id, None)
    st.session_state[REFUSED].pop(draft.id, None)
    st.session_state["builder_published"] = (str(definition.get("slug")), version)
    close_editor()
    st.query_params["survey"] = str(definition.get("slug"))
    st.query_params.pop("builder", None)
    st.session_state[MODE_NEXT] = "results"  # set before the switch is drawn: popping its state left it on Build
    st.rerun()


def _save(store: AppStore, draft: drafts.Draft, work: dict[str, Any]) -> drafts.Draft | None:
    """Save the working copy whole; None (and why, edits kept on screen) when refused."""
    base = dataclasses.replace(draft, revision=work["revision"])
    try:
        saved = drafts.save_draft(
            store, base, editing.compact(work["definition"]), actor=current_user(), now=clock.now()
        )
    except (drafts.DraftConflict, drafts.DraftGone) as conflict:  # local: the edits stay on screen
        st.session_state["builder_conflict"] = conflict.text(current_language(), quote=plain)
        return None
    st.session_state.pop("builder_conflict", None)
    st.session_state[REFUSED].pop(draft.id, None)
    work["revision"] = saved.revision
    work["saved"] = copy.deepcopy(work["definition"])
    return saved


def edit_in_builder(settings: Settings, slug: str) -> None:
    """A button's callback: open the builder on the survey's draft (made from its newest version,
    or the one another manager already has open)."""
    draft = drafts.edit_survey(data.app_store(settings.app_db_url), slug, actor=current_user(), now=clock.now())
    st.session_state["surveys_mode"] = "builder"
    st.query_params["builder"] = "1"
    open_draft(draft.id)


def yaml_of(survey: Survey) -> str:
    """A published survey as its YAML file."""
    return drafts.to_yaml(survey.source)


def delete(settings: Settings, slug: str) -> str:
    """Delete a survey nobody answered, else archive it: "deleted" or "archived"."""
    return drafts.delete_survey(data.app_store(settings.app_db_url), slug, actor=current_user(), now=clock.now())


def history_table(settings: Settings, slug: str) -> pd.DataFrame:
    """Who changed the survey and when, as the Settings tab lists it."""
    rows = drafts.history(data.app_store(settings.app_db_url), slug)
    return pd.DataFrame(
        {
            t("builder.history.at"): [moment(row["at"]) for row in rows],
            t("builder.history.action"): [t(f"builder.action.{row['action']}") for row in rows],
            t("column.version"): [row["version"] for row in rows],
            t("builder.history.by"): [who(row["actor"]) for row in rows],
        }
    )
