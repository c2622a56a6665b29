"""Rate limits as the real services count them, enforced once switched on through /_sandbox/limits."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Callable, Optional

from sandbox.web import aliased

_LIMIT_ALIASES = {"on": "enabled", "window_scale": "scale", "time_scale": "scale"}
# Trello refuses answers that would carry too many cards; it does not say how many, so this is ours.
DEFAULT_MAX_CARDS = 10000
# The real limits: (requests, window in seconds).
REAL_LIMITS: dict[str, tuple[int, float]] = {
    "trello_token": (100, 10.0),
    "trello_key": (300, 10.0),
    "trello_member": (200, 10.0),
    "sheets_read": (60, 60.0),
    "sheets_write": (60, 60.0),
}


@dataclass(frozen=True)
class Standing:
    """Where one bucket stands once a request is counted: what Trello's x-rate-limit-* headers report."""

    kind: str
    limit: int
    interval_ms: int
    remaining: int


class Limits:
    """Sliding-window rate limits, enforced once switched on through /_sandbox/limits.

    Requests are counted either way, so that answers can say where a client stands
    (Trello's rate headers): while off, against the real limits, as the real
    services would count them; while on, against the configured (scaled) ones.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self.scale = 1.0
        self.limits = dict(REAL_LIMITS)
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._clock = clock
        self._lock = threading.Lock()
        self.refused = 0
        self.max_cards = DEFAULT_MAX_CARDS  # the most cards one Trello answer may carry

    def configure(self, spec: dict[str, Any]) -> None:
        spec = aliased(spec, _LIMIT_ALIASES)
        with self._lock:
            self.enabled = bool(spec.get("enabled", True))
            self.scale = float(spec.get("scale", 1.0))
            self.limits = dict(REAL_LIMITS)
            overrides = dict(spec.get("limits") or {})
            overrides.update({k: v for k, v in spec.items() if k in REAL_LIMITS})
            for kind, value in overrides.items():
                if kind in self.limits:
                    self.limits[kind] = (int(value[0]), float(value[1]))
            self._hits.clear()
            self.refused = 0
            self.max_cards = int(spec.get("max_cards", DEFAULT_MAX_CARDS))

    def window(self, kind: str) -> tuple[int, float]:
        """The limit in force: configured and scaled while on, the real one while off."""
        if not self.enabled:
            return REAL_LIMITS[kind]
        count, seconds = self.limits[kind]
        return count, seconds * self.scale

    def hit(self, *buckets: tuple[str, str]) -> Optional[tuple[str, float]]:
        """Count one request against each (kind, identity) bucket.

        Returns (kind, seconds until a slot frees) for the first bucket that is
        full while limits are on, counting nothing; None when the request may go ahead.
        """
        now = self._clock()
        with self._lock:
            for kind, ident in buckets:
                count, seconds = self.window(kind)
                hits = self._pruned(kind, ident, now)
                if self.enabled and len(hits) >= count:
                    self.refused += 1
                    return kind, max(0.0, hits[0] + seconds - now)
            for kind, ident in buckets:
                self._hits[(kind, ident)].append(now)
        return None

    def standing(self, kind: str, ident: str) -> Standing:
        with self._lock:
            count, seconds = self.window(kind)
            used = len(self._pruned(kind, ident, self._clock()))
        return Standing(kind, count, int(round(seconds * 1000)), max(0, count - used))

    def _pruned(self, kind: str, ident: str, now: float) -> deque[float]:
        hits = self._hits[(kind, ident)]
        seconds = self.window(kind)[1]
        while hits and hits[0] <= now - seconds:
            hits.popleft()
        return hits

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "scale": self.scale,
            "limits": {k: list(v) for k, v in self.limits.items()},
            "refused": self.refused,
            "max_cards": self.max_cards,
        }

