"""Trello's refusals as exceptions the model raises and the web layer turns into text/plain answers."""
from __future__ import annotations


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
