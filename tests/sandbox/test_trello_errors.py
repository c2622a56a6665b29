"""Trello's refusals, limits, ids, activity stamps and persistence, as a client sees them on the wire."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import requests

from sandbox import Sandbox
from sandbox.trello.exceptions import TooManyOpenCards
from sandbox.trello.models import TrelloBackend
from tests.sandbox.trello_support import oauth_client, trello_backend


def call(sandbox: Sandbox, method: str, path: str, key: str | None = None, token: str | None = None,
         **kwargs: Any) -> requests.Response:
    params = {"key": sandbox.creds.trello_key if key is None else key,
              "token": sandbox.creds.trello_token if token is None else token}
    return requests.request(method, sandbox.url + path, params=params, timeout=10, **kwargs)


def test_malformed_card_id_is_refused_as_invalid_id(empty_sandbox: Sandbox) -> None:
    answer = call(empty_sandbox, "GET", "/1/cards/not-an-id")
    assert (answer.status_code, answer.text) == (400, "invalid id")
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_unknown_card_and_board_answer_not_found(empty_sandbox: Sandbox) -> None:
    for path in ("/1/cards/" + "a" * 24, "/1/boards/" + "b" * 24, "/1/lists/" + "c" * 24):
        answer = call(empty_sandbox, "GET", path)
        assert (answer.status_code, answer.text) == (404, "The requested resource was not found.")


def test_unknown_path_answers_trellos_404_text(empty_sandbox: Sandbox) -> None:
    answer = call(empty_sandbox, "GET", "/1/nowhere")
    assert (answer.status_code, answer.text) == (404, "Cannot GET /1/nowhere")


def test_wrong_key_or_token_is_refused(empty_sandbox: Sandbox) -> None:
    board = f"/1/boards/{empty_sandbox.creds.board_id}"
    assert (call(empty_sandbox, "GET", board, key="nope").text, 401) == ("invalid key", 401)
    wrong_token = call(empty_sandbox, "GET", board, token="nope")
    assert (wrong_token.status_code, wrong_token.text) == (401, "invalid token")
    no_key = requests.get(empty_sandbox.url + board, timeout=10)
    assert (no_key.status_code, no_key.text) == (401, "invalid key")


def test_key_and_token_in_an_oauth_header_are_accepted(empty_sandbox: Sandbox) -> None:
    header = (f'OAuth oauth_consumer_key="{empty_sandbox.creds.trello_key}", '
              f'oauth_token="{empty_sandbox.creds.trello_token}", oauth_signature="x"')
    answer = requests.get(f"{empty_sandbox.url}/1/boards/{empty_sandbox.creds.board_id}",
                          headers={"Authorization": header}, timeout=10)
    assert answer.status_code == 200 and answer.json()["name"] == "WorkLead Pipeline"


def test_moving_a_card_to_an_unknown_list_is_refused(empty_sandbox: Sandbox) -> None:
    model = trello_backend(empty_sandbox)
    card = model.add_card(model.list_named("TODO").id, "Acme")
    answer = call(empty_sandbox, "PUT", f"/1/cards/{card.id}/idList", data={"value": "d" * 24})
    assert (answer.status_code, answer.text) == (400, "invalid value for idList")


def test_delete_answers_200_with_empty_limits(empty_sandbox: Sandbox) -> None:
    model = trello_backend(empty_sandbox)
    card = model.add_card(model.list_named("TODO").id, "Acme")
    answer = call(empty_sandbox, "DELETE", f"/1/cards/{card.id}")
    assert (answer.status_code, answer.json()) == (200, {"limits": {}})


def test_token_rate_limit_answers_429_with_trellos_body(empty_sandbox: Sandbox) -> None:
    requests.post(empty_sandbox.url + "/_sandbox/limits", timeout=10, headers=empty_sandbox.control_headers(),
                  json={"enabled": True, "scale": 10.0, "limits": {"trello_token": [3, 10]}})
    board = f"/1/boards/{empty_sandbox.creds.board_id}"
    statuses = [call(empty_sandbox, "GET", board).status_code for _ in range(3)]
    refused = call(empty_sandbox, "GET", board)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}


def test_key_rate_limit_names_the_key_bucket(empty_sandbox: Sandbox) -> None:
    requests.post(empty_sandbox.url + "/_sandbox/limits", timeout=10, headers=empty_sandbox.control_headers(),
                  json={"enabled": True, "scale": 10.0, "limits": {"trello_key": [2, 10]}})
    board = f"/1/boards/{empty_sandbox.creds.board_id}"
    answers = [call(empty_sandbox, "GET", board) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].json()["error"] == "API_KEY_LIMIT_EXCEEDED"


def test_full_board_refuses_new_and_unarchived_cards(empty_sandbox: Sandbox) -> None:
    model = trello_backend(empty_sandbox)
    model.open_cards_per_board = 2
    todo = model.list_named("TODO").id
    archived = model.add_card(todo, "Old", closed=True)
    model.add_card(todo, "A")
    model.add_card(todo, "B")
    created = call(empty_sandbox, "POST", "/1/cards", json={"idList": todo, "name": "C"})
    reopened = call(empty_sandbox, "PUT", f"/1/cards/{archived.id}", json={"closed": False})
    assert (created.status_code, created.text) == (400, TooManyOpenCards.text)
    assert (reopened.status_code, reopened.text) == (400, TooManyOpenCards.text)
    assert model.open_card_count(model.list_named("TODO").id_board) == 2


def test_ids_carry_their_creation_time_and_never_repeat() -> None:
    model = TrelloBackend(clock=lambda: 1_586_869_922.0)
    board = model.add_board("B")
    lst = model.add_list(board.id, "L")
    ids = [model.add_card(lst.id, f"c{i}").id for i in range(50)] + [board.id, lst.id]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"5e95b6a2[0-9a-f]{16}", i) for i in ids)


def test_positions_follow_trellos_top_and_bottom_rules() -> None:
    model = TrelloBackend()
    board = model.add_board("B")
    first = model.add_list(board.id, "L1", pos=65535)
    assert model.add_list(board.id, "L3").pos == 32767.5  # no pos: on top, as recorded
    assert model.add_list(board.id, "L4", pos="top").pos == 16383.75
    assert model.add_list(board.id, "L5", pos="bottom").pos == 65535 + 16384
    cards = [model.add_card(first.id, n).pos for n in ("a", "b")]
    assert cards == [16384, 32768]


def test_every_card_change_bumps_card_and_board_activity(empty_sandbox: Sandbox) -> None:
    model = trello_backend(empty_sandbox)
    card = model.add_card(model.list_named("TODO").id, "Acme")
    board = model.boards[card.id_board]
    before = (card.date_last_activity, board.date_last_activity)
    call(empty_sandbox, "PUT", f"/1/cards/{card.id}/desc", json={"value": "changed"})
    assert card.date_last_activity > before[0] and board.date_last_activity > before[1]
    stamp = call(empty_sandbox, "GET", f"/1/boards/{board.id}/dateLastActivity").json()["_value"]
    assert stamp == board.date_last_activity


def test_board_found_by_its_short_link(empty_sandbox: Sandbox) -> None:
    board = trello_backend(empty_sandbox).boards[empty_sandbox.creds.board_id]
    answer = call(empty_sandbox, "GET", f"/1/boards/{board.short_link}")
    assert answer.json()["id"] == board.id


def test_board_and_cards_survive_a_restart(tmp_path: Path) -> None:
    first = Sandbox(tmp_path / "sb", seed=False).start()
    try:
        client = oauth_client(first)
        board = client.get_board(first.creds.board_id)
        card = board.open_lists()[1].add_card("Acme", "kept")
        card.set_closed(True)
    finally:
        first.stop()
    second = Sandbox(tmp_path / "sb", seed=False).start()
    try:
        again = oauth_client(second).get_card(card.id)
        assert (again.name, again.desc, again.closed) == ("Acme", "kept", True)
        assert trello_backend(second).open_cards_per_board == 5000
    finally:
        second.stop()
