"""The sync planner: a pure function from (sheet, board, links, options) to a plan.

It decides every action of a run before anything is written, each with its
reason in plain words, so that a dry run is the plan printed and every rule of
the README's Sync rules is testable with plain data. No I/O happens here.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from core.models import (
    ELLIPSIS,
    MAX_CARD_TEXT,
    BoardSnapshot,
    Card,
    CellUpdate,
    Lead,
    Link,
    SheetSnapshot,
    card_title,
    is_card_id,
    managed_block,
    managed_email,
    refresh_description,
    shortened_for_trello,
)
from core.plan import Action, Cause, Kind, Mode, Plan, PlanOptions


class FoundBy(Enum):
    """How a lead's card was found, in the order they are tried."""

    LINK = "link"  # the mapping file's link (its card may be gone)
    COLUMN = "column"  # the sheet's trello_card_id
    MARKER = "marker"  # a card whose description carries `Lead ID: <id>`
    NOTHING = "nothing"


@dataclass(frozen=True)
class Found:
    card: Optional[Card]
    by: FoundBy


@dataclass
class _Row:
    """A lead as the planner sees it after the unclean-input rules."""

    lead: Lead
    status: Optional[str]  # canonical status, None when unknown


def plan(sheet: SheetSnapshot, board: BoardSnapshot, links: dict[str, Link], options: PlanOptions) -> Plan:
    """Every action one run should take, with reasons, reports and guard outcome."""
    return _Planner(sheet, board, links, options).run()


