"""Security suite, text (docs/security.md): the XSS, markdown, CSV-formula and SQL corpora
(tests/security_corpus) run over every place member and import text reaches a page, a CSV, a report
or a search; ids from the address parsed strictly; the app store's outage named without its address."""

from __future__ import annotations

import contextlib
import html
import io
import re
import socket
import subprocess
import threading
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import schema
from auth import pages as app_pages
from data_sources.warehouse import Warehouse
from exports import safe_csv
from feedback import inbox, workflow
from ids import parse_id, parse_key
from metrics.filters import Filters, preset_period
from metrics.profile import search_members_query
from reports.html import to_html
from reports.meeting import Report, build_report
from reports.pdf import to_pdf
from store import tables
from store.database import AppStore
from tests.security_corpus import data as corpus
from tests.security_corpus.text import ALL, FORMULA_STARTS, SQL
from ui.i18n import t
from ui.tables import label_text, plain

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MANAGER_PAGES = ("overview", "members", "engagement", "campaigns", "surveys", "feedback", "lookup")
# What a payload still holds if it reaches markdown unescaped: a link, an image, an autolink, a directive
# (HTML needs no pattern: Streamlit's markdown shows it as text; the browser test checks the DOM).
LIVE = ("](", "![", "http://", "https://", "www.", ":red[", ":material/")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return corpus.build(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def app_env(monkeypatch):
    """Point AppTest runs at a data directory, with PULSE_<KEY> settings."""

    def point_at(directory: Path, **settings: str) -> None:
        monkeypatch.setenv("PULSE_DATA_DIR", str(directory))
        for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
            monkeypatch.delenv(name, raising=False)
        for key, value in settings.items():
            monkeypatch.setenv(f"PULSE_{key.upper()}", value)

    return point_at


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(app_pages.page(page).file)
    at.query_params.update(query or {})
    return at.run()


def markdown_texts(at: AppTest) -> list[str]:
    """Every value the page hands to Streamlit's markdown: bodies, captions, headers, messages."""
    kinds = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success")
    return [element.value for kind in kinds for element in getattr(at, kind)]


# --- 1. one escape for markdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("![x](http://h/p.png)", "\\!\\[x\\]\\(http\\:\u2060\\/\\/h\\/p\\.png\\)"),
        ("www.h.io", "www\u2060\\.h\\.io"),
        ("WWW.H.IO", "WWW\u2060\\.H\\.IO"),
        ("a@b.io", "a\\@\u2060b\\.io"),
        ("x -- y", "x \\-\u2060\\- y"),
        ("\t=1\n# h", " \\=1 \\# h"),
        (":red[r] $x$", "\\:red\\[r\\] \\$x\\$"),
        ("山田 太郎", "山田 太郎"),
        ("5\u00a0Nov  \n2026", "5\u00a0Nov 2026"),  # a no-break space stays (a date kept whole)
    ],
)
def test_plain_escapes_markdown_and_breaks_every_autolink(text, expected):
    assert plain(text) == expected


@pytest.mark.parametrize("payload", ALL)
def test_no_payload_keeps_a_live_pattern_once_escaped(payload):
    assert [pattern for pattern in LIVE if pattern in plain(payload)] == []


@pytest.mark.parametrize("payload", ALL)
def test_a_label_read_aloud_carries_no_link_and_no_backslash(payload):
    said = label_text(payload)
    assert [pattern for pattern in ("](", "][", "http://", "https://", "www.") if pattern in said] == []
    assert re.search("<[^\u2060]", said) is None  # no autolink or tag can open
    assert said.replace("\u2060", "") == re.sub(r"\s+", " ", payload)  # the words as written, no backslash added


