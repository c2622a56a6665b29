"""Benchmark: WorkLead against the sandbox with request latency and the real rate limits.

    python bench/run.py [--sizes 100,1000,5000] [--latency-ms 50]
    python bench/run.py --sizes "" --pacing [--shared-size 1000] [--quiet-sizes 100,2000,5000]
                        [--big-board 5000,50000] [--watch-minutes 60] [--watch-speedup 10]

For each size: a fresh sandbox in its own process (`python -m sandbox`), N leads seeded in the
sheet, then three syncs, each in a fresh WorkLead process: the initial sync, a full sync with
nothing to do, and a full sync after 1 % of the leads changed on each side. Requests are counted
from the sandbox's request log (the OAuth token POST apart), 429s likewise; memory is the WorkLead
process's peak RSS. Prints a Markdown table. 5,000 leads take about ten minutes: Trello allows
100 writes per 10 s, and the initial sync must create ~3,750 cards.

--pacing adds the runs at the services' limits, one table: the first sync of --shared-size leads
alone and beside another client spending 3 requests a second on the same token; a no-change sync
at each of --quiet-sizes (sheet and board seeded already linked); a no-change sync of a board with
--big-board open and archived cards; and --watch-minutes of `watch --interval 10` with one sheet
edit per round (every round a real sync), counting Sheets reads per minute.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

STATUSES = ("NEW", "CONTACTED", "QUALIFIED", "LOST")
NEXT_STATUS = {"NEW": "CONTACTED", "CONTACTED": "QUALIFIED", "QUALIFIED": "NEW"}
TRELLO_LIMIT_PER_SECOND = 100 / 10.0  # the real limit per token
WINDOW_SECONDS = 10.5  # let Trello's window empty between phases, so each phase starts alike


@dataclass
class Phase:
    name: str
    requests: int = 0
    token_posts: int = 0
    wall: float = 0.0
    refused_429: int = 0
    card_writes: int = 0
    write_span: float = 0.0
    failed: int = 0
    peak_mb: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    trello_requests: int = 0

    @property
    def write_share(self) -> Optional[float]:
        """Achieved card writes per second as a share of Trello's limit."""
        if self.card_writes < 2 or self.write_span <= 0:
            return None
        return self.card_writes / self.write_span / TRELLO_LIMIT_PER_SECOND


# -- the WorkLead side: one sync in a child process --------------------------------------------
def child(phase: str) -> int:
    """Run one sync with the settings in the environment; print its counts as JSON."""
    from clients.google_sheet import GoogleSheet
    from clients.trello_board import TrelloBoard
    from core.config import load_settings
    from core.sync_logic import SyncEngine

    settings = load_settings(env_file=None)
    engine = SyncEngine(settings, GoogleSheet.from_settings(settings), TrelloBoard.from_settings(settings))
    started = time.monotonic()
    result = engine.initial_sync() if phase == "initial" else engine.full_sync()
    wall = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"wall": wall, "counts": result.as_counts(), "peak_mb": peak_kb / 1024.0}))
    return 0


