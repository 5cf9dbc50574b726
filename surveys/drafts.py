"""Surveys built in the app: drafts, publishing with the versioning rules, closing, archiving,
deleting, who changed what, and YAML in and out.

A draft is a whole definition being edited (a mapping as the YAML file would hold it, possibly not
yet valid), kept in the app store and never seen by members. Each save replaces it whole and names
the revision it started from; a save from an older revision is refused (DraftConflict), so two
managers editing one draft never overwrite each other. Publishing checks the definition
(surveys/definition.py), then the versioning rules against the answers already collected, and
stores it as the survey's next version (surveys/registry.py) in the same transaction that removes
the draft:

- a question keeps its id across versions and its answers stay under it;
- a question whose type changes, an option (or "Other", or a grid's row) that has answers and is
  removed, are refused with the reason, unless the question gets a new id (a new question);
- a question removed altogether is fine: its answers stay with the versions they answered.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection

from errors import Lines, PulseError, Said, When, Who
from store import tables
from store.database import AppStore
from store.keys import inserted_id
from surveys.definition import (
    DefinitionError,
    DefinitionProblem,
    Survey,
    parse_definition,
    plain_definition,
    raw_pages,
    read_yaml,
)
from surveys.question_types import OTHER, TYPES
from surveys.registry import newest_row, note_change, register_in


class DraftConflict(PulseError):
    """Raised when a draft is saved or published from a revision someone else has already replaced
    (`by`, `at`: who saved the newer one and when); nothing was written, and the editor keeps the
    person's edits on screen."""

    def __init__(self, *, by: str, at: datetime) -> None:
        super().__init__(Said("survey.draft.conflict", by=Who(by), at=When(at)))
        self.by, self.at = by, at


class DraftGone(PulseError):
    """Raised when a draft was published or discarded by someone else while it was being edited."""

    key = "survey.draft.gone"

    def __init__(self) -> None:
        super().__init__("The draft is no longer there: it was published or discarded meanwhile.")


