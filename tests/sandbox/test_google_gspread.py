"""The real gspread, with the sandbox's generated key, does everything WorkLead needs against the sandbox."""
from __future__ import annotations

import gspread
import pytest
import requests
from gspread.utils import ValueInputOption, ValueRenderOption
from gspread.worksheet import ValueRange

from sandbox import Sandbox
from sandbox.google.service import HEADER
from tests.sandbox.google_support import credentials, google_backend, gspread_client, requests_to


@pytest.fixture
def client(sandbox: Sandbox) -> gspread.Client:
    return gspread_client(sandbox)


@pytest.fixture
def leads(sandbox: Sandbox, client: gspread.Client) -> gspread.Worksheet:
    return client.open_by_key(sandbox.creds.spreadsheet_id).worksheet("Leads")


def test_demo_sheet_opens_with_header_and_a_dozen_leads(sandbox: Sandbox, client: gspread.Client) -> None:
    book = client.open_by_key(sandbox.creds.spreadsheet_id)
    rows = book.sheet1.get_all_values()
    assert book.title == "WorkLead Leads"
    assert book.sheet1.title == "Leads" and book.sheet1.id == 0
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 13)]
    assert {r[3] for r in rows[1:]} == {"NEW", "CONTACTED", "QUALIFIED", "LOST"}
    assert all(r[5] == "" for r in rows[1:])


def test_empty_sandbox_sheet_holds_only_the_header(empty_sandbox: Sandbox) -> None:
    sheet = gspread_client(empty_sandbox).open_by_key(empty_sandbox.creds.spreadsheet_id).sheet1
    assert sheet.get_all_values() == [HEADER]


def test_raw_update_keeps_text_exactly_and_user_entered_computes(leads: gspread.Worksheet) -> None:
    leads.update([["=1+1", "0042"]], "H2", value_input_option=ValueInputOption.raw)
    leads.update([["=2*3", "0042"]], "H3", value_input_option=ValueInputOption.user_entered)
    assert leads.get("H2:I3") == [["=1+1", "0042"], ["6", "42"]]
    assert leads.get("H3:I3", value_render_option=ValueRenderOption.formula) == [["=2*3", 42]]
    assert leads.get("H3:I3", value_render_option=ValueRenderOption.unformatted) == [[6, 42]]


def test_range_reads_report_the_range_and_trim_empty_cells(leads: gspread.Worksheet) -> None:
    result = leads.get("A1:Z3")
    assert isinstance(result, ValueRange)
    assert result.range == "Leads!A1:Z3"
    assert result == [HEADER, ["1", "Maria Schneider", "maria.schneider@brightlane.de", "NEW", "Website"],
                      ["2", "James Okafor", "j.okafor@okafor-logistics.com", "CONTACTED", "Referral"]]
    assert "values" not in leads.spreadsheet.values_get("Leads!K1:L5")


def test_batch_update_of_cells_writes_each_range(leads: gspread.Worksheet) -> None:
    leads.batch_update([{"range": "F2", "values": [["card-1"]]}, {"range": "D3:E3", "values": [["LOST", "Web"]]}])
    assert leads.acell("F2").value == "card-1"
    assert leads.row_values(3)[3:5] == ["LOST", "Web"]


def test_values_batch_get_returns_each_range(sandbox: Sandbox, client: gspread.Client) -> None:
    book = client.open_by_key(sandbox.creds.spreadsheet_id)
    answer = book.values_batch_get(["Leads!A1:B1", "'Leads'!A13:A"])
    assert [v["range"] for v in answer["valueRanges"]] == ["Leads!A1:B1", "Leads!A13:A1000"]
    assert answer["valueRanges"][1]["values"] == [["12"]]


def test_append_row_lands_below_the_last_lead(leads: gspread.Worksheet) -> None:
    leads.append_row(["13", "Nora Berg", "nora@berg.no", "NEW", "Website", ""], value_input_option=ValueInputOption.raw)
    rows = leads.get_all_values()
    assert len(rows) == 14 and rows[13][:2] == ["13", "Nora Berg"]


