"""Secret redaction in logs, with real logging records from real library loggers."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest

from core import logger as worklead_logger
from core.logger import close_logging, installed_handlers, redact, remove_old_logs, setup_logging

# Built at run time so the repository holds nothing shaped like a committed key.
PEM_BEGIN = "-----BEGIN " + "PRIVATE KEY-----"
PEM_END = "-----END " + "PRIVATE KEY-----"

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "ATTA" + "f" * 60
ACCESS_TOKEN = "ya29.a0AfB_byC-sandbox-access-token-value"
PRIVATE_KEY = (PEM_BEGIN + "\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
               "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c2v3b4n5m6Q\n" + PEM_END + "\n")


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    """WorkLead's logging on a temporary folder; the root logger is put back afterwards."""
    root = logging.getLogger()
    saved = list(root.handlers), root.level, list(root.filters)
    yield tmp_path / "logs"
    close_logging()
    root.handlers[:], root.filters[:] = saved[0], saved[2]
    root.setLevel(saved[1])
    redact.clear()


def log_text(log_dir: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8") for p in log_dir.glob("sync_*.log"))


def test_urllib3_debug_lines_never_show_the_trello_key_or_token(log_dir: Path) -> None:
    setup_logging(log_dir, [KEY, TOKEN], verbose=True)
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s', "https", "api.trello.com", 443, "GET",
        f"/1/boards/abc/cards?key={KEY}&token={TOKEN}&filter=all", "HTTP/1.1", 200, 512)
    text = log_text(log_dir)
    assert "/1/boards/abc/cards?key=***&token=***&filter=all" in text
    assert KEY not in text and TOKEN not in text


def test_credentials_shaped_like_tokens_are_masked_even_when_not_known_in_advance(log_dir: Path) -> None:
    setup_logging(log_dir, [], verbose=True)
    # google-auth stops its own "google" loggers from propagating once it has made a request
    # (unless configured), so a library that always propagates stands in for it here.
    lib = logging.getLogger("requests_oauthlib.oauth1_auth")
    lib.debug("Authorization: Bearer %s", ACCESS_TOKEN)
    lib.debug('{"access_token": "%s", "expires_in": 3599, "token_type": "Bearer"}', "opaque-token-123456")
    lib.debug('Authorization: OAuth oauth_consumer_key="%s", oauth_token="%s"', "k" * 32, "t" * 64)
    lib.debug("POST /token body grant_type=jwt-bearer&assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")
    lib.debug("key text %s", PRIVATE_KEY)
    text = log_text(log_dir)
    for secret in (ACCESS_TOKEN, "opaque-token-123456", "k" * 32, "t" * 64, "eyJhbGciOiJSUzI1NiJ9", "MIIEvQIBADAN"):
        assert secret not in text
    assert "Bearer ***" in text and '"access_token": "***"' in text


def test_a_traceback_in_the_log_file_is_redacted(log_dir: Path) -> None:
    setup_logging(log_dir, [TOKEN], verbose=True)
    try:
        raise ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: /1/cards?token={TOKEN}")
    except ConnectionError:
        logging.getLogger("requests").error("request failed", exc_info=True)
    text = log_text(log_dir)
    assert "Traceback (most recent call last)" in text
    assert "ConnectionError" in text
    assert TOKEN not in text


def test_private_key_from_the_settings_is_masked_whole_and_line_by_line(log_dir: Path) -> None:
    setup_logging(log_dir, [PRIVATE_KEY], verbose=True)
    body_line = PRIVATE_KEY.splitlines()[1]
    logging.getLogger("gspread").debug("one line of it: %s", body_line)
    logging.getLogger("gspread").debug("escaped: %s", PRIVATE_KEY.replace("\n", "\\n"))
    text = log_text(log_dir)
    assert body_line not in text
    assert "PRIVATE KEY-----\\nMII" not in text


