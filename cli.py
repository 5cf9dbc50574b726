"""Community Pulse from the command line: what runs without a browser.

python cli.py init                      create or upgrade the app database
python cli.py demo [--if-empty] [--locale zh-CN|zh-TW]   generate demo data into both stores (Chinese-first)
python cli.py sync [--source demo|sheets|imports|PATH] [--if-stale] [--allow-shrink] [--full]   update the warehouse
python cli.py import FILE... [--table T] [--allow-shrink]  import CSV, Excel or Parquet files and rebuild, all or none
python cli.py attendance FILE --campaign ID   an event's registered / attended sheet as the campaign's members
python cli.py rollup                    write the member-day rollup into a warehouse queried in place
python cli.py report --start D --end D  print a page's figures (end is exclusive) [--section members|...]
python cli.py report --format pdf --out report.pdf     the meeting report (default: the last 7 days; or html, png)
python cli.py survey validate [FILE...]  check survey definitions (default: every file in surveys/)
python cli.py survey list                publish changed definitions, list surveys with their rates
python cli.py survey results SLUG        a survey's NPS, CSAT, CES, per-question results, breakdowns
python cli.py survey links SLUG --segment X > links.csv   personal links (or --channel / --campaign)
python cli.py survey push                append responses waiting for the write-back Google Sheet
python cli.py survey import SLUG --file FORM.csv|.xlsx | --sheet URL [--map HEADER=QUESTION] [--dry-run]
                                         a Google Form's responses (dry run: what would map)
python cli.py survey undo-import N       remove what Google Forms import N stored
python cli.py user hash-password          the Argon2id hash of a password, for [pulse.accounts]
python cli.py feedback import FILE [--source S] [--text COL ...] [--date COL] [--member COL] [--dry-run]
                                         add feedback from a CSV or Excel file or a tool's export (seen before: skipped)
python cli.py feedback undo-import N     remove the items feedback import N added
python cli.py feedback rescore            score every stored item's sentiment and theme again with today's rules
python cli.py feedback targets [--set PRIORITY FIRST RESOLUTION]  response targets per priority, in hours
python cli.py deliver [--recent N | --requeue ID]  send what the outbox holds (email, Slack, WeCom, Feishu, webhooks)
python cli.py digest list                the scheduled digests (made on the Digests page) with their next run
python cli.py digest send ID [--now]     queue a digest at once, for trying it (--now: and send it)
python cli.py channel list               the delivery channels of secrets.toml, without their secrets
python cli.py channel test NAME          send a test message to a channel and print the outcome
python cli.py alerts list                the alert rules with their state, last and next evaluation
python cli.py alerts evaluate [--dry-run]   evaluate the rules that are due now (dry run: record and send nothing)
python cli.py members suggestions         likely matches across platforms (same email unverified, handle, name)
python cli.py members merge A B [--by WHO]   one person from the next sync on (A and B: member ids)
python cli.py members unmerge A [--by WHO]   undo the merges naming A (from the next sync on)
python cli.py members merges              the merges in force
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import logging
import sys
import tempfile
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import pandas as pd

import clock
import logs
from alerts import rules_file
from alerts.evaluation import AlertRun, evaluate_due
from alerts.messages import change_text, describe, scope, value_text
from alerts.rules import list_rules
from alerts.schedule import last_sync_run, next_due
from auth.accounts import hash_password
from catalog import LANGUAGES, translate
from data_sources import attendance, demo, identities, merges
from data_sources.errors import InvalidData
from data_sources.files import read_export
from data_sources.sheets import fetch_worksheet, open_client, open_spreadsheet
from data_sources.sync import SyncResult, import_files, parsing, run_sync, sync, sync_due
from data_sources.validate import TABLES
from data_sources.warehouse import Warehouse, open_warehouse, read_tables
from delivery import outbox, trial
from delivery.channels import channel_named, load_channels, where
from digests import due, subscriptions
from errors import PulseError, Said
from exports import safe_csv
from feedback import importer, intake, messages, targets, workflow
from metrics import goals, notes, sections, survey_results
from metrics.filters import Filters
from metrics.kpis import Format, spec
from metrics.overview import overview_kpis
from outreach import auto_replies, reminders
from reports.display import percent
from reports.html import to_html
from reports.image import to_png
from reports.meeting import build_report
from reports.pdf import to_pdf
from settings import Settings, load_settings
from store.database import AppStore
from surveys import demo as survey_demo
from surveys import links, registry
from surveys.definition import DefinitionError, load_definition
from surveys.forms_import import Parsed, import_responses, language_note, read_responses, undo_forms_import
from surveys.registry import StoredSurvey
from surveys.write_back import push_pending

MEETING_FORMATS = ("html", "pdf", "png")  # report --format: the meeting report, written to --out
ALLOW_SHRINK_HELP = "replace a table even when the new data empties it or removes more than half of its rows"
log = logging.getLogger("cli")  # by name: run as a script, its __name__ is __main__
log.addHandler(logging.NullHandler())  # before logs.configure, nothing of the CLI's reaches stderr twice


class Parser(argparse.ArgumentParser):
    """argparse that answers bad arguments with one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def build_parser() -> Parser:
    parser = Parser(prog="cli.py", description="Community Pulse command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    commands.add_parser("init", help="create or upgrade the app database (Alembic migrations)")

    demo_parser = commands.add_parser("demo", help="generate demo data into the warehouse and the app database")
    demo_parser.add_argument("--if-empty", action="store_true", help="do nothing when a warehouse already exists")
    demo_parser.add_argument("--today", type=_date, help="anchor date of the demo (default: today)")
    demo_parser.add_argument(
        "--locale",
        choices=list(demo.FLAVOURS),
        default="en",
        help="en (default), or a Chinese-first community: zh-CN (WeChat, QQ, 知乎, B站; Asia/Shanghai) or zh-TW",
    )

    sync_parser = commands.add_parser(
        "sync", help="bring the warehouse up to date from a source (new rows appended when nothing else changed)"
    )
    sync_parser.add_argument(
        "--source",
        help="'demo', 'sheets', 'imports', 'connectors' (the platforms in [pulse.connectors]) or a folder of "
        "members.csv, activities.xlsx, ... (default: configured)",
    )
    sync_parser.add_argument(
        "--if-stale", action="store_true", help="only when the last good sync is older than sheets_refresh_minutes"
    )
    sync_parser.add_argument("--allow-shrink", action="store_true", help=ALLOW_SHRINK_HELP)
    sync_parser.add_argument("--full", action="store_true", help="rebuild everything, even when only new rows came in")

    import_parser = commands.add_parser(
        "import", help="import CSV, Excel or Parquet files (each replaces its table) and rebuild; all or nothing"
    )
    import_parser.add_argument("files", nargs="+", type=Path, help="members.csv, activities.xlsx, ... ")
    import_parser.add_argument(
        "--table", choices=sorted(TABLES), help="the table a file holds when its name does not say"
    )
    import_parser.add_argument("--allow-shrink", action="store_true", help=ALLOW_SHRINK_HELP)

    attendance = commands.add_parser(
        "attendance", help="an event's registration and attendance sheet as a campaign's members; all or nothing"
    )
    attendance.add_argument(
        "file", type=Path, help="CSV or .xlsx: email (or member_id), registered, attended (per day)"
    )
    attendance.add_argument("--campaign", required=True, help="the campaign_id the event is")
    attendance.add_argument("--allow-shrink", action="store_true", help=ALLOW_SHRINK_HELP)

    commands.add_parser(
        "rollup",
        help="create or refresh the member-day rollup in a warehouse queried in place (sync makes it for its own)",
    )

    report = commands.add_parser(
        "report", help="a page's figures for a period and the one before; or the meeting report as HTML, PDF or PNG"
    )
    report.add_argument("--start", type=_date, help="first day, YYYY-MM-DD (with --end; neither: the last 7 days)")
    report.add_argument("--end", type=_date, help="day after the last day, YYYY-MM-DD (exclusive)")
    for dimension in ("channel", "region", "segment"):
        report.add_argument(f"--{dimension}", help=f"only members of this {dimension}")
    report.add_argument("--section", choices=sections.SECTIONS, default="overview", help="which page's figures")
    report.add_argument("--format", choices=("json", "table", *MEETING_FORMATS), default="table")
    report.add_argument("--out", type=Path, help="with --format html, pdf or png: the file to write")
    report.add_argument("--lang", choices=LANGUAGES, help="the meeting report's language (default: the community's)")

    survey = commands.add_parser("survey", help="survey definitions, results and personal links")
    survey_commands = survey.add_subparsers(dest="survey_command", required=True, parser_class=Parser)
    validate = survey_commands.add_parser("validate", help="check definitions; exit 1 if any has a problem")
    validate.add_argument("files", nargs="*", type=Path, help="YAML files (default: every file in surveys/)")
    listing = survey_commands.add_parser("list", help="publish changed definitions and list every survey")
    listing.add_argument("--format", choices=("json", "table"), default="table")
    results = survey_commands.add_parser("results", help="a survey's results for a period (default: last 365 days)")
    results.add_argument("slug")
    results.add_argument("--start", type=_date, help="first day, YYYY-MM-DD")
    results.add_argument("--end", type=_date, help="day after the last day, YYYY-MM-DD (exclusive)")
    for dimension in ("channel", "region", "segment"):
        results.add_argument(f"--{dimension}", help=f"only respondents of this {dimension}")
    results.add_argument("--format", choices=("json", "table"), default="table")
    links_parser = survey_commands.add_parser("links", help="personal single-use links as CSV on stdout")
    links_parser.add_argument("slug")
    audience = links_parser.add_mutually_exclusive_group(required=True)
    for kind in links.AUDIENCE_KINDS:
        audience.add_argument(f"--{kind}", help=f"members of this {kind}")
    links_parser.add_argument("--base-url", help="the app's public address (default: PULSE_PUBLIC_URL)")
    survey_commands.add_parser("push", help="append responses waiting for the write-back Google Sheet (retries)")
    forms = survey_commands.add_parser(
        "import", help="store a Google Form's responses (CSV export or responses sheet) as the survey's, all or none"
    )
    forms.add_argument("slug")
    where = forms.add_mutually_exclusive_group(required=True)
    where.add_argument("--file", type=Path, help="the form's responses downloaded as CSV or .xlsx")
    where.add_argument("--sheet", help="the responses spreadsheet's URL or key (read as the service account)")
    forms.add_argument("--worksheet", default="Form Responses 1", help="with --sheet (default: Form Responses 1)")
    forms.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=QUESTION",
        help="a column (its header, or its letter for a header the form repeats) for a question id, if its header "
        "is not the question's text (repeatable)",
    )
    forms.add_argument(
        "--dry-run",
        action="store_true",
        help="show per question how many answers map and which are refused; store nothing",
    )
    undo = survey_commands.add_parser("undo-import", help="remove what one Google Forms import stored")
    undo.add_argument("batch", type=int, help="the import's number, as `survey import` printed it")
    user = commands.add_parser("user", help="built-in accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=Parser)
    user_commands.add_parser("hash-password", help="print the Argon2id hash of a password for [pulse.accounts]")
    feedback_parser = commands.add_parser("feedback", help="the feedback inbox")
    feedback_commands = feedback_parser.add_subparsers(dest="feedback_command", required=True, parser_class=Parser)
    importing = feedback_commands.add_parser("import", help="add feedback from a .csv or .xlsx file, all rows or none")
    importing.add_argument("file", type=Path)
    importing.add_argument("--source", default="import", help="source of rows without one (default: import)")
    importing.add_argument(
        "--text", action="append", default=[], metavar="COLUMN", help="a column of feedback text (repeatable)"
    )
    importing.add_argument("--date", metavar="COLUMN", help="the column of when it was said")
    importing.add_argument("--member", metavar="COLUMN", help="the column of member emails or ids")
    importing.add_argument("--score", metavar="COLUMN", help="a 0-10 score column")
    importing.add_argument("--source-column", metavar="COLUMN", help="the column saying where each row came from")
    importing.add_argument(
        "--skip-value", action="append", default=[], metavar="TEXT", help="a cell value meaning no answer, e.g. N/A"
    )
    importing.add_argument("--dry-run", action="store_true", help="show what would be added; store nothing")
    undo_feedback = feedback_commands.add_parser("undo-import", help="remove the items one feedback import added")
    undo_feedback.add_argument("batch", type=int, help="the import's number, as `feedback import` printed it")
    feedback_commands.add_parser("rescore", help="score stored items' sentiment and suggested theme again")
    targeting = feedback_commands.add_parser("targets", help="print the response targets per priority, or set one")
    targeting.add_argument(
        "--set",
        nargs=3,
        action="append",
        default=[],
        metavar=("PRIORITY", "FIRST", "RESOLUTION"),
        help="a priority's hours to the first response and to resolution, e.g. --set urgent 4 24 (repeatable)",
    )
    delivering = commands.add_parser(
        "deliver", help="send the outbox's due messages once (for cron or a systemd timer)"
    )
    delivering.add_argument("--recent", type=int, metavar="N", help="list the outbox's newest N messages instead")
    delivering.add_argument(
        "--requeue",
        type=int,
        metavar="ID",
        help="send a failed or unknown message again (an unknown one may arrive twice)",
    )
    digest = commands.add_parser("digest", help="scheduled digests (made on the Digests page)")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True, parser_class=Parser)
    digest_commands.add_parser("list", help="every digest with its schedule, recipients and next run")
    sending = digest_commands.add_parser(
        "send", help="queue a digest now for its latest period (a trial: the scheduled one still goes)"
    )
    sending.add_argument("id", type=int)
    sending.add_argument("--now", action="store_true", help="and send the outbox at once")
    channel = commands.add_parser("channel", help="delivery channels configured in secrets.toml")
    channel_commands = channel.add_subparsers(dest="channel_command", required=True, parser_class=Parser)
    channel_commands.add_parser("list", help="each channel's kind, where it sends (no secrets) and its outbox")
    testing = channel_commands.add_parser("test", help="send a test message now and print what the service said")
    testing.add_argument("name")
    alerting = commands.add_parser("alerts", help="alert rules (docs/alerts.md)")
    alert_commands = alerting.add_subparsers(dest="alerts_command", required=True, parser_class=Parser)
    alert_commands.add_parser("list", help="every rule with its state, last evaluation and next one")
    evaluating = alert_commands.add_parser(
        "evaluate", help="evaluate the rules that are due now and queue their messages"
    )
    evaluating.add_argument(
        "--dry-run", action="store_true", help="show what each due rule reads; record and send nothing"
    )
    people = commands.add_parser("members", help="one member across platforms: merges and suggestions")
    people_commands = people.add_subparsers(dest="members_command", required=True, parser_class=Parser)
    people_commands.add_parser("suggestions", help="likely matches the last sync found, less those decided")
    merging = people_commands.add_parser("merge", help="join two members into one person from the next sync on")
    merging.add_argument("a")
    merging.add_argument("b")
    merging.add_argument("--by", default=None, help="who merges (default: the system user)")
    unmerging = people_commands.add_parser("unmerge", help="undo the merges naming a member, from the next sync on")
    unmerging.add_argument("member")
    unmerging.add_argument("--by", default=None, help="who unmerges (default: the system user)")
    people_commands.add_parser("merges", help="the merges in force")
    return parser


