"""The board client against the Trello sandbox: request counts, safe retries, rate limit, errors."""
from __future__ import annotations

import dataclasses
import threading

import pytest
import requests

from clients.http import trello_client
from clients.trello_board import TrelloBoard
from core.errors import AmbiguousWriteError, BadCredentialsError, NotFoundError, ServiceUnavailableError
from core.models import Card
from sandbox import Sandbox
from tests.clients.conftest import api_requests, sandbox_settings, trello_board, trello_raw
from tests.sandbox.trello_support import trello_backend


def test_reading_the_whole_board_costs_one_request(sandbox: Sandbox, board: TrelloBoard) -> None:
    card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1")
    sandbox.log.clear()
    snapshot = board.read()
    assert len(api_requests(sandbox)) == 1
    assert set(snapshot.lists) == {"TODO", "IN_PROGRESS", "DONE", "LOST"}
    assert [(c.id, c.list_name, c.lead_id) for c in snapshot.cards] == [(card.id, "TODO", "1")]


def test_archived_cards_and_cards_in_archived_lists_are_read_as_archived(sandbox: Sandbox,
                                                                         board: TrelloBoard) -> None:
    archived = board.create_card("TODO", "Follow-up: A", "Lead ID: 1")
    board.archive_card(archived.id)
    in_closed_list = board.create_card("LOST", "Follow-up: B", "Lead ID: 2")
    trello_raw(sandbox, "PUT", f"/lists/{in_closed_list.list_id}/closed", value="true")
    snapshot = board.read(wanted={archived.id})
    assert {c.id: c.closed for c in snapshot.cards} == {archived.id: True, in_closed_list.id: True}
    assert "LOST" not in snapshot.lists


def test_board_short_link_is_resolved_to_the_board(sandbox: Sandbox) -> None:
    short = trello_raw(sandbox, "GET", f"/boards/{sandbox.creds.board_id}", fields="shortLink")["shortLink"]
    board = trello_board(sandbox_settings(sandbox, TRELLO_BOARD_ID=short))
    assert board.read().board_id == sandbox.creds.board_id
    board.create_lists(["Parked"])
    assert "Parked" in board.read().lists


def test_each_card_write_is_one_request(sandbox: Sandbox, board: TrelloBoard) -> None:
    board.read()
    sandbox.log.clear()
    card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1\nEmail: a@x\nSource: web")
    board.move_card(card.id, "DONE")
    board.update_card(card.id, title="Follow-up: Ada L.", desc="Lead ID: 1")
    board.archive_card(card.id)
    log = api_requests(sandbox)
    assert [e["method"] for e in log] == ["POST", "PUT", "PUT", "PUT"]
    after = board.get_card(card.id)
    assert after is not None
    assert (after.list_name, after.name, after.closed) == ("DONE", "Follow-up: Ada L.", True)


def test_a_fresh_board_client_reads_one_card_in_one_request(sandbox: Sandbox, board: TrelloBoard) -> None:
    # The card's list comes nested in the card read (list=true), so no lists request is needed.
    card = board.create_card("DONE", "Follow-up: Ada", "Lead ID: 1")
    fresh = trello_board(sandbox_settings(sandbox))
    sandbox.log.clear()
    found = fresh.get_card(card.id)
    assert found is not None and found.list_name == "DONE"
    assert [e["path"] for e in api_requests(sandbox)] == [f"/1/cards/{card.id}"]


def test_new_cards_go_to_the_bottom_of_their_list(board: TrelloBoard) -> None:
    first = board.create_card("IN_PROGRESS", "Follow-up: A", "Lead ID: 1")
    second = board.create_card("IN_PROGRESS", "Follow-up: B", "Lead ID: 2")
    assert [c.id for c in board.read().cards if c.list_name == "IN_PROGRESS"][-2:] == [first.id, second.id]


def test_a_deleted_card_reads_as_gone(sandbox: Sandbox, board: TrelloBoard) -> None:
    card = board.create_card("TODO", "Follow-up: A", "Lead ID: 1")
    trello_raw(sandbox, "DELETE", f"/cards/{card.id}")
    assert board.get_card(card.id) is None


def test_missing_lists_are_found_and_created(sandbox: Sandbox, board: TrelloBoard) -> None:
    assert board.missing_lists(["TODO", "To Do", "Doing"]) == ["To Do", "Doing"]
    board.create_lists(["To Do", "Doing"])
    assert board.missing_lists(["TODO", "To Do", "Doing"]) == []
    assert {"To Do", "Doing"} <= set(trello_board(sandbox_settings(sandbox)).read().lists)


@pytest.mark.parametrize("rule", [
    {"status": 503, "after": True},
    {"drop": True, "after": True},
    {"status": 504, "after": True},
], ids=["503-after-create", "dropped-after-create", "504-after-create"])
def test_an_ambiguous_card_creation_is_never_repeated(sandbox: Sandbox, board: TrelloBoard, rule: dict) -> None:
    board.read()
    sandbox.faults.configure({"rules": [{"path": "/1/cards", "method": "POST", "times": 1, **rule}]})
    sandbox.log.clear()
    with pytest.raises(AmbiguousWriteError):
        board.create_card("TODO", "Follow-up: Ada", "Lead ID: 7")
    assert len([e for e in api_requests(sandbox) if e["method"] == "POST"]) == 1
    assert [c.lead_id for c in board.read().cards] == ["7"]  # the one card the engine will adopt


