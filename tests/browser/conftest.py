"""Real headless Chromium against `python main.py sandbox`: the web view as a reviewer sees it.

The sandbox runs as its own process in an empty folder, exactly as the README starts it; outside
changes go through the real gspread and py-trello, routed by WorkLead's session factory.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.spec.conftest import ServedSandbox, read_env_file
from tests.support import MAIN, clean_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# This machine's closed network makes Chromium's background services hang or retry: all off.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")
WAIT_SECONDS = 20.0


class DemoServer(ServedSandbox):
    """`python main.py sandbox --port 0` in a folder of its own (so its web view can Sync), and what it
    printed and wrote; the control endpoints, gspread and py-trello as for any served sandbox."""

    def __init__(self, workdir: Path) -> None:  # not super().__init__: that starts `python -m sandbox`
        self.workdir = workdir
        self.data_dir = workdir / "data" / "sandbox"
        self.proc = subprocess.Popen([sys.executable, str(MAIN), "sandbox", "--port", "0"], cwd=workdir,
                                     env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.banner = self._read_banner()
        self.settings = read_env_file(self.data_dir / "sandbox.env")
        self.url = self.settings["TRELLO_API_URL"]
        self.web_url = self.settings["SANDBOX_WEB_URL"]


def _require_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if not missing:
        return
    message = f"browser tests need {' and '.join(missing)} (apt-get install chromium chromium-driver)"
    if os.environ.get("WORKLEAD_REQUIRE_BROWSER"):
        pytest.fail(message)  # CI installs them: a missing browser there is a failure, never a skip
    pytest.skip(message)


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 800) -> Iterator[Any]:
    """Headless Chromium with a fresh profile, driven by selenium; profile removed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="worklead-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            resize(driver, width, height)
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def resize(driver: Any, width: int, height: int) -> None:
    # The viewport itself, not the window: headless window sizes include no browser frame to rely on.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    _require_browser()
    server = DemoServer(tmp_path_factory.mktemp("demo"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    _require_browser()
    with chromium() as chrome:
        yield chrome


class Page:
    """The web view in the browser, with the few ways a test looks at it and acts on it."""

    def __init__(self, driver: Any, demo: DemoServer) -> None:
        self.driver = driver
        self.demo = demo

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = condition()
            except Exception:  # an element replaced mid-look (the page redraws): look again
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the page did not show {what} within {timeout:g} s")
            time.sleep(0.1)

    def act(self, action: Callable[[], Any]) -> Any:
        """Do something to elements found afresh, again if the page redrew them in between."""
        from selenium.common.exceptions import StaleElementReferenceException

        # A redraw can land between finding an element and using it; the page settles within seconds.
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                return action()
            except StaleElementReferenceException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    # -- the sheet ----------------------------------------------------------------------
    def rows(self) -> list[list[str]]:
        return self.js("""return [...document.querySelectorAll('#grid-body tr')].map(
            tr => [...tr.querySelectorAll('td.cell')].map(td => td.textContent));""")

    def row(self, lead_id: str) -> list[str]:
        return next(r for r in self.rows()[1:] if r and r[0] == lead_id)

    def cell(self, lead_id: str, column: int) -> Any:
        from selenium.webdriver.common.by import By

        for tr in self.driver.find_elements(By.CSS_SELECTOR, "#grid-body tr"):
            cells = tr.find_elements(By.CSS_SELECTOR, "td.cell")
            if cells and cells[0].text == lead_id:
                return cells[column]
        raise AssertionError(f"no row for lead {lead_id}")

    # -- the board ------------------------------------------------------------------------
    def lists(self) -> dict[str, list[str]]:
        return self.js("""const out = {};
            for (const l of document.querySelectorAll('#board .list'))
                out[l.querySelector('.list-name').textContent] =
                    [...l.querySelectorAll('.card-title')].map(c => c.textContent);
            return out;""")

    def list_of(self, title: str) -> str:
        return next((name for name, cards in self.lists().items() if title in cards), "")

    def card(self, title: str) -> Any:
        from selenium.webdriver.common.by import By

        for card in self.driver.find_elements(By.CSS_SELECTOR, "#board .card"):
            if card.find_element(By.CSS_SELECTOR, ".card-title").text == title:
                return card
        raise AssertionError(f"no card {title!r}")

    # -- runs -------------------------------------------------------------------------------
    def press(self, button_id: str) -> None:
        from selenium.webdriver.common.by import By

        def click_when_enabled() -> bool:
            # Found afresh each time: a live redraw may replace the button between a look and the click.
            button = self.driver.find_element(By.ID, button_id)
            if not button.is_enabled():
                return False
            button.click()
            return True

        self.wait(click_when_enabled, f"the {button_id} button pressed")

    def run_head(self) -> str:
        return str(self.js("return document.querySelector('#run-log .run-head')?.textContent || ''"))

    def run(self, button_id: str) -> str:
        """Press Preview or Sync and wait for that run to finish; the text of its log and result."""
        before = self.run_head()
        self.press(button_id)
        kind = "Sync" if button_id == "sync" else "Preview"
        self.wait(lambda: self.run_head() != before and self.run_head().startswith(kind)
                  and self.run_head().endswith("done"), f"the {kind} finished")
        return str(self.js("return document.querySelector('#run-log').textContent + ' | ' + "
                           "document.querySelector('#run-result').textContent"))

    def run_log(self) -> str:
        return str(self.js("return document.querySelector('#run-log').textContent"))


@pytest.fixture
def page(demo: DemoServer, driver: Any, tmp_path: Path) -> Page:
    """The web view on fresh demo data: twelve leads, no cards yet."""
    demo.control("POST", "reset", {"seed": True})
    demo.scratch = tmp_path / "helpers"
    driver.get(demo.web_url)
    view = Page(driver, demo)
    view.wait(lambda: len(view.rows()) == 13, "the twelve demo leads")
    return view
