"""Text typed into a cell is shown as typed: never read as rich markup, never a terminal sequence."""
from __future__ import annotations

import io
import logging
from typing import TextIO, cast

import pytest
from rich.console import Console

from cli.output import Printer, RedactingStream
from core.logger import RedactingFilter
from core.plan import Action, Kind, Mode
from core.results import StatusReport, SyncResult
from core.text import one_line, shown
from tests.cli.conftest import Cli, delete_cards, write_sheet

# (what a hostile user types into the name cell, what the console must show for it)
HOSTILE_NAMES = [
    pytest.param("Acme [/b] Corp", "Acme [/b] Corp", id="closing-tag"),
    pytest.param("Smith [sic] Ltd", "Smith [sic] Ltd", id="bracketed-word"),
    pytest.param("[link=https://evil.example]Click me[/link]", "[link=https://evil.example]Click me[/link]",
                 id="link-markup"),
    pytest.param("Red \x1b[31mAlert", "Red \\x1b[31mAlert", id="colour-escape"),
    pytest.param("Title \x1b]0;pwned\x07", "Title \\x1b]0;pwned\\x07", id="window-title-escape"),
    pytest.param("Two\nLines", "Two\\nLines", id="newline"),
    pytest.param("Evil \u202eredro", "Evil \\u202eredro", id="bidi-override"),
]
# What must never reach a terminal from a cell: the user's own sequences and a rich hyperlink.
RAW_SEQUENCES = ("\x1b[31m", "\x1b]0;", "\x07", "\x1b]8;", "\u202e")


def printer_on(terminal: bool) -> tuple[Printer, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=cast(TextIO, RedactingStream(buffer)), highlight=False, width=200,
                      force_terminal=terminal)
    return Printer(console, console), buffer


def action(name: str) -> Action:
    return Action(kind=Kind.CREATE_CARD, lead_id="7", name=name, card_id=None, from_value=None, to_value="TODO",
                  reason=f"new lead {name}")


@pytest.mark.parametrize("name,visible", HOSTILE_NAMES)
def test_a_hostile_name_is_shown_verbatim_in_the_plan_status_and_messages(name: str, visible: str) -> None:
    printer, buffer = printer_on(terminal=False)
    printer.plan([action(name)])
    printer.status(StatusReport(links={}, unlinked_leads=[f"7 {name}"], orphan_cards=[], archived_cards=[],
                                pending=[], last_sync=None, sync_count=0, last_conflicts=[],
                                messages=[f"Lead 7 ({name}): create_card failed"]))
    printer.summary(SyncResult(operation=Mode.FULL, messages=[f"Lead 7 ({name}): unknown status"]))
    printer.bullets([f"Lead 7 ({name}): conflict"])
    text = buffer.getvalue()
    assert text.count(visible) == 6, text


@pytest.mark.parametrize("name,visible", HOSTILE_NAMES)
def test_a_hostile_name_sends_no_sequence_to_a_terminal(name: str, visible: str) -> None:
    printer, buffer = printer_on(terminal=True)
    printer.plan([action(name)])
    printer.summary(SyncResult(operation=Mode.FULL, messages=[f"Lead 7 ({name})"]))
    text = buffer.getvalue()
    assert not [s for s in RAW_SEQUENCES if s in text], repr(text)
    assert text.count(visible) == 3, repr(text)  # name, reason, message


@pytest.mark.parametrize("name,visible", HOSTILE_NAMES)
def test_a_hostile_name_in_a_log_line_is_escaped_and_cannot_forge_a_line(name: str, visible: str) -> None:
    record = logging.LogRecord("worklead.sync", logging.INFO, __file__, 1, "create_card: lead %s (%s)",
                               ("7", name), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == f"create_card: lead 7 ({visible})"


def test_our_own_multi_line_messages_keep_their_lines() -> None:
    assert shown("first problem\nsecond problem", keep_newlines=True) == "first problem\nsecond problem"
    assert shown("bell\x07", keep_newlines=True) == "bell\\x07"


def test_control_characters_on_a_card_become_spaces() -> None:
    assert one_line(" a\nb\r\tc\x1b[31m \u202ed ") == "a b  c [31m  d"


def test_dry_run_status_and_the_held_back_question_survive_hostile_names(cli: Cli) -> None:
    names = [str(p.values[0]) for p in HOSTILE_NAMES]
    for row, name in enumerate(names, start=2):
        write_sheet(cli.sandbox, row, 2, [name])
    preview = cli("sync", "--dry-run")
    status = cli("status")
    assert preview.code == 0 and status.code == 0, preview.out + status.out
    words = preview.out.split()  # the table wraps long names at spaces
    for param in HOSTILE_NAMES[:5] + HOSTILE_NAMES[6:]:  # the sixth demo lead is LOST: no card planned
        assert all(word in words for word in str(param.values[1]).split()), preview.out
    assert "Acme [/b] Corp" in status.out
    assert not [s for s in RAW_SEQUENCES if s in preview.out + status.out]
    assert cli("sync").code == 0
    delete_cards(cli.sandbox, len(names))
    menu = cli(stdin="7\n2\nn\nq\n")
    assert menu.code == 0, menu.out
    assert "Held back" in menu.out and "items anyway? [y/N]" in menu.out, menu.out
    assert "Acme [/b] Corp" in menu.out and "MarkupError" not in menu.out
