"""In-memory sides implementing core.sides' Sheet and Board protocols (our own classes).

They let engine and convergence tests run without HTTP; the end-to-end tests use
the real clients against the sandbox.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Callable, Collection, Optional

from core.config import Settings
from core.errors import AmbiguousWriteError, NotFoundError, ServiceUnavailableError
from core.models import DEFAULT_STATUS_MAP, BoardSnapshot, Card, CellUpdate, Lead, SheetSnapshot, StatusMap

COLUMNS = ("id", "name", "email", "status", "source", "trello_card_id")


def make_settings(tmp_path: Path, conflict_winner: str = "trello", max_delete_percent: float = 50.0) -> Settings:
    return Settings(google_credentials_path=tmp_path / "none.json", spreadsheet_id="sheet", worksheet=None,
                    trello_api_key="key", trello_token="token", trello_board_id="board",
                    mapping_file=tmp_path / "data" / "mapping.json", conflict_winner=conflict_winner,
                    status_map=StatusMap(), max_delete_percent=max_delete_percent, google_api_url=None,
                    trello_api_url=None, log_dir=tmp_path / "logs")


class FakeSheet:
    """A worksheet as a list of rows (row 2 onward); blank rows are kept in place."""

    def __init__(self, leads: list[dict[str, str]] | None = None) -> None:
        self.rows: list[dict[str, str]] = [dict(_blank_row(), **r) for r in (leads or [])]
        self.writes: list[list[CellUpdate]] = []
        self.fail_writes = False
        self.version = 0  # what modified_time shows: changes with every write
        self.lease: Optional[str] = None

    def read(self) -> SheetSnapshot:
        leads = [Lead(i + 2, r["id"], r["name"], r["email"], r["status"], r["source"], r["trello_card_id"],
                      tuple(r[c] for c in COLUMNS)) for i, r in enumerate(self.rows)]
        return SheetSnapshot(title="Leads", header=list(COLUMNS), leads=leads,
                             columns={c: "ABCDEF"[i] for i, c in enumerate(COLUMNS)})

    def write_cells(self, updates: list[CellUpdate]) -> None:
        if not updates:
            return
        if self.fail_writes:
            raise ServiceUnavailableError("The sheet is unavailable.")
        self.version += 1
        self.writes.append(list(updates))
        for u in updates:
            self.rows[u.row - 2][u.column] = u.value

    def write_placed(self, place: Callable[[SheetSnapshot], list[CellUpdate]],
                     snapshot: Optional[SheetSnapshot] = None) -> None:
        self.write_cells(place(snapshot or self.read()))

    # The pair's lease, as the sheet's developer metadata would hold it.
    def create_lease(self, value: str) -> bool:
        if self.lease is not None:
            return False
        self.lease = value
        return True

    def replace_lease(self, old: str, new: str) -> bool:
        if self.lease != old:
            return False
        self.lease = new
        return True

    def lease_value(self) -> Optional[str]:
        return self.lease

    def delete_lease(self, value: str) -> None:
        if self.lease == value:
            self.lease = None

    def append_rows(self, rows: list[dict[str, str]]) -> None:
        self.version += 1
        self.rows += [dict(_blank_row(), **r) for r in rows]

    def delete_rows(self, leads: list[Lead]) -> list[str]:
        self.version += 1
        deleted = []
        for lead in sorted(leads, key=lambda x: -x.row):
            i = lead.row - 2
            if 0 <= i < len(self.rows) and self.rows[i]["id"].strip() == lead.id:
                del self.rows[i]
                deleted.append(lead.id)
        return deleted

    def modified_time(self) -> str:
        return f"version {self.version}"

    # helpers for tests
    def row(self, lead_id: str) -> dict[str, str]:
        return next(r for r in self.rows if r["id"] == lead_id)

    def ids(self) -> list[str]:
        return [r["id"] for r in self.rows if r["id"]]


class FakeBoard:
    def __init__(self, list_names: Optional[list[str]] = None) -> None:
        self.lists = {name: f"list{i}" for i, name in enumerate(list_names or DEFAULT_STATUS_MAP.values())}
        self.cards: dict[str, Card] = {}
        self._ids = itertools.count(1)
        self.version = 0  # what last_activity shows: changes with every write
        self.fail_create_ambiguously = 0  # the next N creates happen, then fail ambiguously

    def new_id(self) -> str:
        return f"{next(self._ids):024x}"

    def add(self, title: str, desc: str, list_name: str, closed: bool = False) -> Card:
        card = Card(self.new_id(), title, desc, self.lists[list_name], list_name, closed)
        self.cards[card.id] = card
        self.version += 1
        return card

    def read(self, wanted: Collection[str] = (), markers: Collection[str] = ()) -> BoardSnapshot:
        # As the real board reads: open cards, and archived ones only when wanted by id or marker.
        cards = [c for c in self.cards.values() if not c.closed or c.id in wanted or c.lead_id in markers]
        return BoardSnapshot("board", dict(self.lists), cards)

    def create_card(self, list_name: str, title: str, desc: str) -> Card:
        card = self.add(title, desc, list_name)
        if self.fail_create_ambiguously:
            self.fail_create_ambiguously -= 1
            raise AmbiguousWriteError("Trello did not answer; the card may have been created.")
        return card

    def move_card(self, card_id: str, list_name: str) -> None:
        self._change(card_id, list_name=list_name, list_id=self.lists[list_name])

    def archive_card(self, card_id: str) -> None:
        self._change(card_id, closed=True)

    def update_card(self, card_id: str, title: Optional[str] = None, desc: Optional[str] = None) -> None:
        card = self.cards.get(card_id)
        self._change(card_id, name=title if title is not None or card is None else card.name,
                     desc=desc if desc is not None or card is None else card.desc)

    def get_card(self, card_id: str) -> Optional[Card]:
        return self.cards.get(card_id)

    def last_activity(self) -> str:
        return f"version {self.version}"

    def _change(self, card_id: str, **fields: object) -> None:
        if card_id not in self.cards:
            raise NotFoundError(f"Trello card {card_id} was not found (no such card).", 404)
        self.cards[card_id] = replace(self.cards[card_id], **fields)  # type: ignore[arg-type]
        self.version += 1

    def open_cards(self) -> list[Card]:
        return [c for c in self.cards.values() if not c.closed]


def _blank_row() -> dict[str, str]:
    return {c: "" for c in COLUMNS}
