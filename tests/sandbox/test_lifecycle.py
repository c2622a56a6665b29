"""The sandbox server's life cycle: starting, serving, stopping."""
from __future__ import annotations

import threading
from pathlib import Path

from sandbox import Sandbox


def test_starting_twice_runs_one_server_loop_not_two(tmp_path: Path) -> None:
    # `python -m sandbox` calls start() and then serve_forever(), which starts again; two loops
    # on one socket outlive stop() and flush the state twice at once.
    before = set(threading.enumerate())  # other tests' sandboxes may still be winding down
    sandbox = Sandbox(tmp_path / "sandbox", port=0).start()
    try:
        sandbox.start()
        loops = [t.name for t in threading.enumerate() if t not in before and t.name.startswith("sandbox-")]
        assert sorted(loops) == ["sandbox-flush", "sandbox-serve"]
    finally:
        sandbox.stop()
