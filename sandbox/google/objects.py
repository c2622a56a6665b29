"""What a spreadsheet keeps besides values: named and protected ranges, merges, filters, notes, validation.

Plain data on grid ranges, moved with the rows and columns they sit on, as Sheets moves them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sandbox.google.a1 import Cells
from sandbox.google.exceptions import invalid_argument


@dataclass
class NamedRange:
    named_range_id: str
    name: str
    sheet_id: int
    cells: Cells


@dataclass
class ProtectedRange:
    protected_range_id: int
    sheet_id: int
    cells: Cells
    description: str = ""
    warning_only: bool = False
    editors: list[str] = field(default_factory=list)


@dataclass
class BasicFilter:
    cells: Cells
    spec: dict[str, Any] = field(default_factory=dict)  # sortSpecs, filterSpecs, criteria, as sent


# -- GridRange, the JSON shape of a range in batchUpdate requests ---------------------------------
def grid_range_from_json(data: Any) -> tuple[int, Cells]:
    """(sheetId, cells) from {"sheetId", "startRowIndex", ...}; missing ends run to the grid's edge."""
    if not isinstance(data, dict):
        raise invalid_argument("A range is required.")

    def index(name: str) -> Optional[int]:
        value = data.get(name)
        if value is None:
            return None
        if int(value) < 0:
            raise invalid_argument(f"Invalid {name}: {value}")
        return int(value)

    cells = Cells(index("startRowIndex") or 0, index("startColumnIndex") or 0,
                  index("endRowIndex"), index("endColumnIndex"))
    if (cells.end_row is not None and cells.end_row < cells.start_row) or \
            (cells.end_col is not None and cells.end_col < cells.start_col):
        raise invalid_argument("Invalid range: the end index must not be before the start index.")
    return int(data.get("sheetId", 0)), cells


def grid_range_json(sheet_id: int, cells: Cells) -> dict[str, int]:
    """Sheets leaves out zero and unbounded indices (and sheetId 0)."""
    pairs = (("sheetId", sheet_id), ("startRowIndex", cells.start_row), ("endRowIndex", cells.end_row),
             ("startColumnIndex", cells.start_col), ("endColumnIndex", cells.end_col))
    return {k: v for k, v in pairs if v}


def overlaps(a: Cells, b: Cells) -> bool:
    return (_axis_overlap(a.start_row, a.end_row, b.start_row, b.end_row)
            and _axis_overlap(a.start_col, a.end_col, b.start_col, b.end_col))


def contains(outer: Cells, inner: Cells) -> bool:
    return (outer.start_row <= inner.start_row and outer.start_col <= inner.start_col
            and _end_at_least(outer.end_row, inner.end_row) and _end_at_least(outer.end_col, inner.end_col))


def _axis_overlap(s1: int, e1: Optional[int], s2: int, e2: Optional[int]) -> bool:
    return (e2 is None or s1 < e2) and (e1 is None or s2 < e1)


def _end_at_least(a: Optional[int], b: Optional[int]) -> bool:
    return a is None or (b is not None and a >= b)


# -- moving with inserted and deleted rows or columns --------------------------------------------
def shift_index(index: int, start: int, count: int, is_end: bool = False) -> int:
    """Where an index lands after `count` rows/columns are inserted at `start` (negative: deleted)."""
    if count >= 0:
        return index + count if index > start or (index == start and not is_end) else index
    removed_end = start - count
    if index >= removed_end:
        return index + count
    return min(index, start)


def shift_cells(cells: Cells, rows: bool, start: int, count: int) -> Optional[Cells]:
    """The range after the change, or None when every row (column) it covered was deleted."""
    if rows:
        s = shift_index(cells.start_row, start, count)
        e = None if cells.end_row is None else shift_index(cells.end_row, start, count, is_end=True)
        return None if e is not None and e <= s else Cells(s, cells.start_col, e, cells.end_col)
    s = shift_index(cells.start_col, start, count)
    e = None if cells.end_col is None else shift_index(cells.end_col, start, count, is_end=True)
    return None if e is not None and e <= s else Cells(cells.start_row, s, cells.end_row, e)


def shift_keys(by_cell: dict[tuple[int, int], Any], rows: bool, start: int, count: int) -> dict[tuple[int, int], Any]:
    """Per-cell data (notes, validation) after the change; cells that were deleted go with their data."""
    moved: dict[tuple[int, int], Any] = {}
    for (r, c), value in by_cell.items():
        index = r if rows else c
        if count < 0 and start <= index < start - count:
            continue
        new = shift_index(index, start, count)
        moved[(new, c) if rows else (r, new)] = value
    return moved
