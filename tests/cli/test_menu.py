"""The numbered menu, driven through stdin as a user would type it."""
from __future__ import annotations

import json
import re
import signal

from tests.cli.conftest import Cli, board_cards, delete_cards, interrupt, spawned

# The README's menu, verbatim: options 1-6 and Q are the original tool's.
MENU_TEXT = """==============================
WELCOME TO WORKLEAD SYNC TOOL
==============================
Choose an option:
1. Initial sync (Leads -> Cards)
2. Full bidirectional sync
3. Bulk sync: ALL leads -> tasks (Sheets -> Trello)
4. Bulk sync: ALL tasks -> leads (Trello -> Sheets)
5. Sync ONE lead -> task (by lead ID)
6. Sync ONE task -> lead (by lead ID or card ID)
7. Preview full sync (dry run)
8. Status report
9. Watch: full sync every N seconds
0. Check setup
Q. Quit
=============================="""


def test_the_menu_is_the_familiar_one_and_q_quits_with_exit_0(cli: Cli) -> None:
    run = cli(stdin="q\n")
    assert run.code == 0, run.out
    assert MENU_TEXT in run.out
    assert "Goodbye" in run.out


def test_an_invalid_choice_gets_a_one_line_hint_not_the_menu_again(cli: Cli) -> None:
    run = cli(stdin="42\nQ\n")
    assert run.code == 0, run.out
    assert "'42' is not an option. Choose 1-9, 0 or Q." in run.out
    assert run.out.count("WELCOME TO WORKLEAD SYNC TOOL") == 1


def test_end_of_input_quits_cleanly(cli: Cli) -> None:
    run = cli(stdin="")
    assert run.code == 0, run.out
    assert "Traceback" not in run.out


def test_every_menu_option_runs_against_the_sandbox(cli: Cli) -> None:
    run = cli(stdin="1\n2\n3\n4\n5\n1\n6\n1\n7\n8\n0\nq\n")
    assert run.code == 0, run.out
    assert "Traceback" not in run.out and "Unexpected error" not in run.out
    for title in ("Summary: Initial sync", "Summary: Full sync", "Summary: Sheets -> Trello",
                  "Summary: Trello -> Sheets", "Summary: One lead -> task", "Summary: One task -> lead",
                  "Summary: Full sync (dry run", "Linked leads", "Everything is set up"):
        assert title in run.out, title
    assert "Lead ID: " in run.out and "Lead ID or card ID: " in run.out
    assert run.out.count("WELCOME TO WORKLEAD SYNC TOOL") == 10  # nine options, then Q
    assert board_cards(cli.sandbox)


def test_an_empty_lead_id_syncs_nothing_and_says_so(cli: Cli) -> None:
    run = cli(stdin="5\n\nq\n")
    assert run.code == 0, run.out
    assert "No id given" in run.out


def test_option_2_asks_before_held_back_deletions_and_does_them_only_on_yes(cli: Cli) -> None:
    assert cli("sync").code == 0
    linked = len(json.loads(cli.mapping_file.read_text())["lead_to_card"])
    delete_cards(cli.sandbox, linked - 2)
    run = cli(stdin="2\nn\n2\ny\nq\n")
    assert run.code == 0, run.out
    assert run.out.count(f"Delete/archive {linked - 2} items anyway? [y/N]") == 2
    before_question = run.out[:run.out.index("items anyway?")]
    assert "Held back" in before_question and "delete_row" in before_question  # what would go, before asking
    deleted = [int(n) for n in re.findall(r"^Deleted\s+(\d+)\s*$", run.out, re.M)]
    assert deleted[:2] == [0, 0] and deleted[2] > 0, deleted


def test_settings_problems_show_before_the_menu_and_the_menu_still_quits(cli: Cli) -> None:
    env = {k: v for k, v in cli.env.items() if k != "TRELLO_BOARD_ID"}
    from tests.support import run_in_process

    run = run_in_process([], cli.workdir, env, stdin="0\nq\n")
    assert run.code == 0, run.out
    assert "TRELLO_BOARD_ID" in run.out
    assert "FAIL" in run.out
    assert "Traceback" not in run.out


def test_option_9_watches_until_ctrl_c_then_returns_to_the_menu(cli: Cli) -> None:
    with spawned(cli.workdir, cli.env) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("9\n1\n")
        proc.stdin.flush()
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "Round 1" in line:
                proc.send_signal(signal.SIGINT)
            if "Watch stopped" in line:
                break
        rest, _ = proc.communicate("q\n", timeout=60)
    out = "".join(seen) + rest
    assert proc.returncode == 0, out
    assert "Seconds between syncs [60]: " in out
    assert "Watch stopped after 1 round." in out
    assert "Goodbye" in rest
    assert "Traceback" not in out


def test_ctrl_c_at_the_menu_prompt_says_goodbye_and_claims_nothing(cli: Cli) -> None:
    with spawned(cli.workdir, cli.env) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Q. Quit"):
                break
        out = interrupt(proc)
    assert proc.returncode == 0, out
    assert "Goodbye." in out
    assert "Traceback" not in out and "saved" not in out and "Stopped" not in out
