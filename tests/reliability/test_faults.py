"""Rate limits, server errors and dropped connections during syncs of a few hundred leads: the run
finishes or names its failed items (exit 1), the next run converges, and no card is duplicated."""
from __future__ import annotations

from typing import Any

import pytest

from tests.reliability.conftest import Rig, count_of

pytestmark = pytest.mark.slow

LEADS = 300
CARDS = "/1/cards"
SHEET = "/v4/spreadsheets/*"

# Faults that a retry absorbs: 429s (with and without Retry-After), 500/503 bursts on idempotent
# requests, dropped connections on reads. Retry-After 0 where a server would send one keeps the
# test fast; the rules without it exercise the client's own backoff.
ABSORBED: list[dict[str, Any]] = [
    {"path": CARDS, "method": "POST", "status": 429, "retry_after": 0.2, "times": 4, "skip": 5},
    {"path": "/1/boards/*", "method": "GET", "status": 429, "times": 2},
    {"path": "/1/boards/*", "method": "GET", "status": 503, "retry_after": 0, "times": 2},
    {"path": "/1/boards/*", "method": "GET", "drop": True, "times": 1},
    {"path": SHEET, "method": "GET", "status": 429, "retry_after": 0.2, "times": 1},
    {"path": SHEET, "method": "GET", "drop": True, "times": 2},
    {"path": SHEET, "method": "GET", "status": 500, "retry_after": 0, "times": 2},
    {"path": f"{SHEET}/values:batchUpdate", "method": "POST", "status": 503, "retry_after": 0, "times": 3},
]
# Card creations no one may repeat blindly: each is one failed item, reported, and settled next run.
UNCONFIRMED_CREATES: list[dict[str, Any]] = [
    {"path": CARDS, "method": "POST", "status": 500, "times": 3, "skip": 20},  # refused, nothing made
    {"path": CARDS, "method": "POST", "status": 503, "times": 2, "skip": 40},
    {"path": CARDS, "method": "POST", "drop": True, "times": 2, "skip": 60},  # dropped before doing it
    {"path": CARDS, "method": "POST", "drop": True, "after": True, "times": 3, "skip": 80},  # made, then dropped
]


def test_first_sync_through_rate_limits_errors_and_dropped_creates_reports_failures_then_converges(
        rig: Rig) -> None:
    rig.seed(LEADS)
    rig.faults(rules=ABSORBED + UNCONFIRMED_CREATES)
    first = rig.run("sync")
    assert first.code == 1, first.out
    assert count_of(first.out, "Failed") == 10
    assert "Traceback" not in first.out
    assert rig.fired() == sum(r["times"] for r in ABSORBED + UNCONFIRMED_CREATES)  # every fault really hit

    rig.faults()
    second = rig.run("sync")
    assert second.code == 0, second.out
    # The 3 cards made before their answer was lost are adopted by their marker, not made again.
    assert count_of(second.out, "Created") == 7

    assert rig.inconsistencies() == []
    assert rig.pending_plan() == []
    assert rig.leaked_secrets() == []


def test_status_changes_on_both_sides_survive_errors_on_card_moves_and_sheet_writes(rig: Rig) -> None:
    rig.seed(LEADS)
    assert rig.run("sync").code == 0, rig.outputs[-1]
    sheet_side, board_side = range(4, 64, 4), range(2, 62, 4)  # NEW leads, and QUALIFIED leads
    for lead_id in sheet_side:
        rig.world.set_status(str(lead_id), "CONTACTED")
    for lead_id in board_side:
        rig.world.move(str(lead_id), "IN_PROGRESS")
    moved_card = rig.world.card_for("4")
    rig.faults(rules=[
        # One card that keeps failing past every retry: its move is the one failed item. (First, so
        # the rules below never take its attempts: a PUT done-then-dropped there would really move it.)
        {"path": f"{CARDS}/{moved_card.id}", "method": "PUT", "status": 500, "retry_after": 0, "times": 0},
        {"path": f"{CARDS}/*", "method": "PUT", "status": 429, "times": 3},
        {"path": f"{CARDS}/*", "method": "PUT", "status": 503, "retry_after": 0, "times": 4},
        {"path": f"{CARDS}/*", "method": "PUT", "drop": True, "after": True, "times": 2},
        {"path": f"{SHEET}/values:batchUpdate", "method": "POST", "drop": True, "after": True, "times": 1},
    ])
    first = rig.run("sync")
    assert first.code == 1, first.out
    assert rig.fired() >= 3 + 4 + 2 + 1 + 6  # the last 6: every attempt at the failing card
    assert count_of(first.out, "Failed") == 1
    assert count_of(first.out, "Moved") == len(sheet_side) - 1
    assert count_of(first.out, "Updated in the sheet") == len(board_side)

    rig.faults()
    second = rig.run("sync")
    assert second.code == 0, second.out
    assert count_of(second.out, "Moved") == 1
    assert rig.world.list_name(rig.world.card_for("4")) == "IN_PROGRESS"
    assert all(rig.world.row(str(i))[3] == "CONTACTED" for i in [*sheet_side, *board_side])

    assert rig.inconsistencies() == []
    assert rig.pending_plan() == []
    assert rig.leaked_secrets() == []
