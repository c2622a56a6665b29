"""The program: the parser and the menu, both made from cli.commands.COMMANDS, and the entry point."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from cli import VERSION
from cli.commands import COMMANDS, Command, Context, menu_entries, menu_note, subcommands
from cli.output import Printer
from cli.services import Services
from core.config import Settings
from core.control import StopRequested
from core.errors import SettingsError, WorkLeadError
from core.logger import FILE_ONLY, current_log_file, setup_logging
from core.results import INTERRUPTED

log = logging.getLogger("worklead.cli")

RULE = "=" * 30
EXIT_CODES = """exit codes:
  0    done
  1    some items failed, or an unexpected error (see the log file)
  2    settings or usage error (doctor says what to fix)
  3    another sync holds the lock (this folder's, or the sheet and board's from elsewhere; or this
       folder's sandbox already serves)
  4    a safety guard stopped the run before it wrote anything
  130  stopped with Ctrl-C"""


class UsageError(Exception):
    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """Raises UsageError instead of exiting, so the menu can say the sentence and carry on."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def build_parser() -> Parser:
    parser = Parser(prog="python main.py", usage="python main.py [--sandbox] [COMMAND [OPTIONS]]",
                    description="Keep a Google Sheets lead list and a Trello board in step. "
                                "Without a COMMAND, opens the menu.",
                    epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"WorkLead {VERSION}")
    _global_flags(parser, False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="python main.py [--sandbox]",
                                parser_class=Parser)
    for command in subcommands():
        text = command.help + menu_note(command.name)
        p = sub.add_parser(command.name, help=text, description=text[0].upper() + text[1:] + ".")
        for arg in command.args:
            p.add_argument(*arg.names, **arg.options)
        # After the command too (`sync --sandbox`); SUPPRESS keeps the value given before it.
        _global_flags(p, argparse.SUPPRESS)
    return parser


def _global_flags(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--sandbox", action="store_true", default=default,
                        help="run against the local sandbox (data/sandbox/) instead of the configured services")
    parser.add_argument("--verbose", action="store_true", default=default,
                        help="also log every HTTP request to the log file (as LOG_LEVEL=DEBUG does)")


def menu_text() -> str:
    lines = [RULE, "WELCOME TO WORKLEAD SYNC TOOL", RULE, "Choose an option:"]
    lines += [f"{c.key}. {c.label}" for c in menu_entries()]
    return "\n".join([*lines, "Q. Quit", RULE])


MENU_CHOICES = "1-9, 0 or Q"


# -- running one command --------------------------------------------------------------
def run(ctx: Context, args: argparse.Namespace) -> int:
    """One subcommand; WorkLead's errors become their sentence, anything else one line and the log."""
    command = next(c for c in subcommands() if c.name == args.command)
    assert command.run is not None
    started = time.monotonic()
    ctx.last_result = None
    log.info("Run started: %s%s", _what(args), _pair(ctx), extra=FILE_ONLY)
    try:
        code = _guarded(ctx, command, args)
    except KeyboardInterrupt:  # a second Ctrl-C: the run ends at once, and the log still says so
        _log_end(ctx, args, started, INTERRUPTED)
        raise
    _log_end(ctx, args, started, code)
    return code


def _log_end(ctx: Context, args: argparse.Namespace, started: float, code: int) -> None:
    counts: dict[str, int] = ctx.last_result.as_counts() if ctx.last_result is not None else {}
    log.info("Run ended: %s%s; %s; %.1f s; exit code %d%s", _what(args), _pair(ctx),
             ", ".join(f"{k} {v}" for k, v in counts.items()) or "no sync counts",
             time.monotonic() - started, code, " (stopped with Ctrl-C)" if code == INTERRUPTED else "",
             extra=FILE_ONLY)


def _guarded(ctx: Context, command: Command, args: argparse.Namespace) -> int:
    assert command.run is not None
    try:
        return command.run(ctx, args)
    except StopRequested:  # Ctrl-C before anything was written; the run's report has said so
        return INTERRUPTED
    except WorkLeadError as exc:
        log.error("%s", exc.message, extra=FILE_ONLY)
        ctx.printer.error(exc.message)
        return exc.exit_code
    except Exception as exc:  # the last line of defence: one sentence, traceback to the log only
        log.error("Unexpected error", exc_info=True, extra=FILE_ONLY)
        where = current_log_file() or "the log file"
        ctx.printer.error(f"Unexpected error ({type(exc).__name__}: {exc}); details in {where}.")
        return 1


def _what(args: argparse.Namespace) -> str:
    flags = [f"--{k.replace('_', '-')}" for k, v in sorted(vars(args).items())
             if v is True and k not in ("sandbox", "verbose")]
    target = f" {args.id}" if getattr(args, "id", None) else ""
    return " ".join([f"{args.command}{target}", *flags])


def _pair(ctx: Context) -> str:
    settings = ctx.services.loaded_settings
    if settings is None:
        return ""
    return f" (spreadsheet {settings.spreadsheet_id}, board {settings.trello_board_id})"


# -- the menu -------------------------------------------------------------------------
class Menu:
    """The original numbered menu, plus 7, 8, 9 and 0. Reads choices from stdin until Q, Ctrl-C or EOF."""

    def __init__(self, ctx: Context, parser: Parser) -> None:
        self.ctx = ctx
        self.parser = parser
        self.entries = {c.key: c for c in menu_entries()}

    def run(self) -> int:
        printer = self.ctx.printer
        # Settings first, so the sandbox banner or a settings problem shows before the menu.
        try:
            self.ctx.services.settings()
        except WorkLeadError as exc:
            printer.error(exc.message)
        show_menu = True
        while True:
            try:
                if show_menu:
                    printer.line(menu_text())
                    if self.ctx.services.sandbox_web_url:
                        printer.line(f"Watch the sandbox's sheet and board at {self.ctx.services.sandbox_web_url}")
                answer = printer.ask("Enter your choice: ").strip()
            except (KeyboardInterrupt, EOFError):  # at the menu itself: quit; nothing ran, nothing to claim
                printer.line()
                printer.line("Goodbye.")
                return 0
            if answer.upper() == "Q":
                printer.line("Goodbye.")
                return 0
            entry = self.entries.get(answer)
            if entry is None:
                printer.error(f"'{answer}' is not an option. Choose {MENU_CHOICES}.")
                show_menu = False
                continue
            show_menu = self._choose(entry)
            if show_menu:
                printer.line()

    def _choose(self, entry: Command) -> bool:
        """Ask the entry's questions and run it; False when nothing ran (the menu is not shown again)."""
        printer = self.ctx.printer
        try:
            argv = self._ask(entry)
        except (KeyboardInterrupt, EOFError):
            printer.line()
            printer.line("Cancelled; nothing was run.")
            return False
        if argv is None:
            return False
        try:
            args = self.parser.parse_args(argv)
        except UsageError as exc:
            printer.error(f"{exc.message.split(': ', 1)[-1]}; nothing was started.")
            return False
        try:
            run(self.ctx, args)
        except KeyboardInterrupt:  # a second Ctrl-C during a run: it has stopped and said what it saved
            pass
        return True

    def _ask(self, entry: Command) -> Optional[list[str]]:
        argv = [entry.name, *entry.preset]
        for prompt in entry.prompts:
            value = self.ctx.printer.ask(prompt.text).strip() or prompt.default
            if value is None:
                self.ctx.printer.error(prompt.blank)
                return None
            argv += [prompt.flag, value] if prompt.flag else [value]
        return argv


# -- entry point ------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {exc.message}", file=sys.stderr)
        return 2
    printer = Printer()
    verbose = bool(args.verbose) or os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"
    if args.command is not None and not next(c for c in subcommands() if c.name == args.command).needs_settings:
        return run(Context(Services(False, notice=printer.warn), printer), args)
    try:
        setup_logging(Path(os.environ.get("LOG_DIR") or "logs"), verbose=verbose)
    except OSError as exc:
        printer.error(_log_dir_problem(os.environ.get("LOG_DIR") or "logs", exc).message)
        return 2

    def settings_loaded(settings: Settings) -> None:
        # Now the log folder is known and every secret can be masked.
        try:
            setup_logging(Path(settings.log_dir), settings.secrets(), verbose=verbose)
        except OSError as exc:
            raise _log_dir_problem(settings.log_dir, exc) from None

    services = Services(args.sandbox, notice=printer.warn, progress=printer.progress, on_settings=settings_loaded)
    if args.sandbox:
        printer.warn("Using the local sandbox in data/sandbox/ (no real service is touched).")
    try:
        with services:
            if args.command is None:
                return Menu(Context(services, printer, interactive=True), parser).run()
            return run(Context(services, printer), args)
    except (KeyboardInterrupt, StopRequested):
        return INTERRUPTED


def _log_dir_problem(log_dir: object, exc: OSError) -> SettingsError:
    why = "it is a file, not a folder" if Path(str(log_dir)).exists() and not Path(str(log_dir)).is_dir() \
        else exc.strerror or str(exc)
    return SettingsError(f"The log folder {log_dir} cannot be written ({why}); "
                         f"set LOG_DIR to a folder you can write to.")


__all__ = ["COMMANDS", "build_parser", "main", "menu_text"]
