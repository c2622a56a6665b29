"""Everything WorkLead prints: summaries, the dry-run plan, the status report, progress.

Output goes through rich. On a terminal it has colour and boxes; piped or
captured (cron, tests) it is plain aligned text. Every byte passes the same
redactor as the logs, so no secret reaches the console whatever an error says.
Everything printed is a rich Text built by user_text(), never a markup string:
a lead named `Acme [/b] Corp` is shown as typed, and control characters from a
cell are shown as visible escapes.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Optional, TextIO, cast

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cli.changes import sentence, sorted_by_lead
from core.control import Wait
from core.logger import redact
from core.sync_logic import FILE_ONLY, Failure, Outcome
from core.text import shown

log = logging.getLogger("worklead.cli")

# Below this many actions a progress bar only flickers.
PROGRESS_MIN_ACTIONS = 20
# Lists longer than this (changes made, the preview, pending changes) show this many and a count.
SHOWN_ROWS = 20
PLAIN_WIDTH = 120
STOPPING = "Stopping: linking the cards already made... (Ctrl-C again stops at once)"

SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("created", "Created"),
    ("moved", "Moved"),
    ("sheet_updated", "Updated in the sheet"),
    ("card_updated", "Card updates"),
    ("archived", "Archived"),
    ("deleted", "Deleted"),
    ("conflicts", "Conflicts"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
    ("held_back", "Held back"),
)


def user_text(value: Any, style: str = "", keep_newlines: bool = False) -> Text:
    """Anything for the console, cells and card titles included: shown verbatim, never parsed as markup."""
    return Text(shown(value, keep_newlines=keep_newlines), style=style)


class RedactingStream:
    """A text stream that masks secrets on the way out and otherwise behaves like its target."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def isatty(self) -> bool:
        return self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._target, "encoding", "utf-8") or "utf-8"


def make_console(stderr: bool = False) -> Console:
    target = sys.stderr if stderr else sys.stdout
    terminal = target.isatty()
    # rich uses only what RedactingStream has (write, flush, isatty, fileno, encoding).
    stream = cast(TextIO, RedactingStream(target))
    return Console(file=stream, highlight=False, soft_wrap=False,
                   width=None if terminal else PLAIN_WIDTH, force_terminal=None)


