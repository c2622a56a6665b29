"""SyncEngine: read both sides once, plan, guard, apply through the clients, record.

The planner decides; this module only executes a plan: card writes in a small
thread pool, every sheet cell write in one batch, row deletions last (each row
copied to data/trash.jsonl first), and a link's baseline recorded only when
the actions behind it succeeded.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterator, Optional, Protocol

from core.config import Settings
from core.control import RunControl, StopRequested
from core.errors import AmbiguousWriteError, BadLayoutError, NotFoundError, WorkLeadError
from core.lease import LeaseHeldError, PairLease
from core.mapping import MappingState, MappingStore, now_iso
from core.models import STATUSES, BoardSnapshot, Card, CellUpdate, Lead, Link, SheetSnapshot, StatusMap
from core.plan import Action, Count, Kind, Mode, Plan, PlanOptions
from core.planner import plan
from core.sides import Board, Sheet
from core.trash import RESTORED, Trash, TrashedRow

log = logging.getLogger("worklead.sync")
# Per-action and per-lead lines are for the log file: every caller shows the result itself.
FILE_ONLY = {"file_only": True}
INTERRUPTED = 130

CARD_WORKERS = 6
# Save the mapping after this many created cards, so a killed run loses little.
SAVE_EVERY = 25


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


class Progress(Protocol):
    def start(self, total: int, description: str) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def stop(self) -> None: ...


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
    def data_dir(self) -> Path:
        return self.mapping.path.parent

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
        sheet, board = self._read_sides(Mode.FULL)
        state = self._peek_state(board)
        p = plan(sheet, board, state.links, self._options(Mode.FULL))
        linked = set(state.links)
        # A LOST lead gets no card by rule, so it is not waiting for one.
        unlinked = [lead.id for lead in sheet.leads if lead.id.strip() and lead.id.strip() not in linked
                    and StatusMap.canonical(lead.status) != "LOST"]
        linked_cards = {link.card_id for link in state.links.values()}
        archived = [c.id for c in board.cards if c.closed and c.id in linked_cards]
        last = self._last_history()
        return StatusReport(links=dict(state.links), unlinked_leads=unlinked, orphan_cards=list(p.orphans),
                            archived_cards=archived, pending=p.actions + p.held, last_sync=state.last_sync,
                            sync_count=state.sync_count, last_conflicts=list(last.get("conflicts", [])),
                            messages=list(p.messages), per_status=self._per_status(sheet, linked))

    def _per_status(self, sheet: SheetSnapshot, linked: set[str]) -> list[StatusCount]:
        counts: dict[str, list[int]] = {status: [0, 0] for status in STATUSES}
        for lead in sheet.leads:
            if not lead.id.strip() and not lead.name.strip():
                continue
            status = StatusMap.canonical(lead.status) or (lead.status.strip() or "NEW")
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
        if dry_run:
            return self._plan_only(mode, target, force_delete)
        options = self._options(mode, target, force_delete)
        with self.mapping.lock():
            sheet, board = self._read_sides(mode)
            state = self.mapping.load_for(self.settings.spreadsheet_id, board.board_id)
            state.spreadsheet_id, state.board_id = self.settings.spreadsheet_id, board.board_id
            p = plan(sheet, board, state.links, options)
            if p.guard is not None or not p.actions:  # nothing to write to either side: no lease
                return self._apply(p, state, sheet, board, None)
            lease = PairLease(self.sheet, self.settings.lease_seconds)
            lease.acquire()
            try:
                # Another holder may have written just before this run took the lease: plan again.
                sheet, board = self._read_sides(mode)
                return self._apply(plan(sheet, board, state.links, options), state, sheet, board, lease)
            finally:
                lease.release()

    def _apply(self, p: Plan, state: MappingState, sheet: SheetSnapshot, board: BoardSnapshot,
               lease: Optional[PairLease]) -> SyncResult:
        result = _result_from_plan(p.mode, p, dry_run=False)
        result.subject = _subject(p, sheet, board, state.links)
        if state.recovered:
            result.messages.insert(0, state.recovered)
        _log_plan(p)
        if p.guard is None:  # a tripped guard writes nothing at all, the mapping included
            _Apply(self, p, state, result, sheet, lease).run()
        self._record_history(result)
        return result

    def _plan_only(self, mode: Mode, target: Optional[str], force_delete: bool) -> SyncResult:
        sheet, board = self._read_sides(mode)
        state = self._peek_state(board)
        p = plan(sheet, board, state.links, self._options(mode, target, force_delete))
        result = _result_from_plan(mode, p, dry_run=True)
        result.subject = _subject(p, sheet, board, state.links)
        if state.recovered:
            result.messages.insert(0, state.recovered)
        _planned_counts(result, p)
        return result

    def _peek_state(self, board: BoardSnapshot) -> MappingState:
        """The stored links without touching the file (dry runs and reports)."""
        return self.mapping.peek_for(self.settings.spreadsheet_id, board.board_id)

    def _read_sides(self, mode: Mode) -> tuple[SheetSnapshot, BoardSnapshot]:
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

    def _options(self, mode: Mode, target: Optional[str] = None, force_delete: bool = False) -> PlanOptions:
        s = self.settings
        return PlanOptions(mode=mode, target=target, conflict_winner=s.conflict_winner, status_map=s.status_map,
                           max_delete_percent=s.max_delete_percent, force_delete=force_delete)

    # -- records --------------------------------------------------------------------
    def _record_history(self, result: SyncResult) -> None:
        entry = {"time": now_iso(), "operation": result.operation, "counts": result.as_counts(),
                 "conflicts": result.conflict_details, "exit_code": result.exit_code,
                 "interrupted": result.interrupted}
        path = self.data_dir / "history.jsonl"
        try:
            _append_jsonl(path, entry)
        except OSError as exc:
            # The run itself is done and its links saved; only its history line is missing.
            message = f"This run was not added to {path} ({exc.strerror or exc}); the sync itself is complete."
            log.warning(message)
            result.messages.append(message)

    def _last_history(self) -> dict[str, Any]:
        """The last readable line of history.jsonl; a damaged file (bad bytes, cut JSON) is read around."""
        path = self.data_dir / "history.jsonl"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return {}
        for line in reversed(text.splitlines()):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                return entry
        return {}

    @property
    def trash(self) -> Trash:
        return Trash(self.data_dir / "trash.jsonl")

    def restore(self, lead_ids: list[str]) -> RestoreResult:
        """Put trashed rows back at the end of the sheet, every column as it was."""
        available = {row.lead_id: row for row in self.trash.restorable()}
        unknown = [lead_id for lead_id in lead_ids if lead_id not in available]
        if unknown:
            raise NotFoundError(f"No row with id {', '.join(unknown)} is in the trash; nothing was restored. "
                                f"`python main.py restore` lists the rows that can be restored.")
        with self.mapping.lock():
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




@contextmanager
def _interrupt_at_safe_points(control: RunControl) -> Iterator[threading.Event]:
    """Ctrl-C is taken at points the caller checks, instead of raising wherever the main thread is.

    A KeyboardInterrupt raised inside a logging call can leave that handler's lock held; the card-writing
    threads then block on it forever and the run never ends. The first Ctrl-C asks the run to stop (every
    wait ends, no new request starts); a second one sets the event, and the caller stops at once.
    """
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def on_interrupt(signum: int, frame: Optional[FrameType]) -> None:
        if control.stopping:
            interrupted.set()
        else:
            control.request_stop()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


class _Apply:
    """Executes one plan and records which links may move to their new baseline."""

    def __init__(self, engine: SyncEngine, p: Plan, state: MappingState, result: SyncResult,
                 snapshot: SheetSnapshot, lease: Optional[PairLease]) -> None:
        self.engine = engine
        self.lease = lease
        self.plan = p
        self.state = state
        self.result = result
        self.snapshot = snapshot  # the read the plan was made from
        self.read_is_fresh = True  # no sheet write since that read
        self.wrote_cards = False  # card writes take time: rows may have moved since the read
        self.failed_leads: set[str] = set()
        self.created: dict[str, str] = {}  # lead id -> new card id

    def run(self) -> None:
        try:
            for step in (self._look_up_missing_cards, self._assign_ids, self._card_writes,
                         self._sheet_writes, self._deletions):
                self._keep_lease()
                step()
                self.engine.control.check()  # a stop asked for during a step ends the run here
        except LeaseHeldError:
            # The lease expired and another run took the pair: stop writing, keep what was done.
            self.engine.mapping.save(self.state)
            raise
        except KeyboardInterrupt:
            # A second Ctrl-C, wherever it lands: the cards made so far stay linked, and the file whole.
            self.engine.mapping.save(self.state)
            raise
        except StopRequested:
            self.result.interrupted = True
        if self.result.interrupted:
            # Stopped at any step: the cards made are linked; what is left waits for the next run.
            self.engine.mapping.save(self.state)
            return
        self._record_links()
        self.state.last_sync = now_iso()
        if self.result.unknown_target is None:  # a lookup that found nothing is not a sync
            self.state.sync_count += 1
        self.engine.mapping.save(self.state)

    def _report(self, a: Action, error: Optional[str] = None, card_id: Optional[str] = None) -> None:
        if error is None:
            log.info("%s: lead %s (%s) %s -> %s: %s", a.kind, a.lead_id, a.name, a.from_value or "-",
                     a.to_value or "-", a.reason, extra=FILE_ONLY)
        listener = self.engine.on_action
        if listener is not None:
            listener(Outcome(a, error, card_id))

    # -- Trello ---------------------------------------------------------------------
    def _look_up_missing_cards(self) -> None:
        """A card missing from the board may have moved to another board: only a 404 proves it deleted.

        A row goes (or a new card is made) only for a card Trello says is gone; for a card that
        still exists the row stays, the link is dropped and no second card is made.
        """
        board = self.engine.board
        for a in [a for a in self.plan.actions if a.kind == Kind.DELETE_ROW or a.check_card]:
            card_id = a.check_card or a.card_id or ""
            try:
                card = board.get_card(card_id)
            except WorkLeadError as err:
                self._drop_action(a)
                self._failed(a, err)
                continue
            if card is None:
                continue
            self._drop_action(a)
            self.plan.links_after[a.lead_id] = None
            self.result.skipped += 1
            where = "on another board" if card.board_id and card.board_id != self._board_id() else "in Trello"
            self.result.messages.append(
                f"Lead {a.lead_id} ({a.name}): its card {card_id} is not on this board but still exists {where}; "
                f"the row is kept, the link is dropped and no new card is made (clear its trello_card_id "
                f"to get a card on this board).")

    def _drop_action(self, a: Action) -> None:
        self.plan.actions = [x for x in self.plan.actions if x is not a]
        self.result.plan = [x for x in self.result.plan if x is not a]

    def _board_id(self) -> str:
        return self.state.board_id or ""

    def _card_writes(self) -> None:
        # A lead whose new id could not be written gets no card: its marker would name an id no row holds.
        actions = [a for a in self.plan.card_actions if a.lead_id not in self.failed_leads]
        if not actions:
            return
        self.wrote_cards = True
        progress = self.engine.progress
        if progress:
            progress.start(len(actions), "Updating Trello")
        pool = ThreadPoolExecutor(max_workers=CARD_WORKERS)
        futures: dict[Future[Optional[str]], Action] = {}
        handled: set[Future[Optional[str]]] = set()
        try:
            with _interrupt_at_safe_points(self.engine.control) as interrupted:
                futures = {pool.submit(self._card_write, a): a for a in actions}
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in done:
                        handled.add(future)
                        self._card_done(futures[future], future)
                        if progress:
                            progress.advance()
                    if interrupted.is_set():
                        raise KeyboardInterrupt
                    self._keep_lease()
        except (KeyboardInterrupt, LeaseHeldError):
            # A second Ctrl-C, or the lease lost: writes not yet started are dropped, those in flight end
            # within their request (every wait ends at the stop request), and the cards they made are linked.
            self.engine.control.request_stop()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, a in futures.items():
                if future not in handled and future.done() and not future.cancelled():
                    self._card_done(a, future)
            raise
        finally:
            pool.shutdown(wait=True)
            if progress:
                progress.stop()
        if self.engine.control.stopping:
            raise StopRequested

    def _keep_lease(self) -> None:
        if self.lease is not None:
            self.lease.keep()

    def _card_write(self, a: Action) -> Optional[str]:
        board = self.engine.board
        if a.kind == Kind.CREATE_CARD:
            return board.create_card(a.list_name or "", a.title or "", a.desc or "").id
        if a.kind == Kind.MOVE_CARD:
            board.move_card(a.card_id or "", a.list_name or "")
        elif a.kind == Kind.UPDATE_CARD:
            board.update_card(a.card_id or "", title=a.title, desc=a.desc)
        elif a.kind == Kind.ARCHIVE_CARD:
            board.archive_card(a.card_id or "")
        return None

    def _card_done(self, a: Action, future: "Future[Optional[str]]") -> None:
        err = future.exception()
        if isinstance(err, StopRequested):
            self.failed_leads.add(a.lead_id)  # not done, not failed: the next run does it
            return
        if err is not None:
            self._failed(a, err)
            return
        card_id = (future.result() or "") if a.kind == Kind.CREATE_CARD else None
        if card_id is not None:
            self._created(a, card_id)
        self.result.add(a.kind.info.count)
        self._report(a, card_id=card_id)

    def _created(self, a: Action, card_id: str) -> None:
        # The card exists now: link it at once, whatever else fails, so no re-run duplicates it.
        self.created[a.lead_id] = card_id
        planned = self.plan.links_after.get(a.lead_id)
        self.state.links[a.lead_id] = Link(card_id, planned.status if planned else None,
                                           planned.fields if planned else None, now_iso())
        if len(self.created) % SAVE_EVERY == 0:
            self.engine.mapping.save(self.state)

    def _failed(self, a: Action, err: BaseException) -> None:
        if not isinstance(err, Exception):
            raise err
        self.result.failed += 1
        self.failed_leads.add(a.lead_id)
        if isinstance(err, WorkLeadError):
            note = " It may have been created; the next run adopts it by its Lead ID marker." \
                if isinstance(err, AmbiguousWriteError) else ""
            reason = f"{err}{note}"
        else:
            # One item's unexpected error must not abort the run (the other workers' results would go
            # unrecorded); its text may carry a URL or a secret, so only the log file gets the details.
            log.debug("%s for lead %s failed unexpectedly", a.kind, a.lead_id, exc_info=err)
            reason = f"unexpected {type(err).__name__} (details in the log file)"
        log.error("Lead %s (%s): %s failed: %s", a.lead_id, a.name, a.kind, reason, extra=FILE_ONLY)
        self.result.failures.append(Failure(a.lead_id, a.name, a.kind, reason))
        self._report(a, error=reason)

    # -- the sheet --------------------------------------------------------------------
    def _assign_ids(self) -> None:
        """Ids for rows that had none reach the sheet before any card's marker names them.

        Otherwise a failed sheet write would leave a card for an id no row holds: the
        next run would give the row another id and archive that card.
        """
        actions = [a for a in self.plan.sheet_actions if a.kind == Kind.ASSIGN_ID]
        if actions:
            self._write_sheet(actions, [])

    def _sheet_writes(self) -> None:
        actions = [a for a in self.plan.sheet_actions if a.kind != Kind.ASSIGN_ID]
        created = [a for a in self.plan.card_actions
                   if a.kind == Kind.CREATE_CARD and a.lead_id in self.created and a.lead is not None]
        if actions or created:
            self._write_sheet(actions, created)

    def _write_sheet(self, actions: list[Action], created: list[Action]) -> None:
        """Every cell placed by lead id on a read taken after the last wait (card writes, a 429)."""
        unplaced: list[tuple[Action, str]] = []

        def place(snapshot: SheetSnapshot) -> list[CellUpdate]:
            unplaced.clear()
            rows = _rows_by_id(snapshot)
            blank = _blank_id_rows(actions, snapshot)
            cells: list[CellUpdate] = []
            for a in actions + created:
                row, why = (blank.get(id(a)), "its row changed or moved during the run") if a.kind == Kind.ASSIGN_ID \
                    else _row_for(a, rows)
                if row is None:
                    unplaced.append((a, why))
                elif a.kind == Kind.CREATE_CARD:
                    cells.append(CellUpdate(row.row, "trello_card_id", self.created[a.lead_id]))
                else:
                    cells += [dataclasses.replace(c, row=row.row) for c in a.cells]
            return cells

        try:
            self.engine.sheet.write_placed(place, self._fresh_read())
        except WorkLeadError as err:
            for a in actions:
                self._failed(a, err)
            if created and not actions:
                self.result.failed += 1
                self.result.messages.append(f"Writing new card ids to the sheet failed: {err}")
            return
        self.read_is_fresh = False
        for a, why in unplaced:
            self._not_written(a, why)
        skipped = {id(a) for a, _ in unplaced}
        done = [a for a in actions if id(a) not in skipped]
        for a in done:
            self._report(a)
        for a in done:
            self.result.add(a.kind.info.count)

    def _fresh_read(self) -> Optional[SheetSnapshot]:
        """The run's own read while nothing has waited since; None once card writes took time."""
        return self.snapshot if self.read_is_fresh and not self.wrote_cards else None

    def _not_written(self, a: Action, why: str) -> None:
        self.failed_leads.add(a.lead_id)  # keep the old baseline: the next run decides
        if a.kind != Kind.CREATE_CARD:
            self.result.skipped += 1
        self.result.messages.append(f"Lead {a.lead_id} ({a.name}): {a.kind} not written: {why}; "
                                    f"the next sync decides.")

    def _deletions(self) -> None:
        actions = self.plan.deletions
        if not actions:
            return
        leads = [a.lead for a in actions if a.lead is not None]
        self.engine.trash.add(leads, self.snapshot.header, "its card was deleted in Trello and the row had not changed")
        try:
            deleted = set(self.engine.sheet.delete_rows(leads))
        except WorkLeadError as err:
            for a in actions:
                self._failed(a, err)
            return
        for a in actions:
            if a.lead_id in deleted:
                self.result.add(a.kind.info.count)
                self._report(a)
            else:
                # The row changed or moved since the read: keep it and the link; next run decides.
                self.engine.trash.note(a.lead_id, "not deleted after all: the row changed since it was read")
                self.failed_leads.add(a.lead_id)
                self.result.skipped += 1
                self.result.messages.append(f"Lead {a.lead_id} ({a.name}) was not deleted: its row changed "
                                            f"since it was read.")

    # -- links --------------------------------------------------------------------------
    def _record_links(self) -> None:
        stamp = now_iso()
        for lead_id, new in self.plan.links_after.items():
            if lead_id in self.failed_leads or lead_id in self.created:
                continue
            if new is None:
                self.state.links.pop(lead_id, None)
            elif new.card_id:
                self.state.links[lead_id] = Link(new.card_id, new.status, new.fields, stamp)


