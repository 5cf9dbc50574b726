"""Survey definitions in the app store: each change of a file becomes a new version.

The YAML files are where surveys are written; the app store is where they live once published.
Registering a file whose content differs from the newest stored version adds version n+1, so every
response keeps pointing at the exact definition it was given under, and editing a live survey never
changes what earlier answers meant. Open/closed is the managers' switch and spans all versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from store import tables
from store.database import AppStore
from surveys.definition import DefinitionError, Survey, load_definitions, parse_definition, text_in


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


def _newest(connection: Connection, slug: str) -> sa.Row | None:
    surveys = tables.surveys
    return connection.execute(
        sa.select(surveys).where(surveys.c.slug == slug).order_by(surveys.c.version.desc()).limit(1)
    ).first()


def register(app_store: AppStore, survey: Survey, *, timezone: str, now: datetime) -> int:
    """Store the definition as a new version if it differs from the newest one; return the version."""
    values = _row_values(survey, timezone)
    try:
        with app_store.begin() as connection:
            newest = _newest(connection, survey.slug)
            if newest is not None and all(newest._mapping[key] == value for key, value in values.items()):
                return newest.version
            version = 1 if newest is None else newest.version + 1
            connection.execute(
                tables.surveys.insert().values(
                    **values, version=version, status="open" if newest is None else newest.status, created_at=now
                )
            )
            return version
    except sa.exc.IntegrityError:  # another process registered the same version first
        with app_store.read() as connection:
            newest = _newest(connection, survey.slug)
        if newest is None:  # the clash was not with another version of this survey
            raise
        return int(newest.version)


def register_folder(
    app_store: AppStore, folder: Path, *, timezone: str, now: datetime
) -> tuple[dict[str, int], list[str]]:
    """Register every valid file in the folder: {slug: version}, and the problems of invalid files
    (whose surveys keep their last good version)."""
    surveys, problems = load_definitions(folder)
    versions = {survey.slug: register(app_store, survey, timezone=timezone, now=now) for survey in surveys}
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
            row = _newest(connection, slug)
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
    if status == "closed" or (closes_at is not None and now >= closes_at):
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


def set_status(app_store: AppStore, slug: str, status: str) -> None:
    """Close or reopen a survey (all its versions, so a new version keeps the managers' choice)."""
    if status not in ("open", "closed"):
        raise ValueError(f"status must be 'open' or 'closed', not {status!r}")
    with app_store.begin() as connection:
        connection.execute(tables.surveys.update().where(tables.surveys.c.slug == slug).values(status=status))
