"""One sheet's grid as plain data: cells, rows and columns, and what sits on them. No HTTP here."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional, TypeVar

from sandbox.google import cells as cellmod
from sandbox.google import objects
from sandbox.google.a1 import Cells, format_range
from sandbox.google.cells import Cell
from sandbox.google.exceptions import invalid_argument
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
