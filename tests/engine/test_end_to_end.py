"""The engine with the real clients (gspread, py-trello) against the sandbox, over loopback HTTP."""
from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from core.mapping import MappingStore
from core.models import card_title, managed_block
from tests.engine.conftest import World

# The sandbox's demo sheet: 12 leads, 6 and 10 are LOST (so 10 cards after the first sync).
STATUS, CARD_ID = 3, 5


def synced(world: World) -> None:
    result = world.engine().full_sync()
    assert result.created == 10 and result.exit_code == 0, result.messages
    world.clear_log()


def puts(world: World) -> list[dict]:
    return [r for r in world.requests() if r["method"] == "PUT" and r["path"].startswith("/1/cards/")]


def sheet_writes(world: World) -> list[dict]:
    """Writes to the sheet's cells (the lease's developer-metadata calls are not cells)."""
    return [r for r in world.requests() if "/values" in r["path"] and r["method"] in ("POST", "PUT")]


def test_first_full_sync_creates_one_card_per_open_lead_and_writes_their_ids(world: World):
    synced(world)
    assert len(world.cards()) == 10 and world.card_for("6") is None
    for row in world.rows():
        card = world.card_for(row[0])
        assert row[CARD_ID] == (card.id if card else "")
    card = world.card_for("2")
    assert world.list_name(card) == "IN_PROGRESS" and card.name == card_title(world.row("2")[1])


def test_sheet_status_edits_move_the_cards_with_one_update_each(world: World):
    synced(world)
    for lead_id in ("1", "4", "8"):
        world.set_status(lead_id, "QUALIFIED")
    result = world.engine().full_sync()
    assert result.moved == 3 and result.sheet_updated == 0
    assert [world.list_name(world.card_for(i)) for i in ("1", "4", "8")] == ["DONE"] * 3
    requests = world.requests()
    # Reads, the lease, a second read of both sides, 3 moves, the release.
    assert len(puts(world)) == 3 and len(requests) == 2 + 3 + 4, requests


def test_card_moves_update_the_sheet_in_one_write(world: World):
    synced(world)
    for lead_id in ("1", "2", "3"):
        world.move(lead_id, "LOST")
    result = world.engine().full_sync()
    assert result.sheet_updated == 3 and result.moved == 0
    assert [world.row(i)[STATUS] for i in ("1", "2", "3")] == ["LOST"] * 3
    # Reads, the lease, a second read of both sides, the write, the release.
    assert len(sheet_writes(world)) == 1 and len(world.requests()) == 2 + 1 + 4


def test_both_sides_changed_follows_conflict_winner_and_is_reported(world: World):
    synced(world)
    world.set_status("1", "CONTACTED")
    world.move("1", "DONE")
    trello_wins = world.engine().full_sync()
    assert trello_wins.conflicts == 1 and "Lead 1" in trello_wins.conflict_details[0]
    assert world.row("1")[STATUS] == "QUALIFIED"
    world.set_status("2", "LOST")
    world.move("2", "DONE")
    sheet_wins = world.engine(CONFLICT_WINNER="sheet").full_sync()
    assert sheet_wins.conflicts == 1 and world.list_name(world.card_for("2")) == "LOST"
    history = [json.loads(x) for x in (world.data_dir / "history.jsonl").read_text().splitlines()]
    assert history[-1]["conflicts"] == sheet_wins.conflict_details


def test_deleted_row_archives_its_card(world: World):
    synced(world)
    card_id = world.card_for("3").id
    world.delete_row("3")
    result = world.engine().full_sync()
    assert result.archived == 1 and world.trello.cards[card_id].closed
    assert "3" not in MappingStore(world.data_dir / "mapping.json").load().links


def test_deleted_card_deletes_its_row_into_the_trash(world: World):
    synced(world)
    email = world.row("4")[2]
    world.delete_card("4")
    result = world.engine().full_sync()
    assert result.deleted == 1 and "4" not in [r[0] for r in world.rows()]
    assert len(world.rows()) == 11 and world.row("5")[0] == "5"
    (entry,) = [json.loads(x) for x in (world.data_dir / "trash.jsonl").read_text().splitlines()]
    assert entry["lead"]["id"] == "4" and entry["lead"]["email"] == email


def test_archived_card_keeps_its_row_and_its_status(world: World):
    synced(world)
    world.archive_card("5")
    world.set_status("5", "LOST")
    result = world.engine().full_sync()
    assert result.deleted == 0 and result.moved == 0 and world.row("5")[STATUS] == "LOST"
    assert any("archived" in m for m in result.messages)
    assert "5" in MappingStore(world.data_dir / "mapping.json").load().links


def test_row_edited_after_its_card_was_deleted_gets_a_new_card(world: World):
    synced(world)
    world.delete_card("7")
    world.set_status("7", "CONTACTED")
    result = world.engine().full_sync()
    assert result.deleted == 0 and result.created == 1
    card = world.card_for("7")
    assert world.list_name(card) == "IN_PROGRESS" and world.row("7")[CARD_ID] == card.id


