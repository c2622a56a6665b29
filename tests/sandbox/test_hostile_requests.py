"""The sandbox against hostile requests: Trello's text limits, and fault rules that match only what they say."""
from __future__ import annotations

import pytest
import requests

from sandbox import Sandbox
from sandbox.faults import FaultRule
from sandbox.web import Request
from tests.sandbox.test_trello_errors import call
from tests.sandbox.trello_support import trello_backend

LIMIT = 16384


def a_list(sandbox: Sandbox) -> str:
    model = trello_backend(sandbox)
    return model.add_list(sandbox.creds.board_id, "TODO").id


@pytest.mark.parametrize("field", ["name", "desc"])
def test_a_new_card_text_over_16384_characters_is_refused_as_trello_does(empty_sandbox: Sandbox, field: str) -> None:
    list_id = a_list(empty_sandbox)
    refused = call(empty_sandbox, "POST", "/1/cards", data={"idList": list_id, "name": "x", field: "y" * (LIMIT + 1)})
    assert (refused.status_code, refused.text) == (400, f"invalid value for {field}")
    assert not trello_backend(empty_sandbox).cards
    made = call(empty_sandbox, "POST", "/1/cards", data={"idList": list_id, "name": "x", field: "y" * LIMIT})
    assert made.status_code == 200 and len(made.json()[field]) == LIMIT


@pytest.mark.parametrize("field", ["name", "desc"])
def test_an_update_over_16384_characters_is_refused_and_changes_nothing(empty_sandbox: Sandbox, field: str) -> None:
    list_id = a_list(empty_sandbox)
    other = trello_backend(empty_sandbox).add_list(empty_sandbox.creds.board_id, "DONE").id
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


# (request path, injected status, the body the service itself would send)
SERVICE_FAULTS = [
    pytest.param("/1/members/me", 503, "An unexpected error occurred.", id="trello-5xx-is-text"),
    pytest.param("/1/members/me", 400, "invalid request", id="trello-4xx-is-text"),
    pytest.param("/1/members/me", 429, {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"},
                 id="trello-429-is-json"),
    pytest.param("/v4/spreadsheets/x", 503, {"error": {"code": 503, "message": "The service is currently unavailable.",
                                                       "status": "UNAVAILABLE"}}, id="sheets-503"),
    pytest.param("/drive/v3/files/x", 504, {"error": {"code": 504, "message": "The service is currently unavailable.",
                                                      "status": "DEADLINE_EXCEEDED"}}, id="drive-504"),
    pytest.param("/v4/spreadsheets/x", 429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message":
                 "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
                 "of service 'sheets.googleapis.com'."}}, id="sheets-429"),
]


@pytest.mark.parametrize("path,status,body", SERVICE_FAULTS)
def test_an_injected_fault_answers_in_the_services_own_words(sandbox: Sandbox, path: str, status: int,
                                                             body: object) -> None:
    sandbox.faults.configure({"rules": [{"path": path, "status": status}]})
    answer = requests.get(f"{sandbox.url}{path}", timeout=10)
    assert answer.status_code == status
    assert (answer.text if isinstance(body, str) else answer.json()) == body


@pytest.mark.parametrize("method,path", [("GET", "/nowhere"), ("PATCH", "/v4/spreadsheets/x")])
def test_a_path_or_method_no_service_routes_is_googles_not_found(sandbox: Sandbox, method: str, path: str) -> None:
    answer = requests.request(method, f"{sandbox.url}{path}", timeout=10)
    assert (answer.status_code, answer.json()) == (404, {"error": {"code": 404, "message":
                                                                   "Requested entity was not found.",
                                                                   "status": "NOT_FOUND"}})
    assert sandbox.log.entries()[-1]["service"] == (None if path == "/nowhere" else "sheets")
