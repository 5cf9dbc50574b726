"""Scheduled digests: the meeting report of a view, weekly or monthly at a local time, queued once per
period and channel through the delivery outbox (docs/delivery.md, "Digests"). Streamlit-free: the
Digests page, `cli.py digest` and `cli.py deliver`, and the app server's background sender use it."""