def test_records_logged_on_the_root_logger_and_other_handlers_are_redacted_too(log_dir: Path) -> None:
    captured: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(self.format(record))

    foreign = Collect(level=logging.DEBUG)
    logging.getLogger().addHandler(foreign)
    setup_logging(log_dir, [KEY], verbose=True)
    logging.debug("root line with key=%s", KEY)
    logging.getLogger("requests.packages.urllib3").debug("child line %s", KEY)
    assert captured and all(KEY not in line for line in captured)
    assert KEY not in log_text(log_dir)


def test_setting_up_twice_writes_each_line_once(log_dir: Path) -> None:
    setup_logging(log_dir, [KEY], verbose=True)
    setup_logging(log_dir, [TOKEN], verbose=True)
    logging.getLogger("core.sync_logic").info("one line only")
    ours = [h for h in logging.getLogger().handlers if h in installed_handlers()]
    assert len(ours) == 2  # the file and the console
    assert log_text(log_dir).count("one line only") == 1
    # Secrets from both calls are known.
    logging.getLogger("x").debug("%s %s", KEY, TOKEN)
    assert KEY not in log_text(log_dir) and TOKEN not in log_text(log_dir)


def test_the_console_shows_info_without_tracebacks_and_the_file_keeps_debug(
        log_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(log_dir, [TOKEN], verbose=True)
    logging.getLogger("core.sync_logic").info("Moved card for lead 7")
    logging.getLogger("urllib3.connectionpool").debug("Starting new HTTPS connection (1): api.trello.com:443")
    try:
        raise RuntimeError(f"boom {TOKEN}")
    except RuntimeError:
        logging.getLogger("core.sync_logic").warning("card write failed", exc_info=True)
    err = capsys.readouterr().err
    assert "Moved card for lead 7" in err and "card write failed" in err
    assert "Starting new HTTPS connection" not in err
    assert "Traceback" not in err and TOKEN not in err
    text = log_text(log_dir)
    assert "Starting new HTTPS connection" in text and "Traceback" in text


def test_the_log_file_is_named_after_the_day(log_dir: Path) -> None:
    path = setup_logging(log_dir, [], verbose=True)
    assert path.parent == log_dir
    assert path.name.startswith("sync_") and path.suffix == ".log" and len(path.stem) == len("sync_20261126")
    assert worklead_logger.current_log_file() == path


def test_ordinary_words_around_secrets_survive_redaction() -> None:
    text = "the key was not set; status NEW -> CONTACTED; monkey=banana"
    assert redact(text) == text


def test_library_http_lines_reach_the_log_only_when_verbose(log_dir: Path) -> None:
    setup_logging(log_dir, [])
    logging.getLogger("urllib3.connectionpool").debug("Starting new HTTPS connection (1): api.trello.com:443")
    logging.getLogger("worklead.http").debug("GET https://api.trello.com/1/boards/x -> 200 (attempt 1)")
    logging.getLogger("worklead.sync").debug("planned create_card: lead 1")
    quiet = log_text(log_dir)
    assert "Starting new HTTPS" not in quiet and "-> 200 (attempt 1)" not in quiet
    assert "planned create_card: lead 1" in quiet
    setup_logging(log_dir, [], verbose=True)
    logging.getLogger("worklead.http").debug("GET https://api.trello.com/1/boards/y -> 200 (attempt 1)")
    assert "boards/y -> 200" in log_text(log_dir)


def test_the_log_folder_keeps_fourteen_days(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    today = datetime.now()
    for age in (0, 13, 14, 30):
        (log_dir / f"sync_{today - timedelta(days=age):%Y%m%d}.log").write_text("x\n")
    (log_dir / "notes.log").write_text("not ours\n")
    remove_old_logs(log_dir, today)
    kept = sorted(p.name for p in log_dir.iterdir())
    assert kept == sorted([f"sync_{today:%Y%m%d}.log", f"sync_{today - timedelta(days=13):%Y%m%d}.log",
                           "notes.log"])
