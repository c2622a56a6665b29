"""`python main.py restore`: rows a sync deleted come back whole, other columns included."""
from __future__ import annotations

import json

from core.models import marker_lead_id
from tests.cli.conftest import Cli, board_cards, google, trello, write_sheet

HEADER = ["id", "name", "email", "status", "source", "trello_card_id", "phone", "notes"]


def sheet_rows(cli: Cli) -> list[list[str]]:
    with cli.sandbox.lock:
        sheet = google(cli.sandbox).lead_spreadsheet().first_sheet()
        return [[str(c) for c in line] for line in sheet.rows]


def delete_card_of(cli: Cli, lead_id: str) -> None:
    with cli.sandbox.lock:
        model = trello(cli.sandbox).backend
        (card,) = [c for c in model.cards_of_board(cli.sandbox.creds.board_id, "all")
                   if marker_lead_id(c.desc) == lead_id]
        model.delete_card(card.id)


def test_deleted_row_keeps_every_column_and_restore_puts_it_back_as_it_was(cli: Cli) -> None:
    write_sheet(cli.sandbox, 1, 7, ["phone", "notes"])
    write_sheet(cli.sandbox, 5, 7, ["+44 20 7946 0958", "met at the fair; call after 3pm"])
    assert cli("sync").code == 0
    before = next(r for r in sheet_rows(cli) if r[0] == "4")
    delete_card_of(cli, "4")
    deleted = cli("sync")
    assert deleted.code == 0 and "4" not in [r[0] for r in sheet_rows(cli)], deleted.out

    trash = [json.loads(x) for x in (cli.mapping_file.parent / "trash.jsonl").read_text().splitlines()]
    assert trash[-1]["header"] == HEADER and trash[-1]["cells"] == before

    listing = cli("restore")
    assert listing.code == 0, listing.out
    assert "4" in listing.out and "its card was deleted in Trello" in listing.out
    assert trash[-1]["time"][:10] in listing.out

    restored = cli("restore", "4")
    assert restored.code == 0, restored.out
    assert sheet_rows(cli)[-1] == before  # every column as it was
    assert cli("restore", "4").code == 2  # no longer in the trash
    assert "Nothing to restore" in cli("restore").out

    again = cli("sync")  # the restored row is a new lead: it gets a card
    assert again.code == 0, again.out
    cards = [c for c in board_cards(cli.sandbox) if marker_lead_id(c.desc) == "4" and not c.closed]
    assert len(cards) == 1 and next(r for r in sheet_rows(cli) if r[0] == "4")[5] == cards[0].id


def test_restore_of_an_id_not_in_the_trash_exits_2_and_restores_nothing(cli: Cli) -> None:
    assert cli("sync").code == 0
    delete_card_of(cli, "4")
    assert cli("sync").code == 0
    rows = sheet_rows(cli)
    run = cli("restore", "4", "999")
    assert run.code == 2 and "999" in run.out, run.out
    assert sheet_rows(cli) == rows
