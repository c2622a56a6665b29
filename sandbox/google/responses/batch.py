"""batchUpdate requests about what a sheet keeps besides values, from their JSON into model calls.

Named and protected ranges, merges, the basic filter, notes and data validation. Each answers
with the reply Sheets gives (the created object, or an empty reply).
"""
from __future__ import annotations

from typing import Any, Callable

from sandbox.google.a1 import Cells
from sandbox.google.exceptions import invalid_argument
from sandbox.google.models import Spreadsheet
from sandbox.google.objects import BasicFilter, grid_range_from_json
from sandbox.google.serializers import named_range_json, protected_json
from sandbox.google.worksheet import Worksheet

Reply = dict[str, Any]


def _sheet_and_cells(book: Spreadsheet, grid_range: Any) -> tuple[Worksheet, Cells]:
    sheet_id, cells = grid_range_from_json(grid_range)
    return book.require_sheet(sheet_id), cells


def add_named_range(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    named = spec.get("namedRange") or {}
    sheet, cells = _sheet_and_cells(book, named.get("range"))
    created = book.add_named_range(str(named.get("name") or ""), sheet.sheet_id, cells, named.get("namedRangeId"))
    return {"addNamedRange": {"namedRange": named_range_json(created.named_range_id, created.name,
                                                             created.sheet_id, created.cells)}}


def delete_named_range(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    book.delete_named_range(str(spec.get("namedRangeId") or ""))
    return {}


def add_protected_range(book: Spreadsheet, spec: dict[str, Any], owner: str) -> Reply:
    wanted = spec.get("protectedRange") or {}
    sheet, cells = _sheet_and_cells(book, wanted.get("range"))
    editors = (wanted.get("editors") or {}).get("users") or []
    created = book.add_protected_range(sheet.sheet_id, cells, str(wanted.get("description") or ""),
                                       bool(wanted.get("warningOnly", False)), [str(e) for e in editors])
    return {"addProtectedRange": {"protectedRange": protected_json(created, owner)}}


def delete_protected_range(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    book.delete_protected_range(int(spec.get("protectedRangeId", -1)))
    return {}


def merge_cells(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    sheet, cells = _sheet_and_cells(book, spec.get("range"))
    sheet.merge(cells, str(spec.get("mergeType") or "MERGE_ALL"))
    return {}


def unmerge_cells(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    sheet, cells = _sheet_and_cells(book, spec.get("range"))
    sheet.unmerge(cells)
    return {}


def set_basic_filter(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    wanted = dict(spec.get("filter") or {})
    sheet, cells = _sheet_and_cells(book, wanted.pop("range", None))
    sheet.basic_filter = BasicFilter(cells, wanted)
    return {}


def clear_basic_filter(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    book.require_sheet(int(spec.get("sheetId", 0))).basic_filter = None
    return {}


def set_data_validation(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    sheet, cells = _sheet_and_cells(book, spec.get("range"))
    sheet.set_validation(cells, spec.get("rule") or None)
    return {}


def update_cells(book: Spreadsheet, spec: dict[str, Any]) -> Reply:
    """Only notes: values go through the values API, and formats are not kept."""
    fields = {f.strip() for f in str(spec.get("fields", "")).split(",") if f.strip()}
    if fields != {"note"}:
        raise invalid_argument("the sandbox keeps only notes through updateCells (fields \"note\"); "
                               f"it refuses fields {','.join(sorted(fields - {'note'})) or '(none)'} rather than "
                               "answer 200 and store nothing.")
    if "start" in spec:
        start = spec["start"] or {}
        sheet = book.require_sheet(int(start.get("sheetId", 0)))
        top, left = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        bounds = None
    else:
        sheet, bounds = _sheet_and_cells(book, spec.get("range"))
        top, left = bounds.start_row, bounds.start_col
    for i, row in enumerate(spec.get("rows") or []):
        for j, cell in enumerate((row or {}).get("values") or []):
            r, c = top + i, left + j
            if bounds is not None and not _inside(bounds, r, c):
                raise invalid_argument("The rows given are larger than the range.")
            sheet.set_note(r, c, str((cell or {}).get("note") or ""))
    return {}


def _inside(cells: Cells, row: int, col: int) -> bool:
    return (cells.start_row <= row and (cells.end_row is None or row < cells.end_row)
            and cells.start_col <= col and (cells.end_col is None or col < cells.end_col))


def kept_requests(owner: str) -> dict[str, Callable[[Spreadsheet, dict[str, Any]], Reply]]:
    """The request kinds this module applies; `owner` is the account protected ranges name as editor."""
    return {
        "addNamedRange": add_named_range, "deleteNamedRange": delete_named_range,
        "addProtectedRange": lambda book, spec: add_protected_range(book, spec, owner),
        "deleteProtectedRange": delete_protected_range,
        "mergeCells": merge_cells, "unmergeCells": unmerge_cells,
        "setBasicFilter": set_basic_filter, "clearBasicFilter": clear_basic_filter,
        "setDataValidation": set_data_validation, "updateCells": update_cells,
    }
