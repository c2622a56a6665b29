"""The plan's vocabulary: sync modes, action kinds, the counts a run reports, and the plan itself.

One table, KINDS, says for each kind of action where it writes, which count of the
run's summary it raises, and the words the console uses when it was done or could
not be; the planner, the engine and the command line all read it. The kinds' names
(create_card, move_card...) are what the log file, the preview and the web view show.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Optional

from core.models import CellUpdate, Lead, Link, StatusMap


class Mode(StrEnum):
    """What one run syncs: the menu's options 1 to 6."""

    INITIAL = "initial"
    FULL = "full"
    PUSH = "push"
    PULL = "pull"
    LEAD = "lead"
    CARD = "card"


class Count(StrEnum):
    """The counts a run reports, in the summary's order, named as history.jsonl names them."""

    CREATED = "created"
    MOVED = "moved"
    SHEET_UPDATED = "sheet_updated"
    CARD_UPDATED = "card_updated"
    ARCHIVED = "archived"
    DELETED = "deleted"
    CONFLICTS = "conflicts"
    SKIPPED = "skipped"
    FAILED = "failed"
    HELD_BACK = "held_back"


SUMMARY_LABELS: dict[Count, str] = {
    Count.CREATED: "Created",
    Count.MOVED: "Moved",
    Count.SHEET_UPDATED: "Updated in the sheet",
    Count.CARD_UPDATED: "Card updates",
    Count.ARCHIVED: "Archived",
    Count.DELETED: "Deleted",
    Count.CONFLICTS: "Conflicts",
    Count.SKIPPED: "Skipped",
    Count.FAILED: "Failed",
    Count.HELD_BACK: "Held back",
}


class Side(Enum):
    """Where an action writes: a card on the board, cells of the sheet, or a whole sheet row."""

    BOARD = "board"
    CELLS = "cells"
    ROWS = "rows"


class Cause(Enum):
    """Why a status moves: the console names it in a few words."""

    CHANGED = "changed"  # one side changed since the baseline
    CONFLICT = "conflict"  # both changed differently; CONFLICT_WINNER decided
    COPIED = "copied"  # push or pull: copied one way whatever the baseline
    BLANK = "blank"  # a blank status became NEW


class Kind(StrEnum):
    CREATE_CARD = "create_card"
    MOVE_CARD = "move_card"
    UPDATE_CARD = "update_card"
    ARCHIVE_CARD = "archive_card"
    WRITE_STATUS = "write_status"
    ASSIGN_ID = "assign_id"
    WRITE_CARD_ID = "write_card_id"
    DELETE_ROW = "delete_row"

    @property
    def info(self) -> KindInfo:
        return KINDS[self]


@dataclass(frozen=True)
class KindInfo:
    """What the program knows about one kind of action.

    `done` is the console's sentence for a change made, filled with who (the person), lead ("lead 3"),
    lead_id, before, to, list_name and why (the `why` phrase for the action's cause); `failed` completes
    "Could not ... for <person>".
    """

    side: Side
    count: Count
    done: str
    failed: str
    destructive: bool = False
    why: dict[Cause, str] = field(default_factory=dict)


