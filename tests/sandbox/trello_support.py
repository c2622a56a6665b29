"""Test helpers for the Trello sandbox: a session that sends py-trello to it, and client fixtures."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests
from trello import TrelloClient

from sandbox import Sandbox
from sandbox.trello.models import TrelloBackend

TRELLO = "https://api.trello.com"


class SandboxSession(requests.Session):
    """Rewrites api.trello.com to the sandbox, as clients/http.py will in the product."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if url.startswith(TRELLO):
            url = self.base_url + url[len(TRELLO):]
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, *args, **kwargs)


def trello_backend(sandbox: Sandbox) -> TrelloBackend:
    return next(s for s in sandbox.services if s.name == "trello").backend  # type: ignore[attr-defined]


def query_client(sandbox: Sandbox) -> TrelloClient:
    """py-trello 0.20.1's key-and-token mode: it sends api_secret as the `token` query parameter."""
    return TrelloClient(api_key=sandbox.creds.trello_key, api_secret=sandbox.creds.trello_token,
                        http_service=SandboxSession(sandbox.url))


def oauth_client(sandbox: Sandbox) -> TrelloClient:
    """py-trello's OAuth1 mode: key and token travel in a signed Authorization header."""
    return TrelloClient(api_key=sandbox.creds.trello_key, token=sandbox.creds.trello_token,
                        http_service=SandboxSession(sandbox.url))


@pytest.fixture(params=["query", "oauth"])
def client(request: pytest.FixtureRequest, empty_sandbox: Sandbox) -> Iterator[TrelloClient]:
    """A real py-trello client on the sandbox's empty board, in each auth mode."""
    yield query_client(empty_sandbox) if request.param == "query" else oauth_client(empty_sandbox)
