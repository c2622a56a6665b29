"""The lead sheet client against the Google sandbox: request counts, layout checks, errors."""
from __future__ import annotations

import dataclasses

import pytest

from clients.google_sheet import GoogleSheet
from core.errors import (
    AccessDeniedError,
    BadCredentialsError,
    BadLayoutError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
)
from core.models import CellUpdate, Lead
from sandbox import Sandbox
from tests.clients.conftest import api_requests, google_sheet, sandbox_settings
from tests.sandbox.google_support import google_backend


def put_values(sheet: GoogleSheet, a1: str, values: list[list[str]]) -> None:
    title = sheet.read().title
    sheet._http.values_update(sheet.spreadsheet_id, f"'{title}'!{a1}",
                                params={"valueInputOption": "RAW"}, body={"values": values})


def test_reading_the_whole_sheet_costs_one_request(sandbox: Sandbox, titled_sheet: GoogleSheet) -> None:
    sandbox.log.clear()
    snapshot = titled_sheet.read()
    log = api_requests(sandbox)
    assert [(e["method"], e["status"]) for e in log] == [("GET", 200)]
    assert "/values/" in log[0]["path"]
    assert snapshot.leads and all(isinstance(lead, Lead) for lead in snapshot.leads)
    assert snapshot.leads[0].row == 2 and snapshot.columns["id"] == "A"


def test_without_worksheet_the_first_visible_one_is_read_in_one_request(sandbox: Sandbox,
                                                                       sheet: GoogleSheet) -> None:
    book = google_backend(sandbox).spreadsheets[sandbox.creds.spreadsheet_id]
    hidden = book.add_sheet("Old leads", index=0, hidden=True)
    hidden.write(0, 0, [["something else entirely"]])
    sandbox.log.clear()
    snapshot = sheet.read()
    assert len(api_requests(sandbox)) == 1  # no metadata request to learn the title
    assert snapshot.title == "Leads" and snapshot.leads
    sandbox.log.clear()
    sheet.delete_rows([snapshot.leads[-1]])  # the sheet id comes from the sheet that was read
    assert [lead.id for lead in sheet.read().leads] == [lead.id for lead in snapshot.leads[:-1]]
    assert hidden.cell(0, 0) == "something else entirely"


