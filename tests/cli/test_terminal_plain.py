"""The terminal issue's plain command-line behaviour: the log's run lines, --version, --help, flags after
the command, the preview's and status's 20 rows, leads per list, and what counts as a sync."""
from __future__ import annotations

import json
import re

from tests.cli.conftest import Cli, add_leads, board_cards, trello, write_sheet


def test_version_and_help_say_what_exit_code_1_means(cli: Cli) -> None:
    version = cli("--version")
    assert version.code == 0 and re.fullmatch(r"WorkLead \d+\.\d+\.\d+\n", version.out), version.out
    helped = cli("--help")
    assert "1    some items failed, or an unexpected error" in helped.out


def test_the_sandbox_flag_works_after_the_command_too(cli: Cli) -> None:
    run = cli("status", "--sandbox")
    assert run.code == 0, run.out
    assert "Using the local sandbox" in run.out


def test_each_run_has_a_start_and_an_end_line_in_the_log_with_counts_and_exit_code(cli: Cli) -> None:
    assert cli("sync").code == 0
    log = cli.log_text()
    assert re.search(r"INFO +worklead\.cli: Run started: sync", log), log[-2000:]
    end = re.search(r"Run ended: sync \(spreadsheet \S+, board \S+\); created (\d+),.*; [\d.]+ s; exit code 0", log)
    assert end and int(end.group(1)) > 0, log[-2000:]
    assert "Starting new HTTP connection" not in log  # library lines only with --verbose


def test_preview_shows_twenty_rows_then_how_many_more_and_all_with_all(cli: Cli) -> None:
    add_leads(cli.sandbox, 30)
    preview = cli("sync", "--dry-run")
    rows = [line for line in preview.out.splitlines() if re.match(r"\s*\d+\s+\S.*create_card", line)]
    assert len(rows) == 20, preview.out
    more = re.search(r"and (\d+) more \(see `python main.py sync --dry-run --all`\)", preview.out)
    assert more and int(more.group(1)) == 20, preview.out  # 10 demo cards + 30 new leads = 40
    everything = cli("sync", "--dry-run", "--all")
    assert len([line for line in everything.out.splitlines() if "create_card" in line]) == 40


def test_status_shows_leads_per_list_with_linked_counts(cli: Cli) -> None:
    assert cli("sync").code == 0
    run = cli("status")
    assert "Leads per list" in run.out
    rows = {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4)))
            for m in re.finditer(r"^(NEW|CONTACTED|QUALIFIED|LOST)\s+(\S+)\s+(\d+)\s+(\d+)", run.out, re.M)}
    assert rows["NEW"] == ("TODO", 4, 4) and rows["LOST"] == ("LOST", 2, 0), run.out


def test_a_lookup_that_found_nothing_does_not_count_as_a_sync(cli: Cli) -> None:
    assert cli("sync").code == 0
    count = json.loads(cli.mapping_file.read_text())["sync_count"]
    assert cli("lead", "999").code == 2
    assert json.loads(cli.mapping_file.read_text())["sync_count"] == count
    assert cli("lead", "1").code == 0
    assert json.loads(cli.mapping_file.read_text())["sync_count"] == count + 1



def move_card_of(cli: Cli, lead_id: str, list_name: str) -> None:
    """Drag a lead's card to another list, as a user would in Trello."""
    with cli.sandbox.lock:
        model = trello(cli.sandbox).backend
        card = next(c for c in model.cards_of_board(cli.sandbox.creds.board_id, "all")
                    if c.desc.startswith(f"Lead ID: {lead_id}\n"))
        model.move_card(card.id, model.list_named(list_name, cli.sandbox.creds.board_id).id)


def test_piped_output_is_never_padded_and_no_word_is_split_at_120_or_60_columns(cli: Cli) -> None:
    assert cli("sync").code == 0
    write_sheet(cli.sandbox, 2, 4, ["QUALIFIED"])  # lead 1 in the sheet ...
    move_card_of(cli, "1", "IN_PROGRESS")  # ... and its card in Trello: a conflict, CONFLICT_WINNER named
    add_leads(cli.sandbox, 3)
    commands = [("status",), ("sync", "--dry-run"), ("doctor",), ("--help",)]
    # As wide as nothing ever wraps: every word whole, the vocabulary the narrower runs must keep to.
    words = {command: set(cli(*command, COLUMNS="1000").out.split()) for command in commands}
    assert "(CONFLICT_WINNER=trello)" in words[("sync", "--dry-run")]
    for columns in ("120", "60"):
        for command in commands:
            out = cli(*command, COLUMNS=columns).out
            padded = [line for line in out.splitlines() if line != line.rstrip()]
            assert not padded, (columns, command, padded)
            split = set(out.split()) - words[command]
            assert not split, (columns, command, split, out)
    cli.mapping_file.write_text("{ damaged")  # a logged warning, on the console as the sentence alone
    synced = cli("sync", COLUMNS="60")
    assert re.search(r"^The mapping file \S+ could not be read", synced.out, re.M), synced.out
    assert not re.search(r"^(WARNING|INFO|ERROR)\b", synced.out, re.M | re.I), synced.out
    assert synced.code == 0 and not [line for line in synced.out.splitlines() if line != line.rstrip()]
    # Piped, a long line stays one line (grep finds it whole), wider than the 60 columns.
    conflict = re.search(r"^- conflict: Lead 1 \(Maria Schneider\): .* the sheet gets CONTACTED\.$", synced.out, re.M)
    assert conflict and len(conflict.group(0)) > 60, synced.out


def test_options_5_and_6_on_an_archived_card_name_it_say_it_is_not_synced_and_keep_the_link(cli: Cli) -> None:
    assert cli("sync").code == 0
    card = next(c for c in board_cards(cli.sandbox) if c.name == "Follow-up: Maria Schneider")
    with cli.sandbox.lock:
        trello(cli.sandbox).backend.update_card(card.id, closed=True)
    write_sheet(cli.sandbox, 2, 4, ["QUALIFIED"])  # the sheet moves on while the card is archived
    links = json.loads(cli.mapping_file.read_text())["links"]
    said = ('Lead 1 (Maria Schneider): QUALIFIED in the sheet; its card "Follow-up: Maria Schneider" (in TODO) '
            'is archived, so its status is not synced; the link is kept.')
    runs = [cli("card", card.id), cli("card", card.short_link), cli("lead", "1"),
            cli(stdin=f"6\n{card.id}\n5\n1\nq\n")]
    for run in runs:
        assert run.code == 0, run.out  # reported, not a failure
        assert "no card" not in run.out.lower() and "already in step" not in run.out, run.out
    assert all(run.out.count(said) == 1 for run in runs[:3]) and runs[3].out.count(said) == 2
    assert json.loads(cli.mapping_file.read_text())["links"] == links
    archived = next(c for c in board_cards(cli.sandbox) if c.id == card.id)
    assert archived.closed and archived.id_list == card.id_list  # not moved, not unarchived
