"""The web view's side of the sandbox: the sheet and the board as the page shows them, the edits a
person makes there, and WorkLead runs started from the page, reported action by action.

Edits go to the same models the API serves, as a person typing in Google Sheets or dragging a card
in Trello would change them, so WorkLead sees them exactly as it would see real ones.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

from sandbox.google import cells as cellmod

STATUSES = ("NEW", "CONTACTED", "QUALIFIED", "LOST")
_MARKER = re.compile(r"^Lead ID: ?(.*)$", re.MULTILINE)
# Reported by a runner as it goes: one dict per executed action.
Report = Callable[[dict[str, Any]], None]
# (dry_run, report, force_delete) -> summary dict. Supplied by whoever starts the sandbox with WorkLead beside it.
Runner = Callable[[bool, Report, bool], dict[str, Any]]


class ViewError(ValueError):
    """An edit or run the page asked for that cannot be done; the message says why."""


class Changes:
    """A counter bumped on every change of either service, which the page waits on (long polling)."""

    def __init__(self) -> None:
        self._version = 0
        self._closed = False
        self._cond = threading.Condition()

    @property
    def version(self) -> int:
        return self._version

    def bump(self) -> None:
        with self._cond:
            self._version += 1
            self._cond.notify_all()

    def wait(self, after: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self._version != after or self._closed, timeout)
            return self._version

    def close(self) -> None:
        """Release every waiting page request (the server is stopping)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass
class Run:
    """A WorkLead run started from the page: its actions as they happen, then its summary."""

    id: int
    dry_run: bool
    force_delete: bool = False  # the page's "delete anyway" after a guard held deletions back
    state: str = "running"  # running, done, failed
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: Optional[dict[str, Any]] = None
    error: Optional[str] = None


