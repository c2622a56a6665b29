"""The link store (README: Files it writes): lead <-> card links with their baselines.

Reads the original format and upgrades it, writes atomically keeping a `.bak`,
moves an unreadable file aside so links can be rebuilt, and holds the lock
that lets only one sync run at a time.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

from core.errors import LockHeldError, SettingsError
from core.models import Link

log = logging.getLogger("worklead.sync")

VERSION = 2


@dataclass
class MappingState:
    links: dict[str, Link] = field(default_factory=dict)
    last_sync: Optional[str] = None
    sync_count: int = 0
    upgraded: bool = False  # read from the original format
    recovered: Optional[str] = None  # set when an unreadable file was moved aside
    # The sheet and board these links belong to: links of another pair are never applied.
    spreadsheet_id: Optional[str] = None
    board_id: Optional[str] = None

    def belongs_to(self, spreadsheet_id: str, board_id: str) -> bool:
        return (self.spreadsheet_id in (None, spreadsheet_id)) and (self.board_id in (None, board_id))


class MappingStore:
    """data/mapping.json and its lock file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    # -- reading --------------------------------------------------------------------
    def load(self) -> MappingState:
        if not self.path.exists():
            return MappingState()
        self._refuse_what_is_not_ours()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as err:
            return self._move_aside(err)
        self._refuse_newer(data)
        try:
            return _parse(data)
        except (ValueError, TypeError, AttributeError, KeyError) as err:
            return self._move_aside(err)

    def peek(self) -> MappingState:
        """The mapping as stored, leaving an unreadable file in place (for dry runs and reports)."""
        if self.path.exists():
            self._refuse_what_is_not_ours()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._refuse_newer(data)
            return _parse(data)
        except FileNotFoundError:
            return MappingState()
        except (ValueError, TypeError, AttributeError, KeyError, OSError):
            return MappingState(recovered=f"The mapping file {self.path} cannot be read; the next sync moves it "
                                          f"aside and rebuilds the links.")

    def _refuse_what_is_not_ours(self) -> None:
        """A device, a folder or a pipe at MAPPING_FILE is never read, renamed or replaced."""
        if not stat.S_ISREG(self.path.stat().st_mode):
            raise SettingsError(f"MAPPING_FILE is {self.path}, which is not a regular file; it was left as it "
                                f"is: set MAPPING_FILE to a file path (default data/mapping.json).")

    def _refuse_newer(self, data: Any) -> None:
        version = data.get("version") if isinstance(data, dict) else None
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            raise SettingsError(f"The mapping file {self.path} has version {version}, newer than this WorkLead "
                                f"reads (up to {VERSION}); it was left untouched: run the newer WorkLead, or set "
                                f"MAPPING_FILE to another file.")

    def _move_aside(self, err: Exception) -> MappingState:
        return self.set_aside("corrupt", f"could not be read ({type(err).__name__})")

    def set_aside(self, label: str, why: str) -> MappingState:
        """Move the file out of the way, loudly; the caller rebuilds the links."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{label}-{stamp}")
        n = 1
        while aside.exists():  # two set aside within a second: never replace the first
            aside = self.path.with_name(f"{self.path.name}.{label}-{stamp}-{n}")
            n += 1
        os.replace(self.path, aside)
        message = (f"The mapping file {self.path} {why}; it was moved to {aside.name} and the links are "
                   f"rebuilt from the sheet's trello_card_id column and the card markers.")
        log.warning(message)
        return MappingState(recovered=message)

    # -- one file per pair ------------------------------------------------------------
    def load_for(self, spreadsheet_id: str, board_id: str) -> MappingState:
        """The links of this sheet and board.

        A file of another pair is set aside (`.other-<time>`); a file this pair left aside
        earlier is brought back, so switching pairs back and forth loses no baseline.
        """
        state = self.load()
        if self.path.exists() and not state.belongs_to(spreadsheet_id, board_id):
            state = self.set_aside("other", _other_pair(state))
        if self.path.exists():
            return state
        aside = self._aside_of(spreadsheet_id, board_id)
        if aside is None:
            return state
        os.replace(aside, self.path)
        message = (f"The mapping file of this sheet and board, set aside as {aside.name} when another pair "
                   f"was configured, is back in use as {self.path}.")
        log.warning(message)
        restored = self.load()
        restored.recovered = message if state.recovered is None else f"{state.recovered} {message}"
        return restored

    def peek_for(self, spreadsheet_id: str, board_id: str) -> MappingState:
        """What load_for would give, moving nothing (dry runs and reports)."""
        state = self.peek()
        if self.path.exists() and state.belongs_to(spreadsheet_id, board_id):
            return state
        aside = self._aside_of(spreadsheet_id, board_id)
        if aside is not None:
            restored = _parse(json.loads(aside.read_text(encoding="utf-8")))
            restored.recovered = (f"The mapping file of this sheet and board, set aside as {aside.name}, "
                                  f"is brought back by the next sync.")
            return restored
        if self.path.exists() and state.recovered is None:
            return MappingState(recovered=f"The mapping file {self.path} {_other_pair(state)}; the next sync "
                                          f"sets it aside and rebuilds the links.")
        return state

    def _aside_of(self, spreadsheet_id: str, board_id: str) -> Optional[Path]:
        """The newest file set aside for exactly this pair, if any."""
        for path in sorted(self.path.parent.glob(f"{self.path.name}.other-*"), reverse=True):
            try:
                state = _parse(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, TypeError, AttributeError, KeyError, OSError):
                continue
            if (state.spreadsheet_id, state.board_id) == (spreadsheet_id, board_id):
                return path
        return None

    # -- writing --------------------------------------------------------------------
    def save(self, state: MappingState) -> None:
        """Write atomically (temp file, fsync, rename), keeping the previous file as .bak.

        A folder that cannot be written (read-only, full) is a MappingWriteError
        saying what was kept; no temporary file is left behind.
        """
        text = json.dumps(_serialise(state), indent=2, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                self._refuse_what_is_not_ours()
                _write_atomically(self.backup_path, self.path.read_bytes())
            _write_atomically(self.path, text.encode("utf-8"))
        except OSError as exc:
            raise MappingWriteError(self.path, exc) from None
        _fsync_dir(self.path.parent)

    # -- locking --------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the sync lock; a second holder gets LockHeldError naming the first's PID."""
        if self.path.exists():
            self._refuse_what_is_not_ours()
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SettingsError(f"The folder {self.lock_path.parent} for MAPPING_FILE cannot be written "
                                f"({exc.strerror or exc}); nothing was synced: make it writable, or set "
                                f"MAPPING_FILE to a file in a folder you can write to.") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_pid(fd)
                raise LockHeldError(
                    f"Another sync is running (process {holder} holds {self.lock_path}); "
                    f"try again when it finishes.") from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class MappingWriteError(SettingsError):
    """The mapping file could not be written; the previous one is kept."""

    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(
            f"The mapping file {path} could not be saved ({exc.strerror or exc}): the changes this run made "
            f"on the sheet and the board stand, but the file still holds the links of the run before; the "
            f"next sync finds the new cards again through the sheet's trello_card_id column and the card "
            f"markers. Free some space or make {path.parent} writable.")


