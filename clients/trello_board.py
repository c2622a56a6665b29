"""The work board (Trello, through py-trello): read whole, write one card at a time.

Requests per operation: read 1 (board GET with nested lists and open cards), plus,
for wanted cards that are not open, one per card looked up (up to 20) or one per
1,000 archived cards paged through (markers, or more cards);
create_card, move_card, archive_card, update_card, get_card 1 each (plus one
lists GET when no read came first); create_lists 1 per list; last_activity 1.
Safe to share between the engine's worker threads.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Collection, Iterator, Optional

import requests
from trello.exceptions import ResourceUnavailable, Unauthorized

from clients.http import TrelloSession, build_trello_session, not_json, sent_nothing, trello_client
from core.config import Settings
from core.control import RunControl
from core.errors import (
    AccessDeniedError,
    AmbiguousWriteError,
    BadCredentialsError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
    WorkLeadError,
)
from core.models import BoardSnapshot, Card, is_card_id

CARD_FIELDS = "id,name,desc,idList,closed,dateLastActivity"
PAGE_SIZE = 1000  # the most cards Trello returns in one page
MIN_PAGE_SIZE = 10
# Up to this many wanted card ids missing from the open cards are looked up one request each;
# more are looked for in pages of the archive first (a page answers for up to 1,000 cards).
LOOKUPS_AT_MOST = 20
LIST_FIELDS = "id,name,closed"


class TrelloBoard:
    """One Trello board: its lists and cards."""

    page_size = PAGE_SIZE

    def __init__(self, settings: Settings, session: TrelloSession) -> None:
        self.settings = settings
        self.session = session
        self._client = trello_client(settings, session)
        self._board_id = settings.trello_board_id  # a short link until the first answer gives the long id
        self._lists: Optional[dict[str, tuple[str, bool]]] = None  # list id -> (name, closed)
        self._lock = threading.Lock()
        # Trello never brings a deleted card back nor reuses its id: one 404 answers for the
        # client's lifetime (a run's reads and its check before deleting a row ask once).
        self._deleted: set[str] = set()

    @classmethod
    def from_settings(cls, settings: Settings, control: Optional[RunControl] = None) -> "TrelloBoard":
        return cls(settings, build_trello_session(settings, control))

    # -- reading ------------------------------------------------------------------
    def read(self, wanted: Collection[str] = (), markers: Collection[str] = ()) -> BoardSnapshot:
        """Lists and open cards in one board GET; archived cards only among `wanted` ids and `markers`.

        A long-lived board keeps every archived card (Trello allows millions), and Trello
        refuses answers with too many cards: archived ones are looked for only when a wanted
        card id, or a wanted lead id's `Lead ID:` marker, is not among the open cards (see
        `_archived`). Should Trello refuse even the open cards in one answer, they are paged too.
        """
        query = {"fields": "id,dateLastActivity", "lists": "all", "list_fields": LIST_FIELDS,
                 "cards": "open", "card_fields": CARD_FIELDS}
        try:
            board = self._fetch(f"/boards/{self._board_id}", "board", query=query)
            open_raw = board.get("cards", [])
        except TooManyCards:
            board = self._fetch(f"/boards/{self._board_id}", "board", query={**query, "cards": "none"})
            open_raw = [raw for page, _ in self._pages("open", lambda: True) for raw in page]
        lists = _list_entries(board.get("lists", []))
        with self._lock:
            self._board_id = board.get("id") or self._board_id
            self._lists = lists
        cards = [self._card(raw, lists) for raw in open_raw]
        ids = {card_id for card_id in wanted if card_id} - {card.id for card in cards}
        leads = {lead_id for lead_id in markers if lead_id} - {card.lead_id for card in cards}
        if ids or leads:
            cards += self._archived(ids, leads, lists)
        return BoardSnapshot(board_id=self._board_id, lists=_open_lists(lists), cards=cards)

    def _archived(self, ids: set[str], leads: set[str], lists: dict[str, tuple[str, bool]]) -> list[Card]:
        """The archived cards with these ids or carrying these leads' markers, in the fewest requests.

        A marker can only be found by reading the archive, newest first, in pages of at most
        1,000, until every lead's card turns up (or the archive ends). A card id is cheaper to
        look up directly (one request, 404 when deleted) while there are few of them; many are
        found by the pages first. A card looked up on another board is left out: the engine
        looks it up again before it decides anything on its absence.
        """
        found: list[Card] = []
        exhausted = False
        for page, last in self._pages("closed", lambda: bool(leads) or len(ids) > LOOKUPS_AT_MOST):
            for raw in page:
                card = self._card(raw, lists)
                if card.id in ids or card.lead_id in leads:
                    found.append(card)
                ids.discard(card.id)
                leads.discard(card.lead_id or "")
            exhausted = last
        if not exhausted:
            found += [card for card in map(self._look_up, sorted(ids)) if card is not None]
        return found

    def _look_up(self, card_id: str) -> Optional[Card]:
        """A wanted card not found among the open ones: on this board, or None (deleted, moved, no card id)."""
        if not is_card_id(card_id):
            return None  # a stray value in the sheet's trello_card_id column names no card
        try:
            card = self.get_card(card_id)
        except (NotFoundError, AccessDeniedError):  # a card on a board this token may not see
            return None
        return card if card is not None and card.board_id in ("", self._board_id) else None

    def _pages(self, which: str, more: Callable[[], bool]) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """The board's `which` cards, newest first, a page at a time while `more()`; True with the last one.

        A page Trello still finds too large is asked for again at half the size.
        """
        before: Optional[str] = None
        size = self.page_size
        while more():
            query = {"fields": CARD_FIELDS, "limit": str(size), **({"before": before} if before else {})}
            try:
                page = self._fetch(f"/boards/{self._board_id}/cards/{which}", "board", query=query)
            except TooManyCards:
                if size <= MIN_PAGE_SIZE:
                    raise
                size //= 2
                continue
            last = len(page) < size
            yield page, last
            if last:
                return
            before = min(str(raw["id"]) for raw in page)

    def get_card(self, card_id: str) -> Optional[Card]:
        """The card, open or archived, or None when Trello says it does not exist (deleted)."""
        with self._lock:
            if card_id in self._deleted:
                return None
        try:
            raw = self._fetch(f"/cards/{card_id}", "card", card_id, query={
                "fields": CARD_FIELDS + ",idBoard", "list": "true", "list_fields": LIST_FIELDS})
        except NotFoundError as exc:
            if exc.status == 404:
                with self._lock:
                    self._deleted.add(card_id)
                return None
            raise
        lst = raw.get("list") or {}
        lists = _list_entries([lst]) if lst.get("id") else {}
        return self._card(raw, lists or self._known_lists())

    def missing_lists(self, names: list[str]) -> list[str]:
        """The names (from the status map) that no open list on the board carries."""
        present = {name.casefold() for name in _open_lists(self._known_lists())}
        return [n for n in names if n.casefold() not in present]

    def archived_lists(self, names: list[str]) -> dict[str, str]:
        """name -> id of an archived list carrying each of `names` (those with an open one are left out)."""
        lists = self._known_lists()
        open_names = {name.casefold() for name in _open_lists(lists)}
        found: dict[str, str] = {}
        for wanted in names:
            if wanted.casefold() in open_names:
                continue
            for list_id, (name, closed) in lists.items():
                if closed and name.casefold() == wanted.casefold():
                    found.setdefault(wanted, list_id)
        return found

    def unarchive_list(self, list_id: str) -> None:
        self._fetch(f"/lists/{list_id}", "list", list_id, method="PUT", body={"closed": "false"})
        with self._lock:
            if self._lists is not None and list_id in self._lists:
                self._lists[list_id] = (self._lists[list_id][0], False)

    def last_activity(self) -> str:
        board = self._fetch(f"/boards/{self._board_id}", "board", query={"fields": "dateLastActivity"})
        return str(board.get("dateLastActivity", ""))

    # -- writing ------------------------------------------------------------------
    def create_card(self, list_name: str, title: str, desc: str) -> Card:
        """A new card at the bottom of its list, in one request, never repeated after an ambiguous failure."""
        list_id = self._list_id(list_name)
        raw = self._fetch("/cards", "card", method="POST", body={
            "idList": list_id, "name": title, "desc": desc, "pos": "bottom"}, creating=True)
        return self._card(raw, self._known_lists())

    def move_card(self, card_id: str, list_name: str) -> None:
        self._fetch(f"/cards/{card_id}", "card", card_id, method="PUT", body={"idList": self._list_id(list_name)})

    def archive_card(self, card_id: str) -> None:
        self._fetch(f"/cards/{card_id}", "card", card_id, method="PUT", body={"closed": True})

    def update_card(self, card_id: str, title: Optional[str] = None, desc: Optional[str] = None) -> None:
        body = {k: v for k, v in (("name", title), ("desc", desc)) if v is not None}
        if body:
            self._fetch(f"/cards/{card_id}", "card", card_id, method="PUT", body=body)

    def create_lists(self, names: list[str]) -> None:
        """Create open lists at the bottom of the board, one request each."""
        board_id = self._long_board_id()
        for name in names:
            raw = self._fetch("/lists", "list", method="POST",
                              body={"idBoard": board_id, "name": name, "pos": "bottom"})
            with self._lock:
                if self._lists is not None:
                    self._lists[raw["id"]] = (str(raw.get("name", name)), False)

    # -- lists ----------------------------------------------------------------------
    def _known_lists(self) -> dict[str, tuple[str, bool]]:
        with self._lock:
            if self._lists is not None:
                return dict(self._lists)
        raw = self._fetch(f"/boards/{self._board_id}/lists", "board", query={"filter": "all", "fields": LIST_FIELDS})
        lists = _list_entries(raw)
        with self._lock:
            self._lists = lists
        return dict(lists)

    def _list_id(self, list_name: str) -> str:
        wanted = list_name.strip().casefold()
        for name, list_id in _open_lists(self._known_lists()).items():
            if name.casefold() == wanted:
                return list_id
        raise NotFoundError(f"The board has no open list named '{list_name}': run `python main.py doctor --fix`"
                            " to create the lists the status map needs, or fix STATUS_MAP.")

    def _long_board_id(self) -> str:
        with self._lock:
            if len(self._board_id) == 24:
                return self._board_id
        board = self._fetch(f"/boards/{self._board_id}", "board", query={"fields": "id"})
        with self._lock:
            self._board_id = board["id"]
            return self._board_id

    @staticmethod
    def _card(raw: dict[str, Any], lists: dict[str, tuple[str, bool]]) -> Card:
        list_name, list_closed = lists.get(raw.get("idList", ""), ("", False))
        return Card(id=raw["id"], name=str(raw.get("name", "")), desc=str(raw.get("desc") or ""),
                    list_id=str(raw.get("idList", "")), list_name=list_name,
                    # A card in an archived list is out of sight like an archived card.
                    closed=bool(raw.get("closed")) or list_closed,
                    date_last_activity=str(raw.get("dateLastActivity") or ""), board_id=str(raw.get("idBoard") or ""))

    # -- the one call site, with error translation ------------------------------------
    def _fetch(self, path: str, what: str, ident: str = "", method: str = "GET",
               query: Optional[dict[str, str]] = None, body: Optional[dict[str, Any]] = None,
               creating: bool = False) -> Any:
        try:
            return self._client.fetch_json(path, http_method=method, query_params=dict(query or {}),
                                           post_args=body)
        except Unauthorized as exc:
            raise self._unauthorized(_body_text(exc)) from None
        except ResourceUnavailable as exc:
            raise self._unavailable(getattr(exc, "_status", 0), _body_text(exc), what, ident, creating) from None
        except requests.JSONDecodeError as exc:  # an answer came, but not Trello's
            if creating:
                raise _ambiguous() from None
            raise not_json("Trello", "TRELLO_API_URL", exc) from None
        except requests.RequestException as exc:
            if creating and not sent_nothing(exc):
                raise _ambiguous() from None
            raise ServiceUnavailableError(
                "Could not reach Trello (no answer or the connection dropped, after retries): check the network"
                " connection, or TRELLO_API_URL if it is set, and try again.") from None
        except ValueError as exc:
            raise not_json("Trello", "TRELLO_API_URL", exc) from None

    def _unauthorized(self, text: str) -> WorkLeadError:
        if "invalid key" in text:
            return BadCredentialsError("Trello does not accept the API key in TRELLO_API_KEY: copy the key from"
                                       " your Power-Up's API key page (trello.com/power-ups/admin).")
        if "token" in text:
            return BadCredentialsError("Trello does not accept the token in TRELLO_TOKEN (invalid, expired or"
                                       " revoked): generate a new token from your API key's page.")
        return AccessDeniedError(f"The Trello token in TRELLO_TOKEN may not use board {self.settings.trello_board_id}:"
                                 " generate the token as a member of that board, with read and write access.")

    def _unavailable(self, status: int, text: str, what: str, ident: str, creating: bool) -> WorkLeadError:
        board = self.settings.trello_board_id
        if status == 449:
            return TooManyCards(f"Trello refused to send that many cards at once: {text[:200]}")
        if status == 429:
            return RateLimitedError("Trello kept refusing requests for exceeding its rate limit, even after waiting:"
                                    " wait a minute and try again.")
        if status >= 500:
            if creating:
                return _ambiguous()
            return ServiceUnavailableError(f"Trello kept failing (HTTP {status}) after retries: try again later.")
        if status in (400, 404) and what == "board":
            return NotFoundError(f"Trello board {board} was not found: check TRELLO_BOARD_ID (the short link from"
                                 " the board's URL, trello.com/b/<id>/..., or its long id).", status)
        if status in (400, 404) and what == "card" and ident:
            why = "no such card" if status == 404 else "not a card id"
            return NotFoundError(f"Trello card {ident} was not found ({why}).", status)
        if status in (400, 404) and what == "list":
            return NotFoundError(f"Trello refused to use a list on board {board}: run `python main.py doctor`.",
                                 status)
        if status == 403:
            return AccessDeniedError(f"The Trello token in TRELLO_TOKEN may not change board {board}: generate the"
                                     " token with write access, as a member of the board.")
        return ServiceUnavailableError(f"Trello refused a request (HTTP {status}): {text[:200]}")


class TooManyCards(ServiceUnavailableError):
    """Trello's response-size limit (HTTP 449, API_TOO_MANY_CARDS_REQUESTED): ask for smaller pages."""


def _list_entries(raw_lists: list[dict[str, Any]]) -> dict[str, tuple[str, bool]]:
    """list id -> (name, closed), from Trello's list objects."""
    return {lst["id"]: (str(lst.get("name", "")), bool(lst.get("closed"))) for lst in raw_lists}


def _open_lists(lists: dict[str, tuple[str, bool]]) -> dict[str, str]:
    """name -> id of the open lists; the first list wins when two share a name."""
    named: dict[str, str] = {}
    for list_id, (name, closed) in lists.items():
        if not closed:
            named.setdefault(name, list_id)
    return named


def _body_text(exc: ResourceUnavailable) -> str:
    """Trello's own error text, without the URL py-trello appends (it may carry credentials)."""
    msg = str(getattr(exc, "_msg", ""))
    return msg.split(" at https://", 1)[0].split(" at http://", 1)[0].strip()


def _ambiguous() -> AmbiguousWriteError:
    return AmbiguousWriteError("Trello did not confirm a card creation (the connection failed or the server"
                               " erred after receiving it): the card may exist; the next sync adopts it by its"
                               " Lead ID marker instead of creating another.")
