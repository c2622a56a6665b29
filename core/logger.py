"""Logging setup: a daily DEBUG file, an INFO console, and secret redaction everywhere.

Every handler WorkLead installs, and the root logger itself, carries one
redaction filter, so library debug lines (urllib3, requests, gspread,
google-auth) and exception tracebacks are scrubbed before they are written.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Optional

from core.text import shown, terminal_lines

MASK = "***"
# Loggers whose INFO lines belong on the console; everything else needs WARNING.
OWN_LOGGERS = ("core", "clients", "worklead", "main", "__main__", "sandbox")
# Loggers whose DEBUG lines are one per HTTP request: the file gets them only with --verbose.
HTTP_LOGGERS = ("worklead.http",)
KEEP_DAYS = 14
FILE_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
# A secret shorter than this would mask ordinary words; real keys are far longer.
MIN_SECRET_LENGTH = 6

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL), MASK),
    # A PEM cut short (a truncated log line) still must not show its body.
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*"), MASK),
    # Credentials inside a URL: http://user:password@host.
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://)[^/?#@\s]*@"), r"\1" + MASK + "@"),
    (re.compile(r"ya29\.[A-Za-z0-9_\-.]+"), MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), MASK),  # JWTs (token assertions)
    (re.compile(r"(?i)(\bBearer\s+)[^\s\"',;]+"), r"\1" + MASK),
    (re.compile(r"(?i)(oauth_[a-z_]+\s*=\s*\")[^\"]*(\")"), r"\1" + MASK + r"\2"),
    (re.compile(r"(?i)([\"']?(?:access_token|refresh_token|id_token|private_key|client_secret|"
                r"api_key|apikey|key|token|assertion)[\"']?\s*:\s*[\"'])[^\"']*([\"'])"),
     r"\1" + MASK + r"\2"),
    (re.compile(r"(?i)((?:^|[?&;\s\"',(])(?:access_token|refresh_token|id_token|api_key|apikey|key|token|"
                r"oauth_token|oauth_consumer_key|client_secret|assertion)=)[^&\s\"',;)]+"),
     r"\1" + MASK),
)


class Redactor:
    """Replaces known secrets and anything shaped like a credential with `***`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add(self, secrets: Iterable[Optional[str]]) -> None:
        """Remember more secrets (settings' key and token, access tokens seen at runtime)."""
        with self._lock:
            known = set(self._secrets)
            for secret in secrets:
                for variant in _variants(secret or ""):
                    if len(variant) >= MIN_SECRET_LENGTH:
                        known.add(variant)
            # Longest first, so a secret that contains another is masked whole.
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._secrets = ()

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def _variants(secret: str) -> list[str]:
    """The secret as written, and as it appears inside JSON or a log's repr (escaped newlines)."""
    secret = secret.strip()
    if not secret:
        return []
    variants = [secret, secret.replace("\n", "\\n")]
    # A private key is also caught by its lines, should a line show up alone.
    if "PRIVATE KEY" in secret:
        variants += [line for line in secret.splitlines() if "-----" not in line]
    return variants


redact = Redactor()


class RedactingFilter(logging.Filter):
    """Formats a record's message and traceback once, then redacts and escapes them in place.

    Records are shared by all handlers, so redacting in place at the first
    filter protects every later handler too; running again is harmless.
    A log line's arguments are data (a lead's name, a card title): their
    newlines and control characters are escaped, so a cell can neither forge
    a log line nor send a terminal sequence to the console.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(shown(a) if isinstance(a, str) else a for a in record.args)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the line, nor leak its args
            message = f"{record.msg!s} {record.args!r}"
        record.msg = shown(redact(message), keep_newlines=True)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = shown(redact(record.exc_text), keep_newlines=True)
            # The formatted text is kept; the live exception (and its frames) is not.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# `extra=FILE_ONLY` on a log call: the line goes to the log file only (the caller shows the result itself).
FILE_ONLY = {"file_only": True}


class ConsoleFilter(logging.Filter):
    """The console shows WorkLead's own INFO lines and everyone's warnings, never file-only lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "file_only", False):
            return False
        if record.levelno >= logging.WARNING:
            return True
        return record.name.split(".")[0] in OWN_LOGGERS


