"""The Sheets/Drive state as plain objects: spreadsheets, worksheets, grids, tokens. No HTTP here."""
from __future__ import annotations

import copy
import datetime as dt
import random
import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Optional, TypeVar

from sandbox.google import cells as cellmod
from sandbox.google import formulas, objects
from sandbox.google.a1 import A1Error, Cells, format_range, parse_cells, split_sheet
from sandbox.google.cells import Cell
from sandbox.google.exceptions import bad_range, invalid_argument, not_found, permission_denied
from sandbox.google.objects import BasicFilter, NamedRange, ProtectedRange

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26


@dataclass
class Worksheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    hidden: bool = False
    rows: list[list[Cell]] = field(default_factory=list)  # ragged; only as far as data goes
    frozen_rows: int = 0
    frozen_columns: int = 0
    hide_gridlines: bool = False
    right_to_left: bool = False
    tab_color: Optional[dict[str, Any]] = None  # a ColorStyle: {"rgbColor": {...}} or {"themeColor": ...}
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    validations: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # DataValidationRule
    merges: list[Cells] = field(default_factory=list)
    basic_filter: Optional[BasicFilter] = None
    protected_ranges: list[ProtectedRange] = field(default_factory=list)
    named_ranges: list[NamedRange] = field(default_factory=list)  # the spreadsheet's, kept by the sheet they name

    # -- cells ----------------------------------------------------------------------
    def cell(self, row: int, col: int) -> Cell:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return ""

    def set_cell(self, row: int, col: int, value: Cell) -> None:
        if cellmod.is_empty(value) and (row >= len(self.rows) or col >= len(self.rows[row])):
            return
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        while len(line) <= col:
            line.append("")
        line[col] = value

    def compact(self) -> None:
        """Drop trailing empty cells and rows so the stored grid stays small."""
        for line in self.rows:
            while line and cellmod.is_empty(line[-1]):
                line.pop()
        while self.rows and not self.rows[-1]:
            self.rows.pop()

    def bounded(self, cells: Optional[Cells]) -> Cells:
        return (cells or Cells()).bounded(self.row_count, self.column_count)

    def check_limits(self, cells: Cells) -> None:
        assert cells.end_row is not None and cells.end_col is not None
        if cells.end_row > self.row_count or cells.end_col > self.column_count:
            raise invalid_argument(
                f"Range ({format_range(self.title, cells)}) exceeds grid limits. "
                f"Max rows: {self.row_count}, max columns: {self.column_count}")

    def read(self, cells: Cells, value_render: str = "FORMATTED_VALUE", date_render: str = "SERIAL_NUMBER",
             by_columns: bool = False, evaluator: Optional[cellmod.Evaluate] = None) -> list[list[Any]]:
        """Rendered values of a bounded rectangle, trailing empties trimmed as Sheets does."""
        assert cells.end_row is not None and cells.end_col is not None
        end_row = min(cells.end_row, self.row_count)
        end_col = min(cells.end_col, self.column_count)
        grid = [[self.cell(r, c) for c in range(cells.start_col, end_col)]
                for r in range(cells.start_row, end_row)]
        if by_columns:
            grid = [list(col) for col in zip(*grid, strict=False)] if grid else []
        out = []
        for line in grid:
            while line and cellmod.is_empty(line[-1]):
                line.pop()
            out.append([cellmod.render(c, value_render, date_render, evaluator) for c in line])
        while out and not out[-1]:
            out.pop()
        return out

    def write(self, start_row: int, start_col: int, values: list[list[Optional[Cell]]]) -> Cells:
        """Write rows of cells from a corner, leaving the cells given as None; returns the rectangle."""
        height = len(values)
        width = max((len(line) for line in values), default=0)
        written = Cells(start_row, start_col, start_row + height, start_col + width)
        self.check_limits(written)
        for i, line in enumerate(values):
            for j, value in enumerate(line):
                if value is not None:
                    self.set_cell(start_row + i, start_col + j, value)
        self.compact()
        return written

    def clear(self, cells: Cells) -> None:
        assert cells.end_row is not None and cells.end_col is not None
        for r in range(cells.start_row, min(cells.end_row, len(self.rows))):
            line = self.rows[r]
            for c in range(cells.start_col, min(cells.end_col, len(line))):
                line[c] = ""
        self.compact()

    # -- dimensions -----------------------------------------------------------------
    def insert(self, dimension: str, start: int, end: int) -> None:
        count = end - start
        if dimension == "ROWS":
            if start > self.row_count:
                raise invalid_argument(f"insertDimension: startIndex {start} is past the end of the grid.")
            if start < len(self.rows):
                self.rows[start:start] = [[] for _ in range(count)]
            self.row_count += count
        else:
            if start > self.column_count:
                raise invalid_argument(f"insertDimension: startIndex {start} is past the end of the grid.")
            for line in self.rows:
                if start < len(line):
                    line[start:start] = [""] * count
            self.column_count += count
        self._shift(dimension == "ROWS", start, count)
        self.compact()

    def delete(self, dimension: str, start: int, end: int) -> None:
        limit = self.row_count if dimension == "ROWS" else self.column_count
        end = min(end, limit)
        if start >= end:
            raise invalid_argument("Invalid dimension range: the range must not be empty.")
        if start == 0 and end >= limit:
            noun = "rows" if dimension == "ROWS" else "columns"
            raise invalid_argument(f"You can't delete all the {noun} on the sheet.")
        if dimension == "ROWS":
            del self.rows[start:end]
            self.row_count -= end - start
        else:
            for line in self.rows:
                del line[start:end]
            self.column_count -= end - start
        self._shift(dimension == "ROWS", start, start - end)
        self.compact()

    def _shift(self, rows: bool, start: int, count: int) -> None:
        """Notes, validation, merges, filter and ranges move with inserted (count > 0) or deleted rows."""
        self.notes = objects.shift_keys(self.notes, rows, start, count)
        self.validations = objects.shift_keys(self.validations, rows, start, count)
        self.merges = [m for m in (objects.shift_cells(m, rows, start, count) for m in self.merges) if m]
        if self.basic_filter is not None:
            moved = objects.shift_cells(self.basic_filter.cells, rows, start, count)
            self.basic_filter = None if moved is None else BasicFilter(moved, self.basic_filter.spec)
        self.protected_ranges = _moved(self.protected_ranges, rows, start, count)
        self.named_ranges = _moved(self.named_ranges, rows, start, count)

    def resize(self, rows: Optional[int] = None, columns: Optional[int] = None) -> None:
        if rows is not None:
            if rows < 1:
                raise invalid_argument("gridProperties.rowCount must be at least 1.")
            del self.rows[rows:]
            self.row_count = rows
        if columns is not None:
            if columns < 1:
                raise invalid_argument("gridProperties.columnCount must be at least 1.")
            for line in self.rows:
                del line[columns:]
            self.column_count = columns
        self.compact()

    def freeze(self, rows: Optional[int] = None, columns: Optional[int] = None) -> None:
        if rows is not None:
            if not 0 <= rows < self.row_count:
                raise invalid_argument("You can't freeze all visible rows on the sheet.")
            self.frozen_rows = rows
        if columns is not None:
            if not 0 <= columns < self.column_count:
                raise invalid_argument("You can't freeze all visible columns on the sheet.")
            self.frozen_columns = columns

    # -- what the sheet keeps besides values ----------------------------------------------
    def set_note(self, row: int, col: int, text: str) -> None:
        if text:
            self.notes[(row, col)] = text
        else:
            self.notes.pop((row, col), None)

    def set_validation(self, cells: Cells, rule: Optional[dict[str, Any]]) -> None:
        """A data validation rule on every cell of the range; None takes it off."""
        bounded = self.bounded(cells)
        self.check_limits(bounded)
        assert bounded.end_row is not None and bounded.end_col is not None
        for r in range(bounded.start_row, bounded.end_row):
            for c in range(bounded.start_col, bounded.end_col):
                if rule:
                    self.validations[(r, c)] = rule
                else:
                    self.validations.pop((r, c), None)

    def merge(self, cells: Cells, merge_type: str = "MERGE_ALL") -> None:
        """Merge the range (whole, by rows or by columns); only each merge's top-left value is kept."""
        bounded = self.bounded(cells)
        self.check_limits(bounded)
        top, left, bottom, right = bounded.start_row, bounded.start_col, bounded.end_row, bounded.end_col
        assert bottom is not None and right is not None
        if merge_type == "MERGE_ALL":
            pieces = [bounded]
        elif merge_type == "MERGE_ROWS":
            pieces = [Cells(r, left, r + 1, right) for r in range(top, bottom)]
        elif merge_type == "MERGE_COLUMNS":
            pieces = [Cells(top, c, bottom, c + 1) for c in range(left, right)]
        else:
            raise invalid_argument(f"Invalid value at 'requests[0].merge_cells.merge_type', \"{merge_type}\"")
        pieces = [p for p in pieces if (p.end_row - p.start_row) * (p.end_col - p.start_col) > 1]  # type: ignore[operator]
        if any(objects.overlaps(m, bounded) and not objects.contains(bounded, m) for m in self.merges):
            raise invalid_argument("You can't merge cells that partially overlap a merge.")
        self.merges = [m for m in self.merges if not objects.overlaps(m, bounded)] + pieces
        for piece in pieces:
            corner = self.cell(piece.start_row, piece.start_col)
            self.clear(piece)
            self.set_cell(piece.start_row, piece.start_col, corner)
        self.compact()

    def unmerge(self, cells: Cells) -> None:
        bounded = self.bounded(cells)
        self.merges = [m for m in self.merges if not objects.overlaps(m, bounded)]

    # -- append ---------------------------------------------------------------------
    def find_table(self, cells: Optional[Cells]) -> tuple[Optional[Cells], int, int]:
        """(the table found, row and column to append at), following Sheets' table detection.

        With a start cell that holds data the table is the block that grows from it;
        with a whole-sheet range it is the last block of data in the sheet; when the
        start cell is empty the values go there and no table is reported.
        """
        if cells is not None and not self._is_whole(cells):
            r0, c0 = cells.start_row, cells.start_col
            if cellmod.is_empty(self.cell(r0, c0)):
                return None, r0, c0
            return self._block_from(r0, c0)
        last = self._last_data_row()
        if last is None:
            return None, 0, 0
        line = self.rows[last]
        c_end = len(line) - 1
        c_start = c_end
        while c_start > 0 and not cellmod.is_empty(line[c_start - 1]):
            c_start -= 1
        r_start = last
        while r_start > 0 and any(not cellmod.is_empty(self.cell(r_start - 1, c))
                                  for c in range(c_start, c_end + 1)):
            r_start -= 1
        table = Cells(r_start, c_start, last + 1, c_end + 1)
        return table, last + 1, c_start

    @staticmethod
    def _is_whole(cells: Cells) -> bool:
        return cells == Cells()

    def _last_data_row(self) -> Optional[int]:
        return len(self.rows) - 1 if self.rows else None

    def _block_from(self, r0: int, c0: int) -> tuple[Cells, int, int]:
        c_end = c0
        while not cellmod.is_empty(self.cell(r0, c_end + 1)):
            c_end += 1
        r_end = r0
        while any(not cellmod.is_empty(self.cell(r_end + 1, c)) for c in range(c0, c_end + 1)):
            r_end += 1
        return Cells(r0, c0, r_end + 1, c_end + 1), r_end + 1, c0

    # -- serialisation --------------------------------------------------------------
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count},
        }
        # Sheets leaves out properties at their defaults (zero, false, unset).
        grid = props["gridProperties"]
        for name, value in (("frozenRowCount", self.frozen_rows), ("frozenColumnCount", self.frozen_columns),
                            ("hideGridlines", self.hide_gridlines)):
            if value:
                grid[name] = value
        if self.hidden:
            props["hidden"] = True
        if self.tab_color:
            if "rgbColor" in self.tab_color:
                props["tabColor"] = self.tab_color["rgbColor"]
            props["tabColorStyle"] = self.tab_color
        if self.right_to_left:
            props["rightToLeft"] = True
        return props

    def extras(self, editors_default: str) -> dict[str, Any]:
        """The sheet's merges, basic filter and protected ranges, as the spreadsheet resource shows them."""
        body: dict[str, Any] = {}
        if self.merges:
            body["merges"] = [objects.grid_range_json(self.sheet_id, self.bounded(m)) for m in self.merges]
        if self.basic_filter is not None:
            filtered = self.bounded(self.basic_filter.cells)
            body["basicFilter"] = {"range": objects.grid_range_json(self.sheet_id, filtered), **self.basic_filter.spec}
        if self.protected_ranges:
            body["protectedRanges"] = [protected_json(p, editors_default) for p in self.protected_ranges]
        return body

    def to_dict(self) -> dict[str, Any]:
        return {"sheet_id": self.sheet_id, "title": self.title, "index": self.index,
                "row_count": self.row_count, "column_count": self.column_count, "hidden": self.hidden,
                "rows": [[cellmod.to_json(c) for c in line] for line in self.rows],
                "frozen_rows": self.frozen_rows, "frozen_columns": self.frozen_columns,
                "hide_gridlines": self.hide_gridlines, "right_to_left": self.right_to_left,
                "tab_color": self.tab_color,
                "notes": [[r, c, text] for (r, c), text in self.notes.items()],
                "validations": [[r, c, rule] for (r, c), rule in self.validations.items()],
                "merges": [_cells_json(m) for m in self.merges],
                "basic_filter": None if self.basic_filter is None else
                [_cells_json(self.basic_filter.cells), self.basic_filter.spec],
                "protected_ranges": [{**asdict(p), "cells": _cells_json(p.cells)} for p in self.protected_ranges],
                "named_ranges": [{**asdict(n), "cells": _cells_json(n.cells)} for n in self.named_ranges]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Worksheet":
        rows = [[cellmod.from_json(c) for c in line] for line in data.get("rows", [])]
        sheet = cls(data["sheet_id"], data["title"], data["index"], data["row_count"],
                    data["column_count"], data.get("hidden", False), rows,
                    int(data.get("frozen_rows", 0)), int(data.get("frozen_columns", 0)),
                    bool(data.get("hide_gridlines", False)), bool(data.get("right_to_left", False)),
                    data.get("tab_color"))
        sheet.notes = {(r, c): text for r, c, text in data.get("notes", [])}
        sheet.validations = {(r, c): rule for r, c, rule in data.get("validations", [])}
        sheet.merges = [_cells_from_json(m) for m in data.get("merges", [])]
        if data.get("basic_filter"):
            sheet.basic_filter = BasicFilter(_cells_from_json(data["basic_filter"][0]), data["basic_filter"][1])
        sheet.protected_ranges = [ProtectedRange(**{**p, "cells": _cells_from_json(p["cells"])})
                                  for p in data.get("protected_ranges", [])]
        sheet.named_ranges = [NamedRange(**{**n, "cells": _cells_from_json(n["cells"])})
                              for n in data.get("named_ranges", [])]
        return sheet


Placed = TypeVar("Placed", ProtectedRange, NamedRange)


def _moved(items: list[Placed], rows: bool, start: int, count: int) -> list[Placed]:
    """The ranges after rows or columns changed; one whose every row (column) went is gone."""
    kept = []
    for item in items:
        cells = objects.shift_cells(item.cells, rows, start, count)
        if cells is not None:
            item.cells = cells
            kept.append(item)
    return kept


def _cells_json(cells: Cells) -> list[Optional[int]]:
    return [cells.start_row, cells.start_col, cells.end_row, cells.end_col]


def _cells_from_json(data: list[Optional[int]]) -> Cells:
    return Cells(int(data[0] or 0), int(data[1] or 0), data[2], data[3])


def protected_json(protected: ProtectedRange, owner: str) -> dict[str, Any]:
    """A ProtectedRange as Sheets answers it: the owner always among the editors of a locked range."""
    body: dict[str, Any] = {"protectedRangeId": protected.protected_range_id,
                            "range": objects.grid_range_json(protected.sheet_id, protected.cells)}
    if protected.description:
        body["description"] = protected.description
    if protected.warning_only:
        body["warningOnly"] = True
    body["requestingUserCanEdit"] = True
    if not protected.warning_only:
        body["editors"] = {"users": sorted({owner.lower(), *(e.lower() for e in protected.editors)})}
    return body


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

