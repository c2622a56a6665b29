"""What a user sees on the console during and after a run: few lines, each said once, the log complete."""
from __future__ import annotations

import socket
from pathlib import Path

from tests.cli.conftest import Cli, add_leads
from tests.support import clean_env, run_in_process, run_subprocess


def test_a_long_sync_shows_how_many_changes_and_where_they_are_listed_not_a_line_per_card(cli: Cli) -> None:
    add_leads(cli.sandbox, 30)
    run = cli("sync")
    assert run.code == 0, run.out
    assert "create_card" not in run.out
    assert "changes made; each one is listed in" in run.out
    assert "create_card: lead 1030 (Bulk Lead 1030)" in cli.log_text()


def test_a_short_run_lists_each_change_above_the_summary(cli: Cli) -> None:
    run = cli("initial")
    assert run.code == 0, run.out
    created = int(next(line.split()[-1] for line in run.out.splitlines() if line.startswith("Created")))
    assert 0 < created == run.out.count("create_card: lead")
    assert run.out.index("create_card: lead") < run.out.index("Summary")


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
