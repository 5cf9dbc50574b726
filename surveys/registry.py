"""Survey definitions in the app store: each change of a file becomes a new version.

The YAML files are where surveys are written; the app store is where they live once published.
Registering a file whose content differs from the newest stored version adds version n+1, so every
response keeps pointing at the exact definition it was given under, and editing a live survey never
changes what earlier answers meant. Open/closed is the managers' switch and spans all versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import clock
from store import tables
from store.database import AppStore
from surveys.definition import DefinitionError, DefinitionProblem, Survey, load_definition, parse_definition, text_in


class Availability(StrEnum):
    """Whether a survey takes answers now, and if not, why (each has its own message)."""

    OPEN = "open"
    NOT_OPEN = "not_open"  # opens_at is in the future
    CLOSED = "closed"  # closed by a manager or past closes_at
    LIMIT = "limit"  # response_limit completed responses reached


@dataclass(frozen=True)
class StoredSurvey:
    """One stored version of a survey, with its times in naive UTC like every app-store time."""

    id: int
    slug: str
    version: int
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    response_limit: int | None
    anonymous: bool
    campaign_id: str | None
    survey: Survey


def to_utc(moment: datetime | None, timezone: str) -> datetime | None:
    """A definition's naive time is the community's local time; the store keeps naive UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC).replace(tzinfo=None)


def _row_values(survey: Survey, timezone: str) -> dict[str, object]:
    return {
        "slug": survey.slug,
        "title": text_in(survey.title, survey.languages[0])[:200],
        "definition": survey.source,
        "opens_at": to_utc(survey.opens_at, timezone),
        "closes_at": to_utc(survey.closes_at, timezone),
        "anonymous": survey.anonymous,
        "campaign_id": survey.campaign,
        "response_limit": survey.response_limit,
    }


def newest_row(connection: Connection, slug: str) -> sa.Row | None:
    surveys = tables.surveys
    return connection.execute(
        sa.select(surveys).where(surveys.c.slug == slug).order_by(surveys.c.version.desc()).limit(1)
    ).first()


def register_in(connection: Connection, survey: Survey, *, timezone: str, now: datetime, actor: str) -> int:
    """In an open transaction: store the definition as a new version if it differs from the newest
    one, noting who did it; return the version."""
    values = _row_values(survey, timezone)
    newest = newest_row(connection, survey.slug)
    if newest is not None and all(newest._mapping[key] == value for key, value in values.items()):
        return int(newest.version)
    version = 1 if newest is None else newest.version + 1
    connection.execute(
        tables.surveys.insert().values(
            **values, version=version, status="open" if newest is None else newest.status, created_at=now
        )
    )
    note_change(connection, survey.slug, "published", version=version, actor=actor, now=now)
    return version


def note_change(
    connection: Connection, slug: str, action: str, *, version: int | None, actor: str, now: datetime
) -> None:
    """Who changed a survey and when (the Surveys page's history)."""
    connection.execute(
        tables.survey_changes.insert().values(slug=slug, action=action, version=version, actor=actor[:200], at=now)
    )


def register(app_store: AppStore, survey: Survey, *, timezone: str, now: datetime, actor: str = "") -> int:
    """Store the definition as a new version if it differs from the newest one; return the version."""
    try:
        with app_store.begin() as connection:
            return register_in(connection, survey, timezone=timezone, now=now, actor=actor or f"{survey.slug}.yaml")
    except sa.exc.IntegrityError:  # another process registered the same version first
        with app_store.read() as connection:
            newest = newest_row(connection, survey.slug)
        if newest is None:  # the clash was not with another version of this survey
            raise
        return int(newest.version)


def _file_hashes(app_store: AppStore) -> dict[str, str]:
    files = tables.survey_files
    with app_store.read() as connection:
        return {row.name: row.sha256 for row in connection.execute(sa.select(files.c.name, files.c.sha256))}


def _remember_file(app_store: AppStore, name: str, digest: str, now: datetime) -> None:
    files = tables.survey_files
    try:
        with app_store.begin() as connection:
            connection.execute(files.delete().where(files.c.name == name))
            connection.execute(files.insert().values(name=name, sha256=digest, registered_at=now))
    except sa.exc.IntegrityError:  # another process remembered the same file at the same moment
        pass


