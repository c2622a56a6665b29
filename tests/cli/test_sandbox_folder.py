"""One sandbox per folder, its own records under data/sandbox/, and a clean reset, from the command line."""
from __future__ import annotations

import json
import re
import stat
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.cli.conftest import spawned
from tests.support import clean_env as base_env
from tests.support import run_in_process as run_cli
from tests.support import run_subprocess

SANDBOX = Path("data") / "sandbox"


def _count(out: str, label: str) -> int:
    """A number from the run's summary table ('Created   10')."""
    found = re.search(rf"^{re.escape(label)}\s+(\d+)\s*$", out, re.MULTILINE)
    assert found, out
    return int(found.group(1))


def _env_file(workdir: Path) -> dict[str, str]:
    lines = (workdir / SANDBOX / "sandbox.env").read_text().splitlines()
    return dict(x.split("=", 1) for x in lines if x and not x.startswith("#"))


@pytest.fixture
def served(workdir: Path) -> Iterator[subprocess.Popen[str]]:
    """`python main.py sandbox --port 0` serving the work folder, until the test ends."""
    with spawned(workdir, base_env(), "sandbox", "--port", "0") as proc:
        assert proc.stdout is not None
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl-C" in line:
                break
        else:
            raise AssertionError("the sandbox did not start:\n" + "".join(banner))
        assert "/#token=" in banner[0]  # the web view's address comes first
        yield proc
        proc.terminate()
        proc.wait(timeout=30)


def test_a_sandbox_run_while_the_folder_is_served_works_through_the_running_sandbox(
        workdir: Path, served: subprocess.Popen[str]) -> None:
    env_before = (workdir / SANDBOX / "sandbox.env").read_bytes()
    key_before = (workdir / SANDBOX / "service_account.json").read_bytes()
    run = run_cli(["--sandbox", "sync"], workdir, base_env())
    assert run.code == 0, run.out
    assert "already serves at" in run.out and "works through it" in run.out
    assert _count(run.out, "Created") == 10
    # The server's settings and key are never rewritten under it (a script using them keeps working).
    assert (workdir / SANDBOX / "sandbox.env").read_bytes() == env_before
    assert (workdir / SANDBOX / "service_account.json").read_bytes() == key_before
    settings = _env_file(workdir)
    cards = requests.get(f"{settings['TRELLO_API_URL']}/1/boards/{settings['TRELLO_BOARD_ID']}/cards",
                         params={"key": settings["TRELLO_API_KEY"], "token": settings["TRELLO_TOKEN"]},
                         timeout=10).json()
    assert len(cards) == 10
    # Stopping the server saves its state, which has the sync's result: nothing moves back.
    served.terminate()
    served.wait(timeout=30)
    again = run_cli(["--sandbox", "sync"], workdir, base_env())
    assert again.code == 0, again.out
    assert "already serves" not in again.out
    for label in ("Created", "Moved", "Updated in the sheet", "Archived", "Deleted", "Conflicts"):
        assert _count(again.out, label) == 0, again.out


def test_a_second_sandbox_server_for_one_folder_says_it_is_busy_and_where(
        workdir: Path, served: subprocess.Popen[str]) -> None:
    url = _env_file(workdir)["TRELLO_API_URL"]
    run = run_subprocess(["sandbox", "--port", "0"], workdir, base_env())  # were it not refused, it would serve on
    assert run.code == 3, run.out
    assert f"already serving at {url} (process {served.pid})" in run.out
    assert len(run.out.strip().splitlines()) == 1 and "Traceback" not in run.out
    assert _env_file(workdir)["TRELLO_API_URL"] == url


def test_reset_brings_the_demo_back_and_the_next_sync_creates_the_cards_with_nothing_held_back(
        workdir: Path) -> None:
    env = base_env()
    assert run_cli(["--sandbox", "sync"], workdir, env).code == 0
    reset = run_cli(["--sandbox", "reset"], workdir, env)
    assert reset.code == 0, reset.out
    assert "back to its demo data" in reset.out
    for name in ("mapping.json", "mapping.json.bak", "trash.jsonl", "history.jsonl"):
        assert not (workdir / SANDBOX / name).exists(), name
    after = run_cli(["--sandbox", "sync"], workdir, env)
    assert after.code == 0, after.out
    assert _count(after.out, "Created") == 10
    assert _count(after.out, "Deleted") == _count(after.out, "Held back") == 0


