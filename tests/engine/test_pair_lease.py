"""One writer per sheet and board: the lease kept in the spreadsheet's developer metadata, through the
real gspread and py-trello against the sandbox."""
from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from clients.google_sheet import LEASE_METADATA_ID, GoogleSheet
from clients.trello_board import TrelloBoard
from core.errors import LockHeldError
from core.lease import Lease, _process_space
from core.mapping import MappingStore
from core.results import SyncResult
from core.sync_logic import SyncEngine
from tests.engine.conftest import World


def lease_entry(world: World) -> Optional[dict[str, Any]]:
    with world.sandbox.lock:
        book = next(s for s in world.sandbox.services if s.name == "google").lead_spreadsheet()  # type: ignore[attr-defined]
        return book.developer_metadata.get(LEASE_METADATA_ID)


def plant_lease(world: World, host: str, expires_in: float) -> None:
    """Another machine's run holds the pair (created over HTTP, as that run would)."""
    now = time.time()
    value = Lease(host, 4242, now - 60, now + expires_in, "abcd").value
    assert GoogleSheet.from_settings(world.settings).create_lease(value)
    world.clear_log()


def lease_calls(world: World) -> list[str]:
    return [f"{e['method']} {e['path'].rsplit('/', 1)[-1]}" for e in world.requests()
            if e["path"].endswith(":batchUpdate") and "values" not in e["path"] or "developerMetadata" in e["path"]]


def test_sync_while_another_machine_holds_the_pair_stops_naming_it_and_writes_nothing(world: World):
    plant_lease(world, "sales-laptop", expires_in=600)
    with pytest.raises(LockHeldError) as held:
        world.engine().full_sync()
    assert held.value.exit_code == 3
    assert "sales-laptop" in held.value.message and "process 4242" in held.value.message
    assert world.cards() == [] and all(r[5] == "" for r in world.rows())
    assert not (world.data_dir / "mapping.json").exists()


def test_expired_lease_of_a_crashed_run_is_taken_over_and_released_at_the_end(world: World):
    plant_lease(world, "crashed-box", expires_in=-1)
    result = world.engine().full_sync()
    assert result.created == 10 and result.exit_code == 0
    assert lease_entry(world) is None


def test_lease_left_by_a_killed_run_on_this_machine_is_taken_over_at_once(world: World):
    now = time.time()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    value = Lease(socket.gethostname(), int(dead.stdout), now, now + 600, "abcd", _process_space()).value
    assert GoogleSheet.from_settings(world.settings).create_lease(value)
    result = world.engine().full_sync()
    assert result.created == 10 and lease_entry(world) is None


def test_writing_run_takes_the_lease_reads_again_then_writes_and_releases(world: World):
    result = world.engine().full_sync()
    assert result.created == 10 and lease_entry(world) is None
    log = [(e["method"], e["path"]) for e in world.requests()]
    take = next(i for i, (m, p) in enumerate(log) if m == "POST" and p.endswith(":batchUpdate"))
    first_write = next(i for i, (m, p) in enumerate(log) if (m, p) == ("POST", "/1/cards"))
    between = [p for m, p in log[take + 1:first_write] if m == "GET"]
    assert any("/values/" in p for p in between) and any(p.startswith("/1/boards/") for p in between), log
    assert log[-1][0] == "POST" and log[-1][1].endswith(":batchUpdate"), "the lease is released last"


def test_run_with_nothing_to_write_takes_no_lease_and_costs_three_requests(world: World):
    world.engine().full_sync()
    world.clear_log()
    plant_lease(world, "sales-laptop", expires_in=600)  # even while another machine writes
    result = world.engine().full_sync()
    assert result.plan == [] and result.exit_code == 0
    assert len(world.requests()) <= 3 and lease_calls(world) == [], world.requests()


def test_long_run_renews_its_lease(world: World):
    requests.post(f"{world.sandbox.url}/_sandbox/faults", json={"latency_ms": 250}, timeout=5,
                  headers=world.sandbox.control_headers()).raise_for_status()
    engine = world.engine()
    engine.settings = dataclasses.replace(engine.settings, lease_seconds=0.9)
    result = engine.full_sync()
    assert result.created == 10 and lease_entry(world) is None
    swaps = [e for e in world.requests() if e["method"] == "POST" and e["path"].endswith(":batchUpdate")
             and "/values" not in e["path"]]
    assert len(swaps) >= 3, "take, at least one renewal, release"


