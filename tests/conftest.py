"""Shared fixtures: the small community on every engine, and app stores with its survey data."""

from __future__ import annotations

import atexit
import functools
import itertools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

import auth.accounts
import logs
import schema
from data_sources.clickhouse import build_clickhouse
from data_sources.rollup import build_rollup
from data_sources.warehouse import Warehouse, build_warehouse, side_by_side_thread
from engines import create_engine
from store import tables
from store.database import AppStore
from tests import boundaries, community
from tests.clickhouse import clickhouse_databases
from tests.mutation import select_for_mutant
from tests.postgres import postgres_server

_database_names = itertools.count(1)

# The tests hash and check passwords with Argon2id at its least cost (one pass over 8 KiB: microseconds,
# against about 0.1 s and 64 MiB at the app's parameters), so `make mutate`'s mutants of auth/accounts.py,
# whose tests hash a password again and again, cost what their tests' logic costs. Set when pytest
# configures, before a test module hashes at import. The app keeps its parameters (nothing read from the
# environment changes them): test_auth.py's test_the_app_hashes_passwords_with_argon2id_at_its_strong_parameters
# checks them in a Python process that does not load this file (test_sign_in_security.py's burst makes each
# check last as long as one at the app's parameters, by waiting).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def cheap_hashing() -> None:
    """Argon2id at its least cost for this process's hashes and checks (a test's spawned process calls it too)."""
    auth.accounts.HASHER = CHEAP_HASHER
    auth.accounts.DUMMY_HASH = CHEAP_HASHER.hash("not a password anyone has")


def app_py_on_every_run() -> None:
    """AppTest runs app.py on every run, as the server does. Before each run AppTest forgets whether
    the app uses Streamlit's old pages/ folder (PagesManager.uses_pages_directory), and since a
    pages/ folder is beside app.py it then took it for such an app: a rerun (a widget changed, a
    second at.run()) ran the page's file alone, without app.py's sign-in, language bar and warming
    (ui.warming.page_run). The flag is now turned off whenever a pages manager is built (AppTest
    builds one before each run); in the server app.py's st.navigation turns it off for good."""
    from streamlit.runtime.pages_manager import PagesManager

    made = PagesManager.__init__

    @functools.wraps(made)
    def without_pages_folder(self, *args, **kwargs) -> None:
        made(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = without_pages_folder  # type: ignore[method-assign]


def pytest_configure(config) -> None:
    cheap_hashing()
    app_py_on_every_run()
    # No warming thread querying beside a test that swaps its data (and the servers the browser
    # tests start inherit this); tests/test_warming.py turns it on.
    os.environ.setdefault("PULSE_WARM_FIGURES", "false")


def pytest_collection_modifyitems(config, items) -> None:
    select_for_mutant(config, items)  # only in `make mutate`'s sessions (tests/mutation.py)


def _demo_emails() -> set[str]:
    """Every member address of the demo communities the tests make, and of the fixture community."""
    from datetime import UTC, datetime

    return _demo_emails_on(datetime.now(UTC).date())


@functools.cache
def _demo_emails_on(today: date) -> set[str]:
    """Kept per process: making the demo communities takes 2 s, and `make mutate` forks a test run per
    mutant from a process that has made them once."""
    from data_sources import demo

    emails = set(community.frames()["members"]["email"])
    for locale in demo.FLAVOURS:
        for members in (600, 5000):
            frames = demo.generate_community(today=today, members=members, activities=1000, locale=locale)
            emails |= set(frames["members"]["email"])
    return emails


def leaks(text: str) -> list[str]:
    """Secrets the run configured and member addresses found in a log."""
    found = sorted(secret for secret in logs.kept_secrets() if secret in text)
    found += sorted(email for email in _demo_emails() if email in text)
    found += [marker for marker in ("@example.", "$argon2", "PRIVATE KEY-----") if marker in text]
    return found


@pytest.fixture(scope="session", autouse=True)
def log_of_the_run(tmp_path_factory) -> Iterator[Path]:
    """Every record of the whole run (DEBUG), written through the app's redaction (logs.Redact) as the
    app's own handlers do; at the end the run fails if any configured secret or demo address is in it."""
    path = tmp_path_factory.mktemp("log") / "run.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.REDACT)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("fontTools", "PIL", "matplotlib"):  # font subsetting logs every glyph table at DEBUG
        logging.getLogger(noisy).setLevel(logging.INFO)
    yield path
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)
    found = leaks(path.read_text(encoding="utf-8"))
    assert not found, f"The log of the run ({path}) holds secrets or member addresses: {found[:10]}"


