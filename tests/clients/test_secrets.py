"""No API key, token, access token or private key in URLs, exception texts or log records."""
from __future__ import annotations

import json
import logging
import re

import pytest

from clients.google_sheet import GoogleSheet
from clients.trello_board import TrelloBoard
from core.errors import WorkLeadError
from core.models import CellUpdate
from sandbox import Sandbox
from tests.clients.conftest import google_sheet, sandbox_settings, trello_board


def secrets_of(sandbox: Sandbox, sheet: GoogleSheet) -> list[str]:
    key_file = json.loads(sandbox.key_path.read_text())
    found = [sandbox.creds.trello_key, sandbox.creds.trello_token, key_file["private_key"]]
    found += [line for line in key_file["private_key"].splitlines() if "-----" not in line and len(line) > 20]
    token = sheet.session.credentials.token
    assert token, "the sheet client should have fetched an access token by now"
    return found + [token]


def exercise(sandbox: Sandbox, sheet: GoogleSheet, board: TrelloBoard) -> list[str]:
    """Successes and every kind of failure; returns the texts of the errors raised."""
    texts: list[str] = []
    leads = sheet.read().leads
    sheet.write_cells([CellUpdate(leads[0].row, "status", "NEW")])
    snapshot = board.read()
    card = board.create_card("TODO", "Follow-up: A", "Lead ID: 1")
    board.move_card(card.id, "DONE")
    # py-trello's List.list_cards carries key/token between calls through a mutable default.
    from trello import List
    lst = List(board._client.get_board(snapshot.board_id), snapshot.lists["DONE"])
    lst.list_cards()
    lst.list_cards()
    failures = [
        {"path": "/1/cards", "method": "POST", "status": 503, "after": True},
        {"path": "/1/boards/*", "status": 401, "body": "invalid token"},
        {"path": "/1/cards/*", "method": "PUT", "status": 500, "times": 0},
        {"path": "/v4/*", "status": 403},
        {"path": "/v4/*", "status": 429, "retry_after": 0, "times": 0},
        {"path": "/v4/*", "drop": True, "times": 0},
    ]
    calls = [lambda: board.create_card("TODO", "Follow-up: B", "Lead ID: 2"), lambda: board.read(),
             lambda: board.archive_card(card.id), sheet.read, sheet.read, sheet.read]
    for rule, call in zip(failures, calls, strict=True):
        sandbox.faults.clear()
        sandbox.faults.configure({"rules": [rule]})
        with pytest.raises(WorkLeadError) as err:
            call()
        texts += [str(err.value), repr(err.value)]
    sandbox.faults.clear()
    for bad in ({"TRELLO_TOKEN": "f" * 64}, {"TRELLO_API_KEY": "e" * 32}, {"TRELLO_BOARD_ID": "0" * 24}):
        with pytest.raises(WorkLeadError) as err:
            trello_board(sandbox_settings(sandbox, **bad)).read()
        texts.append(str(err.value))
    return texts


def test_no_secret_reaches_a_url_an_error_or_a_log(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    sheet = google_sheet(sandbox_settings(sandbox))
    board = trello_board(sandbox_settings(sandbox))
    texts = exercise(sandbox, sheet, board)
    secrets = secrets_of(sandbox, sheet)
    urls = [f"{e['path']}?{e['query']}" for e in sandbox.log.entries()]
    records = [r.getMessage() for r in caplog.records]
    assert any("/1/lists/" in u for u in urls) and any(r.startswith("GET ") for r in records)
    for secret in secrets:
        assert not [u for u in urls if secret in u], "a secret was sent in a URL"
        assert not [t for t in texts if secret in t], "a secret is in an error message"
        assert not [r for r in records if secret in r], "a secret is in a log record"
    assert not [u for u in urls if re.search(r"[?&](key|token)=", u)]
