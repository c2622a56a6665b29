"""The Sheets/Drive state as plain objects: spreadsheets, their sheets, access tokens. No HTTP here."""
from __future__ import annotations

import copy
import datetime as dt
import random
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from sandbox.google import cells as cellmod
from sandbox.google import formulas
from sandbox.google.a1 import A1Error, Cells, parse_cells, split_sheet
from sandbox.google.exceptions import bad_range, invalid_argument, not_found, permission_denied
from sandbox.google.objects import NamedRange, ProtectedRange
from sandbox.google.worksheet import DEFAULT_COLUMNS, DEFAULT_ROWS, Worksheet


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    shared_with: list[str]
    created_time: float
    modified_time: float
    sheets: list[Worksheet] = field(default_factory=list)
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"
    auto_recalc: str = "ON_CHANGE"
    # Developer metadata by metadataId, each in the API's DeveloperMetadata shape.
    developer_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)

    def is_shared_with(self, email: str) -> bool:
        return email.lower() in (e.lower() for e in self.shared_with)

    def touch(self, now: float) -> None:
        # A strictly later time on every write, so a watcher never misses one.
        self.modified_time = max(now, self.modified_time + 0.001)

    # -- sheets ---------------------------------------------------------------------
    def sheet_by_title(self, title: str) -> Optional[Worksheet]:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()  # Sheets matches sheet names case-insensitively
        return next((s for s in self.sheets if s.title.lower() == lowered), None)

    def sheet_by_id(self, sheet_id: int) -> Optional[Worksheet]:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def first_sheet(self) -> Worksheet:
        return sorted(self.sheets, key=lambda s: s.index)[0]

    def first_visible_sheet(self) -> Worksheet:
        """What a range without a sheet name addresses in Google's A1 notation."""
        visible = [s for s in self.sheets if not s.hidden]
        return sorted(visible or self.sheets, key=lambda s: s.index)[0]

    def resolve(self, text: str) -> tuple[Worksheet, Optional[Cells]]:
        """The sheet and cells an A1 range names; no cells means the whole sheet."""
        try:
            name, cell_text = split_sheet(text)
        except A1Error:
            raise bad_range(text) from None
        if name is None:
            assert cell_text is not None
            sheet = self.sheet_by_title(cell_text)
            if sheet is not None:
                return sheet, None
            named = self.named_range(cell_text)
            if named is not None:
                return self.require_sheet(named.sheet_id), named.cells
            name, cell_text = self.first_visible_sheet().title, cell_text
        sheet = self.sheet_by_title(name)
        if sheet is None:
            raise bad_range(text)
        if cell_text is None:
            return sheet, None
        try:
            return sheet, parse_cells(cell_text)
        except A1Error:
            raise bad_range(text) from None

    # -- formulas --------------------------------------------------------------------------
    def evaluator(self, sheet: Worksheet) -> cellmod.Evaluate:
        """Evaluates formulas on `sheet`, following references into this spreadsheet's cells."""
        return lambda formula: cellmod.from_value(self._evaluate(sheet, formula, frozenset()))

    def _evaluate(self, sheet: Worksheet, formula: cellmod.Formula,
                  visiting: frozenset[tuple[int, int, int]]) -> formulas.Value:
        def read_range(name: Optional[str], cells: Cells) -> list[list[formulas.Value]]:
            target = sheet if name is None else self.sheet_by_title(name)
            if target is None:
                raise KeyError(name)
            bounded = target.bounded(cells)
            assert bounded.end_row is not None and bounded.end_col is not None
            return [[self._value_at(target, r, c, visiting) for c in range(bounded.start_col,
                                                                          min(bounded.end_col, len(target.rows[r])))]
                    for r in range(bounded.start_row, min(bounded.end_row, len(target.rows)))]

        def resolve_name(name: str) -> Optional[tuple[Optional[str], Cells]]:
            named = self.named_range(name)
            return None if named is None else (self.require_sheet(named.sheet_id).title, named.cells)

        return formulas.Evaluator(read_range, resolve_name).evaluate(formula.text)

    def _value_at(self, sheet: Worksheet, row: int, col: int,
                  visiting: frozenset[tuple[int, int, int]]) -> formulas.Value:
        cell = sheet.cell(row, col)
        if not isinstance(cell, cellmod.Formula):
            return cellmod.to_value(cell)
        key = (sheet.sheet_id, row, col)
        if key in visiting:
            return formulas.ErrorValue("#REF!")  # a circular reference
        return self._evaluate(sheet, cell, visiting | {key})

    # -- named and protected ranges -------------------------------------------------------
    def named_ranges(self) -> list[NamedRange]:
        return [n for s in sorted(self.sheets, key=lambda s: s.index) for n in s.named_ranges]

    def named_range(self, name: str) -> Optional[NamedRange]:
        lowered = name.strip().lower()  # names are matched case-insensitively, as in formulas
        return next((n for n in self.named_ranges() if n.name.lower() == lowered), None)

    def add_named_range(self, name: str, sheet_id: int, cells: Cells,
                        named_range_id: Optional[str] = None) -> NamedRange:
        sheet = self.require_sheet(sheet_id)
        if not _NAMED_RANGE.match(name) or _LOOKS_LIKE_A1.match(name) or name.lower() in ("true", "false"):
            raise invalid_argument(f"Invalid named range name: {name}")
        if self.named_range(name) is not None:
            raise invalid_argument(f"A named range with the name '{name}' already exists.")
        if named_range_id is not None and any(n.named_range_id == named_range_id for n in self.named_ranges()):
            raise invalid_argument(f"A named range with the id '{named_range_id}' already exists.")
        sheet.check_limits(sheet.bounded(cells))
        named = NamedRange(named_range_id or _new_object_id(), name, sheet.sheet_id, cells)
        sheet.named_ranges.append(named)
        return named

    def delete_named_range(self, named_range_id: str) -> None:
        self._delete_kept(lambda s: s.named_ranges, lambda n: n.named_range_id == named_range_id,
                          f"No named range with id: {named_range_id}")

    def _delete_kept(self, kept: Callable[[Worksheet], list[Any]], wanted: Callable[[Any], bool], missing: str) -> None:
        for sheet in self.sheets:
            items = kept(sheet)
            for item in items:
                if wanted(item):
                    items.remove(item)
                    return
        raise invalid_argument(missing)

    def add_protected_range(self, sheet_id: int, cells: Cells, description: str = "", warning_only: bool = False,
                            editors: Iterable[str] = ()) -> ProtectedRange:
        sheet = self.require_sheet(sheet_id)
        sheet.check_limits(sheet.bounded(cells))
        taken = {p.protected_range_id for s in self.sheets for p in s.protected_ranges}
        new_id = random.randint(1, 2**31 - 1)
        while new_id in taken:
            new_id = random.randint(1, 2**31 - 1)
        protected = ProtectedRange(new_id, sheet.sheet_id, cells, description, warning_only, list(editors))
        sheet.protected_ranges.append(protected)
        return protected

    def delete_protected_range(self, protected_range_id: int) -> None:
        self._delete_kept(lambda s: s.protected_ranges, lambda p: p.protected_range_id == protected_range_id,
                          f"No protected range with id: {protected_range_id}")

    def add_sheet(self, title: Optional[str] = None, rows: int = DEFAULT_ROWS, columns: int = DEFAULT_COLUMNS,
                  index: Optional[int] = None, sheet_id: Optional[int] = None, hidden: bool = False) -> Worksheet:
        if title is None:
            n = len(self.sheets) + 1
            while self.sheet_by_title(f"Sheet{n}"):
                n += 1
            title = f"Sheet{n}"
        if self.sheet_by_title(title) is not None:
            raise invalid_argument(f'A sheet with the name "{title}" already exists. Please enter another name.')
        if sheet_id is None:
            sheet_id = random.randint(1, 2**31 - 1)
            while self.sheet_by_id(sheet_id):
                sheet_id = random.randint(1, 2**31 - 1)
        elif self.sheet_by_id(sheet_id) is not None:
            raise invalid_argument(f"Sheet with id {sheet_id} already exists.")
        ordered = sorted(self.sheets, key=lambda s: s.index)
        position = len(ordered) if index is None else max(0, min(index, len(ordered)))
        sheet = Worksheet(sheet_id, title, position, rows, columns, hidden)
        ordered.insert(position, sheet)
        self._reindex(ordered)
        return sheet

    def delete_sheet(self, sheet_id: int) -> None:
        sheet = self.require_sheet(sheet_id)
        if len(self.sheets) == 1:
            raise invalid_argument("You can't remove all the sheets in a document.")
        self._reindex([s for s in sorted(self.sheets, key=lambda s: s.index) if s is not sheet])

    def move_sheet(self, sheet: Worksheet, index: int) -> None:
        ordered = [s for s in sorted(self.sheets, key=lambda s: s.index) if s is not sheet]
        ordered.insert(max(0, min(index, len(ordered))), sheet)
        self._reindex(ordered)

    def hide_sheet(self, sheet: Worksheet, hidden: bool) -> None:
        if hidden and all(s.hidden or s is sheet for s in self.sheets):
            raise invalid_argument("You can't hide all the sheets in a document.")
        sheet.hidden = hidden

    def rename_sheet(self, sheet: Worksheet, title: str) -> None:
        other = self.sheet_by_title(title)
        if other is not None and other is not sheet:
            raise invalid_argument(f'A sheet with the name "{title}" already exists. Please enter another name.')
        sheet.title = title

    def require_sheet(self, sheet_id: int) -> Worksheet:
        sheet = self.sheet_by_id(sheet_id)
        if sheet is None:
            raise invalid_argument(f"No grid with id: {sheet_id}")
        return sheet

    def _reindex(self, ordered: list[Worksheet]) -> None:
        for i, sheet in enumerate(ordered):
            sheet.index = i
        self.sheets = ordered

    # -- serialisation --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"spreadsheet_id": self.spreadsheet_id, "title": self.title, "shared_with": list(self.shared_with),
                "created_time": self.created_time, "modified_time": self.modified_time,
                "sheets": [s.to_dict() for s in self.sheets],
                "locale": self.locale, "time_zone": self.time_zone, "auto_recalc": self.auto_recalc,
                "developer_metadata": list(self.developer_metadata.values())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Spreadsheet":
        metadata = {int(m["metadataId"]): m for m in data.get("developer_metadata", [])}
        return cls(data["spreadsheet_id"], data["title"], list(data["shared_with"]), data["created_time"],
                   data["modified_time"], [Worksheet.from_dict(s) for s in data["sheets"]],
                   data.get("locale", "en_US"), data.get("time_zone", "Etc/GMT"),
                   data.get("auto_recalc", "ON_CHANGE"), metadata)


