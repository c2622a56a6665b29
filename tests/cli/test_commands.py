"""Every subcommand as a user runs it: `python main.py COMMAND` against a sandbox, with its exit code."""
from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest

from tests.cli.conftest import (
    Cli,
    archive_list,
    board_cards,
    interrupt,
    rename_list,
    set_header,
    spawned,
)
from tests.support import MAIN, clean_env, run_in_process


def assert_plain_sentence(out: str) -> None:
    assert "Traceback" not in out
    assert "File \"" not in out


def test_initial_creates_a_card_per_open_lead_and_prints_the_summary(cli: Cli) -> None:
    run = cli("initial")
    assert run.code == 0, run.out
    assert "Created" in run.out and "Failed" in run.out
    assert len(board_cards(cli.sandbox)) > 0
    assert json.loads(cli.mapping_file.read_text())["lead_to_card"]


def test_sync_twice_changes_nothing_the_second_time(cli: Cli) -> None:
    assert cli("sync").code == 0
    cards = len(board_cards(cli.sandbox))
    again = cli("sync")
    assert again.code == 0, again.out
    assert len(board_cards(cli.sandbox)) == cards
    assert _count(again.out, "Created") == 0


def _count(out: str, label: str) -> int:
    """The summary row's figure (a change line may start with the same word)."""
    for line in out.splitlines():
        match = re.fullmatch(rf"\s*{re.escape(label)}\s+(\d+)\s*", line)
        if match:
            return int(match.group(1))
    raise AssertionError(f"no {label} line in:\n{out}")


def test_dry_run_shows_the_plan_as_a_table_and_changes_nothing(cli: Cli) -> None:
    run = cli("sync", "--dry-run")
    assert run.code == 0, run.out
    for column in ("Lead", "Name", "Action", "From -> To", "Reason"):
        assert column in run.out
    assert "dry run" in run.out
    assert board_cards(cli.sandbox) == []
    assert not cli.mapping_file.exists() or not json.loads(cli.mapping_file.read_text()).get("lead_to_card")


def test_push_pull_lead_and_card_exit_0_after_a_sync(cli: Cli) -> None:
    assert cli("sync").code == 0
    mapping = json.loads(cli.mapping_file.read_text())
    lead_id, card_id = next(iter(mapping["lead_to_card"].items()))
    for args in (["push"], ["pull"], ["lead", lead_id], ["card", lead_id], ["card", card_id]):
        run = cli(*args)
        assert run.code == 0, (args, run.out)
        assert "Failed" in run.out


def test_status_report_lists_links_and_last_sync(cli: Cli) -> None:
    assert cli("sync").code == 0
    run = cli("status")
    assert run.code == 0, run.out
    for label in ("Linked leads", "Unlinked leads", "Orphan cards", "Archived cards", "Pending changes",
                  "Last sync", "Sync count", "Last run's conflicts"):
        assert label in run.out
    assert "never" not in run.out.split("Last sync")[1].splitlines()[0]


def test_watch_skips_the_full_sync_when_nothing_changed(cli: Cli) -> None:
    run = cli("watch", "--interval", "1", "--runs", "4")
    assert run.code == 0, run.out
    # Round 1 creates cards; round 2 sees those writes and finds nothing to do; 3 and 4 skip.
    assert run.out.count("running a full sync") == 2
    assert run.out.count("full sync skipped") == 2
    assert "Watch stopped after 4 rounds" in run.out
    drive_reads = [e for e in cli.sandbox.log.entries() if e["path"].startswith("/drive/v3/files/")]
    assert len(drive_reads) == 4  # the cheap change marker, asked every round


def test_ctrl_c_stops_watch_and_the_round_in_progress(cli: Cli) -> None:
    with spawned(cli.workdir, cli.env, "watch", "--interval", "30") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Round 1" in line:
                break
        out = interrupt(proc)
    assert proc.returncode == 130, out
    # The round's sync stops at once when Ctrl-C lands in it; else the round had finished already.
    assert "Stopping: linking the cards already made" in out or "Summary: Full sync" in out, out
    assert "Watch stopped after 1 round." in out
    assert "Traceback" not in out