# -- the sandbox side -------------------------------------------------------------------------
class Server:
    """A sandbox in its own process, on a free port, with its state in a temporary folder."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env_file = data_dir / "sandbox.env"
        self.token = ""
        self.proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", str(self.port),
                                      "--data-dir", str(data_dir)], cwd=REPO,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_until_up()
        self.settings: dict[str, str] = self.control("GET", "settings")

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                # The control endpoints need the token the sandbox writes to sandbox.env when it serves.
                self.token = _env_value(self.env_file, "SANDBOX_TOKEN")
                if self.token and requests.get(f"{self.url}/_sandbox/requests", timeout=5,
                                               headers=self._auth()).ok:
                    return
            except requests.RequestException:  # not up yet, or too busy to answer within the timeout
                pass
            time.sleep(0.1)
        raise RuntimeError("the sandbox did not start")

    def control(self, method: str, name: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox/{name}", json=body, timeout=30,
                                    headers=self._auth())
        response.raise_for_status()
        return response.json()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log(self) -> list[dict[str, Any]]:
        return self.control("GET", "requests")["requests"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _env_value(path: Path, name: str) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return next((x.split("=", 1)[1] for x in lines if x.startswith(f"{name}=")), "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- one size -----------------------------------------------------------------------------------
class Bench:
    def __init__(self, size: int, latency_ms: float, workdir: Path) -> None:
        self.size = size
        self.latency_ms = latency_ms
        self.workdir = workdir
        self.server = Server(workdir / "sandbox")
        self.env = {**_clean_environ(), **self.server.settings,
                    "MAPPING_FILE": str(workdir / "data" / "mapping.json"), "LOG_DIR": str(workdir / "logs")}

    def run(self) -> list[Phase]:
        try:
            self.server.control("POST", "reset", {"seed": False})
            self._seed()
            self.server.control("POST", "faults", {"latency_ms": self.latency_ms})
            self.server.control("POST", "limits", {"enabled": True, "scale": 1})
            phases = [self._phase("initial"), self._phase("no-change sync")]
            self._change_one_percent()
            phases.append(self._phase("1 % changed sync"))
            return phases
        finally:
            self.server.stop()

    def _settings(self) -> Any:
        from core.config import load_settings

        return load_settings(env=self.env, env_file=None)

    def _seed(self) -> None:
        from clients.google_sheet import GoogleSheet

        rows = [{"id": str(i), "name": f"Lead {i}", "email": f"lead{i}@example.com",
                 "status": STATUSES[i % len(STATUSES)], "source": "bench"} for i in range(1, self.size + 1)]
        GoogleSheet.from_settings(self._settings()).append_rows(rows)

    def _change_one_percent(self) -> None:
        """Outside edits, as users make them: statuses in the sheet, cards moved in Trello."""
        from clients.google_sheet import GoogleSheet
        from clients.trello_board import TrelloBoard
        from core.models import CellUpdate

        settings = self._settings()
        sheet, board = GoogleSheet.from_settings(settings), TrelloBoard.from_settings(settings)
        leads = [lead for lead in sheet.read().leads if lead.status in NEXT_STATUS and lead.card_id]
        share = max(1, self.size // 100)
        sheet.write_cells([CellUpdate(lead.row, "status", NEXT_STATUS[lead.status]) for lead in leads[:share]])
        lists = {"NEW": "TODO", "CONTACTED": "IN_PROGRESS", "QUALIFIED": "DONE"}
        for lead in leads[share:2 * share]:
            board.move_card(lead.card_id, lists[NEXT_STATUS[lead.status]])

    def _phase(self, name: str) -> Phase:
        time.sleep(WINDOW_SECONDS)
        self.server.control("DELETE", "requests")
        return self._sync(name)

    def _sync(self, name: str) -> Phase:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                               "initial" if name == "initial" else "sync"],
                              cwd=self.workdir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"the {name} run failed:\n{proc.stderr[-3000:]}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        return _phase_from(name, report, self.server.log())


def _phase_from(name: str, report: dict[str, Any], log: list[dict[str, Any]]) -> Phase:
    api = [e for e in log if e["path"] != "/token"]
    writes = sorted(e["time"] for e in api if e["path"].startswith("/1/cards") and e["method"] in ("POST", "PUT"))
    return Phase(name=name, requests=len(api), token_posts=len(log) - len(api), wall=report["wall"],
                 refused_429=sum(1 for e in log if e["status"] == 429), card_writes=len(writes),
                 write_span=(writes[-1] - writes[0]) if len(writes) > 1 else 0.0,
                 failed=report["counts"]["failed"], peak_mb=report["peak_mb"], counts=report["counts"],
                 trello_requests=sum(1 for e in api if e["service"] == "trello" and e["status"] != 429))


def _clean_environ() -> dict[str, str]:
    """The environment without any WorkLead setting a developer may have exported."""
    from core.config import load_settings  # noqa: F401 - fail early if the repo is not importable

    names = {"GOOGLE_CREDENTIALS_PATH", "SPREADSHEET_ID", "WORKSHEET", "TRELLO_API_KEY", "TRELLO_TOKEN",
             "TRELLO_BOARD_ID", "MAPPING_FILE", "CONFLICT_WINNER", "STATUS_MAP", "MAX_DELETE_PERCENT",
             "GOOGLE_API_URL", "TRELLO_API_URL", "LOG_DIR", "TRELLO_RATE_LIMIT", "SHEETS_QUOTA"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["PYTHONPATH"] = str(REPO)
    return env


# -- the table --------------------------------------------------------------------------------------
def table(results: dict[int, list[Phase]], latency_ms: float) -> str:
    lines = [f"Sandbox with {latency_ms:g} ms per request and the real rate limits (Trello 100 per 10 s per "
             f"token); requests exclude the OAuth token POST (shown as +N).", "",
             "| leads | sync | API requests | wall time | card writes | Trello write rate (share of limit) "
             "| 429s | failed | peak memory |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size, phases in results.items():
        for p in phases:
            token = f" (+{p.token_posts})" if p.token_posts else ""
            share = _rate(p)
            lines.append(f"| {size:,} | {p.name} | {p.requests}{token} | {p.wall:.1f} s | {p.card_writes} "
                         f"| {share} | {p.refused_429} | {p.failed} | {p.peak_mb:.0f} MB |")
    return "\n".join(lines)


def _rate(p: Phase) -> str:
    if p.write_share is None:
        return "-"
    rate = f"{p.card_writes / p.write_span:.2f}/s"
    # Up to 100 writes fit in one window: they go out as a burst, not at the sustained rate.
    return f"{rate} (burst)" if p.card_writes <= 100 else f"{rate} ({p.write_share:.0%})"


def verdicts(results: dict[int, list[Phase]]) -> list[str]:
    out = []
    for size, (initial, quiet, changed) in results.items():
        out.append(f"{size:,} leads: no-change sync {quiet.requests} requests "
                   f"({'ok' if quiet.requests <= 3 else 'MISSED: target <= 3'})")
        if initial.write_share is not None and initial.card_writes >= 200:
            ok = initial.write_share >= 0.85 and initial.failed == 0
            out.append(f"{size:,} leads: initial write rate {initial.write_share:.0%} of the limit, "
                       f"{initial.failed} failed ({'ok' if ok else 'MISSED: target >= 85 % and 0 failed'})")
        peak = max(p.peak_mb for p in (initial, quiet, changed))
        if size >= 5000:
            out.append(f"{size:,} leads: peak memory {peak:.0f} MB ({'ok' if peak < 200 else 'MISSED: < 200 MB'})")
    return out


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated lead counts")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--child", choices=("initial", "sync"), help=argparse.SUPPRESS)
    parser.add_argument("--pacing", action="store_true", help="also the runs at the services' limits")
    parser.add_argument("--shared-size", type=int, default=1000, help="leads in the first syncs (0: skip)")
    parser.add_argument("--quiet-sizes", default="100,2000,5000", help="no-change syncs of linked leads")
    parser.add_argument("--big-board", default="5000,50000", help="open,archived cards of the long-lived board")
    parser.add_argument("--watch-minutes", type=float, default=2.0, help="minutes of watch at 10 s (0: skip)")
    parser.add_argument("--watch-speedup", type=float, default=1.0,
                        help="simulate the watch minutes this many times faster (limits, quota, interval alike)")
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    if args.pacing:
        from bench.pacing import run_pacing

        print(run_pacing(args))
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes:
        return 0
    results: dict[int, list[Phase]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"worklead-bench-{size}-") as tmp:
            started = time.monotonic()
            results[size] = Bench(size, args.latency_ms, Path(tmp)).run()
            print(f"{size:,} leads done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(table(results, args.latency_ms))
    print()
    for line in verdicts(results):
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
