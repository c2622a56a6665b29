"""WorkLead's command line: the menu and the subcommands. Parse input, call the engine, print.

Run `python main.py` for the menu, or `python main.py --help` for the subcommands.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from cli.actionlog import run_and_report
from cli.output import Printer, held_back_sentence
from cli.session import Session
from cli.watch import DEFAULT_INTERVAL, INTERRUPTED, MIN_INTERVAL, Watcher
from core.control import StopRequested
from core.errors import SettingsError, WorkLeadError
from core.logger import current_log_file, setup_logging

log = logging.getLogger("worklead")

MENU = """==============================
WELCOME TO WORKLEAD SYNC TOOL
==============================
Choose an option:
1. Initial sync (Leads -> Cards)
2. Full bidirectional sync
3. Bulk sync: ALL leads -> tasks (Sheets -> Trello)
4. Bulk sync: ALL tasks -> leads (Trello -> Sheets)
5. Sync ONE lead -> task (by lead ID)
6. Sync ONE task -> lead (by lead ID or card ID)
7. Preview full sync (dry run)
8. Status report
9. Watch: full sync every N seconds
0. Check setup
Q. Quit
=============================="""
MENU_CHOICES = "1-9, 0 or Q"
YES = ("y", "yes")
# Enough of the held-back deletions to judge them by before answering.
HELD_SHOWN = 10


# -- parsing ------------------------------------------------------------------------
EXIT_CODES = """exit codes:
  0    done
  1    some items failed (the rest were done)
  2    settings or usage error (doctor says what to fix)
  3    another sync holds the lock (or this folder's sandbox already serves)
  4    a safety guard held back deletions (everything else was done)
  130  stopped with Ctrl-C"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python main.py", usage="python main.py [--sandbox] [COMMAND [OPTIONS]]",
        description="Keep a Google Sheets lead list and a Trello board in step. "
                    "Without a COMMAND, opens the menu.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", action="store_true",
                        help="run against the local sandbox (data/sandbox/) instead of the configured services")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="python main.py [--sandbox]")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        # The same sentence in the command list and atop the command's own --help.
        return sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")

    command("initial", "create cards for leads that have none (menu 1)")
    sync = command("sync", "full two-way sync (menu 2; --dry-run is menu 7)")
    sync.add_argument("--dry-run", action="store_true", help="show the plan as a table, change nothing")
    sync.add_argument("--force-delete", action="store_true",
                      help="do the deletions and archivings even above MAX_DELETE_PERCENT")
    command("push", "copy every linked lead's status to its card (menu 3)")
    command("pull", "copy every linked card's status to its lead (menu 4)")
    command("lead", "copy one lead's status to its card (menu 5)").add_argument(
        "id", metavar="LEAD_ID", help="the lead's id (the sheet's id column)")
    command("card", "copy one card's status to its lead (menu 6)").add_argument(
        "id", metavar="ID_OR_LEAD_ID", help="a 24-hex-digit card id, or a lead id")
    command("status", "links, unlinked leads, orphan and archived cards, pending changes (menu 8)")
    watch = command("watch", "a full sync every N seconds until Ctrl-C (menu 9)")
    watch.add_argument("--interval", type=_seconds, default=DEFAULT_INTERVAL, metavar="SECONDS",
                       help=f"seconds between rounds (default {DEFAULT_INTERVAL:g})")
    watch.add_argument("--runs", type=_positive_int, default=None, metavar="N", help="stop after N rounds")
    doctor = command("doctor", "check the settings, access, sheet header and lists (menu 0)")
    doctor.add_argument("--fix", action="store_true", help="create missing Trello lists")
    command("reset", "with --sandbox only: the demo data back, and the sandbox's own mapping, trash and "
                     "history emptied")
    serve = command("sandbox", "serve the local sandbox alone and print the settings that point at it")
    serve.add_argument("--port", type=_port, default=8765, help="port on 127.0.0.1 (default 8765)")
    return parser


def _seconds(text: str) -> float:
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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0-65535; 0 picks a free one)")
    return value


# -- running one operation ------------------------------------------------------------
def guarded(printer: Printer, step: Callable[[], int]) -> int:
    """Run a step; WorkLead's errors become their sentence, anything else one line and the log."""
    try:
        return step()
    except StopRequested:  # Ctrl-C before anything was written; run_and_report has said so
        return INTERRUPTED
    except WorkLeadError as exc:
        log.error("%s", exc.message, extra={"file_only": True})
        printer.error(exc.message)
        return exc.exit_code
    except Exception as exc:  # the last line of defence: one sentence, traceback to the log only
        log.error("Unexpected error", exc_info=True, extra={"file_only": True})
        where = current_log_file() or "the log file"
        printer.error(f"Unexpected error ({type(exc).__name__}: {exc}); details in {where}.")
        return 1


