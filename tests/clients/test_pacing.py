"""Pacing from Trello's rate headers: the limit Trello announces, and a fair share of a shared token."""
from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from clients.google_sheet import GoogleSheet
from clients.pacing import RatePacer, RateWindow, rate_windows
from clients.quota import SharedQuota
from clients.trello_board import TrelloBoard
from core.control import LIMIT, RunControl, StopRequested, Wait
from core.models import CellUpdate
from sandbox import Sandbox
from tests.clients.conftest import api_requests, sandbox_settings, trello_board

CASSETTES = Path(__file__).resolve().parents[1] / "fidelity" / "trello_cassettes"
OTHER = "other_app"  # a query parameter marking the other client's requests in the sandbox's log


def _recorded_headers(cassette: str, index: int = 0) -> dict[str, str]:
    data = yaml.safe_load((CASSETTES / cassette).read_text(encoding="utf-8"))
    return {k: v[0] for k, v in data["http_interactions"][index]["response"]["headers"].items()}


def test_a_recorded_trello_answer_tells_each_window() -> None:
    windows = rate_windows(_recorded_headers("can_get_cards_of_board.yml"))
    assert windows == [RateWindow("api-key", 300, 10.0, 299), RateWindow("api-token", 100, 10.0, 99),
                       RateWindow("member", 200, 10.0, 199)]


def test_every_scope_a_recorded_answer_names_is_read_and_others_ignored() -> None:
    headers = _recorded_headers("comment_delete.yml", 1)
    scopes = {w.scope: (w.limit, w.interval, w.remaining) for w in rate_windows(headers)}
    assert scopes["action"] == (15000, 3600.0, 14999)
    assert scopes["api-token"] == (100, 10.0, 98)
    assert rate_windows({"X-Rate-Limit-Api-Token-Max": "100", "Content-Type": "text/plain"}) == []


