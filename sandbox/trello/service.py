"""The Trello sandbox as one service of the server: its backend, its routes, its starting state."""
from __future__ import annotations

from typing import Any

from sandbox.services import Context
from sandbox.trello import exceptions
from sandbox.trello.models import TrelloBackend
from sandbox.trello.responses import TrelloResponses
from sandbox.trello.urls import LABEL, url_paths
from sandbox.web import Request, Response, Router, text_response

BOARD_NAME = "WorkLead Pipeline"
BOARD_LISTS = ("TODO", "IN_PROGRESS", "DONE", "LOST")


class TrelloService:
    """Trello v1 on the sandbox. Tests may set state directly through `.backend`."""

    name = "trello"
    labels: tuple[str, ...] = (LABEL,)

    def __init__(self, context: Context) -> None:
        self.context = context
        self.backend = TrelloBackend(clock=context.now)
        self._responses = TrelloResponses(self.backend, context)

    def register(self, router: Router) -> None:
        for method, pattern, handler in url_paths(self._responses):
            router.add(method, pattern, self._responses.api(handler), LABEL)

    @staticmethod
    def fault_body(status: int) -> Any:
        return exceptions.fault_body(status)

    @staticmethod
    def not_found(request: Request) -> Response:
        refusal = exceptions.unrouted(request.method, request.raw_path)
        return text_response(refusal.text, refusal.status)

    def to_dict(self) -> dict[str, Any]:
        return self.backend.to_dict()

    def load(self, data: dict[str, Any]) -> None:
        self.backend.load(data)

    def clear(self) -> None:
        """One empty board with the four status lists, under the generated board id."""
        self.backend.clear()
        board = self.backend.add_board(BOARD_NAME, board_id=self.context.creds.board_id)
        for name in BOARD_LISTS:
            self.backend.add_list(board.id, name, pos="bottom")

    def seed_demo(self) -> None:
        # The demo's first sync creates the cards from the seeded leads.
        pass
