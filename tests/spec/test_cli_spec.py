"""The README's Menu and subcommands and Settings, from outside: the menu text, exit codes and settings sentences."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.spec.conftest import Cli, ServedSandbox, wait_for
from tests.support import MAIN, clean_env


def assert_one_sentence(out: str, *names: str, problems: int = 1) -> None:
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2 * problems, out  # a sentence per problem, perhaps wrapped, never a dump
    for name in names:
        assert name in out, (name, out)


def test_menu_option_2_runs_a_full_sync_and_creates_cards(cli: Cli, sb: ServedSandbox) -> None:
    run = cli(stdin="2\nQ\n")
    assert run.code == 0, run.out
    assert len(sb.cards()) == 10


def test_sync_exit_code_0_and_summary_names_every_count(cli: Cli) -> None:
    run = cli("sync")
    assert run.code == 0, run.out
    for word in ("Created", "Moved", "sheet", "Archived", "Deleted", "Conflicts", "Skipped", "Failed"):
        assert word in run.out, word


def test_dry_run_sends_no_write_and_creates_no_card(cli: Cli, sb: ServedSandbox) -> None:
    before = sb.worksheet().get_all_values()
    sb.control("DELETE", "requests")
    run = cli("sync", "--dry-run")
    assert run.code == 0, run.out
    writes = [r for r in sb.requests_log() if r["method"] != "GET" and r["path"] != "/token"]
    assert writes == []
    assert sb.cards() == []
    assert sb.worksheet().get_all_values() == before
    assert "Maria Schneider" in run.out  # the plan is printed


def test_one_failed_card_creation_gives_exit_code_1_and_the_rest_are_done(cli: Cli, sb: ServedSandbox) -> None:
    sb.control("POST", "faults", {"rules": [{"path": "/1/cards", "method": "POST", "status": 400, "times": 1}]})
    run = cli("sync")
    assert run.code == 1, run.out
    assert len(sb.cards()) == 9


def test_deleting_most_cards_is_held_back_with_exit_4_until_force_delete(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    for card in sb.cards()[:6]:
        card.delete()
    held = cli("sync")
    assert held.code == 4, held.out
    assert "--force-delete" in held.out  # says how to do them if they are meant
    assert len(sb.worksheet().get_all_values()) == 13  # header + 12 rows, none deleted
    forced = cli("sync", "--force-delete")
    assert forced.code == 0, forced.out
    assert len(sb.worksheet().get_all_values()) == 13 - 6
    trash = cli.jsonl("trash.jsonl")
    assert len(trash) == 6


def test_second_sync_while_one_runs_exits_3_naming_the_holder(cli: Cli, sb: ServedSandbox) -> None:
    # The first run is caught mid-run however busy the machine is: Trello refuses its card creations
    # (429, retry after 1 s) until the test clears the rule, and the process is stopped (SIGSTOP) as
    # soon as a refusal shows, while it surely holds the lock; it carries on after the second run.
    sb.control("POST", "faults", {"rules": [{"path": "/1/cards", "method": "POST", "status": 429,
                                             "retry_after": 1, "times": 0}]})
    env = clean_env(**cli.settings)
    first = subprocess.Popen([sys.executable, str(MAIN), "sync"], cwd=cli.workdir, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: any(r["status"] == 429 for r in sb.requests_log()), timeout=60)
        first.send_signal(signal.SIGSTOP)
        sb.control("DELETE", "faults")
        second = cli("sync")
        assert second.code == 3, second.out
        assert str(first.pid) in second.out and "Traceback" not in second.out
    finally:
        first.send_signal(signal.SIGCONT)
        out, _ = first.communicate(timeout=60)
    assert first.returncode == 0, out
    assert len(sb.cards()) == 10


# -- settings errors: one sentence, no traceback, exit 2 -----------------------------------
def test_some_settings_present_others_missing_names_the_missing(tmp_path: Path, sb: ServedSandbox) -> None:
    cli = Cli(tmp_path, {"SPREADSHEET_ID": sb.settings["SPREADSHEET_ID"]})
    run = cli("sync")
    assert run.code == 2, run.out
    # credentials.json (the default key path) is missing too: four problems, a sentence each.
    assert_one_sentence(run.out, "TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_BOARD_ID", problems=4)
    assert not (tmp_path / "data" / "sandbox").exists()  # did not fall back to the sandbox


def test_one_missing_variable_is_named(cli: Cli) -> None:
    run = cli("sync", TRELLO_TOKEN="<unset>")
    assert run.code == 2
    assert_one_sentence(run.out, "TRELLO_TOKEN")


def test_missing_credentials_file_is_named(cli: Cli) -> None:
    run = cli("sync", GOOGLE_CREDENTIALS_PATH="nowhere/key.json")
    assert run.code == 2
    assert_one_sentence(run.out, "nowhere/key.json")


def test_credentials_path_naming_a_folder_says_so(cli: Cli) -> None:
    (cli.workdir / "keys").mkdir()
    run = cli("sync", GOOGLE_CREDENTIALS_PATH="keys")
    assert run.code == 2
    assert_one_sentence(run.out, "GOOGLE_CREDENTIALS_PATH", "folder")
    assert "does not exist" not in run.out


def test_bad_conflict_winner_is_named(cli: Cli) -> None:
    run = cli("sync", CONFLICT_WINNER="both")
    assert run.code == 2
    assert_one_sentence(run.out, "CONFLICT_WINNER")


def test_status_map_that_is_not_one_to_one_is_named(cli: Cli) -> None:
    run = cli("sync", STATUS_MAP="NEW=Open,CONTACTED=Open,QUALIFIED=Won,LOST=Lost")
    assert run.code == 2
    assert_one_sentence(run.out, "STATUS_MAP")


def test_bad_max_delete_percent_is_named(cli: Cli) -> None:
    run = cli("sync", MAX_DELETE_PERCENT="lots")
    assert run.code == 2
    assert_one_sentence(run.out, "MAX_DELETE_PERCENT")


def test_unknown_spreadsheet_id_is_exit_2_without_traceback(cli: Cli) -> None:
    run = cli("sync", SPREADSHEET_ID="1NoSuchSheet0000000000000000000000000000000")
    assert run.code == 2, run.out
    assert "Traceback" not in run.out
    assert "SPREADSHEET_ID" in run.out


def test_bad_trello_token_is_exit_2_and_the_token_is_not_echoed(cli: Cli, sb: ServedSandbox) -> None:
    bad = "ATTA" + "f" * 60
    run = cli("sync", TRELLO_TOKEN=bad)
    assert run.code == 2, run.out
    assert "Traceback" not in run.out and "token" in run.out.lower()
    assert bad not in run.out


def test_wrong_header_is_exit_2_and_nothing_is_written(cli: Cli, sb: ServedSandbox) -> None:
    sb.set_sheet([["1", "Ann", "a@x", "NEW", "Web"]], header=["id", "name", "email", "status", "source"])
    run = cli("sync")
    assert run.code == 2, run.out
    assert "trello_card_id" in run.out
    assert sb.cards() == []


def test_sandbox_flag_runs_a_sync_against_the_local_sandbox(tmp_path: Path) -> None:
    cli = Cli(tmp_path, {})
    first = cli("--sandbox", "sync")
    assert first.code == 0, first.out
    assert (tmp_path / "data" / "sandbox" / "sandbox.env").exists()
    again = cli("--sandbox", "sync", "--dry-run")
    assert again.code == 0
    assert "in step" in again.out or "Created               0" in again.out or "Created 0" in again.out