def _moves(board: TrelloBoard, cards: list[Any], rounds: int, errors: list[BaseException]) -> None:
    try:
        for i in range(rounds):
            for card in cards:
                board.move_card(card.id, ("DONE", "IN_PROGRESS")[i % 2])
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def _in_threads(board: TrelloBoard, cards: list[Any], rounds: int, threads: int = 4) -> list[BaseException]:
    errors: list[BaseException] = []
    workers = [threading.Thread(target=_moves, args=(board, cards[i::threads], rounds, errors))
               for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return errors


def test_pace_follows_the_limit_trello_announces_not_the_fallback(sandbox: Sandbox) -> None:
    # Trello's limits scaled to 20 per 2 s; the fallback (before any answer) would allow only 5 per 10 s.
    sandbox.limits.configure({"enabled": True, "limits": {"trello_token": [20, 2.0], "trello_key": [60, 2.0]}})
    settings = dataclasses.replace(sandbox_settings(sandbox), trello_rate_limit=5)
    board = trello_board(settings)
    board.read()
    assert board.session.limiter is not None
    assert board.session.limiter.allowance() == {"api-key": 60, "api-token": 20, "member": 200}
    cards = [board.create_card("TODO", f"Follow-up: {i}", f"Lead ID: {i}") for i in range(10)]
    sandbox.log.clear()
    errors = _in_threads(board, cards, rounds=4)
    statuses = [e["status"] for e in api_requests(sandbox)]
    assert errors == []
    assert len(statuses) == 40 and statuses.count(429) == 0


class OtherApp:
    """Another client on the same token: one board read every `period` seconds until stopped."""

    def __init__(self, sandbox: Sandbox, period: float) -> None:
        creds = sandbox.creds
        self.url = f"{sandbox.url}/1/boards/{creds.board_id}"
        self.params = {"fields": "name", OTHER: "1", "key": creds.trello_key, "token": creds.trello_token}
        self.period = period
        self.stop = threading.Event()
        self.statuses: list[int] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                self.statuses.append(session.get(self.url, params=self.params, timeout=10).status_code)
                self.stop.wait(self.period)

    def __enter__(self) -> "OtherApp":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()


def test_another_app_on_the_token_keeps_its_share_and_nothing_fails(sandbox: Sandbox) -> None:
    # 20 requests per 2 s on the token; the other app spends about 6 of them (3 a second).
    sandbox.limits.configure({"enabled": True, "limits": {"trello_token": [20, 2.0], "trello_key": [60, 2.0]}})
    board = trello_board(sandbox_settings(sandbox))
    board.read()
    cards = [board.create_card("TODO", f"Follow-up: {i}", f"Lead ID: {i}") for i in range(10)]
    with OtherApp(sandbox, period=1 / 3) as other:
        other.stop.wait(2.5)  # the other app is there first, as an app running all day would be
        sandbox.log.clear()
        errors = _in_threads(board, cards, rounds=5)
        assert board.session.limiter is not None
        shared = board.session.limiter.allowance()["api-token"]
    ours = [e for e in api_requests(sandbox) if OTHER not in e["query"]]
    theirs = [e for e in api_requests(sandbox) if OTHER in e["query"]]
    assert errors == []
    assert len([e for e in ours if e["status"] == 200]) == 50
    assert sum(1 for e in ours if e["status"] == 429) <= 2
    assert sum(1 for e in theirs if e["status"] == 429) <= len(theirs) // 10
    assert shared < 20  # their share was seen and left free


def quota_paced_sheet(sandbox: Sandbox, limits: dict[str, list[float]], quota: str) -> tuple[GoogleSheet, list[Wait]]:
    """The sandbox's Sheets limits switched on, and a sheet client pacing to SHEETS_QUOTA=`quota`; the waits it says."""
    sandbox.limits.configure({"enabled": True, "limits": limits})
    seen: list[Wait] = []
    sheet = GoogleSheet.from_settings(sandbox_settings(sandbox, SHEETS_QUOTA=quota), RunControl(on_wait=seen.append))
    sandbox.log.clear()
    return sheet, seen


def test_sheets_reads_wait_for_the_quota_instead_of_being_refused_and_the_wait_is_said(sandbox: Sandbox) -> None:
    # Sheets' 60 reads a minute per user, scaled to 3 per 3 s on both sides.
    sheet, seen = quota_paced_sheet(sandbox, {"sheets_read": [3, 3.0]}, "3/3")
    for _ in range(7):
        sheet.read()
    statuses = [e["status"] for e in api_requests(sandbox, "sheets")]
    assert statuses == [200] * 7  # none refused: the 4th and 7th waited for the window instead
    assert [w.describe().split(" (")[0] for w in seen] == ["waiting for Google's rate limit"] * 2


def test_a_sheets_refusal_without_retry_after_waits_for_the_window_to_free_not_a_random_backoff(
        sandbox: Sandbox) -> None:
    # Google counts 2 reads per 2 s for this user; WorkLead believes it has 10 (another tool on the
    # same account, or another machine, spends the rest). Google's 429 carries no Retry-After.
    sheet, seen = quota_paced_sheet(sandbox, {"sheets_read": [2, 2.0]}, "10/2")
    for _ in range(3):
        sheet.read()
    reads = api_requests(sandbox, "sheets")
    # Refused once, then tried again once our oldest counted read left the window: accepted.
    assert [e["status"] for e in reads] == [200, 200, 429, 200]
    assert reads[3]["time"] - reads[0]["time"] >= 2.0
    assert [w.describe().split(" (")[0] for w in seen] == ["waiting for Google's rate limit"]


def test_a_refused_sheet_write_waits_for_the_window_then_reads_again_and_writes(sandbox: Sandbox) -> None:
    sheet, seen = quota_paced_sheet(sandbox, {"sheets_write": [1, 2.0]}, "10/2")
    snapshot = sheet.read()
    sheet.write_cells([CellUpdate(snapshot.leads[0].row, "status", "CONTACTED")])
    sandbox.log.clear()
    sheet.write_placed(lambda read: [CellUpdate(read.leads[1].row, "status", "QUALIFIED")], snapshot)
    log = [(e["method"], e["status"], e["time"]) for e in api_requests(sandbox, "sheets")]
    assert [(method, status) for method, status, _ in log] == [("POST", 429), ("GET", 200), ("POST", 200)]
    assert [w.kind for w in seen] == [LIMIT]  # the quota's window, not "Google asked to retry"
    assert [lead.status for lead in sheet.read().leads[:2]] == ["CONTACTED", "QUALIFIED"]


def test_two_processes_of_one_folder_count_one_quota(tmp_path: Path) -> None:
    # Each process builds its own SharedQuota; only the file under the folder's data is shared.
    now = [1000.0]
    first, second = (SharedQuota(tmp_path / "sheets_quota.json", "user:reads", 3, 60.0, clock=lambda: now[0])
                     for _ in range(2))
    for quota in (first, second, first):
        quota.release(quota.acquire())
    seen: list[Wait] = []
    control = RunControl(on_wait=seen.append)
    control.request_stop()  # the wait is said, then ended at once
    with pytest.raises(StopRequested):
        second.acquire(control)
    assert [(w.kind, round(w.seconds)) for w in seen] == [(LIMIT, 60)]
    now[0] += 60.0  # the first request leaves the window
    second.release(second.acquire())


def _token_headers(used: int) -> dict[str, str]:
    return {"x-rate-limit-api-token-max": "100", "x-rate-limit-api-token-remaining": str(100 - used),
            "x-rate-limit-api-token-interval-ms": "10000"}


def test_a_slow_answer_does_not_make_our_own_requests_look_like_another_apps() -> None:
    now = [0.0]
    pacer = RatePacer(90, 10.0, clock=lambda: now[0])
    first = pacer.acquire()
    now[0] = 0.1
    pacer.release(first, _token_headers(used=1))
    now[0] = 10.0
    second = pacer.acquire()
    now[0] = 10.2  # answered late (latency, a busy machine): Trello still counted the first when it answered
    pacer.release(second, _token_headers(used=2))
    assert pacer.allowance()["api-token"] == 100  # nobody else on the token: no share kept free
