"""One sandbox per folder: the lock a serving sandbox holds on its data folder, and how others find it.

The lock file holds the serving process's id and address, so a second run can
work through the running sandbox instead of starting another copy of the state.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

LOCK_FILE = "server.lock"


@dataclass(frozen=True)
class Running:
    """A sandbox serving a folder: its address and process."""

    url: str
    pid: int


class SandboxBusy(Exception):
    """The folder's sandbox is served by another process (or another Sandbox in this one)."""

    def __init__(self, data_dir: Path, running: Optional[Running]) -> None:
        where = f"at {running.url} (process {running.pid})" if running else "(it is still starting)"
        self.message = (f"The sandbox of {data_dir} is already serving {where}; use that one, or stop it "
                        f"(Ctrl-C in its window) before starting another.")
        super().__init__(self.message)
        self.data_dir = data_dir
        self.running = running


class FolderLock:
    """Held by the one sandbox serving a folder, from construction to stop()."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: Optional[int] = None

    def acquire(self, patience: float = 0.3) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + patience
        while True:  # a reader (running_in) holds a shared lock for a moment: wait it out
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise SandboxBusy(self.data_dir, running_in(self.data_dir)) from None
                time.sleep(0.02)
        os.ftruncate(fd, 0)
        self._fd = fd

    def publish(self, url: str) -> None:
        """Say where this sandbox serves; written once the settings and key file are in place."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps({"url": url, "pid": os.getpid()}).encode(), 0)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def running_in(data_dir: Path, patience: float = 10.0) -> Optional[Running]:
    """The sandbox serving `data_dir`, or None. Waits (up to `patience`) for one still starting."""
    path = Path(data_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                pass  # held: a sandbox serves (or is starting)
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
                return None  # left behind by a sandbox that has stopped
            running = _read(fd)
            if running is not None or time.monotonic() >= deadline:
                return running
            time.sleep(0.05)
    finally:
        os.close(fd)


def _read(fd: int) -> Optional[Running]:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "null")
        return Running(str(info["url"]), int(info["pid"])) if isinstance(info, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


class SyncRunning(Exception):
    """A sync holds the folder's mapping lock, so its records cannot be emptied now."""


@contextlib.contextmanager
def no_sync_running(lock_path: Path) -> Iterator[None]:
    """Hold the sync lock (the mapping's `.lock` file) while the folder's records change."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SyncRunning(f"a sync is running on the sandbox ({lock_path} is locked); "
                              f"reset again when it has finished") from None
        yield
    finally:
        os.close(fd)


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a file whole or not at all (temporary file, fsync, rename), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
