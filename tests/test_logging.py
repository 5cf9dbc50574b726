"""Logging: one configuration (level, stderr, a private rotating file), and no secret or email
address in any line, whoever logged it."""

from __future__ import annotations

import logging
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

import logs
from settings import SettingsError, load_settings


def _record(message: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("test", logging.WARNING, __file__, 1, message, args, exc_info)


def _formatted(record: logging.LogRecord) -> str:
    logs.REDACT.filter(record)
    return logging.Formatter(logs.FORMAT).format(record)


def test_the_filter_redacts_a_configured_secret_and_an_email_address():
    logs.keep_secret("s3cr3t-signing-key-for-the-test")
    record = _record("key %s used by %s", "s3cr3t-signing-key-for-the-test", "ana.costa.7@example.org")
    line = _formatted(record)
    assert line.endswith(f"test: key {logs.SECRET_MARK} used by {logs.EMAIL_MARK}")
    assert "s3cr3t" not in line and "ana.costa" not in line


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "postgresql://pulse:hunter2pw@db.internal:5432/app refused",
            f"postgresql://pulse:{logs.SECRET_MARK}@db.internal:5432/app refused",
        ),
        ("key -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY----- read", f"key {logs.SECRET_MARK} read"),
        ("hash $argon2id$v=19$m=65536,t=3,p=4$abc$def given", f"hash {logs.SECRET_MARK} given"),
        ("王伟 wang.wei.12@example.org and emma.müller.3@example.org", f"王伟 {logs.EMAIL_MARK} and {logs.EMAIL_MARK}"),
    ],
)
def test_secrets_nobody_registered_are_redacted_by_their_shape(message, expected):
    assert logs.redact(message) == expected


def test_a_record_without_secrets_or_addresses_is_untouched():
    record = _record("Synced %s: %d rows in %.1f s", "demo", 1200, 2.5)
    logs.REDACT.filter(record)
    assert (record.msg, record.args) == ("Synced %s: %d rows in %.1f s", ("demo", 1200, 2.5))
    assert record.getMessage() == "Synced demo: 1200 rows in 2.5 s"


def test_a_traceback_is_redacted_too():
    logs.keep_secret("another-secret-value")
    try:
        raise RuntimeError("could not sign with another-secret-value for bob@example.org")
    except RuntimeError:
        import sys

        line = _formatted(_record("failed", exc_info=sys.exc_info()))
    assert "Traceback" in line and "RuntimeError: could not sign with" in line
    assert "another-secret-value" not in line and "bob@example.org" not in line


def test_the_settings_register_their_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[pulse]\nsession_secret = "kept-in-secrets-toml"\n'
        '[pulse.accounts]\n"ana@example.org" = {role = "admin", password_hash = "$argon2id$v=19$m=1$aaaa$bbbb"}\n'
        '[auth]\ncookie_secret = "cookie-secret-value"\n[auth.google]\nclient_secret = "google-client-secret"\n',
        encoding="utf-8",
    )
    load_settings(
        environ={"PULSE_SECRETS_FILE": str(secrets), "PULSE_APP_DB_URL": "postgresql://u:db-password-1@h/app"},
        secrets_file=secrets,
    )
    kept = logs.kept_secrets()
    for secret in (
        "kept-in-secrets-toml",
        "$argon2id$v=19$m=1$aaaa$bbbb",
        "cookie-secret-value",
        "google-client-secret",
    ):
        assert secret in kept
    assert "db-password-1" in kept
    assert "admin" not in kept  # a role is no secret


def test_log_level_is_a_setting():
    assert load_settings(environ={}).log_level == "INFO"
    assert load_settings(environ={"PULSE_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(SettingsError, match=r"log_level .* is 'loud'; it must be one of DEBUG, INFO"):
        load_settings(environ={"PULSE_LOG_LEVEL": "loud"})


@dataclass(frozen=True)
class Configured:
    data_dir: Path
    log_level: str = "INFO"


def _ours(path: Path) -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(path)]


def test_configure_writes_a_private_rotating_file_once(tmp_path, capsys):
    settings = Configured(tmp_path / "data")
    logs.configure(settings)
    logs.configure(settings)  # Streamlit runs app.py again on every interaction
    path = tmp_path / "data" / logs.LOG_FILE
    assert len(_ours(path)) == 1
    [handler] = _ours(path)
    assert (handler.maxBytes, handler.backupCount) == (logs.MAX_BYTES, logs.BACKUPS)
    logging.getLogger("pulse.test").info("synced for carol@example.org")
    logging.getLogger("pulse.test").debug("not at INFO")
    text = path.read_text(encoding="utf-8")
    assert text.endswith(f"INFO pulse.test: synced for {logs.EMAIL_MARK}\n") and "not at INFO" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert capsys.readouterr().err.endswith(f"INFO pulse.test: synced for {logs.EMAIL_MARK}\n")  # and stderr
    logs.configure(Configured(tmp_path / "other", "WARNING"))  # other settings replace the handlers
    assert _ours(path) == [] and len(_ours(tmp_path / "other" / logs.LOG_FILE)) == 1


def test_the_cli_logs_to_the_file_only(tmp_path, capsys):
    logs.configure(Configured(tmp_path), console=False)
    logging.getLogger("pulse.test").warning("into the file")
    assert capsys.readouterr().err == ""
    assert "into the file" in (tmp_path / logs.LOG_FILE).read_text(encoding="utf-8")
