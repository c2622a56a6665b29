"""Carrying out one plan: card writes in a small thread pool, every sheet cell write in one batch,
row deletions last (each row copied to the trash first), and a link's baseline recorded only when
the actions behind it succeeded.

The executor is given what it works with (the two sides, the link store, the journal, the run's
control and lease) and reports each action as it is carried out or fails.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Iterator, Optional, Protocol

from core.control import RunControl, StopRequested, on_ctrl_c
from core.errors import AmbiguousWriteError, WorkLeadError
from core.journal import Trash
from core.lease import LeaseHeldError, PairLease
from core.logger import FILE_ONLY
from core.mapping import MappingState, MappingStore, now_iso
from core.models import CellUpdate, Lead, Link, SheetSnapshot
from core.plan import Action, Kind, Plan
from core.results import ActionListener, Failure, Outcome, SyncResult
from core.sides import Board, Sheet

log = logging.getLogger("worklead.sync")

# Card writes in flight at once: enough that a window's burst of up to 100 goes out in about two
# seconds at 50 ms a request (the last, partial window of a first sync waits on nothing else).
CARD_WORKERS = 12
# Save the mapping after this many created cards, so a killed run loses little.
SAVE_EVERY = 25


class Progress(Protocol):
    def start(self, total: int, description: str) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def stop(self) -> None: ...



@contextmanager
def _interrupt_at_safe_points(control: RunControl) -> Iterator[threading.Event]:
    """Ctrl-C is taken at points the caller checks, instead of raising wherever the main thread is.

    A KeyboardInterrupt raised inside a logging call can leave that handler's lock held; the card-writing
    threads then block on it forever and the run never ends. The first Ctrl-C asks the run to stop (every
    wait ends, no new request starts); a second one sets the event, and the caller stops at once.
    """
    interrupted = threading.Event()

    def on_interrupt() -> None:
        if control.stopping:
            interrupted.set()
        else:
            control.request_stop()

    with on_ctrl_c(on_interrupt):
        yield interrupted


class Executor:
    """Carries out one plan and records which links may move to their new baseline."""

    def __init__(self, p: Plan, state: MappingState, result: SyncResult, snapshot: SheetSnapshot, *,
                 sheet: Sheet, board: Board, mapping: MappingStore, trash: Trash, control: RunControl,
                 lease: Optional[PairLease] = None, progress: Optional[Progress] = None,
                 on_action: Optional[ActionListener] = None) -> None:
        self.sheet = sheet
        self.board = board
        self.mapping = mapping
        self.trash = trash
        # Shared with the clients' sessions: a stop request ends their waits and the run.
        self.control = control
        self.lease = lease
        self.progress = progress
        self.on_action = on_action
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
                self.control.check()  # a stop asked for during a step ends the run here
        except LeaseHeldError:
            # The lease expired and another run took the pair: stop writing, keep what was done.
            self.mapping.save(self.state)
            raise
        except KeyboardInterrupt:
            # A second Ctrl-C, wherever it lands: the cards made so far stay linked, and the file whole.
            self._save_through_ctrl_c()
            raise
        except StopRequested:
            self.result.interrupted = True
        if self.result.interrupted:
            # Stopped at any step: the cards made are linked; what is left waits for the next run.
            self._save_through_ctrl_c()
            return
        self._record_links()
        self.state.last_sync = now_iso()
        if self.result.unknown_target is None:  # a lookup that found nothing is not a sync
            self.state.sync_count += 1
        self.mapping.save(self.state)

    def _save_through_ctrl_c(self) -> None:
        """Save the links even if Ctrl-C is pressed (again) meanwhile: it waits for the file, then stops the run.

        Once the card writes are over the CLI's own handler takes Ctrl-C again and raises at once, which
        inside the save left no mapping file at all, so the cards made were linked nowhere.
        """
        with _interrupt_at_safe_points(self.control) as interrupted:
            self.mapping.save(self.state)
        if interrupted.is_set():
            raise KeyboardInterrupt

    def _report(self, a: Action, error: Optional[str] = None, card_id: Optional[str] = None) -> None:
        if error is None:
            log.info("%s: lead %s (%s) %s -> %s: %s", a.kind, a.lead_id, a.name, a.from_value or "-",
                     a.to_value or "-", a.reason, extra=FILE_ONLY)
        listener = self.on_action
        if listener is not None:
            listener(Outcome(a, error, card_id))

    # -- Trello ---------------------------------------------------------------------
    def _look_up_missing_cards(self) -> None:
        """A card missing from the board may have moved to another board: only a 404 proves it deleted.

        A row goes (or a new card is made) only for a card Trello says is gone; for a card that
        still exists the row stays, the link is dropped and no second card is made.
        """
        for a in [a for a in self.plan.actions if a.kind == Kind.DELETE_ROW or a.check_card]:
            card_id = a.check_card or a.card_id or ""
            try:
                card = self.board.get_card(card_id)
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
        progress = self.progress
        if progress:
            progress.start(len(actions), "Updating Trello")
        pool = ThreadPoolExecutor(max_workers=CARD_WORKERS)
        futures: dict[Future[Optional[str]], Action] = {}
        handled: set[Future[Optional[str]]] = set()
        try:
            with _interrupt_at_safe_points(self.control) as interrupted:
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
            self.control.halt()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, a in futures.items():
                if future not in handled and future.done() and not future.cancelled():
                    self._card_done(a, future)
            raise
        finally:
            pool.shutdown(wait=True)
            if progress:
                progress.stop()
        if self.control.stopping:
            raise StopRequested

    def _keep_lease(self) -> None:
        if self.lease is not None:
            self.lease.keep()

    def _card_write(self, a: Action) -> Optional[str]:
        board = self.board
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
            self.mapping.save(self.state)

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
            self.sheet.write_placed(place, self._fresh_read())
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
        self.trash.add(leads, self.snapshot.header, "its card was deleted in Trello and the row had not changed")
        try:
            deleted = set(self.sheet.delete_rows(leads))
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
                self.trash.note(a.lead_id, "not deleted after all: the row changed since it was read")
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
