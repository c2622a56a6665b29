"""Every operation once: menu key and label, subcommand, help, arguments, and what it runs.

COMMANDS generates both the menu and the argparse parser (cli/app.py). A menu
entry runs its subcommand with the arguments its prompts collect, through the
same parser, so the menu and the command line cannot drift apart.
"""
from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from cli.actionlog import run_and_report
from cli.output import Printer, held_back_sentence
from cli.services import Services
from cli.watch import DEFAULT_INTERVAL, INTERRUPTED, MIN_INTERVAL, Watcher
from core.results import SyncResult
from core.sync_logic import SyncEngine

YES = ("y", "yes")


@dataclass
class Context:
    """One run of the program: the services it talks to, its voice, and whether a person answers prompts."""

    services: Services
    printer: Printer
    interactive: bool = False  # the menu: held-back deletions are asked about, not only reported
    last_result: Optional[SyncResult] = None  # the last engine run's, for the log's run-end line

    def report(self, engine: SyncEngine, call: Callable[[SyncEngine], SyncResult],
               show_all: bool = False) -> SyncResult:
        self.last_result = run_and_report(self.printer, engine, call, show_all=show_all)
        return self.last_result


@dataclass(frozen=True)
class Arg:
    """One argparse argument: its names and add_argument's keywords."""

    names: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prompt:
    """A menu question that fills one argument. Blank: `default` (None: nothing is run)."""

    text: str
    flag: Optional[str] = None  # None: a positional argument
    default: Optional[str] = None
    blank: str = "No id given; nothing was synced."


@dataclass(frozen=True)
class Command:
    name: str  # the subcommand
    help: str
    run: Optional["Runner"] = None  # None: the menu form of another row
    key: Optional[str] = None  # menu key
    label: Optional[str] = None  # menu text (the original tool's, for 1-6)
    args: tuple[Arg, ...] = ()
    preset: tuple[str, ...] = ()  # arguments the menu entry always passes (7: --dry-run)
    prompts: tuple[Prompt, ...] = ()
    needs_settings: bool = True


# -- argument types ---------------------------------------------------------------------
def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds (at least {MIN_INTERVAL:g})")
    if value < MIN_INTERVAL:
        raise argparse.ArgumentTypeError(f"'{text}' seconds is below the shortest interval, {MIN_INTERVAL:g} s "
                                         f"(each round asks both services whether anything changed)")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0-65535; 0 picks a free one)")
    return value


# -- what the rows run ----------------------------------------------------------------------
Runner = Callable[[Context, argparse.Namespace], int]


def engine_call(call: Callable[[SyncEngine, argparse.Namespace], SyncResult]) -> Runner:
    def run(ctx: Context, args: argparse.Namespace) -> int:
        engine = ctx.services.engine()  # settings first: loading them sets up the log file the report names
        return ctx.report(engine, lambda e: call(e, args)).exit_code
    return run


def one_id(call: Callable[[SyncEngine, str], SyncResult], usage: str) -> Runner:
    engine_run = engine_call(lambda e, a: call(e, a.id.strip()))

    def run(ctx: Context, args: argparse.Namespace) -> int:
        if not args.id.strip():
            ctx.printer.error(f"No id given; nothing was synced. Usage: python main.py {usage}")
            return 2
        return engine_run(ctx, args)
    return run


CARD_URL = re.compile(r"(?:https?://)?(?:www\.)?trello\.com/c/([0-9A-Za-z]{8})(?:[/?#].*)?\Z")
SHORT_LINK = re.compile(r"[0-9A-Za-z]{8}\Z")


def card(ctx: Context, args: argparse.Namespace) -> int:
    """Option 6: a card id, a card's short link or URL, or a lead id."""
    value = args.id.strip()
    url = CARD_URL.match(value)
    short = url.group(1) if url else value if SHORT_LINK.match(value) and not value.isdigit() else None
    if short is not None:
        found = ctx.services.engine().board.get_card(short)
        if found is not None:
            value = found.id
        elif url:
            ctx.printer.error(f"No card has the short link {short} (taken from the card URL); nothing was synced.")
            return 2
        # else: not a card's short link; it may still be a lead id
    return _sync_card(ctx, argparse.Namespace(**{**vars(args), "id": value}))


