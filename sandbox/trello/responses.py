"""Trello v1 over HTTP: parse each request into model calls and answer in Trello's wire format."""
from __future__ import annotations

import functools
import re
from datetime import datetime, timezone
from typing import Any, Callable, Optional
from urllib.parse import unquote

from sandbox.services import Context
from sandbox.trello import serializers as ser
from sandbox.trello.exceptions import InvalidValue, NotFound, TooManyCardsRequested, TrelloError, rate_limited, unrouted
from sandbox.trello.models import Pos, TrelloBackend, TrelloCard, iso_millis
from sandbox.web import Request, Response, json_response, text_response

OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')
CARD_FILTERS = ("open", "closed", "all", "visible", "none")
PAGE_LIMIT = 1000  # the most cards one page (`limit`) may ask for
LIST_FILTERS = ("open", "closed", "all", "none")
# As Trello names them in every answer (see the recordings under tests/fidelity/trello_cassettes/).
RATE_HEADER_PREFIX = {"trello_key": "X-Rate-Limit-Api-Key", "trello_token": "X-Rate-Limit-Api-Token",
                      "trello_member": "X-Rate-Limit-Member"}
RATE_EXPOSED = ("x-rate-limit-api-key-interval-ms, x-rate-limit-api-key-max, x-rate-limit-api-key-remaining, "
                "x-rate-limit-api-token-interval-ms, x-rate-limit-api-token-max, x-rate-limit-api-token-remaining")

Handler = Callable[..., Any]


def credentials(request: Request) -> tuple[str, str]:
    """(key, token) from an `Authorization: OAuth ...` header, else from the query string.

    The header wins: py-trello's list_cards() shares a mutable default dict that can
    carry a stale `key`/`token` from an earlier client into an OAuth-mode request.
    """
    header = request.header("authorization")
    if header.lower().startswith("oauth "):
        params = {name: unquote(value) for name, value in OAUTH_PARAM.findall(header)}
        if params.get("oauth_consumer_key"):
            return params["oauth_consumer_key"], params.get("oauth_token", "")
    return request.query.get("key", [""])[0], request.query.get("token", [""])[0]


