"""The benchmark's runs at the services' limits (`python bench/run.py --pacing`).

Each run uses a fresh sandbox process with the real rate limits on and the same latency as the
main table; WorkLead runs in child processes exactly as there. The figures:

- first sync of N leads alone: wall time and its share of the physical minimum, which for a
  sliding window of 100 requests per 10 s is 10 s x (ceil(R / 100) - 1) for R Trello requests;
- the same beside another client that sends 3 requests a second on the same token: WorkLead's
  429s and failures, and how many of the other client's requests were refused;
- no-change syncs of sheets and boards seeded already linked (the sandbox's models written
  directly, so that 5,000 leads need no 7-minute first sync), and of a long-lived board with
  many archived cards: requests and peak memory;
- watch with 10 s intervals and one sheet edit per round: Sheets reads per minute (an hour is
  simulated with every window and interval shortened alike: --watch-speedup).
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import requests

from bench.run import REPO, WINDOW_SECONDS, Bench, Phase, Server, _clean_environ, _phase_from

OTHER_MARK = "bench_other"  # a query parameter the sandbox ignores, marking the other client's requests
OTHER_RATE = 3.0  # requests a second
LIVE_STATUSES = ("NEW", "CONTACTED", "QUALIFIED")
LISTS = {"NEW": "TODO", "CONTACTED": "IN_PROGRESS", "QUALIFIED": "DONE"}


@dataclass
class Row:
    """One line of the pacing table."""

    run: str
    phase: Phase
    minimum: Optional[float] = None  # seconds the token's limit allows at best
    other_sent: int = 0
    other_refused: int = 0
    sheets_reads_per_minute: Optional[tuple[float, float]] = None  # (peak in any 60 s, mean)
    notes: list[str] = field(default_factory=list)


# -- the other client on the same token ------------------------------------------------------
class Background:
    """Something that acts beside the WorkLead run, in a thread, until stopped."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        raise NotImplementedError


class OtherClient(Background):
    """Another app on WorkLead's token: a steady GET every 1/rate seconds, statuses recorded."""

    def __init__(self, server: Server, rate: float) -> None:
        settings = server.settings
        self._url = f"{server.url}/1/boards/{settings['TRELLO_BOARD_ID']}"
        self._params = {"fields": "name", OTHER_MARK: "1", "key": settings["TRELLO_API_KEY"],
                        "token": settings["TRELLO_TOKEN"]}
        self._period = 1.0 / rate
        self.statuses: list[int] = []
        super().__init__()

    def _run(self) -> None:
        session = requests.Session()
        start = time.monotonic()
        k = 0
        while not self._stop.is_set():
            k += 1
            try:
                self.statuses.append(session.get(self._url, params=self._params, timeout=10).status_code)
            except requests.RequestException:
                self.statuses.append(0)
            self._stop.wait(max(0.0, start + k * self._period - time.monotonic()))


def _ours(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in log if OTHER_MARK not in (e.get("query") or "")]


def physical_minimum(trello_requests: int) -> float:
    return 10.0 * max(0, math.ceil(trello_requests / 100) - 1)


def first_sync(size: int, latency_ms: float, other_rate: float) -> Row:
    with tempfile.TemporaryDirectory(prefix=f"worklead-pacing-{size}-") as tmp:
        bench = Bench(size, latency_ms, Path(tmp))
        try:
            bench.server.control("POST", "reset", {"seed": False})
            bench._seed()
            bench.server.control("POST", "faults", {"latency_ms": latency_ms})
            bench.server.control("POST", "limits", {"enabled": True, "scale": 1})
            time.sleep(WINDOW_SECONDS)
            bench.server.control("DELETE", "requests")
            other = OtherClient(bench.server, other_rate) if other_rate else None
            if other:
                other.start()
            report = _child(bench.workdir, bench.env, "initial")
            if other:
                other.stop()
            log = bench.server.log()
        finally:
            bench.server.stop()
    name = f"first sync, {size:,} leads" + (f", another client at {other_rate:g}/s" if other_rate else "")
    phase = _phase_from(name, report, _ours(log))
    row = Row(name, phase, minimum=None if other_rate else physical_minimum(phase.trello_requests))
    if other:
        row.other_sent = len(other.statuses)
        row.other_refused = sum(1 for s in other.statuses if s == 429)
    return row


