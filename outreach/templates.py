"""The wording of member messages: a subject and a body per kind (invitation, reminder, reply) and
language, with placeholders in braces. The catalog holds the defaults (`outreach.template.<kind>.*`);
a manager's edit is kept in `message_templates` and refused when it names a placeholder the kind
does not have, or leaves out the survey link an invitation or reminder exists for."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from catalog import LANGUAGES, language_of, translate
from errors import PulseError, Said
from store import tables
from store.database import AppStore

PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "invitation": ("name", "survey", "link"),
    "reminder": ("name", "survey", "link"),
    "reply": ("name", "feedback", "status"),
}
REQUIRED = {"invitation": ("link",), "reminder": ("link",), "reply": ()}
KINDS = tuple(PLACEHOLDERS)


class TemplateError(PulseError):
    """Raised when a template is saved with an unknown placeholder, an unclosed brace, an empty
    subject or body, or without a placeholder its kind needs; the message names it and the field."""


@dataclass(frozen=True)
class Template:
    kind: str
    language: str
    subject: str
    body: str


def default(kind: str, language: str) -> Template:
    """The catalog's wording for this kind in this language."""
    language = language_of(language) or LANGUAGES[0]
    return Template(
        kind=kind,
        language=language,
        subject=translate(f"outreach.template.{kind}.subject", language),
        body=translate(f"outreach.template.{kind}.body", language),
    )


def _fields(text: str, *, where: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise TemplateError(Said("outreach.template.braces", field=where)) from error


def check(template: Template) -> None:
    """Refuse a template a message could not be made from (TemplateError says what and where)."""
    known = PLACEHOLDERS[template.kind]
    used: set[str] = set()
    for where, text in (("subject", template.subject), ("body", template.body)):
        if not text.strip():
            raise TemplateError(Said("outreach.template.empty", field=where))
        for name in _fields(text, where=where):
            if name not in known:
                raise TemplateError(
                    Said(
                        "outreach.template.unknown",
                        placeholder="{" + name + "}",
                        field=where,
                        known=", ".join("{" + each + "}" for each in known),
                    )
                )
            used.add(name)
    for name in REQUIRED[template.kind]:
        if name not in used:
            raise TemplateError(Said("outreach.template.missing", placeholder="{" + name + "}"))


def load(app_store: AppStore, kind: str, language: str) -> Template:
    """The kept wording for this kind and language, else the catalog's."""
    language = language_of(language) or LANGUAGES[0]
    kept = tables.message_templates
    with app_store.read() as connection:
        row = connection.execute(
            sa.select(kept.c.subject, kept.c.body).where(kept.c.kind == kind, kept.c.language == language)
        ).first()
    if row is None:
        return default(kind, language)
    return Template(kind=kind, language=language, subject=str(row.subject), body=str(row.body))


def save(app_store: AppStore, template: Template, *, actor: str, now: datetime) -> None:
    """Keep a manager's wording, once it passes `check`."""
    check(template)
    kept = tables.message_templates
    values = {"subject": template.subject.strip(), "body": template.body, "updated_by": actor, "updated_at": now}
    with app_store.begin() as connection:
        insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(kept)
        connection.execute(
            insert.values(kind=template.kind, language=template.language, **values).on_conflict_do_update(
                index_elements=["kind", "language"], set_=values
            )
        )


def reset(app_store: AppStore, kind: str, language: str) -> None:
    """Go back to the catalog's wording."""
    kept = tables.message_templates
    with app_store.begin() as connection:
        connection.execute(kept.delete().where(kept.c.kind == kind, kept.c.language == language))


def fill(template: Template, **values: str) -> tuple[str, str]:
    """The subject and body with the values in (a template is checked when saved)."""
    return template.subject.format(**values).strip(), template.body.format(**values)
