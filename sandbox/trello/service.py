"""The Trello sandbox as one service of the server: its model, its routes, its starting state."""
from __future__ import annotations

from typing import Any

from sandbox.trello import exceptions
from sandbox.trello.models import TrelloModel
from sandbox.trello.responses import TrelloResponses
from sandbox.web import Request, Response, Router, text_response

BOARD_NAME = "WorkLead Pipeline"
BOARD_LISTS = ("TODO", "IN_PROGRESS", "DONE", "LOST")


class TrelloService:
    """Trello v1 on the sandbox. Tests may set state directly through `.model`."""

    name = "trello"
    labels: tuple[str, ...] = ("trello",)  # what its requests are logged as

    def __init__(self, context: Any) -> None:
        self.context = context
        self.model = TrelloModel(clock=context.now)
        self.responses = TrelloResponses(self.model, context)

    def register(self, router: Router) -> None:
        self.responses.register(router)

    @staticmethod
    def fault_body(status: int) -> Any:
        return exceptions.fault_body(status)

    @staticmethod
    def not_found(request: Request) -> Response:
        refusal = exceptions.unrouted(request.method, request.raw_path)
        return text_response(refusal.text, refusal.status)

    def to_dict(self) -> dict[str, Any]:
        return self.model.to_dict()

    def load(self, data: dict[str, Any]) -> None:
        self.model.load(data)

    def clear(self) -> None:
        """One empty board with the four status lists, under the generated board id."""
        self.model.clear()
        board = self.model.add_board(BOARD_NAME, board_id=self.context.creds.board_id)
        for name in BOARD_LISTS:
            self.model.add_list(board.id, name, pos="bottom")

    def seed_demo(self) -> None:
        # The demo's first sync creates the cards from the seeded leads.
        pass