def test_reset_through_the_served_sandbox_leaves_no_stale_mapping(
        workdir: Path, served: subprocess.Popen[str]) -> None:
    env = base_env()
    assert run_cli(["--sandbox", "sync"], workdir, env).code == 0
    assert (workdir / SANDBOX / "mapping.json").exists()
    settings = _env_file(workdir)
    answer = requests.post(f"{settings['TRELLO_API_URL']}/_sandbox/reset", json={"seed": True}, timeout=10,
                           headers={"Authorization": f"Bearer {settings.get('SANDBOX_TOKEN', '')}"})
    assert answer.status_code == 200, answer.text
    assert not (workdir / SANDBOX / "mapping.json").exists()
    after = run_cli(["--sandbox", "sync"], workdir, env)
    assert after.code == 0, after.out
    assert _count(after.out, "Created") == 10 and _count(after.out, "Held back") == 0


def test_reset_needs_the_sandbox_flag(workdir: Path) -> None:
    run = run_cli(["reset"], workdir, base_env())
    assert run.code == 2 and "python main.py --sandbox reset" in run.out
    assert not (workdir / "data" / "sandbox").exists()


def test_a_sandbox_run_never_reads_or_moves_the_real_mapping_file(workdir: Path) -> None:
    real = workdir / "data" / "mapping.json"
    real.parent.mkdir(parents=True)
    text = json.dumps({"version": 2, "links": {"1": {"card_id": "a" * 24, "status": "NEW"}},
                       "spreadsheet_id": "real-sheet", "board_id": "b" * 24, "sync_count": 7})
    real.write_text(text)
    run = run_cli(["--sandbox", "sync"], workdir, base_env())
    assert run.code == 0, run.out
    assert _count(run.out, "Created") == 10
    assert real.read_text() == text
    assert sorted(p.name for p in real.parent.iterdir() if p.is_file()) == ["mapping.json"]
    assert (workdir / SANDBOX / "mapping.json").exists() and (workdir / SANDBOX / "history.jsonl").exists()


def test_every_file_of_the_sandbox_folder_is_readable_by_its_owner_only(workdir: Path) -> None:
    assert run_cli(["--sandbox", "sync"], workdir, base_env()).code == 0
    folder = workdir / SANDBOX
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.iterdir() if p.is_file()]
    assert {"state.json", "sandbox.env", "mapping.json", "history.jsonl"} <= {p.name for p in files}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


def test_an_env_file_with_lower_case_names_is_a_settings_error_not_the_demo(workdir: Path) -> None:
    (workdir / ".env").write_text("spreadsheet_id=1abc\ntrello_api_key=k\ntrello_token=t\ntrello_board_id=b\n")
    run = run_cli(["sync"], workdir, base_env())
    assert run.code == 2, run.out
    for name in ("SPREADSHEET_ID", "TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_BOARD_ID"):
        assert f"did you mean {name}?" in run.out
    assert "sandbox" not in run.out.lower()
    assert not (workdir / SANDBOX).exists()


def test_the_sandbox_command_prints_the_web_views_address_first(
        workdir: Path, served: subprocess.Popen[str]) -> None:
    settings = _env_file(workdir)
    assert settings["SANDBOX_WEB_URL"] == f"{settings['TRELLO_API_URL']}/#token={settings['SANDBOX_TOKEN']}"
    assert requests.get(settings["SANDBOX_WEB_URL"], timeout=10).status_code == 200


def test_the_sandbox_menu_shows_the_web_view_and_serves_it_while_open(workdir: Path) -> None:
    with spawned(workdir, base_env(), "--sandbox") as proc:
        assert proc.stdout is not None and proc.stdin is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Watch the sandbox's sheet and board at" in line:
                break
        out = "".join(lines)
        assert "WELCOME TO WORKLEAD SYNC TOOL" in out
        url = line.rsplit(" at ", 1)[1].strip()
        assert url == _env_file(workdir)["SANDBOX_WEB_URL"]
        base, token = url.split("/#token=")
        auth = {"Authorization": f"Bearer {token}"}
        view = requests.get(base + "/_sandbox/view", headers=auth, timeout=10).json()
        assert view["sheet"]["rows"][1]["cells"][1] == "Maria Schneider" and view["can_run"]
        # The page's Sync runs in the menu's process, through its sandbox, while the menu waits.
        requests.post(base + "/_sandbox/view/run", json={"dry_run": False}, headers=auth, timeout=10)
        deadline = time.monotonic() + 60
        while view["run"] is None or view["run"]["state"] == "running":
            assert time.monotonic() < deadline, view["run"]
            view = requests.get(base + f"/_sandbox/view?after={view['version']}", headers=auth, timeout=30).json()
        assert view["run"]["state"] == "done" and len(view["run"]["events"]) == 10
        assert ["Created", 10] in view["run"]["summary"]["counts"]
        proc.stdin.write("Q\n")
        proc.stdin.flush()
        rest, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert "create_card" not in rest  # the page reported the actions; the menu's screen stays clean
