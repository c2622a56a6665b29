"""The lead sheet (Google Sheets, through gspread): read whole, write in batches.

Requests per operation: read 1 values GET (without WORKSHEET, a range with no
sheet name: Google's A1 notation addresses the first visible worksheet, and the
answer names it); write_cells 1; append_rows 1 (plus one metadata GET when no
read came first); delete_rows 1 re-read + 1 :batchUpdate (plus the metadata GET
for the sheet id, once); modified_time 1 (Drive).
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Optional

import google.auth.exceptions
import requests
from gspread.exceptions import APIError, GSpreadException
from gspread.urls import DRIVE_FILES_API_V3_URL, SPREADSHEET_URL
from gspread.utils import a1_to_rowcol, rowcol_to_a1

from clients.http import GoogleSession, build_google_session, google_credentials, gspread_client, not_json, retry_after
from core.config import Settings
from core.control import LIMIT, RETRY, RunControl, Wait
from core.errors import (
    AccessDeniedError,
    BadCredentialsError,
    BadLayoutError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
    WorkLeadError,
)
from core.models import REQUIRED_COLUMNS, CellUpdate, Lead, SheetSnapshot

# Every column Sheets allows, every row, of the worksheet a range without a sheet name addresses.
FIRST_VISIBLE_SHEET = "A:ZZZ"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    return rowcol_to_a1(1, index + 1)[:-1]


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def sheet_of_range(a1_range: str) -> str:
    """'My Sheet' from "'My Sheet'!A1:Z1000" (the range an answer names), `Leads` from `Leads!A1:F9`."""
    name = a1_range.rpartition("!")[0] if "!" in a1_range else a1_range
    if len(name) >= 2 and name[0] == name[-1] == "'":
        name = name[1:-1].replace("''", "'")
    return name


class GoogleSheet:
    """One spreadsheet's lead worksheet."""

    def __init__(self, settings: Settings, session: GoogleSession) -> None:
        self.settings = settings
        self.spreadsheet_id = settings.spreadsheet_id
        self.service_account_email: str = session.credentials.service_account_email
        self.session = session
        self._http = gspread_client(settings, session).http_client
        self._title: Optional[str] = settings.worksheet
        self._sheet_id: Optional[int] = None
        self._header: Optional[list[str]] = None

    @classmethod
    def from_settings(cls, settings: Settings, control: Optional[RunControl] = None) -> "GoogleSheet":
        try:
            credentials = google_credentials(settings)
        except (ValueError, OSError, KeyError):
            raise BadCredentialsError(
                f"GOOGLE_CREDENTIALS_PATH ({settings.google_credentials_path}) is not a usable service-account"
                " key: download a new JSON key for the service account and point GOOGLE_CREDENTIALS_PATH to it."
            ) from None
        return cls(settings, build_google_session(settings, credentials, control))

    # -- reading ------------------------------------------------------------------
    def read(self) -> SheetSnapshot:
        """The whole worksheet as typed leads with their row numbers, in one request."""
        # Without a title yet, no metadata request: an unnamed range is the first visible worksheet.
        whole = quote_title(self._title) if self._title is not None else FIRST_VISIBLE_SHEET
        with self._translated():
            data = self._http.values_get(self.spreadsheet_id, whole)
        if self._title is None:
            self._title = sheet_of_range(str(data.get("range", "")))
        return self._snapshot(self._title, data.get("values", []))

    def _snapshot(self, title: str, rows: list[list[str]]) -> SheetSnapshot:
        header = [str(c) for c in rows[0]] if rows else []
        columns = self._columns(title, header)
        self._header = header
        index = {name: _column_index(letter) for name, letter in columns.items()}
        leads = []
        for number, row in enumerate(rows[1:], start=2):
            cells = {name: (str(row[i]).strip() if i < len(row) else "") for name, i in index.items()}
            if not any(cells.values()):
                continue  # blank rows are skipped; the numbers of the rows below stay true
            whole = tuple(str(c) for c in row) + ("",) * (len(header) - len(row))
            leads.append(Lead(row=number, id=cells["id"], name=cells["name"], email=cells["email"],
                              status=cells["status"], source=cells["source"], card_id=cells["trello_card_id"],
                              cells=whole))
        return SheetSnapshot(title=title, header=header, leads=leads, columns=columns)

    def _columns(self, title: str, header: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        twice: dict[str, list[str]] = {}
        for i, name in enumerate(header):
            key = name.strip().lower()
            if key in found and key in REQUIRED_COLUMNS:
                twice.setdefault(key, [found[key]]).append(column_letter(i))
            found.setdefault(key, column_letter(i))
        if twice:
            where = "; ".join(f"{name} in columns {', '.join(letters)}" for name, letters in twice.items())
            raise BadLayoutError(
                f"Row 1 of worksheet '{title}' has a column more than once ({where}): keep one of each, "
                f"so WorkLead knows which cell to read and write.")
        missing = [c for c in REQUIRED_COLUMNS if c not in found]
        if missing:
            raise BadLayoutError(
                f"Row 1 of worksheet '{title}' lacks the column{'s' if len(missing) > 1 else ''}"
                f" {', '.join(missing)}: add {'them' if len(missing) > 1 else 'it'} to the header row"
                f" (needed: {', '.join(REQUIRED_COLUMNS)}, in any order)."
            )
        return {c: found[c] for c in REQUIRED_COLUMNS}

    # -- writing ------------------------------------------------------------------
    def write_cells(self, updates: list[CellUpdate]) -> None:
        """All cell writes in one values:batchUpdate, RAW so no text becomes a formula."""
        if not updates:
            return
        title = self._worksheet_title()
        columns = self._known_columns()
        data = [{"range": f"{quote_title(title)}!{columns[u.column]}{u.row}", "values": [[u.value]]}
                for u in updates]
        with self._translated():
            self._http.values_batch_update(self.spreadsheet_id, {"valueInputOption": "RAW", "data": data})

    def write_placed(self, place: Callable[[SheetSnapshot], list[CellUpdate]],
                     snapshot: Optional[SheetSnapshot] = None) -> None:
        """Cells placed by `place` on a read of the sheet, written in one request.

        `snapshot` is a read taken with no wait since (else the sheet is read now). When
        Google refuses the write (429) the wait is followed by a fresh read and a fresh
        placement, never by the same cells again: rows inserted, deleted or sorted during
        the wait shift nothing.
        """
        for attempt in range(1, self.session.policy.attempts + 1):
            snapshot = snapshot or self.read()
            cells = place(snapshot)
            if not cells:
                return
            try:
                with self.session.refusals_handed_back():
                    self.write_cells(cells)
                return
            except RateLimitedError as err:
                if attempt == self.session.policy.attempts or not self._wait_out(err, attempt):
                    raise
                snapshot = None

    def _wait_out(self, err: RateLimitedError, attempt: int) -> bool:
        """Wait before the re-read a refused write needs: as Google asked, else until the quota's window frees."""
        policy = self.session.policy
        if err.retry_after is not None:
            wait, longest = Wait("Google", RETRY, err.retry_after), policy.max_retry_after
        else:  # at most one window of the quota: by then our whole count has left it
            wait = Wait("Google", LIMIT, self.session.writes_held_for() or policy.backoff(attempt))
            longest = max(policy.max_retry_after, self.settings.sheets_quota[1])
        if wait.seconds > longest:
            return False
        self.session.control.sleep(wait)  # Ctrl-C ends it (StopRequested)
        return True

    def append_rows(self, rows: list[dict[str, str]]) -> None:
        """Rows after the last one, each laid out by the header (other columns left blank)."""
        if not rows:
            return
        title = self._worksheet_title()
        header = self._known_header()
        keys = [h.strip().lower() for h in header]
        values = [[row.get(k, "") for k in keys] for row in rows]
        with self._translated():
            self._http.values_append(
                self.spreadsheet_id, f"{quote_title(title)}!A1",
                params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                body={"majorDimension": "ROWS", "values": values})

    def delete_rows(self, leads: list[Lead]) -> list[str]:
        """Delete the leads' rows, bottom-up, each only if it still holds that lead's id.

        The rows are found on a read just before; after a refusal (429) the sheet is read again.
        """
        if not leads:
            return []
        sheet_id = self._worksheet_id()
        for attempt in range(1, self.session.policy.attempts + 1):
            current = {lead.row: lead.id for lead in self.read().leads}
            doomed = sorted({lead.row: lead for lead in leads
                             if lead.id and current.get(lead.row) == lead.id}.values(),
                            key=lambda lead: lead.row, reverse=True)
            if not doomed:
                return []
            requests_ = [{"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS",
                                                        "startIndex": lead.row - 1, "endIndex": lead.row}}}
                         for lead in doomed]
            try:
                with self._translated(), self.session.refusals_handed_back():
                    self._http.batch_update(self.spreadsheet_id, {"requests": requests_})
                return [lead.id for lead in doomed]
            except RateLimitedError as err:
                if attempt == self.session.policy.attempts or not self._wait_out(err, attempt):
                    raise
        return []

    # -- the pair's lease (developer metadata under a fixed id) ----------------------
    def create_lease(self, value: str) -> bool:
        try:
            self._batch([_create_lease(value)])
        except _LeaseRefused:
            return False
        return True

    def replace_lease(self, old: str, new: str) -> bool:
        # One batch is all or nothing: when the entry no longer holds `old`, nothing is deleted and
        # the create is refused (the id is taken), so two runs can never both take over.
        try:
            self._batch([_delete_lease(old), _create_lease(new)])
        except _LeaseRefused:
            return False
        return True

    def lease_value(self) -> Optional[str]:
        url = f"{SPREADSHEET_URL % self.spreadsheet_id}/developerMetadata/{LEASE_METADATA_ID}"
        try:
            with self._translated():
                return str(self._http.request("get", url).json().get("metadataValue", ""))
        except NotFoundError:
            return None

    def delete_lease(self, value: str) -> None:
        with self.session.despite_stop():  # a run stopped by Ctrl-C still lets the next one in
            self._batch([_delete_lease(value)])

    def _batch(self, requests_: list[dict[str, Any]]) -> None:
        with self._translated():
            try:
                self._http.batch_update(self.spreadsheet_id, {"requests": requests_})
            except APIError as exc:
                message = str(exc.error.get("message", "")) if isinstance(exc.error, dict) else ""
                if exc.code == 400 and str(LEASE_METADATA_ID) in message:  # the id is taken
                    raise _LeaseRefused() from None
                raise

    # -- checks -------------------------------------------------------------------
    def modified_time(self) -> str:
        """Drive's modifiedTime of the spreadsheet: cheap change detection for `watch`."""
        with self._translated():
            response = self._http.request("get", f"{DRIVE_FILES_API_V3_URL}/{self.spreadsheet_id}",
                                          params={"fields": "modifiedTime", "supportsAllDrives": "true"})
            # Parsed inside the translation: a non-JSON answer is our error, not a raw JSONDecodeError.
            return str(response.json().get("modifiedTime", ""))

    def check_write_access(self) -> None:
        """Raise AccessDeniedError unless the service account may edit the sheet (changes nothing)."""
        with self._translated():
            self._http.values_batch_update(self.spreadsheet_id, {"valueInputOption": "RAW", "data": []})

    # -- metadata, fetched only when needed ---------------------------------------
    def _worksheet_title(self) -> str:
        if self._title is None:
            self._load_metadata()
        assert self._title is not None
        return self._title

    def _worksheet_id(self) -> int:
        if self._sheet_id is None:
            self._load_metadata()
        assert self._sheet_id is not None
        return self._sheet_id

    def _load_metadata(self) -> None:
        with self._translated():
            meta = self._http.fetch_sheet_metadata(
                self.spreadsheet_id, params={"fields": "sheets.properties(sheetId,title,index,hidden)"})
        sheets = [s.get("properties", {}) for s in meta.get("sheets", [])]
        sheets.sort(key=lambda p: p.get("index", 0))
        chosen = _pick_sheet(sheets, self.settings.worksheet or self._title)
        if chosen is None:
            raise NotFoundError(self._no_worksheet_message(sheets))
        self._title, self._sheet_id = chosen["title"], int(chosen.get("sheetId", 0))

    def _no_worksheet_message(self, sheets: list[dict[str, Any]]) -> str:
        if not sheets:
            return f"Spreadsheet {self.spreadsheet_id} has no worksheets: add one with the lead header in row 1."
        names = ", ".join(f"'{s.get('title')}'" for s in sheets)
        return (f"Worksheet '{self.settings.worksheet}' was not found in spreadsheet {self.spreadsheet_id}:"
                f" set WORKSHEET to one of {names}, or remove it to use the first worksheet.")

    def _known_header(self) -> list[str]:
        if self._header is None:
            self.read()
        assert self._header is not None
        return self._header

    def _known_columns(self) -> dict[str, str]:
        return self._columns(self._worksheet_title(), self._known_header())

    # -- errors ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """gspread, google-auth and requests errors as our own, with no secret and no URL."""
        try:
            yield
        except WorkLeadError:
            raise
        except APIError as exc:
            raise self._api_error(exc) from None
        except google.auth.exceptions.RefreshError as exc:
            raise self._refresh_error(exc) from None
        except requests.JSONDecodeError as exc:  # before RequestException: it is one, but an answer came
            raise not_json("Google", "GOOGLE_API_URL", exc) from None
        except (google.auth.exceptions.TransportError, requests.RequestException):
            raise ServiceUnavailableError(
                "Could not reach Google (no answer or the connection dropped, after retries): check the"
                " network connection, or GOOGLE_API_URL if it is set, and try again.") from None
        except (GSpreadException, google.auth.exceptions.GoogleAuthError, ValueError) as exc:
            raise ServiceUnavailableError(
                f"Google Sheets gave an answer WorkLead could not use ({type(exc).__name__}): try again.") from None

    def _api_error(self, exc: APIError) -> WorkLeadError:
        code = exc.response.status_code if exc.response is not None else exc.code
        message = str(exc.error.get("message", "")) if isinstance(exc.error, dict) else ""
        sheet = self.spreadsheet_id
        if code == 401:
            return BadCredentialsError(
                "Google did not accept the service account's access token: check that GOOGLE_CREDENTIALS_PATH"
                " points to a current key of a service account that still exists.")
        if code == 403 and ("has not been used" in message or "disabled" in message.lower()):
            return AccessDeniedError(
                "The Google Sheets API (or Drive API) is not enabled for the service account's project: enable it"
                " in the Google Cloud console under APIs & Services, then try again.")
        if code == 403:
            email = self.service_account_email
            return AccessDeniedError(
                f"The service account {email} cannot open spreadsheet {sheet}: share the sheet with {email}"
                " as Editor.")
        if code == 404:
            return NotFoundError(
                f"Spreadsheet {sheet} was not found: check SPREADSHEET_ID (the id from the sheet's URL,"
                " docs.google.com/spreadsheets/d/<id>/edit).")
        if code == 400 and "Unable to parse range" in message and self.settings.worksheet:
            return NotFoundError(
                f"Worksheet '{self.settings.worksheet}' was not found in spreadsheet {sheet}: set WORKSHEET to"
                " the title of an existing worksheet, or remove it to use the first worksheet.")
        if code == 429:
            return RateLimitedError(
                "Google Sheets kept refusing requests for exceeding its quota (60 per minute per user),"
                " even after waiting: wait a minute and try again.",
                retry_after(exc.response) if exc.response is not None else None)
        if code >= 500 or code == -1:
            return ServiceUnavailableError(
                f"Google Sheets kept failing (HTTP {code}) after retries: try again later.")
        return ServiceUnavailableError(f"Google Sheets refused a request (HTTP {code}): {message}")

    def _refresh_error(self, exc: google.auth.exceptions.RefreshError) -> WorkLeadError:
        if getattr(exc, "retryable", False):
            return ServiceUnavailableError(
                "Google's sign-in service kept failing after retries: try again later.")
        return BadCredentialsError(
            f"Google refused the service-account key in GOOGLE_CREDENTIALS_PATH"
            f" ({self.settings.google_credentials_path}): the key may have been deleted or revoked; create a new"
            " JSON key for the service account and point GOOGLE_CREDENTIALS_PATH to it.")


LEASE_METADATA_ID = 1464619844  # fixed: while the entry exists, a second create with this id is refused
LEASE_KEY = "worklead.lease"


class _LeaseRefused(Exception):
    """The service refused to create the lease entry: another holder's entry has the id."""


def _create_lease(value: str) -> dict[str, Any]:
    return {"createDeveloperMetadata": {"developerMetadata": {
        "metadataId": LEASE_METADATA_ID, "metadataKey": LEASE_KEY, "metadataValue": value,
        "location": {"spreadsheet": True}, "visibility": "DOCUMENT"}}}


def _delete_lease(value: str) -> dict[str, Any]:
    return {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
        "metadataId": LEASE_METADATA_ID, "metadataValue": value}}}}


def _pick_sheet(sheets: list[dict[str, Any]], wanted: Optional[str]) -> Optional[dict[str, Any]]:
    if not wanted:  # the one a range without a sheet name addresses
        visible = [p for p in sheets if not p.get("hidden")] or sheets
        return visible[0] if visible else None
    for props in sheets:
        if props.get("title") == wanted:
            return props
    return None



def _column_index(letters: str) -> int:
    return a1_to_rowcol(f"{letters}1")[1] - 1
