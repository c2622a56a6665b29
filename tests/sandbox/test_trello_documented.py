"""Trello answers that no cassette recorded, checked against Trello's published API reference.

Source for each: Trello's OpenAPI description (trello-openapi.json, the copy in the project's
recorded-traffic folder) and the REST reference it is generated from, as named in each test.
"""
from __future__ import annotations

import pytest
import requests
from trello import TrelloClient
from trello.exceptions import Unauthorized

from sandbox import Sandbox
from tests.sandbox.trello_support import client, query_client, trello_backend  # noqa: F401  (fixture)


def test_card_read_with_list_true_carries_its_list(empty_sandbox: Sandbox) -> None:
    # Reference: GET /1/cards/{id}, parameter `list` ("See the Lists Nested Resource"): the
    # card's list comes back nested under "list", shaped by `list_fields`.
    model = trello_backend(empty_sandbox)
    todo = model.list_named("TODO")
    card = model.add_card(todo.id, "Acme")
    body = query_client(empty_sandbox).fetch_json(
        f"/cards/{card.id}", query_params={"fields": "id,name", "list": "true", "list_fields": "id,name,closed"})
    assert body == {"id": card.id, "name": "Acme", "list": {"id": todo.id, "name": "TODO", "closed": False}}


@pytest.mark.parametrize("path", ["/1/nowhere", "/1/members/me/notifications", "/1/search", "/1/cards/x/y/z"])
def test_bad_key_is_refused_before_the_path_is_looked_at(empty_sandbox: Sandbox, path: str) -> None:
    # Trello authenticates every /1/ request first: a bad key answers 401 "invalid key" on any
    # path, served or not (REST reference, "Authorization").
    answer = requests.get(empty_sandbox.url + path, params={"key": "nope", "token": "nope"}, timeout=10)
    assert (answer.status_code, answer.text) == (401, "invalid key")
    token = requests.get(empty_sandbox.url + path, params={"key": empty_sandbox.creds.trello_key, "token": "x"},
                         timeout=10)
    assert (token.status_code, token.text) == (401, "invalid token")


def test_list_boards_finds_the_members_boards(client: TrelloClient, empty_sandbox: Sandbox) -> None:  # noqa: F811
    # py-trello's TrelloClient.list_boards() sends GET /1/members/me/boards/?filter=all.
    boards = client.list_boards()
    assert [(b.id, b.name, b.closed) for b in boards] == [(empty_sandbox.creds.board_id, "WorkLead Pipeline", False)]
    assert boards[0].url.startswith("https://trello.com/b/")
    assert [b.name for b in client.list_boards("open")] == ["WorkLead Pipeline"]
    assert client.list_boards("closed") == []


def test_member_boards_honour_filter_and_fields(empty_sandbox: Sandbox) -> None:
    # Reference: GET /1/members/{id}/boards, `filter` = all or a comma list of closed, members,
    # open, organization, public, starred; `fields` = all (default) or a comma list.
    model = trello_backend(empty_sandbox)
    model.boards[empty_sandbox.creds.board_id].closed = True
    fetch = query_client(empty_sandbox).fetch_json
    closed = fetch("/members/me/boards", query_params={"filter": "closed,starred", "fields": "name,closed"})
    assert closed == [{"id": empty_sandbox.creds.board_id, "name": "WorkLead Pipeline", "closed": True}]
    assert fetch("/members/me/boards", query_params={"filter": "open"}) == []
    assert fetch("/members/me/boards/closed", query_params={"fields": "name"})[0]["name"] == "WorkLead Pipeline"
    nested = fetch("/members/me/boards", query_params={"fields": "name", "lists": "open", "list_fields": "name"})
    assert [lst["name"] for lst in nested[0]["lists"]] == ["TODO", "IN_PROGRESS", "DONE", "LOST"]
    full = fetch("/members/me/boards")[0]
    assert {"id", "name", "desc", "closed", "url", "shortUrl", "prefs", "dateLastActivity"} <= set(full)
    bad = requests.get(f"{empty_sandbox.url}/1/members/me/boards", timeout=10, params={
        "filter": "sideways", "key": empty_sandbox.creds.trello_key, "token": empty_sandbox.creds.trello_token})
    assert (bad.status_code, bad.text) == (400, "invalid value for filter")


def test_member_me_is_the_token_holder(client: TrelloClient, empty_sandbox: Sandbox) -> None:  # noqa: F811
    # Reference: GET /1/members/{id} ("me" is the token's member), `fields` default all.
    me = client.fetch_json("/members/me")
    assert len(me["id"]) == 24 and me["idBoards"] == [empty_sandbox.creds.board_id]
    member = client.get_member(me["username"])
    assert (member.id, member.full_name, member.username) == (me["id"], me["fullName"], me["username"])
    assert client.get_member(me["id"]).username == me["username"]
    assert client.fetch_json("/members/me", query_params={"fields": "username"}) == {
        "id": me["id"], "username": me["username"]}
    with pytest.raises(Exception) as err:
        client.get_member("someoneelse")
    assert err.value._status == 404  # type: ignore[attr-defined]
    assert not isinstance(err.value, Unauthorized)