def _card_candidates(sheet: SheetSnapshot, links: dict[str, Link]) -> set[str]:
    """Ids of leads with no link and no card id that would get a card (not LOST, not an unknown status)."""
    def gets_card(lead: Lead) -> bool:
        status = StatusMap.canonical(lead.status) if lead.status.strip() else "NEW"
        return status not in (None, "LOST")

    return {lead.id.strip() for lead in sheet.leads
            if lead.id.strip() and lead.id.strip() not in links and not lead.card_id.strip() and gets_card(lead)}


def _rows_by_id(snapshot: SheetSnapshot) -> dict[str, Lead]:
    by_id: dict[str, list[Lead]] = {}
    for lead in snapshot.leads:
        by_id.setdefault(lead.id.strip(), []).append(lead)
    return {lead_id: same[0] for lead_id, same in by_id.items() if lead_id and len(same) == 1}


def _blank_id_rows(actions: list[Action], snapshot: SheetSnapshot) -> dict[int, Lead]:
    """The row each new id goes to: still without an id, with the same name, e-mail and source.

    Identical rows are paired in sheet order; when their count changed, none of them is placed.
    """
    def key(lead: Lead) -> tuple[str, str, str]:
        return lead.name, lead.email, lead.source

    wanted: dict[tuple[str, str, str], list[Action]] = {}
    for a in sorted((a for a in actions if a.kind == Kind.ASSIGN_ID and a.lead is not None),
                    key=lambda a: a.lead.row):  # type: ignore[union-attr]
        wanted.setdefault(key(a.lead), []).append(a)  # type: ignore[arg-type]
    found: dict[tuple[str, str, str], list[Lead]] = {}
    for lead in snapshot.leads:
        if not lead.id.strip() and key(lead) in wanted:
            found.setdefault(key(lead), []).append(lead)
    return {id(a): row for k, same in wanted.items() if len(found.get(k, [])) == len(same)
            for a, row in zip(same, found[k], strict=True)}


