"""Each change a run made, as one sentence in the words a salesperson uses.

The engine's action kinds (create_card, write_status...) stay in the log file;
the console says "Created a card for James Okafor (lead 2) in IN_PROGRESS".
"""
from __future__ import annotations

import re
from typing import Iterable

from core.models import TITLE_PREFIX
from core.plan import KINDS, Action, Kind
from core.results import Outcome, Subject, SyncResult
from core.text import shown


def sentence(action: Action) -> str:
    """What was done, as one sentence without a full stop; text from cells and cards shown verbatim."""
    info, lead_id, to = KINDS[action.kind], shown(action.lead_id), shown(action.to_value or "-")
    return info.done.format(who=_person(action), lead=f"lead {lead_id}", lead_id=lead_id, to=to,
                            before=shown(action.from_value or "-"), list_name=shown(action.list_name or to),
                            why=info.why.get(action.cause, ""))


def failed_sentence(kind: Kind, lead_id: str, name: str, error: str) -> str:
    """'Could not move the card for Maria Schneider (lead 1): Trello kept failing.'"""
    who = shown(name.strip()) or "(no name)"
    return f"Could not {KINDS[kind].failed} for {who} (lead {shown(lead_id)}): {shown(error)}"


def sorted_by_lead(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """In lead-id order (numbers by value), so two runs list the same changes the same way."""
    return sorted(outcomes, key=lambda o: lead_order(o.action.lead_id))


def lead_order(lead_id: str) -> tuple[int, float, str]:
    text = lead_id.strip()
    return (0, float(text), text) if re.fullmatch(r"\d+(\.\d+)?", text) else (1, 0.0, text.casefold())


def _person(action: Action) -> str:
    name = action.name.strip()
    if action.kind == Kind.ARCHIVE_CARD and name.startswith(TITLE_PREFIX):
        name = name[len(TITLE_PREFIX):].strip()
    return shown(name) or "(no name)"


def looked_at(subject: Subject, result: SyncResult) -> str:
    """Options 5 and 6: which lead and card were looked at, and why nothing was done, if nothing was."""
    lead, card = subject.lead, subject.card
    who = f"Lead {shown(lead.id.strip())} ({shown(lead.name.strip()) or '(no name)'})"
    status = shown(lead.status.strip()) or "a blank status"
    if card is None:
        return f"{who}: {status} in the sheet; it has no card."
    if card.closed:
        return (f"{who}: {status} in the sheet; its card \"{shown(card.name)}\" (in {shown(card.list_name)}) is "
                f"archived, so its status is not synced; the link is kept.")
    where = f"its card is in {shown(card.list_name)}"
    if result.plan:
        return f"{who}: {status} in the sheet, {where}."
    return f"{who}: {status} in the sheet, {where}: already in step, nothing to do."