class WebView:
    """What the page reads and changes, over a sandbox's two services."""

    def __init__(self, sandbox: Any, runner: Optional[Runner] = None) -> None:
        self.sandbox = sandbox
        self.runner = runner
        self.changes = Changes()
        self.run: Optional[Run] = None
        self._runs = 0

    # -- what the page shows -----------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self.sandbox.lock:
            version = self.changes.version
            return {"version": version, "statuses": list(STATUSES), "sheet": self._sheet(),
                    "board": self._board(), "run": asdict(self.run) if self.run else None,
                    "can_run": self.runner is not None}

    def _google(self) -> Any:
        return next(s for s in self.sandbox.services if s.name == "google")

    def _trello(self) -> Any:
        return next(s for s in self.sandbox.services if s.name == "trello").backend

    def _worksheet(self) -> Any:
        return self._google().lead_spreadsheet().first_sheet()

    def _sheet(self) -> dict[str, Any]:
        book = self._google().lead_spreadsheet()
        sheet = book.first_sheet()
        width = max([len(line) for line in sheet.rows] + [6])
        rows = [{"row": i + 1, "cells": [_shown(sheet.cell(i, c)) for c in range(width)]}
                for i in range(len(sheet.rows))]
        return {"title": book.title, "worksheet": sheet.title, "columns": [_column(c) for c in range(width)],
                "rows": rows}

    def _board(self) -> dict[str, Any]:
        model = self._trello()
        board = model.board(self.sandbox.creds.board_id)
        lists = [{"id": lst.id, "name": lst.name,
                  "cards": [_card(c) for c in model.cards_of_list(lst.id, "open")]}
                 for lst in model.lists_of(board.id, "open")]
        names = {lst.id: lst.name for lst in model.lists_of(board.id, "all")}
        archived = [{**_card(c), "list": names.get(c.id_list, "")} for c in model.cards_of_board(board.id, "closed")]
        return {"name": board.name, "lists": lists, "archived": archived}

    # -- what a person changes -----------------------------------------------------------
    def edit(self, body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("op"), str):
            raise ViewError("an edit names its op")
        handler = getattr(self, f"_edit_{body['op']}", None)
        if handler is None:
            raise ViewError(f"there is no edit called {body['op']!r}")
        with self.sandbox.lock:
            try:
                handler(body)
            except (KeyError, TypeError, ValueError) as exc:
                raise ViewError(f"that {body['op']} could not be done ({type(exc).__name__}: {exc})") from None
        self.sandbox.context.mark_dirty()

    def _edit_set_cell(self, body: dict[str, Any]) -> None:
        row, col = int(body["row"]), int(body["col"])
        if row < 1 or not 0 <= col < 26:
            raise ViewError("that cell is outside the sheet")
        self._worksheet().set_cell(row - 1, col, cellmod.from_input(str(body["value"]), user_entered=False))
        self._touch_sheet()

    def _edit_add_row(self, body: dict[str, Any]) -> None:
        sheet = self._worksheet()
        values = [str(v) for v in body.get("values") or []]
        sheet.compact()
        row = len(sheet.rows)
        if row >= sheet.row_count:
            sheet.resize(rows=row + 1)
        line = [cellmod.from_input(v, user_entered=False) for v in values] or [""]
        sheet.write(row, 0, [line])
        self._touch_sheet()

    def _edit_delete_row(self, body: dict[str, Any]) -> None:
        row = int(body["row"])
        sheet = self._worksheet()
        if row < 2 or row > len(sheet.rows):
            raise ViewError("only lead rows can be deleted (row 1 is the header)")
        sheet.delete("ROWS", row - 1, row)
        self._touch_sheet()

    def _edit_move_card(self, body: dict[str, Any]) -> None:
        model = self._trello()
        card, target = str(body["card"]), str(body["list"])
        others = [c for c in model.cards_of_list(target, "open") if c.id != card]
        index = body.get("index")
        pos: Any = "bottom"
        if isinstance(index, int) and 0 <= index < len(others):
            before = others[index - 1].pos if index > 0 else 0.0
            pos = (before + others[index].pos) / 2
        model.update_card(card, id_list=target, pos=pos)

    def _edit_archive_card(self, body: dict[str, Any]) -> None:
        self._trello().update_card(str(body["card"]), closed=True)

    def _edit_unarchive_card(self, body: dict[str, Any]) -> None:
        self._trello().update_card(str(body["card"]), closed=False)

    def _edit_delete_card(self, body: dict[str, Any]) -> None:
        self._trello().delete_card(str(body["card"]))

    def _touch_sheet(self) -> None:
        # Drive's modifiedTime moves, as for any edit: watch mode notices the change.
        self._google().lead_spreadsheet().touch(self.sandbox.context.now())

    # -- WorkLead runs --------------------------------------------------------------------
    def forget_run(self) -> None:
        """After a reset the last run's report describes data that is gone."""
        with self.sandbox.lock:
            if self.run is not None and self.run.state != "running":
                self.run = None
    def start_run(self, dry_run: bool, force_delete: bool = False) -> Run:
        if self.runner is None:
            raise ViewError("this sandbox was started without WorkLead beside it; start it with "
                            "`python main.py sandbox` to preview and sync from the page")
        with self.sandbox.lock:
            if self.run is not None and self.run.state == "running":
                raise ViewError("a preview or sync started from this page is still running")
            self._runs += 1
            run = self.run = Run(self._runs, dry_run, force_delete)
        threading.Thread(target=self._execute, args=(run,), daemon=True, name="sandbox-web-run").start()
        self.changes.bump()
        return run

    def _execute(self, run: Run) -> None:
        assert self.runner is not None

        def report(event: dict[str, Any]) -> None:
            with self.sandbox.lock:
                run.events.append({**event, "at": time.time()})
            self.changes.bump()

        summary: Optional[dict[str, Any]] = None
        error: Optional[str] = None
        try:
            summary = self.runner(run.dry_run, report, run.force_delete)
        except Exception as exc:  # shown on the page as the terminal would show it: one sentence
            error = str(exc) or type(exc).__name__
        state = "failed" if error is not None else "done"
        with self.sandbox.lock:
            run.summary, run.error, run.state = summary, error, state
        self.changes.bump()


def _shown(cell: Any) -> str:
    value = cellmod.render(cell)
    return "" if value is None else str(value)


def _column(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else _column(index // 26 - 1) + chr(ord("A") + index % 26)


def _card(card: Any) -> dict[str, Any]:
    found = _MARKER.search(card.desc or "")
    return {"id": card.id, "name": card.name, "desc": card.desc, "lead_id": found.group(1).strip() if found else None}
