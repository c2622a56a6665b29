"""The thin HTTP layer of the Google sandbox: Sheets v4, Drive v3 and OAuth paths into model calls."""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from sandbox.google import cells as cellmod
from sandbox.google import metadata
from sandbox.google.a1 import Cells, column_letters, format_range
from sandbox.google.auth import TokenError, TokenIssuer, bearer_email
from sandbox.google.batch import kept_requests, named_range_json
from sandbox.google.exceptions import (
    GoogleApiError,
    drive_not_found,
    invalid_argument,
    invalid_value,
    quota_exceeded,
)
from sandbox.google.fields import Mask, apply_mask, parse_mask
from sandbox.google.models import GoogleBackend, Spreadsheet, Worksheet, iso_time
from sandbox.web import Request, Response, json_response

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

# batchUpdate requests Sheets knows but the sandbox does not keep (formats, sizes, borders, banding,
# conditional formats): refused, so that no client reads a 200 as "done" when nothing was stored.
REFUSED_REQUESTS = frozenset({
    "updateDimensionProperties", "repeatCell", "autoResizeDimensions", "updateBorders", "addConditionalFormatRule",
    "updateConditionalFormatRule", "deleteConditionalFormatRule", "addBanding", "updateBanding", "deleteBanding",
    "updateProtectedRange", "updateNamedRange", "addFilterView", "updateFilterView", "deleteFilterView",
    "duplicateFilterView", "sortRange", "findReplace", "pasteData", "copyPaste", "cutPaste",
    "autoFill", "textToColumns", "updateEmbeddedObjectPosition", "addChart", "updateChartSpec", "duplicateSheet",
    "moveDimension", "insertRange", "deleteRange", "appendCells", "trimWhitespace", "deleteDuplicates",
    "randomizeRange", "addSlicer", "updateSlicerSpec", "addDimensionGroup", "deleteDimensionGroup",
    "updateDimensionGroup", "addDataSource", "updateDataSource", "deleteDataSource", "refreshDataSource",
    "addTable", "updateTable", "deleteTable", "cancelDataSourceRefresh", "deleteEmbeddedObject",
})

ApiHandler = Callable[..., Any]


def _q(request: Request, name: str, default: str = "") -> str:
    values = request.query.get(name)
    return values[0] if values else default


def _is_true(value: Any) -> bool:
    return str(value).lower() == "true"