class _Planner:
    def __init__(self, sheet: SheetSnapshot, board: BoardSnapshot, links: dict[str, Link],
                 options: PlanOptions) -> None:
        self.sheet = sheet
        self.board = board
        self.links = dict(links)  # re-keyed when ids changed under their cards (see _check_identities)
        self.start_links = links  # as stored when the run started: the baseline of every comparison
        self.opt = options
        self.smap = options.status_map
        self.out = Plan(mode=options.mode)
        self.cards = {c.id: c for c in board.cards}
        self.claimed: set[str] = {link.card_id for link in links.values() if link.card_id}
        self.by_marker: dict[str, list[Card]] = {}
        for c in board.cards:
            if c.lead_id is not None:
                self.by_marker.setdefault(c.lead_id, []).append(c)
        for cards in self.by_marker.values():
            # Open before archived, then the oldest (Trello ids grow with creation time).
            cards.sort(key=lambda c: (c.closed, c.id))
        self.dup_ids: set[str] = set()
        self.rekeyed: set[str] = set()  # leads whose link moved to the card their row names
        self.frozen: set[str] = set()  # leads whose identity is disputed: nothing is done to them
        self.displaced: set[str] = set()  # cards whose lead id moved to another card; archived

    # -- driver -------------------------------------------------------------------
    def run(self) -> Plan:
        mode = self.opt.mode
        rows = self.clean_rows(write_back=mode in (Mode.FULL, Mode.INITIAL))
        self._check_identities(rows)
        if mode is Mode.LEAD:
            self._single_lead(rows)
        elif mode is Mode.CARD:
            self._single_card(rows)
        else:
            for row in rows.values():
                self._plan_lead(row, mode)
            if mode is Mode.FULL:
                self._vanished_rows(rows)
            if mode in (Mode.FULL, Mode.INITIAL):
                self._orphans(rows)
        self._drop_unchanged_links()
        if mode is Mode.FULL:
            self._guard()
        return self.out

    # -- unclean input --------------------------------------------------------------
    def clean_rows(self, write_back: bool) -> dict[str, _Row]:
        """Leads by id after the unclean-input rules; duplicates are reported and left out."""
        leads = [lead for lead in self.sheet.leads if not _blank(lead)]
        seen: dict[str, list[Lead]] = {}
        next_id = self._next_free_id(leads)
        for lead in leads:
            if not lead.id.strip():
                if not write_back:
                    continue
                lead = dataclasses.replace(lead, id=str(next_id))
                next_id += 1
                self._add(Kind.ASSIGN_ID, lead, None, "", lead.id, "the row had a name but no id",
                          cells=[CellUpdate(lead.row, "id", lead.id)])
            else:
                lead = dataclasses.replace(lead, id=lead.id.strip())
            seen.setdefault(lead.id, []).append(lead)
        rows: dict[str, _Row] = {}
        for lead_id, same in seen.items():
            if len(same) > 1:
                self.dup_ids.add(lead_id)
                row_numbers = ", ".join(str(lead.row) for lead in same)
                self.out.duplicate_ids.append(lead_id)
                self._say(f"Lead id {lead_id} appears in rows {row_numbers}; both are skipped until one is changed.")
                continue
            rows[lead_id] = self._status_row(same[0], write_back)
        return rows

    def _status_row(self, lead: Lead, write_back: bool) -> _Row:
        if not lead.status.strip():
            if write_back:
                self._add(Kind.WRITE_STATUS, lead, None, "", "NEW", "a blank status is NEW",
                          cells=[CellUpdate(lead.row, "status", "NEW")], cause=Cause.BLANK)
            return _Row(lead, "NEW")
        status = self.smap.canonical(lead.status)
        if status is None:
            self.out.unknown_status.append(lead.id)
            self._say(f"Lead {lead.id} ({lead.name}) has the unknown status '{lead.status.strip()}'; "
                      f"its status is left alone (use one of NEW, CONTACTED, QUALIFIED, LOST).")
        return _Row(lead, status)

    def _next_free_id(self, leads: list[Lead]) -> int:
        # Ids still named by links or card markers are not free: reusing one would
        # adopt a card that belonged to a deleted lead.
        used = [lead.id for lead in leads] + list(self.links) + list(self.by_marker)
        numbers = [int(v.strip()) for v in used if v.strip().isdigit()]
        return max(numbers, default=0) + 1

    # -- identity: ids that changed under their cards ------------------------------------
    def _check_identities(self, rows: dict[str, _Row]) -> None:
        """Rows whose trello_card_id disagrees with the links on which lead a card belongs to.

        Ids renumbered, the id column sorted alone or an id typed over another all look like
        this. Nothing is decided on that evidence: the link follows the row when the card's
        managed block shows the same person, otherwise the row is skipped and reported.
        """
        owner = {link.card_id: lead_id for lead_id, link in self.links.items()}
        named: dict[str, list[str]] = {}
        for lead_id, row in rows.items():
            named.setdefault(row.lead.card_id.strip(), []).append(lead_id)
        disputed = [row for lead_id, row in rows.items() if _disagrees(row.lead, self.links.get(lead_id), owner)]
        disputed_ids = {row.lead.id for row in disputed}
        rekeyed: dict[str, str] = {}  # lead id -> card id
        skipped: list[_Row] = []
        for row in disputed:
            card_id = row.lead.card_id.strip()
            card = self.cards.get(card_id)
            holder = owner.get(card_id)
            # The card's own lead still has its row, undisputed and showing the card's person:
            # this row's cell is a copy.
            held = (card is not None and holder is not None and holder in rows and holder not in disputed_ids
                    and _same_person(card, rows[holder].lead))
            if card is not None and not held and len(named[card_id]) == 1 and _same_person(card, row.lead):
                rekeyed[row.lead.id] = card_id
            else:
                skipped.append(row)
        if rekeyed or skipped:
            self._rekey(rows, rekeyed, owner)
            self._skip_disputed(rows, skipped, owner)
            self.claimed = {link.card_id for link in self.links.values() if link.card_id} | self.displaced

    def _rekey(self, rows: dict[str, _Row], rekeyed: dict[str, str], owner: dict[str, str]) -> None:
        if not rekeyed:
            return
        taken = set(rekeyed.values())
        before = dict(self.links)
        for lead_id, card_id in rekeyed.items():
            previous = before.get(owner.get(card_id, ""))
            self.links[lead_id] = Link(card_id, previous.status if previous else None,
                                       previous.fields if previous else None)
        for old_id, link in before.items():
            if link.card_id in taken and rekeyed.get(old_id) != link.card_id:
                if old_id not in rekeyed:
                    del self.links[old_id]
                    self.out.links_after[old_id] = None
            elif old_id in rekeyed:
                self._displaced(rows, old_id, link.card_id, taken)
        self.rekeyed = set(rekeyed)
        moves = ", ".join(f"{owner[c]} -> {lead_id}" if c in owner else f"card {c} -> {lead_id}"
                          for lead_id, c in sorted(rekeyed.items()))
        self._say(f"{len(rekeyed)} rows now carry other ids than when their cards were linked "
                  f"({moves}); each card still shows the same person, so its link follows the row.")

    def _displaced(self, rows: dict[str, _Row], lead_id: str, card_id: str, taken: set[str]) -> None:
        """The card an id named before it moved to another row: archived only if its person left the sheet."""
        if card_id in taken:
            return
        card = self.cards.get(card_id)
        if card is None or card.closed:
            return
        if any(_same_person(card, row.lead) for row in rows.values()):
            self._say(f"Card '{card.name}' ({card.id}) lost its link when ids changed, and its person is "
                      f"still in the sheet; it is left alone.")
            return
        self.displaced.add(card.id)
        self.out.actions.append(Action(Kind.ARCHIVE_CARD, lead_id, card.name, card.id, card.list_name, "archived",
                                       "its lead's row was deleted from the sheet (the ids below it changed)"))

    def _skip_disputed(self, rows: dict[str, _Row], skipped: list[_Row], owner: dict[str, str]) -> None:
        if not skipped:
            return
        for row in skipped:
            del rows[row.lead.id]
            self.frozen.add(row.lead.id)
            self.frozen.add(owner.get(row.lead.card_id.strip(), row.lead.id))
        self.out.disputed = [row.lead.id for row in skipped]
        listed = ", ".join(f"row {row.lead.row} (id {row.lead.id}, {row.lead.name})" for row in skipped)
        self._say(f"Skipped {listed}: the id and the trello_card_id disagree with the links and the "
                  f"card named does not show the same person, so nothing was changed for them. Put the ids "
                  f"or the card ids back as they were (or clear trello_card_id) and sync again.")

    # -- finding a lead's card ---------------------------------------------------------
    def find_card(self, lead_id: str, lead: Lead) -> Found:
        """The lead's card and how it was found (FoundBy.LINK: the card is None when it was deleted)."""
        link = self.links.get(lead_id)
        if link is not None and link.card_id:
            return Found(self.cards.get(link.card_id), FoundBy.LINK)
        by_column = self.cards.get(lead.card_id.strip()) if lead.card_id.strip() else None
        if by_column is not None and by_column.id not in self.claimed and by_column.lead_id in (None, lead_id):
            self.claimed.add(by_column.id)
            return Found(by_column, FoundBy.COLUMN)
        # An archived card may be a deleted lead's whose id a new row now carries (ids are reused):
        # it is adopted only when it names this row's person, or the new lead would never get a card.
        candidates = [c for c in self.by_marker.get(lead_id, [])
                      if c.id not in self.claimed and (not c.closed or _same_person(c, lead))]
        if candidates:
            self.claimed.add(candidates[0].id)
            return Found(candidates[0], FoundBy.MARKER)
        return Found(None, FoundBy.NOTHING)

    # -- per lead --------------------------------------------------------------------
    def _plan_lead(self, row: _Row, mode: Mode) -> None:
        lead = row.lead
        found = self.find_card(lead.id, lead)
        card = found.card
        link = self.links.get(lead.id) if found.by is FoundBy.LINK else None
        self._report_duplicate_cards(lead.id, card)
        if link is not None and card is None:
            if mode is Mode.FULL:
                self._card_deleted(row, link)
            else:
                self._say(f"Lead {lead.id} ({lead.name}): its card was deleted in Trello; "
                          f"a full sync decides what to do.")
            return
        if card is None:
            if mode in (Mode.FULL, Mode.INITIAL):
                named = lead.card_id.strip()
                self._create(row, "the lead has no card yet", named if is_card_id(named) else None)
            return
        if lead.card_id.strip() != card.id:
            self._add(Kind.WRITE_CARD_ID, lead, card.id, lead.card_id.strip(), card.id,
                      "the sheet did not hold the card id", cells=[CellUpdate(lead.row, "trello_card_id", card.id)])
        if mode is Mode.FULL:
            self._sync_pair(row, card, link)
        elif mode is Mode.INITIAL:
            self._adopt_only(row, card, link)
        else:
            self._copy_pair(row, card, link, to_trello=mode in (Mode.PUSH, Mode.LEAD))

    def _create(self, row: _Row, why: str, check_card: Optional[str] = None) -> None:
        lead = row.lead
        if row.status is None:
            return  # reported as unknown; no list to put the card in
        if row.status == "LOST":
            self.out.links_after[lead.id] = None
            return
        list_name = self.smap.list_for(row.status)
        self._add(Kind.CREATE_CARD, lead, None, None, list_name, f"{why}; created in {list_name}",
                  list_name=list_name, title=card_title(lead.name),
                  desc=managed_block(lead.id, lead.email, lead.source), check_card=check_card)
        self._say_shortened(lead)
        self.out.links_after[lead.id] = Link(card_id="", status=row.status, fields=lead.fields_hash)

    def _card_deleted(self, row: _Row, link: Link) -> None:
        lead = row.lead
        if row.status is None:
            return  # unknown status is reported; keep the row and the link
        if link.status is None or link.fields is None:
            # Nothing proves the row unchanged since both sides agreed: never a deletion.
            self._say(f"Lead {lead.id} ({lead.name}): its linked card {link.card_id} is not on the board and "
                      f"the link has no baseline to show the row unchanged; the row is kept and gets a new card.")
            self._create(row, "its linked card is not on the board and the link had no baseline", link.card_id)
            return
        changed = row.status != link.status or link.fields != lead.fields_hash
        if not changed:
            self._add(Kind.DELETE_ROW, lead, link.card_id, row.status, None,
                      "its card was deleted in Trello and the row had not changed")
            self.out.links_after[lead.id] = None
        elif row.status == "LOST":
            self.out.links_after[lead.id] = None
        else:
            self._create(row, "its card was deleted in Trello but the row changed since (modified beats deleted)",
                         link.card_id)

    def _sync_pair(self, row: _Row, card: Card, link: Optional[Link]) -> None:
        lead = row.lead
        base = link.status if link else None
        if card.closed:
            self._archived(lead, card, link)
            return
        new_status = self._pair_status(row, card, base)
        new_fields = self._refresh(row, card, link)
        self.out.links_after[lead.id] = Link(card.id, new_status, new_fields)

    def _pair_status(self, row: _Row, card: Card, base: Optional[str]) -> Optional[str]:
        """The full sync's status rule for an open linked pair; returns the new baseline."""
        s = row.status
        c = self.smap.status_for(card.list_name)
        if s is None:
            return base
        if c is None:
            self._unmapped(row.lead, card)
            if base is not None and s != base:
                self._move(row.lead, card, s, f"the sheet changed from {base} to {s}")
            return s
        if base is None:
            if s != c:
                self._conflict(row.lead, card, s, c, "no baseline (a newly adopted card)")
            return self._winner(s, c)
        if s == base and c == base:
            return base
        if c == base:
            self._move(row.lead, card, s, f"the sheet changed from {base} to {s}")
            return s
        if s == base:
            self._write_status(row.lead, card, c, f"the card moved to {card.list_name} in Trello")
            return c
        if s == c:
            return s  # both changed to the same: only the baseline moves
        self._conflict(row.lead, card, s, c, f"both changed since {base}")
        return self._winner(s, c)

    def _winner(self, s: str, c: str) -> str:
        return c if self.opt.conflict_winner == "trello" else s

    def _conflict(self, lead: Lead, card: Card, s: str, c: str, why: str) -> None:
        winner = self.opt.conflict_winner
        if winner == "trello":
            self._write_status(lead, card, c, f"conflict ({why}): Trello wins (CONFLICT_WINNER=trello)",
                               Cause.CONFLICT)
            result = f"the sheet gets {c}"
        else:
            self._move(lead, card, s, f"conflict ({why}): the sheet wins (CONFLICT_WINNER=sheet)", Cause.CONFLICT)
            result = f"the card moves to {self.smap.list_for(s)}"
        self.out.conflicts.append(
            f"Lead {lead.id} ({lead.name}): sheet says {s}, Trello says {c} ({why}); {winner} wins, {result}.")

    def _unmapped(self, lead: Lead, card: Card) -> None:
        self.out.unmapped.append(lead.id)
        self._say(f"Lead {lead.id} ({lead.name}): its card is in the list '{card.list_name}', which maps to no "
                  f"status; the sheet is left alone.")

    def _refresh(self, row: _Row, card: Card, link: Optional[Link]) -> Optional[str]:
        """Rewrite the title and managed block when name, email or source changed."""
        lead = row.lead
        if link is not None and link.fields == lead.fields_hash and lead.id not in self.rekeyed:
            return link.fields
        title = card_title(lead.name)
        desc = refresh_description(card.desc, lead.id, lead.email, lead.source)
        if card.name != title or card.desc != desc:
            self._add(Kind.UPDATE_CARD, lead, card.id, card.name, title,
                      "the name, email or source changed in the sheet",
                      title=title if card.name != title else None,
                      desc=desc if card.desc != desc else None)
            self._say_shortened(lead, card.desc)
        return lead.fields_hash

    def _adopt_only(self, row: _Row, card: Card, link: Optional[Link]) -> None:
        """Initial sync: link what exists, record a baseline only where both sides agree."""
        if link is not None:
            return
        lead = row.lead
        agreed = not card.closed and row.status is not None and self.smap.status_for(card.list_name) == row.status
        fields_match = card.name == card_title(lead.name) and card.desc == refresh_description(
            card.desc, lead.id, lead.email, lead.source)
        self.out.links_after[lead.id] = Link(card.id, row.status if agreed else None,
                                             lead.fields_hash if fields_match else None)

    def _copy_pair(self, row: _Row, card: Card, link: Optional[Link], to_trello: bool) -> None:
        """Push (to_trello) or pull: copy the status one way for a linked pair."""
        lead = row.lead
        fields = link.fields if link else None
        if card.closed:
            self._archived(lead, card, link)
            return
        self.out.links_after[lead.id] = Link(card.id, link.status if link else None, fields)
        s, c = row.status, self.smap.status_for(card.list_name)
        if c is None and not to_trello:
            self._unmapped(lead, card)
            return
        if s is None:
            return
        if s != c and to_trello:
            self._move(lead, card, s, "sheet to Trello: the card follows the sheet", Cause.COPIED)
        elif s != c:
            self._write_status(lead, card, c, "Trello to sheet: the sheet follows the card",  # type: ignore[arg-type]
                               Cause.COPIED)
        self.out.links_after[lead.id] = Link(card.id, s if to_trello else c, fields)

    def _archived(self, lead: Lead, card: Card, link: Optional[Link]) -> None:
        self.out.archived.append(lead.id)
        self._say(f"Lead {lead.id} ({lead.name}): its card is archived; status not synced.")
        self.out.links_after[lead.id] = Link(card.id, link.status if link else None, link.fields if link else None)

    # -- single lead / single card ----------------------------------------------------------
    def _single_lead(self, rows: dict[str, _Row]) -> None:
        target = (self.opt.target or "").strip()
        row = rows.get(target)
        if row is None:
            self.out.unknown_target = target
            self._not_found(target, f"No lead with id {target} in the sheet.")
            return
        self.out.subject = row.lead.id
        self._plan_lead(row, Mode.LEAD)
        if target not in self.out.links_after and not self.out.actions:
            self._maybe_no_card(row)

    def _single_card(self, rows: dict[str, _Row]) -> None:
        target = (self.opt.target or "").strip()
        lead_id = self._lead_for_card(target, rows) if is_card_id(target) else target
        row = rows.get(lead_id or "")
        if row is None:
            self.out.unknown_target = target
            self._not_found(target, f"No lead linked to card {target}." if lead_id is None
                            else f"No lead with id {target} in the sheet.")
            return
        self.out.subject = row.lead.id
        self._plan_lead(row, Mode.PULL)
        if lead_id not in self.out.links_after and not self.out.actions:
            self._maybe_no_card(row)

    def _lead_for_card(self, card_id: str, rows: dict[str, _Row]) -> Optional[str]:
        for lead_id, link in self.links.items():
            if link.card_id == card_id:
                return lead_id
        for lead_id, row in rows.items():
            if row.lead.card_id.strip() == card_id:
                return lead_id
        card = self.cards.get(card_id)
        return card.lead_id if card is not None else None

    def _maybe_no_card(self, row: _Row) -> None:
        if row.lead.id not in self.links and not any(a.lead_id == row.lead.id for a in self.out.actions):
            if row.status == "LOST":
                self._say(f"Lead {row.lead.id} ({row.lead.name}) is LOST, and a LOST lead gets no card: "
                          f"nothing to sync.")
                return
            self._not_found(row.lead.id, f"Lead {row.lead.id} ({row.lead.name}) has no card yet; "
                                         f"run the initial or full sync to create it.")

    def _not_found(self, target: str, sentence: str) -> None:
        self.out.not_found.append(target)
        self._say(sentence)

    # -- leads gone from the sheet, orphans, duplicates ------------------------------------------
    def _vanished_rows(self, rows: dict[str, _Row]) -> None:
        for lead_id, link in self.links.items():
            if lead_id in rows or lead_id in self.dup_ids or lead_id in self.frozen:
                continue
            card = self.cards.get(link.card_id)
            name = card.name if card is not None else ""
            if card is not None and not card.closed:
                self.out.actions.append(Action(Kind.ARCHIVE_CARD, lead_id, name, card.id, card.list_name, "archived",
                                               "the lead's row was deleted from the sheet"))
            self.out.links_after[lead_id] = None

    def _orphans(self, rows: dict[str, _Row]) -> None:
        for lead_id, cards in self.by_marker.items():
            if lead_id in rows or lead_id in self.dup_ids:
                continue
            for card in cards:
                if card.id in self.claimed or card.closed:
                    continue
                self.out.orphans.append(card.id)
                self._say(f"Card '{card.name}' ({card.id}) names lead {lead_id}, which is not in the sheet; "
                          f"left alone.")

    def _report_duplicate_cards(self, lead_id: str, chosen: Optional[Card]) -> None:
        for card in self.by_marker.get(lead_id, []):
            if chosen is not None and card.id != chosen.id and card.id not in self.claimed and not card.closed:
                self.out.duplicate_cards.append(card.id)
                self._say(f"Lead {lead_id} has a second card '{card.name}' ({card.id}); it is left alone, "
                          f"card {chosen.id} is the linked one.")

    # -- baselines and guards ------------------------------------------------------------
    def _drop_unchanged_links(self) -> None:
        for lead_id in list(self.out.links_after):
            new, old = self.out.links_after[lead_id], self.start_links.get(lead_id)
            if new is None and old is None:
                del self.out.links_after[lead_id]
            elif new is not None and old is not None and _same_link(new, old):
                del self.out.links_after[lead_id]

    def _guard(self) -> None:
        destructive = [a for a in self.out.actions if a.destructive]
        if not destructive:
            return
        reason = self._guard_reason(destructive)
        if reason is None:
            return
        # Nothing at all is written: creations made now would become links that shrink the
        # next run's percentage, so a rerun (cron) would then do the deletions held back here.
        self.out.guard = reason
        self.out.held = destructive
        self.out.actions = []
        self.out.links_after = {}
        if self._one_side_empty():
            self.out.guard_overridable = False  # a side that reads as empty proves nothing
        self._say(reason)

    def _one_side_empty(self) -> bool:
        return bool(self.start_links) and (self._sheet_empty() or not self.board.cards)

    def _sheet_empty(self) -> bool:
        return all(_blank(lead) for lead in self.sheet.leads)

    def _guard_reason(self, destructive: list[Action]) -> Optional[str]:
        n = len(destructive)
        if self._one_side_empty():
            side = "sheet" if self._sheet_empty() else "board"
            return (f"The {side} reads as empty while {len(self.start_links)} leads are linked; "
                    f"{n} deletions/archivings held back. --force-delete does not override this: an empty "
                    f"read proves nothing (a wrong WORKSHEET or board, an outage). If the {side} really is "
                    f"meant to be empty, remove the {'cards in Trello' if side == 'sheet' else 'rows'} yourself. "
                    f"Nothing was written.")
        limit = self.opt.max_delete_percent / 100.0 * len(self.start_links)
        if n > 2 and n > limit and not self.opt.force_delete:
            return (f"{n} deletions/archivings exceed MAX_DELETE_PERCENT={self.opt.max_delete_percent:g}% of "
                    f"the {len(self.start_links)} linked leads; nothing was written. Check the sheet and the board; "
                    f"if they are intended, run again with --force-delete.")
        return None

    # -- building actions -------------------------------------------------------------
    def _move(self, lead: Lead, card: Card, status: str, why: str, cause: Cause = Cause.CHANGED) -> None:
        list_name = self.smap.list_for(status)
        self._add(Kind.MOVE_CARD, lead, card.id, card.list_name, list_name, why, list_name=list_name, cause=cause)

    def _write_status(self, lead: Lead, card: Card, status: str, why: str, cause: Cause = Cause.CHANGED) -> None:
        self._add(Kind.WRITE_STATUS, lead, card.id, lead.status.strip(), status, why,
                  cells=[CellUpdate(lead.row, "status", status)], cause=cause)

    def _add(self, kind: Kind, row: Lead, card_id: Optional[str], from_value: Optional[str],
             to_value: Optional[str], reason: str, **extra: object) -> None:
        self.out.actions.append(Action(kind, row.id, row.name, card_id, from_value, to_value, reason,
                                       lead=row, **extra))  # type: ignore[arg-type]

    def _say_shortened(self, lead: Lead, old_desc: str = "") -> None:
        cut = shortened_for_trello(lead, old_desc)
        if cut:
            self._say(f"Lead {lead.id} ({lead.name[:40]}): the card's {' and '.join(cut)} would be longer "
                      f"than Trello's {MAX_CARD_TEXT:,} characters and {'were' if len(cut) > 1 else 'was'} "
                      f"shortened (ending in {ELLIPSIS}); the sheet keeps the whole text.")

    def _say(self, sentence: str) -> None:
        self.out.messages.append(sentence)


def _blank(lead: Lead) -> bool:
    return not any(v.strip() for v in (lead.id, lead.name, lead.email, lead.status, lead.source, lead.card_id))


def _disagrees(lead: Lead, link: Optional[Link], owner: dict[str, str]) -> bool:
    """The row's trello_card_id names a card the links give to another lead, or not the linked one."""
    card_id = lead.card_id.strip()
    if not card_id:
        return False
    if link is None:
        return owner.get(card_id) is not None
    return link.card_id != card_id or owner.get(card_id) != lead.id


def _same_person(card: Card, lead: Lead) -> bool:
    """The card's managed block (e-mail) and title name the row's person."""
    email = lead.email.strip().casefold()
    if email:
        return managed_email(card.desc).casefold() == email
    return card.name.strip() == card_title(lead.name)


def _same_link(a: Link, b: Link) -> bool:
    return (a.card_id, a.status, a.fields) == (b.card_id, b.status, b.fields)
