"""Where Community Pulse keeps its data and how it reads its configuration.

One place resolves every setting, in this order: environment variable, then the `[pulse]`
section of .streamlit/secrets.toml, then the default. Nothing here imports Streamlit, so the CLI,
the tests and the app all see the same values. Settings are read on each call (never at import
time), so a test or a second copy of the app can point PULSE_DATA_DIR elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import is_currency

import logs
from catalog import LANGUAGES, language_of, translate
from errors import PulseError, Quote, Said, either

PROJECT_DIR = Path(__file__).resolve().parent
SECRETS_FILE = PROJECT_DIR / ".streamlit" / "secrets.toml"
DATE_ORDERS = ("month_first", "day_first")


class SettingsError(PulseError):
    """Raised when a configured value is unusable (a bad setting, secrets.toml that is not TOML, no
    signing key could be kept); the message names the setting and the fix, and a person reads it
    after "The configuration is not usable:" (error.settings)."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)  # a Said brings its key and values

    def text(self, language: str, *, quote: Quote | None = None) -> str:
        return translate("error.settings", language, error=super().text(language, quote=quote))


DEFAULT_PUBLIC_URL = "http://localhost:8501"  # public_url when nobody set it: `make run`'s address
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def reaches_others(public_url: str) -> bool:
    """Whether links built on `public_url` open for a reader elsewhere: it is set and not this
    computer's (is_loopback). Messages (digests, alerts, a channel's test) leave others out."""
    return bool(public_url) and not is_loopback(public_url)


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this computer: localhost (and *.localhost), 127.0.0.0/8, ::1, or
    0.0.0.0, which a browser on the server's own machine opens as itself. A public_url that is one
    reaches no reader elsewhere: links built on it are left out of messages (digests, alerts)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:  # a malformed address (an unclosed IPv6 bracket) reaches no one in particular
        return False
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@dataclass(frozen=True)
class SheetsConfig:
    """A Google spreadsheet as community source: which worksheet holds which canonical table, and
    per table the sheet's headers that differ from the canonical column names."""

    spreadsheet: str  # URL or key
    worksheets: tuple[tuple[str, str], ...]  # (table, worksheet title)
    headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (table, ((sheet header, column), ...))

    def header_map(self, table: str) -> dict[str, str]:
        return dict(dict(self.headers).get(table, ()))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse_url: str
    app_db_url: str
    timezone: str
    community_source: str
    surveys_dir: Path = PROJECT_DIR / "surveys"
    public_url: str = DEFAULT_PUBLIC_URL  # where members open survey links
    date_order: str = "month_first"  # how to read dates like 05/03/2024 when nothing else tells
    sheets: SheetsConfig | None = None  # community data from Google Sheets
    sheets_refresh_minutes: int = 15  # the app re-reads Sheets when the last sync is older
    warm_figures: bool = True  # compute the dashboards' likely next views in the background (ui/warming.py)
    write_back_spreadsheet: str | None = None  # survey responses also appended here (a tab per survey)
    warehouse_mapping: Path | None = None  # YAML: their tables/columns to the canonical ones
    secrets_file: Path = SECRETS_FILE
    session_secret: str = field(default="", repr=False)  # signs sign-in cookies and share links (else made)
    sign_in_days: int = 7  # a sign-in survives refreshes this long
    allow_open_local_mode: bool = False  # local mode (no sign-in) on an address others can reach
    trust_unverified_email: bool = False  # OIDC: accept an email the provider does not say it verified
    language: str = "en"  # default language (en, zh-CN, zh-TW) for browsers that ask for none of them
    currency: str | None = None  # ISO 4217 code of campaign budgets (CNY, USD …): named in their columns
    log_level: str = "INFO"  # DEBUG, INFO, WARNING, ERROR or CRITICAL (logs.py)
    alerts_file: Path = Path("data/alerts.yaml")  # alert rules kept in git (alerts/rules_file.py)

    @property
    def day_first(self) -> bool:
        return self.date_order == "day_first"

    @property
    def warms_figures(self) -> bool:
        """Whether ui/warming.py computes figures ahead: for the DuckDB warehouse sync builds, with
        warm_figures on (a database queried in place is read by the people who open it)."""
        return self.warm_figures and self.warehouse_path is not None

    @property
    def warehouse_path(self) -> Path | None:
        """The DuckDB file behind warehouse_url, or None when the warehouse is another database."""
        prefix = "duckdb:///"
        if not self.warehouse_url.startswith(prefix):
            return None
        return Path(self.warehouse_url[len(prefix) :].split("?", 1)[0])


