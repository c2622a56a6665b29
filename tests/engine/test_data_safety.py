"""Data safety when people make mistakes, end to end: the engine with the real gspread and
py-trello against the sandbox over loopback.

Each test starts from a mistake a sales team makes in its first month and checks what
survives it.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.mapping import MappingStore
from core.models import managed_block, marker_lead_id
from tests.engine.conftest import World
from tests.engine.test_end_to_end import CARD_ID, STATUS, synced


def writes(world: World) -> list[dict]:
    return [r for r in world.requests() if r["method"] != "GET"]


def other_leads(count: int) -> list[list[str]]:
    return [[str(100 + i), f"Other {i}", f"other{i}@x.io", "NEW", "fair", ""] for i in range(1, count + 1)]


# -- 1: a tripped guard writes nothing, run after run -------------------------------------------

def test_tripped_guard_writes_nothing_and_every_rerun_holds_until_force_delete(world: World):
    synced(world)
    cards_before = {c.id: (c.name, c.id_list, c.closed) for c in world.cards(open_only=False)}
    world.set_rows(other_leads(10))  # say WORKSHEET now names another tab
    rows_before = world.rows()
    for _ in range(2):  # the second is cron's next run
        result = world.engine().full_sync()
        assert result.exit_code == 4 and result.held_count == 10
        assert result.created == result.archived == result.sheet_updated == 0
        assert writes(world) == [], writes(world)
        assert {c.id: (c.name, c.id_list, c.closed) for c in world.cards(open_only=False)} == cards_before
        assert world.rows() == rows_before
        world.clear_log()
    forced = world.engine().full_sync(force_delete=True)
    assert forced.exit_code == 0 and forced.archived == 10 and forced.created == 10


def test_guard_percentage_counts_the_links_held_when_the_run_starts(world: World):
    synced(world)
    rows = [r for r in world.rows() if r[0] not in ("1", "2", "3", "4", "5")] + other_leads(10)
    world.set_rows(rows)
    # 5 of the 10 links go: 50% is not above MAX_DELETE_PERCENT=50, whatever the 10 new cards add.
    assert world.engine().full_sync().archived == 5
    world.set_rows([r for r in world.rows() if r[0] not in ("7", "8", "9")])
    # 3 of the 15 links now: 20%, under the limit.
    assert world.engine(MAX_DELETE_PERCENT="19").full_sync().exit_code == 4
    assert world.engine(MAX_DELETE_PERCENT="20").full_sync().archived == 3


# -- 2: identity is never guessed ------------------------------------------------------------------

def card_state(world: World) -> dict[str, tuple[str, str, bool]]:
    return {c.id: (c.name, world.list_name(c), c.closed) for c in world.cards(open_only=False)}


def test_renumbered_ids_after_a_deleted_row_retitle_move_and_overwrite_nothing(world: World):
    synced(world)
    gone = world.card_for("3").id
    world.delete_row("3")
    renumbered = [[str(i), *row[1:]] for i, row in enumerate(world.rows(), start=1)]
    world.set_rows(renumbered)
    before = card_state(world)
    result = world.engine().full_sync()
    assert result.exit_code == 0 and result.created == 0 and result.moved == 0, result.messages
    assert world.rows() == renumbered  # no cell written, trello_card_id included
    name, list_name, _ = before[gone]
    assert card_state(world) == {**before, gone: (name, list_name, True)}  # only the deleted row's card is archived
    for row in renumbered:
        if row[CARD_ID]:
            assert world.trello.cards[row[CARD_ID]].desc.startswith(f"Lead ID: {row[0]}\n")
    links = MappingStore(world.data_dir / "mapping.json").load().links
    assert {k: v.card_id for k, v in links.items()} == {r[0]: r[CARD_ID] for r in renumbered if r[CARD_ID]}
    world.clear_log()
    assert world.engine().full_sync().plan == [] and writes(world) == []


def test_card_id_column_sorted_alone_skips_those_rows_and_says_so_once(world: World):
    synced(world)
    one, two = world.row("1")[CARD_ID], world.row("2")[CARD_ID]
    world.set_cell("1", CARD_ID, two)
    world.set_cell("2", CARD_ID, one)
    before, rows = card_state(world), world.rows()
    result = world.engine().full_sync()
    assert card_state(world) == before and world.rows() == rows and writes(world) == []
    said = [m for m in result.messages if "Skipped" in m]
    assert len(said) == 1 and "id 1" in said[0] and "id 2" in said[0], result.messages
    assert result.skipped == 2


# -- 3: sheet writes are placed by lead id after every wait ---------------------------------------

def insert_row_when_refused(world: World, values: list[str]) -> threading.Thread:
    """A person inserts a row at the top while WorkLead waits out Google's 429."""
    def act() -> None:
        deadline = time.monotonic() + 20
        while not any(e["status"] == 429 for e in world.sandbox.log.entries()):
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        with world.sandbox.lock:
            world.worksheet.insert("ROWS", 1, 2)
            world.worksheet.write(1, 0, [values])
    thread = threading.Thread(target=act)
    thread.start()
    return thread


