"""Each change a run made, as one sentence in the words a salesperson uses.

The engine's action kinds (create_card, write_status...) stay in the log file;
the console says "Created a card for James Okafor (lead 2) in IN_PROGRESS".
"""
from __future__ import annotations

import re
from typing import Iterable

from core.planner import (
    ARCHIVE_CARD,
    ASSIGN_ID,
    CREATE_CARD,
    DELETE_ROW,
    MOVE_CARD,
    UPDATE_CARD,
    WRITE_CARD_ID,
    WRITE_STATUS,
    Action,
)
from core.sync_logic import Outcome, Subject, SyncResult
from core.text import shown

# The prefix card_title() puts before a lead's name; an archived card's row is gone, so its title is
# all that names the person.
TITLE_PREFIX = "Follow-up: "


def sentence(action: Action) -> str:
    """What was done, as one sentence without a full stop; text from cells and cards shown verbatim."""
    who, lead, lead_id = _person(action), f"lead {shown(action.lead_id)}", shown(action.lead_id)
    kind, to, before = action.kind, shown(action.to_value or "-"), shown(action.from_value or "-")
    if kind == CREATE_CARD:
        return f"Created a card for {who} ({lead}) in {shown(action.list_name or to)}"
    if kind == MOVE_CARD:
        return f"Moved {who}'s card ({lead}) from {before} to {to} ({_move_why(action)})"
    if kind == WRITE_STATUS:
        return f"Set {who}'s status ({lead}) to {to} ({_status_why(action)})"
    if kind == UPDATE_CARD:
        return f"Updated {who}'s card ({lead}): name, e-mail or source changed in the sheet"
    if kind == ARCHIVE_CARD:
        return f"Archived {who}'s card ({lead}): the row was deleted from the sheet"
    if kind == DELETE_ROW:
        return f"Deleted {who}'s row ({lead}): the card was deleted in Trello (the row is kept in the trash file)"
    if kind == ASSIGN_ID:
        return f"Gave {who}'s row the id {lead_id} (it had none)"
    if kind == WRITE_CARD_ID:
        return f"Linked {who} ({lead}) to the card found in Trello and wrote its id in the sheet"
    return f"{shown(kind)} for {who} ({lead})"


def failed_sentence(kind: str, lead_id: str, name: str, error: str) -> str:
    """'Could not move the card for Maria Schneider (lead 1): Trello kept failing.'"""
    who = shown(name.strip()) or "(no name)"
    return f"Could not {_VERBS.get(kind, shown(kind))} for {who} (lead {shown(lead_id)}): {shown(error)}"


def sorted_by_lead(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """In lead-id order (numbers by value), so two runs list the same changes the same way."""
    return sorted(outcomes, key=lambda o: lead_order(o.action.lead_id))


def lead_order(lead_id: str) -> tuple[int, float, str]:
    text = lead_id.strip()
    return (0, float(text), text) if re.fullmatch(r"\d+(\.\d+)?", text) else (1, 0.0, text.casefold())


def _person(action: Action) -> str:
    name = action.name.strip()
    if action.kind == ARCHIVE_CARD and name.startswith(TITLE_PREFIX):
        name = name[len(TITLE_PREFIX):].strip()
    return shown(name) or "(no name)"


def _move_why(action: Action) -> str:
    return _why(action.reason, conflict="both sides changed; the sheet wins", copy="copied from the sheet",
                default="the sheet changed")


def _status_why(action: Action) -> str:
    if action.reason.startswith("a blank status"):
        return "it was blank"
    return _why(action.reason, conflict="both sides changed; Trello wins", copy="copied from the card",
                default="the card moved in Trello")


def _why(reason: str, conflict: str, copy: str, default: str) -> str:
    if reason.startswith("conflict"):
        return conflict
    if reason.startswith(("sheet to Trello", "Trello to sheet")):
        return copy
    return default


_VERBS = {CREATE_CARD: "create a card", MOVE_CARD: "move the card", UPDATE_CARD: "update the card",
          ARCHIVE_CARD: "archive the card", WRITE_STATUS: "set the status", ASSIGN_ID: "give the row an id",
          WRITE_CARD_ID: "write the card id", DELETE_ROW: "delete the row"}


def looked_at(subject: Subject, result: SyncResult) -> str:
    """Options 5 and 6: which lead and card were looked at, and why nothing was done, if nothing was."""
    lead, card = subject.lead, subject.card
    who = f"Lead {shown(lead.id.strip())} ({shown(lead.name.strip()) or '(no name)'})"
    status = shown(lead.status.strip()) or "a blank status"
    if card is None:
        return f"{who}: {status} in the sheet; it has no card."
    where = f"its card is in {shown(card.list_name)}" + (" (archived)" if card.closed else "")
    if result.plan:
        return f"{who}: {status} in the sheet, {where}."
    return f"{who}: {status} in the sheet, {where}: already in step, nothing to do."
