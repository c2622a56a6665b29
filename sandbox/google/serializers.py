"""Spreadsheets, sheets, cells and Drive files as the JSON Google sends, field for field as the recordings show."""
from __future__ import annotations

from typing import Any

from sandbox.google import cells as cellmod
from sandbox.google import objects
from sandbox.google.a1 import Cells
from sandbox.google.fields import apply_mask, parse_mask
from sandbox.google.models import Spreadsheet, iso_time
from sandbox.google.objects import ProtectedRange
from sandbox.google.worksheet import Worksheet

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"

SPREADSHEET_DEFAULTS: dict[str, Any] = {
    "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT",
    "defaultFormat": {
        "backgroundColor": {"red": 1, "green": 1, "blue": 1},
        "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
        "verticalAlignment": "BOTTOM", "wrapStrategy": "OVERFLOW_CELL",
        "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10,
                       "bold": False, "italic": False, "strikethrough": False, "underline": False,
                       "foregroundColorStyle": {"rgbColor": {}}},
        "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
    },
    "spreadsheetTheme": {"primaryFontFamily": "Arial", "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
        {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
        {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
        {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ]},
}


def spreadsheet_json(book: Spreadsheet, sheets: list[Worksheet], with_grid: bool, ranges: list[str],
                     owner: str) -> dict[str, Any]:
    """The spreadsheet resource (spreadsheets.get) before any field mask."""
    body = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": {"title": book.title, **SPREADSHEET_DEFAULTS, "locale": book.locale,
                       "autoRecalc": book.auto_recalc, "timeZone": book.time_zone},
        "sheets": [sheet_json(book, s, with_grid, ranges, owner) for s in sheets],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
    }
    if book.named_ranges():
        body["namedRanges"] = [named_range_json(n.named_range_id, n.name, n.sheet_id, n.cells)
                               for n in book.named_ranges()]
    return body


def sheet_json(book: Spreadsheet, sheet: Worksheet, with_grid: bool, ranges: list[str], owner: str) -> dict[str, Any]:
    """A sheet of the spreadsheet resource: properties, objects, and the grid when asked for."""
    body: dict[str, Any] = {"properties": sheet_properties_json(sheet), **sheet_objects_json(sheet, owner)}
    if not with_grid:
        return body
    wanted = [c for s, c in (book.resolve(r) for r in ranges) if s is sheet] if ranges else [None]
    body["data"] = [grid_data_json(sheet, sheet.bounded(c), book.evaluator(sheet)) for c in wanted]
    return body


def sheet_properties_json(sheet: Worksheet) -> dict[str, Any]:
    props: dict[str, Any] = {
        "sheetId": sheet.sheet_id,
        "title": sheet.title,
        "index": sheet.index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": sheet.row_count, "columnCount": sheet.column_count},
    }
    # Sheets leaves out properties at their defaults (zero, false, unset).
    grid = props["gridProperties"]
    for name, value in (("frozenRowCount", sheet.frozen_rows), ("frozenColumnCount", sheet.frozen_columns),
                        ("hideGridlines", sheet.hide_gridlines)):
        if value:
            grid[name] = value
    if sheet.hidden:
        props["hidden"] = True
    if sheet.tab_color:
        if "rgbColor" in sheet.tab_color:
            props["tabColor"] = sheet.tab_color["rgbColor"]
        props["tabColorStyle"] = sheet.tab_color
    if sheet.right_to_left:
        props["rightToLeft"] = True
    return props


def sheet_objects_json(sheet: Worksheet, editors_default: str) -> dict[str, Any]:
    """The sheet's merges, basic filter and protected ranges, as the spreadsheet resource shows them."""
    body: dict[str, Any] = {}
    if sheet.merges:
        body["merges"] = [objects.grid_range_json(sheet.sheet_id, sheet.bounded(m)) for m in sheet.merges]
    if sheet.basic_filter is not None:
        filtered = sheet.bounded(sheet.basic_filter.cells)
        body["basicFilter"] = {"range": objects.grid_range_json(sheet.sheet_id, filtered), **sheet.basic_filter.spec}
    if sheet.protected_ranges:
        body["protectedRanges"] = [protected_json(p, editors_default) for p in sheet.protected_ranges]
    return body


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