def perform(session: Session, printer: Printer, call: Callable[[Any], Any]) -> int:
    """One engine operation, reported; its exit code."""
    engine = session.engine()  # settings first: loading them sets up the log file the report names
    return int(run_and_report(printer, engine, call).exit_code)


def run_sync(session: Session, printer: Printer, dry_run: bool = False, force_delete: bool = False) -> Any:
    engine = session.engine()
    return run_and_report(printer, engine, lambda e: e.full_sync(dry_run=dry_run, force_delete=force_delete))


def held_back_hint(printer: Printer, result: Any) -> None:
    if not getattr(result, "held_back", 0) or getattr(result, "dry_run", False):
        return
    printer.warn(held_back_sentence(result))


def status(session: Session, printer: Printer) -> int:
    printer.status(session.engine().status_report())
    return 0


def doctor(session: Session, printer: Printer, fix: bool) -> int:
    from cli.doctor import Doctor

    checkup = Doctor(session, fix=fix)
    printer.checklist(checkup.run())
    if checkup.all_ok:
        printer.line("Everything is set up.", style="green")
        return 0
    return 2


def watch(session: Session, printer: Printer, interval: float, runs: Optional[int]) -> int:
    return Watcher(session.engine, printer, interval=interval, runs=runs).run()


def reset(session: Session, printer: Printer) -> int:
    session.reset_sandbox()
    printer.line("The sandbox is back to its demo data, with no cards yet; its own mapping, trash and "
                 "history are emptied. The next `python main.py --sandbox sync` creates the demo cards.")
    return 0


# -- subcommands ----------------------------------------------------------------------
def run_command(args: argparse.Namespace, session: Session, printer: Printer) -> int:
    command = args.command
    if command == "reset":
        if not args.sandbox:
            printer.error("reset works on the sandbox only, never on a real sheet or board: "
                          "python main.py --sandbox reset")
            return 2
        return guarded(printer, lambda: reset(session, printer))
    if command == "doctor":
        return guarded(printer, lambda: doctor(session, printer, args.fix))
    if command == "status":
        return guarded(printer, lambda: status(session, printer))
    if command == "watch":
        return guarded(printer, lambda: watch(session, printer, args.interval, args.runs))
    if command == "sync":
        def sync() -> int:
            result = run_sync(session, printer, args.dry_run, args.force_delete)
            held_back_hint(printer, result)
            return int(result.exit_code)
        return guarded(printer, sync)
    calls: dict[str, Callable[[Any], Any]] = {
        "initial": lambda e: e.initial_sync(),
        "push": lambda e: e.push(),
        "pull": lambda e: e.pull(),
        "lead": lambda e: e.sync_lead(args.id.strip()),
        "card": lambda e: e.sync_card(args.id.strip()),
    }
    if command in ("lead", "card") and not args.id.strip():
        printer.error(f"No id given; nothing was synced. Usage: python main.py {command} "
                      f"{'LEAD_ID' if command == 'lead' else 'ID_OR_LEAD_ID'}")
        return 2
    return guarded(printer, lambda: perform(session, printer, calls[command]))