# -- sheets and boards seeded already linked ---------------------------------------------------
def seed_linked(data_dir: Path, leads: int, archived: int) -> None:
    """Leads 1..N each with an open card in its status's list, plus `archived` closed cards of old leads.

    Written into the sandbox's models directly and saved, before its server process starts.
    """
    from core.models import card_title, managed_block
    from sandbox import Sandbox
    from sandbox.google.service import HEADER, WORKSHEET_TITLE
    from sandbox.trello.models import TrelloCard, iso_millis

    with Sandbox(data_dir, port=0, seed=False) as box:
        google = next(s for s in box.services if s.name == "google").backend  # type: ignore[attr-defined]
        trello = next(s for s in box.services if s.name == "trello").backend  # type: ignore[attr-defined]
        with box.lock:
            board = trello.board(box.creds.board_id)
            list_ids = {lst.name: lst.id for lst in trello.lists_of(board.id, "open")}
            stamp = iso_millis(time.time())
            first_list = list_ids["DONE"]

            def card(number: int, lead_id: str, list_id: str, closed: bool) -> TrelloCard:
                return TrelloCard(id=trello.new_id(), id_board=board.id, id_list=list_id,
                                  name=card_title(f"Lead {lead_id}"), pos=float(number * 1024), id_short=number,
                                  short_link=f"s{number:07d}", date_last_activity=stamp,
                                  desc=managed_block(lead_id, f"lead{lead_id}@example.com", "bench"), closed=closed)

            for k in range(1, archived + 1):  # the old ones first: lower ids, as on a real board
                c = card(k, str(100000 + k), first_list, True)
                trello.cards[c.id] = c
            rows = [list(HEADER)]
            for i in range(1, leads + 1):
                status = LIVE_STATUSES[i % len(LIVE_STATUSES)]
                c = card(archived + i, str(i), list_ids[LISTS[status]], False)
                trello.cards[c.id] = c
                rows.append([str(i), f"Lead {i}", f"lead{i}@example.com", status, "bench", c.id])
            board.last_id_short = archived + leads
            trello.open_cards_per_board = max(trello.open_cards_per_board, leads)
            book = google.spreadsheets[box.creds.spreadsheet_id]
            sheet = book.sheet_by_title(WORKSHEET_TITLE)
            sheet.resize(rows=len(rows) + 10, columns=len(HEADER))
            sheet.write(0, 0, rows)


def quiet_sync(leads: int, archived: int, latency_ms: float) -> Row:
    with tempfile.TemporaryDirectory(prefix=f"worklead-quiet-{leads}-") as tmp:
        workdir = Path(tmp)
        seed_linked(workdir / "sandbox", leads, archived)
        server = Server(workdir / "sandbox")
        env = _env(server, workdir)
        try:
            _child(workdir, env, "sync")  # links every lead to its card: the baseline
            server.control("POST", "faults", {"latency_ms": latency_ms})
            server.control("POST", "limits", {"enabled": True, "scale": 1})
            time.sleep(WINDOW_SECONDS)
            server.control("DELETE", "requests")
            report = _child(workdir, env, "sync")
            log = server.log()
        finally:
            server.stop()
    name = f"no-change sync, {leads:,} leads" + (f", {leads:,} open + {archived:,} archived cards" if archived else "")
    row = Row(name, _phase_from(name, report, log))
    refused = [e for e in log if e["status"] not in (200, 429)]
    if refused:
        row.notes.append(f"{len(refused)} answers not 200: " + ", ".join(sorted({str(e['status']) for e in refused})))
    return row


