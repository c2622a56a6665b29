"""Keep the engine's per-action lines off the console while a run is on, and show them after it.

The engine logs one INFO line per card or row it changed, from the thread
that applies the plan. On the console these lines tear the progress bar
apart and, for a run of hundreds of actions, push the summary off the
screen. While a run is on they are marked file-only (the log file keeps
every one) and collected; after the run the CLI prints them when there are
few, or points at the log file when there are many. The engine's warnings
(unknown status, conflicts, failures) are held the same way: the summary
prints them once, so the console does not say each one twice.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from core.logger import current_log_file

# The engine's own logger (core/sync_logic.py).
ENGINE_LOGGER = "worklead.sync"


class HeldLines(logging.Filter):
    """A logger filter: every record still reaches the file; the console gets none of them."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.actions: list[str] = []
        self.notices: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return True  # the console never shows DEBUG anyway
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the file's problem, not the console's
            return True
        record.file_only = True  # core.logger's console filter drops it; the file handler keeps it
        with self._lock:
            (self.actions if record.levelno < logging.WARNING else self.notices).append(message)
        return True


@contextmanager
def held_engine_lines() -> Iterator[HeldLines]:
    held = HeldLines()
    logger = logging.getLogger(ENGINE_LOGGER)
    logger.addFilter(held)
    try:
        yield held
    finally:
        logger.removeFilter(held)


def run_and_report(printer: Any, call: Callable[[], Any]) -> Any:
    """Run one engine operation, then print what it did: its actions, the plan (dry run), the summary."""
    with held_engine_lines() as held:
        try:
            result = call()
        except BaseException:
            printer.actions_done(held.actions, current_log_file())
            printer.notices(held.notices)
            raise
    printer.actions_done(held.actions, current_log_file())
    if getattr(result, "dry_run", False):
        printer.plan(list(getattr(result, "plan", []) or []), held=list(getattr(result, "held", []) or []))
    printer.summary(result)
    printer.notices(unsaid(held.notices, result))
    return result


def unsaid(notices: list[str], result: Any) -> list[str]:
    """The engine's warnings that the summary does not already print."""
    said = set(getattr(result, "messages", []) or [])
    said.update(f"Conflict: {d}" for d in getattr(result, "conflict_details", []) or [])
    return [n for n in notices if n not in said]
