"""`watch`: a full sync every N seconds, skipping rounds in which neither side changed.

Each round first asks for the cheap change marker (the sheet's Drive
modifiedTime and the board's dateLastActivity, two small requests) and runs
the full reads only when it differs from the last round's. Ctrl-C stops
after the current round; a second Ctrl-C stops at once.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator, Optional

from cli.actionlog import run_and_report
from core.control import StopRequested, on_ctrl_c
from core.errors import WorkLeadError
from core.results import INTERRUPTED

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0
# An idle round costs two requests (Drive's modifiedTime, the board's last activity);
# one round a second keeps that well inside both services' limits.
MIN_INTERVAL = 1.0


@contextmanager
def stop_after_round() -> Iterator[threading.Event]:
    """An event Ctrl-C sets instead of interrupting; a second Ctrl-C interrupts for real."""
    stop = threading.Event()

    def on_interrupt() -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        log.warning("Stopping after this round (press Ctrl-C again to stop now).")

    with on_ctrl_c(on_interrupt):
        yield stop


class Watcher:
    def __init__(self, engine: Callable[[], Any], printer: Any, interval: float = DEFAULT_INTERVAL,
                 runs: Optional[int] = None) -> None:
        self._engine = engine
        self._printer = printer
        self.interval = max(0.0, interval)
        self.runs = runs
        self._last_marker: Optional[str] = None
        self._stopped = False  # Ctrl-C landed during a round's sync, which stopped

    def run(self) -> int:
        """Rounds until `runs` is reached or Ctrl-C; the exit code of the worst round, or 130."""
        every = f"every {self.interval:g} s"
        self._printer.line(f"Watching the sheet and the board, full sync {every}. Ctrl-C stops.")
        codes: list[int] = []
        with stop_after_round() as stop:
            number = 0
            while self.runs is None or number < self.runs:
                number += 1
                codes.append(self._round(number))
                if stop.is_set() or self._stopped or (self.runs is not None and number >= self.runs):
                    break
                if stop.wait(self.interval):
                    break
            interrupted = stop.is_set() or self._stopped
        self._printer.line(f"Watch stopped after {number} round{'s' if number != 1 else ''}.")
        return INTERRUPTED if interrupted else worst(codes)

    def _round(self, number: int) -> int:
        stamp = datetime.now().strftime("%H:%M:%S")
        engine = self._engine()
        try:
            marker = engine.change_marker()
            if self._last_marker is not None and marker == self._last_marker:
                self._printer.line(f"Round {number} at {stamp}: no changes on either side; full sync skipped.")
                return 0
            self._printer.line(f"Round {number} at {stamp}: running a full sync.")
            result = run_and_report(self._printer, engine, lambda e: e.full_sync())
        except StopRequested:
            self._stopped = True
            return INTERRUPTED
        except WorkLeadError as exc:
            if exc.exit_code == 2:
                raise  # settings or access: every later round would fail the same way
            self._printer.error(exc.message)
            return exc.exit_code
        # The marker from before the sync: our own writes change it, so the next
        # round syncs once more and finds nothing, rather than missing an edit
        # someone made while this round ran.
        self._last_marker = marker
        self._stopped = result.interrupted
        return int(result.exit_code)


def worst(codes: list[int]) -> int:
    """1 if any round failed items, else 4 if any held deletions back, else 0 (3 counts as failed)."""
    if any(c not in (0, 4) for c in codes):
        return 1
    return 4 if 4 in codes else 0
