"""Google's Sheets quota is one per user, whichever process spends it: single-lead commands
looped from a script share WorkLead's count of it through the folder's data."""
from __future__ import annotations

import pytest

from tests.cli.conftest import Cli

READS, WINDOW = 2, 4.0  # Sheets' 60 reads a minute, scaled down on both sides


@pytest.mark.slow
def test_single_lead_commands_looped_from_a_script_share_the_sheets_quota_and_say_when_they_wait(cli: Cli) -> None:
    assert cli("sync").code == 0
    cli.sandbox.limits.configure({"enabled": True, "limits": {"sheets_read": [READS, WINDOW]}})
    cli.sandbox.log.clear()
    quota = {"SHEETS_QUOTA": f"{READS}/{WINDOW:g}"}
    # As `for i in $(seq 4); do python main.py lead 3; done` runs them, one after another;
    # the last one as a process of its own, sharing nothing with the others but the folder.
    runs = [cli("lead", "3", **quota) for _ in range(2 * READS)] + [cli.process("lead", "3", **quota)]
    assert [run.code for run in runs] == [0] * (2 * READS + 1), runs
    reads = [e for e in cli.sandbox.log.entries() if e["service"] == "sheets"]
    assert [e["status"] for e in reads] == [200] * (2 * READS + 1)  # none refused
    # Never more than READS in any window: the 3rd read comes a whole window after the 1st, and so on.
    times = sorted(e["time"] for e in reads)
    assert all(later - earlier >= WINDOW for earlier, later in zip(times, times[READS:], strict=False)), times
    assert "waiting for google's rate limit" in runs[READS].out.lower(), runs[READS].out