@pytest.mark.parametrize("rule", [
    {"status": 429, "retry_after": 0.05, "times": 2},
    {"status": 429, "times": 2},
], ids=["429-retry-after", "429-backoff"])
def test_card_creation_refused_for_rate_is_retried_once_allowed(sandbox: Sandbox, board: TrelloBoard,
                                                                rule: dict) -> None:
    board.read()
    sandbox.faults.configure({"rules": [{"path": "/1/cards", "method": "POST", **rule}]})
    sandbox.log.clear()
    board.create_card("TODO", "Follow-up: Ada", "Lead ID: 7")
    assert [e["status"] for e in api_requests(sandbox)] == [429, 429, 200]
    assert len(board.read().cards) == 1


@pytest.mark.parametrize("rule", [
    {"status": 503, "times": 3},
    {"drop": True, "times": 2},
    {"status": 429, "times": 2},
], ids=["503-burst", "dropped-connection", "429"])
def test_transient_failures_on_reads_and_moves_are_retried(sandbox: Sandbox, board: TrelloBoard, rule: dict) -> None:
    card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 7")
    sandbox.faults.configure({"rules": [{"path": "/1/*", "method": "GET", **rule},
                                        {"path": "/1/cards/*", "method": "PUT", **rule}]})
    sandbox.log.clear()
    assert board.read().cards
    board.move_card(card.id, "DONE")
    statuses = [e["status"] for e in api_requests(sandbox)]
    assert statuses.count(200) == 2 and len(statuses) == 2 * (rule["times"] + 1)


def test_an_invalid_card_id_is_not_retried(sandbox: Sandbox, board: TrelloBoard) -> None:
    board.read()
    sandbox.log.clear()
    with pytest.raises(NotFoundError):
        board.move_card("not-a-card", "DONE")
    with pytest.raises(NotFoundError):
        board.archive_card("0123456789abcdef01234567")
    assert [e["status"] for e in api_requests(sandbox)] == [400, 404]


def test_unknown_board_names_the_setting(sandbox: Sandbox) -> None:
    board = trello_board(sandbox_settings(sandbox, TRELLO_BOARD_ID="0123456789abcdef01234567"))
    with pytest.raises(NotFoundError) as err:
        board.read()
    assert "TRELLO_BOARD_ID" in str(err.value)


@pytest.mark.parametrize("setting", ["TRELLO_API_KEY", "TRELLO_TOKEN"])
def test_rejected_trello_credentials_name_the_setting(sandbox: Sandbox, setting: str) -> None:
    board = trello_board(sandbox_settings(sandbox, **{setting: "0" * 32}))
    with pytest.raises(BadCredentialsError) as err:
        board.read()
    assert setting in str(err.value)


def test_server_errors_that_persist_are_reported_as_unavailable(sandbox: Sandbox, board: TrelloBoard) -> None:
    sandbox.faults.configure({"rules": [{"path": "/1/*", "status": 502, "times": 0}]})
    with pytest.raises(ServiceUnavailableError):
        board.read()
    assert len(api_requests(sandbox)) == 6


