"""Preview and Sync for the sandbox's web view: the engine of menu options 7 and 2, in this process,
each executed action reported to the page as it happens, the summary in the terminal's words.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from cli.actionlog import ENGINE_LOGGER
from cli.output import SUMMARY_ROWS, change_text, held_back_sentence, operation_title

Report = Callable[[dict[str, Any]], None]
Runner = Callable[[bool, Report], dict[str, Any]]
# The engine's per-action log lines: (kind, lead, name, from, to, reason) and, for deletions,
# (lead, name, reason). They become the page's action lines until the engine reports actions itself.
_ACTION_MESSAGE = "%s: lead %s (%s) %s -> %s: %s"
_DELETE_MESSAGE = "delete_row: lead %s (%s): %s"


def web_runner(settings: Callable[[], Any]) -> Runner:
    """A runner for the web view, building its engine from `settings()` at each run."""
    def run(dry_run: bool, report: Report) -> dict[str, Any]:
        from core.errors import WorkLeadError
        from core.logger import current_log_file, redact
        from core.sync_logic import SyncEngine

        try:
            engine = SyncEngine.from_settings(settings())
            with _reported_actions(report):
                result = engine.full_sync(dry_run=dry_run)
        except WorkLeadError as exc:  # its sentence, as the terminal says it
            raise RuntimeError(redact(exc.message)) from None
        except Exception as exc:  # as the terminal: one line, the traceback in the log file only
            logging.getLogger("worklead").error("Unexpected error", exc_info=True, extra={"file_only": True})
            where = current_log_file() or "the log file"
            raise RuntimeError(redact(f"Unexpected error ({type(exc).__name__}); details in {where}.")) from None
        return summary(result)
    return run


def runner_for(sandbox: Any, env_file: Path = Path(".env")) -> Runner:
    """The runner of `python main.py sandbox`: this sandbox, its own mapping, the folder's other settings."""
    def settings() -> Any:
        from core.config import load_settings
        from core.logger import setup_logging

        overrides = {**sandbox.settings(), "MAPPING_FILE": str(sandbox.data_dir / sandbox.MAPPING_FILE)}
        loaded = dataclasses.replace(load_settings(env_file=env_file, overrides=overrides), sandbox=True)
        # The log file gets every run's lines, as for any WorkLead run; the sandbox's console only warnings.
        setup_logging(loaded.log_dir, loaded.secrets(), console_level=logging.WARNING)
        return loaded
    return web_runner(settings)


def summary(result: Any) -> dict[str, Any]:
    """The result as the page shows it: the terminal's title, counts, plan rows and notices."""
    counts = result.as_counts()
    held = list(result.held or [])
    planned = list(result.plan or []) if result.dry_run else []
    notices = list(result.messages or []) + [f"conflict: {d}" for d in result.conflict_details or []]
    if result.held_back and not result.dry_run:
        notices.append(held_back_sentence(result))
    return {
        "title": operation_title(result),
        "counts": [[label, counts.get(key, 0)] for key, label in SUMMARY_ROWS],
        "plan": [_row(a, held=False) for a in planned] + [_row(a, held=True) for a in held if a not in planned],
        "notices": notices,
        "exit_code": result.exit_code,
    }


def _row(action: Any, held: bool) -> dict[str, Any]:
    return {"lead_id": action.lead_id, "name": action.name, "kind": action.kind, "change": change_text(action),
            "reason": action.reason, "held": held}


class _ActionReporter(logging.Filter):
    """Turns this run's action records into reports; lets every record through to the log file."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self._report = report
        self._thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self._thread or record.levelno < logging.INFO:
            return True
        record.file_only = True  # the page shows it; a menu's console must not get it mid-prompt
        if record.levelno != logging.INFO or not isinstance(record.args, tuple):
            return True
        args = tuple("" if a is None else str(a) for a in record.args)
        if record.msg == _ACTION_MESSAGE and len(args) == 6:
            kind, lead, name, before, after, reason = args
            change = "" if not (before or after) else f"{before or '-'} -> {after or '-'}"
            self._report({"kind": kind, "lead_id": lead, "name": name, "change": change, "reason": reason})
        elif record.msg == _DELETE_MESSAGE and len(args) == 3:
            lead, name, reason = args
            self._report({"kind": "delete_row", "lead_id": lead, "name": name, "change": "", "reason": reason})
        return True


@contextmanager
def _reported_actions(report: Report) -> Iterator[None]:
    logger = logging.getLogger(ENGINE_LOGGER)
    reporter = _ActionReporter(report)
    logger.addFilter(reporter)
    try:
        yield
    finally:
        logger.removeFilter(reporter)