def command_demo(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    store.migrate()
    path = settings.warehouse_path
    if args.if_empty and (path is None or path.exists()):
        print("Data already present; demo skipped.")
        return 0
    zone = demo.FLAVOURS[args.locale].timezone
    today = args.today or clock.today_in(zone)  # the community's today
    community = demo.generate_community(today=today, locale=args.locale)
    result = run_sync(settings=settings, app_store=store, source="demo", load=lambda: (community, []))
    responses = survey_demo.store_surveys(
        store,
        survey_demo.generate_surveys(community, today=today, locale=args.locale),
        now=clock.now(),
        timezone=settings.timezone,
    )
    counts = ", ".join(f"{rows:,} {name}" for name, rows in result.rows.items())
    print(f"Demo data ready: {counts}; {responses:,} survey responses.")
    if settings.timezone != zone:  # its days would start at the wrong hour (a Beijing day at 08:00 UTC)
        print(translate("cli.demo_timezone", args.locale, zone=zone, configured=settings.timezone))
    return 0


def _print_sync(result: SyncResult, verb: str) -> int:
    print(f"{verb} {result.source}: " + ", ".join(f"{rows:,} {name}" for name, rows in result.rows.items()))
    if result.reason is not None:
        print(f"{result.mode}: {result.reason}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _said_progress(sheet: str, read: int, total: int) -> None:
    """A large sheet's reading, page by page, or a connector's fetching, step by step (`sheet` then
    names what it fetches: "discourse posts"), on stderr (stdout keeps the result)."""
    unit = "" if isinstance(sheet, Said) and sheet.key.startswith("connector.unit.") else " rows read"
    print(f"{sheet}: {read:,} of {total:,}{unit}", file=sys.stderr, flush=True)


def command_sync(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    store.migrate()
    if args.if_stale and not sync_due(settings=settings, app_store=store, now=clock.now()):
        print("The last sync is recent enough; nothing to do.")
        return 0
    try:
        synced = sync(
            settings=settings,
            app_store=store,
            source=args.source,
            allow_shrink=args.allow_shrink,
            progress=_said_progress,
            full=args.full,
        )
    finally:  # a failed sync too: the sync rule watches the runs
        _print_alerts(evaluate_due(settings, store, clock.now()), quiet=True)
    code = _print_sync(synced, "Synced from")
    taken = messages.take_messages(store, settings=settings, now=clock.now())  # the chosen channels' messages
    if taken:
        print(f"Feedback from messages: {taken:,} new items")
    return code


def command_import(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    store.migrate()
    imported = import_files(
        args.files, settings=settings, app_store=store, table=args.table, allow_shrink=args.allow_shrink
    )
    return _print_sync(imported, "Imported")


def command_attendance(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """Replace a campaign's registered and attended members with the sheet's, through the import."""
    store.migrate()
    if settings.warehouse_path is None:
        print("cli.py attendance: the warehouse is a database queried in place; add the rows there.", file=sys.stderr)
        return 1
    raw = read_export(args.file, name="campaign_members")
    base = read_tables(settings.warehouse_path, ["members", "campaigns", "campaign_members"])
    if not base or args.campaign not in set(base["campaigns"]["campaign_id"]):
        print(f"cli.py attendance: no campaign {args.campaign!r} in the data.", file=sys.stderr)
        return 1
    rows, unmatched = attendance.attendance_frame(raw, campaign_id=args.campaign, members=base["members"])
    table = attendance.merged(base["campaign_members"], rows, campaign_id=args.campaign)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign_members.csv"
        table.to_csv(path, index=False)
        result = import_files([path], settings=settings, app_store=store, allow_shrink=args.allow_shrink)
    counts = rows["status"].value_counts()
    print(
        f"Campaign {args.campaign}: {counts.get('registered', 0):,} registered, {counts.get('attended', 0):,} "
        f"attended from {args.file.name}; {len(unmatched):,} people match no member."
    )
    for person in unmatched:
        print(f"unmatched: {person}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def command_rollup(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """Write member_days into the configured database, so metrics stop computing it per query.
    A snapshot: run it again after the source tables change (from cron, say)."""
    if settings.warehouse_path is not None:
        print("The built-in warehouse gets its member-day rollup on every sync; run `python cli.py sync` instead.")
        return 0
    warehouse = open_warehouse(settings)  # with its mapping: the rollup reads their tables through it
    try:
        rows = warehouse.refresh_rollup(timezone=settings.timezone)
    finally:
        warehouse.dispose()
    print(f"member_days rebuilt with days in {settings.timezone}: {rows:,} member-days.")
    print("A running app reads it after a restart or a refresh on its Data page; refresh it when the tables change.")
    return 0


def _format_value(key: str, value: float | None) -> str:
    """A KPI as its spec reads (metrics/kpis.py), in plain digits: counts whole, other figures to four
    decimals unless whole (a rate stays a share from 0 to 1, as in the JSON)."""
    if value is None:
        return "-"
    whole = spec(key).format is Format.COUNT or float(value).is_integer()
    return f"{value:,.0f}" if whole else f"{value:,.4f}"


def _period_document(filters: Filters) -> dict[str, object]:
    previous = filters.previous()
    return {
        "period": {
            "start": str(filters.start),
            "end": str(filters.end),
            "previous_start": str(previous.start),
            "previous_end": str(previous.end),
            "timezone": filters.timezone,
        },
        "filters": {"channel": filters.channel, "region": filters.region, "segment": filters.segment},
    }


def _print_kpis(kpis: dict[str, dict[str, float | None]]) -> None:
    print(f"{'kpi':<32}{'current':>14}{'previous':>14}")
    for key, kpi in kpis.items():
        print(f"{key:<32}{_format_value(key, kpi['current']):>14}{_format_value(key, kpi['previous']):>14}")


def _print_section(document: dict[str, object]) -> None:
    """Figures as a KPI table, then each list as a small table under its key."""
    for key, value in document.items():
        if key == "kpis":
            _print_kpis(value)  # type: ignore[arg-type]
        elif isinstance(value, list):
            print(f"\n{key}:")
            print(pd.DataFrame(value).to_string(index=False) if value else "  (none)")
        elif isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
            for name, rows in value.items():
                print(f"\n{key} {name}:")
                print(pd.DataFrame(rows).to_string(index=False) if rows else "  (none)")
        else:
            print(f"\n{key}: {_readable(value)}")


def _readable(value: object) -> object:
    """A figure as people read it in a text table: four decimals unless whole (JSON keeps every digit)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4f}"
    return value


def _filters(args: argparse.Namespace, settings: Settings, *, start: date, end: date) -> Filters:
    """The period and member filters of a command; a bad period is a usage error (exit 2)."""
    try:
        return Filters(
            start=start,
            end=end,
            channel=args.channel,
            region=args.region,
            segment=args.segment,
            timezone=settings.timezone,
        )
    except ValueError as error:
        build_parser().error(str(error))


def command_report(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    if (args.start is None) != (args.end is None):
        build_parser().error("give both --start and --end, or neither for the last 7 days")
    if args.format in MEETING_FORMATS and args.out is None:
        build_parser().error(f"--format {args.format} needs --out FILE")
    end = args.end or clock.today()
    filters = _filters(args, settings, start=args.start or end - timedelta(days=7), end=end)
    store.migrate()
    warehouse = open_warehouse(settings)
    if args.format in MEETING_FORMATS:
        # Run by an operator, so the report may quote what members wrote.
        report = build_report(
            warehouse=warehouse,
            app_store=store,
            filters=filters,
            now=clock.now(),
            include_text=True,
            language=args.lang or settings.language,
            currency=settings.currency,
        )
        if args.format == "html":
            args.out.write_text(to_html(report), encoding="utf-8")
        else:
            args.out.write_bytes(to_pdf(report) if args.format == "pdf" else to_png(report))
        print(f"Wrote the meeting report for {filters.start} to {filters.last} to {args.out}.")
        return 0
    if args.section == "overview":
        kpis = overview_kpis(warehouse=warehouse, app_store=store, filters=filters).kpis
        today = filters.local_date(clock.now())
        section = {
            "kpis": {key: {"current": kpi.current, "previous": kpi.previous} for key, kpi in kpis.items()},
            # The view's goals with their progress, and the managers' notes on its days (metrics/goals.py).
            "goals": [
                goals.document(progress)
                for progress in goals.measure_view(warehouse=warehouse, app_store=store, filters=filters, today=today)
            ],
            "notes": [
                {"id": note.id, "title": note.title, "start": note.start.isoformat(), "end": note.end.isoformat()}
                for note in reversed(notes.list_notes(store, filters=filters))
            ],
        }
    elif args.section == "members":
        section = sections.members_section(warehouse=warehouse, filters=filters)
    elif args.section == "engagement":
        section = sections.engagement_section(warehouse=warehouse, filters=filters)
    else:
        section = sections.campaigns_section(warehouse=warehouse, app_store=store, filters=filters)
    if args.format == "json":
        document = _period_document(filters)
        if args.section == "overview":  # the Overview's KPIs sit at the top level, as before sections existed
            document.update(section["kpis"])
            document.update(goals=section["goals"], notes=section["notes"])
        else:
            document.update(section)
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    _print_section(section)
    return 0


def command_init(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    store.migrate()
    print(f"App database is up to date ({store.engine.url.render_as_string(hide_password=True)}).")
    return _publish(settings, store)


def _publish(settings: Settings, store: AppStore) -> int:
    """Publish changed survey files as new versions; report files that could not be published."""
    versions, problems = registry.register_folder(
        store, settings.surveys_dir, timezone=settings.timezone, now=clock.now()
    )
    published = ", ".join(f"{slug} v{n}" for slug, n in versions.items()) or "none"
    print(f"Surveys published: {published}.", file=sys.stderr)
    for problem in problems:
        print(f"survey problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _push(settings: Settings, store: AppStore) -> int:
    if settings.write_back_spreadsheet is None:
        print("cli.py survey push: write_back_spreadsheet is not set; nothing is written back.", file=sys.stderr)
        return 1
    client = functools.partial(open_client, settings)
    result = push_pending(store, client, spreadsheet=settings.write_back_spreadsheet, now=clock.now())
    print(f"Appended {result.sent:,} responses to the sheet; {result.failed:,} wait for the next try.")
    if result.error:
        print(f"cli.py survey push: {result.error}", file=sys.stderr)
    return 1 if result.failed else 0


def _import_forms(
    settings: Settings, store: AppStore, warehouse: Warehouse, args: argparse.Namespace, *, stored: StoredSurvey
) -> int:
    explicit = dict(item.split("=", 1) for item in args.map if "=" in item)
    if len(explicit) != len(args.map):
        build_parser().error("--map takes HEADER=QUESTION")
    if args.file is not None:
        raw = read_export(args.file, name="responses")
    else:
        spreadsheet = open_spreadsheet(open_client(settings), args.sheet)
        raw = fetch_worksheet(spreadsheet, title=args.worksheet, table="responses")
    if args.dry_run:
        return _print_preview(read_responses(raw, survey=stored.survey, explicit=explicit, parsing=parsing(settings)))
    result = import_responses(
        store, warehouse, stored=stored, raw=raw, explicit=explicit, parsing=parsing(settings), now=clock.now()
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"Import {result.batch} into {stored.slug}: {result.added:,} responses added, {result.updated:,} updated, "
        f"{result.already_there:,} there already, {result.empty:,} empty rows skipped. "
        f"`python cli.py survey undo-import {result.batch}` removes what it stored."
    )
    print(language_note(result.language))
    return 0


def _print_preview(parsed: Parsed) -> int:
    """A dry run: per mapped column, its question, the answers that map and those refused with why."""
    print(f"{'column':<40}{'question':<24}{'answers':>9}{'refused':>9}")
    for count in parsed.columns:
        print(f"{count.column[:39]:<40}{count.question[:23]:<24}{count.answers:>9,}{sum(count.refused.values()):>9,}")
        for why, times in count.refused.most_common():
            print(f"    {times:,} × {why}")
    print(f"\nResponses to store: {len(parsed.rows):,}; empty rows (a timestamp only) to skip: {parsed.empty:,}.")
    print(language_note(parsed.language))
    for warning in parsed.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for problem in parsed.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(
        "Dry run: nothing was stored."
        + (" The import would be refused for the problems above." if parsed.problems else "")
    )
    return 1 if parsed.problems else 0


def _survey_lines(table: pd.DataFrame) -> str:
    """The survey list as a text table: rates as percentages, — where there is none (no responses, no links)."""
    rates = {column: table[column].map(percent) for column in ("completion_rate", "response_rate")}
    return table.assign(**rates).to_string(index=False)


def command_survey(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    if args.survey_command == "validate":
        paths = args.files or sorted(settings.surveys_dir.glob("*.yaml"))
        failed = 0
        for path in paths:
            try:
                survey = load_definition(path)
            except DefinitionError as error:  # local: every file is checked, each problem printed
                failed += 1
                print("\n".join(error.problems), file=sys.stderr)
                continue
            print(f"{path.name}: ok ({survey.slug}, {len(survey.questions)} questions, {len(survey.pages)} pages)")
        return 1 if failed else 0
    store.migrate()
    if args.survey_command == "push":
        return _push(settings, store)
    if args.survey_command == "list":
        status = _publish(settings, store)
        table = survey_results.survey_table(app_store=store, now=clock.now())
        columns = [
            "slug",
            "version",
            "state",
            "started",
            "completed",
            "completion_rate",
            "invitations",
            "response_rate",
        ]
        if args.format == "json":
            print(json.dumps(sections.records(table[columns]), indent=2, ensure_ascii=False))
        else:
            print(_survey_lines(table[columns]))
        return status
    if args.survey_command == "undo-import":
        removed = undo_forms_import(store, args.batch, now=clock.now())
        print(f"Import {args.batch} undone: {removed:,} responses removed (none if it was undone before).")
        return 0
    versions = registry.load_versions(store, args.slug)
    if not versions:
        print(f"cli.py survey: no survey {args.slug!r}; `python cli.py survey list` shows them", file=sys.stderr)
        return 1
    warehouse = open_warehouse(settings)
    if args.survey_command == "import":
        return _import_forms(settings, store, warehouse, args, stored=versions[0])
    if args.survey_command == "links":
        kind = next(kind for kind in links.AUDIENCE_KINDS if getattr(args, kind))
        audience = links.Audience(kind=kind, value=getattr(args, kind))
        members = warehouse.run(links.audience_query(audience))
        made = links.create_links(
            store,
            survey_id=versions[0].id,
            slug=args.slug,
            members=members,
            audience=audience,
            base_url=args.base_url or settings.public_url,
            now=clock.now(),
            aliases=identities.aliases_of(warehouse, members["member_id"]),
        )
        sys.stdout.buffer.write(safe_csv(made))
        print(f"{len(made)} personal links for {audience}.", file=sys.stderr)
        return 0
    end = args.end or clock.today() + timedelta(days=1)
    filters = _filters(args, settings, start=args.start or end - timedelta(days=365), end=end)
    results = survey_results.survey_results(app_store=store, warehouse=warehouse, versions=versions, filters=filters)
    document = {"survey": args.slug, "version": versions[0].version, **_period_document(filters)}
    document |= survey_results.results_document(results)
    if args.format == "json":
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _print_section({key: value for key, value in document.items() if key not in ("period", "filters", "questions")})
    return 0


def command_feedback(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """Import a file; problems (file, row, column) go to stderr and nothing is written. Or rescore."""
    if args.feedback_command == "rescore":
        store.migrate()
        changed = intake.rescore(store)
        log.info("Feedback rescored: %d items changed", changed)
        print(f"Rescored feedback: {changed:,} items changed.")
        return 0
    if args.feedback_command == "targets":
        return command_targets(store, args)
    if args.feedback_command == "undo-import":
        store.migrate()
        removed = importer.undo_feedback_import(store, args.batch, now=clock.now())
        print(f"Import {args.batch} undone: {removed:,} feedback items removed (none if it was undone before).")
        return 0
    if not args.file.is_file():
        print(f"cli.py feedback import: {args.file} is not a file.", file=sys.stderr)
        return 1
    mapping = importer.FeedbackMapping(
        text=tuple(args.text),
        date=args.date,
        member=args.member,
        score=args.score,
        source=args.source_column,
        skip=tuple(args.skip_value),
    )
    store.migrate()
    try:
        if args.dry_run:
            return _print_feedback_preview(args, mapping, settings)
        result = importer.import_feedback(
            store,
            open_warehouse(settings),
            name=args.file.name,
            content=args.file.read_bytes(),
            default_source=args.source,
            timezone=settings.timezone,
            day_first=settings.day_first,
            actor="cli",
            now=clock.now(),
            mapping=mapping,
        )
    except importer.ImportFailed as failed:  # local: says which file, then every problem on its own line
        log.warning("Nothing was imported from %s: %s", args.file.name, failed.user_message)
        print(f"Nothing was imported from {args.file.name}:\n{failed.user_message}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Imported {result.added:,} new feedback items; {result.already_there:,} were there already.")
    if result.preset or len(result.columns) > 1 or result.blank or result.placeholders:
        read = ", ".join(result.columns)
        print(
            f"Import {result.batch} read {result.preset or 'the mapped columns'}: text from {read}; "
            f"{result.blank:,} blank answers and {result.placeholders:,} placeholders skipped. "
            f"`python cli.py feedback undo-import {result.batch}` removes what it added."
        )
    return 0


def command_targets(store: AppStore, args: argparse.Namespace) -> int:
    """Set the targets given (refused, all or none, when one is not usable), then print them all."""
    store.migrate()
    wanted = {}
    for priority, first, resolution in args.set:
        if not (first.isdigit() and resolution.isdigit()):
            print(f"cli.py feedback targets: {first} and {resolution} must be whole hours.", file=sys.stderr)
            return 1
        wanted[priority] = targets.Target(int(first), int(resolution))
    changed = targets.save_targets(store, wanted, actor="cli", now=clock.now()) if wanted else []
    for priority in changed:
        log.info("Response targets of %s priority set to %s", priority, wanted[priority])
    current = targets.read_targets(store)
    print(f"{'priority':<10}{'first response (h)':>20}{'resolution (h)':>16}  changed")
    for priority in reversed(workflow.PRIORITIES):
        target = current.by_priority[priority]
        by = current.changed_by.get(priority)
        when = f"{current.changed_at[priority]:%Y-%m-%d %H:%M} UTC by {by}" if by else "default"
        print(f"{priority:<10}{target.first_response_hours:>20}{target.resolution_hours:>16}  {when}")
    return 0


def _print_feedback_preview(args: argparse.Namespace, mapping: importer.FeedbackMapping, settings: Settings) -> int:
    """A dry run of a feedback import: the layout read, items per text column, what was skipped, problems."""
    table, parsed, problems = importer.preview_feedback(
        name=args.file.name,
        content=args.file.read_bytes(),
        default_source=args.source,
        timezone=settings.timezone,
        mapping=mapping,
        day_first=settings.day_first,
    )
    print(f"Layout: {table.preset.name if table.preset else 'columns as given'}; rows: {len(table.frame):,}.")
    per_question = pd.Series([item.tags[0] if item.tags else "text" for _, item, _ in parsed.rows]).value_counts()
    for question, count in per_question.items():
        print(f"  {count:>6,}  {question}")
    print(f"Items: {len(parsed.rows):,}; blank answers: {parsed.blank:,}; placeholders: {parsed.placeholders:,}.")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print("Dry run: nothing was stored.")
    return 1 if problems else 0


def command_user(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """Hash a password typed twice (not echoed, never an argument: it would stay in shell history)."""
    password = getpass.getpass("Password: ")
    if len(password) < 10:
        print("cli.py user: use at least 10 characters.", file=sys.stderr)
        return 1
    if getpass.getpass("Again: ") != password:
        print("cli.py user: the two passwords differ.", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def command_deliver(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """Send what is due, under the store's delivery lease; exit 1 when a message was given up."""
    store.migrate()
    if args.recent:
        recent = outbox.recent(store, limit=args.recent)
        columns = ["id", "channel", "kind", "status", "attempts", "created_at", "sent_at", "title", "last_error"]
        print(recent[columns].to_string(index=False) if len(recent) else "The outbox is empty.")
        return 0
    if args.requeue is not None and not outbox.requeue(store, args.requeue, now=clock.now()):
        print(f"cli.py deliver: no failed or unknown message {args.requeue}.", file=sys.stderr)
        return 1
    _print_alerts(evaluate_due(settings, store, clock.now()), quiet=True)  # what they queue leaves now
    for queued in due.enqueue_due(settings, store, clock.now()):
        print(f"Digest {queued.digest} for {queued.filters.start} to {queued.filters.last}: {queued.queued} queued.")
    persons_of = functools.partial(identities.persons_of, lambda query: open_warehouse(settings).run(query))
    reminders.queue_due_for(settings, store, load_channels(settings), now=clock.now(), persons_of=persons_of)
    addresses_of = auto_replies.addresses_from(lambda query: open_warehouse(settings).run(query))
    auto_replies.queue_due_for(settings, store, load_channels(settings), addresses_of, now=clock.now())
    return _deliver(settings, store)


def _deliver(settings: Settings, store: AppStore) -> int:
    run = outbox.deliver_due(store, load_channels(settings))
    if run.busy:
        print("Another process is sending (the app server or another deliver); nothing was sent.")
        return 0
    print(
        f"Messages sent: {run.sent:,}; waiting for a retry: {run.retrying:,}; failed: {run.failed:,}; "
        f"left unknown by a sender that stopped: {run.unknown:,}."
    )
    if run.failed:
        print("cli.py deliver: `python cli.py channel list` shows the failures per channel.", file=sys.stderr)
    return 1 if run.failed else 0


def _schedule(digest: subscriptions.Digest, timezone: str) -> str:
    """ "weekly, Monday 09:00 (Asia/Shanghai)" or "monthly, day 1 09:00 (UTC)"."""
    when = (
        date(2024, 1, 1 + (digest.weekday or 0)).strftime("%A")  # 1 January 2024 was a Monday
        if digest.cadence == "weekly"
        else f"day {digest.day_of_month}"
    )
    return f"{digest.cadence}, {when} {digest.send_time} ({timezone})"


def command_digest(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """List the digests, or queue one now (and with --now send the outbox)."""
    store.migrate()
    now = clock.now()
    if args.digest_command == "list":
        kept = subscriptions.list_digests(store)
        if not kept:
            print("No digests: managers make them on the Digests page.")
        zone = ZoneInfo(settings.timezone)
        for digest in kept:
            upcoming = digest.next_run(settings.timezone, now=now).replace(tzinfo=UTC).astimezone(zone)
            members = ", ".join(f"{name} {value}" for name, value in digest.members().items() if value)
            print(
                f"{digest.id:>4}  {digest.name}  [{'enabled' if digest.enabled else 'paused'}]  "
                f"{_schedule(digest, settings.timezone)}  to {', '.join(digest.recipients)}  "
                f"for {members or 'every member'}; next run {upcoming:%Y-%m-%d %H:%M}"
            )
        return 0
    queued = due.send_now(settings, store, args.id, now=now)
    print(
        f"Digest {queued.digest} for {queued.filters.start} to {queued.filters.last}: {queued.queued} messages queued."
    )
    if queued.missing:
        print(f"Not in [pulse.channels] of secrets.toml: {', '.join(queued.missing)}.", file=sys.stderr)
    return _deliver(settings, store) if args.now else 0


def command_channel(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    channels = load_channels(settings)
    if args.channel_command == "list":
        if not channels:
            print("No delivery channels: add [pulse.channels.NAME] tables to secrets.toml (docs/delivery.md).")
            return 0
        store.migrate()
        counts = outbox.counts(store)
        print(f"{'channel':<24}{'kind':<10}{'pending':>9}{'sent':>7}{'failed':>8}{'unknown':>9}  where")
        for name, channel in sorted(channels.items()):
            numbers = [counts.get((name, status), 0) for status in ("pending", "sent", "failed", "unknown")]
            print(
                f"{name:<24}{channel.kind:<10}"
                + "".join(f"{n:>{w}}" for n, w in zip(numbers, (9, 7, 8, 9), strict=True))
                + f"  {where(channel)}"
            )
        return 0
    channel = channel_named(channels, args.name)
    outcome = trial.try_channel(
        channel, link=settings.public_url, language=settings.language, zone=settings.timezone, now=clock.now()
    )
    print(f"{channel.name} ({channel.kind}, {where(channel)}): {outcome.status}: {outcome.detail}")
    return 0 if outcome.status == "sent" else 1


def _print_alerts(run: AlertRun, *, quiet: bool = False) -> int:
    """One line per rule evaluated (`quiet`: only those that fired or recovered), then the alerts
    file's problem on stderr; 1 when the file has one."""
    for done in run.evaluated:
        if quiet and done.outcome not in ("fired", "recovered"):
            continue
        rule = done.rule.definition
        said = f"{done.outcome}" + (" (snoozed: nothing sent)" if done.snoozed and not quiet else "")
        change = change_text(rule, done.reading)
        print(
            f"Alert {done.rule.id} {rule.name!r}: {said}; {value_text(rule, done.reading.value)}"
            + (f" ({change})" if change else "")
            + (f"; queued for {', '.join(done.queued)}" if done.queued else "")
            + (f"; not configured: {', '.join(done.missing)}" if done.missing else "")
        )
    if run.busy:
        print("Another process is evaluating the alert rules; nothing was evaluated here.")
    if run.file_problem is not None:
        print(f"cli.py alerts: {run.file_problem}", file=sys.stderr)
        return 1
    return 0


def command_alerts(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """List the rules, or evaluate those due (a dry run records and sends nothing)."""
    store.migrate()
    now = clock.now()
    if args.alerts_command == "evaluate":
        run = evaluate_due(settings, store, now, dry_run=args.dry_run)
        if not run.evaluated and not run.busy:
            print("No alert rule is due.")
        return _print_alerts(run)
    try:
        rules_file.mirror(store, settings.alerts_file, now=now, channels=set(load_channels(settings)))
    except rules_file.AlertFileError as error:
        print(f"cli.py alerts: {error}", file=sys.stderr)
    kept = list_rules(store)
    if not kept:
        print("No alert rules: add one on the Alerts page, or in the alerts file (docs/alerts.md).")
        return 0
    sync_run = last_sync_run(store)
    for rule in kept:
        state = (
            "off" if not rule.enabled else {None: "not evaluated yet", True: "holding", False: "clear"}[rule.holding]
        )
        if rule.snoozed(now):
            state += f", snoozed until {rule.snoozed_until:%Y-%m-%d %H:%M} UTC"
        due = next_due(rule, now=now, timezone=settings.timezone, sync_run=sync_run)
        last = f"{rule.last_evaluated_at:%Y-%m-%d %H:%M} UTC" if rule.last_evaluated_at else "never"
        print(
            f"{rule.id:>4}  {rule.name} [{rule.origin}] {state}\n"
            f"      {describe(rule.definition)}; {scope(rule.definition)}; to {', '.join(rule.definition.recipients)}\n"
            f"      last evaluated: {last}; next: "
            + (f"{due:%Y-%m-%d %H:%M} UTC" if due else "after the next sync" if rule.enabled else "—")
        )
    return 0


def command_members(settings: Settings, store: AppStore, args: argparse.Namespace) -> int:
    """Suggestions, merges and unmerges; a merge or unmerge shows in the data from the next sync."""
    store.migrate()
    by = getattr(args, "by", None) or f"cli:{getpass.getuser()}"
    if args.members_command == "merge":
        merges.check_known(open_warehouse(settings), args.a, args.b)
        number = merges.merge(store, args.a, args.b, by=by)
        print(f"Merge {number}: {args.a.strip()} and {args.b.strip()} are one person from the next sync on.")
        return 0
    if args.members_command == "unmerge":
        count = merges.unmerge(store, args.member, by=by)
        print(f"{count} merge(s) naming {args.member.strip()} undone; the next sync parts them.")
        return 0
    if args.members_command == "merges":
        made = merges.in_force(store)
        if made.empty:
            print("No merges in force.")
        for number, a, b, who, when in zip(
            made["id"], made["member_a"], made["member_b"], made["created_by"], made["created_at"], strict=True
        ):
            print(f"{number:>4}  {a} + {b}  by {who}, {when:%Y-%m-%d %H:%M} UTC")
        return 0
    found = merges.open_suggestions(open_warehouse(settings), store)
    if found.empty:
        print("No suggestions.")
    for row in found.to_dict("records"):
        sides = [
            f"{row[f'identity_{side}']} ({row[f'platform_{side}'] or '—'}, @{row[f'handle_{side}'] or '—'}, "
            f"joined {row[f'joined_at_{side}']:%Y-%m-%d}, activities: {row[f'activities_{side}']})"
            for side in ("a", "b")
        ]
        reason = "name and avatar" if row["reason"] == "avatar" else row["reason"]
        print(f"same {reason}: {sides[0]} ~ {sides[1]}")
    return 0


COMMANDS = {
    "init": command_init,
    "demo": command_demo,
    "sync": command_sync,
    "import": command_import,
    "attendance": command_attendance,
    "rollup": command_rollup,
    "report": command_report,
    "survey": command_survey,
    "feedback": command_feedback,
    "user": command_user,
    "deliver": command_deliver,
    "digest": command_digest,
    "channel": command_channel,
    "alerts": command_alerts,
    "members": command_members,
}


def main(argv: list[str] | None = None) -> int:
    """Run a command. The one catcher of the CLI: a PulseError's message goes to stderr (exit 1, no
    traceback); anything else is logged with its traceback under a reference stderr names."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings, console=False)  # what a person reads here is what the CLI prints
        store = AppStore(settings.app_db_url)
        return COMMANDS[args.command](settings, store, args)
    except PulseError as error:
        log.warning("cli.py %s (ref %s): %s", args.command, logs.reference(), error.user_message)
        print(f"cli.py {args.command}: {error}", file=sys.stderr)
        if isinstance(error, InvalidData):  # a refused file's or sheet's warnings too: they may say why
            for warning in error.warnings:
                print(f"warning: {warning}", file=sys.stderr)
        return 1
    except Exception:
        reference = logs.unexpected(log, f"cli.py {args.command} failed")
        where = logs.log_file() or "the log"
        print(
            f"cli.py {args.command}: an unexpected error stopped the command; {where} has its details under "
            f"ref {reference}.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