class _NoTracebackFormatter(logging.Formatter):
    """Console lines are one sentence; tracebacks belong to the log file."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


_REDACTING = RedactingFilter()
_lock = threading.Lock()
_current_file: Optional[Path] = None
_installed: list[logging.Handler] = []  # the handlers setup_logging put on the root logger


def log_file_path(log_dir: Path, when: Optional[datetime] = None) -> Path:
    return Path(log_dir) / f"sync_{(when or datetime.now()):%Y%m%d}.log"


def current_log_file() -> Optional[Path]:
    """The file the last setup_logging() writes to, for messages that point the user there."""
    return _current_file


def setup_logging(log_dir: Path, secrets: Iterable[Optional[str]] = (),
                  console_level: int = logging.INFO, verbose: bool = False) -> Path:
    """Install the file and console handlers on the root logger; safe to call again.

    A second call replaces WorkLead's handlers (the folder may have changed
    once settings are read) and adds the new secrets to the redactor.
    Library and HTTP debug lines reach the file only when `verbose`. Files
    older than KEEP_DAYS days are removed.
    """
    global _current_file
    redact.add(secrets)
    path = log_file_path(log_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_old_logs(path.parent)
    with _lock:
        _remove_installed()
        root = logging.getLogger()
        root.setLevel(logging.DEBUG)
        _attach_once(root)
        root.addHandler(_file_handler(path, verbose))
        root.addHandler(_console_handler(console_level))
        # Handlers others installed (pytest's capture, a host application's) are covered too.
        for handler in root.handlers:
            _attach_once(handler)
        _current_file = path
    logging.captureWarnings(True)
    return path


def installed_handlers() -> list[logging.Handler]:
    """The handlers setup_logging put on the root logger (the file and the console)."""
    with _lock:
        return list(_installed)


def close_logging() -> None:
    """Remove and close the handlers setup_logging installed (a process embedding main() calls it)."""
    with _lock:
        _remove_installed()


def _remove_installed() -> None:
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()


def _attach_once(target: logging.Filterer) -> None:
    if _REDACTING not in target.filters:
        # First in line, so no other filter or handler sees the unredacted record.
        target.filters.insert(0, _REDACTING)


class _LogFileHandler(logging.FileHandler):
    """The daily log file; when it cannot be written (a full disk), one warning and the run carries on."""

    # One warning per file per process: setup_logging replaces the handler once the settings are read.
    _warned: set[str] = set()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if self.baseFilename in self._warned:
            return
        self._warned.add(self.baseFilename)
        error = sys.exc_info()[1]
        why = getattr(error, "strerror", None) or error
        try:
            sys.stderr.write(f"The log file {self.baseFilename} cannot be written ({why}); "
                             f"the run carries on without it.\n")
        except (OSError, ValueError):
            pass

    def flush(self) -> None:
        try:
            super().flush()
        except OSError:
            self.handleError(logging.makeLogRecord({}))

    def close(self) -> None:
        try:
            super().close()
        except OSError:
            pass


def remove_old_logs(log_dir: Path, today: Optional[datetime] = None) -> None:
    """A log file a day, KEEP_DAYS of them: older ones go (by the date in their name)."""
    oldest = ((today or datetime.now()) - timedelta(days=KEEP_DAYS - 1)).strftime("%Y%m%d")
    for old in log_dir.glob("sync_*.log"):
        stamp = old.stem[len("sync_"):]
        if stamp.isdigit() and len(stamp) == 8 and stamp < oldest:
            try:
                old.unlink()
            except OSError:
                pass  # someone else's file, or already gone: never a reason to stop a run


class QuietLibraries(logging.Filter):
    """Without --verbose, the file keeps WorkLead's own lines and everyone's INFO and up, not HTTP chatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        return record.name.split(".")[0] in OWN_LOGGERS and record.name not in HTTP_LOGGERS


class _StyledHandler(logging.Handler):
    """Console lines on a terminal: warnings yellow, errors red, wrapped at words, no level column."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console

        self._console = Console(stderr=True, highlight=False)

    def emit(self, record: logging.LogRecord) -> None:
        from rich.text import Text

        style = "bold red" if record.levelno >= logging.ERROR else "yellow" if record.levelno >= logging.WARNING \
            else ""
        try:
            for line in terminal_lines(Text(self.format(record), style=style), self._console.width):
                self._console.print(line, soft_wrap=True)
        except Exception:
            self.handleError(record)


def _file_handler(path: Path, verbose: bool = False) -> logging.Handler:
    handler = _LogFileHandler(path, encoding="utf-8", delay=False)
    handler.setLevel(logging.DEBUG)
    if not verbose:
        handler.addFilter(QuietLibraries())
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    _installed.append(handler)
    _attach_once(handler)
    return handler


def _console_handler(level: int) -> logging.Handler:
    stream = sys.stderr
    handler: logging.Handler
    if stream.isatty():
        handler = _StyledHandler()
    else:
        handler = logging.StreamHandler(stream)
    # One style for every warning, logged or printed: the sentence alone (yellow on a terminal).
    handler.setFormatter(_NoTracebackFormatter("%(message)s"))
    handler.setLevel(level)
    _installed.append(handler)
    _attach_once(handler)
    handler.addFilter(ConsoleFilter())
    return handler
