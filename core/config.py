"""Settings from the environment and `.env`, validated into one frozen object.

Every problem is reported as one plain sentence that names the setting and
says how to fix it; all problems found are reported together.
"""
from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import unquote, urlsplit

from dotenv import dotenv_values

from core.errors import SettingsError, StatusMapError
from core.models import StatusMap

# Settings that say "use a real Google sheet and Trello board". With none of
# them the CLI falls back to the sandbox; with some of them the rest must follow.
REQUIRED_SERVICE_SETTINGS: tuple[str, ...] = ("SPREADSHEET_ID", "TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_BOARD_ID")
SERVICE_SETTINGS: tuple[str, ...] = REQUIRED_SERVICE_SETTINGS + ("GOOGLE_CREDENTIALS_PATH", "WORKSHEET")

DEFAULT_CREDENTIALS_PATH = "credentials.json"
DEFAULT_MAPPING_FILE = "data/mapping.json"
DEFAULT_LOG_DIR = "logs"
DEFAULT_CONFLICT_WINNER = "trello"
DEFAULT_MAX_DELETE_PERCENT = 50.0
DEFAULT_TRELLO_RATE_LIMIT = 90  # Trello allows 100 per 10 s per token; keep a margin.
DEFAULT_SHEETS_QUOTA = (60, 60.0)  # Sheets: 60 reads and 60 writes per minute per user
TRELLO_RATE_WINDOW_SECONDS = 10.0