def read_secrets(path: Path) -> dict[str, object]:
    """The whole secrets document ({} when there is no file). Every app run asks several times
    (settings, sign-in mode, accounts, roles), so it is parsed once per version of the file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    return _parsed_secrets(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _parsed_secrets(path: Path, mtime_ns: int, size: int) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(Said("error.settings.toml", path=str(path), reason=str(error))) from error


def _sheets(section: object) -> SheetsConfig | None:
    """[pulse.sheets]: spreadsheet, [pulse.sheets.worksheets] table = "title",
    [pulse.sheets.headers.<table>] "Their header" = "canonical_column"."""
    if section is None:
        return None
    where = "[pulse.sheets]"
    if not isinstance(section, dict) or not isinstance(section.get("spreadsheet"), str):
        raise SettingsError(
            Said(
                "error.settings.sheets_spreadsheet",
                where=where,
                example='spreadsheet = "<URL or key>"',
                section="[pulse.sheets.worksheets]",
            )
        )
    worksheets = section.get("worksheets")
    if not isinstance(worksheets, dict) or not worksheets:
        raise SettingsError(
            Said(
                "error.settings.sheets_worksheets",
                where=where,
                section="[pulse.sheets.worksheets]",
                example='members = "Members"',
            )
        )
    headers = section.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(value, dict) for value in headers.values()):
        raise SettingsError(
            Said("error.settings.sheets_headers", where=where, section="[pulse.sheets.headers.<table>]")
        )
    return SheetsConfig(
        spreadsheet=section["spreadsheet"],
        worksheets=tuple((str(table), str(title)) for table, title in worksheets.items()),
        headers=tuple(
            (str(table), tuple((str(header), str(column)) for header, column in mapping.items()))
            for table, mapping in headers.items()
        ),
    )


def _whole_number(value: str, *, name: str, minimum: int) -> int:
    if not value.isdigit() or int(value) < minimum:
        raise SettingsError(
            Said(
                "error.settings.whole_number",
                name=name,
                variable=f"PULSE_{name.upper()}",
                value=repr(value),
                minimum=minimum,
            )
        )
    return int(value)


YES, NO = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _flag(value: object, *, name: str) -> bool:
    """A true/false setting: a TOML boolean, or a word from the environment (true/false, 1/0,
    yes/no, on/off); any other word is refused rather than read as one or the other."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in YES or word in NO:
        return word in YES
    raise SettingsError(Said("error.settings.flag", name=name, variable=f"PULSE_{name.upper()}", value=repr(value)))


def _currency(value: str) -> str | None:
    """An ISO 4217 code (cny is CNY), or None when not set."""
    code = value.strip().upper()
    if not code:
        return None
    if not is_currency(code):
        raise SettingsError(Said("error.settings.currency", value=repr(value)))
    return code


def _language(value: str) -> str:
    language = language_of(value)
    if language is None:
        raise SettingsError(Said("error.settings.language", value=repr(value), languages=", ".join(LANGUAGES)))
    return language


def _log_level(value: str) -> str:
    if value.upper() not in logs.LEVELS:
        raise SettingsError(Said("error.settings.log_level", value=repr(value), levels=", ".join(logs.LEVELS)))
    return value.upper()


# Keys in secrets.toml whose values are secrets (a delivery channel's `webhook` URL holds its key; a
# connector's `api_key` or `token`).
SECRET_NAMES = ("secret", "password", "private_key", "token", "webhook", "api_key")


def _keep_secrets(document: object, *urls: str) -> None:
    """Tell the log's redaction (logs.Redact) every secret the settings hold: secrets.toml values
    under secret-looking keys (session_secret, password_hash, [auth] client_secret and cookie_secret,
    [gcp_service_account] private_key, [pulse.channels.*] webhook, secret and password ...), and the
    passwords in database URLs."""
    if isinstance(document, dict):
        for name, value in document.items():
            if isinstance(value, str) and any(part in str(name).lower() for part in SECRET_NAMES):
                logs.keep_secret(value)
            else:
                _keep_secrets(value)
    elif isinstance(document, list):
        for value in document:
            _keep_secrets(value)
    for url in urls:
        with contextlib.suppress(ValueError):
            logs.keep_secret(urlsplit(url).password)


