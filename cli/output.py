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
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, TextIO, cast

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cli.changes import failed_sentence, lead_order, looked_at, sentence, sorted_by_lead
from core.control import Wait
from core.journal import TrashedRow
from core.logger import FILE_ONLY, redact
from core.plan import SUMMARY_LABELS, Action, Count, Mode
from core.results import Failure, Outcome, RestoreResult, StatusReport, SyncResult
from core.text import columns, shown, terminal_lines

if TYPE_CHECKING:
    from cli.doctor import Check

log = logging.getLogger("worklead.cli")

# Below this many actions a progress bar only flickers.
PROGRESS_MIN_ACTIONS = 20
# Lists longer than this (changes made, the preview, pending changes) show this many and a count.
SHOWN_ROWS = 20
PLAIN_WIDTH = 120
_LINE_END_SPACES = re.compile(r"[ \t]+(?=\r?\n)")
STOPPING = "Stopping: linking the cards already made... (Ctrl-C again stops at once)"



def user_text(value: Any, style: str = "", keep_newlines: bool = False) -> Text:
    """Anything for the console, cells and card titles included: shown verbatim, never parsed as markup."""
    return Text(shown(value, keep_newlines=keep_newlines), style=style)


class RedactingStream:
    """A text stream that masks secrets on the way out and otherwise behaves like its target.

    Piped (not a terminal), it also drops the spaces that end a line: rich pads table cells to
    their column's width, and a file or a pipe should not carry that padding.
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._trim = not target.isatty()
        self._held = ""  # spaces that ended the last write: dropped if the line ends there

    def write(self, text: str) -> int:
        out = redact(text)
        if self._trim:
            out = _LINE_END_SPACES.sub("", self._held + out)
            kept = out.rstrip(" \t")
            out, self._held = kept, out[len(kept):]
        self._target.write(out)
        return len(text)

    def flush(self) -> None:
        # A flush ends a prompt ("Lead ID: "): its space stays.
        if self._held:
            self._target.write(self._held)
            self._held = ""
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
    # A terminal's own width; piped, COLUMNS when set (rich reads it), else PLAIN_WIDTH.
    sized = target.isatty() or os.environ.get("COLUMNS", "").strip().isdigit()
    # rich uses only what RedactingStream has (write, flush, isatty, fileno, encoding).
    stream = cast(TextIO, RedactingStream(target))
    return Console(file=stream, highlight=False, soft_wrap=False,
                   width=None if sized else PLAIN_WIDTH, force_terminal=None)


def say(console: Console, text: Text, indent: int = 0) -> None:
    """One message: on a terminal wrapped at spaces to its width (never inside a word, a path or a
    URL; later lines indented by `indent`); piped, each line whole, for grep and for the reader's pager."""
    if not console.is_terminal:
        console.print(text, soft_wrap=True)
        return
    for line in terminal_lines(text, console.width, indent):
        console.print(line, soft_wrap=True)


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
        say(self.out, user_text(text, style or "", keep_newlines=True))

    def error(self, text: str) -> None:
        say(self.err, user_text(text, "bold red", keep_newlines=True))

    def warn(self, text: str) -> None:
        say(self.err, user_text(text, "yellow", keep_newlines=True))

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

    def _print_table(self, table: Table) -> None:
        # rich folds a word longer than its column (`CONFLICT_W|INNER`): each column is made at least as
        # wide as its longest word instead, and a table that cannot fit then runs past the width.
        for column in table.columns:
            cells = [column.header, *column.cells]
            column.min_width = max((columns(word) for cell in cells if isinstance(cell, (str, Text))
                                    for word in str(cell).split()), default=None)
        self.out.print(table, crop=False)

    # -- results ---------------------------------------------------------------
    def summary(self, result: SyncResult) -> None:
        table = self._table(operation_title(result), show_header=False)
        table.add_column("what")
        table.add_column("count", justify="right")
        for count, label in SUMMARY_LABELS.items():
            value = result.count(count)
            style = _count_style(count, value) if self.terminal else ""
            table.add_row(user_text(label), user_text(value, style))
        self._print_table(table)
        if result.subject is not None:
            self.line(looked_at(result.subject, result))
        self.bullets(result.messages)
        self.bullets([failure_sentence(f) for f in result.failures], style="red")
        self.bullets([f"conflict: {d}" for d in result.conflict_details], style="yellow")

    def bullets(self, items: Iterable[str], style: str = "") -> None:
        """One '- ' line per item, long ones wrapped at words under their own text."""
        for item in items:
            say(self.out, user_text(f"- {item}", style), indent=2)

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
        message = f"Stopped (Ctrl-C): {saved}the next sync does the rest."
        log.warning(message, extra=FILE_ONLY)
        self.warn(message)

    def plan(self, actions: Iterable[Action], title: str = "Preview: what a full sync would do",
             held: Iterable[Action] = (), show_all: bool = False) -> None:
        actions = list(actions)
        held = [a for a in held if a not in actions]
        if not actions and not held:
            self.line("Nothing to do: the sheet and the board are in step.")
            return
        rows = sorted([(a, "") for a in actions] + [(a, " (held back)") for a in held],
                      key=lambda row: lead_order(row[0].lead_id))
        shown_rows = rows if show_all else rows[:SHOWN_ROWS]
        table = self._table(f"{title} ({len(rows)} change{'' if len(rows) == 1 else 's'})")
        for name in ("Lead", "Name", "Action", "From -> To", "Reason"):
            table.add_column(name, overflow="fold")
        for action, note in shown_rows:
            table.add_row(user_text(action.lead_id), user_text(action.name), user_text(action.kind + note),
                          user_text(change_text(action)), user_text(action.reason))
        self._print_table(table)
        if len(rows) > len(shown_rows):
            self.line(f"and {len(rows) - len(shown_rows)} more (see `python main.py sync --dry-run --all`)")

    def status(self, report: StatusReport, show_all: bool = False) -> None:
        self.lists(report)
        table = self._table("Status", show_header=False)
        table.add_column("what")
        table.add_column("value", overflow="fold")
        rows = [("Linked leads", str(len(report.links))),
                ("Unlinked leads", _listing(report.unlinked_leads)),
                ("Orphan cards", _listing(report.orphan_cards)),
                ("Archived cards", _listing(report.archived_cards)),
                ("Pending changes", str(len(report.pending))),
                ("Last sync", report.last_sync or "never"),
                ("Sync count", str(report.sync_count)),
                ("Last run's conflicts", _listing(report.last_conflicts))]
        for label, value in rows:
            table.add_row(user_text(label), user_text(value))
        self._print_table(table)
        if report.pending:
            self.plan(report.pending, title="Pending changes", show_all=show_all)
        self.bullets(report.messages)

    def lists(self, report: StatusReport) -> None:
        """How many leads each status has, in which list, and how many of them are linked."""
        table = self._table("Leads per list")
        for name, justify in (("Status", "left"), ("List", "left"), ("Leads", "right"), ("Linked", "right"),
                              ("Not linked", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in report.per_status:
            table.add_row(user_text(row.status), user_text(row.list_name or "-"), user_text(row.leads),
                          user_text(row.linked), user_text(row.leads - row.linked))
        self._print_table(table)

    def trash(self, rows: list[TrashedRow]) -> None:
        """What `restore` can put back, newest first, with when and why each row went."""
        if not rows:
            self.line("Nothing to restore: no row deleted by a sync is in data/trash.jsonl.")
            return
        table = self._table(title="Rows a sync deleted (newest first)")
        for name in ("id", "row", "deleted at", "why"):
            table.add_column(name)
        for row in rows:
            named = row.by_column
            person = ", ".join(v for v in (named.get("name", ""), named.get("email", "")) if v)
            table.add_row(user_text(row.lead_id), user_text(person), user_text(row.time), user_text(row.reason))
        self._print_table(table)
        self.line("Put rows back with: python main.py restore ID [ID ...]")

    def restored(self, result: RestoreResult) -> None:
        for row in result.restored:
            self.line(f"Restored lead {row.lead_id} ({row.by_column.get('name', '')}) as the sheet's last row, "
                      f"every column as it was; the next sync treats it as a new lead.", style="green")
            dropped = result.dropped_columns.get(row.lead_id)
            if dropped:
                self.warn(f"The header no longer has {', '.join(dropped)}: lead {row.lead_id}'s values there "
                          f"are still in data/trash.jsonl.")
        for lead_id in result.in_sheet:
            self.warn(f"Lead {lead_id} was not restored: a row with that id is already in the sheet.")

    def checklist(self, checks: Iterable["Check"]) -> None:
        for check in checks:
            mark = Text("OK  ", style="green") if check.ok else Text("FAIL", style="bold red")
            line = Text.assemble(mark, " ", user_text(check.name))
            if check.detail:
                line.append_text(user_text(f": {check.detail}", keep_newlines=True))
            say(self.out, line, indent=len("OK   "))
            if not check.ok and check.fix:
                say(self.out, user_text(f"      fix: {check.fix}", keep_newlines=True), indent=len("      fix: "))


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
            said = wait.describe()
            # str.capitalize() would also lower the rest: "waiting for trello's rate limit".
            say(self._console, user_text(said[:1].upper() + said[1:] + "..."))

    def stopping(self) -> None:
        """The first Ctrl-C of a run: said at once, and logged."""
        log.warning("Ctrl-C: stopping the run.", extra=FILE_ONLY)
        self.say(STOPPING)

    def say(self, text: str) -> None:
        """A line above the bar (or alone), kept on the bar too while it runs."""
        with self._lock:
            self._note = text
        console = self._bar.console if self._bar is not None else self._console
        say(console, user_text(text, "yellow"))

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


OPERATION_TITLES = {Mode.INITIAL: "Initial sync", Mode.FULL: "Full sync", Mode.PUSH: "Sheets -> Trello",
                    Mode.PULL: "Trello -> Sheets", Mode.LEAD: "One lead -> task", Mode.CARD: "One task -> lead"}


def held_back_sentence(result: SyncResult) -> str:
    """What the CLI and the sandbox's web view say when a safety guard held deletions back."""
    if not result.force_would_do_them:
        return (f"{result.held_count} deletions or archivings were held back because one side reads as empty, "
                f"and nothing was written; --force-delete cannot override that guard (see the reason above).")
    return (f"{result.held_count} deletions or archivings were held back by a safety guard, and nothing was "
            f"written. Check the sheet and the board; if the deletions are intended, `python main.py sync "
            f"--force-delete` does them.")


def operation_title(result: SyncResult) -> str:
    operation = OPERATION_TITLES.get(result.operation, result.operation)
    suffix = " (dry run: nothing was changed)" if result.dry_run else \
        " (stopped with Ctrl-C)" if result.interrupted else ""
    return f"Summary: {operation}{suffix}"


def failure_sentence(failure: Failure) -> str:
    """A failed action as the user reads it under the summary (the kind stays in the log file)."""
    return failed_sentence(failure.kind, failure.lead_id, failure.name, failure.error)


def _count_style(count: Count, value: int) -> str:
    if not value:
        return "dim"
    return {Count.FAILED: "bold red", Count.CONFLICTS: "yellow", Count.HELD_BACK: "yellow"}.get(count, "green")


def change_text(action: Action) -> str:
    """'NEW -> CONTACTED', as the plan table and the action lines show a change."""
    before, after = action.from_value, action.to_value
    if before is None and after is None:
        return ""
    return f"{before or '-'} -> {after or '-'}"


def _listing(items: list[str], limit: int = 10) -> str:
    if not items:
        return "none"
    listed = ", ".join(items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{len(items)}: {listed}{more}"
