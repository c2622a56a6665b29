"""Helpers for the client tests: settings and both sides' clients pointed at the sandbox, fast retries."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import pytest
import requests

from clients.google_sheet import GoogleSheet
from clients.trello_board import TrelloBoard
from core.config import Settings, load_settings
from sandbox import Sandbox
from tests.support import FAST_RETRIES


def sandbox_settings(sandbox: Sandbox, **env: str) -> Settings:
    # The data folder (the Sheets quota's count among others) beside the sandbox's, not the repository's.
    data = {"MAPPING_FILE": str(sandbox.data_dir.parent / "data" / "mapping.json"),
            # Sheets' window a second long instead of a minute: a 429 without Retry-After waits for the
            # window to free, and the tests that mean to measure that wait set their own.
            "SHEETS_QUOTA": "60/1"}
    settings = load_settings(env={**sandbox.settings(), **data, **env}, env_file=None)
    return dataclasses.replace(settings, retry_policy=FAST_RETRIES)


def google_sheet(settings: Settings) -> GoogleSheet:
    return GoogleSheet.from_settings(settings)


def trello_board(settings: Settings) -> TrelloBoard:
    return TrelloBoard.from_settings(settings)


def api_requests(sandbox: Sandbox, service: str | None = None) -> list[dict[str, Any]]:
    """The API requests the sandbox served (the OAuth token exchange left out)."""
    return [e for e in sandbox.log.entries()
            if e["path"] != "/token" and (service is None or e["service"] == service)]


def trello_raw(sandbox: Sandbox, method: str, path: str, **params: Any) -> Any:
    """A direct Trello call for test set-up (deleting a card, closing a list)."""
    creds = sandbox.creds
    header = f'OAuth oauth_consumer_key="{creds.trello_key}", oauth_token="{creds.trello_token}"'
    response = requests.request(method, f"{sandbox.url}/1{path}", params=params,
                                headers={"Authorization": header}, timeout=5)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def settings(sandbox: Sandbox) -> Settings:
    return sandbox_settings(sandbox)


@pytest.fixture
def sheet(settings: Settings) -> GoogleSheet:
    return google_sheet(settings)


@pytest.fixture
def board(settings: Settings) -> TrelloBoard:
    return trello_board(settings)


@pytest.fixture
def titled_sheet(sandbox: Sandbox) -> Iterator[GoogleSheet]:
    """A sheet client whose settings name the worksheet, so no metadata is needed to read."""
    probe = google_sheet(sandbox_settings(sandbox))
    title = probe.read().title
    yield google_sheet(dataclasses.replace(sandbox_settings(sandbox), worksheet=title))