def test_doctor_reports_every_check_ok_on_a_good_setup(cli: Cli) -> None:
    run = cli("doctor")
    assert run.code == 0, run.out
    assert "FAIL" not in run.out
    for check in ("SPREADSHEET_ID", "Sheet header", "Sheet write access", "Trello lists"):
        assert check in run.out


def test_doctor_names_a_missing_list_and_fix_creates_it(cli: Cli) -> None:
    rename_list(cli.sandbox, "DONE", "Finished")  # an archived one is brought back instead (test_hostile_messages)
    run = cli("doctor")
    assert run.code == 2, run.out
    assert "FAIL" in run.out and "DONE" in run.out and "doctor --fix" in run.out
    fixed = cli("doctor", "--fix")
    assert fixed.code == 0, fixed.out
    assert "created DONE" in fixed.out
    assert cli("doctor").code == 0


def test_a_missing_list_stops_sync_with_exit_2_and_one_sentence(cli: Cli) -> None:
    archive_list(cli.sandbox, "IN_PROGRESS")
    run = cli("sync")
    assert run.code == 2, run.out
    assert "IN_PROGRESS" in run.out
    assert_plain_sentence(run.out)


# -- settings and usage errors: one plain sentence, exit 2 ----------------------------------


def test_a_wrong_header_is_one_sentence_with_exit_2_and_nothing_is_deleted(cli: Cli) -> None:
    assert cli("sync").code == 0
    cards = len(board_cards(cli.sandbox))
    set_header(cli.sandbox, ["ident", "name", "email", "status", "source", "trello_card_id"])
    run = cli("sync")
    assert run.code == 2, run.out
    assert "id" in run.out
    assert_plain_sentence(run.out)
    assert len([c for c in board_cards(cli.sandbox) if not c.closed]) == cards


@pytest.mark.parametrize("args", [["bogus"], ["lead"], ["watch", "--interval", "soon"]])
def test_usage_errors_exit_2(cli: Cli, args: list[str]) -> None:
    run = cli(*args)
    assert run.code == 2, run.out
    assert "usage:" in run.out
    assert_plain_sentence(run.out)


# -- the sandbox, chosen or automatic ------------------------------------------------------
def test_a_run_in_an_empty_folder_without_settings_uses_the_sandbox_and_carries_on(workdir: Path) -> None:
    env = clean_env()
    first = run_in_process(["sync"], workdir, env)
    assert first.code == 0, first.out
    assert "No Google or Trello settings were found" in first.out
    assert (workdir / "data" / "sandbox" / "state.json").exists()
    assert list((workdir / "logs").glob("sync_*.log"))
    created = _count(first.out, "Created")
    assert created > 0
    second = run_in_process(["sync"], workdir, env)
    assert second.code == 0, second.out
    assert _count(second.out, "Created") == 0


