"""One contract for each side the engine syncs, run against the in-memory fakes and against the real
clients (gspread and py-trello on the sandbox): what the engine relies on, so the fakes cannot drift."""
from __future__ import annotations

import dataclasses
from typing import Callable

import pytest

from clients.google_sheet import GoogleSheet
from clients.trello_board import TrelloBoard
from core.errors import NotFoundError
from core.models import CellUpdate
from core.sides import Board, Sheet
from tests.engine.conftest import World
from tests.engine.fakes import FakeBoard, FakeSheet

ROWS = [["1", "Ada", "ada@x.io", "NEW", "web", ""],
        ["2", "Bob", "bob@x.io", "CONTACTED", "fair", ""],
        ["3", "Cy", "cy@x.io", "QUALIFIED", "web", ""]]
COLUMNS = ("id", "name", "email", "status", "source", "trello_card_id")
MissingCard = "0123456789abcdef01234567"

SheetMaker = Callable[[list[list[str]]], Sheet]
BoardMaker = Callable[[], Board]


class SheetContract:
    """Any Sheet: subclasses supply `make_sheet(rows)`, a sheet holding the header and these rows."""

    def test_read_gives_every_lead_with_its_sheet_row(self, make_sheet: SheetMaker) -> None:
        leads = make_sheet(ROWS).read().leads
        assert [(lead.row, lead.id, lead.name, lead.status, lead.card_id) for lead in leads] == [
            (2, "1", "Ada", "NEW", ""), (3, "2", "Bob", "CONTACTED", ""), (4, "3", "Cy", "QUALIFIED", "")]

    def test_written_cells_read_back_as_typed_never_as_formulas(self, make_sheet: SheetMaker) -> None:
        sheet = make_sheet(ROWS)
        sheet.write_cells([CellUpdate(3, "status", "QUALIFIED"), CellUpdate(2, "trello_card_id", "=1+1")])
        leads = {lead.id: lead for lead in sheet.read().leads}
        assert leads["2"].status == "QUALIFIED" and leads["1"].card_id == "=1+1"

    def test_rows_are_deleted_only_while_they_still_hold_the_lead(self, make_sheet: SheetMaker) -> None:
        sheet = make_sheet(ROWS)
        ada, bob, cy = sheet.read().leads
        moved = dataclasses.replace(bob, row=cy.row)  # a row number that holds someone else
        assert sorted(sheet.delete_rows([cy, moved])) == ["3"]
        assert [lead.id for lead in sheet.read().leads] == ["1", "2"]

    def test_modified_time_changes_when_the_sheet_changes(self, make_sheet: SheetMaker) -> None:
        sheet = make_sheet(ROWS)
        before = sheet.modified_time()
        sheet.write_cells([CellUpdate(2, "status", "LOST")])
        assert sheet.modified_time() != before


class BoardContract:
    """Any Board: subclasses supply `make_board()`, the default four lists and no card."""

    def test_a_created_card_reads_back_in_its_list(self, make_board: BoardMaker) -> None:
        board = make_board()
        made = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1")
        snapshot = board.read()
        assert set(snapshot.lists) >= {"TODO", "IN_PROGRESS", "DONE", "LOST"}
        assert [(c.id, c.name, c.desc, c.list_name, c.closed) for c in snapshot.cards] == [
            (made.id, "Follow-up: Ada", "Lead ID: 1", "TODO", False)]
        assert made.lead_id == "1"

    def test_moved_updated_and_archived_cards_read_back_so(self, make_board: BoardMaker) -> None:
        board = make_board()
        card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1")
        board.move_card(card.id, "DONE")
        board.update_card(card.id, title="Follow-up: Ada L.")
        board.archive_card(card.id)
        assert board.read().cards == []  # archived cards come only when wanted
        [read] = board.read(wanted={card.id}).cards
        assert (read.list_name, read.name, read.desc, read.closed) == ("DONE", "Follow-up: Ada L.", "Lead ID: 1", True)
        found = board.get_card(card.id)
        assert found is not None and found.closed

    def test_an_archived_card_reads_back_when_its_lead_is_wanted(self, make_board: BoardMaker) -> None:
        board = make_board()
        card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 7")
        board.archive_card(card.id)
        board.create_card("TODO", "Follow-up: Bo", "Lead ID: 8")
        assert [c.lead_id for c in board.read(markers={"9"}).cards] == ["8"]
        assert {(c.lead_id, c.closed) for c in board.read(markers={"7"}).cards} == {("7", True), ("8", False)}

    def test_a_card_that_does_not_exist_is_none_to_look_up_and_not_found_to_change(
            self, make_board: BoardMaker) -> None:
        board = make_board()
        assert board.get_card(MissingCard) is None
        for change in (lambda: board.move_card(MissingCard, "DONE"), lambda: board.archive_card(MissingCard),
                       lambda: board.update_card(MissingCard, title="x")):
            with pytest.raises(NotFoundError):
                change()

    def test_last_activity_changes_when_the_board_changes(self, make_board: BoardMaker) -> None:
        board = make_board()
        card = board.create_card("TODO", "Follow-up: Ada", "Lead ID: 1")
        before = board.last_activity()
        board.move_card(card.id, "DONE")
        assert board.last_activity() != before


class TestFakeSheet(SheetContract):
    @pytest.fixture
    def make_sheet(self) -> SheetMaker:
        return lambda rows: FakeSheet([dict(zip(COLUMNS, row, strict=True)) for row in rows])


class TestRealSheet(SheetContract):
    @pytest.fixture
    def make_sheet(self, empty_world: World) -> SheetMaker:
        def make(rows: list[list[str]]) -> Sheet:
            empty_world.set_rows(rows)
            return GoogleSheet.from_settings(empty_world.settings)
        return make


class TestFakeBoard(BoardContract):
    @pytest.fixture
    def make_board(self) -> BoardMaker:
        return FakeBoard


class TestRealBoard(BoardContract):
    @pytest.fixture
    def make_board(self, empty_world: World) -> BoardMaker:
        return lambda: TrelloBoard.from_settings(empty_world.settings)
