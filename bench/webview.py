"""Time from `python main.py sandbox` to the web view showing the demo's leads, in headless Chromium.

    python bench/webview.py [--runs 3]

The browser is started first (a reviewer's browser is already open); each run starts the sandbox
in an empty folder (first run: keys generated, demo seeded) and then again in the same folder.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.conftest import chromium  # noqa: E402  (the tests' own browser settings)
from tests.support import clean_env  # noqa: E402


def time_to_page(driver: object, folder: Path) -> float:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), "sandbox", "--port", "0"], cwd=folder,
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
        driver.get(url)  # type: ignore[attr-defined]
        while driver.execute_script(  # type: ignore[attr-defined]
                "return document.querySelectorAll('#grid-body tr').length") < 13:
            time.sleep(0.01)
        return time.monotonic() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    first, again = [], []
    with chromium() as driver:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="worklead-webview-") as folder:
                first.append(time_to_page(driver, Path(folder)))
                again.append(time_to_page(driver, Path(folder)))
    for label, times in (("new folder", first), ("existing folder", again)):
        print(f"{label}: median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
