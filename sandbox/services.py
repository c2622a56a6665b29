"""What a service (Google, Trello) gets from the server, and what the server asks of it."""
from __future__ import annotations

import time
from typing import Any, Protocol

from sandbox.credentials import Credentials
from sandbox.limits import Limits
from sandbox.web import Request, Response, Router


class Context:
    """What a service may use from the server: clock, limits, credentials, and a way to say it changed."""

    def __init__(self, creds: Credentials, limits: Limits, on_change: Any) -> None:
        self.creds = creds
        self.limits = limits
        self._on_change = on_change

    @staticmethod
    def now() -> float:
        return time.time()

    def mark_dirty(self) -> None:
        self._on_change()


class Service(Protocol):
    name: str
    labels: tuple[str, ...]  # the names its routes give its requests in the request log

    def register(self, router: Router) -> None: ...
    def fault_body(self, status: int) -> Any: ...  # an injected failure's body, as the service writes it
    def not_found(self, request: Request) -> Response: ...  # no route for the path, or not for the method
    def to_dict(self) -> dict[str, Any]: ...
    def load(self, data: dict[str, Any]) -> None: ...
    def seed_demo(self) -> None: ...
    def clear(self) -> None: ...


def make_services(context: Context) -> list[Service]:
    from sandbox.google.service import GoogleService
    from sandbox.trello.service import TrelloService

    return [GoogleService(context), TrelloService(context)]