KINDS: dict[Kind, KindInfo] = {
    Kind.CREATE_CARD: KindInfo(
        Side.BOARD, Count.CREATED, "Created a card for {who} ({lead}) in {list_name}", "create a card"),
    Kind.MOVE_CARD: KindInfo(
        Side.BOARD, Count.MOVED, "Moved {who}'s card ({lead}) from {before} to {to} ({why})", "move the card",
        why={Cause.CHANGED: "the sheet changed", Cause.CONFLICT: "both sides changed; the sheet wins",
             Cause.COPIED: "copied from the sheet"}),
    Kind.UPDATE_CARD: KindInfo(
        Side.BOARD, Count.CARD_UPDATED, "Updated {who}'s card ({lead}): name, e-mail or source changed in the sheet",
        "update the card"),
    Kind.ARCHIVE_CARD: KindInfo(
        Side.BOARD, Count.ARCHIVED, "Archived {who}'s card ({lead}): the row was deleted from the sheet",
        "archive the card", destructive=True),
    Kind.WRITE_STATUS: KindInfo(
        Side.CELLS, Count.SHEET_UPDATED, "Set {who}'s status ({lead}) to {to} ({why})", "set the status",
        why={Cause.CHANGED: "the card moved in Trello", Cause.CONFLICT: "both sides changed; Trello wins",
             Cause.COPIED: "copied from the card", Cause.BLANK: "it was blank"}),
    Kind.ASSIGN_ID: KindInfo(
        Side.CELLS, Count.SHEET_UPDATED, "Gave {who}'s row the id {lead_id} (it had none)", "give the row an id"),
    Kind.WRITE_CARD_ID: KindInfo(
        Side.CELLS, Count.SHEET_UPDATED,
        "Linked {who} ({lead}) to the card found in Trello and wrote its id in the sheet", "write the card id"),
    Kind.DELETE_ROW: KindInfo(
        Side.ROWS, Count.DELETED,
        "Deleted {who}'s row ({lead}): the card was deleted in Trello (the row is kept in the trash file)",
        "delete the row", destructive=True),
}


@dataclass(frozen=True)
class PlanOptions:
    mode: Mode = Mode.FULL
    target: Optional[str] = None  # lead id (mode "lead") or card/lead id (mode "card")
    conflict_winner: str = "trello"
    status_map: StatusMap = field(default_factory=StatusMap)
    max_delete_percent: float = 50.0
    force_delete: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))  # a ValueError for a mode that is not one
        if self.conflict_winner not in ("trello", "sheet"):
            raise ValueError(f"conflict_winner must be 'trello' or 'sheet', not {self.conflict_winner!r}")


@dataclass
class Action:
    """One step of a plan. The dry-run table shows lead, name, kind, from -> to, reason."""

    kind: Kind
    lead_id: str
    name: str
    card_id: Optional[str]
    from_value: Optional[str]
    to_value: Optional[str]
    reason: str
    list_name: Optional[str] = None  # create/move: the target list
    title: Optional[str] = None  # create/update: the card title (update: None = unchanged)
    desc: Optional[str] = None  # create/update: the card description (update: None = unchanged)
    cells: list[CellUpdate] = field(default_factory=list)  # sheet kinds
    lead: Optional[Lead] = None  # the row as read (with an assigned id); None for archive_card
    # create_card: a card the lead was linked to or its row names, not on this board. It is looked
    # up first: deleted (404) -> create; still there (another board) -> no new card.
    check_card: Optional[str] = None
    cause: Cause = Cause.CHANGED  # move_card, write_status: why the status moves

    @property
    def destructive(self) -> bool:
        return KINDS[self.kind].destructive

    @property
    def side(self) -> Side:
        return KINDS[self.kind].side


@dataclass
class Plan:
    mode: Mode
    actions: list[Action] = field(default_factory=list)
    # The link each lead should have once all of its actions succeed (None: drop it).
    # Only leads whose link changes appear; a create's link has card_id "" until done.
    links_after: dict[str, Optional[Link]] = field(default_factory=dict)
    held: list[Action] = field(default_factory=list)  # destructive actions a guard held back
    guard: Optional[str] = None
    guard_overridable: bool = True  # whether --force-delete would let the held-back actions through
    orphans: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unknown_status: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    duplicate_cards: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    unknown_target: Optional[str] = None  # the lead or card a single-item sync names does not exist
    subject: Optional[str] = None  # the lead a single-item sync looked at
    disputed: list[str] = field(default_factory=list)  # rows skipped: their id and card id disagree with the links
    messages: list[str] = field(default_factory=list)

    @property
    def held_count(self) -> int:
        return len(self.held)

    @property
    def card_actions(self) -> list[Action]:
        return self.on(Side.BOARD)

    @property
    def sheet_actions(self) -> list[Action]:
        return self.on(Side.CELLS)

    @property
    def deletions(self) -> list[Action]:
        return self.on(Side.ROWS)

    def on(self, side: Side) -> list[Action]:
        return [a for a in self.actions if a.side is side]

    @property
    def is_empty(self) -> bool:
        """Nothing to write anywhere: no action and no baseline to record."""
        return not self.actions and not self.links_after and not self.held
