"""Developer metadata through the real gspread: create with a fixed id, the duplicate-id refusal,
get, search and delete, in the Sheets API's shapes."""
from __future__ import annotations

import gspread
import pytest

from sandbox import Sandbox
from tests.sandbox.google_support import gspread_client

LEASE_ID = 1464619844


@pytest.fixture
def book(sandbox: Sandbox) -> gspread.Spreadsheet:
    return gspread_client(sandbox).open_by_key(sandbox.creds.spreadsheet_id)


def create(book: gspread.Spreadsheet, value: str, metadata_id: int = LEASE_ID) -> dict:
    return book.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataId": metadata_id, "metadataKey": "worklead.lease", "metadataValue": value,
        "location": {"spreadsheet": True}, "visibility": "DOCUMENT"}}}]})


def lookup(**fields: object) -> dict:
    return {"developerMetadataLookup": fields}


def get(book: gspread.Spreadsheet, metadata_id: int) -> dict:
    url = f"{gspread.urls.SPREADSHEET_URL % book.id}/developerMetadata/{metadata_id}"
    return book.client.request("get", url).json()


def search(book: gspread.Spreadsheet, *filters: dict) -> dict:
    url = f"{gspread.urls.SPREADSHEET_URL % book.id}/developerMetadata:search"
    return book.client.request("post", url, json={"dataFilters": list(filters)}).json()


def test_create_answers_the_entry_and_get_and_search_find_it(book: gspread.Spreadsheet) -> None:
    reply = create(book, "held by A")
    entry = {"metadataId": LEASE_ID, "metadataKey": "worklead.lease", "metadataValue": "held by A",
             "location": {"locationType": "SPREADSHEET", "spreadsheet": True}, "visibility": "DOCUMENT"}
    assert reply == {"spreadsheetId": book.id, "replies": [{"createDeveloperMetadata": {"developerMetadata": entry}}]}
    assert get(book, LEASE_ID) == entry
    by_key = lookup(metadataKey="worklead.lease")
    assert search(book, by_key) == {"matchedDeveloperMetadata": [{"developerMetadata": entry, "dataFilters": [by_key]}]}
    assert search(book, lookup(metadataKey="other")) == {}


def test_a_second_create_with_the_same_id_is_refused_and_changes_nothing(book: gspread.Spreadsheet) -> None:
    create(book, "held by A")
    with pytest.raises(gspread.exceptions.APIError) as refused:
        create(book, "held by B")
    assert refused.value.response.status_code == 400
    assert refused.value.error["status"] == "INVALID_ARGUMENT"
    message = refused.value.error["message"]
    assert "createDeveloperMetadata" in message and str(LEASE_ID) in message
    assert get(book, LEASE_ID)["metadataValue"] == "held by A"


def test_delete_by_id_and_value_in_one_batch_with_a_create_is_all_or_nothing(book: gspread.Spreadsheet) -> None:
    create(book, "held by A")
    swap = [{"deleteDeveloperMetadata": {"dataFilter": lookup(metadataId=LEASE_ID, metadataValue="stale")}},
            {"createDeveloperMetadata": {"developerMetadata": {
                "metadataId": LEASE_ID, "metadataKey": "worklead.lease", "metadataValue": "held by B",
                "location": {"spreadsheet": True}, "visibility": "DOCUMENT"}}}]
    with pytest.raises(gspread.exceptions.APIError):
        book.batch_update({"requests": swap})  # the value is not the stale one: nothing deleted, create refused
    assert get(book, LEASE_ID)["metadataValue"] == "held by A"
    swap[0]["deleteDeveloperMetadata"]["dataFilter"] = lookup(metadataId=LEASE_ID, metadataValue="held by A")
    reply = book.batch_update({"requests": swap})
    assert reply["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"][0]["metadataValue"] == "held by A"
    assert get(book, LEASE_ID)["metadataValue"] == "held by B"


def test_deleted_entry_is_not_found_with_the_apis_message(book: gspread.Spreadsheet) -> None:
    create(book, "held by A")
    book.batch_update({"requests": [{"deleteDeveloperMetadata": {"dataFilter": lookup(metadataId=LEASE_ID)}}]})
    with pytest.raises(gspread.exceptions.APIError) as missing:
        get(book, LEASE_ID)
    assert missing.value.response.status_code == 404
    assert missing.value.error["message"] == f"No developer metadata with ID {LEASE_ID}."
