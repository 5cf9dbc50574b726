"""The one place that decides what each role may see. Pages ask `allows`; they never decide."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auth.pages import PageSpec


class Role(StrEnum):
    VIEWER = "viewer"  # dashboards only
    MANAGER = "manager"  # everything about the community, surveys and feedback
    ADMIN = "admin"  # and data sources, accounts, share links


class Permission(StrEnum):
    PERSONAL_DATA = "personal_data"  # members' email addresses
    FREE_TEXT = "free_text"  # what members wrote: survey answers and feedback
    TRIAGE = "triage"  # the feedback inbox: read, change, import and add feedback
    MANAGE_DATA = "manage_data"  # data sources: sync, imports, Google Forms responses, write-back
    MEMBER_NAMES = "member_names"  # members' names in tables (a share link shows them only if allowed)
    MANAGE_SURVEYS = "manage_surveys"  # personal links, closing and reopening surveys
    SHARE = "share"  # make, list and revoke read-only share links
    GOALS = "goals"  # set goals on KPIs and write notes on the trend charts
    DIGESTS = "digests"  # schedule digests of a view to the delivery channels, try and pause them
    ALERTS = "alerts"  # write, snooze and delete alert rules; see their history


_MANAGER = frozenset(
    {
        Permission.PERSONAL_DATA,
        Permission.FREE_TEXT,
        Permission.TRIAGE,
        Permission.MEMBER_NAMES,
        Permission.MANAGE_SURVEYS,
        Permission.SHARE,
        Permission.GOALS,
        Permission.DIGESTS,
        Permission.ALERTS,
    }
)
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.MEMBER_NAMES}),
    Role.MANAGER: _MANAGER,
    Role.ADMIN: _MANAGER | {Permission.MANAGE_DATA},
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def may_see(role: Role, page: PageSpec) -> bool:
    """Whether a role may open a page (auth/pages.py says what each needs). A page a role may not
    see is not registered for it at all."""
    return page.permission is None or allows(role, page.permission)


def share_grants(*, reveal_text: bool, reveal_names: bool) -> frozenset[Permission]:
    """What someone holding a share link sees: a viewer's dashboards, with members' names and
    free text only when the link says so; never email addresses, never changes."""
    granted = set()
    if reveal_text:
        granted.add(Permission.FREE_TEXT)
    if reveal_names:
        granted.add(Permission.MEMBER_NAMES)
    return frozenset(granted)
