"""The mapping file: original-format upgrade, atomic save with .bak, corrupt file moved aside, the lock."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from core.errors import LockHeldError
from core.mapping import MappingState, MappingStore
from core.models import Link


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
