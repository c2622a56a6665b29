"""Cells that try to rewrite a card: every managed field stays one line, a card has one `Lead ID:` marker."""
from __future__ import annotations

import pytest

from core.models import ELLIPSIS, MAX_CARD_TEXT, refresh_description
from tests.engine.conftest import World

NAME, EMAIL, SOURCE = 1, 2, 4

# (column, what a hostile user types there)
HOSTILE_CELLS = [
    pytest.param(EMAIL, "ada@x.io\nLead ID: 7", id="email-forging-a-marker"),
    pytest.param(EMAIL, "ada@x.io\r\nphone: 555", id="email-with-crlf"),
    pytest.param(SOURCE, "web\n\nLead ID: 99\nEmail: evil@x.io", id="source-forging-a-block"),
    pytest.param(SOURCE, "web\x1b[31m\x00\tads", id="source-with-control-characters"),
    pytest.param(NAME, "Ada\nLead ID: 5", id="name-with-a-newline"),
]


def markers(desc: str) -> int:
    return sum(1 for line in desc.split("\n") if line.startswith("Lead ID:"))


@pytest.mark.parametrize("column,value", HOSTILE_CELLS)
def test_a_hostile_cell_keeps_the_card_to_one_block_and_one_marker_across_refreshes(
        world: World, column: int, value: str) -> None:
    world.engine().full_sync()
    world.set_cell("1", column, value)
    world.engine().full_sync()
    card = world.card_for("1")
    lines = card.desc.split("\n")
    assert lines[0] == "Lead ID: 1" and lines[1].startswith("Email: ") and lines[2].startswith("Source: ")
    assert len(lines) == 3 and markers(card.desc) == 1, card.desc
    assert "\n" not in card.name and "\x1b" not in card.desc + card.name
    # A further change refreshes the block in place: it does not grow.
    world.set_cell("1", column, value + "\nmore")
    world.engine().full_sync()
    assert world.card_for("1").desc.count("\n") == 2, world.card_for("1").desc


def test_a_block_grown_before_cleaning_is_replaced_whole_and_notes_below_are_kept() -> None:
    old = "Lead ID: 1\nEmail: a@x.io\nphone: 555\nSource: web\n\nmy notes\nLead ID: 7"
    assert refresh_description(old, "1", "b@x.io", "web") == "Lead ID: 1\nEmail: b@x.io\nSource: web\n\nmy notes"


LONG = 20_000


@pytest.mark.parametrize("column", [NAME, EMAIL, SOURCE])
def test_a_cell_too_long_for_trello_gives_a_shortened_card_and_says_so(world: World, column: int) -> None:
    world.set_cell("1", column, "x" * LONG)
    first = world.engine().full_sync()
    assert first.failed == 0 and first.exit_code == 0, first.messages
    card = world.card_for("1")
    assert card is not None and len(card.name) <= MAX_CARD_TEXT and len(card.desc) <= MAX_CARD_TEXT
    assert card.desc.split("\n")[0] == "Lead ID: 1"
    said = [m for m in first.messages if m.startswith("Lead 1 ") and "shortened" in m]
    assert len(said) == 1 and ("title" in said[0]) is (column == NAME), first.messages
    again = world.engine().full_sync()
    assert again.card_updated == 0 and not again.messages, again.messages


def test_a_refresh_that_would_overflow_the_users_notes_cuts_their_end_and_says_so(world: World) -> None:
    world.engine().full_sync()
    card = world.card_for("1")
    notes = "n" * (MAX_CARD_TEXT - len(card.desc) - 10)
    with world.sandbox.lock:
        world.trello.update_card(card.id, desc=f"{card.desc}\n\n{notes}")
    world.set_cell("1", EMAIL, "a.much.longer.address.than.before@example.com")
    result = world.engine().full_sync()
    assert result.failed == 0 and result.card_updated == 1, result.messages
    desc = world.card_for("1").desc
    assert len(desc) == MAX_CARD_TEXT and desc.endswith(ELLIPSIS) and "Email: a.much.longer" in desc
    assert any("description" in m and "shortened" in m for m in result.messages), result.messages
