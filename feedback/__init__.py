"""Feedback triage: where items come from (intake), what is computed on arrival (sentiment, themes),
how they move (workflow, with version-checked saves and an audit log) and what the inbox shows."""
