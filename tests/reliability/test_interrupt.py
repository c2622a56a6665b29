"""Ctrl-C wherever it lands in a first sync: every card already made is linked before the program
exits, and the last line says what was saved."""
from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from core.mapping import MappingStore
from core.models import marker_lead_id
from tests.reliability.conftest import Rig

LEADS = 30


def press_ctrl_c_when(rig: Rig, proc: subprocess.Popen[str], seen: Callable[[list[dict[str, Any]]], bool]) -> None:
    deadline = time.monotonic() + 60
    while not seen(rig.sandbox.log.entries()):
        assert proc.poll() is None, "the run ended before Ctrl-C"
        assert time.monotonic() < deadline, "the moment never came"
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)


def cards_made(entries: list[dict]) -> int:
    return sum(1 for e in entries if e["method"] == "POST" and e["path"] == "/1/cards" and e["status"] == 200)


MOMENTS = {
    # While cards are being created, a third of the way in.
    "card writes": ([], lambda entries: cards_made(entries) >= 10),
    # After the last card, while the sheet write waits out Google's 429 (Retry-After 5 s, so that
    # Ctrl-C surely lands in the wait on a busy machine).
    "sheet write": ([{"path": "*/values:batchUpdate", "method": "POST", "status": 429, "times": 1,
                      "retry_after": 5}], lambda entries: any(e["status"] == 429 for e in entries)),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_at_any_point_links_every_card_made_and_says_what_was_saved(rig: Rig, moment: str) -> None:
    rules, seen = MOMENTS[moment]
    rig.seed(LEADS)
    rig.faults(latency_ms=20, rules=rules)
    proc = rig.spawn("initial")
    press_ctrl_c_when(rig, proc, seen)
    run = rig.collect(proc)
    assert run.code == 130, run.out

    made = {c.id: marker_lead_id(c.desc) for c in rig.world.cards()}
    links = MappingStore(rig.mapping_file).load().links
    assert made, "no card was made before Ctrl-C"
    assert {lead: link.card_id for lead, link in links.items()} == {lead: card for card, lead in made.items()}
    with rig.sandbox.lock:  # the stopped run let go of the sheet and board: the next one need not wait
        book = next(s for s in rig.sandbox.services if s.name == "google").lead_spreadsheet()  # type: ignore[attr-defined]
        assert book.developer_metadata == {}
    said = re.search(r"the (\d+) cards? made in this run (?:is|are) linked", run.out)
    assert said and int(said.group(1)) == len(made), run.out

    rig.faults()
    assert rig.run("sync").code == 0, rig.outputs[-1]
    assert rig.inconsistencies() == []


def test_the_log_of_a_ctrl_c_run_has_its_start_every_card_made_and_linked_and_an_end_saying_ctrl_c(
        rig: Rig) -> None:
    rules, seen = MOMENTS["card writes"]
    rig.seed(LEADS)
    rig.faults(latency_ms=20, rules=rules)
    proc = rig.spawn("initial")
    press_ctrl_c_when(rig, proc, seen)
    assert rig.collect(proc).code == 130
    log = "".join(p.read_text(encoding="utf-8") for p in Path(rig.env["LOG_DIR"]).glob("*.log"))
    lines = log.splitlines()

    assert re.search(r" INFO +worklead\.cli: Run started: initial$", lines[0]), lines[0]
    made = {marker_lead_id(c.desc) for c in rig.world.cards()}
    linked = set(MappingStore(rig.mapping_file).load().links)
    logged = set(re.findall(r" INFO +worklead\.sync: create_card: lead (\d+) ", log))
    assert made and logged == made == linked  # every card made is in the log, and linked
    assert "WARNING  worklead.cli: Ctrl-C: stopping the run." in log
    said = re.search(r"WARNING +worklead\.cli: Stopped \(Ctrl-C\): the (\d+) cards? made in this run (?:is|are) "
                     r"linked", log)
    assert said and int(said.group(1)) == len(made), log[-3000:]
    end = re.search(r" INFO +worklead\.cli: Run ended: initial \(.*\); created (\d+),.*; exit code 130 "
                    r"\(stopped with Ctrl-C\)$", lines[-1])
    assert end and int(end.group(1)) == len(made), lines[-1]