class PublishRefused(PulseError):
    """Raised when publishing a draft would corrupt answers already collected (a question's type
    changed, an answered option removed) or the survey changed since the draft began; `problems`
    name each field, as DefinitionError's do, so the editor shows them beside it."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        super().__init__(Lines(problems))
        self.problems = problems


@dataclass(frozen=True)
class Draft:
    id: int
    survey_slug: str | None  # the published survey it edits; None for a new one
    base_version: int | None  # the version it started from
    revision: int
    definition: dict[str, Any]
    updated_by: str
    updated_at: datetime


def blank_languages(language: str) -> tuple[str, ...]:
    """A blank survey's languages for a manager working in `language`: theirs first, then English
    (English and Simplified Chinese for an English reader)."""
    return ("en", "zh-CN") if language == "en" else (language, "en")


def blank_definition(slug: str, *, languages: tuple[str, ...] = ("en", "zh-CN")) -> dict[str, Any]:
    """A new survey: one page with one NPS question, in the given languages (texts left to write)."""
    empty = dict.fromkeys(languages, "")
    return {
        "slug": slug,
        "title": dict(empty),
        "languages": list(languages),
        "pages": [{"questions": [{"id": "nps", "type": "nps", "required": True, "text": dict(empty)}]}],
    }


def _draft(row: sa.Row) -> Draft:
    return Draft(
        id=row.id,
        survey_slug=row.survey_slug,
        base_version=row.base_version,
        revision=row.revision,
        definition=row.definition,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def create_draft(
    app_store: AppStore,
    definition: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    survey_slug: str | None = None,
    base_version: int | None = None,
) -> Draft:
    """A new draft holding `definition` (a new survey unless `survey_slug` names a published one)."""
    values = {
        "survey_slug": survey_slug,
        "base_version": base_version,
        "revision": 1,
        "definition": plain_definition(definition),
        "created_by": actor[:200],
        "created_at": now,
        "updated_by": actor[:200],
        "updated_at": now,
    }
    with app_store.begin() as connection:
        draft_id = inserted_id(connection.execute(tables.survey_drafts.insert().values(**values)))
        note_change(connection, str(definition.get("slug", "")), "drafted", version=None, actor=actor, now=now)
    return Draft(draft_id, survey_slug, base_version, 1, values["definition"], actor, now)


def load_draft(app_store: AppStore, draft_id: int) -> Draft | None:
    drafts = tables.survey_drafts
    with app_store.read() as connection:
        row = connection.execute(sa.select(drafts).where(drafts.c.id == draft_id)).first()
    return None if row is None else _draft(row)


def list_drafts(app_store: AppStore) -> list[Draft]:
    """Every draft, most recently saved first."""
    drafts = tables.survey_drafts
    with app_store.read() as connection:
        rows = connection.execute(sa.select(drafts).order_by(drafts.c.updated_at.desc(), drafts.c.id.desc())).all()
    return [_draft(row) for row in rows]


def edit_survey(app_store: AppStore, slug: str, *, actor: str, now: datetime) -> Draft:
    """The draft that edits a published survey: the one already open (two managers share it), else
    a new one holding its newest version."""
    drafts = tables.survey_drafts
    with app_store.read() as connection:
        row = connection.execute(sa.select(drafts).where(drafts.c.survey_slug == slug)).first()
        newest = newest_row(connection, slug)
    if row is not None:
        return _draft(row)
    if newest is None:
        raise DraftGone()
    try:
        return create_draft(
            app_store,
            copy.deepcopy(newest.definition),
            actor=actor,
            now=now,
            survey_slug=slug,
            base_version=newest.version,
        )
    except sa.exc.IntegrityError:  # another manager opened it at the same moment: share theirs
        with app_store.read() as connection:
            return _draft(connection.execute(sa.select(drafts).where(drafts.c.survey_slug == slug)).one())


def duplicate(definition: dict[str, Any], slug: str) -> dict[str, Any]:
    """A copy of a definition under a new slug (a new survey; dates and campaign left out)."""
    copied = {key: copy.deepcopy(value) for key, value in definition.items() if key not in ("opens_at", "closes_at")}
    copied["slug"] = slug
    copied.pop("campaign", None)
    return copied


def save_draft(app_store: AppStore, draft: Draft, definition: dict[str, Any], *, actor: str, now: datetime) -> Draft:
    """Replace the draft's definition whole, if nobody saved it since `draft.revision`; the draft
    with its next revision. DraftConflict (nothing written) when someone did; DraftGone when it
    was published or discarded meanwhile."""
    drafts = tables.survey_drafts
    plain = plain_definition(definition)
    with app_store.begin() as connection:
        changed = connection.execute(
            drafts.update()
            .where(drafts.c.id == draft.id, drafts.c.revision == draft.revision)
            .values(revision=draft.revision + 1, definition=plain, updated_by=actor[:200], updated_at=now)
        ).rowcount
        if not changed:
            _refuse_stale(connection, draft.id)
    return Draft(draft.id, draft.survey_slug, draft.base_version, draft.revision + 1, plain, actor, now)


def _refuse_stale(connection: Connection, draft_id: int) -> None:
    drafts = tables.survey_drafts
    row = connection.execute(sa.select(drafts).where(drafts.c.id == draft_id)).first()
    if row is None:
        raise DraftGone()
    raise DraftConflict(by=row.updated_by, at=row.updated_at)


def discard_draft(app_store: AppStore, draft_id: int) -> None:
    with app_store.begin() as connection:
        connection.execute(tables.survey_drafts.delete().where(tables.survey_drafts.c.id == draft_id))


@dataclass(frozen=True)
class Answered:
    """What a survey's collected answers hold, by question id: the types they were given under, the
    options chosen (a choice's or multi's ids, "__other__" included) and a grid's rows answered."""

    types: dict[str, set[str]]
    options: dict[str, set[str]]
    rows: dict[str, set[str]]


def answered(connection: Connection, slug: str) -> Answered:
    surveys, responses, answers = tables.surveys, tables.responses, tables.answers
    rows = connection.execute(
        sa.select(answers.c.question_id, answers.c.question_type, answers.c.value_text)
        .select_from(
            answers.join(responses, responses.c.id == answers.c.response_id).join(
                surveys, surveys.c.id == responses.c.survey_id
            )
        )
        .where(surveys.c.slug == slug)
        .distinct()
    ).all()
    types: dict[str, set[str]] = defaultdict(set)
    options: dict[str, set[str]] = defaultdict(set)
    grid_rows: dict[str, set[str]] = defaultdict(set)
    for question_id, kind, text in rows:
        if kind == "other":
            continue
        kind_of = TYPES.get(kind)
        if kind_of is not None and kind_of.grid and "." in question_id:
            question_id, row = question_id.split(".", 1)
            grid_rows[question_id].add(row)
        types[question_id].add(kind)
        if kind_of is not None and kind_of.takes_options and text:
            try:
                options[question_id].update(kind_of.stored_choices(text))  # type: ignore[attr-defined]
            except (ValueError, TypeError):
                continue
    return Answered(dict(types), dict(options), dict(grid_rows))


