"""Who is using the app, so pages can ask what they may show (auth.access decides).

Until sign-in exists (issue 7) the app runs in local mode, for one person on 127.0.0.1, who is
the admin of their own data.
"""

from __future__ import annotations

import streamlit as st

from auth.access import Permission, Role, allows

LOCAL_USER = "local"  # who changes things in local mode; the audit log records it


def current_role() -> Role:
    return Role.ADMIN


def may(permission: Permission) -> bool:
    return allows(current_role(), permission)


def current_user() -> str:
    """Who is making changes, for the audit log: the signed-in email, else the local user. (Without
    sign-in, st.user holds a placeholder address, so is_logged_in decides.)"""
    if st.user.get("is_logged_in") and st.user.get("email"):
        return str(st.user.get("email"))
    return LOCAL_USER
