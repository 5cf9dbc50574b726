"""One error family: every domain error is a PulseError saying when it is raised; pages and the CLI
catch it in one place each, and anything else is logged with a reference the person is shown."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

from data_sources.errors import NotConfigured, SourceUnavailable
from errors import PulseError
from feedback.workflow import EditRefused
from settings import SettingsError
from store.database import StoreError
from ui.tables import plain

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ["data_sources", "store", "feedback", "auth", "surveys", "metrics", "settings", "exports", "engines"]
DOMAIN += ["delivery"]


def _modules() -> list[str]:
    names = []
    for entry in DOMAIN:
        if (ROOT / entry).is_dir():
            names += [f"{entry}.{info.name}" for info in pkgutil.iter_modules([str(ROOT / entry)])]
        else:
            names.append(entry)
    return sorted(names)


def _domain_errors() -> list[type[BaseException]]:
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == name and not value.__name__.startswith("_"):
                found.append(value)
    return found


def test_the_walk_finds_the_known_errors():
    names = {error.__name__ for error in _domain_errors()}
    assert {
        "DataSourceError",
        "NotConfigured",
        "SourceUnavailable",
        "SyncBusy",
        "InvalidData",
        "ShrinkRefused",
        "StoreError",
        "FeedbackError",
        "EditRefused",
        "EditConflict",
        "ImportFailed",
        "SignInRefused",
        "Busy",
        "LinkRefused",
        "SettingsError",
        "DefinitionError",
        "AnswersInvalid",
        "ChannelError",
    } <= names


@pytest.mark.parametrize("error", _domain_errors(), ids=lambda error: f"{error.__module__}.{error.__name__}")
def test_every_domain_error_is_a_pulse_error_saying_when_it_is_raised(error):
    assert issubclass(error, PulseError)
    assert "Raised" in (error.__doc__ or ""), f"{error.__name__}'s docstring should say when it is raised"


def test_a_pulse_error_speaks_the_catalog_when_it_has_a_key_else_its_message():
    from auth.share_links import LinkRefused
    from settings import SettingsError

    plain = PulseError("The file is gone.", hint="Sync again.")
    assert (plain.user_message, plain.hint, str(plain)) == (
        "The file is gone.",
        "Sync again.",
        "The file is gone. Sync again.",
    )
    assert plain.text("zh-CN") == "The file is gone. Sync again."
    expired = LinkRefused(
        "This link expired on 2026-01-02. Ask for a new one.", "share.refused.expired", when="2026-01-02"
    )
    assert expired.text("en") != expired.text("zh-CN")
    assert "2026-01-02" in expired.text("zh-CN")
    assert LinkRefused("This link is not valid.").key == "share.refused.not_valid"  # the class's default
    settings = SettingsError("timezone is 'Mars'.")
    assert settings.text("en") == "The configuration is not usable: timezone is 'Mars'."
    assert str(settings) == settings.user_message == "timezone is 'Mars'."


# The page's one catcher, through the real app (local mode: an admin; presenting: nobody's data).

APP = str(ROOT / "app.py")


def _overview_failing(monkeypatch, error: BaseException, *, present: bool = False):
    from streamlit.testing.v1 import AppTest

    from ui import data

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(data, "load_dimension_values", fail)  # the filter bar's loader, on every page
    at = AppTest.from_file(APP, default_timeout=60)
    if present:
        at.query_params["present"] = "1"
    return at.run()


def _catalog(key: str, **values: object) -> str:
    from catalog import translate

    return translate(key, "en", **values)


@pytest.mark.parametrize(
    ("error", "present", "shown"),
    [
        pytest.param(
            NotConfigured("No warehouse yet: run python cli.py demo."),
            False,
            ("info", plain("No warehouse yet: run python cli.py demo.")),  # without a key: text, not markdown
            id="not-configured-admin",
        ),
        pytest.param(
            NotConfigured("No warehouse yet."), True, ("info", _catalog("error.no_data")), id="not-configured-others"
        ),
        pytest.param(
            SourceUnavailable("db.internal:5432 refused: *check* the server"),
            False,
            ("error", plain("db.internal:5432 refused: *check* the server")),  # as text, not markdown
            id="data-source-admin",
        ),
        pytest.param(
            SourceUnavailable("db.internal:5432 refused"),
            True,
            ("error", _catalog("error.warehouse", reference="REF")),
            id="data-source-others",
        ),
        pytest.param(
            StoreError("postgresql://db.internal/app is down"),
            False,
            ("error", _catalog("error.app_store", reference="REF")),
            id="app-store",
        ),
        pytest.param(
            EditRefused("A merged item cannot move to planned."),
            False,
            ("error", plain("A merged item cannot move to planned.")),
            id="other",
        ),
        pytest.param(
            SettingsError("timezone is wrong."),
            False,
            ("error", _catalog("error.settings", error=plain("timezone is wrong."))),
            id="settings",
        ),
    ],
)
def test_the_page_catcher_shows_each_kind_of_error_as_before(
    demo_data_dir, pulse_env, monkeypatch, caplog, error, present, shown
):
    pulse_env(demo_data_dir)
    at = _overview_failing(monkeypatch, error, present=present)
    assert not at.exception
    kind, text = shown
    values = [element.value for element in getattr(at, kind)]
    if "REF" in text:  # a generic message names the reference its details are logged under
        references = [found for value in values for found in re.findall(r"\b[0-9a-f]{8}\b", value)]
        assert len(references) == 1 and f"ref {references[0]}" in caplog.text
        values = [value.replace(references[0], "REF") for value in values]
    assert values == [text]
    assert not at.metric  # the page stopped


def test_an_unexpected_exception_is_logged_with_a_reference_the_page_shows(
    demo_data_dir, pulse_env, monkeypatch, unexpected_failures
):
    pulse_env(demo_data_dir)
    at = _overview_failing(monkeypatch, ZeroDivisionError("a bug near ana@example.org"))
    assert not at.exception  # no traceback for the person
    [record] = unexpected_failures
    reference = record.reference
    assert len(reference) == 8
    assert [element.value for element in at.error] == [_catalog("error.unexpected", reference=reference)]
    log = (demo_data_dir / "pulse.log").read_text(encoding="utf-8")
    line = next(line for line in log.splitlines() if f"(ref {reference})" in line)
    assert " ERROR ui.page: A page failed" in line
    after = log[log.index(line) :]
    assert "Traceback" in after and "ZeroDivisionError: a bug near [email]" in after
    assert "ana@example.org" not in log


def test_the_unexpected_message_is_in_every_language():
    from catalog import LANGUAGES, translate

    texts = {language: translate("error.unexpected", language, reference="1a2b3c4d") for language in LANGUAGES}
    assert len(set(texts.values())) == len(LANGUAGES) and all("1a2b3c4d" in text for text in texts.values())


# The CLI's one catcher.


def test_the_cli_prints_a_pulse_error_without_a_traceback_and_exits_1(tmp_path, monkeypatch, capsys):
    import cli
    from store.database import StoreError

    def fail(*args):
        raise StoreError("The app database is not answering; check app_db_url.")

    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(cli.COMMANDS, "init", fail)
    assert cli.main(["init"]) == 1
    assert capsys.readouterr().err == "cli.py init: The app database is not answering; check app_db_url.\n"
    log = (tmp_path / "pulse.log").read_text(encoding="utf-8")
    assert "WARNING cli: cli.py init (ref " in log and "Traceback" not in log


def test_the_cli_logs_anything_else_with_its_traceback_under_the_reference_it_prints(
    tmp_path, monkeypatch, capsys, unexpected_failures
):
    import cli

    def fail(*args):
        raise KeyError("a bug")

    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(cli.COMMANDS, "init", fail)
    assert cli.main(["init"]) == 1
    [record] = unexpected_failures
    err = capsys.readouterr().err
    assert err == (
        f"cli.py init: an unexpected error stopped the command; {tmp_path / 'pulse.log'} has its details under "
        f"ref {record.reference}.\n"
    )
    log = (tmp_path / "pulse.log").read_text(encoding="utf-8")
    assert f"ERROR cli: cli.py init failed (ref {record.reference})\nTraceback" in log and "KeyError: 'a bug'" in log


def test_background_work_that_fails_is_logged_with_its_traceback(caplog):
    from ui import background

    def work():
        raise OSError("disk full")

    with caplog.at_level("INFO", logger="ui.background"):
        background._in_background("push", work).join(timeout=10)
    [started, failed] = caplog.records
    assert started.getMessage() == "Background push started"
    assert failed.getMessage().startswith("Background push failed (ref ") and failed.exc_info[0] is OSError
