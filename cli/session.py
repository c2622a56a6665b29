"""One CLI run's settings: the configured services, or the local sandbox when asked or unconfigured.

The sandbox is chosen only here, by base URLs and credentials; the engine and
clients never know which services they talk to.
"""
from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from cli.output import BarProgress
from core.control import RunControl

if TYPE_CHECKING:  # the clients import gspread and py-trello: loaded only once a command needs them
    from clients.lead_tracker import LeadTracker
    from clients.work_tracker import WorkTracker
    from core.sync_logic import SyncEngine

SANDBOX_DIR = Path("data/sandbox")
ENV_FILE = Path(".env")
# Every setting WorkLead reads (README, Settings): a name in .env close to one of these is a typo.
SETTING_NAMES = ("GOOGLE_CREDENTIALS_PATH", "SPREADSHEET_ID", "WORKSHEET", "TRELLO_API_KEY", "TRELLO_TOKEN",
                 "TRELLO_BOARD_ID", "MAPPING_FILE", "CONFLICT_WINNER", "STATUS_MAP", "MAX_DELETE_PERCENT",
                 "GOOGLE_API_URL", "TRELLO_API_URL", "LOG_DIR", "TRELLO_RATE_LIMIT")


def misspelt_names(env_file: Path) -> str:
    """'.env has TRELO_TOKEN: did you mean TRELLO_TOKEN?', or '' when every name there is known."""
    try:
        from dotenv import dotenv_values

        names = [n for n in dotenv_values(env_file) if n] if env_file.is_file() else []
    except (OSError, UnicodeDecodeError):
        return ""
    guesses = []
    for name in names:
        if name in SETTING_NAMES:
            continue
        close = difflib.get_close_matches(name.upper(), SETTING_NAMES, n=1, cutoff=0.75)
        if close:
            guesses.append(f"{env_file} has {name}: did you mean {close[0]}?")
    return " ".join(guesses)


class Session:
    """Settings, the in-process sandbox if any, and the engine, built once and closed once."""

    def __init__(self, use_sandbox: bool, notice: Callable[[str], None], progress: Optional[BarProgress] = None,
                 on_settings: Optional[Callable[[Any], None]] = None) -> None:
        self.use_sandbox = use_sandbox
        self._notice = notice
        self._on_settings = on_settings
        self._progress = progress
        self._sandbox: Any = None
        self._settings: Any = None
        self._engine: Any = None
        # One per session: a Ctrl-C sets its stop request, and its waits show on the progress line.
        self.control = RunControl(on_wait=progress.waiting if progress is not None else None,
                                  on_stop=progress.stopping if progress is not None else None)

    def settings(self) -> Any:
        """The validated settings; raises SettingsError with one sentence naming what is wrong."""
        if self._settings is None:
            self._settings = self._load()
            if self._on_settings is not None:
                self._on_settings(self._settings)
        return self._settings

    def sheet(self) -> "LeadTracker":
        """The lead sheet's client (raises a WorkLeadError on an unusable key file)."""
        from clients.lead_tracker import LeadTracker

        return LeadTracker.from_settings(self.settings(), self.control)

    def board(self) -> "WorkTracker":
        from clients.work_tracker import WorkTracker

        return WorkTracker.from_settings(self.settings(), self.control)

    def engine(self) -> "SyncEngine":
        """The engine on the real clients; the one place the two are put together."""
        if self._engine is None:
            from core.sync_logic import SyncEngine

            self._engine = SyncEngine(self.settings(), self.sheet(), self.board(), progress=self._progress,
                                      control=self.control)
        return self._engine

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.stop()
            self._sandbox = None

    def _load(self) -> Any:
        from core.config import has_service_settings, load_settings
        from core.errors import SettingsError

        if not self.use_sandbox and not has_service_settings(env_file=ENV_FILE):
            self._notice("No Google or Trello settings were found (.env or environment), so WorkLead "
                         "runs against the local sandbox in data/sandbox/. See README.md to connect "
                         "your own sheet and board.")
            self.use_sandbox = True
        if not self.use_sandbox:
            try:
                return load_settings(env_file=ENV_FILE)
            except SettingsError as exc:
                hint = misspelt_names(ENV_FILE)
                if hint:
                    raise SettingsError(f"{exc.message} {hint}") from None
                raise
        settings = load_settings(env_file=ENV_FILE, overrides=self._start_sandbox())
        return dataclasses.replace(settings, sandbox=True)

    def _start_sandbox(self) -> dict[str, str]:
        from sandbox import Sandbox

        # The mapping stays at MAPPING_FILE (data/mapping.json by default): it records which sheet
        # and board its links belong to, so a demo's links are never applied to a real board.
        self._sandbox = Sandbox(SANDBOX_DIR, port=0).start()
        return dict(self._sandbox.settings())

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Optional[BaseException]) -> None:
        self.close()