def _other_pair(state: MappingState) -> str:
    return (f"belongs to another sheet and board (spreadsheet {state.spreadsheet_id}, board "
            f"{state.board_id})")


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _parse(data: Any) -> MappingState:
    if not isinstance(data, dict):
        raise ValueError("the mapping is not a JSON object")
    last_sync = data.get("last_sync")
    sync_count = int(data.get("sync_count") or 0)
    if "links" in data:
        links = {str(k): _link(v) for k, v in dict(data["links"]).items()}
        return MappingState(links, last_sync, sync_count, spreadsheet_id=data.get("spreadsheet_id"),
                            board_id=data.get("board_id"))
    # The original format: links without a baseline, decided by CONFLICT_WINNER next run.
    pairs = dict(data.get("lead_to_card") or {})
    links = {str(k): Link(card_id=str(v)) for k, v in pairs.items() if v}
    if links:
        log.info("Upgrading the original-format mapping file (%d links, no baseline yet).", len(links))
    return MappingState(links, last_sync, sync_count, upgraded=True)


def _link(value: Any) -> Link:
    if not isinstance(value, dict) or not value.get("card_id"):
        raise ValueError("a link without card_id")
    return Link(card_id=str(value["card_id"]), status=value.get("status"), fields=value.get("fields"),
                synced_at=value.get("synced_at"))


def _serialise(state: MappingState) -> dict[str, Any]:
    links = dict(sorted(state.links.items()))
    return {
        "version": VERSION,
        "lead_to_card": {k: v.card_id for k, v in links.items()},
        "card_to_lead": {v.card_id: k for k, v in links.items()},
        "links": {k: {"card_id": v.card_id, "status": v.status, "fields": v.fields, "synced_at": v.synced_at}
                  for k, v in links.items()},
        "last_sync": state.last_sync,
        "sync_count": state.sync_count,
        "spreadsheet_id": state.spreadsheet_id,
        "board_id": state.board_id,
    }


def _write_atomically(path: Path, data: bytes) -> None:
    """Temporary file, fsync, rename: a reader sees the old or the new file, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # Owner only: links and baselines say who the leads are (and the sandbox's folder must stay private).
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_pid(fd: int, patience: float = 0.5) -> str:
    # The holder writes its PID just after taking the lock: a process that lost the race by
    # microseconds finds the file still empty, so it looks again for a moment before saying "unknown".
    deadline = time.monotonic() + patience
    while True:
        with contextlib.suppress(OSError, ValueError):
            text = os.pread(fd, 64, 0).decode().strip()
            if text:
                return text
        if time.monotonic() >= deadline:
            return "unknown"
        time.sleep(0.01)
