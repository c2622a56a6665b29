"""Cells that try to rewrite a card: every managed field stays one line, a card has one `Lead ID:` marker."""
from __future__ import annotations

import pytest

from core.models import refresh_description
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