def test_lost_mapping_file_is_rebuilt_without_duplicate_cards(world: World):
    synced(world)
    (world.data_dir / "mapping.json").unlink()
    world.set_cell("2", CARD_ID, "")  # found by its marker instead
    result = world.engine().full_sync()
    assert result.created == 0 and len(world.cards()) == 10
    assert world.row("2")[CARD_ID] == world.card_for("2").id
    assert len(MappingStore(world.data_dir / "mapping.json").load().links) == 10


def test_corrupt_mapping_file_is_moved_aside_and_rebuilt_loudly(world: World):
    synced(world)
    (world.data_dir / "mapping.json").write_text("{broken")
    result = world.engine().full_sync()
    assert result.created == 0 and "could not be read" in result.messages[0]
    assert list(world.data_dir.glob("mapping.json.corrupt-*"))


def test_mapping_of_another_sheet_and_board_is_set_aside_and_deletes_nothing(world: World):
    synced(world)
    store = MappingStore(world.data_dir / "mapping.json")
    state = store.load()
    assert state.spreadsheet_id == world.settings.spreadsheet_id and state.board_id
    # Links recorded against another pair (say, a demo) name cards this board does not have.
    state.board_id = "0" * 24
    state.links = {lead: dataclasses.replace(link, card_id="f" * 24) for lead, link in state.links.items()}
    store.save(state)
    result = world.engine().full_sync()
    assert result.deleted == 0 and result.archived == 0 and result.created == 0
    assert "belongs to another sheet and board" in result.messages[0]
    assert list(world.data_dir.glob("mapping.json.other-*"))
    assert len(world.rows()) == 12 and len(world.cards()) == 10
    assert {link.card_id for link in store.load().links.values()} == {c.id for c in world.cards()}


def test_original_format_mapping_is_upgraded_and_used(world: World):
    synced(world)
    store = MappingStore(world.data_dir / "mapping.json")
    links = store.load().links
    original = {"lead_to_card": {k: v.card_id for k, v in links.items()},
                "card_to_lead": {v.card_id: k for k, v in links.items()},
                "last_sync": "2025-12-05T22:00:00", "sync_count": 3}
    store.path.write_text(json.dumps(original))
    world.move("1", "DONE")  # no baseline: CONFLICT_WINNER (trello) decides
    result = world.engine().full_sync()
    assert result.created == 0 and world.row("1")[STATUS] == "QUALIFIED"
    data = json.loads(store.path.read_text())
    assert data["version"] == 2 and data["sync_count"] == 4 and data["links"]["1"]["status"] == "QUALIFIED"


def test_mass_deletion_is_held_back_with_exit_code_4(world: World):
    synced(world)
    for lead_id in ("1", "2", "3", "4", "5", "7", "8"):
        world.delete_row(lead_id)
    result = world.engine().full_sync()
    assert (result.archived, result.held_count, result.exit_code) == (0, 7, 4)
    assert len(world.cards()) == 10 and any("MAX_DELETE_PERCENT" in m for m in result.messages)
    forced = world.engine().full_sync(force_delete=True)
    assert forced.archived == 7 and forced.exit_code == 0


def test_empty_sheet_archives_nothing(world: World):
    synced(world)
    world.set_rows([])
    result = world.engine().full_sync()
    assert result.archived == 0 and result.held_count == 10 and len(world.cards()) == 10


def test_unclean_rows_get_ids_and_statuses_written_back(world: World):
    world.set_cell("12", 0, "")  # a name but no id
    world.set_cell("11", STATUS, "")  # blank status
    world.set_cell("9", STATUS, "PENDING")  # unknown status
    result = world.engine().full_sync()
    assert result.exit_code == 0
    assert world.rows()[11][0] == "12" and world.card_for("12") is not None and world.row("11")[STATUS] == "NEW"
    assert world.row("9")[STATUS] == "PENDING" and world.card_for("9") is None
    assert any("PENDING" in m for m in result.messages)


def test_text_from_trello_is_written_raw_never_as_formula(world: World):
    synced(world)
    # Only the status goes Trello -> sheet, and always a canonical name; check RAW on the wire.
    world.move("1", "DONE")
    world.engine().full_sync()
    (write,) = sheet_writes(world)
    assert "values:batchUpdate" in write["path"]
    assert world.row("1")[STATUS] == "QUALIFIED"


def test_dry_run_changes_nothing_and_makes_no_write(world: World):
    synced(world)
    world.set_status("1", "LOST")
    result = world.engine().preview()
    assert result.dry_run and result.moved == 1
    assert all(r["method"] == "GET" for r in world.requests())
    assert world.list_name(world.card_for("1")) == "TODO"


