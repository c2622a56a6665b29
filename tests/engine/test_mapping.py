"""The mapping file: original-format upgrade, atomic save with .bak, corrupt file moved aside, the lock."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from core.errors import LockHeldError
from core.journal import Journal
from core.mapping import MappingState, MappingStore
from core.models import Lead, Link


def test_original_format_file_is_read_as_links_without_baseline(tmp_path: Path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"lead_to_card": {"1": "a" * 24}, "card_to_lead": {"a" * 24: "1"},
                                "last_sync": "2025-12-05T22:00:00", "sync_count": 3}))
    state = MappingStore(path).load()
    assert state.links == {"1": Link("a" * 24)} and state.upgraded
    assert (state.last_sync, state.sync_count) == ("2025-12-05T22:00:00", 3)


def test_saved_file_keeps_the_original_keys_and_adds_baselines(tmp_path: Path):
    store = MappingStore(tmp_path / "data" / "mapping.json")
    store.save(MappingState({"1": Link("c1", "NEW", "f", "t")}, "now", 4))
    data = json.loads(store.path.read_text())
    assert data["version"] == 2
    assert data["lead_to_card"] == {"1": "c1"} and data["card_to_lead"] == {"c1": "1"}
    assert data["links"]["1"] == {"card_id": "c1", "status": "NEW", "fields": "f", "synced_at": "t"}
    assert store.load().links == {"1": Link("c1", "NEW", "f", "t")}


def test_previous_mapping_is_kept_as_bak(tmp_path: Path):
    store = MappingStore(tmp_path / "mapping.json")
    store.save(MappingState({"1": Link("c1")}))
    store.save(MappingState({"2": Link("c2")}))
    assert json.loads(store.backup_path.read_text())["lead_to_card"] == {"1": "c1"}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_unreadable_mapping_is_moved_aside_loudly(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "mapping.json"
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="worklead.sync"):
        state = MappingStore(path).load()
    assert state.links == {} and state.recovered and "rebuilt" in state.recovered
    assert not path.exists()
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert any("could not be read" in r.message for r in caplog.records)


def test_peek_leaves_an_unreadable_file_in_place(tmp_path: Path):
    path = tmp_path / "mapping.json"
    path.write_text("[1, 2")
    assert MappingStore(path).peek().recovered
    assert path.read_text() == "[1, 2"


def test_second_sync_is_refused_and_told_which_process_holds_the_lock(tmp_path: Path):
    store = MappingStore(tmp_path / "mapping.json")
    with store.lock():
        with pytest.raises(LockHeldError) as info:
            with MappingStore(tmp_path / "mapping.json").lock():
                pass
    assert f"process {os.getpid()}" in str(info.value) and "mapping.json.lock" in str(info.value)
    assert info.value.exit_code == 3
    with store.lock():  # released after the first holder finished
        pass


def _pair_state(spreadsheet_id: str, board_id: str, card_id: str) -> MappingState:
    return MappingState({"1": Link(card_id, "NEW", "f", "t")}, "now", 1, spreadsheet_id=spreadsheet_id,
                        board_id=board_id)


def test_a_pairs_mapping_is_set_aside_for_another_pair_and_brought_back_when_it_returns(tmp_path: Path):
    store = MappingStore(tmp_path / "mapping.json")
    store.save(_pair_state("sheet-a", "board-a", "a" * 24))
    other = store.load_for("sheet-b", "board-b")
    assert other.links == {} and other.recovered and "another sheet and board" in other.recovered
    store.save(_pair_state("sheet-b", "board-b", "b" * 24))
    back = store.load_for("sheet-a", "board-a")
    assert back.links == {"1": Link("a" * 24, "NEW", "f", "t")}
    assert back.recovered and "back in use" in back.recovered
    # B's links went aside in turn, and come back the same way.
    assert store.load_for("sheet-b", "board-b").links == {"1": Link("b" * 24, "NEW", "f", "t")}
    assert len(list(tmp_path.glob("mapping.json.other-*"))) == 1


def test_a_dry_run_sees_the_set_aside_baselines_without_moving_any_file(tmp_path: Path):
    store = MappingStore(tmp_path / "mapping.json")
    store.save(_pair_state("sheet-a", "board-a", "a" * 24))
    store.load_for("sheet-b", "board-b")
    store.save(_pair_state("sheet-b", "board-b", "b" * 24))
    before = sorted(p.name for p in tmp_path.iterdir())
    assert store.peek_for("sheet-a", "board-a").links == {"1": Link("a" * 24, "NEW", "f", "t")}
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_two_files_set_aside_within_one_second_are_both_kept(tmp_path: Path):
    store = MappingStore(tmp_path / "mapping.json")
    for n in range(3):
        store.save(_pair_state(f"sheet-{n}", f"board-{n}", "c" * 24))
        store.load_for("sheet-x", "board-x")
    assert len(list(tmp_path.glob("mapping.json.other-*"))) == 3


def test_mapping_trash_and_history_files_are_readable_by_their_owner_only(tmp_path: Path):
    store = MappingStore(tmp_path / "mapping.json")
    store.save(MappingState({"1": Link("c1")}))
    store.save(MappingState({"1": Link("c2")}))
    with store.lock():
        pass
    journal = Journal(tmp_path)
    journal.trash.add([Lead(2, "1", "Ada", "ada@x.io", "NEW", "web")], ["id", "name"], "its card was deleted")
    assert journal.record({"operation": "full"}) is None
    for path in (store.path, store.backup_path, store.lock_path, journal.trash.path, journal.history_path):
        assert path.stat().st_mode & 0o777 == 0o600, path