def version_problems(survey: Survey, done: Answered, *, where: str) -> list[DefinitionProblem]:
    """What publishing `survey` would corrupt among the answers collected so far."""
    problems = []
    for question in survey.questions:
        place = ("questions", question.id)
        before = done.types.get(question.id, set()) - {question.type}
        if before:
            said = Said(
                "survey.publish.type_changed", question=repr(question.id), old=sorted(before)[0], new=question.type
            )
            problems.append(DefinitionProblem(where, (*place, "type"), said))
            continue
        kept = {option.id for option in question.options} | ({OTHER} if question.other else set())
        for option in sorted(done.options.get(question.id, set()) - kept):
            key = "survey.publish.other_removed" if option == OTHER else "survey.publish.option_removed"
            said = Said(key, question=repr(question.id), option=repr(option))
            problems.append(DefinitionProblem(where, (*place, "other" if option == OTHER else "options"), said))
        for row in sorted(done.rows.get(question.id, set()) - {row.id for row in question.rows}):
            said = Said("survey.publish.row_removed", question=repr(question.id), row=repr(row))
            problems.append(DefinitionProblem(where, (*place, "rows"), said))
    return problems


def check_draft(app_store: AppStore, draft: Draft) -> list[DefinitionProblem]:
    """Every problem publishing the draft would meet, each with its field (empty: it can be
    published): the definition's, a slug taken or changed, the versioning rules."""
    try:
        survey = parse_definition(draft.definition, where=_where(draft))
    except DefinitionError as error:
        return list(error.problems)
    with app_store.read() as connection:
        return _publish_problems(connection, draft, survey)


def _where(draft: Draft) -> str:
    return str(draft.definition.get("slug") or draft.survey_slug or "draft")


def _publish_problems(connection: Connection, draft: Draft, survey: Survey) -> list[DefinitionProblem]:
    where = _where(draft)
    newest = newest_row(connection, survey.slug)
    if draft.survey_slug is None and newest is not None:
        return [DefinitionProblem(where, ("slug",), Said("survey.publish.slug_taken", slug=repr(survey.slug)))]
    if draft.survey_slug is not None and survey.slug != draft.survey_slug:
        said = Said("survey.publish.slug_fixed", slug=repr(draft.survey_slug))
        return [DefinitionProblem(where, ("slug",), said)]
    if newest is not None and draft.base_version is not None and newest.version != draft.base_version:
        said = Said("survey.publish.changed_since", version=newest.version, base=draft.base_version)
        return [DefinitionProblem(where, (), said)]
    return repeated_labels(survey, where=where) + version_problems(
        survey, answered(connection, survey.slug), where=where
    )


def repeated_labels(survey: Survey, *, where: str) -> list[DefinitionProblem]:
    """Options (or a grid's statements) of one question written alike in a language: a member could
    not tell them apart, and the results would split one answer over two bars. Checked as a draft
    is published, not as a stored version is read: a version published before still reads."""
    problems = []
    for question in survey.questions:
        for name, items in (("options", question.options), ("rows", question.rows)):
            for language in survey.languages:
                seen: set[str] = set()
                for n, item in enumerate(items):
                    words = str(item.label.get(language, "")).strip()
                    if words and words.casefold() in seen:
                        said = Said("survey.problem.label_twice", label=repr(words))
                        problems.append(DefinitionProblem(where, ("questions", question.id, name, n, "label"), said))
                    seen.add(words.casefold())
    return problems


def publish(app_store: AppStore, draft: Draft, *, actor: str, timezone: str, now: datetime) -> int:
    """Publish the draft as the survey's next version and remove the draft, in one transaction;
    the version. DefinitionError or PublishRefused (nothing written) say what to fix."""
    survey = parse_definition(draft.definition, where=_where(draft))
    drafts = tables.survey_drafts
    with app_store.begin() as connection:
        row = connection.execute(sa.select(drafts.c.revision).where(drafts.c.id == draft.id)).first()
        if row is None or row.revision != draft.revision:
            _refuse_stale(connection, draft.id)
        problems = _publish_problems(connection, draft, survey)
        if problems:
            raise PublishRefused(problems)
        version = register_in(connection, survey, timezone=timezone, now=now, actor=actor)
        connection.execute(drafts.delete().where(drafts.c.id == draft.id))
    return version


