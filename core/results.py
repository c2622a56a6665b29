"""What the engine hands back: a run's result and counts, its failures, the status report, restores.

Plain records; the command line and the web view turn them into words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from core.journal import TrashedRow
from core.mapping import now_iso
from core.models import Card, Lead, Link
from core.plan import Action, Count, Kind, Mode

# The exit code of a run stopped with Ctrl-C (the shell's 128 + SIGINT).
INTERRUPTED = 130


@dataclass
class SyncResult:
    operation: Mode
    created: int = 0
    moved: int = 0
    sheet_updated: int = 0
    card_updated: int = 0
    archived: int = 0
    deleted: int = 0
    conflicts: int = 0
    skipped: int = 0
    failed: int = 0
    plan: list[Action] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    conflict_details: list[str] = field(default_factory=list)
    dry_run: bool = False
    held: list[Action] = field(default_factory=list)  # destructive actions a guard held back
    force_would_do_them: bool = True  # False when the guard that held them ignores --force-delete
    unknown_target: Optional[str] = None  # a single-item sync named a lead or card that does not exist
    interrupted: bool = False  # stopped (Ctrl-C) before the plan was carried out whole
    subject: Optional["Subject"] = None  # a single-item sync: the lead and card it looked at

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return INTERRUPTED
        if self.failed:
            return 1
        if self.unknown_target is not None:
            return 2  # a usage error: the id given on the command line names nothing
        return 4 if self.held else 0

    @property
    def held_count(self) -> int:
        return len(self.held)

    def count(self, count: Count) -> int:
        return self.held_count if count is Count.HELD_BACK else int(getattr(self, count))

    def add(self, count: Count, n: int = 1) -> None:
        """One more (or n more) of a count; the held-back count is the length of `held`."""
        setattr(self, count, self.count(count) + n)

    def as_counts(self) -> dict[str, int]:
        """Every count by its name: the summary's rows and history.jsonl's `counts`."""
        return {str(count): self.count(count) for count in Count}

    def history_entry(self) -> dict[str, Any]:
        """This run's line in history.jsonl."""
        return {"time": now_iso(), "operation": self.operation, "counts": self.as_counts(),
                "conflicts": self.conflict_details, "exit_code": self.exit_code, "interrupted": self.interrupted}


@dataclass(frozen=True)
class Failure:
    """An action that could not be carried out: for which lead, what, and why (one sentence)."""

    lead_id: str
    name: str
    kind: Kind
    error: str


@dataclass(frozen=True)
class Subject:
    """The lead (and its card, if any) that a single-lead or single-card sync looked at."""

    lead: Lead
    card: Optional[Card]


@dataclass(frozen=True)
class StatusCount:
    """One line of the status report's overview: a status, its list, its leads and how many are linked."""

    status: str
    list_name: Optional[str]  # None: a status outside the map (reported, left alone)
    leads: int
    linked: int


@dataclass
class StatusReport:
    links: dict[str, Link]
    unlinked_leads: list[str]
    orphan_cards: list[str]
    archived_cards: list[str]
    pending: list[Action]
    last_sync: Optional[str]
    sync_count: int
    last_conflicts: list[str]
    messages: list[str] = field(default_factory=list)
    per_status: list[StatusCount] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """An action the engine carried out (error None), or tried and could not (error: why, one sentence)."""

    action: Action
    error: Optional[str] = None
    card_id: Optional[str] = None  # a created card's id

    @property
    def ok(self) -> bool:
        return self.error is None


ActionListener = Callable[[Outcome], None]


@dataclass
class RestoreResult:
    restored: list[TrashedRow] = field(default_factory=list)
    in_sheet: list[str] = field(default_factory=list)  # asked for, but a row with that id is in the sheet
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)  # columns the header no longer has

    @property
    def exit_code(self) -> int:
        return 1 if self.in_sheet else 0
