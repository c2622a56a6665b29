"""The run's records beside the mapping file: history.jsonl and trash.jsonl, one JSON line per entry.

history.jsonl: one line per run with its counts. trash.jsonl: every row a sync
deleted, whole, so that `restore` can put it back; one line per event: a deleted
row (time, reason, row number, the six known fields, the header and every cell),
or a note that a row was not deleted after all or was restored. What can be
restored is each id's latest deletion with no note after it.

Both files hold lead data (names, e-mail addresses): they are readable by their
owner only.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from core.mapping import now_iso
from core.models import Lead

log = logging.getLogger("worklead.sync")

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
        return read_lines(self.path)

    def _append(self, entry: dict[str, Any]) -> None:
        append_line(self.path, entry)


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


class Journal:
    """history.jsonl and trash.jsonl in the mapping file's folder."""

    def __init__(self, folder: Path) -> None:
        self.history_path = folder / "history.jsonl"
        self.trash = Trash(folder / "trash.jsonl")

    def record(self, entry: dict[str, Any]) -> Optional[str]:
        """Add a run's line to the history; a sentence for the user when that failed, else None."""
        try:
            append_line(self.history_path, entry)
        except OSError as exc:
            # The run itself is done and its links saved; only its history line is missing.
            message = (f"This run was not added to {self.history_path} ({exc.strerror or exc}); "
                       f"the sync itself is complete.")
            log.warning(message)
            return message
        return None

    def last_run(self) -> dict[str, Any]:
        """The last readable line of the history; a damaged file (bad bytes, cut JSON) is read around."""
        try:
            entries = read_lines(self.history_path)
        except OSError:
            return {}
        return entries[-1] if entries else {}


def append_line(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()


def read_lines(path: Path) -> list[dict[str, Any]]:
    """Every JSON object line of the file; a line cut short by a crash or damaged is skipped."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