class _Unexpected(logging.Handler):
    """Collects the records of failures nobody expected (logs.unexpected)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "unexpected", False):
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_unexpected_failures(request) -> Iterator[list[logging.LogRecord]]:
    """A page or the CLI shows an unexpected exception as a short message with a reference instead of
    raising it, so AppTest's `at.exception` no longer sees it: this fails the test instead, with the
    traceback, unless the test asks for `unexpected_failures`. Each test starts with no logging
    configuration (app.py and cli.py configure it)."""
    handler = _Unexpected()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)
    logs.reset()
    if handler.records and "unexpected_failures" not in request.fixturenames:
        formatter = logging.Formatter(logs.FORMAT)
        pytest.fail("Unexpected exception(s):\n" + "\n".join(formatter.format(r) for r in handler.records))


@pytest.fixture
def unexpected_failures(no_unexpected_failures) -> list[logging.LogRecord]:
    """The unexpected failures this test logged (it expects some)."""
    return no_unexpected_failures


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


# Fixture databases are built once per process and copied for each use: they are deterministic, and
# `make mutate` forks a pytest session per mutant from mutmut's process, which has built them all in its
# first session, so a mutant's session copies files and databases instead of building and migrating
# them again. Each copy is the session's (or the test's) own: no test sees another's writes. Nothing
# that builds them (data_sources, rollup, store) is mutated.
_built_directories: dict[str, Path] = {}
_built_databases: dict[tuple[str, str], str] = {}


@functools.cache
def _templates_root() -> Path:
    """Where this process keeps its built directories; removed when it exits (the forked sessions of
    `make mutate` end without running exit handlers, so they never remove their parent's)."""
    root = Path(tempfile.mkdtemp(prefix="pulse-test-templates-"))
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(root, ignore_errors=True))
    return root


def _built_directory(key: str, build: Callable[[Path], None]) -> Path:
    """A directory `build(directory)` filled, once per process and key."""
    built = _built_directories.get(key)
    if built is None:
        built = _templates_root() / key
        built.mkdir()
        build(built)
        _built_directories[key] = built
    return built


def copy_of_built(key: str, directory: Path, build: Callable[[Path], None]) -> None:
    """Fill `directory` with what `build(directory)` writes there, copied (links kept: a DuckDB
    warehouse is a link to its build) from one build per process."""
    shutil.copytree(_built_directory(key, build), directory, symlinks=True, dirs_exist_ok=True)


def _database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _built_database(server_url: str, key: str, build: Callable[[str], None]) -> str:
    """The name of a database on the server that `build(url)` filled, once per process and server;
    no connection to it stays open, so PostgreSQL can copy it (CREATE DATABASE … TEMPLATE)."""
    name = _built_databases.get((server_url, key))
    if name is None:
        name = f"built_{key}_{os.getpid()}"
        admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        build(_database_url(server_url, name))
        _built_databases[(server_url, key)] = name
        if os.environ.get("PULSE_TEST_POSTGRES_URL"):  # a server started here goes with all it holds
            atexit.register(_drop_database, server_url, name, os.getpid())
    return name


def _drop_database(server_url: str, name: str, owner: int) -> None:
    if os.getpid() != owner:
        return
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except sa.exc.OperationalError:
        pass  # the server is gone, and the database with it
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def new_clickhouse_database(tmp_path_factory) -> Iterator:
    """A factory of empty databases in the in-process ClickHouse engine (tests/clickhouse.py)."""
    yield from clickhouse_databases(tmp_path_factory.mktemp("chdb"))


