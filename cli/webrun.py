"""Preview and Sync for the sandbox's web view: the engine of menu options 7 and 2, in this process,
each action reported to the page as the engine carries it out (its on_action callback), the summary
in the terminal's words.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Callable

from cli.changes import failed_sentence, sentence
from cli.output import change_text, held_back_sentence, operation_title
from core.plan import SUMMARY_LABELS, Action
from core.results import SyncResult
from sandbox.view import Report, Runner


def web_runner(settings: Callable[[], Any]) -> Runner:
    """A runner for the web view, building its engine from `settings()` at each run."""
    def run(dry_run: bool, report: Report, force_delete: bool = False) -> dict[str, Any]:
        from cli.services import connect
        from core.errors import WorkLeadError
        from core.logger import FILE_ONLY, current_log_file, redact
        from core.results import Outcome

        def reported(outcome: Outcome) -> None:
            a = outcome.action
            said = sentence(a) if outcome.error is None else failed_sentence(a.kind, a.lead_id, a.name, outcome.error)
            report({"kind": a.kind, "lead_id": a.lead_id, "name": a.name, "change": change_text(a),
                    "reason": a.reason, "error": outcome.error, "sentence": said})

        try:
            engine = connect(settings(), on_action=reported)
            result = engine.full_sync(dry_run=dry_run, force_delete=force_delete)
        except WorkLeadError as exc:  # its sentence, as the terminal says it
            raise RuntimeError(redact(exc.message)) from None
        except Exception as exc:  # as the terminal: one line, the traceback in the log file only
            logging.getLogger("worklead").error("Unexpected error", exc_info=True, extra=FILE_ONLY)
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


def summary(result: SyncResult) -> dict[str, Any]:
    """The result as the page shows it: the terminal's title, counts, plan rows and notices."""
    held = list(result.held)
    planned = list(result.plan) if result.dry_run else []
    notices = list(result.messages) + [f"conflict: {d}" for d in result.conflict_details]
    if result.held and not result.dry_run:
        notices.append(held_back_sentence(result))
    return {
        "title": operation_title(result),
        "counts": [[label, result.count(count)] for count, label in SUMMARY_LABELS.items()],
        "plan": [_row(a, held=False) for a in planned] + [_row(a, held=True) for a in held if a not in planned],
        "notices": notices,
        # The menu's y/N after held-back deletions: the page offers the same "delete anyway".
        "can_force": bool(result.held and not result.dry_run and result.force_would_do_them),
        "held_count": len(held),
        "exit_code": result.exit_code,
    }


def _row(action: Action, held: bool) -> dict[str, Any]:
    # The page shows `sentence`, the terminal's words; `kind` is for scripts reading the view.
    return {"lead_id": action.lead_id, "name": action.name, "kind": action.kind, "change": change_text(action),
            "reason": action.reason, "held": held, "sentence": sentence(action)}