def has_responses(connection: Connection, slug: str) -> bool:
    """Whether anyone has started answering any version of the survey."""
    surveys, responses = tables.surveys, tables.responses
    return (
        connection.execute(
            sa.select(sa.func.count())
            .select_from(responses.join(surveys, surveys.c.id == responses.c.survey_id))
            .where(surveys.c.slug == slug)
        ).scalar_one()
        > 0
    )


def delete_survey(app_store: AppStore, slug: str, *, actor: str, now: datetime) -> str:
    """Delete a survey nobody has answered (its versions, links and draft), else archive it (closed
    and kept with its answers); what was done: "deleted" or "archived". A survey file left in the
    folder comes back only when the file changes (its hash is kept)."""
    surveys = tables.surveys
    with app_store.begin() as connection:
        if has_responses(connection, slug):
            connection.execute(surveys.update().where(surveys.c.slug == slug).values(status="archived"))
            note_change(connection, slug, "archived", version=None, actor=actor, now=now)
            return "archived"
        ids = sa.select(surveys.c.id).where(surveys.c.slug == slug).scalar_subquery()
        connection.execute(tables.invitations.delete().where(tables.invitations.c.survey_id.in_(ids)))
        connection.execute(surveys.delete().where(surveys.c.slug == slug))
        connection.execute(tables.survey_drafts.delete().where(tables.survey_drafts.c.survey_slug == slug))
        note_change(connection, slug, "deleted", version=None, actor=actor, now=now)
    return "deleted"


def history(app_store: AppStore, slug: str) -> list[dict[str, Any]]:
    """Who changed the survey and when, newest first: action, version, actor, at."""
    changes = tables.survey_changes
    with app_store.read() as connection:
        rows = connection.execute(
            sa.select(changes.c.action, changes.c.version, changes.c.actor, changes.c.at)
            .where(changes.c.slug == slug)
            .order_by(changes.c.at.desc(), changes.c.id.desc())
        ).all()
    return [dict(row._mapping) for row in rows]


def to_yaml(definition: dict[str, Any]) -> str:
    """A definition as the YAML file a team keeps in git (the fields in the order written)."""
    return yaml.safe_dump(plain_definition(definition), allow_unicode=True, sort_keys=False, width=100)


def from_yaml(text: str, *, where: str) -> dict[str, Any]:
    """A YAML file read into a definition mapping (checked when published, not here, so a file
    with problems can be fixed in the editor); DefinitionError when it is not YAML or no mapping."""
    raw = read_yaml(text, where=where)
    if not isinstance(raw, dict):
        raise DefinitionError([DefinitionProblem(where, (), Said("survey.problem.file_mapping"))])
    return raw


def import_yaml(app_store: AppStore, text: str, *, where: str, actor: str, now: datetime) -> Draft:
    """A YAML file into a draft: the draft of the published survey it names (replacing that draft's
    definition), else a new draft."""
    definition = from_yaml(text, where=where)
    slug = str(definition.get("slug", ""))
    with app_store.read() as connection:
        published = newest_row(connection, slug) is not None if slug else False
    if not published:
        return create_draft(app_store, definition, actor=actor, now=now)
    draft = edit_survey(app_store, slug, actor=actor, now=now)
    return save_draft(app_store, draft, definition, actor=actor, now=now)


def question_ids(definition: dict[str, Any]) -> list[str]:
    """The ids of the questions written in a definition, in order."""
    pages = raw_pages(definition)
    return [
        str(question.get("id"))
        for page in pages
        if isinstance(pages, list)
        if isinstance(page, dict) and isinstance(page.get("questions"), list)
        for question in page["questions"]
        if isinstance(question, dict)
    ]


def same_definition(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two definitions say the same (as stored: JSON)."""
    return json.dumps(plain_definition(first), sort_keys=True) == json.dumps(plain_definition(second), sort_keys=True)


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def templates() -> dict[str, dict[str, Any]]:
    """The ready-made starting points (surveys/templates/*.yaml), by name: each a definition to copy
    into a draft under a slug of the manager's choosing."""
    found = {}
    for path in sorted(TEMPLATES_DIR.glob("*.yaml")):
        found[path.stem] = from_yaml(path.read_text(encoding="utf-8"), where=path.name)
    return found
