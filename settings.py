"""Where Community Pulse keeps its data and how it reads its configuration.

One place resolves every setting, in this order: environment variable, then the `[pulse]`
section of .streamlit/secrets.toml, then the default. Nothing here imports Streamlit, so the CLI,
the tests and the app all see the same values. Settings are read on each call (never at import
time), so a test or a second copy of the app can point PULSE_DATA_DIR elsewhere.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_DIR = Path(__file__).resolve().parent
SECRETS_FILE = PROJECT_DIR / ".streamlit" / "secrets.toml"


class SettingsError(ValueError):
    """Raised when a configured value is unusable; the message names the setting and the fix."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse_url: str
    app_db_url: str
    timezone: str
    community_source: str
    surveys_dir: Path = PROJECT_DIR / "surveys"
    public_url: str = "http://localhost:8501"  # where members open survey links
    feedback_overdue_days: int = 14  # open feedback older than this is flagged

    @property
    def warehouse_path(self) -> Path | None:
        """The DuckDB file behind warehouse_url, or None when the warehouse is another database."""
        prefix = "duckdb:///"
        if not self.warehouse_url.startswith(prefix):
            return None
        return Path(self.warehouse_url[len(prefix) :].split("?", 1)[0])


def _secrets(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            section = tomllib.load(handle).get("pulse", {})
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path} is not valid TOML: {error}") from error
    return section if isinstance(section, dict) else {}


def load_settings(*, environ: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE) -> Settings:
    """Resolve the settings from the environment, secrets.toml and defaults."""
    env = os.environ if environ is None else environ
    secrets = _secrets(secrets_file)

    def pick(name: str, default: str) -> str:
        value = env.get(f"PULSE_{name.upper()}") or secrets.get(name) or default
        return str(value)

    data_dir = Path(pick("data_dir", "data"))
    if not data_dir.is_absolute():
        data_dir = (PROJECT_DIR / data_dir).resolve()
    timezone = pick("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(
            f"Time zone {timezone!r} (PULSE_TIMEZONE or [pulse] timezone) is not an IANA name "
            "such as 'UTC' or 'Asia/Shanghai'."
        ) from error
    overdue = pick("feedback_overdue_days", "14")
    if not overdue.isdigit() or int(overdue) < 1:
        raise SettingsError(
            f"feedback_overdue_days (PULSE_FEEDBACK_OVERDUE_DAYS or [pulse] feedback_overdue_days) is {overdue!r}; "
            "it must be a whole number of days, 1 or more."
        )
    return Settings(
        data_dir=data_dir,
        warehouse_url=pick("warehouse_url", f"duckdb:///{data_dir / 'warehouse.duckdb'}"),
        app_db_url=pick("app_db_url", f"sqlite:///{data_dir / 'app.db'}"),
        timezone=timezone,
        community_source=pick("community_source", "demo"),
        surveys_dir=Path(pick("surveys_dir", str(PROJECT_DIR / "surveys"))),
        public_url=pick("public_url", "http://localhost:8501").rstrip("/"),
        feedback_overdue_days=int(overdue),
    )
