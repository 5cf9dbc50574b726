"""Who is using the app, so pages can ask what they may show (auth.access decides).

Until sign-in exists (issue 7) the app runs in local mode, for one person on 127.0.0.1, who is
the admin of their own data.
"""

from __future__ import annotations

from auth.access import Permission, Role, allows


def current_role() -> Role:
    return Role.ADMIN


def may(permission: Permission) -> bool:
    return allows(current_role(), permission)
