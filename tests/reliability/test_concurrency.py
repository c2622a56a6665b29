"""Two syncs started at the same moment: one runs, the other stops at once with exit code 3 and
names the process that holds the lock; the board ends with one card per lead."""
from __future__ import annotations

import pytest

from tests.reliability.conftest import Rig

pytestmark = pytest.mark.slow

LEADS = 300
LATENCY_MS = 10  # makes the winner's run last seconds, so the loser surely finds the lock held
LOCK_HELD = 3


def test_second_sync_started_together_exits_3_naming_the_lock_holder_and_nothing_is_duplicated(
        rig: Rig) -> None:
    rig.seed(LEADS)
    rig.faults(latency_ms=LATENCY_MS)
    procs = [rig.spawn("sync"), rig.spawn("sync")]
    runs = [rig.collect(p) for p in procs]

    codes = sorted(run.code for run in runs)
    assert codes == [0, LOCK_HELD], [run.out for run in runs]
    winner = next(p for p, run in zip(procs, runs, strict=True) if run.code == 0)
    loser = next(run for run in runs if run.code == LOCK_HELD)
    assert f"process {winner.pid}" in loser.out, loser.out
    assert "Created" not in loser.out  # it stopped before doing anything

    rig.faults()
    assert rig.inconsistencies() == []
    assert rig.pending_plan() == []
    assert rig.leaked_secrets() == []