def test_a_title_that_needs_quoting_is_learnt_from_the_answer(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    book = google_backend(sandbox).spreadsheets[sandbox.creds.spreadsheet_id]
    book.rename_sheet(book.first_sheet(), "Lead's list 2026")
    snapshot = sheet.read()
    assert snapshot.title == "Lead's list 2026"
    sheet.write_cells([CellUpdate(snapshot.leads[0].row, "status", "LOST")])
    assert sheet.read().leads[0].status == "LOST"


def test_header_without_required_columns_names_them(sheet: GoogleSheet) -> None:
    put_values(sheet, "A1:F1", [["ID", " Name ", "e-mail", "STATUS", "origin", "trello_card_id"]])
    with pytest.raises(BadLayoutError) as err:
        sheet.read()
    assert "email, source" in str(err.value) and "row 1" in str(err.value).lower()


def test_header_in_any_order_and_case_is_accepted(sheet: GoogleSheet) -> None:
    put_values(sheet, "A1:G1", [["Source", "trello_card_id", " ID", "notes", "Name", "EMAIL", "status"]])
    snapshot = sheet.read()
    assert snapshot.columns == {"id": "C", "name": "E", "email": "F", "status": "G", "source": "A",
                                "trello_card_id": "B"}


def test_blank_rows_are_skipped_without_shifting_row_numbers(sheet: GoogleSheet) -> None:
    before = sheet.read().leads
    put_values(sheet, "A3:F3", [["", "", "", "", "", ""]])
    after = sheet.read().leads
    assert [lead.row for lead in after] == [lead.row for lead in before if lead.row != 3]
    assert after[1].row == 4 and after[1].id == before[2].id


def test_all_cell_writes_of_a_run_are_one_raw_batch_request(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    leads = sheet.read().leads
    updates = [CellUpdate(lead.row, "status", "CONTACTED") for lead in leads]
    updates += [CellUpdate(lead.row, "trello_card_id", f"{i:024x}") for i, lead in enumerate(leads)]
    updates.append(CellUpdate(leads[0].row, "name", "=1+1"))
    sandbox.log.clear()
    sheet.write_cells(updates)
    log = api_requests(sandbox)
    assert [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in log] == [("POST", "values:batchUpdate")]
    reread = sheet.read().leads
    assert {lead.status for lead in reread} == {"CONTACTED"}
    assert reread[0].name == "=1+1"  # RAW: text from Trello never becomes a formula
    assert reread[3].card_id == f"{3:024x}"


def test_no_cell_writes_send_nothing(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    sheet.read()
    sandbox.log.clear()
    sheet.write_cells([])
    assert api_requests(sandbox) == []


def test_appended_rows_land_after_the_last_lead_in_one_request(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    last = sheet.read().leads[-1].row
    sandbox.log.clear()
    sheet.append_rows([{"id": "100", "name": "Ada", "email": "ada@example.org", "status": "NEW", "source": "x"},
                       {"id": "101", "name": "Bob", "email": "bob@example.org", "status": "NEW", "source": "y"}])
    assert len(api_requests(sandbox)) == 1
    added = [lead for lead in sheet.read().leads if lead.id in ("100", "101")]
    assert [(lead.row, lead.name) for lead in added] == [(last + 1, "Ada"), (last + 2, "Bob")]


def test_deleting_rows_rereads_and_removes_only_rows_still_holding_their_id(sandbox: Sandbox,
                                                                            sheet: GoogleSheet) -> None:
    leads = sheet.read().leads
    doomed = [leads[1], leads[3], leads[4]]
    # Someone edits the sheet between our read and the deletion: row of leads[3] now holds another lead.
    put_values(sheet, f"A{leads[3].row}", [["999"]])
    sandbox.log.clear()
    deleted = sheet.delete_rows(doomed)
    log = api_requests(sandbox)
    assert deleted == [leads[4].id, leads[1].id]  # bottom-up
    # The sheet id (metadata, once: a read needs none), the re-read, one batch.
    assert [e["method"] for e in log] == ["GET", "GET", "POST"]
    assert log[2]["path"].endswith(":batchUpdate")
    remaining = [lead.id for lead in sheet.read().leads]
    assert leads[1].id not in remaining and leads[4].id not in remaining
    assert "999" in remaining and leads[2].id in remaining


def test_deleting_a_row_is_never_repeated_after_an_ambiguous_failure(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    leads = sheet.read().leads
    sandbox.faults.configure({"rules": [{"path": "*:batchUpdate", "method": "POST", "status": 503,
                                         "after": True, "times": 1}]})
    sandbox.log.clear()
    with pytest.raises(ServiceUnavailableError):
        sheet.delete_rows([leads[0]])
    posts = [e for e in api_requests(sandbox) if e["method"] == "POST"]
    assert len(posts) == 1
    assert len(sheet.read().leads) == len(leads) - 1  # deleted once, not twice


@pytest.mark.parametrize("rule", [
    {"status": 429, "retry_after": 0.05, "times": 2},
    {"status": 429, "times": 2},
    {"status": 503, "times": 3},
    {"drop": True, "times": 2},
], ids=["429-retry-after", "429-backoff", "503-burst", "dropped-connection"])
def test_transient_failures_on_read_are_retried_and_succeed(sandbox: Sandbox, titled_sheet: GoogleSheet,
                                                            rule: dict) -> None:
    sandbox.faults.configure({"rules": [{"path": "/v4/spreadsheets/*/values/*", "method": "GET", **rule}]})
    sandbox.log.clear()
    assert titled_sheet.read().leads
    statuses = [e["status"] for e in api_requests(sandbox)]
    assert statuses[-1] == 200 and len(statuses) == rule["times"] + 1


def test_cell_writes_are_retried_after_a_server_error(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    lead = sheet.read().leads[0]
    sandbox.faults.configure({"rules": [{"path": "*values:batchUpdate", "status": 503, "after": True, "times": 1}]})
    sandbox.log.clear()
    sheet.write_cells([CellUpdate(lead.row, "status", "QUALIFIED")])
    assert [e["status"] for e in api_requests(sandbox)] == [503, 200]
    assert sheet.read().leads[0].status == "QUALIFIED"


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_are_not_retried(sandbox: Sandbox, titled_sheet: GoogleSheet, status: int) -> None:
    sandbox.faults.configure({"rules": [{"path": "/v4/spreadsheets/*/values/*", "status": status, "times": 0}]})
    sandbox.log.clear()
    with pytest.raises((NotFoundError, ServiceUnavailableError)):
        titled_sheet.read()
    assert len(api_requests(sandbox)) == 1


def test_quota_exhaustion_after_retries_is_reported_as_rate_limited(sandbox: Sandbox,
                                                                    titled_sheet: GoogleSheet) -> None:
    sandbox.faults.configure({"rules": [{"path": "/v4/*", "status": 429, "retry_after": 0, "times": 0}]})
    sandbox.log.clear()
    with pytest.raises(RateLimitedError):
        titled_sheet.read()
    assert len(api_requests(sandbox)) == 6


def test_unshared_sheet_says_which_address_to_share_with(sandbox: Sandbox, titled_sheet: GoogleSheet) -> None:
    google = next(s for s in sandbox.services if s.name == "google")
    google.backend.spreadsheets[sandbox.creds.spreadsheet_id].shared_with.clear()  # type: ignore[attr-defined]
    with pytest.raises(AccessDeniedError) as err:
        titled_sheet.read()
    email = sandbox.creds.service_account_email
    assert f"share the sheet with {email} as Editor" in str(err.value)


def test_unknown_spreadsheet_id_names_the_setting(sandbox: Sandbox) -> None:
    sheet = google_sheet(sandbox_settings(sandbox, SPREADSHEET_ID="1NoSuchSheetAtAllxxxxxxxxxxxxxxxxxxxxxxxxxx"))
    with pytest.raises(NotFoundError) as err:
        sheet.read()
    assert "SPREADSHEET_ID" in str(err.value)


def test_unknown_worksheet_names_the_setting_and_the_choices(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    title = sheet.read().title
    missing = google_sheet(dataclasses.replace(sandbox_settings(sandbox), worksheet="No such tab"))
    with pytest.raises(NotFoundError) as err:
        missing.read()
    assert "WORKSHEET" in str(err.value)
    with pytest.raises(NotFoundError) as err:
        missing.delete_rows([Lead(2, "1", "", "", "", "")])
    assert title in str(err.value)


def test_a_key_google_does_not_know_is_reported_as_bad_credentials(sandbox: Sandbox, tmp_path) -> None:
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    info = json.loads(sandbox.key_path.read_text())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info["private_key"] = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(info))
    sheet = google_sheet(sandbox_settings(sandbox, GOOGLE_CREDENTIALS_PATH=str(forged)))
    with pytest.raises(BadCredentialsError) as err:
        sheet.read()
    assert "GOOGLE_CREDENTIALS_PATH" in str(err.value)


def test_modified_time_is_one_drive_request(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    sandbox.log.clear()
    stamp = sheet.modified_time()
    log = api_requests(sandbox)
    assert stamp and len(log) == 1 and log[0]["path"].startswith("/drive/v3/files/")


def test_write_access_check_changes_nothing(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    before = sheet.read()
    sheet.check_write_access()
    assert sheet.read().leads == before.leads


def test_a_drive_answer_that_is_not_json_is_reported_not_raised_raw(sandbox: Sandbox, sheet: GoogleSheet) -> None:
    sandbox.faults.configure({"rules": [{"path": "/drive/v3/files/*", "status": 200, "body": "<html>proxy</html>"}]})
    with pytest.raises(ServiceUnavailableError):
        sheet.modified_time()