@pytest.fixture(scope="session")
def new_postgres_database(postgres_url: str):
    """A factory of PostgreSQL databases on the test server, one URL per call: empty, or a copy of
    what `built_by(url)` fills (`key` names that build; it runs once per process)."""
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create(
        prefix: str, *, key: str | None = None, built_by: Callable[[str], None] | None = None, options: str = ""
    ) -> str:
        # The process id keeps names apart when several runs share one server (PULSE_TEST_POSTGRES_URL,
        # as `make mutate` does: each mutant is a run of its own in a forked process). `options`: more
        # of CREATE DATABASE (a locale, say; its TEMPLATE too, so not with `key`, which names one).
        name = f"{prefix}_{os.getpid()}_{next(_database_names)}"
        template = ""
        if key is not None and built_by is not None:
            template = f' TEMPLATE "{_built_database(postgres_url, key, built_by)}"'
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{template} {options}'.rstrip()))
        created.append(name)
        return _database_url(postgres_url, name)

    yield create
    with admin.connect() as connection:  # a shared server keeps only what runs still use
        for name in created:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def load_community(url: str, frames: dict[str, pd.DataFrame]) -> None:
    """Create the canonical tables on a SQL database and insert the frames."""
    engine = create_engine(url)
    schema.metadata.create_all(engine)
    with engine.begin() as connection:
        for name, frame in frames.items():
            if len(frame):
                connection.execute(schema.metadata.tables[name].insert(), _records(frame))
    engine.dispose()


def _fill_warehouse(engine: str, url: str, frames: dict[str, pd.DataFrame]) -> None:
    """The canonical tables on a SQL database, and on PostgreSQL the member-day rollup (SQLite
    computes it from activities)."""
    load_community(url, frames)
    if engine == "postgresql":
        rollup_engine = create_engine(url)
        with rollup_engine.begin() as connection:
            build_rollup(connection, timezone="UTC")
        rollup_engine.dispose()


def _file_warehouse_url(engine: str, directory: Path) -> str:
    if engine == "duckdb":
        return f"duckdb:///{directory / 'warehouse.duckdb'}"
    return f"sqlite:///{directory / 'community.db'}"


def _build_file_warehouse(engine: str, directory: Path, frames: dict[str, pd.DataFrame]) -> None:
    """The warehouse of a file engine (DuckDB, SQLite) built in `directory`."""
    if engine == "duckdb":
        build_warehouse(directory / "warehouse.duckdb", frames, timezone="UTC")
    else:
        _fill_warehouse(engine, _file_warehouse_url(engine, directory), frames)


def make_warehouse(engine: str, directory: Path, frames: dict[str, pd.DataFrame], new_database) -> Warehouse:
    """The frames as a warehouse on `engine`; `new_database` makes the database of a server engine
    (new_postgres_database, new_clickhouse_database)."""
    if engine == "clickhouse":  # loaded as `cli.py sync` does: Arrow inserts, then the rollup
        url = new_database("community")
        build_clickhouse(url, frames, timezone="UTC", stamp={})
        return Warehouse(url)
    if engine == "postgresql":
        url = new_database("community")
        _fill_warehouse(engine, url, frames)
        return Warehouse(url)
    _build_file_warehouse(engine, directory, frames)
    return Warehouse(_file_warehouse_url(engine, directory))


def fixture_warehouse(
    engine: str, directory: Path, name: str, frames: Callable[[], dict[str, pd.DataFrame]], new_database
) -> Warehouse:
    """make_warehouse for a community whose `frames()` are always the same, copied from one build per
    process and engine (ClickHouse, left out of `make mutate`, is built for each session)."""
    key = f"{name}_{engine}"
    if engine == "clickhouse":
        return make_warehouse(engine, directory, frames(), new_database)
    if engine == "postgresql":
        return Warehouse(new_database(name, key=key, built_by=lambda url: _fill_warehouse(engine, url, frames())))
    copy_of_built(key, directory, lambda built: _build_file_warehouse(engine, built, frames()))
    return Warehouse(_file_warehouse_url(engine, directory))


# `make mutate` leaves ClickHouse out (scripts/mutate.py sets PULSE_TEST_NO_CLICKHOUSE): mutmut forks each
# mutant's session from a process that has run the tests, and chDB keeps one engine per process,
# whose threads a fork does not copy.
WAREHOUSE_ENGINES = [
    "duckdb",
    "sqlite",
    "postgresql",
    *([] if os.environ.get("PULSE_TEST_NO_CLICKHOUSE") else ["clickhouse"]),
]


def databases(request, engine: str):
    """The database factory a server engine needs (started only when a test asks for that engine)."""
    factories = {"postgresql": "new_postgres_database", "clickhouse": "new_clickhouse_database"}
    return request.getfixturevalue(factories[engine]) if engine in factories else None


