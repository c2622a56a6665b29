"""Serve the sandbox alone and print the settings that point clients at it."""
from __future__ import annotations

import argparse
import signal
from pathlib import Path
from typing import Callable, Optional, Sequence

from sandbox.app import Sandbox
from sandbox.folder import SandboxBusy
from sandbox.view import Runner


def serve(port: int = 8765, data_dir: str = "data/sandbox", host: str = "127.0.0.1",
          allow_non_loopback: bool = False, runner_for: Optional[Callable[[Sandbox], Runner]] = None) -> int:
    """Serve until Ctrl-C; `runner_for` gives the web view its Preview and Sync (WorkLead's engine)."""
    sandbox = Sandbox(Path(data_dir), host=host, port=port, allow_non_loopback=allow_non_loopback)
    if runner_for is not None:
        sandbox.view.runner = runner_for(sandbox)
    sandbox.start()
    # `kill`, a service manager or a test harness stops with SIGTERM: save the state as for Ctrl-C,
    # or the writes of the last moments (flushed in the background) are lost.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"Open the sandbox's sheet and board in a browser: {sandbox.web_url}")
    print(f"WorkLead sandbox serving Google Sheets and Trello at {sandbox.url}")
    print("Point WorkLead (or any gspread / py-trello script) at it with:\n")
    for key, value in sandbox.settings().items():
        print(f"{key}={value}")
    print(f"\n(also written to {sandbox.data_dir / Sandbox.ENV_FILE}, with SANDBOX_TOKEN for the control "
          f"endpoints and SANDBOX_WEB_URL)")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        print("\nSandbox stopped; its state is saved.")
    finally:
        sandbox.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data-dir", default="data/sandbox")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind; anything but loopback needs --allow-non-loopback")
    parser.add_argument("--allow-non-loopback", action="store_true")
    args = parser.parse_args(argv)
    try:
        return serve(args.port, args.data_dir, args.host, args.allow_non_loopback)
    except SandboxBusy as exc:
        print(f"error: {exc.message}")
        return 3
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    except OSError as exc:
        print(f"error: cannot serve on port {args.port}: {exc.strerror}")
        return 2
