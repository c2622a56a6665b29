"""A rig for the reliability tests: `python main.py` (its own process where it is killed) against a sandbox with
a few hundred leads, and the checks every scenario ends with (one card per lead, links that agree
in the mapping file, the sheet column and the card marker, nothing left to plan, no secret leaked).
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import requests

from core.mapping import MappingStore
from core.models import marker_lead_id
from core.plan import Mode
from core.planner import plan
from sandbox import Sandbox
from tests.cli.conftest import issued_access_tokens
from tests.engine.conftest import World
from tests.support import MAIN, Run, clean_env, run_in_process

STATUSES = ("NEW", "CONTACTED", "QUALIFIED", "LOST")
RUN_TIMEOUT = 180
# High enough that the client-side limiter's fallback never throttles: these tests are about faults,
# not pacing.
NO_THROTTLE = "100000"
# Trello's answers carry its real windows (100 requests per 10 s per token) and the client paces by
# them, so a 300-lead run would spend about 20 s waiting. The sandbox's limits are switched on with
# every window 50 times shorter (the token's: 100 per 0.2 s): runs still cross many windows, paced
# from the answers' headers, without the wait.
WINDOW_SCALE = 0.02


def lead_rows(count: int) -> list[list[str]]:
    return [[str(i), f"Lead {i}", f"lead{i}@example.com", STATUSES[i % len(STATUSES)], "web", ""]
            for i in range(1, count + 1)]


class Rig:
    """An empty sandbox seeded with `count` leads, and WorkLead run against it as a user runs it."""

    def __init__(self, sandbox: Sandbox, tmp_path: Path) -> None:
        self.sandbox = sandbox
        self.workdir = tmp_path / "work"
        self.workdir.mkdir()
        self.world = World(sandbox, tmp_path / "data")
        self.env = clean_env(**sandbox.settings(), MAPPING_FILE=str(self.world.data_dir / "mapping.json"),
                            LOG_DIR=str(tmp_path / "logs"), TRELLO_RATE_LIMIT=NO_THROTTLE)
        self.outputs: list[str] = []
        self.seeded: list[list[str]] = []

    @property
    def mapping_file(self) -> Path:
        return Path(self.env["MAPPING_FILE"])

    def seed(self, count: int) -> None:
        self.seeded = lead_rows(count)
        self.world.set_rows(self.seeded)

    # -- the sandbox's control API ------------------------------------------------------
    def limits(self, scale: float) -> None:
        requests.post(f"{self.sandbox.url}/_sandbox/limits", json={"enabled": True, "scale": scale},
                      timeout=5, headers=self.sandbox.control_headers()).raise_for_status()

    def faults(self, latency_ms: float = 0, rules: Optional[list[dict[str, Any]]] = None) -> None:
        auth = self.sandbox.control_headers()
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=5, headers=auth).raise_for_status()
        requests.post(f"{self.sandbox.url}/_sandbox/faults", json={"latency_ms": latency_ms, "rules": rules or []},
                      timeout=5, headers=auth).raise_for_status()

    def fired(self) -> int:
        """How many requests the fault rules have hit so far."""
        rules = requests.get(f"{self.sandbox.url}/_sandbox/faults", timeout=5,
                             headers=self.sandbox.control_headers()).json()["rules"]
        return sum(r["fired"] for r in rules)

    # -- running WorkLead -----------------------------------------------------------------
    def run(self, *args: str) -> Run:
        run = run_in_process(list(args), self.workdir, self.env)
        self.outputs.append(run.out)
        return run

    def spawn(self, *args: str) -> "subprocess.Popen[str]":
        return subprocess.Popen([sys.executable, str(MAIN), *args], cwd=self.workdir, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def kill_after(self, proc: "subprocess.Popen[str]", served: int) -> bool:
        """SIGKILL the run once the sandbox has served `served` more requests; False if it ended first."""
        target = len(self.sandbox.log.entries()) + served
        while len(self.sandbox.log.entries()) < target:
            if proc.poll() is not None:
                return False
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        return True

    def collect(self, proc: "subprocess.Popen[str]") -> Run:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT)
        self.outputs.append(out)
        return Run(proc.returncode, out)

    # -- the checks -------------------------------------------------------------------------
    def inconsistencies(self) -> list[str]:
        """Everything that breaks 'one open card per open lead, linked the same way in all three places'."""
        rows = {r[0]: r for r in self.world.rows() if any(r)}
        open_cards = self.world.cards(open_only=True)
        by_lead: dict[str, list[Any]] = {}
        for card in open_cards:
            by_lead.setdefault(marker_lead_id(card.desc) or "", []).append(card)
        state = MappingStore(self.mapping_file).load()
        problems = [f"row of lead {r[0]} lost or changed: {rows.get(r[0])}" for r in self.seeded
                    if _identity(rows.get(r[0], [""] * 6)) != _identity(r)]
        problems += [f"unexpected row {lead_id}" for lead_id in set(rows) - {r[0] for r in self.seeded}]
        problems += [f"open card without a known lead: {c.id} {c.name!r}" for lead_id, cards in by_lead.items()
                     for c in cards if lead_id not in rows]
        lists = {c.id: self.world.list_name(c) for c in open_cards}
        for lead_id, row in rows.items():
            problems += _lead_problems(lead_id, row, by_lead.get(lead_id, []), state.links.get(lead_id), lists)
        return problems

    def pending_plan(self) -> list[str]:
        """What a full sync would still do or report, read through WorkLead's own clients."""
        engine = self.world.engine()
        sheet, board = engine.sheet.read(), engine.board.read()
        p = plan(sheet, board, MappingStore(self.mapping_file).load().links, engine.planning.options(Mode.FULL))
        pending = [f"{a.kind} {a.lead_id}: {a.reason}" for a in p.actions + p.held]
        pending += [f"baseline of {lead_id} would change" for lead_id in p.links_after]
        return pending + p.messages

    def leaked_secrets(self) -> list[str]:
        """Secrets found in console output, log files or request URLs (path and query)."""
        secrets = self._secrets()
        places = {"console": "\n".join(self.outputs),
                  "log files": "".join(p.read_text(encoding="utf-8") for p in Path(self.env["LOG_DIR"]).glob("*")),
                  "request URLs": "\n".join(f"{e['path']}?{e['query']}" for e in self.sandbox.log.entries())}
        found = []
        for place, text in places.items():
            found += [f"{name} in {place}" for name, value in secrets.items() if value and value in text]
        return found

    def _secrets(self) -> dict[str, str]:
        key_file = json.loads(self.sandbox.key_path.read_text(encoding="utf-8"))
        body = [line for line in key_file["private_key"].splitlines() if line and "-----" not in line]
        secrets = {"Trello key": self.env["TRELLO_API_KEY"], "Trello token": self.env["TRELLO_TOKEN"]}
        secrets.update({f"private key line {i}": line for i, line in enumerate(body)})
        tokens = issued_access_tokens(self.sandbox)
        assert tokens, "no Google access token was issued: the runs never reached the sheet"
        secrets.update({f"access token {i}": token for i, token in enumerate(tokens)})
        return secrets


