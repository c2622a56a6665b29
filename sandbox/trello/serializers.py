"""Boards, lists and cards as the JSON Trello sends, field for field as the recordings show."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sandbox.trello.models import Board, Member, TrelloCard, TrelloList, slugify

WEB = "https://trello.com"
LABEL_COLOURS = ("green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink", "black")

BOARD_DEFAULT_FIELDS = ("name", "desc", "descData", "closed", "idOrganization", "idEnterprise", "pinned",
                        "url", "shortUrl", "labelNames", "prefs")
LIST_DEFAULT_FIELDS = ("name", "closed", "pos", "idBoard")


def number(pos: float) -> float | int:
    """Trello writes whole positions without a fraction (65535, not 65535.0)."""
    return int(pos) if float(pos).is_integer() else pos


def pick(full: dict[str, Any], fields: Optional[str], default: Optional[Iterable[str]] = None) -> dict[str, Any]:
    """Apply a `fields=` parameter: `all`, a comma list (id always kept), or the route's default."""
    if fields is None or fields == "":
        if default is None:
            return full
        names = list(default)
    elif fields.strip() == "all":
        return full
    else:
        names = [n.strip() for n in fields.split(",") if n.strip()]
    # Unknown names are dropped rather than refused: the sandbox knows fewer fields than Trello.
    return {"id": full["id"], **{n: full[n] for n in names if n in full and n != "id"}}


def board_json(board: Board, fields: Optional[str] = None) -> dict[str, Any]:
    full: dict[str, Any] = {
        "id": board.id,
        "name": board.name,
        "desc": board.desc,
        "descData": None,
        "closed": board.closed,
        "dateLastActivity": board.date_last_activity,
        "dateLastView": board.date_last_activity,
        "idOrganization": None,
        "idEnterprise": None,
        "idMemberCreator": None,
        "pinned": False,
        "starred": False,
        "shortLink": board.short_link,
        "url": f"{WEB}/b/{board.short_link}/{slugify(board.name)}",
        "shortUrl": f"{WEB}/b/{board.short_link}",
        "labelNames": {colour: "" for colour in LABEL_COLOURS},
        "prefs": {"permissionLevel": "private", "hideVotes": False, "voting": "disabled",
                  "comments": "members", "invitations": "members", "selfJoin": True, "cardCovers": True,
                  "isTemplate": False, "cardAging": "regular", "calendarFeedEnabled": False,
                  "background": "blue", "backgroundImage": None, "backgroundImageScaled": None,
                  "backgroundTile": False, "backgroundBrightness": "dark", "backgroundColor": "#0079BF",
                  "backgroundBottomColor": "#0079BF", "backgroundTopColor": "#0079BF",
                  "canBePublic": True, "canBeEnterprise": True, "canBeOrg": True, "canBePrivate": True,
                  "canInvite": True},
        "subscribed": False,
    }
    return pick(full, fields, BOARD_DEFAULT_FIELDS)


def list_json(lst: TrelloList, fields: Optional[str] = None, default: Optional[Iterable[str]] = None) -> dict[str, Any]:
    full: dict[str, Any] = {
        "id": lst.id,
        "name": lst.name,
        "closed": lst.closed,
        "pos": number(lst.pos),
        "softLimit": None,
        "idBoard": lst.id_board,
        "subscribed": False,
    }
    return pick(full, fields, default)


def card_json(card: TrelloCard, fields: Optional[str] = None, custom_field_items: bool = False,
              within: str = "") -> dict[str, Any]:
    """One card; `within` "board" or "list" when it is an item of that card collection, where
    Trello leaves checkItemStates null (and, on a board's cards, descData too)."""
    full: dict[str, Any] = {
        "id": card.id,
        "checkItemStates": None if within else [],
        "closed": card.closed,
        "dateLastActivity": card.date_last_activity,
        "desc": card.desc,
        "descData": {"emoji": {}} if card.desc and within != "board" else None,
        "dueReminder": None,
        "idBoard": card.id_board,
        "idList": card.id_list,
        "idMembersVoted": [],
        "idShort": card.id_short,
        "idAttachmentCover": None,
        "idLabels": [],
        "manualCoverAttachment": False,
        "name": card.name,
        "pos": number(card.pos),
        "shortLink": card.short_link,
        "isTemplate": False,
        "dueComplete": card.due_complete,
        "due": card.due,
        "start": None,
        "email": None,
        "labels": [],
        "shortUrl": f"{WEB}/c/{card.short_link}",
        "url": f"{WEB}/c/{card.short_link}/{card.id_short}-{slugify(card.name)}",
        "cover": {"idAttachment": None, "color": None, "idUploadedBackground": None, "size": "normal",
                  "brightness": "light"},
        "idMembers": [],
        "idChecklists": [],
        "badges": badges(card),
        "subscribed": False,
    }
    shaped = pick(full, fields)
    if custom_field_items:
        shaped["customFieldItems"] = list(card.custom_field_items)
    return shaped


def badges(card: TrelloCard) -> dict[str, Any]:
    return {
        "attachmentsByType": {"trello": {"board": 0, "card": 0}},
        "location": False, "votes": 0, "viewingMemberVoted": False, "subscribed": False, "fogbugz": "",
        "checkItems": 0, "checkItemsChecked": 0, "checkItemsEarliestDue": None, "comments": 0,
        "attachments": 0, "description": bool(card.desc), "due": card.due, "dueComplete": card.due_complete,
    }


def created_card_json(card: TrelloCard) -> dict[str, Any]:
    """POST /1/cards answers the card plus the empty collections a new card has."""
    # The recordings show descData {"emoji": {}} on a created card, even with an empty desc.
    return {**card_json(card), "descData": {"emoji": {}}, "attachments": [], "stickers": [], "limits": {}}


def member_json(member: Member, boards: Iterable[Board], fields: Optional[str] = None) -> dict[str, Any]:
    """GET /1/members/{id}: the member object of Trello's reference, `fields` defaulting to all."""
    initials = "".join(word[:1] for word in member.full_name.split()).upper()
    full: dict[str, Any] = {
        "id": member.id,
        "activityBlocked": False,
        "avatarHash": None,
        "avatarUrl": None,
        "bio": "",
        "bioData": None,
        "confirmed": True,
        "fullName": member.full_name,
        "idEnterprise": None,
        "idEnterprisesDeactivated": [],
        "idMemberReferrer": None,
        "idPremOrgsAdmin": [],
        "initials": initials,
        "memberType": "normal",
        "nonPublic": {},
        "nonPublicAvailable": True,
        "products": [],
        "url": f"{WEB}/{member.username}",
        "username": member.username,
        "status": "disconnected",
        "email": member.email,
        "idBoards": [b.id for b in boards],
        "idOrganizations": [],
        "loginTypes": ["password"],
        "prefs": {"colorBlind": False, "locale": "en-US", "minutesBetweenSummaries": 60,
                  "sendSummaries": True},
    }
    return pick(full, fields)
