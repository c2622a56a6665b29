"""Every kind of change the planner makes, in the console's words: one sentence per kind and cause."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from cli.changes import failed_sentence, sentence
from core.models import BoardSnapshot, Card, Lead, Link, SheetSnapshot, fields_hash
from core.plan import KINDS, Action, Count, Kind, Mode, PlanOptions
from core.planner import plan
from core.results import SyncResult

HEADER = ["id", "name", "email", "status", "source", "trello_card_id"]
LISTS = {"TODO": "l1", "IN_PROGRESS": "l2", "DONE": "l3", "LOST": "l4"}
CARD = "c" * 24
NAME = "Ada [b]Lovelace"  # markup-like text is shown as typed


def row(status: str = "NEW", lead_id: str = "12", card_id: str = CARD, email: str = "ada@x.io") -> Lead:
    return Lead(row=2, id=lead_id, name=NAME, email=email, status=status, source="web", card_id=card_id)


def card(list_name: str = "TODO") -> Card:
    return Card(CARD, f"Follow-up: {NAME}", "Lead ID: 12\nEmail: ada@x.io\nSource: web", LISTS[list_name], list_name)


def link(status: str = "NEW") -> dict[str, Link]:
    return {"12": Link(CARD, status, fields_hash(NAME, "ada@x.io", "web"))}


def only_action(leads: list[Lead], cards: list[Card], links: dict[str, Link], kind: Kind,
                mode: Mode = Mode.FULL, winner: str = "trello") -> Action:
    sheet = SheetSnapshot("Leads", HEADER, leads, {c: "ABCDEF"[i] for i, c in enumerate(HEADER)})
    p = plan(sheet, BoardSnapshot("b", dict(LISTS), cards), links, PlanOptions(mode=mode, conflict_winner=winner))
    return next(a for a in p.actions if a.kind == kind)


def case(kind: Kind, leads: list[Lead], cards: list[Card], links: dict[str, Link], expected: str,
         mode: Mode = Mode.FULL, winner: str = "trello", name: Optional[str] = None) -> Any:
    return pytest.param(kind, leads, cards, links, mode, winner, expected, id=name or str(kind))


WHO = f"{NAME}'s"
CASES = [
    case(Kind.CREATE_CARD, [row("CONTACTED", card_id="")], [], {},
         f"Created a card for {NAME} (lead 12) in IN_PROGRESS"),
    case(Kind.MOVE_CARD, [row("QUALIFIED")], [card()], link(),
         f"Moved {WHO} card (lead 12) from TODO to DONE (the sheet changed)"),
    case(Kind.MOVE_CARD, [row("QUALIFIED")], [card("IN_PROGRESS")], link(),
         f"Moved {WHO} card (lead 12) from IN_PROGRESS to DONE (both sides changed; the sheet wins)",
         winner="sheet", name="move_card-conflict"),
    case(Kind.MOVE_CARD, [row("QUALIFIED")], [card()], link("QUALIFIED"),
         f"Moved {WHO} card (lead 12) from TODO to DONE (copied from the sheet)", mode=Mode.PUSH,
         name="move_card-push"),
    case(Kind.WRITE_STATUS, [row()], [card("IN_PROGRESS")], link(),
         f"Set {WHO} status (lead 12) to CONTACTED (the card moved in Trello)"),
    case(Kind.WRITE_STATUS, [row("QUALIFIED")], [card("IN_PROGRESS")], link(),
         f"Set {WHO} status (lead 12) to CONTACTED (both sides changed; Trello wins)", name="write_status-conflict"),
    case(Kind.WRITE_STATUS, [row()], [card("IN_PROGRESS")], link("CONTACTED"),
         f"Set {WHO} status (lead 12) to CONTACTED (copied from the card)", mode=Mode.PULL,
         name="write_status-pull"),
    case(Kind.WRITE_STATUS, [row("")], [card()], link(),
         f"Set {WHO} status (lead 12) to NEW (it was blank)", name="write_status-blank"),
    case(Kind.UPDATE_CARD, [row(email="new@x.io")], [card()], link(),
         f"Updated {WHO} card (lead 12): name, e-mail or source changed in the sheet"),
    case(Kind.ARCHIVE_CARD, [row(lead_id="13", card_id="", email="b@x.io")], [card()], link(),
         f"Archived {WHO} card (lead 12): the row was deleted from the sheet"),
    case(Kind.ASSIGN_ID, [row(lead_id="", card_id="")], [], {}, f"Gave {WHO} row the id 1 (it had none)"),
    case(Kind.WRITE_CARD_ID, [row(card_id="")], [card()], {},
         f"Linked {NAME} (lead 12) to the card found in Trello and wrote its id in the sheet"),
    case(Kind.DELETE_ROW, [row()], [Card("d" * 24, "Call the bank", "", LISTS["TODO"], "TODO")], link(),
         f"Deleted {WHO} row (lead 12): the card was deleted in Trello (the row is kept in the trash file)"),
]


@pytest.mark.parametrize("kind,leads,cards,links,mode,winner,expected", CASES)
def test_each_planned_change_reads_as_one_plain_sentence(kind: Kind, leads: list[Lead], cards: list[Card],
                                                        links: dict[str, Link], mode: Mode, winner: str,
                                                        expected: str) -> None:
    assert sentence(only_action(leads, cards, links, kind, mode, winner)) == expected


def test_every_kind_has_a_sentence_a_failure_sentence_and_a_count_the_summary_shows() -> None:
    assert set(KINDS) == set(Kind)
    assert {c.values[0] for c in CASES} == set(Kind)
    failed = {kind: failed_sentence(kind, "3", "Ada", "boom.") for kind in Kind}
    assert failed[Kind.MOVE_CARD] == "Could not move the card for Ada (lead 3): boom."
    assert failed[Kind.ASSIGN_ID] == "Could not give the row an id for Ada (lead 3): boom."
    assert len(set(failed.values())) == len(Kind)
    assert {info.count for info in KINDS.values()} == {Count.CREATED, Count.MOVED, Count.SHEET_UPDATED,
                                                       Count.CARD_UPDATED, Count.ARCHIVED, Count.DELETED}


def test_a_run_counts_each_kind_where_its_table_says_and_history_keeps_the_names() -> None:
    result = SyncResult(operation=Mode.FULL)
    for kind in Kind:
        result.add(kind.info.count)
    counts = result.as_counts()
    assert list(counts) == ["created", "moved", "sheet_updated", "card_updated", "archived", "deleted",
                            "conflicts", "skipped", "failed", "held_back"]
    assert (counts["sheet_updated"], counts["created"], counts["deleted"], counts["held_back"]) == (3, 1, 1, 0)
