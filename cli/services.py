"""The services one CLI run talks to: the configured Google sheet and Trello board, or the local sandbox.

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
from core.errors import SettingsError

if TYPE_CHECKING:  # the clients import gspread and py-trello: loaded only once a command needs them
    from clients.google_sheet import GoogleSheet
    from clients.trello_board import TrelloBoard
    from core.config import Settings
    from core.results import ActionListener
    from core.sync_logic import SyncEngine

SANDBOX_DIR = Path("data/sandbox")
ENV_FILE = Path(".env")
# Every setting WorkLead reads (README, Settings): a name in .env close to one of these is a typo.
SETTING_NAMES = ("GOOGLE_CREDENTIALS_PATH", "SPREADSHEET_ID", "WORKSHEET", "TRELLO_API_KEY", "TRELLO_TOKEN",
                 "TRELLO_BOARD_ID", "MAPPING_FILE", "CONFLICT_WINNER", "STATUS_MAP", "MAX_DELETE_PERCENT",
                 "GOOGLE_API_URL", "TRELLO_API_URL", "LOG_DIR", "TRELLO_RATE_LIMIT", "SHEETS_QUOTA",
                 "LOG_LEVEL")


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


def connect(settings: Any, control: Optional[RunControl] = None, progress: Optional[BarProgress] = None,
            on_action: Optional["ActionListener"] = None) -> "SyncEngine":
    """The engine on the real clients; the one place the two are put together."""
    from clients.google_sheet import GoogleSheet
    from clients.trello_board import TrelloBoard
    from core.sync_logic import SyncEngine

    control = control or RunControl()
    return SyncEngine(settings, GoogleSheet.from_settings(settings, control),
                      TrelloBoard.from_settings(settings, control), progress=progress, control=control,
                      on_action=on_action)


class Services:
    """Settings, the in-process sandbox if any, and the engine, built once and closed once."""

    def __init__(self, use_sandbox: bool, notice: Callable[[str], None], progress: Optional[BarProgress] = None,
                 on_settings: Optional[Callable[[Any], None]] = None) -> None:
        self.use_sandbox = use_sandbox
        self._notice = notice
        self._on_settings = on_settings
        self._progress = progress
        self._sandbox: Any = None
        self._running_env: dict[str, str] = {}
        self._settings: Any = None
        self._engine: Any = None
        # One per run: a Ctrl-C sets its stop request, and its waits show on the progress line.
        self.control = RunControl(on_wait=progress.waiting if progress is not None else None)

    def settings(self) -> Any:
        """The validated settings; raises SettingsError with one sentence naming what is wrong."""
        if self._settings is None:
            self._settings = self._load()
            if self._on_settings is not None:
                self._on_settings(self._settings)
        return self._settings

    @property
    def loaded_settings(self) -> Optional["Settings"]:
        """The settings if they were loaded already (for log lines), without loading them."""
        return self._settings

    def sheet(self) -> "GoogleSheet":
        """The lead sheet's client (raises a WorkLeadError on an unusable key file)."""
        from clients.google_sheet import GoogleSheet

        return GoogleSheet.from_settings(self.settings(), self.control)

    def board(self) -> "TrelloBoard":
        from clients.trello_board import TrelloBoard

        return TrelloBoard.from_settings(self.settings(), self.control)

    def engine(self) -> "SyncEngine":
        if self._engine is None:
            self._engine = connect(self.settings(), self.control, progress=self._progress)
        return self._engine

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.stop()
            self._sandbox = None

    def _load(self) -> Any:
        from core.config import has_service_settings, load_settings

        if not self.use_sandbox and not has_service_settings(env_file=ENV_FILE):
            hint = misspelt_names(ENV_FILE)
            if hint:  # settings under the wrong names mean a real pair was meant: never the demo instead
                raise SettingsError(f"{ENV_FILE} names no setting WorkLead knows, so nothing was run: {hint} "
                                    f"Setting names are upper case, as in .env.example.")
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
        from cli.webrun import web_runner
        from sandbox import Sandbox, SandboxBusy

        try:
            self._sandbox = Sandbox(SANDBOX_DIR, port=0)
            # The web view's Sync is this run's own: same settings, same mapping, same lock.
            self._sandbox.view.runner = web_runner(self.settings)
            self._sandbox.start()
            settings = dict(self._sandbox.settings())
        except SandboxBusy as busy:
            settings = self._running_sandbox(busy)
        # The demo keeps its own mapping, lock, trash and history: a real pair's baselines in
        # data/mapping.json are never read or moved by a sandbox run.
        settings["MAPPING_FILE"] = str(SANDBOX_DIR / Sandbox.MAPPING_FILE)
        return settings

    def _running_sandbox(self, busy: Any) -> dict[str, str]:
        """The settings of the sandbox another process serves for this folder: one state, never two."""
        from dotenv import dotenv_values

        from sandbox import Sandbox

        if busy.running is None:
            raise SettingsError(busy.message)
        self._notice(f"The sandbox of this folder already serves at {busy.running.url} (process "
                     f"{busy.running.pid}); this run works through it.")
        values = {k: v for k, v in dotenv_values(SANDBOX_DIR / Sandbox.ENV_FILE).items() if v}
        self._running_env = values
        return values

    def reset_sandbox(self) -> None:
        """The folder's sandbox back to its demo data, its mapping, trash and history emptied."""
        import requests

        from core.errors import LockHeldError
        from sandbox.folder import SyncRunning

        settings = self.settings()  # starts the folder's sandbox, or finds the one serving it
        if self._sandbox is not None:
            try:
                self._sandbox.reset()
            except SyncRunning as exc:
                raise LockHeldError(f"The sandbox was not reset: {exc}.") from None
            return
        answer = requests.post(f"{settings.google_api_url}/_sandbox/reset", json={"seed": True}, timeout=30,
                               headers=self._control_headers())
        if answer.status_code == 409:
            raise LockHeldError(f"The sandbox was not reset: {answer.json().get('error')}.")
        answer.raise_for_status()

    def _control_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._running_env.get('SANDBOX_TOKEN', '')}"}

    @property
    def sandbox_web_url(self) -> Optional[str]:
        """The web view's address (with its token) once the sandbox is in use, else None."""
        if self._sandbox is not None:
            return str(self._sandbox.web_url)
        return self._running_env.get("SANDBOX_WEB_URL")

    def __enter__(self) -> "Services":
        return self

    def __exit__(self, *exc: Optional[BaseException]) -> None:
        self.close()
