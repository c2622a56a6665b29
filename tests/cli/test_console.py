"""What a user sees on the console during and after a run: few lines, each said once, the log complete."""
from __future__ import annotations

import re
import socket
from pathlib import Path

from tests.cli.conftest import Cli, add_leads
from tests.support import clean_env, run_in_process, run_subprocess

CHANGE_ROWS = ("Created", "Moved", "Updated in the sheet", "Card updates", "Archived", "Deleted")


def summary_row(out: str, label: str) -> int:
    match = re.search(rf"^\s*{re.escape(label)}\s+(\d+)\s*$", out, re.M)
    assert match, f"no {label} row in:\n{out}"
    return int(match.group(1))


def change_total(out: str) -> int:
    match = re.search(r"^(\d+) changes? made\.$", out, re.M)
    assert match, f"no total line in:\n{out}"
    return int(match.group(1))


def test_a_long_sync_shows_twenty_changes_then_how_many_more_and_where_all_are_listed(cli: Cli) -> None:
    add_leads(cli.sandbox, 30)
    run = cli("sync")
    assert run.code == 0, run.out
    assert "create_card" not in run.out
    lines = [line for line in run.out.splitlines() if line.startswith("Created a card for")]
    assert len(lines) == 20, run.out
    total = change_total(run.out)
    assert f"... and {total - 20} more; every change is listed in" in run.out
    assert total == sum(summary_row(run.out, label) for label in CHANGE_ROWS)
    assert "create_card: lead 1030 (Bulk Lead 1030)" in cli.log_text()


def test_a_short_run_lists_each_change_in_plain_words_in_lead_order_above_the_summary(cli: Cli) -> None:
    run = cli("initial")
    assert run.code == 0, run.out
    lines = [line for line in run.out.splitlines() if line.startswith("Created a card for")]
    assert 0 < len(lines) == summary_row(run.out, "Created") == change_total(run.out)
    assert lines[0] == "Created a card for Maria Schneider (lead 1) in TODO"
    assert "Created a card for James Okafor (lead 2) in IN_PROGRESS" in lines
    ids = [int(re.search(r"\(lead (\d+)\)", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert ids == sorted(ids)
    assert run.out.index("Created a card for") < run.out.index("Summary")


def test_an_unknown_lead_id_is_said_once(cli: Cli) -> None:
    run = cli("lead", "999")
    assert run.out.count("No lead with id 999") == 1, run.out


def test_a_blank_lead_id_is_a_usage_error(cli: Cli) -> None:
    run = cli("lead", "  ")
    assert run.code == 2, run.out
    assert "No id given" in run.out and "LEAD_ID" in run.out


def test_a_watch_interval_that_is_not_a_number_says_so_plainly(cli: Cli) -> None:
    for value in ("soon", "nan", "-1"):
        run = cli("watch", "--interval", value)
        assert run.code == 2, run.out
        assert f"'{value}' is not a number of seconds" in run.out
        assert "_seconds" not in run.out


def test_each_subcommand_help_says_what_it_does(cli: Cli) -> None:
    run = cli("lead", "--help")
    assert run.code == 0
    assert "Copy one lead's status to its card" in run.out and "LEAD_ID" in run.out
    assert "exit codes" in cli("--help").out


def test_the_sandbox_on_a_busy_port_is_one_sentence_with_exit_2(workdir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = run_subprocess(["sandbox", "--port", str(port)], workdir, clean_env(), timeout=60)
    assert run.code == 2, run.out
    assert f"port {port}" in run.out and "Traceback" not in run.out


def test_a_misspelt_name_in_env_is_pointed_out_with_the_right_one(cli: Cli) -> None:
    env = {k: v for k, v in cli.env.items() if k != "TRELLO_TOKEN"}
    (cli.workdir / ".env").write_text(f"TRELO_TOKEN={cli.env['TRELLO_TOKEN']}\n")
    run = run_in_process(["sync"], cli.workdir, env)
    assert run.code == 2, run.out
    assert ".env has TRELO_TOKEN: did you mean TRELLO_TOKEN?" in run.out
    assert cli.env["TRELLO_TOKEN"] not in run.out
