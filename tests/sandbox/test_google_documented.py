"""Google Sheets answers no cassette recorded, checked against the Sheets API v4 reference.

Each test names the part of the reference (developers.google.com/workspace/sheets/api/reference/rest/v4)
that says how Google answers, and drives the request through the real gspread where gspread sends it.
"""
from __future__ import annotations

from pathlib import Path

import gspread
import pytest
from gspread.cell import Cell
from gspread.utils import DateTimeOption, ValueInputOption, ValueRenderOption

from sandbox import Sandbox
from tests.sandbox.google_support import gspread_client

GRID = [[f"{col}{row}" for col in "ABCD"] for row in range(1, 7)]  # A1:D6, every cell filled


@pytest.fixture
def client(empty_sandbox: Sandbox) -> gspread.Client:
    return gspread_client(empty_sandbox)


@pytest.fixture
def book(empty_sandbox: Sandbox, client: gspread.Client) -> gspread.Spreadsheet:
    return client.open_by_key(empty_sandbox.creds.spreadsheet_id)


@pytest.fixture
def grid(book: gspread.Spreadsheet) -> gspread.Worksheet:
    sheet = book.add_worksheet("Grid", rows=20, cols=10)
    sheet.update(GRID, "A1:D6", value_input_option=ValueInputOption.raw)
    return sheet


# -- 1. null in a values write leaves the cell as it is ------------------------------------
# Reference: ValueRange.values: "For input ... Null values will be skipped. To set a cell to an
# empty value, set the string value to an empty string."

def test_update_cells_keeps_the_cells_it_does_not_name(grid: gspread.Worksheet) -> None:
    # gspread sends the rectangle A1:D6 with the two values and 22 nulls.
    answer = grid.update_cells([Cell(1, 1, "first"), Cell(6, 4, "last")])
    assert (answer["updatedRows"], answer["updatedColumns"], answer["updatedCells"]) == (2, 2, 2)
    expected = [line[:] for line in GRID]
    expected[0][0], expected[5][3] = "first", "last"
    assert grid.get_all_values() == expected


def test_values_batch_update_skips_nulls_and_empties_empty_strings(grid: gspread.Worksheet) -> None:
    answer = grid.batch_update([{"range": "A1:C2", "values": [[None, "z", None], ["", None, None]]}])
    assert (answer["totalUpdatedRows"], answer["totalUpdatedColumns"], answer["totalUpdatedCells"]) == (2, 2, 2)
    assert grid.get("A1:C2") == [["A1", "z", "C1"], ["", "B2", "C2"]]


# -- 2. a fields mask that names grid data ----------------------------------------------------
# Reference: spreadsheets.get, `includeGridData`: "This parameter is ignored if a field mask was
# set in the request"; `ranges`: the ranges to retrieve (the answer holds the sheets they name).

def test_a_mask_naming_grid_data_returns_it_for_the_ranged_sheet_only(book: gspread.Spreadsheet,
                                                                       grid: gspread.Worksheet) -> None:
    answer = book.client.spreadsheets_get(
        book.id, {"fields": "sheets.data.rowData.values.note", "ranges": "'Grid'"})
    assert answer == {"sheets": [{"data": [{}]}]}
    values = book.client.spreadsheets_get(
        book.id, {"fields": "sheets(properties.title,data.rowData.values.formattedValue)", "ranges": "Grid!B5:C6"})
    assert values == {"sheets": [{"properties": {"title": "Grid"}, "data": [{"rowData": [
        {"values": [{"formattedValue": "B5"}, {"formattedValue": "C5"}]},
        {"values": [{"formattedValue": "B6"}, {"formattedValue": "C6"}]}]}]}]}


def test_get_notes_reads_a_sheet_that_is_not_the_first(grid: gspread.Worksheet) -> None:
    assert grid.get_notes() == [[]]
    assert grid.get_note("B2") == ""


# -- 3. sheet and spreadsheet properties are kept ----------------------------------------------
# Reference: batchUpdate UpdateSheetPropertiesRequest / UpdateSpreadsheetPropertiesRequest, and
# SheetProperties (gridProperties.frozenRowCount, frozenColumnCount, hideGridlines; tabColorStyle).

