"""`doctor`: check the setup step by step and say how to fix each failure.

Each check runs only if the ones it depends on passed, so the first FAIL is
the one to fix.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from core.errors import BadCredentialsError, BadLayoutError, WorkLeadError
from core.logger import FILE_ONLY
from core.models import REQUIRED_COLUMNS

if TYPE_CHECKING:
    from cli.services import Services

log = logging.getLogger(__name__)

TRELLO_CREDENTIALS_FIX = ("copy the API key from https://trello.com/power-ups/admin and generate a new token "
                          "with its Token link; put them in TRELLO_API_KEY and TRELLO_TOKEN.")
HEADER_FIX = f"row 1 of the worksheet must hold the columns {', '.join(REQUIRED_COLUMNS)} (any order)."
LISTS_FIX = "run `python main.py doctor --fix` to create them, or add them on the board by hand."
ARCHIVED_LISTS_FIX = ("run `python main.py doctor --fix` to unarchive the archived ones (and create any others), "
                      "or unarchive them on the board by hand.")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""


class Doctor:
    def __init__(self, services: Services, fix: bool = False) -> None:
        self.services = services
        self.fix = fix
        self.checks: list[Check] = []

    @property
    def all_ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def run(self) -> list[Check]:
        settings = self._settings()
        if settings is not None:
            sheet = self._sheet()
            if sheet is not None:
                self._write_access(sheet)
            board = self._board()
            if board is not None:
                self._lists(board, settings)
        return self.checks

    def _add(self, name: str, ok: bool, detail: str = "", fix: str = "") -> None:
        self.checks.append(Check(name, ok, detail, fix))

    def _settings(self) -> Optional[Any]:
        try:
            settings = self.services.settings()
        except WorkLeadError as exc:
            self._add("Settings", False, exc.message)  # the sentence already says how to fix it
            return None
        where = " (local sandbox)" if getattr(settings, "sandbox", False) else ""
        self._add("GOOGLE_CREDENTIALS_PATH", True, f"{settings.google_credentials_path}{where}")
        self._add("SPREADSHEET_ID", True, settings.spreadsheet_id)
        self._add("WORKSHEET", True, settings.worksheet or "the first worksheet")
        self._add("TRELLO_API_KEY, TRELLO_TOKEN", True, "set")
        self._add("TRELLO_BOARD_ID", True, settings.trello_board_id)
        self._add("MAPPING_FILE", True, str(settings.mapping_file))
        return settings

    def _sheet(self) -> Optional[Any]:
        """Open the sheet by reading it: Sheets (unlike Drive) says 403 and who to share with."""
        opens = "Google Sheets reachable, sheet opens"
        sheet = self._attempt("Service-account key", lambda: (self.services.sheet(), "usable"))
        if sheet is None:
            return None
        try:
            snapshot = sheet.read()
        except BadLayoutError as exc:
            self._add(opens, True)
            self._add("Sheet header", False, exc.message, HEADER_FIX)
            return sheet
        except WorkLeadError as exc:
            self._add(opens, False, exc.message)  # its sentence names the setting, or whom to share with
            return None
        self._add(opens, True, f"worksheet '{snapshot.title}'")
        self._add("Sheet header", True, f"{len(snapshot.leads)} leads")
        return sheet

    def _write_access(self, sheet: Any) -> None:
        self._attempt("Sheet write access", lambda: (sheet.check_write_access(), "can edit"),
                      lambda exc: _share_fix(sheet))

    def _board(self) -> Optional[Any]:
        return self._attempt("Trello reachable, board opens", lambda: _board_opened(self.services.board()),
                             _trello_fix)

    def _lists(self, board: Any, settings: Any) -> None:
        wanted = settings.status_map.list_names
        try:
            if self.fix:
                # Two `doctor --fix` at once (or one during a sync) would each create the lists.
                from core.mapping import MappingStore

                with MappingStore(settings.mapping_file).lock():
                    self._fix_lists(board, wanted)
                return
            missing = board.missing_lists(wanted)
            archived = board.archived_lists(missing)
        except WorkLeadError as exc:
            self._add("Trello lists", False, exc.message, _trello_fix(exc))
            return
        if missing:
            self._add("Trello lists", False, _missing_detail(missing, archived),
                      ARCHIVED_LISTS_FIX if archived else LISTS_FIX)
        else:
            self._add("Trello lists", True, ", ".join(wanted))

    def _fix_lists(self, board: Any, wanted: list[str]) -> None:
        """Bring archived lists back rather than make a second list of the same name; create the rest."""
        missing = board.missing_lists(wanted)
        archived = board.archived_lists(missing)
        for list_id in archived.values():
            board.unarchive_list(list_id)
        created = [name for name in missing if name not in archived]
        board.create_lists(created)
        done = ([f"unarchived {', '.join(archived)} (it was archived on the board)"] if archived else []) + \
               ([f"created {', '.join(created)}"] if created else [])
        self._add("Trello lists", True, "; ".join(done) or ", ".join(wanted))

    def _attempt(self, name: str, step: Callable[[], tuple[Any, str]],
                 fix: Callable[[BaseException], str] = lambda exc: "") -> Any:
        """Run one check; a WorkLeadError is a FAIL with its sentence, anything else too (logged)."""
        try:
            outcome = step()
        except WorkLeadError as exc:
            self._add(name, False, exc.message, fix(exc))
            return None
        except Exception as exc:  # doctor must finish its list whatever one check hits
            log.error("doctor: %s failed unexpectedly", name, exc_info=True, extra=FILE_ONLY)
            self._add(name, False, f"unexpected {type(exc).__name__}", "see the log file for details.")
            return None
        value, detail = outcome
        self._add(name, True, detail)
        return value


def _missing_detail(missing: list[str], archived: dict[str, str]) -> str:
    gone = [name for name in missing if name not in archived]
    parts = ([f"archived {', '.join(archived)}"] if archived else []) + ([f"missing {', '.join(gone)}"] if gone else [])
    return "; ".join(parts)


def _board_opened(board: Any) -> tuple[Any, str]:
    """The client, once one cheap request proved the key, the token and the board id good."""
    stamp = board.last_activity()
    return board, f"last changed {stamp}" if stamp else ""


def _trello_fix(exc: BaseException) -> str:
    return TRELLO_CREDENTIALS_FIX if isinstance(exc, BadCredentialsError) else ""


def _share_fix(sheet: Any) -> str:
    email = getattr(sheet, "service_account_email", "") or "the service account's e-mail"
    return f"open the sheet, Share, and add {email} as Editor."