class Printer:
    """The CLI's voice: one object that knows how to show each kind of result."""

    def __init__(self, out: Optional[Console] = None, err: Optional[Console] = None) -> None:
        self.out = out or make_console()
        self.err = err or make_console(stderr=True)
        self.progress = BarProgress(self.out)

    @property
    def terminal(self) -> bool:
        return self.out.is_terminal

    def line(self, text: str = "", style: Optional[str] = None) -> None:
        self.out.print(user_text(text, style or "", keep_newlines=True), soft_wrap=True)

    def error(self, text: str) -> None:
        self.err.print(user_text(text, "bold red", keep_newlines=True), soft_wrap=True)

    def warn(self, text: str) -> None:
        self.err.print(user_text(text, "yellow", keep_newlines=True), soft_wrap=True)

    def ask(self, prompt: str) -> str:
        """A line from stdin; EOFError passes through (the caller treats it as quit)."""
        self.out.print(user_text(prompt), end="")
        self.out.file.flush()
        return input()

    def _table(self, title: Optional[str] = None, **kwargs: Any) -> Table:
        # The title is a line of its own: a table title wraps to the table's width.
        if title:
            self.line(title, style="bold")
        style = box.SIMPLE_HEAD if self.terminal else None
        return Table(box=style, show_edge=False, header_style="bold" if self.terminal else "",
                     pad_edge=False, **kwargs)

    # -- results ---------------------------------------------------------------
    def summary(self, result: Any) -> None:
        counts = _counts(result)
        title = operation_title(result)
        table = self._table(title, show_header=False)
        table.add_column("what")
        table.add_column("count", justify="right")
        for key, label in SUMMARY_ROWS:
            value = counts.get(key, 0)
            style = _count_style(key, value) if self.terminal else ""
            table.add_row(user_text(label), user_text(value, style))
        self.out.print(table)
        self.bullets(getattr(result, "messages", []) or [])
        self.bullets([failure_sentence(f) for f in getattr(result, "failures", []) or []], style="red")
        self.bullets([f"conflict: {d}" for d in getattr(result, "conflict_details", []) or []], style="yellow")

    def bullets(self, items: Iterable[str], style: str = "") -> None:
        """One '- ' line per item, long ones wrapped at words under their own text."""
        items = list(items)
        if not items:
            return
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for item in items:
            grid.add_row(user_text("-"), user_text(item, style))
        self.out.print(grid)

    def notices(self, items: Iterable[str]) -> None:
        for item in items:
            self.err.print(user_text(item, "yellow"), soft_wrap=True)

    def actions_done(self, outcomes: list[Outcome], log_file: Optional[Path]) -> None:
        """One sentence per change, in lead-id order; the first SHOWN_ROWS, then how many more and where."""
        if not outcomes:
            return
        ordered = sorted_by_lead(outcomes)
        for outcome in ordered[:SHOWN_ROWS]:
            self.line(sentence(outcome.action))
        where = str(log_file) if log_file else "the log file"
        if len(ordered) > SHOWN_ROWS:
            self.line(f"... and {len(ordered) - SHOWN_ROWS} more; every change is listed in {where}.")
        self.line(f"{len(ordered)} change{'' if len(ordered) == 1 else 's'} made.")

    def stopped(self, cards_made: int) -> None:
        saved = (f"the {cards_made} card{'s' if cards_made != 1 else ''} made in this run "
                 f"{'are' if cards_made != 1 else 'is'} linked; " if cards_made else "")
        self.warn(f"Stopped (Ctrl-C): {saved}the next sync does the rest.")

    def plan(self, actions: Iterable[Any], title: str = "Preview: what a full sync would do",
             held: Iterable[Any] = (), limit: Optional[int] = None) -> None:
        actions = list(actions)
        held = [a for a in held if a not in actions]
        if not actions and not held:
            self.line("Nothing to do: the sheet and the board are in step.")
            return
        rows = [(a, "") for a in actions] + [(a, " (held back)") for a in held]
        table = self._table(title)
        for name in ("Lead", "Name", "Action", "From -> To", "Reason"):
            table.add_column(name, overflow="fold")
        for action, note in rows[:limit]:
            table.add_row(user_text(getattr(action, "lead_id", "")), user_text(getattr(action, "name", "")),
                          user_text(_s(getattr(action, "kind", "")) + note), user_text(change_text(action)),
                          user_text(getattr(action, "reason", "")))
        self.out.print(table)
        if limit is not None and len(rows) > limit:
            self.line(f"... and {len(rows) - limit} more; `python main.py sync --dry-run` lists them all.")

    def status(self, report: Any) -> None:
        table = self._table("Status", show_header=False)
        table.add_column("what")
        table.add_column("value", overflow="fold")
        links = getattr(report, "links", None)
        rows = [("Linked leads", str(_size(links)))]
        for label, attr in (("Unlinked leads", "unlinked_leads"), ("Orphan cards", "orphan_cards"),
                            ("Archived cards", "archived_cards")):
            rows.append((label, _listing(getattr(report, attr, None) or [])))
        rows += [("Pending changes", str(_size(getattr(report, "pending", None)))),
                 ("Last sync", _s(getattr(report, "last_sync", None)) or "never"),
                 ("Sync count", str(getattr(report, "sync_count", 0) or 0)),
                 ("Last run's conflicts", _listing(getattr(report, "last_conflicts", None) or []))]
        for label, value in rows:
            table.add_row(user_text(label), user_text(value))
        self.out.print(table)
        pending = list(getattr(report, "pending", None) or [])
        if pending:
            self.plan(pending, title="Pending changes")
        for message in getattr(report, "messages", []) or []:
            self.out.print(user_text(f"- {message}"), soft_wrap=True)

    def checklist(self, checks: Iterable[Any]) -> None:
        for check in checks:
            mark = Text("OK  ", style="green") if check.ok else Text("FAIL", style="bold red")
            line = Text.assemble(mark, " ", user_text(check.name))
            if check.detail:
                line.append_text(user_text(f": {check.detail}", keep_newlines=True))
            self.out.print(line, soft_wrap=True)
            if not check.ok and check.fix:
                self.out.print(user_text(f"      fix: {check.fix}", keep_newlines=True), soft_wrap=True)