def register_folder(
    app_store: AppStore, folder: Path, *, timezone: str, now: datetime
) -> tuple[dict[str, int], list[DefinitionProblem]]:
    """Register every valid file in the folder that changed since it was last registered (its
    SHA-256 is kept), so a survey edited in the app is not reverted by an unchanged file: {slug:
    version}, and the problems of invalid files (whose surveys keep their last good version)."""
    known = _file_hashes(app_store)
    versions: dict[str, int] = {}
    problems: list[DefinitionProblem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        if digest and known.get(path.name) == digest:
            continue
        try:
            survey = load_definition(path)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        versions[survey.slug] = register(app_store, survey, timezone=timezone, now=now, actor=path.name)
        _remember_file(app_store, path.name, digest, now)
    return versions, problems


def _stored(row: sa.Row) -> StoredSurvey:
    survey = parse_definition(row.definition, where=f"{row.slug} version {row.version}")
    return StoredSurvey(
        id=row.id,
        slug=row.slug,
        version=row.version,
        status=row.status,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        response_limit=row.response_limit,
        anonymous=row.anonymous,
        campaign_id=row.campaign_id,
        survey=survey,
    )


def load_survey(app_store: AppStore, slug: str, *, version: int | None = None) -> StoredSurvey | None:
    """The newest version of a survey (or the given one); None when there is no such survey."""
    surveys = tables.surveys
    with app_store.read() as connection:
        if version is None:
            row = newest_row(connection, slug)
        else:
            row = connection.execute(
                sa.select(surveys).where(surveys.c.slug == slug, surveys.c.version == version)
            ).first()
    if row is None:
        return None
    try:
        return _stored(row)
    except DefinitionError:  # written by an older release with other rules: treat as unpublished
        return None


def survey_of_response(app_store: AppStore, response_id: int) -> StoredSurvey | None:
    """The survey version a response answered (the inbox names it beside a survey's feedback item);
    None when the response is gone or its version no longer reads."""
    surveys, responses = tables.surveys, tables.responses
    with app_store.read() as connection:
        row = connection.execute(
            sa.select(surveys)
            .join(responses, responses.c.survey_id == surveys.c.id)
            .where(responses.c.id == response_id)
        ).first()
    if row is None:
        return None
    try:
        return _stored(row)
    except DefinitionError:
        return None


def survey_slugs(app_store: AppStore) -> list[str]:
    """Every published survey, by slug."""
    surveys = tables.surveys
    return app_store.run(sa.select(surveys.c.slug).distinct().order_by(surveys.c.slug))["slug"].tolist()


def load_versions(app_store: AppStore, slug: str) -> list[StoredSurvey]:
    """Every stored version, newest first (results label questions that later versions dropped)."""
    surveys = tables.surveys
    with app_store.read() as connection:
        rows = connection.execute(
            sa.select(surveys).where(surveys.c.slug == slug).order_by(surveys.c.version.desc())
        ).all()
    stored = []
    for row in rows:
        try:
            stored.append(_stored(row))
        except DefinitionError:
            continue
    return stored


def completed_responses(connection: Connection, slug: str) -> int:
    surveys, responses = tables.surveys, tables.responses
    return connection.execute(
        sa.select(sa.func.count())
        .select_from(responses.join(surveys, surveys.c.id == responses.c.survey_id))
        .where(surveys.c.slug == slug, responses.c.completed == sa.true())
    ).scalar_one()


def state_of(
    *,
    status: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    response_limit: int | None,
    completed: int,
    now: datetime,
) -> Availability:
    """Open, or why not: a manager's close wins, then the dates, then the response limit."""
    if status in ("closed", "archived") or (closes_at is not None and now >= closes_at):
        return Availability.CLOSED
    if opens_at is not None and now < opens_at:
        return Availability.NOT_OPEN
    if response_limit is not None and completed >= response_limit:
        return Availability.LIMIT
    return Availability.OPEN


def availability(stored: StoredSurvey, *, now: datetime, completed: int) -> Availability:
    return state_of(
        status=stored.status,
        opens_at=stored.opens_at,
        closes_at=stored.closes_at,
        response_limit=stored.response_limit,
        completed=completed,
        now=now,
    )


def current_availability(app_store: AppStore, stored: StoredSurvey, *, now: datetime) -> Availability:
    with app_store.read() as connection:
        return availability(stored, now=now, completed=completed_responses(connection, stored.slug))


def set_status(app_store: AppStore, slug: str, status: str, *, actor: str = "", now: datetime | None = None) -> None:
    """Close, reopen or archive a survey (all its versions, so a new version keeps the managers'
    choice), noting who did it."""
    if status not in ("open", "closed", "archived"):
        raise ValueError(f"status must be 'open', 'closed' or 'archived', not {status!r}")
    with app_store.begin() as connection:
        connection.execute(tables.surveys.update().where(tables.surveys.c.slug == slug).values(status=status))
        action = {"open": "reopened", "closed": "closed", "archived": "archived"}[status]
        note_change(connection, slug, action, version=None, actor=actor or "-", now=now or clock.now())
