"""Sheets v4 spreadsheets.values: read, write, append and clear ranges, as backend calls."""
from __future__ import annotations

from typing import Any, Optional

from sandbox.google import cells as cellmod
from sandbox.google.a1 import Cells, column_letters, format_range
from sandbox.google.exceptions import GoogleApiError, invalid_argument, invalid_value
from sandbox.google.models import Spreadsheet
from sandbox.google.responses import Handlers, query_arg
from sandbox.google.serializers import update_counts
from sandbox.google.worksheet import Worksheet
from sandbox.web import Request


class ValuesResponses(Handlers):
    """spreadsheets.values: get, batchGet, update, batchUpdate, append, clear, batchClear."""

    def values_get(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        return self._value_range(book, rng, request)

    def _value_range(self, book: Spreadsheet, rng: str, request: Request) -> dict[str, Any]:
        sheet, cells = book.resolve(rng)
        bounded = _clip(sheet.bounded(cells), sheet)
        major = query_arg(request, "majorDimension", "ROWS") or "ROWS"
        values = sheet.read(bounded, query_arg(request, "valueRenderOption", "FORMATTED_VALUE") or "FORMATTED_VALUE",
                            query_arg(request, "dateTimeRenderOption", "SERIAL_NUMBER") or "SERIAL_NUMBER",
                            by_columns=major == "COLUMNS", evaluator=book.evaluator(sheet))
        body: dict[str, Any] = {"range": format_range(sheet.title, bounded), "majorDimension": major}
        if values:
            body["values"] = values
        return body

    def values_batch_get(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        ranges = request.query.get("ranges", [])
        return {"spreadsheetId": book.spreadsheet_id,
                "valueRanges": [self._value_range(book, r, request) for r in ranges]}

    def values_update(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        body = request.json()
        user_entered = _input_option(request.query.get("valueInputOption", [""])[0])
        written = self._write(book, rng, body, user_entered)
        self.changed(book)
        return {"spreadsheetId": book.spreadsheet_id, **written[0]}

    def _write(self, book: Spreadsheet, rng: str, body: dict[str, Any], user_entered: bool,
               field: str = "data.values") -> tuple[dict[str, Any], Worksheet, list[tuple[int, int]]]:
        sheet, cells = book.resolve(rng)
        grid = _value_grid(body, user_entered, field)
        corner = cells or Cells()
        written = sheet.write(corner.start_row, corner.start_col, grid) if grid else \
            Cells(corner.start_row, corner.start_col, corner.start_row + 1, corner.start_col + 1)
        if grid and cells is not None and not _single(cells):
            _check_within(sheet, cells, written)
        filled = _filled(grid, corner.start_row, corner.start_col)
        update: dict[str, Any] = {"updatedRange": format_range(sheet.title, written), **update_counts(filled)}
        return update, sheet, filled

    def values_batch_update(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        body = request.json()
        user_entered = _input_option(str(body.get("valueInputOption") or ""))
        saved = self.backend.snapshot(book)
        responses: list[dict[str, Any]] = []
        rows: set[tuple[int, int]] = set()  # (sheet id, row): a row counts once per sheet
        cols: set[tuple[int, int]] = set()
        sheets: set[int] = set()
        try:
            for i, item in enumerate(body.get("data") or []):
                update, sheet, filled = self._write(book, str(item.get("range", "")), item, user_entered,
                                                    f"data[{i}].values")
                responses.append({"spreadsheetId": book.spreadsheet_id, **update})
                if filled:
                    sheets.add(sheet.sheet_id)
                    rows.update((sheet.sheet_id, r) for r, _ in filled)
                    cols.update((sheet.sheet_id, c) for _, c in filled)
        except GoogleApiError:
            self.backend.restore(saved)
            raise
        self.changed(book)
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if responses:
            result.update({"totalUpdatedRows": len(rows), "totalUpdatedColumns": len(cols),
                           "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                           "totalUpdatedSheets": len(sheets), "responses": responses})
        return result

    def values_append(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        user_entered = _input_option(query_arg(request, "valueInputOption"))
        sheet, cells = book.resolve(rng)
        grid = _value_grid(request.json(), user_entered, "data.values")
        table, row, col = sheet.find_table(cells)
        height = len(grid)
        width = max((len(line) for line in grid), default=0)
        if query_arg(request, "insertDataOption", "OVERWRITE") == "INSERT_ROWS" and row < sheet.row_count:
            sheet.insert("ROWS", row, row + height)
        sheet.row_count = max(sheet.row_count, row + height)  # appending grows the grid
        sheet.column_count = max(sheet.column_count, col + width)
        written = sheet.write(row, col, grid) if grid else Cells(row, col, row + 1, col + 1)
        self.changed(book)
        updates: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id,
                                   "updatedRange": format_range(sheet.title, written)}
        updates.update(update_counts(_filled(grid, row, col)))
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if table is not None:
            result["tableRange"] = format_range(sheet.title, table)
        result["updates"] = updates
        return result

    def values_clear(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        cleared = self._clear(book, rng)
        self.changed(book)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared}

    def values_batch_clear(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        cleared = [self._clear(book, str(r)) for r in (request.json().get("ranges") or [])]
        self.changed(book)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}

    @staticmethod
    def _clear(book: Spreadsheet, rng: str) -> str:
        sheet, cells = book.resolve(rng)
        bounded = _clip(sheet.bounded(cells), sheet)
        sheet.clear(bounded)
        return format_range(sheet.title, bounded)


def _input_option(option: str) -> bool:
    """True for USER_ENTERED; Google refuses a write without an input option."""
    if option == "USER_ENTERED":
        return True
    if option == "RAW":
        return False
    if not option:
        raise invalid_argument("'valueInputOption' is required but not specified")
    raise invalid_argument(f"Invalid value at 'value_input_option' (type.googleapis.com/"
                           f"google.apps.sheets.v4.ValueInputOption), \"{option}\"")


def _filled(grid: list[list[Optional[cellmod.Cell]]], row: int, col: int) -> list[tuple[int, int]]:
    """The cells a write sets (row, column): every one but the nulls, which Sheets skips."""
    return [(row + i, col + j) for i, line in enumerate(grid) for j, v in enumerate(line) if v is not None]


def _value_grid(body: Any, user_entered: bool, field: str) -> list[list[Optional[cellmod.Cell]]]:
    values = body.get("values") if isinstance(body, dict) else None
    if values is None:
        return []
    if not isinstance(values, list):
        raise invalid_value(field, values)
    for i, line in enumerate(values):
        if not isinstance(line, list):
            raise invalid_value(f"{field}[{i}]", line)
    grid = [[cellmod.from_input(v, user_entered) for v in line] for line in values]
    if body.get("majorDimension") == "COLUMNS":
        width = max((len(line) for line in grid), default=0)
        grid = [[line[r] if r < len(line) else None for line in grid] for r in range(width)]
    return grid


def _single(cells: Cells) -> bool:
    return cells.end_row == cells.start_row + 1 and cells.end_col == cells.start_col + 1


def _check_within(sheet: Worksheet, cells: Cells, written: Cells) -> None:
    bounded = sheet.bounded(cells)
    assert bounded.end_row is not None and bounded.end_col is not None
    assert written.end_row is not None and written.end_col is not None
    if written.end_row > bounded.end_row:
        raise invalid_argument(f"Requested writing within range [{format_range(sheet.title, bounded)}], "
                               f"but tried writing to row [{written.end_row}]")
    if written.end_col > bounded.end_col:
        raise invalid_argument(f"Requested writing within range [{format_range(sheet.title, bounded)}], "
                               f"but tried writing to column [{column_letters(written.end_col - 1)}]")


def _clip(cells: Cells, sheet: Worksheet) -> Cells:
    """Reads past the grid's edge report only the part of the range the grid has."""
    assert cells.end_row is not None and cells.end_col is not None
    end_row = max(min(cells.end_row, sheet.row_count), cells.start_row + 1)
    end_col = max(min(cells.end_col, sheet.column_count), cells.start_col + 1)
    return Cells(cells.start_row, cells.start_col, end_row, end_col)