def test_sandbox_flag_ignores_configured_services(workdir: Path) -> None:
    env = clean_env(SPREADSHEET_ID="1" + "z" * 43, TRELLO_API_KEY="k" * 32, TRELLO_TOKEN="t" * 64,
                   TRELLO_BOARD_ID="b" * 24)
    run = run_in_process(["--sandbox", "status"], workdir, env)
    assert run.code == 0, run.out
    assert "sandbox" in run.out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sandbox_subcommand_serves_and_prints_the_settings(workdir: Path) -> None:
    port = _free_port()
    with spawned(workdir, clean_env(), "sandbox", "--port", str(port)) as proc:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        import requests

        env_file = (workdir / "data" / "sandbox" / "sandbox.env").read_text()
        token = next(x.split("=", 1)[1] for x in env_file.splitlines() if x.startswith("SANDBOX_TOKEN="))
        answer = requests.get(f"http://127.0.0.1:{port}/_sandbox/requests", timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        out = "".join(lines) + interrupt(proc)
    assert proc.returncode == 0, out
    assert f"TRELLO_API_URL=http://127.0.0.1:{port}" in out
    assert "SPREADSHEET_ID=" in out
    assert "Sandbox stopped" in out and "Traceback" not in out
    assert (workdir / "data" / "sandbox" / "sandbox.env").exists()


def test_ctrl_c_during_a_sync_stops_cleanly_with_exit_130(cli: Cli) -> None:
    import requests

    requests.post(f"{cli.sandbox.url}/_sandbox/faults", json={"latency_ms": 150, "rules": []}, timeout=5,
                  headers=cli.sandbox.control_headers()).raise_for_status()
    with spawned(cli.workdir, cli.env, "sync") as proc:
        # Interrupt once cards are being written, so the run is mid-way.
        for _ in range(600):
            if any(e["method"] == "POST" and e["path"].startswith("/1/cards")
                   for e in cli.sandbox.log.entries()):
                break
            time.sleep(0.05)
        out = interrupt(proc)
    assert proc.returncode == 130, out
    assert "Traceback" not in out
    if cli.mapping_file.exists():
        json.loads(cli.mapping_file.read_text())  # whole, not half-written
    requests.delete(f"{cli.sandbox.url}/_sandbox/faults", timeout=5, headers=cli.sandbox.control_headers())
    after = cli("sync")
    assert after.code == 0, after.out
    titles = [c.name for c in board_cards(cli.sandbox) if not c.closed]
    assert len(titles) == len(set(titles)), "a card was duplicated after the interrupted run"


def test_an_unexpected_error_is_one_sentence_pointing_at_the_log_which_has_the_traceback(
        cli: Cli, tmp_path: Path) -> None:
    # A bug inside the engine, planted at start-up: the CLI's last line of defence is what is tested.
    token = cli.env["TRELLO_TOKEN"]
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(
        "import core.sync_logic as s\n"
        "def broken(self, *a, **k):\n"
        f"    raise RuntimeError('planned bug near token {token}')\n"
        "s.SyncEngine.full_sync = broken\n")
    run = cli.process("sync", PYTHONPATH=f"{plant}:{MAIN.parent}")
    assert run.code == 1, run.out
    assert "Unexpected error (RuntimeError" in run.out and "details in" in run.out and "sync_" in run.out
    assert "Traceback" not in run.out and token not in run.out
    log = cli.log_text()
    assert "Traceback" in log and "planned bug near token ***" in log and token not in log


def test_an_unwritable_log_folder_is_a_settings_error(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = cli("status", LOG_DIR=str(blocker))
    assert run.code == 2, run.out
    assert "LOG_DIR" in run.out
    assert_plain_sentence(run.out)


def test_doctor_on_a_sheet_not_shared_names_the_address_to_share_with(cli: Cli) -> None:
    from tests.cli.conftest import unshare_sheet

    unshare_sheet(cli.sandbox)
    run = cli("doctor")
    assert run.code == 2, run.out
    assert "FAIL Google Sheets reachable" in run.out
    assert cli.sandbox.creds.service_account_email in run.out
    assert_plain_sentence(run.out)
    assert cli("sync").code == 2


def test_doctor_on_a_wrong_header_lists_the_required_columns(cli: Cli) -> None:
    set_header(cli.sandbox, ["ident", "name", "mail", "status", "source", "trello_card_id"])
    run = cli("doctor")
    assert run.code == 2, run.out
    assert "FAIL Sheet header" in run.out
    assert "id, name, email, status, source, trello_card_id" in run.out


def test_doctor_with_a_bad_token_fails_the_trello_check_and_says_how_to_get_one(cli: Cli) -> None:
    run = cli("doctor", TRELLO_TOKEN="ATTA" + "0" * 64)
    assert run.code == 2, run.out
    assert "OK   Sheet header" in run.out
    assert "FAIL Trello reachable" in run.out and "trello.com/power-ups/admin" in run.out
    assert "ATTA" + "0" * 64 not in run.out

