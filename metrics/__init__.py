"""Every number the product shows, as SQLAlchemy Core queries plus the small arithmetic on their
results. No Streamlit here: the CLI, the tests and the pages call the same functions."""