def test_push_pull_and_single_item_syncs_copy_one_way(world: World):
    synced(world)
    world.set_status("1", "LOST")
    world.move("2", "DONE")
    engine = world.engine()
    assert engine.sync_lead("1").moved == 1 and world.list_name(world.card_for("1")) == "LOST"
    assert engine.sync_card(world.card_for("2").id).sheet_updated == 1 and world.row("2")[STATUS] == "QUALIFIED"
    world.set_status("3", "NEW")
    assert engine.push().moved == 1
    world.move("4", "DONE")
    assert engine.pull().sheet_updated == 1 and world.row("4")[STATUS] == "QUALIFIED"


def test_status_report_and_change_marker(world: World):
    synced(world)
    engine = world.engine()
    report = engine.status_report()
    assert len(report.links) == 10 and report.pending == [] and report.sync_count == 1
    before = engine.change_marker()
    world.move("1", "DONE")
    assert engine.change_marker() != before


# -- request budgets ----------------------------------------------------------------------------

def test_full_sync_with_nothing_to_do_costs_two_requests_at_10_leads(empty_world: World):
    rows = [[str(i), f"Lead {i}", f"l{i}@x.io", "NEW", "web", ""] for i in range(1, 11)]
    empty_world.set_rows(rows)
    assert empty_world.engine().full_sync().created == 10
    empty_world.clear_log()
    result = empty_world.engine().full_sync()
    assert result.plan == [] and len(empty_world.requests()) == 2, empty_world.requests()


@pytest.mark.slow
def test_full_sync_with_nothing_to_do_costs_two_requests_at_2000_leads(empty_world: World):
    rows = []
    for i in range(1, 2001):
        status = ("NEW", "CONTACTED", "QUALIFIED")[i % 3]
        card = empty_world.add_card({"NEW": "TODO", "CONTACTED": "IN_PROGRESS", "QUALIFIED": "DONE"}[status],
                                    card_title(f"Lead {i}"), managed_block(str(i), f"l{i}@x.io", "web"))
        rows.append([str(i), f"Lead {i}", f"l{i}@x.io", status, "web", card.id])
    empty_world.set_rows(rows)
    first = empty_world.engine().full_sync()  # adopts every card by its id: baselines only
    assert first.plan == [] and first.created == 0, first.messages[:3]
    assert len(empty_world.requests()) == 2  # the values and the board: no write, no lease
    empty_world.clear_log()
    engine = empty_world.engine()
    second = engine.full_sync()
    assert second.plan == [] and len(empty_world.requests()) == 2, empty_world.requests()
    assert len(engine.mapping.load().links) == 2000


def test_initial_sync_creates_missing_cards_and_adopts_existing_ones(world: World):
    existing = world.add_card("DONE", "Follow-up: Sofia", managed_block("3", "sofia@nordicpine.se", "LinkedIn"))
    result = world.engine().initial_sync()
    assert result.created == 9 and result.deleted == result.archived == 0
    assert world.row("3")[CARD_ID] == existing.id and world.card_for("10") is None
    assert len(world.cards()) == 10


def test_create_that_failed_after_reaching_trello_is_adopted_next_run_not_duplicated(world: World):
    import requests

    rule: dict[str, Any] = {"path": "/1/cards", "method": "POST", "status": 503, "times": 1, "after": True}
    requests.post(f"{world.sandbox.url}/_sandbox/faults", json={"rules": [rule]}, timeout=5,
                  headers=world.sandbox.control_headers()).raise_for_status()
    first = world.engine().full_sync()
    assert first.failed == 1 and first.created == 9 and first.exit_code == 1
    second = world.engine().full_sync()
    assert second.created == 0 and second.failed == 0
    assert len(world.cards()) == 10 and all(r[CARD_ID] for r in world.rows() if r[STATUS] != "LOST")


def test_no_change_sync_of_a_long_lived_board_costs_two_requests_and_no_unbounded_answer(empty_world: World):
    rows = []
    for i in range(1, 11):
        card = empty_world.add_card("TODO", card_title(f"Lead {i}"), managed_block(str(i), f"l{i}@x.io", "web"))
        rows.append([str(i), f"Lead {i}", f"l{i}@x.io", "NEW", "web", card.id])
    for i in range(100, 160):  # leads long gone, their cards archived
        empty_world.add_card("DONE", card_title(f"Old {i}"), managed_block(str(i), f"o{i}@x.io", "web"))
        empty_world.archive_card(str(i))
    empty_world.set_rows(rows)
    empty_world.sandbox.limits.configure({"enabled": False, "max_cards": 20})  # Trello refuses larger answers
    first = empty_world.engine().full_sync()
    assert first.plan == [] and first.failed == 0, first.messages[:3]
    empty_world.clear_log()
    second = empty_world.engine().full_sync()
    assert second.plan == [] and [e["status"] for e in empty_world.requests()] == [200, 200]
    empty_world.archive_card("3")  # a linked card archived: found in the pages of archived cards
    third = empty_world.engine().full_sync()
    assert third.failed == 0 and third.deleted == 0 and empty_world.row("3")