# --- 2. ids from the address ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("9" * 18, 10**18 - 1),
        ("9" * 19, None),
        ("9" * 4300, None),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() but not ASCII
        ("-5", None),
        ("+5", None),
        (" 5", None),
        ("1_000", None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id_takes_only_a_bounded_run_of_ascii_digits(text, expected):
    assert parse_id(text) == expected


def test_parse_key_refuses_control_characters_spaces_around_and_length():
    assert [parse_key(v) for v in ("m-1", "名前", "a\x00b", " m", "x" * 201, "x" * 200)] == [
        "m-1",
        "名前",
        None,
        None,
        None,
        "x" * 200,
    ]


JUNK = [
    ("feedback", "item", "²"),
    ("feedback", "item", "9" * 20),
    ("feedback", "item", "9" * 4300),
    ("feedback", "item", "-5"),
    ("feedback", "feedback_older", "9" * 4300),
    ("feedback", "feedback_older", "99999999999"),
    ("lookup", "member", "m\x00"),
    ("lookup", "member", "x" * 300),
    ("members", "level", "wizard"),
    ("members", "group", "g\x1b[31m"),
    ("campaigns", "campaign", "c" * 300),
    ("campaigns", "kind", "k\x00"),
    ("engagement", "platform", "p\x07"),
    ("surveys", "survey", "no-such-survey"),
]


@pytest.mark.parametrize(("page", "name", "value"), JUNK, ids=lambda v: str(v)[:12])
def test_a_junk_address_value_is_named_and_the_page_shown_without_it(demo_data_dir, app_env, page, name, value):
    app_env(demo_data_dir)
    at = open_page(page, {name: value})
    assert not at.exception, at.exception
    assert t("address.ignored", name=name) in [w.value for w in at.warning]
    assert name not in at.query_params


@pytest.mark.parametrize("search", ["#²", "#" + "9" * 20, "#" + "9" * 4300])
def test_a_search_for_a_junk_item_number_searches_the_text(demo_data_dir, app_env, search):
    app_env(demo_data_dir)
    at = open_page("feedback", {"feedback_q": search})
    assert not at.exception, at.exception
    assert t("feedback.empty") in [info.value for info in at.info]


# --- 3. the app store down ------------------------------------------------------------------------


class Forwarder:
    """A TCP forwarder on a free local port in front of a database server; close() is the outage:
    the server's address stops answering and the connections the app holds break."""

    def __init__(self, port: int) -> None:
        self.target, self.sockets, self.closed = port, [], False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                if self.closed:  # an accept already waiting when the listener closed still returns
                    client.close()
                    continue
                server = socket.create_connection(("127.0.0.1", self.target))
                self.sockets += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for connection in self.sockets:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


@pytest.mark.parametrize("page", ["feedback", "overview", "surveys", "campaigns", "lookup"])
def test_with_the_app_store_down_a_page_says_so_without_its_address(
    demo_data_dir, app_env, new_postgres_database, page
):
    url = sa.make_url(new_postgres_database("down"))
    forwarder = Forwarder(url.port)
    app_env(demo_data_dir, app_db_url=url.set(port=forwarder.port).render_as_string(hide_password=False))
    at = AppTest.from_file(APP, default_timeout=90).run()  # the store answers: opened and kept
    assert not at.exception and not at.error
    forwarder.close()
    at.switch_page(app_pages.page(page).file)
    at.query_params.update({"member": "m1"} if page == "lookup" else {})
    at.run()
    assert not at.exception, at.exception
    assert [re.sub(r"\b[0-9a-f]{8}\b", "REF", error.value) for error in at.error] == [
        t("error.app_store", reference="REF")
    ]
    shown = " ".join(markdown_texts(at))
    assert [
        word for word in ("127.0.0.1", str(forwarder.port), url.username, "psycopg", "refused") if word in shown
    ] == []


# --- 4a. every manager page over the corpus -------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "query"),
    [
        *[(page, {"period": "last_365_days"}) for page in MANAGER_PAGES if page != "lookup"],
        ("overview", {"period": "last_365_days", "channel": corpus.CHANNELS[0]}),
        ("members", {"period": "last_365_days", "region": corpus.REGIONS[0], "segment": corpus.SEGMENTS[0]}),
        ("surveys", {"survey": "onboarding", "period": "last_365_days"}),
        ("surveys", {"survey": "quarterly-nps", "period": "last_365_days"}),
        ("feedback", {"feedback_q": "alert"}),
        ("feedback", {"item": "1"}),
        ("lookup", {"lookup_q": "attacker"}),
        ("lookup", {"member": "m00001"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(v)[:30],
)
def test_every_page_shows_the_corpus_as_text(corpus_dir, app_env, page, query):
    app_env(corpus_dir, surveys_dir=str(corpus_dir / "surveys"))
    at = open_page(page, query)
    assert not at.exception, at.exception
    live = [(text, pattern) for text in markdown_texts(at) for pattern in LIVE if pattern in text]
    assert live == []


def test_a_selected_channel_payload_reaches_the_filter_caption_escaped(corpus_dir, app_env):
    app_env(corpus_dir)
    at = open_page("overview", {"channel": corpus.CHANNELS[0]})
    captions = [caption.value for caption in at.caption if plain(corpus.CHANNELS[0]) in caption.value]
    assert captions  # the issue's ![x](http://host/p.png), shown as typed
    assert all("](" not in caption for caption in captions)


# --- 4b. CSV downloads ----------------------------------------------------------------------------


def test_safe_csv_leaves_no_cell_starting_a_formula():
    frame = pd.DataFrame({"text": list(ALL), "n": range(len(ALL))}).rename(columns={"text": "=HEAD()"})
    read = pd.read_csv(io.BytesIO(safe_csv(frame)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    cells = [*read.columns, *read.to_numpy().ravel().tolist()]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    assert read["'=HEAD()"].tolist() == [("'" + p if p.startswith(FORMULA_STARTS) else p) for p in ALL]


# --- 4d. searches with SQL metacharacters ---------------------------------------------------------


@pytest.mark.parametrize("payload", [p for p in SQL if "\x00" not in p])
def test_the_member_search_finds_exactly_the_members_named_by_a_metacharacter(corpus_dir, payload):
    warehouse = Warehouse(f"duckdb:///{corpus_dir / 'warehouse.duckdb'}")
    try:
        found = warehouse.run(search_members_query(payload, include_email=False, limit=1000))
        everyone = warehouse.run(search_members_query("", include_email=False, limit=1000))
    finally:
        warehouse.dispose()
    assert len(everyone) == 600
    assert sorted(found["name"]) == sorted(name for name in everyone["name"] if payload.lower() in name.lower())
    assert len(found) >= 600 // len(corpus.STORED)  # every payload names at least one member in 600


@pytest.mark.parametrize("payload", SQL)
def test_the_inbox_search_finds_exactly_the_items_holding_a_metacharacter(corpus_dir, payload):
    store = AppStore(f"sqlite:///{corpus_dir / 'app.db'}")
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        filters = inbox.InboxFilters(statuses=(), search=payload)
        found = store.run(inbox.inbox_query(filters, now=now))
    finally:
        store.dispose()
    assert sorted(found["text"]) == sorted(p for p in corpus.STORED if payload.strip().lower() in p.lower())


# --- 4c. the meeting report -----------------------------------------------------------------------

ACTIVE = ("script", "img", "iframe", "a", "svg:a", "details", "object", "embed", "link", "base", "meta:refresh")


class _Tags(HTMLParser):
    """Start tags of a page, and any attribute that runs script (on…) or loads from the attacker."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.risky: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        loads = ("src", "href", "xlink:href", "data", "action")
        self.risky += [
            f"{tag} {name}"
            for name, value in attrs
            if name.startswith("on") or (name in loads and "attacker" in (value or ""))
        ]


def flat(text: str) -> str:
    return "".join(text.split())


def report_texts(report: Report) -> list[str]:
    """The payloads the report shows: campaign names, and themes with their quoted feedback (the
    demo's own survey feedback beside them is left out)."""
    texts = [*report.campaigns["name"], *report.themes["theme"], *report.themes["example"]]
    return [str(text) for text in texts if text in corpus.STORED]


@pytest.fixture(scope="module")
def corpus_report(corpus_dir) -> Report:
    warehouse = Warehouse(f"duckdb:///{corpus_dir / 'warehouse.duckdb'}")
    store = AppStore(f"sqlite:///{corpus_dir / 'app.db'}")
    now = datetime.now(UTC).replace(tzinfo=None)
    start, end = preset_period("last_365_days", today=now.date())
    filters = Filters(start=start, end=end, channel=corpus.CHANNELS[0], region=corpus.REGIONS[1])
    try:
        return build_report(warehouse=warehouse, app_store=store, filters=filters, now=now, include_text=True)
    finally:
        warehouse.dispose()
        store.dispose()


def test_the_report_html_shows_the_corpus_as_text(corpus_report):
    page = to_html(corpus_report)
    parser = _Tags()
    parser.feed(page)
    assert (sorted(parser.tags & {tag for tag in ACTIVE}), parser.risky) == ([], [])
    text = flat(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", page, flags=re.S))))
    assert [name for name in report_texts(corpus_report) if flat(name) not in text] == []
    assert flat(f"Channel: {corpus.CHANNELS[0]}") in text and flat(f"Region: {corpus.REGIONS[1]}") in text


def test_the_report_pdf_shows_the_corpus_as_text(corpus_report, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(to_pdf(corpus_report))
    text = flat(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    assert flat(f"Channel: {corpus.CHANNELS[0]}") in text and flat(f"Region: {corpus.REGIONS[1]}") in text
    assert [name for name in report_texts(corpus_report) if flat(name) not in text] == []


# --- 4d in the app: the search box, the lookup and filters from the address -------------------------

SEARCHED = [p for p in SQL if "\x00" not in p]  # NUL: see test_a_nul_in_a_search_is_no_error


def corpus_counts(corpus_dir: Path, payload: str) -> tuple[int, int]:
    """(open feedback items whose text holds the payload, members whose name holds it), in Python."""
    store = AppStore(f"sqlite:///{corpus_dir / 'app.db'}")
    warehouse = Warehouse(f"duckdb:///{corpus_dir / 'warehouse.duckdb'}")
    try:
        texts = store.run(sa.select(tables.feedback.c.text).where(tables.feedback.c.status.in_(workflow.OPEN)))
        names = warehouse.run(sa.select(schema.members.c.name))
    finally:
        store.dispose()
        warehouse.dispose()
    return tuple(sum(payload.lower() in value.lower() for value in column) for column in (texts["text"], names["name"]))


@pytest.mark.parametrize("payload", SEARCHED)
def test_the_inbox_search_and_the_lookup_find_exactly_what_holds_a_metacharacter(corpus_dir, app_env, payload):
    app_env(corpus_dir)
    items, members = corpus_counts(corpus_dir, payload)
    assert items == 1  # each SQL payload is the text of one item and in no other
    searched = open_page("feedback", {"feedback_q": payload})
    looked_up = open_page("lookup", {"lookup_q": payload})
    assert not searched.exception and not looked_up.exception
    assert t("feedback.count.one") in [caption.value for caption in searched.caption]  # one item
    assert len(looked_up.dataframe[0].value) == min(members, 50)  # the lookup lists 50 at most


def test_a_nul_in_a_search_is_no_error(corpus_dir, app_env):
    app_env(corpus_dir)
    for page, name in (("feedback", "feedback_q"), ("lookup", "lookup_q")):
        at = open_page(page, {name: "nul\x00byte"})
        assert not at.exception, at.exception


@pytest.mark.parametrize("channel", [corpus.CHANNELS[0], corpus.CHANNELS[3]])
def test_a_channel_from_the_address_selects_exactly_its_members(corpus_dir, app_env, channel):
    app_env(corpus_dir)
    at = open_page("overview", {"period": "last_28_days", "channel": channel})
    assert not at.exception, at.exception
    warehouse = Warehouse(f"duckdb:///{corpus_dir / 'warehouse.duckdb'}")
    end = datetime.combine(preset_period("last_28_days", today=datetime.now(UTC).date())[1], datetime.min.time())
    m = schema.members
    count = sa.select(sa.func.count()).where(m.c.channel == channel, ~m.c.is_team, m.c.joined_at < end)
    try:
        expected = int(warehouse.run(count).iloc[0, 0])
    finally:
        warehouse.dispose()
    assert next(metric.value for metric in at.metric if metric.label == "Members") == f"{expected:,}"