def test_row_inserted_while_a_refused_sheet_write_waits_shifts_nothing(world: World):
    synced(world)
    world.move("2", "DONE")  # the sheet will get QUALIFIED for lead 2
    world.set_cell("12", 0, "")  # and row 13 a new id
    rule: dict[str, Any] = {"path": "*/values:batchUpdate", "method": "POST", "status": 429, "times": 1,
                            "retry_after": 1.5}
    requests.post(f"{world.sandbox.url}/_sandbox/faults", json={"rules": [rule]}, timeout=5,
                  headers=world.sandbox.control_headers()).raise_for_status()
    typed = ["77", "Typed Meanwhile", "t@x.io", "CONTACTED", "phone", ""]
    thread = insert_row_when_refused(world, typed)
    result = world.engine().full_sync()
    thread.join()
    assert result.exit_code == 0, result.messages
    rows = world.rows()
    assert rows[0] == typed
    assert world.row("2")[STATUS] == "QUALIFIED"
    assert [r[0] for r in rows] == ["77"] + [str(i) for i in range(1, 12)] + ["13"]
    assert world.row("13")[CARD_ID] == world.card_for("13").id
    log = [(e["method"], e["path"], e["status"]) for e in world.requests() if e["path"].startswith("/v4/")]
    refused = next(i for i, e in enumerate(log) if e[2] == 429)
    assert log[refused + 1][0] == "GET", f"the write was repeated without a fresh read: {log}"


# -- 7: no baseline, no deletion ----------------------------------------------------------------------

def test_original_format_mapping_naming_cards_not_on_the_board_deletes_no_row(world: World):
    synced(world)
    for lead_id in ("1", "2"):
        world.delete_card(lead_id)
        world.set_cell(lead_id, CARD_ID, "")
    store = MappingStore(world.data_dir / "mapping.json")
    links = {k: v.card_id for k, v in store.load().links.items() if k not in ("1", "2")}
    links.update({"1": "a" * 24, "2": "b" * 24})  # say, written against another board
    original = {"lead_to_card": links, "card_to_lead": {v: k for k, v in links.items()},
                "last_sync": "2025-12-05T22:00:00", "sync_count": 3}
    store.path.write_text(json.dumps(original))
    result = world.engine().full_sync()
    assert result.deleted == 0 and len(world.rows()) == 12
    assert not (world.data_dir / "trash.jsonl").exists()
    assert any("no baseline" in m for m in result.messages), result.messages


# -- 6: a card moved to another board keeps its row ------------------------------------------------

def test_card_moved_to_another_board_keeps_its_row_drops_the_link_and_makes_no_new_card(world: World):
    from clients.http import trello_client

    synced(world)
    client = trello_client(world.settings)
    other = client.add_board("Sales team B")  # POST /1/boards, with Trello's default lists
    target = other.list_lists("open")[0]
    card_id = world.card_for("4").id
    client.fetch_json(f"/cards/{card_id}", http_method="PUT", post_args={"idBoard": other.id, "idList": target.id})
    for _ in range(2):
        result = world.engine().full_sync()
        assert result.deleted == 0 and result.created == 0 and result.exit_code == 0, result.messages
        assert world.row("4")[CARD_ID] == card_id
        assert "4" not in MappingStore(world.data_dir / "mapping.json").load().links
        assert any("another board" in m and "Lead 4" in m for m in result.messages), result.messages
    assert not (world.data_dir / "trash.jsonl").exists()
    assert world.trello.cards[card_id].id_board == other.id and len(world.cards()) == 10


def test_deleted_card_is_looked_up_before_its_row_is_deleted(world: World):
    synced(world)
    card_id = world.card_for("4").id
    world.delete_card("4")
    result = world.engine().full_sync()
    assert result.deleted == 1 and "4" not in [r[0] for r in world.rows()]
    lookups = [r for r in world.requests() if r["method"] == "GET" and r["path"] == f"/1/cards/{card_id}"]
    # One lookup answers for the run (its two reads and the check before the row goes): no archive page.
    assert [r["status"] for r in lookups] == [404] and archive_pages(world) == []


def archive_pages(world: World) -> list[dict]:
    return [r for r in world.requests() if r["method"] == "GET" and r["path"].endswith("/cards/closed")]