def sync(ctx: Context, args: argparse.Namespace) -> int:
    """The full sync, and the one place that handles deletions a safety guard held back."""
    engine = ctx.services.engine()
    result = ctx.report(engine, lambda e: e.full_sync(dry_run=args.dry_run, force_delete=args.force_delete),
                        show_all=args.all)
    if not result.held or result.dry_run or result.interrupted:
        return result.exit_code
    if not result.force_would_do_them:
        ctx.printer.warn(held_back_sentence(result))
        return result.exit_code
    if not ctx.interactive:
        ctx.printer.warn(held_back_sentence(result))
        return result.exit_code
    return _ask_held_back(ctx, engine, result)


def _ask_held_back(ctx: Context, engine: SyncEngine, result: SyncResult) -> int:
    printer, held = ctx.printer, result.held_count
    printer.plan(result.held, title="Held back")
    printer.line(f"Nothing was written. y: delete and archive these {held} now. "
                 f"N: keep them all; the next sync holds them back again until you say y "
                 f"(or run `python main.py sync --force-delete`).")
    if printer.ask(f"Delete/archive {held} items anyway? [y/N] ").strip().lower() not in YES:
        printer.line(f"Kept: none of the {held} rows or cards was deleted or archived.")
        return result.exit_code
    return ctx.report(engine, lambda e: e.full_sync(force_delete=True)).exit_code


def status(ctx: Context, args: argparse.Namespace) -> int:
    ctx.printer.status(ctx.services.engine().status_report(), show_all=args.all)
    return 0


def doctor(ctx: Context, args: argparse.Namespace) -> int:
    from cli.doctor import Doctor

    checkup = Doctor(ctx.services, fix=args.fix)
    ctx.printer.checklist(checkup.run())
    if checkup.all_ok:
        ctx.printer.line("Everything is set up.", style="green")
        return 0
    return 2


def watch(ctx: Context, args: argparse.Namespace) -> int:
    code = Watcher(ctx.services.engine, ctx.printer, interval=args.interval, runs=args.runs).run()
    return 0 if ctx.interactive and code == INTERRUPTED else code  # the menu: Ctrl-C ends the watch, not the program


def reset(ctx: Context, args: argparse.Namespace) -> int:
    if not args.sandbox:
        ctx.printer.error("reset works on the sandbox only, never on a real sheet or board: "
                          "python main.py --sandbox reset")
        return 2
    ctx.services.reset_sandbox()
    ctx.printer.line("The sandbox is back to its demo data, with no cards yet; its own mapping, trash and "
                     "history are emptied. The next `python main.py --sandbox sync` creates the demo cards.")
    return 0


def restore(ctx: Context, args: argparse.Namespace) -> int:
    engine = ctx.services.engine()
    ids = [i.strip() for i in args.ids if i.strip()]
    if not ids:
        ctx.printer.trash(engine.trash.restorable())
        return 0
    result = engine.restore(ids)
    ctx.printer.restored(result)
    return result.exit_code


def sandbox(ctx: Context, args: argparse.Namespace) -> int:
    from cli.webrun import runner_for
    from sandbox import SandboxBusy
    from sandbox.cli import serve

    try:
        return serve(port=args.port, runner_for=runner_for)
    except KeyboardInterrupt:  # pressed while it was still starting up
        ctx.printer.line("\nSandbox stopped.")
        return 0
    except SandboxBusy as exc:
        ctx.printer.error(exc.message)
        return 3
    except OSError as exc:
        ctx.printer.error(f"The sandbox cannot listen on port {args.port} ({exc.strerror or exc}); "
                          f"pick another with --port, or --port 0 for any free one.")
        return 2


_sync_card = one_id(lambda e, i: e.sync_card(i), "card ID_OR_LEAD_ID")
ALL = Arg(("--all",), {"action": "store_true", "help": "list every pending change, not only the first 20"})
CARD_HELP = "a card id, the card's short link or URL (trello.com/c/...), or a lead id"

