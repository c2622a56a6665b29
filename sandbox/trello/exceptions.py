"""Trello's refusals as exceptions the model raises and the web layer turns into text/plain answers."""
from __future__ import annotations

from typing import Any

RATE_ERRORS = {"trello_token": "API_TOKEN_LIMIT_EXCEEDED", "trello_key": "API_KEY_LIMIT_EXCEEDED",
               "trello_member": "API_MEMBER_LIMIT_EXCEEDED"}


class TrelloError(Exception):
    """A refusal with Trello's status and its exact text/plain body."""

    status = 400
    text = "invalid request"

    def __init__(self, text: str | None = None, status: int | None = None) -> None:
        super().__init__(text or self.text)
        if text is not None:
            self.text = text
        if status is not None:
            self.status = status


class InvalidId(TrelloError):
    status = 400
    text = "invalid id"


class NotFound(TrelloError):
    status = 404
    text = "The requested resource was not found."


class InvalidValue(TrelloError):
    """A parameter Trello cannot use, e.g. `invalid value for idList`."""

    status = 400

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid value for {field}")


class TooManyOpenCards(TrelloError):
    # Trello's documented limit (cards.openPerBoard.disableAt); the exact refusal
    # text is not in any recording we have, so this wording is our choice.
    status = 400
    text = "Board has too many open cards"


class TooManyCardsRequested(TrelloError):
    """An answer would carry more cards than Trello returns at once: ask for pages (`limit`, `before`).

    Trello's response-size limit (its rate-limits guide); the name and status are as clients
    report them (HTTP 449, API_TOO_MANY_CARDS_REQUESTED); the threshold is not documented, so
    it is the sandbox's setting (`max_cards` in /_sandbox/limits).
    """

    status = 449
    text = "Requested too many cards, use pagination"
    error = "API_TOO_MANY_CARDS_REQUESTED"  # answered as JSON, like Trello's rate-limit refusals


def rate_limited(kind: str) -> dict[str, str]:
    """Trello's 429 body (JSON, unlike its other refusals), naming the limit that ran out."""
    return {"error": RATE_ERRORS.get(kind, "API_TOKEN_LIMIT_EXCEEDED"), "message": "Rate limit exceeded"}


def fault_body(status: int) -> Any:
    """An injected failure as Trello answers that status."""
    if status == 429:
        return rate_limited("trello_token")
    return "An unexpected error occurred." if status >= 500 else "invalid request"


def unrouted(method: str, path: str) -> TrelloError:
    """Trello's 404 for a path (or a method on a known path) it has no route for."""
    return TrelloError(f"Cannot {method} {path}", 404)