def test_two_folders_started_together_on_one_pair_make_each_card_once(world: World, tmp_path: Path):
    requests.post(f"{world.sandbox.url}/_sandbox/faults", json={"latency_ms": 30}, timeout=5,
                  headers=world.sandbox.control_headers()).raise_for_status()
    folders = [dataclasses.replace(world.settings, mapping_file=tmp_path / f"copy{i}" / "m.json") for i in range(2)]
    engines = [SyncEngine(settings, GoogleSheet.from_settings(settings), TrelloBoard.from_settings(settings))
               for settings in folders]
    outcomes: list[Any] = [None, None]

    def run(i: int) -> None:
        try:
            outcomes[i] = engines[i].full_sync()
        except LockHeldError as err:
            outcomes[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(world.cards()) == 10, outcomes
    made = sorted(o.created for o in outcomes if isinstance(o, SyncResult))
    assert made in ([0, 10], [10]), outcomes
    assert lease_entry(world) is None


def test_restore_while_another_machine_holds_the_pair_appends_nothing_then_holds_the_lease_itself(world: World):
    world.engine().full_sync()
    world.delete_card("4")
    world.engine().full_sync()  # the card is gone: its row goes to the trash
    assert "4" not in [r[0] for r in world.rows()]
    plant_lease(world, "sales-laptop", expires_in=600)
    rows = world.rows()
    with pytest.raises(LockHeldError) as held:
        world.engine().restore(["4"])
    assert held.value.exit_code == 3 and "sales-laptop" in held.value.message
    assert world.rows() == rows  # nothing appended
    assert not any(e["method"] == "POST" and ":append" in e["path"] for e in world.requests())

    GoogleSheet.from_settings(world.settings).delete_lease(lease_entry(world)["metadataValue"])  # type: ignore[index]
    world.clear_log()
    restored = world.engine().restore(["4"])
    assert [row.lead_id for row in restored.restored] == ["4"] and world.rows()[-1][0] == "4"
    assert lease_entry(world) is None  # released at the end
    log = [(e["method"], e["path"]) for e in world.requests()]
    take = next(i for i, (m, p) in enumerate(log) if m == "POST" and p.endswith(":batchUpdate"))
    append = next(i for i, (m, p) in enumerate(log) if m == "POST" and p.endswith(":append"))
    assert take < next(i for i, (m, p) in enumerate(log) if m == "GET" and "/values/" in p) < append, log
    assert log[-1][0] == "POST" and log[-1][1].endswith(":batchUpdate"), "the lease is released last"


def test_lease_taken_over_mid_run_stops_without_a_ctrl_c_message_and_says_what_was_done(world: World):
    from cli.actionlog import run_and_report
    from tests.cli.conftest import add_leads
    from tests.cli.test_output import plain_printer

    add_leads(world.sandbox, 60)  # 69 cards to make: twelve rounds of card writes
    requests.post(f"{world.sandbox.url}/_sandbox/faults", json={"latency_ms": 200}, timeout=5,
                  headers=world.sandbox.control_headers()).raise_for_status()
    engine = world.engine()
    engine.settings = dataclasses.replace(engine.settings, lease_seconds=0.9)

    def take_over() -> None:  # another machine's run takes the pair while this one writes cards
        sheet = GoogleSheet.from_settings(world.settings)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            value = sheet.lease_value()
            if value and any(e["method"] == "POST" and e["path"] == "/1/cards" for e in world.requests()):
                other = Lease("sales-laptop", 4242, time.time(), time.time() + 600, "beef").value
                if sheet.replace_lease(value, other):
                    return  # else the run renewed it just then: try again
            time.sleep(0.02)

    thief = threading.Thread(target=take_over)
    thief.start()
    printer, out = plain_printer()
    with pytest.raises(LockHeldError) as lost:
        run_and_report(printer, engine, lambda e: e.full_sync())
    thief.join()
    text = out.getvalue()
    assert lost.value.exit_code == 3 and "another sync took it" in lost.value.message
    assert "Stopping" not in text and "Ctrl-C" not in text, text
    assert "Created a card for " in text, text  # what was done before the stop is said
    linked = {link.card_id for link in MappingStore(world.data_dir / "mapping.json").load().links.values()}
    assert {c.id for c in world.cards()} <= linked  # every card made is linked: the next run adopts, not duplicates