def test_frozen_header_gridlines_and_tab_colour_read_back(client: gspread.Client, book: gspread.Spreadsheet,
                                                          grid: gspread.Worksheet) -> None:
    grid.freeze(rows=1, cols=2)
    grid.hide_gridlines()
    grid.update_tab_color("#FF0000")
    again = client.open_by_key(book.id).worksheet("Grid")
    assert (again.frozen_row_count, again.frozen_col_count, again.is_gridlines_hidden) == (1, 2, True)
    assert again.tab_color == "#FF0000"
    props = again._properties
    assert (props["tabColorStyle"], props["tabColor"]) == ({"rgbColor": {"red": 1}}, {"red": 1})
    assert props["gridProperties"] == {"rowCount": 20, "columnCount": 10, "frozenRowCount": 1,
                                       "frozenColumnCount": 2, "hideGridlines": True}
    grid.freeze(rows=0, cols=0)
    grid.show_gridlines()
    grid.clear_tab_color()
    plain = client.open_by_key(book.id).worksheet("Grid")._properties
    assert plain["gridProperties"] == {"rowCount": 20, "columnCount": 10} and "tabColorStyle" not in plain


def test_time_zone_and_locale_read_back(client: gspread.Client, book: gspread.Spreadsheet) -> None:
    book.update_timezone("America/New_York")
    book.update_locale("de_DE")
    again = client.open_by_key(book.id)
    assert (again.timezone, again.locale) == ("America/New_York", "de_DE")


