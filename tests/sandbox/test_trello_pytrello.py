"""The real py-trello, in both of its auth modes, does everything WorkLead needs on the sandbox."""
from __future__ import annotations

import re
from typing import Any

import pytest
from trello import TrelloClient
from trello.exceptions import ResourceUnavailable

from sandbox import Sandbox
from tests.sandbox.trello_support import trello_backend

LISTS = ["TODO", "IN_PROGRESS", "DONE", "LOST"]


def board_of(client: TrelloClient, sandbox: Sandbox) -> Any:
    return client.get_board(sandbox.creds.board_id)


def test_board_opens_with_the_four_status_lists_in_order(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    board = board_of(client, empty_sandbox)
    assert board.name == "WorkLead Pipeline"
    assert [lst.name for lst in board.all_lists()] == LISTS
    assert [lst.name for lst in board.open_lists()] == LISTS
    assert board.all_cards() == []


def test_card_created_in_a_list_reads_back_with_its_fields(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    board = board_of(client, empty_sandbox)
    todo = board.open_lists()[0]
    card = todo.add_card("Acme Ltd", "lead: L-001")
    assert re.fullmatch(r"[0-9a-f]{24}", card.id)
    assert [c.id for c in todo.list_cards()] == [card.id]
    again = client.get_card(card.id)
    assert (again.name, again.desc, again.idList, again.closed) == ("Acme Ltd", "lead: L-001", todo.id, False)
    assert again.idBoard == board.id
    assert again.url.startswith("https://trello.com/c/") and again.shortUrl in again.url


def test_moving_archiving_renaming_a_card_shows_on_the_board(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    board = board_of(client, empty_sandbox)
    todo, doing = board.open_lists()[:2]
    card = todo.add_card("Acme", "first")
    card.change_list(doing.id)
    card.set_name("Acme Ltd")
    card.set_description("second")
    card.fetch()
    assert (card.idList, card.name, card.desc) == (doing.id, "Acme Ltd", "second")
    card.set_closed(True)
    assert [c.id for c in board.closed_cards()] == [card.id]
    assert board.open_cards() == []
    assert [c.id for c in board.all_cards()] == [card.id]
    assert doing.list_cards() == []


def test_card_fetch_reads_plugin_data_and_custom_fields(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    card = board_of(client, empty_sandbox).open_lists()[0].add_card("Acme")
    card.fetch()
    assert card.fetch_plugin_data() == []
    assert card.customFields == []


def test_deleted_card_is_gone(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    card = board_of(client, empty_sandbox).open_lists()[0].add_card("Acme")
    card.delete()
    with pytest.raises(ResourceUnavailable) as err:
        client.get_card(card.id)
    assert err.value._status == 404


def test_added_list_appears_among_the_open_lists(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    board = board_of(client, empty_sandbox)
    added = board.add_list("ON_HOLD", pos="bottom")
    assert [lst.name for lst in board.open_lists()] == LISTS + ["ON_HOLD"]
    added.close()
    assert [lst.name for lst in board.open_lists()] == LISTS
    assert [lst.name for lst in board.closed_lists()] == ["ON_HOLD"]


def test_one_board_request_returns_lists_and_every_card(client: TrelloClient, empty_sandbox: Sandbox) -> None:
    model = trello_backend(empty_sandbox)
    todo = model.list_named("TODO")
    model.add_card(todo.id, "Open one", desc="d1")
    model.add_card(todo.id, "Archived one", closed=True)
    body = client.fetch_json(f"/boards/{empty_sandbox.creds.board_id}", query_params={
        "lists": "open", "cards": "all", "card_fields": "name,desc,idList,closed,dateLastActivity"})
    assert [lst["name"] for lst in body["lists"]] == LISTS
    assert sorted((c["name"], c["closed"]) for c in body["cards"]) == [("Archived one", True), ("Open one", False)]
    assert set(body["cards"][0]) == {"id", "name", "desc", "idList", "closed", "dateLastActivity"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["cards"][0]["dateLastActivity"])
