"""Google's Sheets quota, counted across every WorkLead process of a folder.

Sheets allows each user 60 reads and 60 writes a minute and sends no rate
headers, so WorkLead counts its own requests. Single-lead commands looped from
a script are separate processes, so the count lives in a small JSON file next
to the mapping, read and written under an fcntl lock as the mapping's own lock
is (the standard library suffices; no locking package to add). When that file
cannot be used (a read-only folder), each process counts alone.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

from clients.pacing import Slot
from core.control import LIMIT, RunControl, Wait

log = logging.getLogger("worklead.http")

QUOTA_FILE = "sheets_quota.json"
# A request unanswered this long was cut off with its process (connect and read timeouts are 35 s).
IN_FLIGHT_AT_MOST = 40.0
# A bucket untouched this long (longer than any quota window) is dropped from the file.
STALE_AFTER = 3600.0
# How often a wait looks again at a window another process may free.
RECHECK = 0.25


@dataclass
class QuotaSlot(Slot):
    """One request of ours, named in the shared file until its answer arrives."""

    key: str = ""


class SharedQuota:
    """At most `limit` requests in any `window` seconds, for one user's reads or writes, in all processes.

    A request counts from its answer (while in flight, from now): the service counts it on
    arrival, which is never later, so our window always covers the service's. A refusal the
    service sends anyway (another machine, another tool on the same account) holds every
    process until our oldest counted request leaves the window, or a whole window.
    """

    def __init__(self, path: Optional[Path], bucket: str, limit: int, window: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.bucket = bucket  # e.g. "<user hash>:reads"
        self.limit = limit
        self.window = window
        self._clock = clock  # the wall clock: the one clock all processes share
        self._memory: dict[str, Any] = {}  # the file's content, when there is no usable file
        self._cond = threading.Condition()
        self._keys = itertools.count(1)

    # -- sending ------------------------------------------------------------------
    def acquire(self, control: Optional[RunControl] = None, service: str = "Google") -> Slot:
        """A slot for one request; waits while the window is spent (interruptibly, said once, with `control`)."""
        reported = False
        while True:
            with self._state() as state:
                now = self._clock()
                delay = self._delay(state, now)
                if delay <= 0:
                    key = f"{os.getpid()}.{threading.get_ident()}.{next(self._keys)}"
                    state["flying"][key] = now
                    return QuotaSlot(sent=now, key=key)
            if control is not None and not reported:
                control.report_wait(Wait(service, LIMIT, delay))
                reported = True
            # Another process frees the window without telling us: look again now and then.
            with self._cond:
                if control is None:
                    self._cond.wait(min(delay, RECHECK))
                else:
                    control.wait_on(self._cond, min(delay, RECHECK))

    def release(self, slot: Slot, headers: Optional[Mapping[str, str]] = None) -> None:
        """The answer arrived: the request counts from now."""
        key = slot.key if isinstance(slot, QuotaSlot) else ""
        with self._state() as state:
            now = self._clock()
            state["flying"].pop(key, None)
            state["answered"].append(now)
        with self._cond:
            self._cond.notify_all()

    def refused(self, headers: Optional[Mapping[str, str]] = None) -> Optional[float]:
        """The service refused for quota without saying how long to wait: hold every request until
        the window frees by our own count. Returns 0.0: the next acquire does the waiting."""
        with self._state() as state:
            now = self._clock()
            stamps = sorted(self._stamps(state, now))
            frees = stamps[0] + self.window if stamps else now + self.window
            state["held_until"] = max(float(state.get("held_until", 0.0)), frees)
        return 0.0

    def held_for(self) -> float:
        """Seconds until a refusal's hold ends (0 when there is none)."""
        with self._state() as state:
            return max(0.0, float(state.get("held_until", 0.0)) - self._clock())

    # -- inside -------------------------------------------------------------------------
    def _stamps(self, state: dict[str, Any], now: float) -> list[float]:
        """When each request in the window counts from: its answer, or now while in flight."""
        flying = [min(now, sent + IN_FLIGHT_AT_MOST) for sent in state["flying"].values()]
        return [t for t in state["answered"] + flying if t > now - self.window]

    def _delay(self, state: dict[str, Any], now: float) -> float:
        """0 when a request may go now, else the seconds until one fits."""
        held = float(state.get("held_until", 0.0)) - now
        stamps = sorted(self._stamps(state, now))
        if len(stamps) < self.limit:
            return held
        # Enough of them must leave the window that one more fits.
        return max(held, stamps[len(stamps) - self.limit] + self.window - now)

    def _prune(self, state: dict[str, Any], now: float) -> None:
        state["touched"] = now
        state["answered"] = [t for t in state["answered"] if t > now - self.window]
        state["flying"] = {k: t for k, t in state["flying"].items()
                           if t + IN_FLIGHT_AT_MOST > now - self.window}

    @contextlib.contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        """This bucket's state, locked against every thread and process, saved when the block ends."""
        with self._cond:
            try:
                with _locked_file(self.path) as (fd, everything):
                    state = _bucket(everything, self.bucket)
                    yield state
                    self._prune(state, self._clock())
                    _rewrite(fd, _without_stale(everything, self._clock()))
                    return
            except _NoFile:
                pass
            state = _bucket(self._memory, self.bucket)
            yield state
            self._prune(state, self._clock())


class _NoFile(Exception):
    """The quota file cannot be used; this process counts alone."""


@contextlib.contextmanager
def _locked_file(path: Optional[Path]) -> Iterator[tuple[int, dict[str, Any]]]:
    if path is None:
        raise _NoFile
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Owner only, like every file under data/.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        log.debug("Sheets quota file %s not usable (%s): counting in this process only", path, exc)
        raise _NoFile from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd, _read(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(fd: int) -> dict[str, Any]:
    chunks = []
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    try:
        content = json.loads(b"".join(chunks) or b"{}")
    except ValueError:  # cut short by a crash mid-write: start counting afresh
        return {}
    return content if isinstance(content, dict) else {}


def _rewrite(fd: int, content: dict[str, Any]) -> None:
    data = json.dumps(content, separators=(",", ":")).encode()
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, data)
    except OSError as exc:  # a full disk: the count is lost, not the run
        log.debug("Sheets quota file not written (%s)", exc)


def _bucket(content: dict[str, Any], name: str) -> dict[str, Any]:
    state = content.get(name)
    if not isinstance(state, dict) or not isinstance(state.get("answered"), list) \
            or not isinstance(state.get("flying"), dict):
        state = content[name] = {"answered": [], "flying": {}}
    return state


def _without_stale(content: dict[str, Any], now: float) -> dict[str, Any]:
    """The file's buckets without those no process touched for longer than any window (other servers, users)."""
    return {name: state for name, state in content.items()
            if isinstance(state, dict) and float(state.get("touched", 0.0)) > now - STALE_AFTER}


def quota_bucket(user: str, base_url: Optional[str]) -> str:
    """The file's key for one Google user at one server: Sheets counts per user."""
    return hashlib.sha256(f"{user}|{base_url or ''}".encode()).hexdigest()[:16]
