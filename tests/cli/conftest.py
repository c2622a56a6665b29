"""Helpers for the command-line tests: `python main.py` against a sandbox, in this process or its own."""
from __future__ import annotations

import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from sandbox import Sandbox
from tests.support import MAIN, Run, clean_env, run_in_process, run_subprocess


def _ctrl_c_deliverable() -> None:
    # A background job may inherit SIGINT ignored; a user's terminal never does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def spawned(cwd: Path, env: dict[str, str], *args: str) -> Iterator["subprocess.Popen[str]"]:
    """`python main.py ARGS` running alongside the test: stdin a pipe, output merged, Ctrl-C deliverable."""
    proc = subprocess.Popen([sys.executable, str(MAIN), *args], cwd=cwd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=_ctrl_c_deliverable)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def interrupt(proc: "subprocess.Popen[str]") -> str:
    """Press Ctrl-C once; the rest of the output once the process has ended."""
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    return out


class Cli:
    """`python main.py` in an empty folder, pointed at a sandbox through its settings."""

    def __init__(self, workdir: Path, env: dict[str, str], sandbox: Sandbox) -> None:
        self.workdir = workdir
        self.env = env
        self.sandbox = sandbox

    def __call__(self, *args: str, stdin: str = "", **env: str) -> Run:
        return run_in_process(list(args), self.workdir, {**self.env, **env}, stdin)

    def process(self, *args: str, stdin: str = "", **env: str) -> Run:
        """The same run as its own process (another process holding a lock, start-up code)."""
        return run_subprocess(list(args), self.workdir, {**self.env, **env}, stdin)

    @property
    def mapping_file(self) -> Path:
        return Path(self.env["MAPPING_FILE"])

    @property
    def log_dir(self) -> Path:
        return Path(self.env["LOG_DIR"])

    def log_text(self) -> str:
        return "".join(p.read_text(encoding="utf-8") for p in self.log_dir.glob("*.log"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def cli(sandbox: Sandbox, workdir: Path, tmp_path: Path) -> Cli:
    env = clean_env(**sandbox.settings(), MAPPING_FILE=str(tmp_path / "state" / "mapping.json"),
                   LOG_DIR=str(tmp_path / "logs"))
    return Cli(workdir, env, sandbox)


# -- changing the sandbox's data behind WorkLead's back, as a user would in the browser --------
def google(sandbox: Sandbox) -> Any:
    return next(s for s in sandbox.services if s.name == "google")


def trello(sandbox: Sandbox) -> Any:
    return next(s for s in sandbox.services if s.name == "trello")


def write_sheet(sandbox: Sandbox, row: int, column: int, values: list[str]) -> None:
    """Type values into the lead sheet from (row, column), both 1-based, as an editor would."""
    from sandbox.google import cells

    with sandbox.lock:
        sheet = google(sandbox).lead_spreadsheet().first_sheet()
        sheet.write(row - 1, column - 1, [[cells.from_input(v, user_entered=False) for v in values]])


def set_header(sandbox: Sandbox, header: list[str]) -> None:
    write_sheet(sandbox, 1, 1, header)


def board_cards(sandbox: Sandbox) -> list[Any]:
    with sandbox.lock:
        return list(trello(sandbox).backend.cards_of_board(sandbox.creds.board_id, "all"))


def delete_cards(sandbox: Sandbox, count: int) -> None:
    with sandbox.lock:
        model = trello(sandbox).backend
        for card in list(model.cards_of_board(sandbox.creds.board_id, "all"))[:count]:
            model.delete_card(card.id)


def archive_list(sandbox: Sandbox, name: str) -> None:
    with sandbox.lock:
        model = trello(sandbox).backend
        model.update_list(model.list_named(name, sandbox.creds.board_id).id, closed=True)


def rename_list(sandbox: Sandbox, name: str, new_name: str) -> None:
    with sandbox.lock:
        model = trello(sandbox).backend
        model.update_list(model.list_named(name, sandbox.creds.board_id).id, name=new_name)


def issued_access_tokens(sandbox: Sandbox) -> list[str]:
    with sandbox.lock:
        return list(google(sandbox).backend.tokens)


def unshare_sheet(sandbox: Sandbox) -> None:
    with sandbox.lock:
        google(sandbox).lead_spreadsheet().shared_with.clear()


def add_leads(sandbox: Sandbox, count: int, first_row: int = 101, first_id: int = 1001) -> None:
    """`count` NEW leads typed in below the demo rows (blank rows between are ignored)."""
    for n in range(count):
        lead = first_id + n
        write_sheet(sandbox, first_row + n, 1,
                    [str(lead), f"Bulk Lead {lead}", f"bulk{lead}@example.com", "NEW", "bulk"])
