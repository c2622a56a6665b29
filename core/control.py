"""A run's stop request and its waits: Ctrl-C ends any wait at once, and a long wait says why.

One RunControl is shared by the engine and the HTTP sessions of one run. The
sessions wait through it (rate limits, Retry-After, backoff) instead of
time.sleep, so a stop request ends the wait immediately, and every wait of a
second or more is reported to whoever shows progress.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

# Shorter waits are not worth a word on the progress line.
REPORTED_WAIT = 1.0
# How often a wait on a condition (the rate limiter's) looks at the stop request.
POLL = 0.05
# Why a session waits: its own pacing, the service's Retry-After, or backoff after no answer.
LIMIT, RETRY, BACKOFF = "limit", "retry", "backoff"



@dataclass(frozen=True)
class Wait:
    """One wait of a session: whose, why, and how long."""

    service: str  # "Google" or "Trello"
    kind: str  # LIMIT (our own pacing), RETRY (the service sent Retry-After) or BACKOFF (no answer)
    seconds: float

    def describe(self, left: Optional[float] = None) -> str:
        n = max(1, math.ceil(self.seconds if left is None else left))
        if self.kind == LIMIT:
            return f"waiting for {self.service}'s rate limit ({n} s)"
        if self.kind == RETRY:
            return f"{self.service} asked to retry in {n} s"
        return f"{self.service} did not answer; trying again in {n} s"

WaitReporter = Callable[[Wait], None]


class StopRequested(Exception):
    """Raised inside a wait or before a request once a stop was asked for; the run winds down."""


class RunControl:
    def __init__(self, on_wait: Optional[WaitReporter] = None) -> None:
        self._stop = threading.Event()
        self._asked = threading.Event()  # the user asked (Ctrl-C), as opposed to the run halting itself
        self.on_wait = on_wait

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        """The user asked to stop. Safe in a signal handler: it only sets events (no logging, no printing)."""
        self._asked.set()
        self._stop.set()

    def halt(self) -> None:
        """Stop without the user asking (the lease was lost): every wait ends, and nobody says "Stopping"."""
        self._stop.set()

    def wait_for_stop_request(self, seconds: float) -> bool:
        """True once the user asked to stop, within `seconds`."""
        return self._asked.wait(seconds)

    def reset(self) -> None:
        """Ready for the next run (the menu runs several in one process)."""
        self._stop.clear()
        self._asked.clear()

    def check(self) -> None:
        if self._stop.is_set():
            raise StopRequested

    def report_wait(self, wait: Wait) -> None:
        if wait.seconds >= REPORTED_WAIT and self.on_wait is not None:
            self.on_wait(wait)

    def sleep(self, wait: Wait) -> None:
        """Wait `wait.seconds`, or less if a stop is asked for (then StopRequested)."""
        self.check()
        self.report_wait(wait)
        if self._stop.wait(max(0.0, wait.seconds)):
            raise StopRequested

    def wait_on(self, condition: threading.Condition, seconds: float) -> None:
        """condition.wait(seconds) (the caller holds it) that still ends within POLL of a stop request."""
        deadline = time.monotonic() + max(0.0, seconds)
        while True:
            self.check()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if condition.wait(timeout=min(left, POLL)):
                return


@contextmanager
def on_ctrl_c(handler: Callable[[], None]) -> Iterator[bool]:
    """While inside, Ctrl-C calls `handler` (which may raise KeyboardInterrupt) instead of raising wherever
    the main thread happens to be; the previous handler comes back on leaving.

    Only the main thread receives signals: in any other thread nothing is installed and False is yielded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: handler())
    try:
        yield True
    finally:
        signal.signal(signal.SIGINT, previous)
