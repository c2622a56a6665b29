"""What the CLI prints: plain text when piped, a progress bar only on long terminal runs, no secrets."""
from __future__ import annotations

import io
from typing import Iterator, TextIO, cast

import pytest
from rich.console import Console

from cli.output import BarProgress, Printer, RedactingStream
from core.logger import redact
from core.plan import Action, Kind, Mode
from core.results import Failure, SyncResult

BOX_CHARS = set("─│┃━┏┓┗┛┡┩╇╈┼╭╮╰╯")


def plain_printer() -> tuple[Printer, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=cast(TextIO, RedactingStream(buffer)), highlight=False, width=120)
    return Printer(console, console), buffer


def terminal_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100), buffer


@pytest.fixture
def known_secret() -> Iterator[str]:
    secret = "ATTA" + "9" * 40
    redact.add([secret])
    yield secret
    redact.clear()


def action(lead: str = "7", kind: Kind = Kind.MOVE_CARD) -> Action:
    return Action(kind=kind, lead_id=lead, name="Ada Lovelace", card_id="a" * 24, from_value="TODO",
                  to_value="DONE", reason="the sheet changed")


def test_a_piped_summary_is_plain_readable_text(capsys: pytest.CaptureFixture[str]) -> None:
    printer, buffer = plain_printer()
    printer.summary(SyncResult(operation=Mode.FULL, created=3, failed=1, messages=["lead 9: unknown status PENDING"]))
    text = buffer.getvalue()
    assert "\x1b[" not in text and not BOX_CHARS & set(text)
    lines = [line.split() for line in text.splitlines()]
    assert ["Created", "3"] in lines and ["Failed", "1"] in lines and ["Held", "back", "0"] in lines
    assert "Updated in the sheet" in text and "Card updates" in text
    assert "- lead 9: unknown status PENDING" in text


def test_each_failed_action_is_a_sentence_under_the_summary() -> None:
    printer, buffer = plain_printer()
    failure = Failure(lead_id="9", name="Ada Lovelace", kind=Kind.CREATE_CARD, error="Trello kept failing.")
    printer.summary(SyncResult(operation=Mode.FULL, failed=1, failures=[failure]))
    assert "- Could not create a card for Ada Lovelace (lead 9): Trello kept failing." in buffer.getvalue()


def test_the_dry_run_table_shows_lead_name_action_change_and_reason() -> None:
    printer, buffer = plain_printer()
    printer.plan([action()], held=[action("8", Kind.DELETE_ROW)])
    text = buffer.getvalue()
    header = next(line for line in text.splitlines() if line.startswith("Lead"))
    assert header.split() == ["Lead", "Name", "Action", "From", "->", "To", "Reason"]
    assert "TODO -> DONE" in text and "the sheet changed" in text
    assert "delete_row (held back)" in text


def run_bar(console: Console, total: int) -> None:
    bar = BarProgress(console)
    bar.start(total, "Writing cards")
    bar.advance(total)
    bar.stop()


def test_no_progress_bar_for_short_runs_or_piped_output() -> None:
    console, buffer = terminal_console()
    run_bar(console, 5)
    piped = io.StringIO()
    run_bar(Console(file=piped, width=100), 500)
    assert buffer.getvalue() == "" and piped.getvalue() == ""


def test_a_long_run_on_a_terminal_shows_a_progress_bar() -> None:
    console, buffer = terminal_console()
    run_bar(console, 40)
    assert "Writing cards" in buffer.getvalue()
    assert "40/40" in buffer.getvalue()


def test_a_secret_inside_an_error_message_is_masked_on_the_console(known_secret: str) -> None:
    printer, buffer = plain_printer()
    printer.error(f"Trello said: invalid token {known_secret}")
    assert known_secret not in buffer.getvalue()
    assert "***" in buffer.getvalue()


def test_a_wait_without_a_bar_is_one_line_that_names_the_service_as_written() -> None:
    from core.control import LIMIT, Wait

    piped = io.StringIO()
    BarProgress(Console(file=piped, width=100)).waiting(Wait("Trello", LIMIT, 9))
    assert piped.getvalue() == "Waiting for Trello's rate limit (9 s)...\n"