# -- the menu -------------------------------------------------------------------------
class Menu:
    """The original numbered menu, plus 7, 8, 9 and 0. Reads choices from stdin until Q or EOF."""

    def __init__(self, session: Session, printer: Printer) -> None:
        self.session = session
        self.printer = printer
        self.actions: dict[str, Callable[[], int]] = {
            "1": lambda: self._engine_call(lambda e: e.initial_sync()),
            "2": self._full_sync,
            "3": lambda: self._engine_call(lambda e: e.push()),
            "4": lambda: self._engine_call(lambda e: e.pull()),
            "5": lambda: self._with_id("Lead ID: ", lambda e, i: e.sync_lead(i)),
            "6": lambda: self._with_id("Lead ID or card ID: ", lambda e, i: e.sync_card(i)),
            "7": lambda: guarded(self.printer, lambda: int(run_sync(self.session, self.printer, True).exit_code)),
            "8": lambda: guarded(self.printer, lambda: status(self.session, self.printer)),
            "9": self._watch,
            "0": lambda: guarded(self.printer, lambda: doctor(self.session, self.printer, fix=False)),
        }

    def run(self) -> int:
        # Settings first, so the sandbox banner or a settings problem shows before the menu.
        guarded(self.printer, lambda: (self.session.settings(), 0)[1])
        while True:
            try:
                try:
                    self.printer.line(MENU)
                    if self.session.sandbox_web_url:
                        self.printer.line(f"Watch the sandbox's sheet and board at {self.session.sandbox_web_url}")
                    answer = self.printer.ask("Enter your choice: ").strip()
                except KeyboardInterrupt:
                    answer = "Q"  # Ctrl-C at the menu itself quits; nothing ran, so nothing to claim
                    self.printer.line()
                choice = answer.upper()
                if choice == "Q":
                    self.printer.line("Goodbye.")
                    return 0
                action = self.actions.get(choice)
                if action is None:
                    self.printer.error(f"'{answer}' is not an option. Choose {MENU_CHOICES}.")
                    continue
                action()
            except EOFError:
                self.printer.line()
                return 0
            self.printer.line()

    def _engine_call(self, call: Callable[[Any], Any]) -> int:
        return guarded(self.printer, lambda: perform(self.session, self.printer, call))

    def _with_id(self, prompt: str, call: Callable[[Any, str], Any]) -> int:
        value = self.printer.ask(prompt).strip()
        if not value:
            self.printer.error("No id given; nothing was synced.")
            return 2
        return self._engine_call(lambda e: call(e, value))

    def _full_sync(self) -> int:
        def sync() -> int:
            result = run_sync(self.session, self.printer)
            held = getattr(result, "held_back", 0)
            if held:
                self.printer.plan(list(getattr(result, "held", []) or []), title="Held back", limit=HELD_SHOWN)
            if held and not result.force_would_do_them:
                held_back_hint(self.printer, result)
            elif held and self.printer.ask(f"Delete/archive {held} items anyway? [y/N] ").strip().lower() in YES:
                result = run_sync(self.session, self.printer, force_delete=True)
            return int(result.exit_code)
        return guarded(self.printer, sync)

    def _watch(self) -> int:
        answer = self.printer.ask(f"Seconds between syncs [{DEFAULT_INTERVAL:g}]: ").strip()
        try:
            interval = _seconds(answer) if answer else DEFAULT_INTERVAL
        except argparse.ArgumentTypeError as exc:
            self.printer.error(f"{exc}; nothing was started.")
            return 2
        code = guarded(self.printer, lambda: watch(self.session, self.printer, interval, None))
        return 0 if code == INTERRUPTED else code


# -- entry point ------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        from cli.webrun import runner_for
        from sandbox import SandboxBusy
        from sandbox.cli import serve

        try:
            return serve(port=args.port, runner_for=runner_for)
        except KeyboardInterrupt:  # pressed while it was still starting up
            print("\nSandbox stopped.")
            return 0
        except SandboxBusy as exc:
            Printer().error(exc.message)
            return 3
        except OSError as exc:
            Printer().error(f"The sandbox cannot listen on port {args.port} ({exc.strerror or exc}); "
                            f"pick another with --port, or --port 0 for any free one.")
            return 2
    printer = Printer()
    try:
        setup_logging(Path(os.environ.get("LOG_DIR") or "logs"))
    except OSError as exc:
        printer.error(_log_dir_problem(os.environ.get("LOG_DIR") or "logs", exc).message)
        return 2
    session = Session(args.sandbox, notice=printer.warn, progress=printer.progress,
                      on_settings=_settings_loaded)
    if args.sandbox:
        printer.warn("Using the local sandbox in data/sandbox/ (no real service is touched).")
    try:
        with session:
            if args.command is None:
                return Menu(session, printer).run()
            return run_command(args, session, printer)
    except (KeyboardInterrupt, StopRequested):
        return INTERRUPTED


def _settings_loaded(settings: Any) -> None:
    # Now the log folder is known and every secret can be masked.
    try:
        setup_logging(Path(settings.log_dir), settings.secrets())
    except OSError as exc:
        raise _log_dir_problem(settings.log_dir, exc) from None


def _log_dir_problem(log_dir: Any, exc: OSError) -> SettingsError:
    why = "it is a file, not a folder" if Path(log_dir).exists() and not Path(log_dir).is_dir() \
        else exc.strerror or str(exc)
    return SettingsError(f"The log folder {log_dir} cannot be written ({why}); "
                         f"set LOG_DIR to a folder you can write to.")


if __name__ == "__main__":
    sys.exit(main())