def test_an_archived_card_is_adopted_by_its_marker_after_the_links_are_lost_and_none_is_made(world: World):
    synced(world)
    archived = world.card_for("3")
    world.archive_card("3")
    (world.data_dir / "mapping.json").unlink()  # as after kill -9 before the mapping and sheet writes
    for row in world.rows():
        world.set_cell(row[0], CARD_ID, "")
    result = world.engine().full_sync()
    assert result.created == 0 and result.exit_code == 0, result.messages
    assert len(world.cards(open_only=False)) == 10 and world.card_for("3").closed
    assert MappingStore(world.data_dir / "mapping.json").load().links["3"].card_id == archived.id
    assert world.row("3")[CARD_ID] == archived.id
    assert any("Lead 3 " in m and "archived" in m for m in result.messages), result.messages
    # Its marker is searched once per read of the board (the second read is under the lease), one page each.
    assert [("limit=1000" in r["query"], r["status"]) for r in archive_pages(world)] == [(True, 200)] * 2
    world.clear_log()
    again = world.engine().full_sync()
    assert again.plan == [] and again.created == 0
    # No lead left to give a card: no archive page; the archived linked card is looked up by its id.
    assert archive_pages(world) == []
    assert [(r["method"], r["path"]) for r in world.requests()[2:]] == [("GET", f"/1/cards/{archived.id}")]


def test_a_new_lead_costs_one_archive_page_and_a_lead_found_open_costs_none(world: World):
    synced(world)
    world.set_cell("4", CARD_ID, "")
    world.add_card("TODO", "Follow-up: Eleven", managed_block("21", "e@x.io", "web"))
    world.set_rows([r for r in world.rows() if r[0]] + [["21", "Eleven", "e@x.io", "NEW", "web", ""]])
    world.clear_log()
    adopted = world.engine().full_sync()  # lead 4 by its link, lead 21 by its open card's marker
    assert adopted.created == 0 and archive_pages(world) == [], adopted.messages
    world.set_rows([r for r in world.rows() if r[0]] + [["22", "Twelve", "t@x.io", "NEW", "web", ""]])
    world.clear_log()
    assert world.engine().full_sync().created == 1
    assert len(archive_pages(world)) == 2  # no card anywhere: the (small) archive is read once per board read


# -- 8: any id the sheet can hold round-trips through the marker --------------------------------------

# What a cell can hold once read back: any text, trimmed like every cell, not blank.
sheet_ids = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12).map(str.strip).filter(bool)


@given(lead_id=sheet_ids)
def test_any_lead_id_reads_back_from_its_cards_marker(lead_id: str):
    assert marker_lead_id(managed_block(lead_id, "a@x.io", "web") + "\n\nnotes") == lead_id


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lead_id=sheet_ids)
def test_any_id_typed_in_the_sheet_finds_its_card_again_through_trello(empty_world: World, lead_id: str):
    engine = empty_world.engine()
    empty_world.set_rows([[lead_id, "Ann", "ann@x.io", "NEW", "web", ""]])
    (lead,) = engine.sheet.read().leads  # through gspread: what the sheet really holds
    card = engine.board.create_card("TODO", "Follow-up: Ann", managed_block(lead.id, lead.email, lead.source))
    found = [c for c in engine.board.read().cards if c.id == card.id]  # through py-trello
    assert [c.lead_id for c in found] == [lead.id]


def test_ids_with_spaces_and_unicode_get_no_second_card_after_the_links_are_lost(empty_world: World):
    ids = ["L 1", "L  2", "Ünïcødé 3", "id\\4", "五", "a\u00a0b"]
    empty_world.set_rows([[i, f"Lead {n}", f"l{n}@x.io", "NEW", "web", ""] for n, i in enumerate(ids)])
    assert empty_world.engine().full_sync().created == len(ids)
    (empty_world.data_dir / "mapping.json").unlink()  # as after kill -9 before the mapping and sheet writes
    for i in ids:
        empty_world.set_cell(i, CARD_ID, "")
    result = empty_world.engine().full_sync()
    assert result.created == 0 and len(empty_world.cards()) == len(ids), result.messages
    assert all(empty_world.row(i)[CARD_ID] == empty_world.card_for(i).id for i in ids)


def test_a_new_row_typed_with_a_deleted_leads_id_gets_its_own_card_not_the_old_archived_one(world: World):
    synced(world)
    last = max(world.rows(), key=lambda r: int(r[0]) if r[0].isdigit() else 0)
    old_card = world.card_for(last[0])
    world.delete_row(last[0])
    assert world.engine().full_sync().archived == 1 and world.card_for(last[0]).closed
    # A new person typed in under the freed id (the highest id plus one, by hand, is the deleted lead's).
    world.set_rows([r for r in world.rows() if r[0]] + [[last[0], "Noah Berg", "noah@berg.io", "NEW", "web", ""]])
    result = world.engine().full_sync()
    assert result.created == 1, result.messages
    new_card = next(c for c in world.cards() if c.name.endswith("Noah Berg"))
    assert world.rows()[-1][CARD_ID] == new_card.id != old_card.id
    assert MappingStore(world.data_dir / "mapping.json").load().links[last[0]].card_id == new_card.id
