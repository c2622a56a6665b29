"""One writer per sheet and board, wherever it runs: a lease stored with the data.

The file lock only keeps two runs in one folder apart. A run that will write also
holds this lease, kept in the spreadsheet itself as developer metadata under a
fixed id: the service refuses a second entry with that id while one exists, so of
two runs (two folders, two machines) only one can hold it. The entry names its
holder (host, process, since when) and an expiry; it is renewed during long runs,
released at the end, and taken over only once expired, or at once when its holder
ran on this machine and its process has ended (killed or crashed).
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional, Protocol

from core.errors import LockHeldError

log = logging.getLogger("worklead.sync")

LEASE_SECONDS = 600.0


class LeaseStore(Protocol):
    """Where the lease lives (the lead sheet); each call is one request."""

    def create_lease(self, value: str) -> bool:
        """Create the entry; False when one already exists."""

    def replace_lease(self, old: str, new: str) -> bool:
        """Swap the entry holding `old` for `new` in one atomic step; False when it no longer holds `old`."""

    def lease_value(self) -> Optional[str]:
        """The entry's value, or None when there is none."""

    def delete_lease(self, value: str) -> None:
        """Remove the entry if it still holds `value`."""


class LeaseHeldError(LockHeldError):
    """Another run, maybe on another machine, holds the pair's lease."""


@dataclass(frozen=True)
class Lease:
    host: str
    pid: int
    since: float  # epoch seconds
    expires: float
    nonce: str  # two holders never write the same value, so a swap by value is exact
    # This boot of this machine and its process namespace: where `pid` can be checked ("" if unknown).
    where: str = ""

    @classmethod
    def new(cls, seconds: float, now: float) -> "Lease":
        return cls(socket.gethostname(), os.getpid(), now, now + seconds, secrets.token_hex(4), _process_space())

    @classmethod
    def parse(cls, value: str) -> Optional["Lease"]:
        try:
            data = json.loads(value)
            return cls(str(data["host"]), int(data["pid"]), float(data["since"]), float(data["expires"]),
                       str(data.get("nonce", "")), str(data.get("where", "")))
        except (ValueError, TypeError, KeyError):
            return None

    def holder_is_gone(self) -> bool:
        """The holder ran here (this boot, these process ids) and its process has ended: a crash or kill -9."""
        if not self.where or self.where != _process_space():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    @property
    def value(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def renewed(self, seconds: float, now: float) -> "Lease":
        return replace(self, expires=now + seconds, nonce=secrets.token_hex(4))

    def describe(self) -> str:
        return (f"host {self.host}, process {self.pid}, since {_clock(self.since)} "
                f"(its lease runs until {_clock(self.expires)} unless renewed)")


class PairLease:
    """Take, keep and release the pair's lease through a LeaseStore."""

    def __init__(self, store: LeaseStore, seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.seconds = seconds
        self.clock = clock
        self.held: Optional[Lease] = None

    def acquire(self) -> None:
        mine = Lease.new(self.seconds, self.clock())
        if self.store.create_lease(mine.value):
            self.held = mine
            return
        current = self.store.lease_value()
        if current is None and self.store.create_lease(mine.value):  # released in between
            self.held = mine
            return
        holder = Lease.parse(current) if current is not None else None
        if holder is not None and holder.expires > self.clock() and not holder.holder_is_gone():
            raise LeaseHeldError(f"Another sync is writing to this sheet and board ({holder.describe()}); "
                                 f"nothing was written. Try again when it finishes.")
        if current is not None and self.store.replace_lease(current, mine.value):
            log.warning("Took over the sheet and board from a run that ended without releasing them (%s).",
                        holder.describe() if holder else "unreadable lease")
            self.held = mine
            return
        raise LeaseHeldError("Another sync took this sheet and board just now; nothing was written. "
                             "Try again when it finishes.")

    def __enter__(self) -> "PairLease":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def keep(self) -> None:
        """Renew once a third of the lease has passed; a lease lost meanwhile stops the run."""
        if self.held is None or self.clock() < self.held.expires - self.seconds * 2 / 3:
            return
        renewed = self.held.renewed(self.seconds, self.clock())
        if not self.store.replace_lease(self.held.value, renewed.value):
            self.held = None
            raise LeaseHeldError("This run's hold on the sheet and board expired and another sync took it; "
                                 "this run stopped. What it did is saved; run it again.")
        self.held = renewed

    def release(self) -> None:
        if self.held is None:
            return
        value, self.held = self.held.value, None
        try:
            self.store.delete_lease(value)
        except Exception:  # the next run takes over an expired lease; this run's result stands
            log.warning("Could not release the hold on the sheet and board; it expires by itself.", exc_info=True)


def _process_space() -> str:
    """This machine's boot and this process-id namespace (Linux), so a pid names one process; else ''."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        return f"{boot}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
