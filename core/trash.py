"""data/trash.jsonl: every row a sync deleted, whole, so that `restore` can put it back.

One JSON line per event: a deleted row (time, reason, row number, the six known
fields, the header and every cell), or a note that a row was not deleted after
all or was restored. What can be restored is each id's latest deletion with no
note after it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.mapping import now_iso
from core.models import Lead

RESTORED = "restored"


@dataclass
class TrashedRow:
    lead_id: str
    time: str
    reason: str
    row: int
    # The sheet's header when the row was deleted, and the row's cells under it (other columns included).
    header: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)

    @property
    def by_column(self) -> dict[str, str]:
        """Cell values by lower-case column name; the first of two same-named columns wins."""
        named: dict[str, str] = {}
        for name, value in zip(self.header, self.cells, strict=False):
            named.setdefault(name.strip().lower(), value)
        return named


class Trash:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, leads: list[Lead], header: list[str], reason: str) -> None:
        for lead in leads:
            self._append({"time": now_iso(), "reason": reason, "row": lead.row,
                          "lead": {"id": lead.id, "name": lead.name, "email": lead.email, "status": lead.status,
                                   "source": lead.source, "trello_card_id": lead.card_id},
                          "header": list(header), "cells": list(lead.cells)})

    def note(self, lead_id: str, note: str) -> None:
        self._append({"time": now_iso(), "lead_id": lead_id, "note": note})

    def restorable(self) -> list[TrashedRow]:
        """Rows that can be put back, newest first."""
        latest: dict[str, TrashedRow] = {}
        for entry in self._entries():
            if "lead" in entry:
                row = _trashed(entry)
                latest.pop(row.lead_id, None)  # re-inserted so the order follows the newest deletion
                latest[row.lead_id] = row
            elif "lead_id" in entry:
                latest.pop(str(entry["lead_id"]), None)
        return list(reversed(latest.values()))

    def _entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the others are still good
            if isinstance(entry, dict):
                entries.append(entry)
        return entries

    def _append(self, entry: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()


def _trashed(entry: dict[str, Any]) -> TrashedRow:
    lead = entry["lead"]
    header = [str(h) for h in entry.get("header") or []]
    cells = [str(c) for c in entry.get("cells") or []]
    if not header:  # written before whole rows were kept: the six known fields
        header = ["id", "name", "email", "status", "source", "trello_card_id"]
        cells = [str(lead.get(name, "")) for name in header]
    return TrashedRow(lead_id=str(lead.get("id", "")), time=str(entry.get("time", "")),
                      reason=str(entry.get("reason", "")), row=int(entry.get("row") or 0),
                      header=header, cells=cells)
