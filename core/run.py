"""One run up to its first write: read both sides, plan, and decide whether the run may write.

A plan that a guard stopped, or that has nothing to write, takes no lease. A run
that will write takes the pair's lease, then reads and plans again: another
holder may have written just before.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional

from core.config import Settings
from core.errors import BadLayoutError
from core.lease import PairLease
from core.logger import FILE_ONLY
from core.mapping import MappingState, MappingStore
from core.models import BoardSnapshot, Link, SheetSnapshot, StatusMap
from core.plan import Mode, Plan, PlanOptions
from core.planner import plan
from core.results import Subject, SyncResult
from core.sides import Board, Sheet

log = logging.getLogger("worklead.sync")


@dataclass
class Planned:
    """A plan with the reads it was made from and the links stored when the run started."""

    plan: Plan
    sheet: SheetSnapshot
    board: BoardSnapshot
    state: MappingState

    def result(self, dry_run: bool) -> SyncResult:
        """The run's result before anything is applied: the plan, its reports and what a guard held back."""
        p = self.plan
        result = SyncResult(operation=p.mode, plan=list(p.actions), messages=list(p.messages),
                            conflict_details=list(p.conflicts), dry_run=dry_run, held=list(p.held),
                            unknown_target=p.unknown_target, force_would_do_them=p.guard_overridable,
                            subject=self._subject())
        result.conflicts = len(p.conflicts)
        result.skipped = len(p.duplicate_ids) + len(p.unknown_status) + len(p.not_found) + len(p.disputed)
        if self.state.recovered:
            result.messages.insert(0, self.state.recovered)
        if dry_run:
            for a in p.actions:
                result.add(a.kind.info.count)
        return result

    def _subject(self) -> Optional[Subject]:
        wanted = self.plan.subject
        lead = next((lead for lead in self.sheet.leads if wanted is not None and lead.id.strip() == wanted), None)
        if lead is None:
            return None
        link = self.state.links.get(lead.id.strip())
        card_id = link.card_id if link is not None else lead.card_id.strip()
        return Subject(lead, next((c for c in self.board.cards if c.id == card_id), None) if card_id else None)


class Planning:
    """Reads both sides and plans, for one engine's sheet, board, link store and settings."""

    def __init__(self, settings: Settings, sheet: Sheet, board: Board, mapping: MappingStore) -> None:
        self.settings = settings
        self.sheet = sheet
        self.board = board
        self.mapping = mapping

    def options(self, mode: Mode, target: Optional[str] = None, force_delete: bool = False) -> PlanOptions:
        s = self.settings
        return PlanOptions(mode=mode, target=target, conflict_winner=s.conflict_winner, status_map=s.status_map,
                           max_delete_percent=s.max_delete_percent, force_delete=force_delete)

    def preview(self, options: PlanOptions) -> Planned:
        """The plan from the stored links, without taking the lock or touching the file."""
        sheet, board = self.read(options.mode)
        state = self.mapping.peek_for(self.settings.spreadsheet_id, board.board_id)
        return Planned(plan(sheet, board, state.links, options), sheet, board, state)

    @contextmanager
    def for_writing(self, options: PlanOptions) -> Iterator[tuple[Planned, Optional[PairLease]]]:
        """Under the lock: the plan, and the pair's lease when the plan writes (released on leaving)."""
        with self.mapping.lock():
            sheet, board = self.read(options.mode)
            state = self.mapping.load_for(self.settings.spreadsheet_id, board.board_id)
            state.spreadsheet_id, state.board_id = self.settings.spreadsheet_id, board.board_id
            p = plan(sheet, board, state.links, options)
            if p.guard is not None or not p.actions:  # nothing to write to either side: no lease
                yield Planned(p, sheet, board, state), None
                return
            with PairLease(self.sheet, self.settings.lease_seconds) as lease:
                sheet, board = self.read(options.mode)
                yield Planned(plan(sheet, board, state.links, options), sheet, board, state), lease

    def read(self, mode: Mode) -> tuple[SheetSnapshot, BoardSnapshot]:
        links = self.mapping.peek().links  # first: an unusable mapping file stops the run before any request
        sheet = self.sheet.read()
        # Archived cards are read only for the links and card ids that name them (a long-lived
        # board has thousands); an id not found anywhere is a deleted card.
        wanted = {link.card_id for link in links.values()}
        wanted |= {lead.card_id.strip() for lead in sheet.leads if lead.card_id.strip()}
        # A lead this run would give a new card may already have one, archived (a lost mapping):
        # its marker is looked for in the archive too, so the card is adopted, never duplicated.
        markers = _card_candidates(sheet, links) if mode in (Mode.FULL, Mode.INITIAL) else set()
        board = self.board.read(wanted, markers)
        self._check_lists(board)
        return sheet, board

    def _check_lists(self, board: BoardSnapshot) -> None:
        present = {name.casefold() for name in board.lists}
        missing = [n for n in self.settings.status_map.list_names if n.casefold() not in present]
        if missing:
            raise BadLayoutError(f"The board has no list named {', '.join(missing)}; "
                                 f"run `python main.py doctor --fix` to create the missing lists.")


def log_plan(p: Plan) -> None:
    for a in p.actions:
        log.debug("planned %s: lead %s card %s %s -> %s (%s)", a.kind, a.lead_id, a.card_id, a.from_value,
                  a.to_value, a.reason)
    for message in p.messages:
        log.warning(message, extra=FILE_ONLY)
    for detail in p.conflicts:
        log.warning("Conflict: %s", detail, extra=FILE_ONLY)


def _card_candidates(sheet: SheetSnapshot, links: dict[str, Link]) -> set[str]:
    """Ids of leads with no link and no card id that would get a card (not LOST, not an unknown status)."""
    return {lead.id.strip() for lead in sheet.leads
            if lead.id.strip() and lead.id.strip() not in links and not lead.card_id.strip()
            and StatusMap.effective(lead.status) not in (None, "LOST")}
