"""Property tests: syncs settle, never duplicate a card, and lose no edit except declared conflicts."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import STATUSES, StatusMap
from core.planner import PlanOptions, plan
from core.sync_logic import SyncEngine
from tests.engine.fakes import FakeBoard, FakeSheet, make_settings

SMAP = StatusMap()
status = st.sampled_from(STATUSES)
edit = st.tuples(st.sampled_from(["sheet_status", "card_move", "delete_row", "delete_card", "archive_card",
                                  "add_row", "rename"]),
                 st.integers(min_value=0, max_value=9), status)


def new_engine(tmp: Path, sheet: FakeSheet, board: FakeBoard, winner: str) -> SyncEngine:
    return SyncEngine(make_settings(tmp, conflict_winner=winner, max_delete_percent=100.0), sheet, board)


def apply_edits(sheet: FakeSheet, board: FakeBoard, edits: list[tuple[str, int, str]]
                ) -> tuple[dict[str, str], dict[str, str]]:
    """Apply edits; return the last status each side was given, by lead id."""
    sheet_edits: dict[str, str] = {}
    card_edits: dict[str, str] = {}
    for kind, i, value in edits:
        rows = [r for r in sheet.rows if r["id"]]
        row = rows[i % len(rows)] if rows else None
        card = board.cards.get(row["trello_card_id"]) if row else None
        if kind == "sheet_status" and row:
            row["status"] = value
            sheet_edits[row["id"]] = value
        elif kind == "card_move" and row and card and not card.closed:
            board.move_card(card.id, SMAP.list_for(value))
            card_edits[row["id"]] = value
        elif kind == "delete_row" and row and len(rows) > 1:
            sheet.rows.remove(row)
            # The lead is gone: its edits go with it, and a new row may reuse a free id.
            sheet_edits.pop(row["id"], None)
            card_edits.pop(row["id"], None)
        elif kind == "delete_card" and row and card and len(board.cards) > 1:
            # Emptying the board is the guard's case, tested on its own.
            del board.cards[card.id]
            card_edits.pop(row["id"], None)  # an edit made on a card that is then deleted goes with it
        elif kind == "archive_card" and card:
            board.archive_card(card.id)
        elif kind == "add_row":
            sheet.rows.append({"id": "", "name": f"New {i}", "email": "", "status": value, "source": "",
                               "trello_card_id": ""})
        elif kind == "rename" and row:
            row["name"] = f"{row['name']}!"
    return sheet_edits, card_edits


def card_status(board: FakeBoard, card_id: str) -> Optional[str]:
    card = board.cards.get(card_id)
    return SMAP.status_for(card.list_name) if card and not card.closed else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.lists(status, min_size=1, max_size=6), edits=st.lists(edit, max_size=8),
       winner=st.sampled_from(["trello", "sheet"]))
def test_syncs_converge_without_duplicates_or_lost_edits(initial: list[str], edits: list[tuple[str, int, str]],
                                                        winner: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sheet = FakeSheet([{"id": str(i + 1), "name": f"Lead {i + 1}", "email": "e", "status": s, "source": "w"}
                           for i, s in enumerate(initial)])
        board = FakeBoard()
        eng = new_engine(Path(tmp), sheet, board, winner)
        eng.full_sync()
        assert eng.full_sync().plan == []

        sheet_edits, card_edits = apply_edits(sheet, board, edits)
        result = eng.full_sync()
        assert result.failed == 0 and result.held_count == 0

        # Settled: a run with no outside change plans nothing and records nothing.
        again = eng.full_sync()
        assert again.plan == [] and again.held == [] and again.conflicts == 0
        links = eng.mapping.load().links
        settled = plan(sheet.read(), board.read({link.card_id for link in links.values()}), links,
                       PlanOptions(conflict_winner=winner, max_delete_percent=100.0))
        assert settled.is_empty, "a run with no outside change still had baselines to record"

        open_markers = [c.lead_id for c in board.cards.values() if not c.closed]
        assert len(open_markers) == len(set(open_markers)), "a lead has two open cards"

        conflicted = {d.split()[1] for d in result.conflict_details}
        for row in sheet.rows:
            lead_id = row["id"]
            s = SMAP.canonical(row["status"])
            c = card_status(board, row["trello_card_id"])
            if c is not None:
                assert s == c, f"lead {lead_id}: sheet {s} but card {c}"
            if lead_id in conflicted:
                continue
            if lead_id in sheet_edits and lead_id not in card_edits:
                assert s == sheet_edits[lead_id], f"sheet edit of lead {lead_id} lost"
            if lead_id in card_edits and lead_id not in sheet_edits and c is not None:
                assert s == card_edits[lead_id], f"Trello edit of lead {lead_id} lost"
            if s != "LOST" and c is None:
                card = board.cards.get(row["trello_card_id"])
                assert card is not None and card.closed, f"lead {lead_id} has no card"
