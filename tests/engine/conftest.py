"""End-to-end helpers: the engine with the real clients against the sandbox, and direct model access.

Set-up and outside edits go straight to the sandbox's models (fast, and not in the request
log); everything the engine does goes over HTTP through gspread and py-trello.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterator

import pytest

from clients.google_sheet import GoogleSheet
from clients.trello_board import TrelloBoard
from core.config import Settings, load_settings
from core.models import Card, marker_lead_id
from core.sync_logic import SyncEngine
from sandbox import Sandbox
from tests.support import FAST_RETRIES


class World:
    """A sandbox seen from a test: its sheet rows, its cards, its request log, an engine."""

    def __init__(self, sandbox: Sandbox, data_dir: Path, **env: str) -> None:
        self.sandbox = sandbox
        self.data_dir = data_dir
        self.env = env
        google = next(s for s in sandbox.services if s.name == "google")
        trello = next(s for s in sandbox.services if s.name == "trello")
        self.worksheet = google.lead_spreadsheet().first_sheet()  # type: ignore[attr-defined]
        self.trello = trello.backend  # type: ignore[attr-defined]

    @property
    def settings(self) -> Settings:
        settings = load_settings(env={}, env_file=None, overrides={
            **self.sandbox.settings(), "MAPPING_FILE": str(self.data_dir / "mapping.json"), **self.env})
        return dataclasses.replace(settings, retry_policy=FAST_RETRIES)

    def engine(self, **env: str) -> SyncEngine:
        self.env.update(env)
        settings = self.settings
        return SyncEngine(settings, GoogleSheet.from_settings(settings), TrelloBoard.from_settings(settings))

    # -- the request log --------------------------------------------------------------
    def requests(self) -> list[dict[str, Any]]:
        return [e for e in self.sandbox.log.entries() if e["path"] != "/token"]

    def clear_log(self) -> None:
        self.sandbox.log.clear()

    # -- the sheet ------------------------------------------------------------------
    def rows(self) -> list[list[str]]:
        with self.sandbox.lock:
            return [[str(c) for c in line] + [""] * (6 - len(line)) for line in self.worksheet.rows[1:]]

    def row(self, lead_id: str) -> list[str]:
        return next(r for r in self.rows() if r[0] == lead_id)

    def set_cell(self, lead_id: str, column: int, value: str) -> None:
        with self.sandbox.lock:
            i = next(i for i, line in enumerate(self.worksheet.rows) if line and str(line[0]) == lead_id)
            self.worksheet.set_cell(i, column, value)

    def set_status(self, lead_id: str, status: str) -> None:
        self.set_cell(lead_id, 3, status)

    def delete_row(self, lead_id: str) -> None:
        with self.sandbox.lock:
            i = next(i for i, line in enumerate(self.worksheet.rows) if line and str(line[0]) == lead_id)
            self.worksheet.delete("ROWS", i, i + 1)

    def set_rows(self, rows: list[list[str]]) -> None:
        with self.sandbox.lock:
            self.worksheet.resize(rows=len(rows) + 10)
            header = self.worksheet.rows[0]
            self.worksheet.rows = [header]
            self.worksheet.write(1, 0, rows)

    # -- the board ------------------------------------------------------------------
    def cards(self, open_only: bool = True) -> list[Any]:
        with self.sandbox.lock:
            return [c for c in self.trello.cards.values() if not (open_only and c.closed)]

    def card_for(self, lead_id: str) -> Any:  # None when no card names the lead
        found = [c for c in self.cards(open_only=False) if marker_lead_id(c.desc) == lead_id]
        return sorted(found, key=lambda c: (c.closed, c.id))[0] if found else None

    def list_name(self, card: Any) -> str:
        return self.trello.lists[card.id_list].name

    def move(self, lead_id: str, list_name: str) -> None:
        with self.sandbox.lock:
            card = self.card_for(lead_id)
            self.trello.move_card(card.id, self.trello.list_named(list_name, card.id_board).id)

    def delete_card(self, lead_id: str) -> None:
        with self.sandbox.lock:
            self.trello.delete_card(self.card_for(lead_id).id)

    def archive_card(self, lead_id: str) -> None:
        with self.sandbox.lock:
            self.trello.update_card(self.card_for(lead_id).id, closed=True)

    def add_card(self, list_name: str, title: str, desc: str) -> Card:
        with self.sandbox.lock:
            board_id = self.sandbox.creds.board_id
            raw = self.trello.add_card(self.trello.list_named(list_name, board_id).id, title, desc)
            return Card(raw.id, raw.name, raw.desc, raw.id_list, list_name)


@pytest.fixture
def world(sandbox: Sandbox, tmp_path: Path) -> Iterator[World]:
    yield World(sandbox, tmp_path / "data")


@pytest.fixture
def empty_world(empty_sandbox: Sandbox, tmp_path: Path) -> Iterator[World]:
    yield World(empty_sandbox, tmp_path / "data")
