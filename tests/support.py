"""Helpers shared by every test folder: sandboxes that start fast, retries that do not wait,
`python main.py` run in this process or as its own.

Keeping the suite fast (the README's command runs in under two minutes on two cores without the
browser tests; it waits far more than it computes, so a new wait shows at once):
- Run `python main.py` with `run_in_process`; a process of its own (`run_subprocess`, `spawned`,
  pexpect) only where the test needs one: signals, kills, a lock or a server held by another process,
  start-up code, a terminal. Each start costs half a second of CPU.
- Never wait on a real window. Trello's answers announce 100 requests per 10 s and the client paces
  by them even while the sandbox's limits are off: runs of more than 100 Trello requests switch the
  limits on with a short window (`POST /_sandbox/limits {"enabled": true, "scale": 0.02}`, as the
  reliability rig does). Sheets' 60 a minute is counted in `sheets_quota.json` beside the mapping file:
  give every run and helper a folder of the test's own (MAPPING_FILE), and `SHEETS_QUOTA` when a test
  means to cross that window.
- Faults that are retried answer with `retry_after` 0 (or a fraction of a second) unless the wait is the
  point; in-process runs and the engine and client fixtures back off for hundredths of a second.
- To hold a run mid-way (a lock held, Ctrl-C during a wait), make it wait on something the test
  controls (a refused request, then SIGSTOP), never on latency long enough for a busy machine.
- Use only as many leads as the behaviour needs; keep the hundreds where the count is the point.
- Tests marked `slow` are scheduled first (tests/conftest.py), so a long one never runs alone at the end.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from cli.services import SETTING_NAMES
from clients import http
from core import config
from core.config import RetryPolicy
from core.logger import close_logging
from sandbox import Sandbox
from sandbox.credentials import Credentials, new_ids
from sandbox.folder import atomic_write

# Same attempts as production, tiny waits: tests count requests and outcomes, not seconds.
FAST_RETRIES = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, max_retry_after=2.0)
# For `python main.py` run in this process: production's policy with its backoff (random, up to 8 s
# between attempts) cut to hundredths; a server's Retry-After is still honoured as production does.
SHORT_BACKOFF = dataclasses.replace(RetryPolicy(), base_delay=0.01, max_delay=0.05)


def parse_each_key_once() -> None:
    """Keep each private key google-auth parses, for this test process.

    Parsing a PEM key checks the RSA key and costs 60 ms of CPU; every run, engine and helper
    loads the service-account file again, which added up to a large share of the suite's CPU.
    A signer holds only its key and key id, so the same signer signs the same tokens;
    `python main.py` in its own process still parses its key as a user's run does.
    """
    from google.auth.crypt import _cryptography_rsa

    signer = _cryptography_rsa.RSASigner
    if getattr(signer.from_string, "keeps_keys", False):
        return
    parse = functools.lru_cache(maxsize=None)(signer.from_string)

    def from_string(key: str | bytes, key_id: str | None = None) -> Any:
        return parse(key.encode() if isinstance(key, str) else key, key_id)

    from_string.keeps_keys = True  # type: ignore[attr-defined]
    signer.from_string = from_string  # type: ignore[method-assign]


def make_credentials(folder: Path) -> Path:
    """Generate one set of sandbox credentials in `folder`, for `fresh_sandbox` to copy."""
    Sandbox(folder, port=0, seed=False).start().stop()
    return folder


def fresh_sandbox(folder: Path, credentials: Path, seed: bool = True) -> Sandbox:
    """A started sandbox with its state under `folder`.

    It reuses the service-account key made once by `make_credentials` (generating an RSA
    key costs up to a second of CPU) but gets its own Trello key and token, spreadsheet
    and board: clients pace themselves per token, so sandboxes must not share one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(credentials / Sandbox.KEY_FILE, folder / Sandbox.KEY_FILE)
    template = Credentials(**json.loads((credentials / "credentials.json").read_text(encoding="utf-8")))
    creds = dataclasses.replace(template, **new_ids())
    atomic_write(folder / "credentials.json", json.dumps(dataclasses.asdict(creds)), mode=0o600)
    return Sandbox(folder, port=0, seed=seed).start()


# -- running `python main.py` ------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]
MAIN = REPO / "main.py"
RUN_TIMEOUT = 120


@dataclass
class Run:
    code: int
    out: str  # stdout and stderr together, as a user sees them


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any WorkLead setting (a developer's own never leaks in)."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("FORCE_COLOR", None)
    # Piped output takes its width from COLUMNS when set, and xdist's workers set 80: tests choose their own.
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.update(extra)
    return env


def run_subprocess(args: list[str], cwd: Path, env: dict[str, str], stdin: str = "",
                   timeout: float = RUN_TIMEOUT) -> Run:
    """`python main.py ARGS` as its own process: for signals, kills, locks and start-up code."""
    proc = subprocess.run([sys.executable, str(MAIN), *args], cwd=cwd, env=env, input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout)


def run_in_process(args: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> Run:
    """`python main.py ARGS` through `main.main(argv)` in this process: the same folder, environment,
    standard input and merged output as a subprocess, without half a second of imports per run."""
    import main

    out = io.StringIO()
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), _short_backoff():
            try:
                code = main.main(args)
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        sys.stdin = saved_stdin
        _end_of_process()
    return Run(code, out.getvalue())


@contextlib.contextmanager
def _short_backoff() -> Iterator[None]:
    """Settings loaded meanwhile (the CLI loads them through core.config.load_settings) back off for
    hundredths of a second between attempts instead of seconds."""
    real = config.load_settings

    def load_settings(*args: Any, **kwargs: Any) -> config.Settings:
        return dataclasses.replace(real(*args, **kwargs), retry_policy=SHORT_BACKOFF)

    config.load_settings = load_settings
    try:
        yield
    finally:
        config.load_settings = real


def _end_of_process() -> None:
    # What a process's exit does for a subprocess run: close its log handlers and forget the
    # pacing it did, so the next run starts as a new process would.
    close_logging()
    forget_pacing()


def forget_pacing() -> None:
    """Drop the process-wide pacers (Trello's per token, Sheets' 60 a minute per user), as a new process has none.

    Tests that share one sandbox (one service account, one token) would otherwise carry one
    test's requests into the next one's minute, and wait for it.
    """
    http._limiters.clear()
    http._sheets_quotas.clear()
