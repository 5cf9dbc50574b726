"""Who may see what: roles and their permissions (sign-in itself arrives with issue 7)."""