class GoogleResponses:
    """Registers the Google paths on the router and turns requests into model calls."""

    def __init__(self, backend: GoogleBackend, context: Any) -> None:
        self.backend = backend
        self.context = context
        self.issuer = TokenIssuer(backend, context.creds.service_account_email, context.creds.public_key_pem)

    # -- shared plumbing ----------------------------------------------------------------
    def api(self, fn: ApiHandler, sheets_quota: bool) -> Callable[..., Response]:
        """`fn` behind the bearer check (and the Sheets quota), its errors as Google's JSON."""
        def handler(request: Request, **groups: str) -> Response:
            try:
                email = bearer_email(self.backend, request.header("authorization"), self.context.now())
                if sheets_quota:
                    self._check_quota(request.method != "GET", email)
                result = fn(request, email, **groups)
            except GoogleApiError as err:
                headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if err.code == 401 else {}
                return json_response(err.body(), err.code, headers)
            if isinstance(result, Response):
                return result
            return json_response(result)
        return handler

    def _check_quota(self, write: bool, email: str) -> None:
        kind = "sheets_write" if write else "sheets_read"
        if self.context.limits.hit((kind, email)) is None:
            return
        raise quota_exceeded(write, self.context.limits.window(kind)[0])

    def _changed(self, book: Spreadsheet) -> None:
        book.touch(self.context.now())
        self.context.mark_dirty()

    # -- OAuth ------------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        try:
            body = self.issuer.exchange(request.body_fields(), self.context.now())
        except TokenError as err:
            return json_response(err.body(), 400)
        self.context.mark_dirty()
        return json_response(body)

    # -- spreadsheets -----------------------------------------------------------------------
    def get_spreadsheet(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        fields = _q(request, "fields")
        mask = parse_mask(fields) if fields else None
        # includeGridData is ignored when a field mask is set: the mask alone decides.
        with_grid = _is_true(_q(request, "includeGridData", "false")) if mask is None else _asks_for_grid(mask)
        ranges = request.query.get("ranges", [])
        named = {id(book.resolve(r)[0]) for r in ranges}
        sheets = [s for s in book.sheets if not ranges or id(s) in named]
        body = {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {"title": book.title, **SPREADSHEET_DEFAULTS, "locale": book.locale,
                           "autoRecalc": book.auto_recalc, "timeZone": book.time_zone},
            "sheets": [self._sheet_body(book, s, with_grid, ranges) for s in sheets],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }
        if book.named_ranges():
            body["namedRanges"] = [named_range_json(n.named_range_id, n.name, n.sheet_id, n.cells)
                                   for n in book.named_ranges()]
        if mask is None:
            return body
        shaped = apply_mask(body, mask)
        for sheet in shaped.get("sheets", []):
            for data in sheet.get("data", []):
                _prune_grid(data)
        return shaped

    def _sheet_body(self, book: Spreadsheet, sheet: Worksheet, with_grid: bool, ranges: list[str]) -> dict[str, Any]:
        owner = self.context.creds.service_account_email
        body: dict[str, Any] = {"properties": sheet.properties(), **sheet.extras(owner)}
        if not with_grid:
            return body
        wanted = [c for s, c in (book.resolve(r) for r in ranges) if s is sheet] if ranges else [None]
        body["data"] = [self._grid_data(sheet, sheet.bounded(c), book.evaluator(sheet)) for c in wanted]
        return body

    @staticmethod
    def _grid_data(sheet: Worksheet, cells: Cells, evaluator: cellmod.Evaluate) -> dict[str, Any]:
        assert cells.end_row is not None and cells.end_col is not None
        extra = set(sheet.notes) | set(sheet.validations)
        last_row = max([len(sheet.rows)] + [r + 1 for r, _ in extra])
        rows = []
        for r in range(cells.start_row, min(cells.end_row, last_row)):
            width = max([len(sheet.rows[r]) if r < len(sheet.rows) else 0] + [c + 1 for rr, c in extra if rr == r])
            values = [_cell_data(sheet, r, c, evaluator) for c in range(cells.start_col, min(cells.end_col, width))]
            rows.append({"values": values} if values else {})
        data: dict[str, Any] = {"rowData": rows} if rows else {}
        if cells.start_row:
            data["startRow"] = cells.start_row
        if cells.start_col:
            data["startColumn"] = cells.start_col
        return data

    # -- values -------------------------------------------------------------------------------
    def values_get(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        return self._value_range(book, rng, request)

    def _value_range(self, book: Spreadsheet, rng: str, request: Request) -> dict[str, Any]:
        sheet, cells = book.resolve(rng)
        bounded = _clip(sheet.bounded(cells), sheet)
        major = _q(request, "majorDimension", "ROWS") or "ROWS"
        values = sheet.read(bounded, _q(request, "valueRenderOption", "FORMATTED_VALUE") or "FORMATTED_VALUE",
                            _q(request, "dateTimeRenderOption", "SERIAL_NUMBER") or "SERIAL_NUMBER",
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
        self._changed(book)
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
        update: dict[str, Any] = {"updatedRange": format_range(sheet.title, written), **_update_counts(filled)}
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
        self._changed(book)
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if responses:
            result.update({"totalUpdatedRows": len(rows), "totalUpdatedColumns": len(cols),
                           "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                           "totalUpdatedSheets": len(sheets), "responses": responses})
        return result

    def values_append(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        user_entered = _input_option(_q(request, "valueInputOption"))
        sheet, cells = book.resolve(rng)
        grid = _value_grid(request.json(), user_entered, "data.values")
        table, row, col = sheet.find_table(cells)
        height = len(grid)
        width = max((len(line) for line in grid), default=0)
        if _q(request, "insertDataOption", "OVERWRITE") == "INSERT_ROWS" and row < sheet.row_count:
            sheet.insert("ROWS", row, row + height)
        sheet.row_count = max(sheet.row_count, row + height)  # appending grows the grid
        sheet.column_count = max(sheet.column_count, col + width)
        written = sheet.write(row, col, grid) if grid else Cells(row, col, row + 1, col + 1)
        self._changed(book)
        updates: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id,
                                   "updatedRange": format_range(sheet.title, written)}
        updates.update(_update_counts(_filled(grid, row, col)))
        result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if table is not None:
            result["tableRange"] = format_range(sheet.title, table)
        result["updates"] = updates
        return result

    def values_clear(self, request: Request, email: str, sid: str, rng: str) -> Any:
        book = self.backend.get(sid, email)
        cleared = self._clear(book, rng)
        self._changed(book)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared}

    def values_batch_clear(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        cleared = [self._clear(book, str(r)) for r in (request.json().get("ranges") or [])]
        self._changed(book)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}

    @staticmethod
    def _clear(book: Spreadsheet, rng: str) -> str:
        sheet, cells = book.resolve(rng)
        bounded = _clip(sheet.bounded(cells), sheet)
        sheet.clear(bounded)
        return format_range(sheet.title, bounded)

    # -- spreadsheet batchUpdate ------------------------------------------------------------
    def batch_update(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        requests = request.json().get("requests") or []
        saved = self.backend.snapshot(book)
        replies = []
        for i, item in enumerate(requests):
            kind = next(iter(item), "") if isinstance(item, dict) else ""
            try:
                replies.append(self._apply(book, kind, item.get(kind) or {}))
            except GoogleApiError as err:
                self.backend.restore(saved)
                if err.code == 400 and not err.message.startswith("Invalid JSON"):
                    err.message = f"Invalid requests[{i}].{kind}: {err.message}"
                raise
        self._changed(book)
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    def _apply(self, book: Spreadsheet, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
        if kind == "addSheet":
            props = spec.get("properties") or {}
            grid = props.get("gridProperties") or {}
            sheet = book.add_sheet(props.get("title"), int(grid.get("rowCount", 1000)),
                                   int(grid.get("columnCount", 26)), props.get("index"),
                                   props.get("sheetId"), bool(props.get("hidden", False)))
            return {"addSheet": {"properties": sheet.properties()}}
        if kind == "deleteSheet":
            book.delete_sheet(int(spec.get("sheetId", -1)))
            return {}
        if kind == "updateSheetProperties":
            self._update_sheet_properties(book, spec)
            return {}
        if kind == "updateSpreadsheetProperties":
            self._update_spreadsheet_properties(book, spec)
            return {}
        if kind in ("insertDimension", "deleteDimension"):
            rng = spec.get("range") or {}
            sheet = book.require_sheet(int(rng.get("sheetId", 0)))
            start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
            (sheet.insert if kind == "insertDimension" else sheet.delete)(rng.get("dimension", "ROWS"), start, end)
            return {}
        if kind == "appendDimension":
            sheet = book.require_sheet(int(spec.get("sheetId", 0)))
            count = int(spec.get("length", 0))
            if spec.get("dimension", "ROWS") == "ROWS":
                sheet.row_count += count
            else:
                sheet.column_count += count
            return {}
        if kind == "createDeveloperMetadata":
            entry = metadata.create(book.developer_metadata, spec.get("developerMetadata") or {},
                                    {sheet.sheet_id for sheet in book.sheets})
            return {"createDeveloperMetadata": {"developerMetadata": entry}}
        if kind == "deleteDeveloperMetadata":
            gone = metadata.delete(book.developer_metadata, spec.get("dataFilter") or {})
            return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": gone} if gone else {}}
        kept = kept_requests(self.context.creds.service_account_email)
        if kind in kept:
            return kept[kind](book, spec)
        if kind in REFUSED_REQUESTS:
            raise invalid_argument("the sandbox does not emulate this request, so it refuses it rather than "
                                   "answer 200 and store nothing.")
        raise invalid_argument(f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[0]': "
                               "Cannot find field.")

    # -- developer metadata -------------------------------------------------------------------
    def developer_metadata_get(self, request: Request, email: str, sid: str, mid: str) -> Any:
        return metadata.get(self.backend.get(sid, email).developer_metadata, mid)

    def developer_metadata_search(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        filters = request.json().get("dataFilters") or []
        found = metadata.search(book.developer_metadata, [f for f in filters if isinstance(f, dict)])
        return {"matchedDeveloperMetadata": found} if found else {}

    @staticmethod
    def _update_sheet_properties(book: Spreadsheet, spec: dict[str, Any]) -> None:
        props = spec.get("properties") or {}
        sheet = book.require_sheet(int(props.get("sheetId", 0)))
        wanted = _field_picker(spec, SHEET_FIELDS, "sheet property")
        grid = props.get("gridProperties") or {}
        if wanted("title") and "title" in props:
            book.rename_sheet(sheet, str(props["title"]))
        if wanted("hidden"):
            book.hide_sheet(sheet, bool(props.get("hidden", False)))
        if wanted("index") and "index" in props:
            book.move_sheet(sheet, int(props["index"]))
        if wanted("rightToLeft"):
            sheet.right_to_left = bool(props.get("rightToLeft", False))
        if wanted("tabColorStyle"):
            sheet.tab_color = _color_style(props.get("tabColorStyle"))
        if wanted("tabColor") and "tabColor" in props:
            sheet.tab_color = _color_style({"rgbColor": props["tabColor"]})
        if wanted("gridProperties/hideGridlines"):
            sheet.hide_gridlines = bool(grid.get("hideGridlines", False))
        rows = grid.get("rowCount") if wanted("gridProperties/rowCount") else None
        cols = grid.get("columnCount") if wanted("gridProperties/columnCount") else None
        sheet.resize(int(rows) if rows is not None else None, int(cols) if cols is not None else None)
        sheet.freeze(int(grid.get("frozenRowCount", 0)) if wanted("gridProperties/frozenRowCount") else None,
                     int(grid.get("frozenColumnCount", 0)) if wanted("gridProperties/frozenColumnCount") else None)

    @staticmethod
    def _update_spreadsheet_properties(book: Spreadsheet, spec: dict[str, Any]) -> None:
        props = spec.get("properties") or {}
        wanted = _field_picker(spec, SPREADSHEET_FIELDS, "spreadsheet property")
        if wanted("title") and "title" in props:
            book.title = str(props["title"])
        if wanted("locale") and props.get("locale"):
            book.locale = str(props["locale"])
        if wanted("timeZone") and props.get("timeZone"):
            book.time_zone = str(props["timeZone"])
        if wanted("autoRecalc") and "autoRecalc" in props:
            if props["autoRecalc"] not in ("ON_CHANGE", "MINUTE", "HOUR"):
                raise invalid_argument(f"Invalid value at 'requests[0].update_spreadsheet_properties.properties"
                                       f".auto_recalc', \"{props['autoRecalc']}\"")
            book.auto_recalc = str(props["autoRecalc"])

    # -- Drive ----------------------------------------------------------------------------------
    def drive_get(self, request: Request, email: str, fid: str) -> Any:
        book = self.backend.spreadsheets.get(fid)
        if book is None or not book.is_shared_with(email):
            raise drive_not_found(fid)
        return _drive_fields(_drive_file(book), _q(request, "fields"), ("kind", "id", "name", "mimeType"))

    def drive_list(self, request: Request, email: str) -> Any:
        query = _q(request, "q")
        name = _query_term(query, "name")
        mime = _query_term(query, "mimeType")
        books = self.backend.find_by_name(email, name)
        files = [_drive_file(b) for b in books if mime in (None, SPREADSHEET_MIME)]
        body = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = _q(request, "fields")
        if not fields:
            keep = ("kind", "id", "name", "mimeType")
            body["files"] = [{k: f[k] for k in keep} for f in files]
            return body
        return apply_mask(body, parse_mask(fields))

    def drive_create(self, request: Request, email: str) -> Any:
        body = request.json()
        if body.get("mimeType") not in (None, SPREADSHEET_MIME):
            raise invalid_argument("The sandbox only creates Google Sheets files.")
        book = self.backend.add_spreadsheet(title=str(body.get("name") or "Untitled spreadsheet"),
                                            shared_with=[email], now=self.context.now())
        self.context.mark_dirty()
        return _drive_fields(_drive_file(book), _q(request, "fields"), ("kind", "id", "name", "mimeType"))

    def drive_delete(self, request: Request, email: str, fid: str) -> Any:
        book = self.backend.spreadsheets.get(fid)
        if book is None or not book.is_shared_with(email):
            raise drive_not_found(fid)
        self.backend.delete_spreadsheet(fid)
        self.context.mark_dirty()
        return Response(204, b"", "application/json; charset=utf-8")


# -- helpers -----------------------------------------------------------------------------------
# The properties the sandbox keeps; an update naming any other is refused rather than dropped.
SHEET_FIELDS = frozenset({
    "sheetId", "title", "index", "hidden", "rightToLeft", "tabColor", "tabColorStyle", "gridProperties",
    "gridProperties/rowCount", "gridProperties/columnCount", "gridProperties/frozenRowCount",
    "gridProperties/frozenColumnCount", "gridProperties/hideGridlines",
})
SPREADSHEET_FIELDS = frozenset({"title", "locale", "timeZone", "autoRecalc"})


def _field_picker(spec: dict[str, Any], known: frozenset[str], what: str) -> Callable[[str], bool]:
    """`fields` of an update request as a test of whether it names a property (or its parent, or *)."""
    fields = {f.strip().replace(".", "/") for f in str(spec.get("fields", "")).split(",") if f.strip()}
    if not fields:
        raise invalid_argument("At least one field must be updated.")
    unknown = sorted(f for f in fields if f != "*" and f not in known)
    if unknown:
        raise invalid_argument(f"The sandbox does not keep the {what} {unknown[0].replace('/', '.')}: "
                               "the request is refused rather than answered and dropped.")

    def wanted(name: str) -> bool:
        return "*" in fields or name in fields or name.split("/")[0] in fields
    return wanted


def _color_style(style: Any) -> Optional[dict[str, Any]]:
    """A ColorStyle as Sheets keeps it: zero components left out; no colour at all is None."""
    if not isinstance(style, dict):
        return None
    if style.get("themeColor"):
        return {"themeColor": style["themeColor"]}
    rgb = style.get("rgbColor")
    if not isinstance(rgb, dict):
        return None
    return {"rgbColor": {k: v for k, v in rgb.items() if k in ("red", "green", "blue", "alpha") and v}}
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


def _update_counts(filled: list[tuple[int, int]]) -> dict[str, int]:
    """Sheets counts only the cells a write set (a write of nothing but nulls reports no counts)."""
    if not filled:
        return {}
    return {"updatedRows": len({r for r, _ in filled}), "updatedColumns": len({c for _, c in filled}),
            "updatedCells": len(filled)}


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


def _cell_data(sheet: Worksheet, row: int, col: int, evaluator: cellmod.Evaluate) -> dict[str, Any]:
    """CellData: the value in its three renderings, the note and the validation rule."""
    cell = sheet.cell(row, col)
    data: dict[str, Any] = {} if cellmod.is_empty(cell) else {
        "formattedValue": cellmod.render(cell, evaluator=evaluator),
        "userEnteredValue": _typed_value(cellmod.render(cell, "FORMULA")),
        "effectiveValue": _typed_value(cellmod.render(cell, "UNFORMATTED_VALUE", evaluator=evaluator)),
    }
    if (row, col) in sheet.notes:
        data["note"] = sheet.notes[(row, col)]
    if (row, col) in sheet.validations:
        data["dataValidation"] = sheet.validations[(row, col)]
    return data


def _asks_for_grid(mask: Mask) -> bool:
    if "*" in mask:
        return True
    if "sheets" not in mask:
        return False
    sheets = mask["sheets"]
    return sheets is None or "*" in sheets or "data" in sheets


def _prune_grid(data: dict[str, Any]) -> None:
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


def _typed_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    if isinstance(value, str) and value.startswith("="):
        return {"formulaValue": value}
    return {"stringValue": value}


def _drive_file(book: Spreadsheet) -> dict[str, Any]:
    return {"kind": "drive#file", "id": book.spreadsheet_id, "name": book.title, "mimeType": SPREADSHEET_MIME,
            "createdTime": iso_time(book.created_time), "modifiedTime": iso_time(book.modified_time),
            "webViewLink": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit?usp=drivesdk"}


def _drive_fields(resource: dict[str, Any], fields: str, default: tuple[str, ...]) -> dict[str, Any]:
    if not fields:
        return {k: resource[k] for k in default}
    return apply_mask(resource, parse_mask(fields))


def _query_term(query: str, name: str) -> Optional[str]:
    m = re.search(name + r"\s*=\s*(['\"])(.*?)\1", query)
    return m.group(2) if m else None
