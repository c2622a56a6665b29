"""Pacing Trello requests from Trello's own answers.

Every Trello answer says where the API key, the token and the member stand in
their windows (`x-rate-limit-api-token-max`, `-remaining`, `-interval-ms`, and
the same for `api-key` and `member`). The pacer counts its own requests, so the
difference between what the server counted and what we sent is what others
(another app on the same token, another WorkLead) spend; their observed share
is left free, and ours is the rest. Before the first answer, and when a service
sends no such headers, a fixed limit is the fallback.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Protocol

from core.control import LIMIT, RunControl, Wait

INF = float("inf")
RATE_HEADER = "x-rate-limit-"
FALLBACK = "fallback"
# The scopes every request counts against; others (Trello's hourly "action" limit on writes that
# make actions) are reported but too wide to pace by.
PACED_SCOPES = ("api-key", "api-token", "member")
# How far back the estimate of others' use looks: the largest recent observation, because each
# one can only under-count others (our requests in flight are all counted as already seen).
OBSERVATION_SPAN = 2.0
# With others on the token, keep this share of the limit free too: their rate wobbles.
SHARED_MARGIN = 0.05


@dataclass(frozen=True)
class RateWindow:
    """One scope's window as an answer reports it, e.g. the token: 100 per 10 s, 37 left."""

    scope: str  # "api-token", "api-key", "member"
    limit: int
    interval: float  # seconds
    remaining: int

    @property
    def used(self) -> int:
        return max(0, self.limit - self.remaining)


def rate_windows(headers: Mapping[str, str]) -> list[RateWindow]:
    """The scopes an answer's x-rate-limit-<scope>-max/-remaining/-interval-ms headers describe completely."""
    found: dict[str, dict[str, str]] = {}
    for name, value in headers.items():
        lower = name.lower()
        if not lower.startswith(RATE_HEADER):
            continue
        for suffix in ("-interval-ms", "-max", "-remaining"):
            if lower.endswith(suffix):
                scope = lower[len(RATE_HEADER):-len(suffix)]
                found.setdefault(scope, {})[suffix] = value.strip()
    windows = []
    for scope, values in sorted(found.items()):
        try:
            limit, remaining = int(values["-max"]), int(values["-remaining"])
            interval = int(values["-interval-ms"]) / 1000.0
        except (KeyError, ValueError):
            continue
        if limit > 0 and interval > 0:
            windows.append(RateWindow(scope, limit, interval, max(0, remaining)))
    return windows


@dataclass
class Slot:
    """One request of ours: in flight until its answer arrives (then stamped with that time)."""

    sent: float
    stamp: float = INF


class Pacer(Protocol):
    """What a session asks of whatever paces its requests (Trello's headers, Google's quota)."""

    def acquire(self, control: Optional[RunControl] = None, service: str = "Trello") -> Slot:
        """A slot for one request, once the window has room (waiting, interruptibly, until it does)."""
        ...

    def release(self, slot: Slot, headers: Optional[Mapping[str, str]] = None) -> None:
        """The request's answer arrived, with these headers (None: no answer)."""
        ...

    def refused(self, headers: Optional[Mapping[str, str]] = None) -> Optional[float]:
        """The service refused for rate without a Retry-After: seconds to wait before trying again
        (0.0: the next acquire waits as long as needed), or None when the pacer cannot tell."""
        ...


@dataclass
class _Scope:
    limit: int
    interval: float
    others: deque[tuple[float, int]] = field(default_factory=deque)  # (observed at, others' requests)

    def others_now(self, now: float) -> int:
        while self.others and self.others[0][0] <= now - self.interval:
            self.others.popleft()
        recent = [n for t, n in self.others if t > now - OBSERVATION_SPAN]
        if recent:
            return max(recent)
        return self.others[-1][1] if self.others else 0

    def allowance(self, now: float, in_flight: int) -> int:
        """How many of our requests may be in this scope's window now.

        With others on the token, `in_flight` more are kept free: that many of ours may
        have been counted as already seen when others' use was estimated.
        """
        others = self.others_now(now)
        margin = max(math.ceil(self.limit * SHARED_MARGIN), in_flight) if others else 0
        return self.limit - others - margin


