"""Sheets v4 spreadsheets: get, batchUpdate and developer metadata, as backend calls."""
from __future__ import annotations

from typing import Any, Callable, Optional

from sandbox.google import metadata
from sandbox.google.exceptions import GoogleApiError, invalid_argument
from sandbox.google.fields import Mask, apply_mask, parse_mask
from sandbox.google.models import Spreadsheet
from sandbox.google.responses import Handlers, is_true, query_arg
from sandbox.google.responses.batch import kept_requests
from sandbox.google.serializers import prune_grid, sheet_properties_json, spreadsheet_json
from sandbox.web import Request

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


class SheetsResponses(Handlers):
    """spreadsheets.get, spreadsheets.batchUpdate, spreadsheets.developerMetadata."""

    # -- spreadsheets -----------------------------------------------------------------------
    def get_spreadsheet(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        fields = query_arg(request, "fields")
        mask = parse_mask(fields) if fields else None
        # includeGridData is ignored when a field mask is set: the mask alone decides.
        with_grid = is_true(query_arg(request, "includeGridData", "false")) if mask is None else _asks_for_grid(mask)
        ranges = request.query.get("ranges", [])
        named = {id(book.resolve(r)[0]) for r in ranges}
        sheets = [s for s in book.sheets if not ranges or id(s) in named]
        body = spreadsheet_json(book, sheets, with_grid, ranges, self.context.creds.service_account_email)
        if mask is None:
            return body
        shaped = apply_mask(body, mask)
        for sheet in shaped.get("sheets", []):
            for data in sheet.get("data", []):
                prune_grid(data)
        return shaped

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
        self.changed(book)
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    def _apply(self, book: Spreadsheet, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
        if kind == "addSheet":
            props = spec.get("properties") or {}
            grid = props.get("gridProperties") or {}
            sheet = book.add_sheet(props.get("title"), int(grid.get("rowCount", 1000)),
                                   int(grid.get("columnCount", 26)), props.get("index"),
                                   props.get("sheetId"), bool(props.get("hidden", False)))
            return {"addSheet": {"properties": sheet_properties_json(sheet)}}
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

    # -- developer metadata -------------------------------------------------------------------
    def developer_metadata_get(self, request: Request, email: str, sid: str, mid: str) -> Any:
        return metadata.get(self.backend.get(sid, email).developer_metadata, mid)

    def developer_metadata_search(self, request: Request, email: str, sid: str) -> Any:
        book = self.backend.get(sid, email)
        filters = request.json().get("dataFilters") or []
        found = metadata.search(book.developer_metadata, [f for f in filters if isinstance(f, dict)])
        return {"matchedDeveloperMetadata": found} if found else {}


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


def _asks_for_grid(mask: Mask) -> bool:
    if "*" in mask:
        return True
    if "sheets" not in mask:
        return False
    sheets = mask["sheets"]
    return sheets is None or "*" in sheets or "data" in sheets