def _identity(row: list[str]) -> tuple[str, ...]:
    """What no sync may change in a row: id, name, email, source (status may legitimately move)."""
    return row[0], row[1], row[2], row[4]


def _lead_problems(lead_id: str, row: list[str], cards: list[Any], link: Any, lists: dict[str, str]) -> list[str]:
    if row[3] == "LOST":
        # No card is made for a lost lead; one only stays when it was moved to LOST.
        if not cards:
            return []
        if any(lists[c.id] != "LOST" for c in cards):
            return [f"lost lead {lead_id} has open cards outside LOST"]
    if len(cards) != 1:
        return [f"lead {lead_id} has {len(cards)} open cards"]
    card = cards[0]
    problems = []
    if link is None or link.card_id != card.id:
        problems.append(f"lead {lead_id}: mapping links {link.card_id if link else None}, card is {card.id}")
    if row[5] != card.id:
        problems.append(f"lead {lead_id}: sheet column holds {row[5]!r}, card is {card.id}")
    return problems


def count_of(output: str, label: str) -> int:
    """A count from the run's summary table ('Failed      3')."""
    found = re.search(rf"^\W*{re.escape(label)}\W+(\d+)\W*$", output, re.MULTILINE | re.IGNORECASE)
    assert found, f"no '{label}' count in the summary:\n{output}"
    return int(found.group(1))


@pytest.fixture
def rig(empty_sandbox: Sandbox, tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(empty_sandbox, tmp_path)
    rig.limits(WINDOW_SCALE)
    yield rig
