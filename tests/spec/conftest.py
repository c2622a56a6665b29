"""Black-box helpers: the sandbox as its own process, `python main.py` in an empty folder.

These tests use only what the README documents: the commands, the settings a
standalone sandbox writes to sandbox.env, its control endpoints, the files
WorkLead writes, and the real gspread and py-trello routed through WorkLead's
public session factory.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import gspread
import pytest
import requests
import trello
from gspread.utils import ValueInputOption

from tests.support import REPO, Run, clean_env, run_in_process, run_subprocess

HEADER = ["id", "name", "email", "status", "source", "trello_card_id"]


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


class ServedSandbox:
    """A `python -m sandbox` process and the settings it wrote."""

    # Where the helpers' own WorkLead files go (the Sheets quota's count sits beside the mapping):
    # a folder of each test's own (see `sb`), never the repository's data/.
    scratch: Optional[Path] = None
    # The helpers stand for a person and other tools on the sheet, polling it at times: they are not
    # held to WorkLead's pace of Google's 60 reads a minute (a test that means the quota sets limits).
    HELPER_SHEETS_QUOTA = "6000/60"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", "0", "--data-dir", str(data_dir)],
            cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.banner = self._read_banner()
        self.settings = read_env_file(data_dir / "sandbox.env")
        self.url = self.settings["TRELLO_API_URL"]

    def _read_banner(self) -> str:
        lines = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                return "".join(lines)
        raise AssertionError("sandbox did not start:\n" + "".join(lines))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    # -- control endpoints ------------------------------------------------------------
    def control(self, method: str, name: str, body: Optional[dict[str, Any]] = None) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox/{name}", json=body, timeout=10,
                                    headers={"Authorization": f"Bearer {self.settings['SANDBOX_TOKEN']}"})
        response.raise_for_status()
        return response.json()

    def requests_log(self) -> list[dict[str, Any]]:
        return self.control("GET", "requests")["requests"]

    def reset(self, seed: bool = True) -> None:
        self.control("POST", "reset", {"seed": seed})
        self.control("DELETE", "faults")
        self.control("DELETE", "limits")

    # -- the two services, through WorkLead's public session factory -------------------
    def settings_object(self) -> Any:
        sys.path.insert(0, str(REPO))
        from core.config import load_settings

        scratch = self.scratch or self.data_dir.parent / "helpers"
        return load_settings(env={**self.settings, "MAPPING_FILE": str(scratch / "mapping.json"),
                                  "SHEETS_QUOTA": self.HELPER_SHEETS_QUOTA}, env_file=None)

    def spreadsheet(self) -> gspread.Spreadsheet:
        from clients.http import gspread_client

        return gspread_client(self.settings_object()).open_by_key(self.settings["SPREADSHEET_ID"])

    def worksheet(self) -> gspread.Worksheet:
        return self.spreadsheet().sheet1

    def board(self) -> trello.Board:
        from clients.http import build_trello_session

        settings = self.settings_object()
        client = trello.TrelloClient(api_key=settings.trello_api_key, token=settings.trello_token,
                                     http_service=build_trello_session(settings))
        return client.get_board(settings.trello_board_id)

    def set_sheet(self, rows: list[list[str]], header: list[str] = HEADER) -> gspread.Worksheet:
        sheet = self.worksheet()
        sheet.clear()
        sheet.update([header, *rows], "A1", value_input_option=ValueInputOption.raw)
        return sheet

    def cards(self, include_archived: bool = False) -> list[trello.Card]:
        return self.board().get_cards(card_filter="all" if include_archived else "open")


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSandbox]:
    sandbox = ServedSandbox(tmp_path_factory.mktemp("served") / "sandbox")
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def sb(served: ServedSandbox, tmp_path: Path) -> ServedSandbox:
    """The shared sandbox, back to its demo data with no faults or limits."""
    served.reset(seed=True)
    served.scratch = tmp_path / "helpers"
    return served


class Cli:
    """`python main.py` in an empty folder with the sandbox's settings in the environment."""

    def __init__(self, workdir: Path, settings: dict[str, str]) -> None:
        self.workdir = workdir
        self.settings = dict(settings)

    def __call__(self, *args: str, stdin: str = "", **extra: str) -> Run:
        return run_in_process(list(args), self.workdir, self.env(**extra), stdin)

    def process(self, *args: str, stdin: str = "", **extra: str) -> Run:
        """The same run as its own process (two runs at once, signals)."""
        return run_subprocess(list(args), self.workdir, self.env(**extra), stdin)

    def env(self, **extra: str) -> dict[str, str]:
        """The sandbox's settings in a clean environment; a value of "<unset>" removes that setting."""
        env = clean_env(**{**self.settings, **extra})
        return {k: v for k, v in env.items() if v != "<unset>"}

    @property
    def mapping_path(self) -> Path:
        return self.workdir / "data" / "mapping.json"

    def mapping(self) -> dict[str, Any]:
        return json.loads(self.mapping_path.read_text(encoding="utf-8"))

    def jsonl(self, name: str) -> list[dict[str, Any]]:
        path = self.workdir / "data" / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def cli(sb: ServedSandbox, tmp_path: Path) -> Cli:
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Cli(workdir, sb.settings)


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