def _row_for(a: Action, rows: dict[str, Lead]) -> tuple[Optional[Lead], str]:
    """The row a lead's cells belong on in this read, or None and why not."""
    was = a.lead
    now = rows.get(a.lead_id)
    if now is None:
        return None, "its row is gone"
    if a.kind == Kind.WRITE_STATUS and was is not None and now.status.strip() != was.status.strip():
        return None, "its status was edited in the sheet during the run"
    return now, ""


def _result_from_plan(mode: Mode, p: Plan, dry_run: bool) -> SyncResult:
    result = SyncResult(operation=mode, plan=list(p.actions), messages=list(p.messages),
                        conflict_details=list(p.conflicts), dry_run=dry_run, held=list(p.held),
                        unknown_target=p.unknown_target)
    result.conflicts = len(p.conflicts)
    result.force_would_do_them = p.guard_overridable
    result.skipped = len(p.duplicate_ids) + len(p.unknown_status) + len(p.not_found) + len(p.disputed)
    return result


def _subject(p: Plan, sheet: SheetSnapshot, board: BoardSnapshot, links: dict[str, Link]) -> Optional[Subject]:
    lead = next((lead for lead in sheet.leads if p.subject is not None and lead.id.strip() == p.subject), None)
    if lead is None:
        return None
    link = links.get(lead.id.strip())
    card_id = link.card_id if link is not None else lead.card_id.strip()
    return Subject(lead, next((c for c in board.cards if c.id == card_id), None) if card_id else None)


def _planned_counts(result: SyncResult, p: Plan) -> None:
    for a in p.actions:
        result.add(a.kind.info.count)


def _log_plan(p: Plan) -> None:
    for a in p.actions:
        log.debug("planned %s: lead %s card %s %s -> %s (%s)", a.kind, a.lead_id, a.card_id, a.from_value,
                  a.to_value, a.reason)
    for message in p.messages:
        log.warning(message, extra=FILE_ONLY)
    for detail in p.conflicts:
        log.warning("Conflict: %s", detail, extra=FILE_ONLY)


def _append_jsonl(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Owner only: whole lead rows (names, e-mail addresses) go into these files.
    with open(path, "a", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
