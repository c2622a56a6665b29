"""Waits in the HTTP sessions: a stop request ends them at once, and a long one says why.

Bounds here are generous (a loaded 2-core machine); what they measure is
"ends at the stop request", not "waits the full time": the waits are 30 s.
"""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest
import requests

from clients.pacing import RatePacer
from clients.trello_board import TrelloBoard
from core.config import RetryPolicy
from core.control import LIMIT, RunControl, StopRequested, Wait
from sandbox import Sandbox
from tests.clients.conftest import sandbox_settings

GENEROUS = 5.0  # seconds: far below the 30 s waits, far above a loaded machine's scheduling delay


def _stop_after(control: RunControl, seconds: float) -> None:
    threading.Timer(seconds, control.request_stop).start()


def test_a_stop_request_ends_a_rate_limit_wait_at_once_and_the_wait_was_reported() -> None:
    seen: list[Wait] = []
    control = RunControl(on_wait=seen.append)
    limiter = RatePacer(limit=1, window=30.0)
    limiter.release(limiter.acquire(control))
    _stop_after(control, 0.2)
    started = time.monotonic()
    with pytest.raises(StopRequested):
        limiter.acquire(control)
    assert time.monotonic() - started < GENEROUS
    assert [w.kind for w in seen] == [LIMIT]
    assert seen[0].describe().startswith("waiting for Trello's rate limit (")


def test_a_stop_request_ends_a_retry_after_wait_and_no_request_follows(sandbox: Sandbox) -> None:
    seen: list[Wait] = []
    control = RunControl(on_wait=seen.append)
    settings = dataclasses.replace(sandbox_settings(sandbox), retry_policy=RetryPolicy(
        attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=60.0))
    board = TrelloBoard.from_settings(settings, control)
    requests.post(f"{sandbox.url}/_sandbox/faults", json={"rules": [
        {"path": "/1/boards*", "status": 429, "times": 1, "retry_after": 30}]}, timeout=5,
        headers=sandbox.control_headers()).raise_for_status()
    sandbox.log.clear()
    _stop_after(control, 0.3)
    started = time.monotonic()
    with pytest.raises(StopRequested):
        board.read()
    assert time.monotonic() - started < GENEROUS
    assert [w.describe() for w in seen] == ["Trello asked to retry in 30 s"]
    assert len([e for e in sandbox.log.entries() if e["path"].startswith("/1/")]) == 1  # no second try
