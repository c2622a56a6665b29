"""WorkLead's own errors: each carries one plain sentence a user can act on.

Clients translate gspread, google-auth, py-trello and requests exceptions into
these, so nothing raw (and no secret inside a raw message) reaches the user.
"""
from __future__ import annotations

from typing import Optional, Sequence


class WorkLeadError(Exception):
    """Base: `str(err)` is the user-facing sentence."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SettingsError(WorkLeadError):
    """A setting is missing or wrong (names the setting and the fix)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        # One sentence per problem found, when several were found at once.
        self.problems: list[str] = list(problems) or [message]


class StatusMapError(ValueError):
    """STATUS_MAP is not a one-to-one map of the four statuses to list names (becomes a SettingsError)."""


class NotFoundError(WorkLeadError):
    """A spreadsheet, worksheet, board, list or card does not exist."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        # The HTTP status that said so, when there was one: 404 means gone, 400 a malformed id.
        self.status = status


class AccessDeniedError(WorkLeadError):
    """The service refused access (for Sheets: names the e-mail to share with)."""


class BadCredentialsError(WorkLeadError):
    """A key, token or service-account key was rejected."""


class RateLimitedError(WorkLeadError):
    """The service kept answering 429 after our retries."""

    exit_code = 1

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the service asked to wait, when it said


class ServiceUnavailableError(WorkLeadError):
    """The service kept failing (5xx, timeouts, dropped connections) after retries."""

    exit_code = 1


class AmbiguousWriteError(ServiceUnavailableError):
    """A create may or may not have happened; never repeated blindly."""


class BadLayoutError(WorkLeadError):
    """The sheet header lacks required columns, or the board lacks required lists."""


class LockHeldError(WorkLeadError):
    """Another sync holds the lock."""

    exit_code = 3