def test_a_property_the_sandbox_does_not_keep_is_refused(book: gspread.Spreadsheet, grid: gspread.Worksheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        book.batch_update({"requests": [{"updateSheetProperties": {
            "properties": {"sheetId": grid.id, "gridProperties": {"rowGroupControlAfter": True}},
            "fields": "gridProperties.rowGroupControlAfter"}}]})
    assert err.value.response.status_code == 400
    assert "rowGroupControlAfter" in err.value.response.json()["error"]["message"]


# -- 4. named and protected ranges, merges, filters, notes: kept, or refused ----------------------
# Reference: batchUpdate Response (AddNamedRangeResponse.namedRange, AddProtectedRangeResponse
# .protectedRange), Spreadsheet.namedRanges, Sheet.merges / basicFilter / protectedRanges,
# CellData.note; A1 notation: "a named range" may stand for a range.

def test_named_range_is_created_listed_and_works_as_a_values_range(book: gspread.Spreadsheet,
                                                                    grid: gspread.Worksheet) -> None:
    reply = grid.define_named_range("B1:C3", "Pair")["replies"][0]["addNamedRange"]["namedRange"]
    assert reply["name"] == "Pair" and reply["namedRangeId"]
    # Sheets leaves zero indices out of a GridRange.
    assert reply["range"] == {"sheetId": grid.id, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 3}
    assert book.list_named_ranges() == [reply]
    read = book.values_get("Pair")
    assert (read["range"], read["values"]) == ("Grid!B1:C3", [["B1", "C1"], ["B2", "C2"], ["B3", "C3"]])
    book.values_update("Pair", params={"valueInputOption": "RAW"}, body={"values": [["x"]]})
    assert grid.acell("B1").value == "x"
    grid.insert_row(["new"], 1)
    assert book.values_get("Pair")["range"] == "Grid!B2:C4"
    grid.delete_named_range(reply["namedRangeId"])
    assert book.list_named_ranges() == []


def test_protected_range_is_created_listed_and_deleted(book: gspread.Spreadsheet, grid: gspread.Worksheet) -> None:
    reply = grid.add_protected_range("A1:D1", description="header")["replies"][0]["addProtectedRange"]
    protected = reply["protectedRange"]
    assert isinstance(protected["protectedRangeId"], int)
    assert (protected["range"], protected["description"]) == (
        {"sheetId": grid.id, "endRowIndex": 1, "endColumnIndex": 4}, "header")
    assert book.list_protected_ranges(grid.id) == [protected]
    grid.delete_protected_range(protected["protectedRangeId"])  # type: ignore[arg-type]  # gspread types it str
    assert book.list_protected_ranges(grid.id) == []


def test_merged_cells_keep_the_top_left_value_and_show_in_the_metadata(book: gspread.Spreadsheet,
                                                                      grid: gspread.Worksheet) -> None:
    grid.merge_cells("A1:B2")
    merges = [s for s in book.fetch_sheet_metadata()["sheets"] if s["properties"]["title"] == "Grid"][0]["merges"]
    assert merges == [{"sheetId": grid.id, "endRowIndex": 2, "endColumnIndex": 2}]
    assert grid.get("A1:C2") == [["A1", "", "C1"], ["", "", "C2"]]
    grid.unmerge_cells("A1:B2")
    assert "merges" not in [s for s in book.fetch_sheet_metadata()["sheets"] if s["properties"]["title"] == "Grid"][0]


def test_basic_filter_is_kept_until_cleared(book: gspread.Spreadsheet, grid: gspread.Worksheet) -> None:
    grid.set_basic_filter("A1:D6")
    sheet = [s for s in book.fetch_sheet_metadata()["sheets"] if s["properties"]["title"] == "Grid"][0]
    assert sheet["basicFilter"] == {"range": {"sheetId": grid.id, "endRowIndex": 6, "endColumnIndex": 4}}
    grid.clear_basic_filter()
    sheet = [s for s in book.fetch_sheet_metadata()["sheets"] if s["properties"]["title"] == "Grid"][0]
    assert "basicFilter" not in sheet


def test_notes_are_kept_read_back_and_move_with_their_row(grid: gspread.Worksheet) -> None:
    grid.update_note("B2", "call back on Monday")
    assert grid.get_note("B2") == "call back on Monday"
    assert grid.get_notes() == [[], ["", "call back on Monday"]]
    grid.insert_row(["new"], 1)
    assert grid.get_note("B3") == "call back on Monday" and grid.get_note("B2") == ""
    grid.clear_note("B3")
    assert grid.get_notes() == [[]]


def test_a_formatting_request_the_sandbox_cannot_keep_is_refused(grid: gspread.Worksheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        grid.format("A1", {"textFormat": {"bold": True}})
    error = err.value.response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"].startswith("Invalid requests[0].repeatCell:")


# -- 6. USER_ENTERED parsing, en_US ----------------------------------------------------------------
# Reference: ValueInputOption.USER_ENTERED ("parsed as if the user typed them into the UI ... strings
# may be converted to numbers, dates, etc."), and "Date and number formats" (serial numbers count
# days from 1899-12-30, the time of day as the fraction). en_US: `,` groups thousands, `.` is the
# decimal point, `$` the currency, dates are month/day/year.
TYPED = ["2,000,000.01", "$1,200.50", "10%", "3/15/2024", "2024-03-15 10:30", "-$5.00", "12.50%", "3/15/2024 2:30 PM",
         "10:30"]
PARSED = [2000000.01, 1200.5, 0.1, 45366, 45366.4375, -5, 0.125, 45366.60416666667, 0.4375]


def test_user_entered_numbers_currency_percent_and_dates_are_parsed(grid: gspread.Worksheet) -> None:
    grid.update([TYPED], "A10", value_input_option=ValueInputOption.user_entered)
    unformatted = grid.get("A10:I10", value_render_option=ValueRenderOption.unformatted)[0]
    assert unformatted == pytest.approx(PARSED)
    # Shown as typed; these inputs are already in the format Sheets picks for them.
    assert grid.get("A10:D10")[0] == TYPED[:4]
    dates_as_text = grid.get("A10:D10", value_render_option=ValueRenderOption.unformatted,
                             date_time_render_option=DateTimeOption.formatted_string)[0]
    assert dates_as_text == [2000000.01, 1200.5, 0.1, "3/15/2024"]


def test_text_that_only_looks_like_a_number_or_date_stays_text(grid: gspread.Worksheet) -> None:
    texts = ["1,2,3", "13/45/2024", "$", "10 %%", "3/15/2024x", "1,000.5.5", "25:99"]
    grid.update([texts], "A11", value_input_option=ValueInputOption.user_entered)
    assert grid.get("A11:G11", value_render_option=ValueRenderOption.unformatted)[0] == texts


def test_raw_input_is_never_parsed(grid: gspread.Worksheet) -> None:
    grid.update([TYPED], "A12", value_input_option=ValueInputOption.raw)
    assert grid.get("A12:I12", value_render_option=ValueRenderOption.unformatted)[0] == TYPED


# -- 5. formulas ----------------------------------------------------------------------------------
# Reference: the Sheets function list (SUM, IF, HYPERLINK, CONCATENATE ...) and formula operators
# (& joins text; a reference reads the cell's value). The sandbox evaluates these; a function it
# does not evaluate reads #N/A rather than a made-up value, and an unknown name #NAME? as on Sheets.

def test_common_formulas_are_evaluated(book: gspread.Spreadsheet, grid: gspread.Worksheet) -> None:
    formulas = ["= 1 / 1024", "=SUM(1,2)", "=A1", "=A1&\" \"&B1", '=HYPERLINK("https://example.com","Site")',
                '=IF(B10>2,"big","small")', "=SUM(B10:D10)", "=Grid!C10*2", "=UPPER(A1)"]
    grid.update([[3, 4, 5]], "B10", value_input_option=ValueInputOption.raw)
    grid.update([formulas], "A11", value_input_option=ValueInputOption.user_entered)
    assert grid.get("A11:I11")[0] == ["0.0009765625", "3", "A1", "A1 B1", "Site", "big", "12", "8", "A1"]
    assert grid.get("A11:I11", value_render_option=ValueRenderOption.unformatted)[0] == [
        0.0009765625, 3, "A1", "A1 B1", "Site", "big", 12, 8, "A1"]
    assert grid.get("A11:B11", value_render_option=ValueRenderOption.formula)[0] == ["= 1 / 1024", "=SUM(1,2)"]


def test_formulas_follow_the_cells_they_name(grid: gspread.Worksheet) -> None:
    grid.update([["=A13*2", "=A12+1"]], "A12", value_input_option=ValueInputOption.user_entered)
    grid.update([[21]], "A13", value_input_option=ValueInputOption.raw)
    assert grid.get("A12:B12", value_render_option=ValueRenderOption.unformatted)[0] == [42, 43]
    grid.update([["=B14", "=A14"]], "A14", value_input_option=ValueInputOption.user_entered)  # each names the other
    assert grid.get("A14:B14")[0] == ["#REF!", "#REF!"]


def test_formulas_the_sandbox_cannot_evaluate_say_so(grid: gspread.Worksheet) -> None:
    grid.update([["=VLOOKUP(1,A1:B2,2,FALSE)", "=NOSUCHNAME", "=1/0", '="a"+1']], "A15",
                value_input_option=ValueInputOption.user_entered)
    assert grid.get("A15:D15")[0] == ["#N/A", "#NAME?", "#DIV/0!", "#VALUE!"]


KEPT = "namedRanges,sheets(properties,merges,basicFilter,protectedRanges)"


def test_what_a_sheet_keeps_survives_a_sandbox_restart(tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    first = Sandbox(folder, port=0, seed=False).start()
    try:
        book = gspread_client(first).open_by_key(first.creds.spreadsheet_id)
        sheet = book.sheet1
        sheet.update([["$1,200.50", "3/15/2024", "=A2*2"]], "A2", value_input_option=ValueInputOption.user_entered)
        sheet.update_note("A2", "deal size")
        sheet.define_named_range("A2:C2", "Deal")
        sheet.add_protected_range("A1:F1", description="header")
        sheet.merge_cells("D2:E3")
        sheet.set_basic_filter("A1:F3")
        sheet.freeze(rows=1)
        sheet.update_tab_color("#00FF00")
        before = book.fetch_sheet_metadata({"fields": KEPT})
    finally:
        first.stop()
    second = Sandbox(folder, port=0, seed=False).start()
    try:
        book = gspread_client(second).open_by_key(second.creds.spreadsheet_id)
        after = book.fetch_sheet_metadata({"fields": KEPT})
        assert after == before and "namedRanges" in after and "merges" in after["sheets"][0]
        assert book.sheet1.get_note("A2") == "deal size"
        assert book.values_get("Deal", params={"valueRenderOption": "UNFORMATTED_VALUE"})["values"] == [
            [1200.5, 45366, 2401]]
    finally:
        second.stop()