def test_delete_rows_shifts_later_leads_up(leads: gspread.Worksheet) -> None:
    leads.delete_rows(3, 4)
    ids = [r[0] for r in leads.get_all_values()[1:]]
    assert ids == ["1", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
    assert leads.spreadsheet.worksheet("Leads").row_count == 998


def test_worksheets_can_be_added_renamed_and_removed(sandbox: Sandbox, client: gspread.Client) -> None:
    book = client.open_by_key(sandbox.creds.spreadsheet_id)
    extra = book.add_worksheet("Archive 2024", rows=20, cols=5)
    extra.update_title("Old leads")
    assert [w.title for w in book.worksheets()] == ["Leads", "Old leads"]
    assert book.worksheet("Old leads").row_count == 20
    book.del_worksheet(extra)
    assert [w.title for w in book.worksheets()] == ["Leads"]


def test_spreadsheet_batch_update_inserts_rows(leads: gspread.Worksheet) -> None:
    leads.spreadsheet.batch_update({"requests": [{"insertDimension": {
        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}]})
    assert leads.row_values(2) == [] and leads.row_values(3)[0] == "1"


def test_clear_empties_the_sheet(leads: gspread.Worksheet) -> None:
    leads.clear()
    answer = leads.spreadsheet.values_get("Leads")
    assert answer["range"] == "Leads!A1:Z1000" and "values" not in answer


def test_last_update_time_moves_on_every_write(sandbox: Sandbox, leads: gspread.Worksheet) -> None:
    before = leads.spreadsheet.get_lastUpdateTime()
    leads.update_acell("E2", "Referral")
    after = leads.spreadsheet.get_lastUpdateTime()
    assert after > before


def test_open_by_title_finds_the_shared_spreadsheet(sandbox: Sandbox, client: gspread.Client) -> None:
    assert client.open("WorkLead Leads").id == sandbox.creds.spreadsheet_id
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open("Nobody's sheet")


def test_spreadsheet_not_shared_with_the_service_account_is_forbidden(sandbox: Sandbox,
                                                                     client: gspread.Client) -> None:
    google_backend(sandbox).add_spreadsheet("1privateSheetNotSharedWithTheServiceAcct00", "Private",
                                          shared_with=["someone@example.com"])
    with pytest.raises(PermissionError) as caught:
        client.open_by_key("1privateSheetNotSharedWithTheServiceAcct00")
    cause = caught.value.__cause__
    assert isinstance(cause, gspread.exceptions.APIError)
    assert cause.response.status_code == 403
    assert cause.response.json()["error"]["status"] == "PERMISSION_DENIED"


def test_unknown_spreadsheet_is_not_found(client: gspread.Client) -> None:
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open_by_key("1doesNotExist000000000000000000000000000000")


def test_unknown_worksheet_range_is_a_parse_error(leads: gspread.Worksheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        leads.spreadsheet.values_get("Nope!A1")
    error = caught.value.response.json()["error"]
    assert (error["code"], error["status"], error["message"]) == (
        400, "INVALID_ARGUMENT", "Unable to parse range: Nope!A1")


def test_request_without_token_is_unauthenticated(sandbox: Sandbox) -> None:
    answer = requests.get(f"{sandbox.url}/v4/spreadsheets/{sandbox.creds.spreadsheet_id}", timeout=5)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Request is missing required authentication credential.")


def test_request_with_unknown_token_is_unauthenticated(sandbox: Sandbox) -> None:
    answer = requests.get(f"{sandbox.url}/v4/spreadsheets/{sandbox.creds.spreadsheet_id}/values/Leads",
                          headers={"Authorization": "Bearer ya29.made-up"}, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"].startswith("Request had invalid authentication credentials.")


def test_one_token_then_one_request_per_read(sandbox: Sandbox, client: gspread.Client) -> None:
    sheet = client.open_by_key(sandbox.creds.spreadsheet_id).sheet1
    sandbox.log.clear()
    sheet.get_all_values()
    assert [(e["method"], e["status"]) for e in requests_to(sandbox, "sheets")] == [("GET", 200)]
    assert requests_to(sandbox, "oauth") == []


def test_credentials_refresh_against_the_sandbox_token_endpoint(sandbox: Sandbox) -> None:
    creds = credentials(sandbox)
    from google.auth.transport.requests import Request

    creds.refresh(Request())
    assert creds.token and creds.valid
    assert [e["status"] for e in requests_to(sandbox, "oauth")] == [200]


def test_a_range_without_a_sheet_name_addresses_the_first_visible_sheet(sandbox: Sandbox,
                                                                        client: gspread.Client) -> None:
    # Google's A1 notation: "A1:B2 refers to the first two cells in the top two rows of the first visible sheet".
    book = client.open_by_key(sandbox.creds.spreadsheet_id)
    hidden = book.add_worksheet("Archive", rows=5, cols=3, index=0)
    hidden.update([["archived"]], "A1")
    book.batch_update({"requests": [{"updateSheetProperties": {
        "properties": {"sheetId": hidden.id, "hidden": True}, "fields": "hidden"}}]})
    answer = client.http_client.values_get(sandbox.creds.spreadsheet_id, "A1:B2")
    assert answer["range"] == "Leads!A1:B2" and answer["values"][0] == ["id", "name"]
    whole = client.http_client.values_get(sandbox.creds.spreadsheet_id, "A:ZZZ")
    assert whole["range"] == "Leads!A1:Z1000" and len(whole["values"]) == 13
    assert hidden.acell("A1").value == "archived"