def named_range_json(named_range_id: str, name: str, sheet_id: int, cells: Cells) -> dict[str, Any]:
    return {"namedRangeId": named_range_id, "name": name, "range": objects.grid_range_json(sheet_id, cells)}


def grid_data_json(sheet: Worksheet, cells: Cells, evaluator: cellmod.Evaluate) -> dict[str, Any]:
    assert cells.end_row is not None and cells.end_col is not None
    extra = set(sheet.notes) | set(sheet.validations)
    last_row = max([len(sheet.rows)] + [r + 1 for r, _ in extra])
    rows = []
    for r in range(cells.start_row, min(cells.end_row, last_row)):
        width = max([len(sheet.rows[r]) if r < len(sheet.rows) else 0] + [c + 1 for rr, c in extra if rr == r])
        values = [cell_json(sheet, r, c, evaluator) for c in range(cells.start_col, min(cells.end_col, width))]
        rows.append({"values": values} if values else {})
    data: dict[str, Any] = {"rowData": rows} if rows else {}
    if cells.start_row:
        data["startRow"] = cells.start_row
    if cells.start_col:
        data["startColumn"] = cells.start_col
    return data


def cell_json(sheet: Worksheet, row: int, col: int, evaluator: cellmod.Evaluate) -> dict[str, Any]:
    """CellData: the value in its three renderings, the note and the validation rule."""
    cell = sheet.cell(row, col)
    data: dict[str, Any] = {} if cellmod.is_empty(cell) else {
        "formattedValue": cellmod.render(cell, evaluator=evaluator),
        "userEnteredValue": typed_value_json(cellmod.render(cell, "FORMULA")),
        "effectiveValue": typed_value_json(cellmod.render(cell, "UNFORMATTED_VALUE", evaluator=evaluator)),
    }
    if (row, col) in sheet.notes:
        data["note"] = sheet.notes[(row, col)]
    if (row, col) in sheet.validations:
        data["dataValidation"] = sheet.validations[(row, col)]
    return data


def typed_value_json(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    if isinstance(value, str) and value.startswith("="):
        return {"formulaValue": value}
    return {"stringValue": value}


def prune_grid(data: dict[str, Any]) -> None:
    """After a mask, Sheets drops cells and rows left empty at the end of each row and of the grid."""
    rows = data.get("rowData", [])
    for row in rows:
        values = row.get("values", [])
        while values and not values[-1]:
            values.pop()
        if "values" in row and not values:
            del row["values"]
    while rows and not rows[-1]:
        rows.pop()
    if "rowData" in data and not rows:
        del data["rowData"]


def update_counts(filled: list[tuple[int, int]]) -> dict[str, int]:
    """Sheets counts only the cells a write set (a write of nothing but nulls reports no counts)."""
    if not filled:
        return {}
    return {"updatedRows": len({r for r, _ in filled}), "updatedColumns": len({c for _, c in filled}),
            "updatedCells": len(filled)}


def drive_file_json(book: Spreadsheet) -> dict[str, Any]:
    return {"kind": "drive#file", "id": book.spreadsheet_id, "name": book.title, "mimeType": SPREADSHEET_MIME,
            "createdTime": iso_time(book.created_time), "modifiedTime": iso_time(book.modified_time),
            "webViewLink": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit?usp=drivesdk"}


def drive_fields(resource: dict[str, Any], fields: str, default: tuple[str, ...]) -> dict[str, Any]:
    if not fields:
        return {k: resource[k] for k in default}
    return apply_mask(resource, parse_mask(fields))
