"""The one place that decides what each role may see. Pages ask `allows`; they never decide."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # dashboards only
    MANAGER = "manager"  # everything about the community, surveys and feedback
    ADMIN = "admin"  # and data sources, accounts, share links


class Permission(StrEnum):
    PERSONAL_DATA = "personal_data"  # members' email addresses
    FREE_TEXT = "free_text"  # what members wrote: survey answers and feedback
    TRIAGE = "triage"  # the feedback inbox: read, change, import and add feedback
    MANAGE_DATA = "manage_data"  # data sources: sync, imports, Google Forms responses, write-back


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(),
    Role.MANAGER: frozenset({Permission.PERSONAL_DATA, Permission.FREE_TEXT, Permission.TRIAGE}),
    Role.ADMIN: frozenset({Permission.PERSONAL_DATA, Permission.FREE_TEXT, Permission.TRIAGE, Permission.MANAGE_DATA}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
