"""The sandbox against hostile requests: Trello's text limits, and fault rules that match only what they say."""
from __future__ import annotations

import pytest
import requests

from sandbox import Sandbox
from sandbox.faults import FaultRule
from sandbox.web import Request
from tests.sandbox.test_trello_errors import call
from tests.sandbox.trello_support import trello_model

LIMIT = 16384


def a_list(sandbox: Sandbox) -> str:
    model = trello_model(sandbox)
    return model.add_list(sandbox.creds.board_id, "TODO").id


@pytest.mark.parametrize("field", ["name", "desc"])
def test_a_new_card_text_over_16384_characters_is_refused_as_trello_does(empty_sandbox: Sandbox, field: str) -> None:
    list_id = a_list(empty_sandbox)
    refused = call(empty_sandbox, "POST", "/1/cards", data={"idList": list_id, "name": "x", field: "y" * (LIMIT + 1)})
    assert (refused.status_code, refused.text) == (400, f"invalid value for {field}")
    assert not trello_model(empty_sandbox).cards
    made = call(empty_sandbox, "POST", "/1/cards", data={"idList": list_id, "name": "x", field: "y" * LIMIT})
    assert made.status_code == 200 and len(made.json()[field]) == LIMIT


@pytest.mark.parametrize("field", ["name", "desc"])
def test_an_update_over_16384_characters_is_refused_and_changes_nothing(empty_sandbox: Sandbox, field: str) -> None:
    list_id = a_list(empty_sandbox)
    other = trello_model(empty_sandbox).add_list(empty_sandbox.creds.board_id, "DONE").id
    card = call(empty_sandbox, "POST", "/1/cards", data={"idList": list_id, "name": "x"}).json()
    refused = call(empty_sandbox, "PUT", f"/1/cards/{card['id']}", data={"idList": other, field: "y" * (LIMIT + 1)})
    assert (refused.status_code, refused.text) == (400, f"invalid value for {field}")
    after = call(empty_sandbox, "GET", f"/1/cards/{card['id']}").json()
    assert after["idList"] == list_id and after[field] == card[field]


def request(path: str, method: str = "GET") -> Request:
    return Request.build(method, path, {}, b"")


# (rule path, request path, whether the rule applies)
GLOBS = [
    pytest.param("/1/*", "/1/boards/abc", True, id="trello-glob-matches-trello"),
    pytest.param("/1/*", "/v4/spreadsheets/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms", False,
                 id="trello-glob-skips-a-sheet-id-holding-/1"),
    pytest.param("/1/cards", "/1/cards/5f1c0000000000000000abcd", False, id="exact-path-is-exact"),
    pytest.param("/1/cards*", "/1/cards/5f1c0000000000000000abcd", True, id="star-covers-the-rest"),
    pytest.param("/v4/spreadsheets/*/values:batchUpdate", "/v4/spreadsheets/1abc/values:batchUpdate", True,
                 id="google-glob"),
    pytest.param(".*", "/1/boards/abc", False, id="a-regex-is-not-read-as-one"),
]


@pytest.mark.parametrize("pattern,path,applies", GLOBS)
def test_a_fault_rule_path_is_a_glob_and_nothing_else(pattern: str, path: str, applies: bool) -> None:
    assert FaultRule(path=pattern).matches(request(path)) is applies


def test_a_trello_fault_rule_leaves_google_requests_alone(sandbox: Sandbox) -> None:
    sandbox.faults.configure({"rules": [{"path": "/1/*", "status": 503, "times": 0}]})
    assert call(sandbox, "GET", f"/1/boards/{sandbox.creds.board_id}").status_code == 503
    sheet = requests.get(f"{sandbox.url}/v4/spreadsheets/{sandbox.creds.spreadsheet_id}", timeout=10)
    assert sheet.status_code == 401  # reached the Sheets API (no token), not the fault