COMMANDS: tuple[Command, ...] = (
    Command("initial", "create cards for leads that have none", engine_call(lambda e, a: e.initial_sync()),
            key="1", label="Initial sync (Leads -> Cards)"),
    Command("sync", "full two-way sync", sync, key="2", label="Full bidirectional sync", args=(
        Arg(("--dry-run",), {"action": "store_true", "help": "show the plan as a table, change nothing"}),
        Arg(("--force-delete",), {"action": "store_true",
                                  "help": "do the deletions and archivings even above MAX_DELETE_PERCENT"}),
        ALL)),
    Command("push", "copy every linked lead's status to its card", engine_call(lambda e, a: e.push()),
            key="3", label="Bulk sync: ALL leads -> tasks (Sheets -> Trello)"),
    Command("pull", "copy every linked card's status to its lead", engine_call(lambda e, a: e.pull()),
            key="4", label="Bulk sync: ALL tasks -> leads (Trello -> Sheets)"),
    Command("lead", "copy one lead's status to its card", one_id(lambda e, i: e.sync_lead(i), "lead LEAD_ID"),
            key="5", label="Sync ONE lead -> task (by lead ID)",
            args=(Arg(("id",), {"metavar": "LEAD_ID", "help": "the lead's id (the sheet's id column)"}),),
            prompts=(Prompt("Lead ID: "),)),
    Command("card", "copy one card's status to its lead", card,
            key="6", label="Sync ONE task -> lead (by lead ID or card ID)",
            args=(Arg(("id",), {"metavar": "ID_OR_LEAD_ID", "help": CARD_HELP}),),
            prompts=(Prompt("Lead ID or card ID: "),)),
    Command("sync", "", key="7", label="Preview full sync (dry run)", preset=("--dry-run",)),
    Command("status", "leads per list, links, unlinked leads, orphan and archived cards, pending changes", status,
            key="8", label="Status report", args=(ALL,)),
    Command("watch", "a full sync every N seconds until Ctrl-C", watch,
            key="9", label="Watch: full sync every N seconds", args=(
                Arg(("--interval",), {"type": seconds, "default": DEFAULT_INTERVAL, "metavar": "SECONDS",
                                      "help": f"seconds between rounds (default {DEFAULT_INTERVAL:g})"}),
                Arg(("--runs",), {"type": positive_int, "default": None, "metavar": "N",
                                  "help": "stop after N rounds"})),
            prompts=(Prompt(f"Seconds between syncs [{DEFAULT_INTERVAL:g}]: ", flag="--interval",
                            default=f"{DEFAULT_INTERVAL:g}"),)),
    Command("doctor", "check the settings, access, sheet header and lists", doctor, key="0", label="Check setup",
            args=(Arg(("--fix",), {"action": "store_true", "help": "create missing Trello lists"}),)),
    Command("reset", "with --sandbox only: the demo data back, and the sandbox's own mapping, trash and "
                     "history emptied", reset),
    Command("restore", "put back rows a sync deleted, every column as it was; with no ID, list them", restore,
            args=(Arg(("ids",), {"nargs": "*", "metavar": "ID", "help": "the id of a deleted lead (see the list)"}),)),
    Command("sandbox", "serve the local sandbox alone and print the settings that point at it", sandbox,
            args=(Arg(("--port",), {"type": port, "default": 8765,
                                    "help": "port on 127.0.0.1 (default 8765)"}),),
            needs_settings=False),
)


def subcommands() -> list[Command]:
    """The rows that define a subcommand, in table order."""
    return [c for c in COMMANDS if c.run is not None]


def menu_entries() -> list[Command]:
    return [c for c in COMMANDS if c.key is not None]


def menu_note(name: str) -> str:
    """'(menu 2; --dry-run is menu 7)': where the menu offers a subcommand."""
    entries = [c for c in menu_entries() if c.name == name]
    parts = [f"menu {c.key}" if not c.preset else f"{' '.join(c.preset)} is menu {c.key}" for c in entries]
    return f" ({'; '.join(parts)})" if parts else ""
