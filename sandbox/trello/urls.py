"""Trello v1's paths: which TrelloResponses method answers each method and path."""
from __future__ import annotations

import re
from typing import Any, Callable

from sandbox.trello.responses import TrelloResponses

LABEL = "trello"  # what the request log calls Trello's requests
ID = r"(?P<{}>[^/]+)"
Handler = Callable[..., Any]


def url_paths(r: TrelloResponses) -> list[tuple[str, str, Handler]]:
    """(method, path regex, handler), most specific first."""
    routes: list[tuple[str, str, Handler]] = [
        ("POST", "/1/boards", r.post_board),
        ("GET", "/1/boards/{board}", r.get_board),
        ("GET", "/1/boards/{board}/lists", r.get_board_lists),
        ("GET", "/1/boards/{board}/lists/{which}", r.get_board_lists),
        ("POST", "/1/boards/{board}/lists", r.post_board_list),
        ("GET", "/1/boards/{board}/cards", r.get_board_cards),
        ("GET", "/1/boards/{board}/cards/{which}", r.get_board_cards),
        ("GET", "/1/boards/{board}/customFields", r.empty_list),
        ("GET", "/1/boards/{board}/{field}", r.get_board_field),
        ("POST", "/1/lists", r.post_list),
        ("GET", "/1/lists/{list_id}", r.get_list),
        ("PUT", "/1/lists/{list_id}", r.put_list),
        ("GET", "/1/lists/{list_id}/cards", r.get_list_cards),
        ("GET", "/1/lists/{list_id}/board", r.get_list_board),
        ("POST", "/1/lists/{list_id}/archiveAllCards", r.archive_all_cards),
        ("PUT", "/1/lists/{list_id}/{field}", r.put_list_field),
        ("POST", "/1/cards", r.post_card),
        ("GET", "/1/cards/{card}", r.get_card),
        ("PUT", "/1/cards/{card}", r.put_card),
        ("DELETE", "/1/cards/{card}", r.delete_card),
        ("GET", "/1/cards/{card}/board", r.get_card_board),
        ("GET", "/1/cards/{card}/list", r.get_card_list),
        ("GET", "/1/cards/{card}/pluginData", r.get_card_plugin_data),
        ("GET", "/1/cards/{card}/customFieldItems", r.get_card_custom_field_items),
        ("GET", "/1/cards/{card}/actions", r.card_empty_list),
        ("GET", "/1/cards/{card}/checklists", r.card_empty_list),
        ("GET", "/1/cards/{card}/attachments", r.card_empty_list),
        ("PUT", "/1/cards/{card}/{field}", r.put_card_field),
        ("GET", "/1/members/{member}", r.get_member),
        ("GET", "/1/members/{member}/boards", r.get_member_boards),
        ("GET", "/1/members/{member}/boards/{which}", r.get_member_boards),
    ]
    # Trello (Express, non-strict routing) accepts a trailing slash; py-trello's
    # board.get_cards() sends one.
    paths = [(method, _regex(template) + "/?", handler) for method, template, handler in routes]
    # Last, so that it only catches what no route above knows: Trello's own 404 text,
    # after the credentials are checked, as Trello checks them on every path.
    paths += [(method, r"/1/.*", r.unknown_path) for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")]
    return paths


def _regex(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ID.format(m.group(1)), template)
