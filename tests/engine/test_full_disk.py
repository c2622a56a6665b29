"""A full disk while the mapping is saved: a sentence saying what stands, and no temporary file left."""
from __future__ import annotations

import errno
import os

import pytest

from core.mapping import MappingStore, MappingWriteError
from tests.engine.conftest import World


class DiskFullOs:
    """The os module as core.mapping sees it on a full disk: fsync fails with ENOSPC."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    @staticmethod
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_for_the_mapping_says_what_stands_and_leaves_no_temporary_file(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.engine().full_sync()
    store = MappingStore(world.data_dir / "mapping.json")
    before = store.path.read_bytes()

    monkeypatch.setattr("core.mapping.os", DiskFullOs())  # our own write path, not a library's
    world.set_status("1", "QUALIFIED")
    with pytest.raises(MappingWriteError) as err:
        world.engine().full_sync()
    assert "No space left on device" in err.value.message and "changes this run made" in err.value.message
    assert err.value.exit_code == 2
    assert store.path.read_bytes() == before
    assert not [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert world.list_name(world.card_for("1")) == "DONE"  # the move stands, as the sentence says