class BarProgress:
    """core.sync_logic.Progress on a rich bar, shown only on a terminal and for long runs.

    It also says why a run waits (a rate limit, a Retry-After) and that it is stopping, on the
    bar while one is shown, else as a line of its own.
    """

    def __init__(self, console: Console, threshold: int = PROGRESS_MIN_ACTIONS) -> None:
        self._console = console
        self._threshold = threshold
        self._bar: Optional[Progress] = None
        self._task: Any = None
        self._lock = threading.Lock()
        self._wait: Optional[tuple[Wait, float]] = None  # the wait and when it ends (monotonic)
        self._note = ""

    def start(self, total: int, description: str) -> None:
        self.stop()
        if total < self._threshold or not self._console.is_terminal:
            return
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), _StateColumn(self), console=self._console, transient=True)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        with self._lock:
            self._wait, self._note = None, ""

    def waiting(self, wait: Wait) -> None:
        """A session waits: the bar says why until the wait is over; without a bar, one line."""
        now = time.monotonic()
        with self._lock:
            busy = self._wait is not None and self._wait[1] > now
            self._wait = (wait, now + wait.seconds)
        if self._bar is None and not busy:
            self._console.print(user_text(wait.describe().capitalize() + "..."), soft_wrap=True)

    def stopping(self) -> None:
        """The first Ctrl-C of a run: said at once, and logged."""
        log.warning("Ctrl-C: stopping the run.", extra=FILE_ONLY)
        self.say(STOPPING)

    def say(self, text: str) -> None:
        """A line above the bar (or alone), kept on the bar too while it runs."""
        with self._lock:
            self._note = text
        console = self._bar.console if self._bar is not None else self._console
        console.print(user_text(text, "yellow"), soft_wrap=True)

    def state(self) -> str:
        with self._lock:
            if self._note:
                return self._note
            if self._wait is None:
                return ""
            wait, until = self._wait
        left = until - time.monotonic()
        return wait.describe(left) if left > 0 else ""


class _StateColumn(ProgressColumn):
    """Why the bar is not moving: a wait and its reason, or that the run is stopping."""

    def __init__(self, progress: BarProgress) -> None:
        super().__init__()
        self._progress = progress

    def render(self, task: Task) -> Text:
        return Text(self._progress.state(), style="yellow")


def _counts(result: Any) -> dict[str, int]:
    if hasattr(result, "as_counts"):
        return dict(result.as_counts())
    return {key: int(getattr(result, key, 0) or 0) for key, _ in SUMMARY_ROWS}


OPERATION_TITLES = {"initial": "Initial sync", "full": "Full sync", "push": "Sheets -> Trello",
                    "pull": "Trello -> Sheets", "lead": "One lead -> task", "card": "One task -> lead"}


def held_back_sentence(result: Any) -> str:
    """What the CLI and the sandbox's web view say when a safety guard held deletions back."""
    if not result.force_would_do_them:
        return (f"{result.held_back} deletions or archivings were held back because one side reads as empty; "
                f"--force-delete cannot override that guard (see the reason above).")
    return (f"{result.held_back} deletions or archivings were held back by a safety guard; everything else "
            f"was done. Check the sheet and the board; if the deletions are intended, `python main.py sync "
            f"--force-delete` does them.")


def operation_title(result: Any) -> str:
    operation = _s(getattr(result, "operation", "")) or "sync"
    operation = OPERATION_TITLES.get(operation, operation)
    suffix = " (dry run: nothing was changed)" if getattr(result, "dry_run", False) else ""
    return f"Summary: {operation}{suffix}"


def failure_sentence(failure: Failure) -> str:
    """A failed action as the user reads it under the summary."""
    return f"Lead {failure.lead_id} ({failure.name}): {failure.kind} failed: {failure.error}"


def _count_style(key: str, value: int) -> str:
    if not value:
        return "dim"
    return {"failed": "bold red", "conflicts": "yellow", "held_back": "yellow"}.get(key, "green")


def change_text(action: Any) -> str:
    """'NEW -> CONTACTED', as the plan table and the action lines show a change."""
    before, after = getattr(action, "from_value", None), getattr(action, "to_value", None)
    if before is None and after is None:
        return ""
    return f"{before or '-'} -> {after or '-'}"


def _size(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


def _listing(items: Any, limit: int = 10) -> str:
    items = list(items or [])
    if not items:
        return "none"
    shown = ", ".join(_describe(item) for item in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items)}: {shown}{more}"


def _describe(item: Any) -> str:
    """A lead, a card or a plain value, in a few words."""
    if isinstance(item, str):
        return item
    if hasattr(item, "row") and hasattr(item, "email"):
        return f"{item.id or '(no id)'} {item.name}".strip()
    if hasattr(item, "list_name") and hasattr(item, "desc"):
        return f"{item.name} ({item.id})"
    return str(item)


def _s(value: Any) -> str:
    return "" if value is None else str(value)
