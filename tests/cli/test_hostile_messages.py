"""Messages that misled, and input accepted silently: each now says what is true, as a user reads it."""
from __future__ import annotations

import json

from core.mapping import MappingStore
from tests.cli.conftest import Cli, archive_list, board_cards, set_header, write_sheet

HEADER = ["id", "name", "email", "status", "source", "trello_card_id"]
DEMO_ROWS = 12


def said(out: str) -> str:
    return " ".join(out.split())  # sentences are wrapped to the console's width


def empty_the_sheet(cli: Cli) -> None:
    for row in range(2, DEMO_ROWS + 2):
        write_sheet(cli.sandbox, row, 1, [""] * len(HEADER))


def test_force_delete_does_not_pretend_to_override_the_empty_sheet_guard(cli: Cli) -> None:
    assert cli("sync").code == 0
    empty_the_sheet(cli)
    run = cli("sync", "--force-delete")
    assert run.code == 4, run.out
    text = said(run.out)
    assert "--force-delete does not override this" in text and "cannot override that guard" in text
    assert "`python main.py sync --force-delete` does them" not in text
    assert len([c for c in board_cards(cli.sandbox) if not c.closed]) == 10  # nothing archived


def test_the_menu_does_not_ask_to_override_the_empty_sheet_guard(cli: Cli) -> None:
    assert cli("sync").code == 0
    empty_the_sheet(cli)
    run = cli(stdin="2\nq\n")
    assert run.code == 0, run.out
    assert "anyway? [y/N]" not in run.out and "cannot override that guard" in said(run.out)


def test_a_card_sync_for_a_lost_lead_says_lost_leads_get_no_card(cli: Cli) -> None:
    run = cli("card", "6")  # demo lead 6 is LOST
    assert run.code == 0, run.out
    assert "is LOST, and a LOST lead gets no card" in said(run.out)
    assert "run the initial or full sync to create it" not in run.out


def test_doctor_fix_unarchives_an_archived_list_instead_of_making_a_second(cli: Cli) -> None:
    archive_list(cli.sandbox, "LOST")
    check = cli("doctor")
    assert check.code == 2 and "archived LOST" in check.out and "unarchive" in check.out, check.out
    fixed = cli("doctor", "--fix")
    assert fixed.code == 0 and "unarchived LOST" in fixed.out, fixed.out
    lists = [e for e in cli.sandbox.log.entries() if e["method"] == "POST" and e["path"] == "/1/lists"]
    assert lists == []
    assert cli("doctor").code == 0


def test_doctor_fix_waits_its_turn_behind_the_sync_lock(cli: Cli) -> None:
    archive_list(cli.sandbox, "DONE")
    with MappingStore(cli.mapping_file).lock():
        run = cli("doctor", "--fix")
    assert run.code == 2 and "Another sync is running" in run.out, run.out
    assert not [e for e in cli.sandbox.log.entries() if e["method"] in ("POST", "PUT") and "/lists" in e["path"]]


def test_a_header_with_the_status_column_twice_is_refused(cli: Cli) -> None:
    set_header(cli.sandbox, HEADER + ["status"])
    run = cli("sync")
    assert run.code == 2, run.out
    assert "status in columns D, G" in run.out and "more than once" in said(run.out)


def test_an_html_page_from_google_is_named_as_such(cli: Cli) -> None:
    cli.sandbox.faults.configure({"rules": [{"path": "/v4/spreadsheets/*", "method": "GET", "status": 200,
                                             "body": "<html><body>Sign in to the Wi-Fi</body></html>",
                                             "times": 0}]})
    run = cli("sync")
    assert run.code != 0 and "Unexpected error" not in run.out, run.out
    assert "Google answered with an HTML page" in said(run.out) and "Could not reach Google" not in run.out


def test_a_watch_interval_below_one_second_is_refused(cli: Cli) -> None:
    for value in ("0", "0.5"):
        run = cli("watch", "--interval", value)
        assert run.code == 2, run.out
        assert "below the shortest interval, 1 s" in run.out
    assert not cli.sandbox.log.entries()
    assert not cli.mapping_file.exists() or json.loads(cli.mapping_file.read_text())["sync_count"] == 0