def load_settings(*, environ: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE) -> Settings:
    """Resolve the settings from the environment, secrets.toml and defaults."""
    env = os.environ if environ is None else environ
    secrets_file = Path(env.get("PULSE_SECRETS_FILE") or secrets_file)
    document = read_secrets(secrets_file)
    secrets = document.get("pulse", {})
    secrets = secrets if isinstance(secrets, dict) else {}

    def pick(name: str, default: str) -> str:
        value = env.get(f"PULSE_{name.upper()}") or secrets.get(name) or default
        return str(value)

    def flag(name: str, default: bool) -> bool:
        """Unlike pick, a TOML false is a value, not a missing one."""
        value = env.get(f"PULSE_{name.upper()}") or secrets.get(name)
        return default if value is None or value == "" else _flag(value, name=name)

    data_dir = Path(pick("data_dir", "data"))
    if not data_dir.is_absolute():
        data_dir = (PROJECT_DIR / data_dir).resolve()
    timezone = pick("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(Said("error.settings.timezone", value=repr(timezone))) from error
    date_order = pick("date_order", "month_first")
    if date_order not in DATE_ORDERS:
        raise SettingsError(Said("error.settings.date_order", value=repr(date_order), orders=either(list(DATE_ORDERS))))
    mapping = pick("warehouse_mapping", "")
    if retired := pick("feedback_overdue_days", ""):
        _retired_overdue_days(retired)
    _keep_secrets(document, pick("warehouse_url", ""), pick("app_db_url", ""))
    logs.keep_secret(pick("session_secret", ""))
    return Settings(
        data_dir=data_dir,
        warehouse_url=pick("warehouse_url", f"duckdb:///{data_dir / 'warehouse.duckdb'}"),
        app_db_url=pick("app_db_url", f"sqlite:///{data_dir / 'app.db'}"),
        timezone=timezone,
        community_source=pick("community_source", "demo"),
        surveys_dir=Path(pick("surveys_dir", str(PROJECT_DIR / "surveys"))),
        public_url=pick("public_url", DEFAULT_PUBLIC_URL).rstrip("/"),
        date_order=date_order,
        sheets=_sheets(secrets.get("sheets")),
        sheets_refresh_minutes=_whole_number(
            pick("sheets_refresh_minutes", "15"), name="sheets_refresh_minutes", minimum=1
        ),
        warm_figures=flag("warm_figures", True),
        write_back_spreadsheet=pick("write_back_spreadsheet", "") or None,
        warehouse_mapping=Path(mapping) if mapping else None,
        secrets_file=secrets_file,
        session_secret=pick("session_secret", ""),
        sign_in_days=_whole_number(pick("sign_in_days", "7"), name="sign_in_days", minimum=1),
        allow_open_local_mode=flag("allow_open_local_mode", False),
        trust_unverified_email=flag("trust_unverified_email", False),
        language=_language(pick("language", "en")),
        currency=_currency(pick("currency", "")),
        log_level=_log_level(pick("log_level", "INFO")),
        alerts_file=Path(pick("alerts_file", str(data_dir / "alerts.yaml"))),
    )


@functools.lru_cache(maxsize=4)
def _retired_overdue_days(value: str) -> None:
    """feedback_overdue_days (open feedback older than N days was overdue) gave way to response
    targets per priority (feedback/targets.py, set in the app or the CLI): said once per value."""
    logging.getLogger(__name__).warning(
        "The feedback_overdue_days setting (%s) is no longer used: feedback is overdue when past its "
        "priority's response target. Set them on the Feedback page (Response targets) or with "
        "`python cli.py feedback targets --set normal 24 HOURS`, and remove the setting.",
        value,
    )


SECRET_FILE = "session_secret"  # in data_dir, when session_secret is not configured


def signing_secret(settings: Settings) -> str:
    """The key that signs sign-in cookies and share links: session_secret when configured, else a
    random key made on first need and kept in <data_dir>/session_secret (mode 0600), so that Share
    works on a fresh `make run` and links survive restarts. Deleting the file (or setting
    session_secret) voids every link and sign-in made with the old key."""
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir / SECRET_FILE
    try:
        key = _kept_secret(path)
        logs.keep_secret(key)
        return key
    except OSError as error:
        raise SettingsError(Said("error.settings.keep_key", path=str(path), reason=error.strerror)) from error


def _kept_secret(path: Path) -> str:
    """Read the key, or write a new one: to a private temporary file first, then linked into place,
    so two processes starting at once agree on one key and nobody reads a half-written file."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it is linked into place
        with contextlib.suppress(FileExistsError):  # another process was first: its key wins
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        key = ""  # edited by hand into something that is no key
    if len(key) < 32:
        raise SettingsError(Said("error.settings.bad_key", path=str(path)))
    return key
