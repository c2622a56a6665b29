"""Run one engine operation and show what it did: its changes, the plan (dry run), the summary.

The engine reports each action as it is carried out (SyncEngine.on_action);
the console shows them after the run, so the progress bar stays whole while
it works. The log file gets every action as it happens from the engine itself.

While a run is on, the first Ctrl-C asks it to stop (said at once; waits end,
no new request starts, the cards made are linked) and a second one
interrupts at once.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from cli.output import Printer
from core.control import POLL, RunControl, StopRequested, on_ctrl_c
from core.logger import current_log_file
from core.plan import Kind
from core.results import Outcome, SyncResult
from core.sync_logic import SyncEngine


class Outcomes:
    """Every outcome the engine reports during one run, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[Outcome] = []

    def __call__(self, outcome: Outcome) -> None:
        with self._lock:
            self.items.append(outcome)

    @property
    def done(self) -> list[Outcome]:
        with self._lock:
            return [o for o in self.items if o.ok]

    @property
    def cards_made(self) -> int:
        return sum(1 for o in self.done if o.action.kind == Kind.CREATE_CARD)


@contextmanager
def listening(engine: SyncEngine) -> Iterator[Outcomes]:
    outcomes = Outcomes()
    previous = engine.on_action
    engine.on_action = outcomes
    try:
        yield outcomes
    finally:
        engine.on_action = previous


@contextmanager
def ctrl_c_stops(control: RunControl, announce: Callable[[], None]) -> Iterator[None]:
    """First Ctrl-C: ask the run to stop, said at once; a second one interrupts for real.

    While the engine writes cards it takes Ctrl-C itself, at safe points, with the same meaning.
    The handler only sets the stop request: printing or logging inside a signal handler can
    land inside another write to the same stream (a reentrant write fails). A small thread
    says it instead, within POLL seconds.
    """
    control.reset()
    done = threading.Event()

    def announcer() -> None:
        while not done.is_set():
            if control.wait_for_stop_request(POLL):
                announce()
                return

    def on_interrupt() -> None:
        if control.stopping:
            raise KeyboardInterrupt
        control.request_stop()

    thread = threading.Thread(target=announcer, name="ctrl-c", daemon=True)
    try:
        with on_ctrl_c(on_interrupt) as installed:
            if installed:  # only the main thread takes Ctrl-C: elsewhere there is nothing to announce
                thread.start()
            yield
    finally:
        done.set()
        if thread.ident is not None:
            thread.join()


def run_and_report(printer: Printer, engine: SyncEngine, call: Callable[[SyncEngine], SyncResult],
                   show_all: bool = False) -> SyncResult:
    """Run one engine operation, then print what it did: its changes, the plan (dry run), the summary."""
    with listening(engine) as outcomes:
        try:
            with ctrl_c_stops(engine.control, printer.progress.stopping):
                result = call(engine)
        except BaseException as exc:
            # A run that ends early (Ctrl-C, another run taking the pair, a service gone) still says
            # what it did before; the error itself is said by the caller.
            printer.actions_done(outcomes.done, current_log_file())
            if isinstance(exc, (KeyboardInterrupt, StopRequested)):
                printer.stopped(outcomes.cards_made)
            raise
    printer.actions_done(outcomes.done, current_log_file())
    if result.dry_run:
        printer.plan(result.plan, held=result.held, show_all=show_all)
    printer.summary(result)
    if result.interrupted:
        printer.stopped(outcomes.cards_made)
    return result
