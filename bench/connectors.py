"""A first import and an increment of a large forum through the Discourse connector, against the
loopback Discourse of the tests (tests/platform_server.py): requests made, seconds, archive segments,
and the time to read the archive back. Run: `python -m bench.connectors [--users N --posts N]`.
Not a test: it prints what it measured."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import metrics.registered  # noqa: F401 (keep the figures in the rollups built here, as cli.py and the app do)
from data_sources.connectors.archive import Archive, archive_dir
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors
from tests.platform_server import discourse_server

SECRETS = '[pulse.connectors.discourse]\nurl = "{url}"\napi_key = "{key}"\napi_username = "system"\n'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--posts", type=int, default=50_000)
    args = parser.parse_args()
    with discourse_server() as server, tempfile.TemporaryDirectory() as folder:
        for number in range(1, args.users + 1):
            server.user(number, f"user{number}", "2024-01-01T00:00:00.000Z")
        for number in range(1, args.posts + 1):
            author = number % args.users + 1
            minute = number % 1440
            server.post(
                number,
                author,
                f"2025-01-{1 + number % 28:02d}T{minute // 60:02d}:{minute % 60:02d}:00.000Z",
                post_number=1 if number % 5 == 0 else 2,
            )
            if number % 3 == 0:
                server.action(f"user{(number * 7) % args.users + 1}", 1, number, "2025-02-01T00:00:00.000Z")
        settings = connector_settings(Path(folder), SECRETS.format(url=server.url, key=server.api_key))
        store = migrated_store(settings)
        for label in ("first import", "increment (nothing new)"):
            server.requests.clear()
            started = time.perf_counter()
            result = sync_connectors(settings, store, waits=[])
            took = time.perf_counter() - started
            archive = Archive(archive_dir(settings.data_dir, "discourse"))
            started = time.perf_counter()
            activities = archive.activities()
            read = time.perf_counter() - started
            print(
                f"{label}: {took:.1f} s, {len(server.requests):,} requests "
                f"({sum('/posts.json' in r for r in server.requests):,} of posts, "
                f"{sum('/user_actions.json' in r for r in server.requests):,} of likes), "
                f"{len(archive.segments())} segments, {len(activities):,} activities read back in {read:.2f} s; "
                f"sync {result.mode}: {result.rows['members']:,} members, {result.rows['activities']:,} activities"
            )
        store.dispose()


if __name__ == "__main__":
    main()
