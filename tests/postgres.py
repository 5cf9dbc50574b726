"""A real, throwaway PostgreSQL server on 127.0.0.1 for the tests.

Set PULSE_TEST_POSTGRES_URL to use a server you already run instead. `make test` installs the
server package when no `initdb` is found.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found. Run `make test` (it installs the postgresql package) or set "
            "PULSE_TEST_POSTGRES_URL to a server you run."
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; drop to the 'postgres' account when we are root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start_server(root: Path, *, port: int | None = None) -> str:
    """Start the cluster kept in `root` (made there first if `root` has none) and return its URL.
    Durability is off (fsync, full pages): a test or bench server is thrown away, never recovered."""
    data, port = root / "data", port or _free_port()
    if not (data / "PG_VERSION").exists():
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(root, account.pw_uid, account.pw_gid)
        subprocess.run(
            _as_server_user(
                [_binary("initdb"), "-D", str(data), "-U", "pulse", "-A", "trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_server_user([_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]),
        check=True,
        capture_output=True,
    )
    return f"postgresql+psycopg://pulse@127.0.0.1:{port}/postgres"


def stop_server(root: Path) -> None:
    """Stop the cluster kept in `root` at once (its data stays)."""
    subprocess.run(
        _as_server_user([_binary("pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"]), capture_output=True
    )


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server in a temporary directory and yield its URL; stop and remove it afterwards."""
    if url := os.environ.get("PULSE_TEST_POSTGRES_URL"):
        yield url
        return
    root = Path(tempfile.mkdtemp(prefix="pulse-pg-"))
    try:
        yield start_server(root)
    finally:
        stop_server(root)
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