@pytest.fixture(scope="session", params=WAREHOUSE_ENGINES)
def warehouse(request, tmp_path_factory) -> Iterator[Warehouse]:
    """The fixture community (tests/community.py) on each supported warehouse engine."""
    directory = tmp_path_factory.mktemp(f"warehouse-{request.param}")
    result = fixture_warehouse(
        request.param, directory, "community", community.frames, databases(request, request.param)
    )
    yield result
    result.dispose()


@pytest.fixture(scope="session", params=WAREHOUSE_ENGINES)
def boundary_warehouse(request, tmp_path_factory) -> Iterator[Warehouse]:
    """The boundary community (tests/boundaries.py) on each supported warehouse engine."""
    directory = tmp_path_factory.mktemp(f"boundaries-{request.param}")
    result = fixture_warehouse(
        request.param, directory, "boundaries", boundaries.frames, databases(request, request.param)
    )
    yield result
    result.dispose()


@pytest.fixture(scope="session")
def duckdb_warehouse(tmp_path_factory) -> Iterator[Warehouse]:
    result = fixture_warehouse("duckdb", tmp_path_factory.mktemp("duck"), "community", community.frames, None)
    yield result
    result.dispose()


def _insert_survey(connection: sa.Connection, slug: str, title: str, created_at: object) -> int:
    values = {"slug": slug, "version": 1, "title": title, "status": "open", "anonymous": False}
    statement = tables.surveys.insert().values(**values, definition={"questions": []}, created_at=created_at)
    return connection.execute(statement).inserted_primary_key[0]


def fill_app_store(store: AppStore) -> None:
    """The fixture's survey responses and feedback."""
    with store.begin() as connection:
        survey_id = _insert_survey(connection, "pulse", "Pulse", community.t(2025, 1, 1))
        for n, (member, submitted, completed, score) in enumerate(community.RESPONSES):
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=survey_id,
                    member_id=member,
                    submitted_at=submitted,
                    completed=completed,
                    idempotency_key=f"k{n}",
                    source="test",
                )
            ).inserted_primary_key[0]
            connection.execute(
                tables.answers.insert().values(
                    response_id=response_id, question_id="why", question_type="long_text", value_text="because"
                )
            )
            if score is not None:
                connection.execute(
                    tables.answers.insert().values(
                        response_id=response_id, question_id="nps", question_type="nps", value_num=score
                    )
                )
        ids: dict[str, int] = {}
        for key, member, created, closed, duplicate in community.FEEDBACK:
            ids[key] = connection.execute(
                tables.feedback.insert().values(
                    source="test",
                    member_id=member,
                    created_at=created,
                    closed_at=closed,
                    text=key,
                    status="resolved" if closed else "new",
                    updated_at=created,
                    version=1,
                    duplicate_of=ids.get(duplicate) if duplicate else None,
                )
            ).inserted_primary_key[0]
        # The meetup's survey, linked only through the campaign's survey_id slug.
        meetup_survey = _insert_survey(connection, "post-meetup", "How was the meetup?", community.t(2025, 3, 3))
        for member, score, satisfaction in community.POST_MEETUP:
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=meetup_survey,
                    member_id=member,
                    submitted_at=community.t(2025, 3, 10),
                    completed=True,
                    idempotency_key=f"meetup-{member}",
                    source="test",
                )
            ).inserted_primary_key[0]
            connection.execute(
                tables.answers.insert(),
                [
                    {"response_id": response_id, "question_id": "nps", "question_type": "nps", "value_num": score},
                    {
                        "response_id": response_id,
                        "question_id": "sat",
                        "question_type": "csat",
                        "value_num": satisfaction,
                    },
                ],
            )


def _migrated(url: str, *, filled: bool) -> None:
    store = AppStore(url)
    store.migrate()
    if filled:
        fill_app_store(store)
    store.dispose()


def migrated_store(path: Path, *, filled: bool = False) -> AppStore:
    """AppStore on a SQLite file at `path`, migrated (and `filled` with the fixture's responses and
    feedback), copied from one built per process."""
    key = "app_filled" if filled else "app_migrated"
    built = _built_directory(key, lambda directory: _migrated(f"sqlite:///{directory / 'app.db'}", filled=filled))
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built / "app.db", path)
    return AppStore(f"sqlite:///{path}")