def test_concurrent_writes_stay_under_trellos_rate_limit(sandbox: Sandbox) -> None:
    # Trello's limit scaled to 20 requests per second; ours just below it, same window.
    sandbox.limits.configure({"enabled": True, "limits": {"trello_token": [20, 1.0], "trello_key": [60, 1.0]}})
    settings = dataclasses.replace(sandbox_settings(sandbox), trello_rate_limit=18, trello_rate_window=1.0)
    board = trello_board(settings)
    board.read()
    cards = [board.create_card("TODO", f"Follow-up: {i}", f"Lead ID: {i}") for i in range(8)]
    sandbox.log.clear()
    errors: list[BaseException] = []

    def worker(chunk: list) -> None:
        try:
            for card in chunk:
                board.move_card(card.id, "DONE")
                board.update_card(card.id, desc=card.desc + "\n\nnote")
                board.move_card(card.id, "IN_PROGRESS")
                board.archive_card(card.id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(cards[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = [e["status"] for e in api_requests(sandbox)]
    assert errors == []
    assert len(statuses) == 32 and statuses.count(429) == 0
    assert all(c.closed and c.list_name == "IN_PROGRESS" for c in board.read().cards)


def long_lived_board(sandbox: Sandbox, board: TrelloBoard) -> tuple[list, Card]:
    """65 archived cards (leads 100-164, oldest first), one open card (lead 1); pages of 20, answers of 30 at most."""
    model = trello_backend(sandbox)
    todo = model.list_named("TODO", sandbox.creds.board_id)
    archived = [model.add_card(todo.id, f"Follow-up: old {i}", f"Lead ID: {100 + i}", closed=True)
                for i in range(65)]
    open_card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1")
    # Trello refuses answers with too many cards: here, more than 30.
    sandbox.limits.configure({"enabled": False, "max_cards": 30})
    board.page_size = 20
    sandbox.log.clear()
    return archived, open_card


def deleted_card(sandbox: Sandbox, board: TrelloBoard) -> Card:
    """A card made and then deleted in Trello (the request log cleared after)."""
    card = board.create_card("TODO", "Follow-up: Gone", "Lead ID: 2")
    trello_raw(sandbox, "DELETE", f"/cards/{card.id}")
    sandbox.log.clear()
    return card


def pages(sandbox: Sandbox) -> list[str]:
    return [e["query"] for e in api_requests(sandbox) if e["path"].endswith("/cards/closed")]


def lookups(sandbox: Sandbox) -> list[tuple[str, int]]:
    return [(e["path"].rsplit("/", 1)[1], e["status"]) for e in api_requests(sandbox) if "/1/cards/" in e["path"]]


def test_a_long_lived_board_is_read_in_bounded_answers_archived_cards_only_as_needed(sandbox: Sandbox,
                                                                                    board: TrelloBoard) -> None:
    archived, open_card = long_lived_board(sandbox, board)
    refused = requests.get(f"{sandbox.url}/1/boards/{sandbox.creds.board_id}", timeout=5, params={
        "cards": "all", "key": sandbox.creds.trello_key, "token": sandbox.creds.trello_token})
    assert (refused.status_code, refused.json()["error"]) == (449, "API_TOO_MANY_CARDS_REQUESTED")
    sandbox.log.clear()
    assert {c.id for c in board.read().cards} == {open_card.id}
    assert len(api_requests(sandbox)) == 1  # nothing archived wanted: open cards only, one request
    sandbox.log.clear()
    # A lead's marker can only be found by reading the archive: newest first, 20 a page,
    # until the oldest card (lead 100) turns up in the fourth page.
    snapshot = board.read(markers={"1", "100", "164"})
    assert {c.id: c.closed for c in snapshot.cards} == {open_card.id: False, archived[0].id: True,
                                                       archived[-1].id: True}
    assert len(pages(sandbox)) == 4 and all("limit=20" in q for q in pages(sandbox))
    assert "before=" not in pages(sandbox)[0] and all("before=" in q for q in pages(sandbox)[1:])
    sandbox.log.clear()
    # A lead whose card is open costs no page.
    assert len(board.read(markers={"1"}).cards) == 1 and len(api_requests(sandbox)) == 1


def test_a_few_archived_or_deleted_cards_are_looked_up_one_request_each_not_paged(sandbox: Sandbox,
                                                                                 board: TrelloBoard) -> None:
    archived, open_card = long_lived_board(sandbox, board)
    deleted = deleted_card(sandbox, board)
    snapshot = board.read(wanted={open_card.id, archived[0].id, deleted.id})
    assert {c.id: c.closed for c in snapshot.cards} == {open_card.id: False, archived[0].id: True}
    # The board, then one lookup per card not open: 404 says deleted. Paging the archive would take 4.
    assert len(api_requests(sandbox)) == 3 and pages(sandbox) == []
    assert sorted(lookups(sandbox)) == sorted([(archived[0].id, 200), (deleted.id, 404)])
    sandbox.log.clear()
    # A deleted card stays deleted: the next read, and the check before a row is deleted, ask no more.
    assert deleted.id not in {c.id for c in board.read(wanted={deleted.id}).cards}
    assert board.get_card(deleted.id) is None and len(api_requests(sandbox)) == 1


def test_many_missing_cards_are_found_in_archive_pages_first_and_the_rest_looked_up(sandbox: Sandbox,
                                                                                   board: TrelloBoard) -> None:
    archived, _ = long_lived_board(sandbox, board)
    deleted = deleted_card(sandbox, board)
    newest = [card.id for card in archived[-22:]]  # the newest page holds 20 of them
    snapshot = board.read(wanted={*newest, deleted.id})
    assert {c.id for c in snapshot.cards if c.closed} == set(newest)
    # 23 missing: one page (20 found), then 3 lookups (2 archived, 1 deleted) instead of 23 lookups or 4 pages.
    assert len(pages(sandbox)) == 1 and len(lookups(sandbox)) == 3
    assert len(api_requests(sandbox)) == 5


def test_a_card_moved_to_another_board_is_not_read_as_on_this_one(sandbox: Sandbox, board: TrelloBoard) -> None:
    client = trello_client(sandbox_settings(sandbox))
    other = client.add_board("Sales team B")
    card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1")
    client.fetch_json(f"/cards/{card.id}", http_method="PUT",
                      post_args={"idBoard": other.id, "idList": other.list_lists("open")[0].id})
    sandbox.log.clear()
    assert board.read(wanted={card.id, "not-a-card-id"}).cards == []
    assert lookups(sandbox) == [(card.id, 200)]  # a stray value in the card id column is not sent