@dataclass
class Token:
    email: str
    expires_at: float


class GoogleBackend:
    """Every spreadsheet the sandbox holds, and the access tokens it has issued."""

    TOKEN_LIFETIME = 3600.0

    def __init__(self) -> None:
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.tokens: dict[str, Token] = {}

    # -- spreadsheets ---------------------------------------------------------------
    def add_spreadsheet(self, spreadsheet_id: Optional[str] = None, title: str = "Untitled spreadsheet",
                        shared_with: Iterable[str] = (), sheets: Optional[dict[str, list[list[Any]]]] = None,
                        now: float = 0.0) -> Spreadsheet:
        """A new spreadsheet; `sheets` maps titles to rows of values (default: an empty Sheet1)."""
        sid = spreadsheet_id or new_spreadsheet_id()
        book = Spreadsheet(sid, title, list(shared_with), now, now)
        for i, (name, rows) in enumerate((sheets or {"Sheet1": []}).items()):
            sheet = book.add_sheet(name, sheet_id=0 if i == 0 else None)
            if rows:
                self._fit(sheet, rows)
                sheet.write(0, 0, [[cellmod.from_input(v, user_entered=False) for v in line] for line in rows])
        self.spreadsheets[sid] = book
        return book

    @staticmethod
    def _fit(sheet: Worksheet, rows: list[list[Any]]) -> None:
        sheet.row_count = max(sheet.row_count, len(rows))
        sheet.column_count = max(sheet.column_count, max((len(r) for r in rows), default=0))

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        self.spreadsheets.pop(spreadsheet_id, None)

    def get(self, spreadsheet_id: str, email: str) -> Spreadsheet:
        """The spreadsheet if `email` may open it: 404 when unknown, 403 when not shared."""
        book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            raise not_found()
        if not book.is_shared_with(email):
            raise permission_denied()
        return book

    def find_by_name(self, email: str, name: Optional[str] = None) -> list[Spreadsheet]:
        books = [b for b in self.spreadsheets.values() if b.is_shared_with(email)]
        if name is not None:
            books = [b for b in books if b.title == name]
        return sorted(books, key=lambda b: -b.modified_time)

    def snapshot(self, book: Spreadsheet) -> Spreadsheet:
        return copy.deepcopy(book)

    def restore(self, book: Spreadsheet) -> None:
        """Put a snapshot's state back into the same objects, so that whoever holds the spreadsheet
        or one of its worksheets (the web view, tests) sees the state the failed request left."""
        current = self.spreadsheets.get(book.spreadsheet_id)
        if current is None:
            self.spreadsheets[book.spreadsheet_id] = book
            return
        kept = {sheet.sheet_id: sheet for sheet in current.sheets}
        sheets = []
        for saved in book.sheets:
            sheet = kept.get(saved.sheet_id, saved)
            sheet.__dict__.update(saved.__dict__)
            sheets.append(sheet)
        current.__dict__.update({**book.__dict__, "sheets": sheets})

    # -- tokens ---------------------------------------------------------------------
    def issue_token(self, email: str, now: float) -> str:
        self.tokens = {t: v for t, v in self.tokens.items() if v.expires_at > now}
        token = "ya29.sandbox-" + secrets.token_urlsafe(48)
        self.tokens[token] = Token(email, now + self.TOKEN_LIFETIME)
        return token

    def token_owner(self, token: str, now: float) -> Optional[str]:
        entry = self.tokens.get(token)
        if entry is None or entry.expires_at <= now:
            return None
        return entry.email

    # -- serialisation --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"spreadsheets": [b.to_dict() for b in self.spreadsheets.values()],
                "tokens": {t: [v.email, v.expires_at] for t, v in self.tokens.items()}}

    def load(self, data: dict[str, Any]) -> None:
        self.spreadsheets = {b["spreadsheet_id"]: Spreadsheet.from_dict(b) for b in data.get("spreadsheets", [])}
        self.tokens = {t: Token(v[0], float(v[1])) for t, v in data.get("tokens", {}).items()}

    def clear(self) -> None:
        self.spreadsheets.clear()
        self.tokens.clear()


_NAMED_RANGE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,249}\Z")
_LOOKS_LIKE_A1 = re.compile(r"([A-Za-z]{1,3}[0-9]+|R[0-9]*C[0-9]*)\Z", re.IGNORECASE)


def _new_object_id() -> str:
    """Sheets' ids for named ranges look like 'm8wtfgtu0fdy'."""
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))


def new_spreadsheet_id() -> str:
    return "1" + secrets.token_urlsafe(33)[:43]


def iso_time(timestamp: float) -> str:
    """Drive's timestamps: 2023-08-17T10:52:36.993Z."""
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