class RatePacer:
    """At most as many requests in any window as the service's answers leave us; shared by threads.

    A slot is stamped when its answer arrives (in flight counts as now): the
    server counts a request when it arrives, which is never later, so our
    window always covers the server's.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._scopes: dict[str, _Scope] = {FALLBACK: _Scope(limit, window)}
        self._slots: deque[Slot] = deque()
        self._most_in_flight = 0  # our concurrency, as seen
        self._cond = threading.Condition()

    # -- sending ------------------------------------------------------------------
    def acquire(self, control: Optional[RunControl] = None, service: str = "Trello") -> Slot:
        """A slot for one request; waits while every window is spent (interruptibly, said once, with `control`)."""
        reported = False
        with self._cond:
            while True:
                now = self._clock()
                delay = self._delay(now)
                if delay <= 0:
                    slot = Slot(sent=now)
                    self._slots.append(slot)
                    in_flight = sum(1 for s in self._slots if s.stamp == INF)
                    self._most_in_flight = max(self._most_in_flight, in_flight)
                    return slot
                if control is None:
                    self._cond.wait(timeout=max(delay, 0.005))
                    continue
                if not reported:
                    control.report_wait(Wait(service, LIMIT, delay))
                    reported = True
                control.wait_on(self._cond, max(delay, 0.005))

    def release(self, slot: Slot, headers: Optional[Mapping[str, str]] = None) -> None:
        """The answer arrived: stamp the slot and learn from the answer's rate headers, if any."""
        with self._cond:
            now = self._clock()
            slot.stamp = now
            windows = [w for w in rate_windows(headers or {}) if w.scope in PACED_SCOPES]
            if windows:
                self._learn(windows, now, slot.sent)
            self._cond.notify_all()

    def refused(self, headers: Optional[Mapping[str, str]] = None) -> Optional[float]:
        """A refusal carrying the rate headers has taught the pacer the window is full: the next
        acquire waits for it. Without them there is nothing to go by."""
        return 0.0 if rate_windows(headers or {}) else None

    # -- state (for tests and the progress line) -----------------------------------
    def allowance(self) -> dict[str, int]:
        """Per scope, how many of our requests its window may hold now."""
        with self._cond:
            now = self._clock()
            return {name: scope.allowance(now, self._most_in_flight) for name, scope in self._scopes.items()}

    # -- inside -------------------------------------------------------------------------
    def _learn(self, windows: list[RateWindow], now: float, sent: float) -> None:
        self._scopes.pop(FALLBACK, None)
        for window in windows:
            scope = self._scopes.setdefault(window.scope, _Scope(window.limit, window.interval))
            scope.limit, scope.interval = window.limit, window.interval
            # The server counted its window when it answered, some time after `sent`: every slot of ours
            # it may still have held (in flight included) is ours, not others'. Counting from the send,
            # not from the answer's arrival, keeps a slow answer (latency, a busy machine) from making
            # our own requests near the window's edge look like another app's.
            others = window.used - self._ours(sent, window.interval)
            scope.others.append((now, max(0, others)))

    def _ours(self, now: float, interval: float) -> int:
        return sum(1 for s in self._slots if s.stamp > now - interval)

    def _delay(self, now: float) -> float:
        """0 when a request may go now, else the seconds until a slot of ours leaves a full window."""
        longest = max(scope.interval for scope in self._scopes.values())
        # Kept a window longer than any scope needs: an answer still in flight learns from the slots
        # its server's window held when it was sent.
        while self._slots and self._slots[0].stamp <= now - 2 * longest:
            self._slots.popleft()
        delay = 0.0
        for scope in self._scopes.values():
            allowed = scope.allowance(now, self._most_in_flight)
            mine = sorted(s.stamp for s in self._slots if s.stamp > now - scope.interval)
            if len(mine) < allowed:
                continue
            if allowed <= 0:
                # Others fill the window on their own: wait for their observation to age.
                oldest = scope.others[0][0] if scope.others else now
                delay = max(delay, oldest + scope.interval - now)
                continue
            # Enough of ours must leave the window that one more fits.
            freeing = mine[len(mine) - allowed]
            delay = max(delay, freeing + scope.interval - now if freeing != INF else 0.05)
        return delay