def migrated_postgres_url(new_postgres_database, prefix: str = "app", *, filled: bool = False) -> str:
    """A new PostgreSQL database holding a migrated app store (`filled` as in migrated_store)."""
    key = "app_filled" if filled else "app_migrated"
    return new_postgres_database(prefix, key=key, built_by=lambda url: _migrated(url, filled=filled))


def new_migrated_store(engine: str, directory: Path, new_postgres_database, prefix: str = "app") -> AppStore:
    """An empty, migrated app store: app.db in `directory` on SQLite, a new database on PostgreSQL."""
    if engine == "sqlite":
        return migrated_store(directory / "app.db")
    return AppStore(migrated_postgres_url(new_postgres_database, prefix))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def app_store(request, tmp_path_factory, new_postgres_database) -> Iterator[AppStore]:
    """A migrated app store holding the fixture's responses and feedback, on each app engine."""
    if request.param == "sqlite":
        store = migrated_store(tmp_path_factory.mktemp("app") / "app.db", filled=True)
    else:
        store = AppStore(migrated_postgres_url(new_postgres_database, filled=True))
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """A data directory holding a small demo community anchored on today, in both stores."""
    from datetime import UTC, datetime

    from data_sources import demo
    from surveys import demo as survey_demo

    directory = tmp_path_factory.mktemp("demo-data")
    today = datetime.now(UTC).date()
    frames = demo.generate_community(today=today, members=600, activities=30_000)
    build_warehouse(directory / "warehouse.duckdb", frames, timezone="UTC")
    store = AppStore(f"sqlite:///{directory / 'app.db'}")
    store.migrate()
    survey_demo.store_surveys(
        store, survey_demo.generate_surveys(frames, today=today), now=datetime.now(UTC).replace(tzinfo=None)
    )
    store.dispose()
    return directory


@pytest.fixture
def machine_in_tokyo() -> Iterator[None]:
    """The process's own time zone set to Tokyo (UTC+9) for the test: a naive time read as local
    time there is nine hours earlier than the same time read as UTC (the zone here and in CI)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def pulse_env(monkeypatch):
    """Point the app at a data directory: settings are read from the environment on each run."""

    def point_at(directory: Path) -> None:
        monkeypatch.setenv("PULSE_DATA_DIR", str(directory))
        for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
            monkeypatch.delenv(name, raising=False)

    return point_at


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """A data directory with the fixture community as its warehouse and a filled app store."""
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    fixture_warehouse("duckdb", tmp_path, "community", community.frames, None).dispose()
    migrated_store(tmp_path / "app.db", filled=True).dispose()
    return tmp_path


@pytest.fixture
def loaders(warehouse, monkeypatch, tmp_path):
    """ui/data.py's loaders reading the fixture warehouse, their caches empty (the settings, version
    and filters the tests pass are the same for every engine); yields the settings to pass. The
    warehouse serves the session's other tests: what it remembers (the app store's members,
    metrics.scope) is forgotten before and after."""
    import streamlit as st

    from metrics import scope
    from settings import load_settings
    from ui import data

    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(data, "warehouse", lambda settings: warehouse)
    remembered = ("id_attributes", scope.EVERYONE)
    for name in remembered:
        warehouse.memo(name).clear()
    st.cache_data.clear()
    yield load_settings()
    st.cache_data.clear()
    for name in remembered:
        warehouse.memo(name).clear()


class OneAfterAnother:
    """A warehouse that asks for statements side by side (metrics.campaigns reads its figures so
    where PostgreSQL does) and reads them one after another: what the callers add up, on any engine."""

    runs_statements_side_by_side = True

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def run(self, statement: sa.Executable) -> pd.DataFrame:
        return self.warehouse.run(statement)

    def run_side_by_side(self, statements: list[sa.Executable]) -> list[pd.DataFrame]:
        return [self.warehouse.run(statement) for statement in statements]


@pytest.fixture
def statements():
    """The SQL every engine sends from the test's thread while the test runs (not a background
    thread an earlier app run started, such as the delivery sender reading its outbox), and from
    the threads the test's thread reads statements beside (Warehouse.run_side_by_side)."""
    sent: list[str] = []
    test_thread, beside = threading.get_ident(), side_by_side_thread()

    def record(connection, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == test_thread or threading.current_thread().name.startswith(f"{beside}_"):
            sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
