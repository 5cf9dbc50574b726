"""The one logging configuration, and the redaction every handler applies.

`configure(settings)` (called by app.py on every run and by cli.py; it does the work once per
process and settings) sends records at `log_level` (PULSE_LOG_LEVEL, default INFO) to stderr and to
the rotating file `<data_dir>/pulse.log` (mode 0600). Modules log through
`logging.getLogger(__name__)`.

No secret and no email address reaches a log line: `Redact`, a filter on every handler this module
installs, replaces the secrets the settings resolved (`keep_secret`: settings.py and the service
account key register them as they read them), passwords in database URLs, private keys, password
hashes and email addresses with markers, in the message and in the traceback. Callers need not
remember anything.

A failure nobody expected is logged with its traceback under a short reference (`unexpected`), which
the person is shown, so whoever reads the log can find that very record.

Bottom layer: it imports nothing of the project.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Protocol

LOG_FILE = "pulse.log"
MAX_BYTES = 5 * 1024 * 1024  # per file; with BACKUPS, at most 20 MB of log
BACKUPS = 3
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SECRET_MARK = "[secret]"
EMAIL_MARK = "[email]"
SHORTEST_SECRET = 6  # a shorter configured value would redact ordinary words

EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
URL_PASSWORD = re.compile(r"(://[^:/@\s]*):([^@\s/]+)@")  # scheme://user:password@host
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL)
PASSWORD_HASH = re.compile(r"\$argon2(?:id|i|d)\$[\w+/=$,.\-]+")

_secrets: set[str] = set()
_lock = threading.Lock()
_installed: dict[str, object] = {"key": None, "handlers": []}


class Configured(Protocol):
    """What configure reads of the settings (settings.Settings)."""

    data_dir: Path
    log_level: str


def keep_secret(*values: object) -> None:
    """Redact these values from every log line from now on (settings call it as they read them)."""
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= SHORTEST_SECRET:
            _secrets.add(value.strip())


def kept_secrets() -> frozenset[str]:
    return frozenset(_secrets)


def redact(text: str) -> str:
    """`text` without kept secrets, URL passwords, private keys, password hashes or email addresses."""
    for secret in sorted(_secrets, key=len, reverse=True):  # a longer secret may hold a shorter one
        if secret in text:
            text = text.replace(secret, SECRET_MARK)
    text = PRIVATE_KEY.sub(SECRET_MARK, text)
    text = PASSWORD_HASH.sub(SECRET_MARK, text)
    text = URL_PASSWORD.sub(rf"\1:{SECRET_MARK}@", text)
    return EMAIL.sub(EMAIL_MARK, text)


class Redact(logging.Filter):
    """Rewrites a record's message, traceback and stack without secrets or email addresses (the
    record is changed in place, so every later handler sees the redacted one)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a caller's bad %-arguments: logging reports those itself
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


REDACT = Redact()


class _PrivateFile(RotatingFileHandler):
    """A rotating log file only its owner may read (0600), however the umask is set."""

    def _open(self):
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)
        return os.fdopen(descriptor, "a", encoding=self.encoding, errors=self.errors)


class _Stderr(logging.StreamHandler):
    """stderr as it is when a record is written (a test, or Streamlit, may have replaced it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def level_of(name: str) -> int:
    return logging.getLevelNamesMapping()[name.upper()]


def configure(settings: Configured, *, console: bool = True) -> None:
    """Log at the settings' level to `<data_dir>/pulse.log` (and stderr with `console`); does nothing
    when already configured so (Streamlit runs app.py on every interaction)."""
    level = level_of(settings.log_level)
    path = Path(settings.data_dir) / LOG_FILE
    key = (path, level, console)
    with _lock:
        if _installed["key"] == key:
            return
        root = logging.getLogger()
        for handler in _installed["handlers"]:  # type: ignore[attr-defined]
            root.removeHandler(handler)
            handler.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers: list[logging.Handler] = [
            _PrivateFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
        ]
        if console:
            handlers.append(_Stderr())
        for handler in handlers:
            handler.setLevel(level)
            handler.setFormatter(logging.Formatter(FORMAT))
            handler.addFilter(REDACT)
            root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > level:  # never quieter than another handler asked
            root.setLevel(level)
        _installed.update(key=key, handlers=handlers)


def log_file() -> Path | None:
    """The file configure writes to (None before it ran)."""
    key = _installed["key"]
    return key[0] if isinstance(key, tuple) else None


def reset() -> None:
    """Remove what configure installed (tests start each from no configuration)."""
    with _lock:
        root = logging.getLogger()
        for handler in _installed["handlers"]:  # type: ignore[attr-defined]
            root.removeHandler(handler)
            handler.close()
        _installed.update(key=None, handlers=[])


def reference() -> str:
    """A short id to quote to a person and find in the log."""
    return secrets.token_hex(4)


def unexpected(log: logging.Logger, what: str) -> str:
    """Log the exception being handled with its traceback under a new reference; returns it."""
    ref = reference()
    log.error("%s (ref %s)", what, ref, exc_info=True, extra={"reference": ref, "unexpected": True})
    return ref