_HOW_TO_FIX: dict[str, str] = {
    "SPREADSHEET_ID": "put the id from the sheet's URL (docs.google.com/spreadsheets/d/<id>/edit)"
                      " in .env or the environment",
    "TRELLO_API_KEY": "copy your API key from https://trello.com/power-ups/admin (your Power-Up's API key page)"
                      " into .env or the environment",
    "TRELLO_TOKEN": "generate a token from your API key's page (the Token link) and put it in .env or the environment",
    "TRELLO_BOARD_ID": "put the board's short link from its URL (trello.com/b/<id>/...) or its long id"
                       " in .env or the environment",
}
# Google's spreadsheet ids and Trello's board ids and short links; anything else
# (a query string, a path) would be pasted into an API path as it stands.
_ID_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "SPREADSHEET_ID": (re.compile(r"^[A-Za-z0-9_-]+$"), "letters, digits, - and _ only"),
    "TRELLO_BOARD_ID": (re.compile(r"^[A-Za-z0-9]+$"), "letters and digits only"),
}
# The values .env.example ships with (`your_spreadsheet_id_here`).
_PLACEHOLDER_RE = re.compile(r"^your_[a-z_]*_here$", re.IGNORECASE)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped; Retry-After wins when the server sends one.

    Our own loop rather than urllib3's Retry: the decision depends on which
    POSTs are safe to repeat (a URL question), on whether a connection error
    happened before the request was sent, and the Trello rate limiter must
    count every attempt; urllib3's Retry sees none of that.
    """

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a longer wait is reported (RateLimitedError), not slept through

    def backoff(self, attempt: int) -> float:
        return random.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Settings:
    google_credentials_path: Path
    spreadsheet_id: str
    worksheet: Optional[str]
    trello_api_key: str = field(repr=False)
    trello_token: str = field(repr=False)
    trello_board_id: str
    mapping_file: Path
    conflict_winner: str
    status_map: StatusMap
    max_delete_percent: float
    google_api_url: Optional[str]
    trello_api_url: Optional[str]
    log_dir: Path
    trello_rate_limit: int = DEFAULT_TRELLO_RATE_LIMIT
    # Google's Sheets quota per user, for reads and for writes each: (requests, seconds).
    sheets_quota: tuple[int, float] = DEFAULT_SHEETS_QUOTA
    sandbox: bool = False
    # Not read from the environment: tests shrink it together with the sandbox's limit scale.
    trello_rate_window: float = TRELLO_RATE_WINDOW_SECONDS
    # Not read from the environment either: tests shorten the waits between retries, never the attempts.
    retry_policy: RetryPolicy = RetryPolicy()
    # How long the pair's lease lasts unless renewed (not read from the environment; tests shorten it).
    lease_seconds: float = 600.0

    def secrets(self) -> list[str]:
        """Every secret value these settings lead to, for log and message redaction."""
        found = [self.trello_api_key, self.trello_token]
        found += url_credentials(self.google_api_url) + url_credentials(self.trello_api_url)
        private_key = _private_key_text(self.google_credentials_path)
        if private_key:
            found.append(private_key)
            # Log lines may hold the key's lines one by one (e.g. escaped JSON).
            found += [line for line in private_key.splitlines() if len(line) >= 16 and "-----" not in line]
        return [s for s in found if s]


def load_settings(env: Optional[Mapping[str, str]] = None, env_file: Optional[Path] = Path(".env"),
                  overrides: Optional[Mapping[str, str]] = None) -> Settings:
    """Settings from `overrides`, then the environment, then `.env`; raises SettingsError."""
    values = _merged(env, env_file, overrides)
    problems: list[str] = []
    missing = [name for name in REQUIRED_SERVICE_SETTINGS if not values.get(name)]
    problems += [f"{name} is not set: {_HOW_TO_FIX[name]}." for name in missing]
    problems += _placeholders_and_shapes(values)

    credentials_path = Path(values.get("GOOGLE_CREDENTIALS_PATH") or DEFAULT_CREDENTIALS_PATH)
    problems += _check_credentials_file(credentials_path)
    conflict_winner = (values.get("CONFLICT_WINNER") or DEFAULT_CONFLICT_WINNER).strip().lower()
    if conflict_winner not in ("trello", "sheet"):
        problems.append(f"CONFLICT_WINNER is '{values['CONFLICT_WINNER']}': set it to trello or sheet.")
    status_map, problem = _status_map(values.get("STATUS_MAP"))
    problems += problem
    max_delete, problem = _percent(values.get("MAX_DELETE_PERCENT"))
    problems += problem
    rate_limit, problem = _rate_limit(values.get("TRELLO_RATE_LIMIT"))
    problems += problem
    sheets_quota, problem = _sheets_quota(values.get("SHEETS_QUOTA"))
    problems += problem
    urls = {}
    for name in ("GOOGLE_API_URL", "TRELLO_API_URL"):
        urls[name], problem = _base_url(name, values.get(name))
        problems += problem
    if problems:
        raise SettingsError("\n".join(problems), problems)
    return Settings(
        google_credentials_path=credentials_path,
        spreadsheet_id=values["SPREADSHEET_ID"],
        worksheet=values.get("WORKSHEET") or None,
        trello_api_key=values["TRELLO_API_KEY"],
        trello_token=values["TRELLO_TOKEN"],
        trello_board_id=values["TRELLO_BOARD_ID"],
        mapping_file=Path(values.get("MAPPING_FILE") or DEFAULT_MAPPING_FILE),
        conflict_winner=conflict_winner,
        status_map=status_map,
        max_delete_percent=max_delete,
        google_api_url=urls["GOOGLE_API_URL"],
        trello_api_url=urls["TRELLO_API_URL"],
        log_dir=Path(values.get("LOG_DIR") or DEFAULT_LOG_DIR),
        trello_rate_limit=rate_limit,
        sheets_quota=sheets_quota,
    )


def _placeholders_and_shapes(values: Mapping[str, str]) -> list[str]:
    problems = []
    for name in REQUIRED_SERVICE_SETTINGS:
        value = values.get(name)
        if not value:
            continue
        if _PLACEHOLDER_RE.match(value):
            problems.append(f"{name} is still the placeholder '{value}' copied from .env.example: "
                            f"{_HOW_TO_FIX[name]}.")
        elif name in _ID_SHAPES and not _ID_SHAPES[name][0].match(value):
            problems.append(f"{name} is '{value}', which is not an id ({_ID_SHAPES[name][1]}): "
                            f"{_HOW_TO_FIX[name]}.")
    return problems


def has_service_settings(env: Optional[Mapping[str, str]] = None, env_file: Optional[Path] = Path(".env")) -> bool:
    """Whether any Google or Trello setting is present (none at all means: use the sandbox)."""
    values = _merged(env, env_file, None)
    return any(values.get(name) for name in SERVICE_SETTINGS)


def _merged(env: Optional[Mapping[str, str]], env_file: Optional[Path],
            overrides: Optional[Mapping[str, str]]) -> dict[str, str]:
    """`.env` first, the real environment over it, `overrides` over both; blanks count as unset."""
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in _env_file_values(Path(env_file)).items() if v is not None})
    merged.update(os.environ if env is None else env)
    merged.update(overrides or {})
    return {k: v.strip() for k, v in merged.items() if isinstance(v, str) and v.strip()}


def _env_file_values(path: Path) -> dict[str, Optional[str]]:
    try:
        return dict(dotenv_values(path, encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
                            f"{exc.start}): save it as UTF-8.") from None
    except OSError as exc:
        raise SettingsError(f"{path} cannot be read ({exc.strerror or exc}).") from None


def _check_credentials_file(path: Path) -> list[str]:
    fix = "download a JSON key for your service account (Google Cloud console, IAM, Service accounts, Keys)"
    if path.is_dir():
        return [f"GOOGLE_CREDENTIALS_PATH points to {path}, which is a folder, not a key file: {fix} "
                f"and set the path to the file."]
    if path.exists() and not path.is_file():
        return [f"GOOGLE_CREDENTIALS_PATH points to {path}, which is not a regular file: {fix} "
                f"and set the path to the file."]
    if not path.is_file():
        return [f"GOOGLE_CREDENTIALS_PATH points to {path}, which does not exist: {fix} and set the path to it."]
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return [f"GOOGLE_CREDENTIALS_PATH points to {path}, which is not a readable JSON file: {fix}."]
    needed = ("client_email", "private_key", "token_uri")
    if not isinstance(info, dict) or info.get("type") != "service_account" or not all(info.get(k) for k in needed):
        return [f"GOOGLE_CREDENTIALS_PATH points to {path}, which is not a service-account key: {fix}."]
    wrong = [k for k in needed if not isinstance(info[k], str)]
    if wrong:
        return [f"GOOGLE_CREDENTIALS_PATH points to {path}, whose {', '.join(wrong)} is not text, so it is "
                f"not a service-account key as Google issues them: {fix}."]
    return []


def _private_key_text(path: Path) -> Optional[str]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    key = info.get("private_key") if isinstance(info, dict) else None
    return key if isinstance(key, str) else None


def _status_map(text: Optional[str]) -> tuple[StatusMap, list[str]]:
    try:
        return StatusMap.parse(text), []
    except StatusMapError as exc:
        return StatusMap(), [f"STATUS_MAP is not valid ({exc}): write it as"
                             " NEW=list,CONTACTED=list,QUALIFIED=list,LOST=list with four different list names."]


def _percent(text: Optional[str]) -> tuple[float, list[str]]:
    if text is None:
        return DEFAULT_MAX_DELETE_PERCENT, []
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 100.0:
        return DEFAULT_MAX_DELETE_PERCENT, [f"MAX_DELETE_PERCENT is '{text}': set it to a number from 0 to 100."]
    return value, []


def _rate_limit(text: Optional[str]) -> tuple[int, list[str]]:
    if text is None:
        return DEFAULT_TRELLO_RATE_LIMIT, []
    # isdigit() alone accepts '²', which int() refuses.
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        return DEFAULT_TRELLO_RATE_LIMIT, [f"TRELLO_RATE_LIMIT is '{text}': set it to a whole number of requests"
                                           " per 10 seconds, at least 1 (Trello allows 100)."]
    return int(text), []


def _sheets_quota(text: Optional[str]) -> tuple[tuple[int, float], list[str]]:
    if text is None or not text.strip():
        return DEFAULT_SHEETS_QUOTA, []
    count, _, seconds = text.strip().partition("/")
    try:
        quota = (int(count.strip()), float(seconds.strip()))
    except ValueError:
        quota = (0, 0.0)
    if not (count.strip().isascii() and quota[0] >= 1 and 0.1 <= quota[1] <= 3600):
        return DEFAULT_SHEETS_QUOTA, [f"SHEETS_QUOTA is '{text}': set it to requests/seconds, such as 60/60"
                                      " (Google's 60 reads and 60 writes per minute per user), or remove it."]
    return quota, []


def _base_url(name: str, text: Optional[str]) -> tuple[Optional[str], list[str]]:
    if text is None:
        return None, []
    what = _url_problem(text)
    if what:
        return None, [f"{name} is '{text}', {what}: set it to a base URL such as"
                      " http://127.0.0.1:8765, or remove it to use the real service."]
    return text.rstrip("/"), []


def _url_problem(text: str) -> str:
    """What is wrong with a base URL, or '' when it is a usable http(s) URL."""
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number or out of range
    except ValueError as exc:
        return f"which is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "which is not an http(s) URL"
    if not parts.hostname:
        return "which names no host"
    if parts.query or parts.fragment or any(c.isspace() for c in text):
        return "which has a query, fragment or space a base URL cannot have"
    return ""


def url_credentials(url: Optional[str]) -> list[str]:
    """The password and user name inside a URL, for redaction (the logger masks `://user:pass@` too)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        return [unquote(v) for v in (parts.password, parts.username) if v] + \
               [v for v in (parts.password, parts.username) if v]
    except ValueError:
        return []
