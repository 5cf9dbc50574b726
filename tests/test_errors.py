"""One error family: every domain error is a PulseError saying when it is raised; pages and the CLI
catch it in one place each, and anything else is logged with a reference the person is shown."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from errors import PulseError

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ["data_sources", "store", "feedback", "auth", "surveys", "metrics", "settings", "exports", "engines"]


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