def parse_bool(value: Optional[str], field: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise InvalidValue(field)


def parse_due(value: Optional[str]) -> Optional[str]:
    """A due date in any ISO-like form -> Trello's `2020-12-22T01:59:00.000Z`; None clears it."""
    text = (value or "").strip()
    if text in ("", "null"):
        return None
    cleaned = text.replace(" UTC", "+00:00").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidValue("due") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return iso_millis(moment.timestamp())


def pos_arg(request: Request, name: str = "pos") -> Pos:
    value = request.arg(name)
    # Ruby's client sends `pos=` empty; Trello then puts the card on top (see the recordings).
    return "top" if value == "" else value


def flag(request: Request, name: str) -> bool:
    return (request.arg(name) or "").lower() == "true"


class TrelloResponses:
    """The routes of Trello v1 that WorkLead (through py-trello) uses, over one TrelloBackend."""

    def __init__(self, backend: TrelloBackend, context: Context) -> None:
        self.backend = backend
        self.context = context

    # -- plumbing -----------------------------------------------------------------
    def api(self, handler: Handler) -> Callable[..., Response]:
        """`handler` behind Trello's credential check and rate limits, its refusals in Trello's words."""
        @functools.wraps(handler)
        def serve(request: Request, **groups: str) -> Response:
            key, token = credentials(request)
            refusal = self._unauthorized(key, token)
            if refusal is not None:
                return refusal
            # The token's limit is the first a client meets: its 429 names the token.
            buckets = (("trello_token", token), ("trello_key", key), ("trello_member", token))
            response = self._answer(handler, request, groups, buckets)
            response.headers.update(self._rate_headers(buckets))
            return response

        return serve

    def _answer(self, handler: Handler, request: Request, groups: dict[str, str],
                buckets: tuple[tuple[str, str], ...]) -> Response:
        refused = self.context.limits.hit(*buckets)
        if refused is not None:
            kind, _wait = refused
            return json_response(rate_limited(kind), 429)
        try:
            body = handler(request, **groups)
        except TooManyCardsRequested as err:
            return json_response({"error": err.error, "message": err.text}, err.status)
        except TrelloError as err:
            return text_response(err.text, err.status)
        if request.method != "GET":
            self.context.mark_dirty()
        return json_response(body)

    def _unauthorized(self, key: str, token: str) -> Optional[Response]:
        creds = self.context.creds
        if key != creds.trello_key:
            return text_response("invalid key", 401)
        if not token:
            return text_response("unauthorized permission requested", 401)
        if token != creds.trello_token:
            return text_response("invalid token", 401)
        return None

    def _rate_headers(self, buckets: tuple[tuple[str, str], ...]) -> dict[str, str]:
        """Trello's x-rate-limit-* headers: where the key, the token and the member stand in their windows."""
        headers = {"Access-Control-Expose-Headers": RATE_EXPOSED}
        idents = dict(buckets)
        for kind, prefix in RATE_HEADER_PREFIX.items():
            standing = self.context.limits.standing(kind, idents[kind])
            headers[f"{prefix}-Interval-Ms"] = str(standing.interval_ms)
            headers[f"{prefix}-Max"] = str(standing.limit)
            headers[f"{prefix}-Remaining"] = str(standing.remaining)
        return headers

    @staticmethod
    def unknown_path(request: Request) -> Any:
        raise unrouted(request.method, request.raw_path)

    # -- boards -------------------------------------------------------------------
    def get_board(self, request: Request, board: str) -> dict[str, Any]:
        found = self.backend.board(board)
        body = {**ser.board_json(found, request.arg("fields")), **self._nested_lists(request, found.id)}
        card_filter = request.arg("cards", "none") or "none"
        if card_filter not in CARD_FILTERS:
            raise InvalidValue("cards")
        if card_filter != "none":
            body["cards"] = [ser.card_json(c, request.arg("card_fields"), flag(request, "card_customFieldItems"),
                                           within="board")
                             for c in self._bounded(self.backend.cards_of_board(found.id, card_filter))]
        if flag(request, "customFields"):
            body["customFields"] = []
        return body

    def get_board_lists(self, request: Request, board: str, which: Optional[str] = None) -> list[dict[str, Any]]:
        found = self.backend.board(board)
        list_filter = which or request.arg("filter", "open") or "open"
        if list_filter not in LIST_FILTERS:
            raise InvalidValue("filter")
        lists = [] if list_filter == "none" else self.backend.lists_of(found.id, list_filter)
        card_filter = request.arg("cards", "none") or "none"
        answer = []
        for lst in lists:
            item = ser.list_json(lst, request.arg("fields"))
            if card_filter != "none":
                item["cards"] = [ser.card_json(c, request.arg("card_fields"), within="list")
                                 for c in self._bounded(self.backend.cards_of_list(lst.id, card_filter))]
            answer.append(item)
        return answer

    def post_board_list(self, request: Request, board: str) -> dict[str, Any]:
        lst = self.backend.add_list(board, request.arg("name") or "", pos_arg(request))
        return {**ser.list_json(lst, default=ser.LIST_DEFAULT_FIELDS), "limits": {}}

    def get_board_cards(self, request: Request, board: str, which: Optional[str] = None) -> Any:
        found = self.backend.board(board)
        if which is not None and which not in CARD_FILTERS:
            # /boards/{id}/cards/{idCard}: one card of this board.
            card = self.backend.card(which)
            if card.id_board != found.id:
                raise NotFound()
            return ser.card_json(card, request.arg("fields"), flag(request, "customFieldItems"))
        card_filter = which or request.arg("filter", "visible") or "visible"
        if card_filter not in CARD_FILTERS:
            raise InvalidValue("filter")
        cards = self._bounded(self._page(request, self.backend.cards_of_board(found.id, card_filter)))
        return [ser.card_json(c, request.arg("fields"), flag(request, "customFieldItems"), within="board")
                for c in cards]

    @staticmethod
    def _page(request: Request, cards: list[TrelloCard]) -> list[TrelloCard]:
        """`limit` (up to 1,000), `before`/`since` (card ids): newest first, as Trello pages cards."""
        if not any(request.has_arg(name) for name in ("limit", "before", "since")):
            return cards
        limit_text = request.arg("limit", str(PAGE_LIMIT)) or str(PAGE_LIMIT)
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= PAGE_LIMIT:
            raise InvalidValue("limit")
        before, since = request.arg("before"), request.arg("since")
        chosen = [c for c in cards if (not before or c.id < before) and (not since or c.id > since)]
        chosen.sort(key=lambda c: c.id, reverse=True)
        return chosen[:int(limit_text)]

    def _bounded(self, cards: list[TrelloCard]) -> list[TrelloCard]:
        """Trello refuses an answer that would carry too many cards (the client must page)."""
        if len(cards) > self.context.limits.max_cards:
            raise TooManyCardsRequested()
        return cards

    def get_board_field(self, request: Request, board: str, field: str) -> dict[str, Any]:
        full = ser.board_json(self.backend.board(board), "all")
        if field not in full:
            raise unrouted("GET", request.raw_path)
        return {"_value": full[field]}

    # -- lists --------------------------------------------------------------------
    def post_board(self, request: Request) -> dict[str, Any]:
        """A new board; with Trello's default lists unless defaultLists=false (as the real API does)."""
        name = request.arg("name") or ""
        if not name:
            raise InvalidValue("name")
        default_lists = request.arg("defaultLists")
        board = self.backend.add_board(name)
        board.desc = request.arg("desc") or ""
        if default_lists is None or parse_bool(default_lists, "defaultLists"):
            for list_name in ("To Do", "Doing", "Done"):
                self.backend.add_list(board.id, list_name, "bottom")
        return {**ser.board_json(board, "all"), "limits": {}}

    def post_list(self, request: Request) -> dict[str, Any]:
        board = request.arg("idBoard") or ""
        try:
            self.backend.check_id(board)
        except TrelloError:
            raise InvalidValue("idBoard") from None
        lst = self.backend.add_list(board, request.arg("name") or "", pos_arg(request))
        return {**ser.list_json(lst, default=ser.LIST_DEFAULT_FIELDS), "limits": {}}

    def get_list(self, request: Request, list_id: str) -> dict[str, Any]:
        return ser.list_json(self.backend.list_by_id(list_id), request.arg("fields"), ser.LIST_DEFAULT_FIELDS)

    def get_list_board(self, request: Request, list_id: str) -> dict[str, Any]:
        return ser.board_json(self.backend.board(self.backend.list_by_id(list_id).id_board), request.arg("fields"))

    def get_list_cards(self, request: Request, list_id: str) -> list[dict[str, Any]]:
        found = self.backend.list_by_id(list_id)
        card_filter = request.arg("filter", "open") or "open"
        if card_filter not in CARD_FILTERS:
            raise InvalidValue("filter")
        return [ser.card_json(c, request.arg("fields"), flag(request, "customFieldItems"), within="list")
                for c in self.backend.cards_of_list(found.id, card_filter)]

    def put_list(self, request: Request, list_id: str) -> dict[str, Any]:
        closed = parse_bool(request.arg("closed"), "closed") if request.has_arg("closed") else None
        lst = self.backend.update_list(list_id, name=request.arg("name"), closed=closed, pos=request.arg("pos"))
        return ser.list_json(lst, default=ser.LIST_DEFAULT_FIELDS)

    def put_list_field(self, request: Request, list_id: str, field: str) -> dict[str, Any]:
        value = request.arg("value")
        if field == "closed":
            lst = self.backend.update_list(list_id, closed=parse_bool(value, "value"))
        elif field == "name":
            lst = self.backend.update_list(list_id, name=value or "")
        elif field == "pos":
            lst = self.backend.update_list(list_id, pos=value if value is not None else "")
        else:
            raise unrouted("PUT", request.raw_path)
        return ser.list_json(lst, default=ser.LIST_DEFAULT_FIELDS)

    def archive_all_cards(self, request: Request, list_id: str) -> dict[str, Any]:
        self.backend.archive_all_cards(list_id)
        return {}

    # -- cards --------------------------------------------------------------------
    def post_card(self, request: Request) -> dict[str, Any]:
        card = self.backend.add_card(
            request.arg("idList") or "", name=request.arg("name") or "", desc=request.arg("desc") or "",
            pos=pos_arg(request), due=parse_due(request.arg("due")),
            closed=parse_bool(request.arg("closed"), "closed") if request.arg("closed") else False,
        )
        return ser.created_card_json(card)

    def get_card(self, request: Request, card: str) -> dict[str, Any]:
        found = self.backend.card(card)
        body = ser.card_json(found, request.arg("fields"), flag(request, "customFieldItems"))
        if flag(request, "pluginData"):
            body["pluginData"] = list(found.plugin_data)
        if flag(request, "list"):
            body["list"] = ser.list_json(self.backend.list_by_id(found.id_list), request.arg("list_fields"))
        return body

    def put_card(self, request: Request, card: str) -> dict[str, Any]:
        changes: dict[str, Any] = {"name": request.arg("name"), "desc": request.arg("desc"),
                                   "id_list": self._target_list(request), "pos": request.arg("pos")}
        if request.arg("closed") is not None:
            changes["closed"] = parse_bool(request.arg("closed"), "closed")
        if request.has_arg("due"):
            changes["due"] = parse_due(request.arg("due"))
            changes["clear_due"] = changes["due"] is None
        if request.arg("dueComplete") is not None:
            changes["due_complete"] = parse_bool(request.arg("dueComplete"), "dueComplete")
        return ser.card_json(self.backend.update_card(card, **changes))

    def _target_list(self, request: Request) -> Optional[str]:
        """idList, or when only idBoard is given, that board's first open list (as Trello does)."""
        id_list, id_board = request.arg("idList"), request.arg("idBoard")
        if id_list is not None or not id_board:
            return id_list
        try:
            lists = self.backend.lists_of(self.backend.board(id_board).id, "open")
        except TrelloError:
            raise InvalidValue("idBoard") from None
        if not lists:
            raise InvalidValue("idList")
        return lists[0].id

    def put_card_field(self, request: Request, card: str, field: str) -> dict[str, Any]:
        value = request.arg("value")
        setters: dict[str, Callable[[], dict[str, Any]]] = {
            "idList": lambda: {"id_list": value or ""},
            "idBoard": lambda: {"id_list": self._board_move_list(request, value)},
            "closed": lambda: {"closed": parse_bool(value, "value")},
            "name": lambda: {"name": value or ""},
            "desc": lambda: {"desc": value or ""},
            "pos": lambda: {"pos": value if value is not None else ""},
            "due": lambda: {"due": parse_due(value), "clear_due": parse_due(value) is None},
            "dueComplete": lambda: {"due_complete": parse_bool(value, "value")},
        }
        if field not in setters:
            raise unrouted("PUT", request.raw_path)
        self.backend.card(card)  # a bad or unknown card id answers before a bad value
        return ser.card_json(self.backend.update_card(card, **setters[field]()))

    def _board_move_list(self, request: Request, board: Optional[str]) -> str:
        if request.arg("idList"):
            return request.arg("idList") or ""
        try:
            lists = self.backend.lists_of(self.backend.board(board or "").id, "open")
        except TrelloError:
            raise InvalidValue("value") from None
        if not lists:
            raise InvalidValue("idList")
        return lists[0].id

    def delete_card(self, request: Request, card: str) -> dict[str, Any]:
        self.backend.delete_card(card)
        return {"limits": {}}

    def get_card_board(self, request: Request, card: str) -> dict[str, Any]:
        return ser.board_json(self.backend.board(self.backend.card(card).id_board), request.arg("fields"))

    def get_card_list(self, request: Request, card: str) -> dict[str, Any]:
        found = self.backend.list_by_id(self.backend.card(card).id_list)
        return ser.list_json(found, request.arg("fields"), ser.LIST_DEFAULT_FIELDS)

    def get_card_plugin_data(self, request: Request, card: str) -> list[dict[str, Any]]:
        return list(self.backend.card(card).plugin_data)

    def get_card_custom_field_items(self, request: Request, card: str) -> list[dict[str, Any]]:
        return list(self.backend.card(card).custom_field_items)

    def card_empty_list(self, request: Request, card: str) -> list[Any]:
        # Comments, checklists and attachments are not modelled: a card has none.
        self.backend.card(card)
        return []

    # -- members ------------------------------------------------------------------
    def get_member(self, request: Request, member: str) -> dict[str, Any]:
        found = self.backend.member_named(member)
        return ser.member_json(found, self.backend.boards_of_member("members"), request.arg("fields"))

    def get_member_boards(self, request: Request, member: str, which: Optional[str] = None) -> list[dict[str, Any]]:
        self.backend.member_named(member)
        boards = self.backend.boards_of_member(which or request.arg("filter", "all") or "all")
        return [{**ser.board_json(b, request.arg("fields") or "all"), **self._nested_lists(request, b.id)}
                for b in boards]

    def _nested_lists(self, request: Request, board_id: str) -> dict[str, Any]:
        """`lists=open|closed|all` (with `list_fields`) nests the board's lists under "lists"."""
        list_filter = request.arg("lists", "none") or "none"
        if list_filter not in LIST_FILTERS:
            raise InvalidValue("lists")
        if list_filter == "none":
            return {}
        return {"lists": [ser.list_json(lst, request.arg("list_fields"))
                          for lst in self.backend.lists_of(board_id, list_filter)]}

    def empty_list(self, request: Request, board: str) -> list[Any]:
        self.backend.board(board)
        return []
