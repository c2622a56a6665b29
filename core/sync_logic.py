"""SyncEngine: the one entry point for a sync, a preview, the status report and restores.

A run reads both sides once and plans (core/run.py), then applies the plan through
the clients (core/apply.py) and records it (core/journal.py); the planner
(core/planner.py) decides every action.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from core.apply import Executor, Progress
from core.config import Settings
from core.control import RunControl
from core.errors import NotFoundError
from core.journal import RESTORED, Journal, Trash
from core.lease import PairLease
from core.logger import FILE_ONLY
from core.mapping import MappingStore
from core.models import STATUSES, SheetSnapshot, StatusMap
from core.plan import Mode
from core.results import (
    INTERRUPTED,
    ActionListener,
    Failure,
    Outcome,
    RestoreResult,
    StatusCount,
    StatusReport,
    Subject,
    SyncResult,
)
from core.run import Planning, log_plan
from core.sides import Board, Sheet

# The records a run returns are defined in core/results.py; they are importable from here too, beside the engine.
__all__ = ["FILE_ONLY", "INTERRUPTED", "ActionListener", "Failure", "Outcome", "Progress", "RestoreResult",
           "StatusCount", "StatusReport", "Subject", "SyncEngine", "SyncResult"]


class SyncEngine:
    def __init__(self, settings: Settings, sheet: Sheet, board: Board,
                 mapping: Optional[MappingStore] = None, progress: Optional[Progress] = None,
                 control: Optional[RunControl] = None, on_action: Optional[ActionListener] = None) -> None:
        self.settings = settings
        self.sheet = sheet
        self.board = board
        self.mapping = mapping or MappingStore(settings.mapping_file)
        self.progress = progress
        # Shared with the clients' sessions: a stop request ends their waits and the run.
        self.control = control or RunControl()
        # Told of every action as it is carried out or fails, from the thread running the sync.
        self.on_action = on_action

    @property
    def planning(self) -> Planning:
        # Built from the attributes as they are now: a caller may swap the settings or a side between runs.
        return Planning(self.settings, self.sheet, self.board, self.mapping)

    @property
    def journal(self) -> Journal:
        return Journal(self.data_dir)

    @property
    def data_dir(self) -> Path:
        return self.mapping.path.parent

    @property
    def trash(self) -> Trash:
        return self.journal.trash

    # -- operations ----------------------------------------------------------------
    def initial_sync(self) -> SyncResult:
        return self._run(Mode.INITIAL)

    def full_sync(self, dry_run: bool = False, force_delete: bool = False) -> SyncResult:
        return self._run(Mode.FULL, dry_run=dry_run, force_delete=force_delete)

    def push(self) -> SyncResult:
        return self._run(Mode.PUSH)

    def pull(self) -> SyncResult:
        return self._run(Mode.PULL)

    def sync_lead(self, lead_id: str) -> SyncResult:
        return self._run(Mode.LEAD, target=lead_id)

    def sync_card(self, card_or_lead_id: str) -> SyncResult:
        return self._run(Mode.CARD, target=card_or_lead_id)

    def preview(self) -> SyncResult:
        return self.full_sync(dry_run=True)

    def status_report(self) -> StatusReport:
        planning = self.planning
        planned = planning.preview(planning.options(Mode.FULL))
        p, sheet, board, state = planned.plan, planned.sheet, planned.board, planned.state
        linked = set(state.links)
        # A LOST lead gets no card by rule, so it is not waiting for one.
        unlinked = [lead.id for lead in sheet.leads if lead.id.strip() and lead.id.strip() not in linked
                    and StatusMap.canonical(lead.status) != "LOST"]
        linked_cards = {link.card_id for link in state.links.values()}
        archived = [c.id for c in board.cards if c.closed and c.id in linked_cards]
        last = self.journal.last_run()
        return StatusReport(links=dict(state.links), unlinked_leads=unlinked, orphan_cards=list(p.orphans),
                            archived_cards=archived, pending=p.actions + p.held, last_sync=state.last_sync,
                            sync_count=state.sync_count, last_conflicts=list(last.get("conflicts", [])),
                            messages=list(p.messages), per_status=self._per_status(sheet, linked))

    def _per_status(self, sheet: SheetSnapshot, linked: set[str]) -> list[StatusCount]:
        counts: dict[str, list[int]] = {status: [0, 0] for status in STATUSES}
        for lead in sheet.leads:
            if not lead.id.strip() and not lead.name.strip():
                continue
            status = StatusMap.effective(lead.status) or lead.status.strip()
            entry = counts.setdefault(status, [0, 0])
            entry[0] += 1
            entry[1] += lead.id.strip() in linked
        smap = self.settings.status_map
        return [StatusCount(status, smap.list_for(status) if status in STATUSES else None, n, k)
                for status, (n, k) in counts.items()]

    def change_marker(self) -> str:
        """Cheap fingerprint of both sides (2 requests), for watch mode."""
        return f"{self.sheet.modified_time()}|{self.board.last_activity()}"

    # -- one run --------------------------------------------------------------------
    def _run(self, mode: Mode, target: Optional[str] = None, dry_run: bool = False,
             force_delete: bool = False) -> SyncResult:
        planning = self.planning
        options = planning.options(mode, target, force_delete)
        if dry_run:
            return planning.preview(options).result(dry_run=True)
        with planning.for_writing(options) as (planned, lease):
            result = planned.result(dry_run=False)
            log_plan(planned.plan)
            if planned.plan.guard is None:  # a tripped guard writes nothing at all, the mapping included
                Executor(planned.plan, planned.state, result, planned.sheet, sheet=self.sheet, board=self.board,
                         mapping=self.mapping, trash=self.trash, control=self.control, lease=lease,
                         progress=self.progress, on_action=self.on_action).run()
            problem = self.journal.record(result.history_entry())
            if problem:
                result.messages.append(problem)
            return result

    def restore(self, lead_ids: list[str]) -> RestoreResult:
        """Put trashed rows back at the end of the sheet, every column as it was."""
        available = {row.lead_id: row for row in self.trash.restorable()}
        unknown = [lead_id for lead_id in lead_ids if lead_id not in available]
        if unknown:
            raise NotFoundError(f"No row with id {', '.join(unknown)} is in the trash; nothing was restored. "
                                f"`python main.py restore` lists the rows that can be restored.")
        # A restore writes to the sheet like a sync does: one writer per pair, so it holds the lease too,
        # and reads the sheet only once it holds it.
        with self.mapping.lock(), PairLease(self.sheet, self.settings.lease_seconds):
            sheet = self.sheet.read()
            present = {lead.id.strip() for lead in sheet.leads}
            result = RestoreResult(in_sheet=[i for i in lead_ids if i in present])
            wanted = [available[i] for i in dict.fromkeys(lead_ids) if i not in present]
            columns = {h.strip().lower() for h in sheet.header}
            self.sheet.append_rows([row.by_column for row in wanted])
            for row in wanted:
                self.trash.note(row.lead_id, RESTORED)
                result.restored.append(row)
                dropped = [h for h in row.header if h.strip() and h.strip().lower() not in columns]
                if dropped:
                    result.dropped_columns[row.lead_id] = dropped
        return result
