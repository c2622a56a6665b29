"""The two sides the engine keeps in step, as the engine sees them.

The engine is written against these protocols and never imports a concrete
client: clients/ implements them over gspread and py-trello, the engine tests
implement them in memory, and both pass the same contract tests.
"""
from __future__ import annotations

from typing import Callable, Collection, Optional, Protocol

from core.lease import LeaseStore
from core.models import BoardSnapshot, Card, CellUpdate, Lead, SheetSnapshot


class Sheet(LeaseStore, Protocol):
    """The lead sheet; it also keeps the lease that lets one run at a time write to the pair."""

    def read(self) -> SheetSnapshot:
        """The whole worksheet in one read."""
        ...

    def write_cells(self, updates: list[CellUpdate]) -> None:
        """Write these cells (raw values, never formulas) in one request."""
        ...

    def write_placed(self, place: Callable[[SheetSnapshot], list[CellUpdate]],
                     snapshot: Optional[SheetSnapshot] = None) -> None:
        """Cells `place` puts on a read of the sheet (`snapshot`, or one taken now), in one request;
        after a wait (a 429) the sheet is read again and `place` asked again."""
        ...

    def append_rows(self, rows: list[dict[str, str]]) -> None:
        """Rows after the last one, each a dict of cell values by lower-case column name."""
        ...

    def delete_rows(self, leads: list[Lead]) -> list[str]:
        """Delete the rows that still hold these leads; the ids of those deleted."""
        ...

    def modified_time(self) -> str:
        """A value that changes whenever the sheet changes (for watch mode)."""
        ...


class Board(Protocol):
    """The Trello board."""

    def read(self, wanted: Collection[str] = (), markers: Collection[str] = ()) -> BoardSnapshot:
        """The board's lists and open cards, and the archived ones among the `wanted` card ids or
        carrying a `Lead ID:` marker of the `markers` lead ids."""
        ...

    def get_card(self, card_id: str) -> Optional[Card]:
        """One card, open or archived; None when it does not exist."""
        ...

    def create_card(self, list_name: str, title: str, desc: str) -> Card:
        ...

    def move_card(self, card_id: str, list_name: str) -> None:
        ...

    def update_card(self, card_id: str, title: Optional[str] = None, desc: Optional[str] = None) -> None:
        """Change the title, the description or both (None leaves one as it is)."""
        ...

    def archive_card(self, card_id: str) -> None:
        ...

    def last_activity(self) -> str:
        """A value that changes whenever the board changes (for watch mode)."""
        ...