# -- watch -------------------------------------------------------------------------------------
def watch(minutes: float, latency_ms: float, speedup: float = 1.0, leads: int = 100) -> Row:
    """`minutes` of `watch --interval 10` with one sheet edit per round, `speedup` times faster.

    Faster means every window and wait shortened alike: the sandbox's limits (Sheets' minute,
    Trello's 10 s), WorkLead's Sheets quota (SHEETS_QUOTA), the watch interval and the editor's
    pace; only request latency and CPU time are not, so each round takes relatively longer than
    it would and the reads per simulated minute are a little lower than at full length.
    """
    rounds = max(1, int(minutes * 6))
    minute = 60.0 / speedup
    with tempfile.TemporaryDirectory(prefix="worklead-watch-") as tmp:
        workdir = Path(tmp)
        seed_linked(workdir / "sandbox", leads, 0)
        server = Server(workdir / "sandbox")
        env = {**_env(server, workdir), "SHEETS_QUOTA": f"60/{minute:g}"}
        try:
            _child(workdir, env, "sync")
            server.control("POST", "faults", {"latency_ms": latency_ms})
            server.control("POST", "limits", {"enabled": True, "scale": 1 / speedup})
            time.sleep(WINDOW_SECONDS)
            server.control("DELETE", "requests")
            editor = SheetEditor(server, env, every=10.0 / speedup)
            editor.start()
            started = time.monotonic()
            proc = subprocess.run([sys.executable, str(REPO / "main.py"), "watch", "--interval", f"{10 / speedup:g}",
                                   "--runs", str(rounds)], cwd=workdir, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - started
            editor.stop()
            log = server.log()
        finally:
            server.stop()
    reads = sorted(e["time"] for e in log if e["service"] == "sheets" and e["method"] == "GET"
                   and e["path"].startswith("/v4/spreadsheets"))
    peak = max((sum(1 for t in reads if start <= t < start + minute) for start in reads), default=0)
    mean = len(reads) / (wall / minute) if wall else 0.0
    api = [e for e in log if e["path"] != "/token"]
    phase = Phase(name="watch", requests=len(api), wall=wall,
                  refused_429=sum(1 for e in log if e["status"] == 429), failed=int(proc.returncode != 0))
    how = f", simulated {speedup:g} times faster" if speedup != 1 else ""
    row = Row(f"watch --interval 10, {rounds} rounds ({minutes:g} min{how}), one sheet edit per round", phase,
              sheets_reads_per_minute=(float(peak), mean))
    row.notes.append(f"exit code {proc.returncode}; {editor.edits} edits; {len(reads)} Sheets reads in "
                     f"{rounds} rounds ({len(reads) / rounds:.2f} a round); {wall:.0f} s of wall time")
    return row


class SheetEditor(Background):
    """A person editing the sheet every 10 s: one status cell written, no reads."""

    def __init__(self, server: Server, env: dict[str, str], every: float = 10.0) -> None:
        from clients.http import build_google_session
        from core.config import load_settings

        self._session = build_google_session(load_settings(env=env, env_file=None))
        self._url = (f"https://sheets.googleapis.com/v4/spreadsheets/{server.settings['SPREADSHEET_ID']}"
                     "/values/Leads!D2")
        self.edits = 0
        self._every = every
        super().__init__()

    def _run(self) -> None:
        while not self._stop.wait(self._every if self.edits else min(1.0, self._every)):
            status = LIVE_STATUSES[self.edits % len(LIVE_STATUSES)]
            self._session.put(self._url, params={"valueInputOption": "RAW"}, json={"values": [[status]]})
            self.edits += 1


# -- plumbing ------------------------------------------------------------------------------------
def _env(server: Server, workdir: Path) -> dict[str, str]:
    return {**_clean_environ(), **server.settings, "MAPPING_FILE": str(workdir / "data" / "mapping.json"),
            "LOG_DIR": str(workdir / "logs")}


def _child(workdir: Path, env: dict[str, str], phase: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--child", phase], cwd=workdir,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the {phase} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _step(label: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {label}", file=sys.stderr, flush=True)


def _done(rows: list[Row]) -> None:
    """Each row as soon as it is measured: a long benchmark that fails later keeps what it found."""
    print(table(rows[-1:], 0).splitlines()[-1], file=sys.stderr, flush=True)


def run_pacing(args: argparse.Namespace) -> str:
    rows: list[Row] = []
    latency = args.latency_ms
    if args.shared_size:
        _step("first sync alone")
        rows.append(first_sync(args.shared_size, latency, 0.0))
        _done(rows)
        _step("first sync beside another client")
        rows.append(first_sync(args.shared_size, latency, OTHER_RATE))
        _done(rows)
    for size in [int(s) for s in args.quiet_sizes.split(",") if s.strip()]:
        _step(f"no-change sync of {size}")
        rows.append(quiet_sync(size, 0, latency))
        _done(rows)
    if args.big_board:
        open_cards, archived = (int(x) for x in args.big_board.split(","))
        _step(f"no-change sync of a board with {open_cards} open and {archived} archived cards")
        rows.append(quiet_sync(open_cards, archived, latency))
        _done(rows)
    if args.watch_minutes:
        _step("watch")
        rows.append(watch(args.watch_minutes, latency, args.watch_speedup))
        _done(rows)
    return table(rows, latency)


def table(rows: list[Row], latency_ms: float) -> str:
    lines = [f"Runs at the services' limits ({latency_ms:g} ms per request; requests exclude the OAuth token POST).",
             "", "| run | API requests | Trello requests | wall time | share of the minimum | 429s (WorkLead) "
             "| failed | other client refused | Sheets reads per minute (peak, mean) | peak memory |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        p = r.phase
        share = f"{r.minimum / p.wall:.0%} ({r.minimum:.0f} s)" if r.minimum and p.wall else "-"
        other = f"{r.other_refused} of {r.other_sent}" if r.other_sent else "-"
        reads = (f"{r.sheets_reads_per_minute[0]:.0f}, {r.sheets_reads_per_minute[1]:.1f}"
                 if r.sheets_reads_per_minute else "-")
        memory = f"{p.peak_mb:.0f} MB" if p.peak_mb else "-"
        lines.append(f"| {r.run} | {p.requests} | {p.trello_requests or '-'} | {p.wall:.1f} s | {share} "
                     f"| {p.refused_429} | {p.failed} | {other} | {reads} | {memory} |")
    notes = [f"- {r.run}: {n}" for r in rows for n in r.notes]
    return "\n".join(lines + ([""] + notes if notes else []))
