"""The Trello sandbox's state: boards, lists and cards (archived ones too), with no HTTP knowledge."""
from __future__ import annotations

import re
import secrets
import string
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional, Union

from sandbox.trello.exceptions import InvalidId, InvalidValue, NotFound, TooManyOpenCards

HEX_ID = re.compile(r"[0-9a-fA-F]{24}\Z")
SHORT_LINK = re.compile(r"[0-9A-Za-z]{8}\Z")
POS_STEP = 16384.0
OPEN_CARDS_PER_BOARD = 5000
# Trello's documented limit for a card name and description (and most other texts).
MAX_TEXT_LENGTH = 16384

Pos = Union[str, float, int, None]


def iso_millis(epoch: float) -> str:
    """Trello's timestamp shape: ISO 8601, milliseconds, `Z`."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def slugify(name: str) -> str:
    """The tail of Trello's card and board URLs: `Test Trello::Card.create` -> `test-trellocardcreate`."""
    kept = re.sub(r"[^0-9a-z\s-]", "", name.lower())
    return re.sub(r"[\s-]+", "-", kept).strip("-")


@dataclass
class TrelloList:
    id: str
    id_board: str
    name: str
    pos: float
    closed: bool = False


@dataclass
class TrelloCard:
    id: str
    id_board: str
    id_list: str
    name: str
    pos: float
    id_short: int
    short_link: str
    date_last_activity: str
    desc: str = ""
    closed: bool = False
    due: Optional[str] = None
    due_complete: bool = False
    plugin_data: list[dict[str, Any]] = field(default_factory=list)
    custom_field_items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Member:
    """The member the sandbox's token belongs to; every board of the sandbox is theirs."""

    id: str
    username: str = "sandboxuser"
    full_name: str = "Sandbox User"
    email: str = "sandboxuser@example.com"


BOARD_FILTERS = ("all", "closed", "members", "open", "organization", "public", "starred")


@dataclass
class Board:
    id: str
    name: str
    short_link: str
    date_last_activity: str
    desc: str = ""
    closed: bool = False
    last_id_short: int = 0


class TrelloBackend:
    """Boards, lists and cards, and the rules Trello applies when they change."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.open_cards_per_board = OPEN_CARDS_PER_BOARD
        self.boards: dict[str, Board] = {}
        self.lists: dict[str, TrelloList] = {}
        self.cards: dict[str, TrelloCard] = {}
        self._id_tail = secrets.token_hex(5)
        self._counter = 0
        self.member = Member(self.new_id())

    # -- identity and time --------------------------------------------------------
    def new_id(self) -> str:
        """24 hex digits: creation time in seconds, then a per-model tail and a counter."""
        self._counter += 1
        return f"{int(self._clock()):08x}{self._id_tail}{self._counter:06x}"

    def _new_short_link(self) -> str:
        alphabet = string.ascii_letters + string.digits
        taken = {b.short_link for b in self.boards.values()} | {c.short_link for c in self.cards.values()}
        while True:
            link = "".join(secrets.choice(alphabet) for _ in range(8))
            if link not in taken:
                return link

    def _stamp(self, previous: str = "") -> str:
        # Strictly increasing, so that a change is always visible to a watcher
        # comparing dateLastActivity, even two changes within one millisecond.
        now = iso_millis(self._clock())
        if previous and now <= previous:
            prev = datetime.strptime(previous, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            now = iso_millis(prev.timestamp() + 0.001)
        return now

    def _touch_board(self, board: Board) -> None:
        board.date_last_activity = self._stamp(board.date_last_activity)

    def _touch_card(self, card: TrelloCard) -> None:
        card.date_last_activity = self._stamp(card.date_last_activity)
        self._touch_board(self.boards[card.id_board])

    # -- look-ups -----------------------------------------------------------------
    @staticmethod
    def check_id(ident: str, short_link_ok: bool = False) -> None:
        if HEX_ID.match(ident) or (short_link_ok and SHORT_LINK.match(ident)):
            return
        raise InvalidId()

    def board(self, ident: str) -> Board:
        self.check_id(ident, short_link_ok=True)
        for board in self.boards.values():
            if board.id == ident or board.short_link == ident:
                return board
        raise NotFound()

    def list_by_id(self, ident: str) -> TrelloList:
        self.check_id(ident)
        found = self.lists.get(ident)
        if found is None:
            raise NotFound()
        return found

    def card(self, ident: str) -> TrelloCard:
        self.check_id(ident, short_link_ok=True)
        found = self.cards.get(ident)
        if found is None:
            found = next((c for c in self.cards.values() if c.short_link == ident), None)
        if found is None:
            raise NotFound()
        return found

    def member_named(self, ident: str) -> Member:
        """The token's member, as `me`, its id or its username."""
        if ident in ("me", self.member.id) or ident.lower() == self.member.username:
            return self.member
        raise NotFound()

    def boards_of_member(self, board_filter: str = "all") -> list[Board]:
        """`all` or a comma list of filters; the sandbox's boards are private, in no
        organization and not starred, so those filters select none."""
        names = {n.strip() for n in board_filter.split(",") if n.strip()} or {"all"}
        if not names <= set(BOARD_FILTERS):
            raise InvalidValue("filter")
        wanted = [b for b in self.boards.values()
                  if names & {"all", "members"} or ("open" in names and not b.closed)
                  or ("closed" in names and b.closed)]
        return sorted(wanted, key=lambda b: b.id)

    def lists_of(self, board_id: str, list_filter: str = "all") -> list[TrelloList]:
        wanted = {"all": (True, False), "open": (False,), "closed": (True,)}.get(list_filter)
        if wanted is None:
            raise InvalidValue("filter")
        found = [lst for lst in self.lists.values() if lst.id_board == board_id and lst.closed in wanted]
        return sorted(found, key=lambda lst: lst.pos)

    def cards_of_board(self, board_id: str, card_filter: str = "visible") -> list[TrelloCard]:
        cards = [c for c in self.cards.values() if c.id_board == board_id]
        return self._filter_cards(cards, card_filter)

    def cards_of_list(self, list_id: str, card_filter: str = "open") -> list[TrelloCard]:
        cards = [c for c in self.cards.values() if c.id_list == list_id]
        return self._filter_cards(cards, card_filter)

    def _filter_cards(self, cards: Iterable[TrelloCard], card_filter: str) -> list[TrelloCard]:
        if card_filter == "all":
            chosen = list(cards)
        elif card_filter == "open":
            chosen = [c for c in cards if not c.closed]
        elif card_filter == "closed":
            chosen = [c for c in cards if c.closed]
        elif card_filter == "visible":
            chosen = [c for c in cards if not c.closed and not self.lists[c.id_list].closed]
        elif card_filter == "none":
            chosen = []
        else:
            raise InvalidValue("filter")
        return sorted(chosen, key=lambda c: (self.lists[c.id_list].pos, c.pos))

    def open_card_count(self, board_id: str) -> int:
        return sum(1 for c in self.cards.values() if c.id_board == board_id and not c.closed)

    # -- positions ------------------------------------------------------------------
    @staticmethod
    def _place(pos: Pos, siblings: list[float], default: str) -> float:
        """Trello's pos rules: `top` halves the smallest, `bottom` adds 16384 to the largest."""
        if pos is None:
            pos = default
        if isinstance(pos, str):
            text = pos.strip().lower()
            if text in ("top", "bottom"):
                if not siblings:
                    return POS_STEP
                return min(siblings) / 2 if text == "top" else max(siblings) + POS_STEP
            try:
                pos = float(text)
            except ValueError:
                raise InvalidValue("pos") from None
        number = float(pos)
        if number < 0 or number != number:
            raise InvalidValue("pos")
        return number

    def _card_positions(self, list_id: str, exclude: str = "") -> list[float]:
        return [c.pos for c in self.cards.values() if c.id_list == list_id and c.id != exclude]

    # -- boards and lists -------------------------------------------------------------
    def add_board(self, name: str, board_id: Optional[str] = None) -> Board:
        board = Board(id=board_id or self.new_id(), name=name, short_link=self._new_short_link(),
                      date_last_activity=self._stamp())
        self.check_id(board.id)
        self.boards[board.id] = board
        return board

    def add_list(self, board_id: str, name: str, pos: Pos = None, closed: bool = False) -> TrelloList:
        board = self.board(board_id)
        if not name:
            raise InvalidValue("name")
        siblings = [lst.pos for lst in self.lists.values() if lst.id_board == board.id]
        # A list created without pos lands on top: the recordings show 65535 -> 32767.5.
        lst = TrelloList(id=self.new_id(), id_board=board.id, name=name,
                         pos=self._place(pos, siblings, "top"), closed=closed)
        self.lists[lst.id] = lst
        self._touch_board(board)
        return lst

    def update_list(self, list_id: str, name: Optional[str] = None, closed: Optional[bool] = None,
                    pos: Pos = None) -> TrelloList:
        lst = self.list_by_id(list_id)
        if name is not None:
            if not name:
                raise InvalidValue("name")
            lst.name = name
        if closed is not None:
            lst.closed = closed
        if pos is not None:
            others = [o.pos for o in self.lists.values() if o.id_board == lst.id_board and o.id != lst.id]
            lst.pos = self._place(pos, others, "bottom")
        self._touch_board(self.boards[lst.id_board])
        return lst

    def archive_all_cards(self, list_id: str) -> None:
        for card in self.cards_of_list(self.list_by_id(list_id).id, "open"):
            card.closed = True
            self._touch_card(card)

    # -- cards -------------------------------------------------------------------------
    def add_card(self, list_id: str, name: str = "", desc: str = "", pos: Pos = None,
                 due: Optional[str] = None, closed: bool = False) -> TrelloCard:
        _check_lengths(name=name, desc=desc)
        lst = self._target_list(list_id)
        board = self.boards[lst.id_board]
        if not closed:
            self._check_room(board.id)
        board.last_id_short += 1
        card = TrelloCard(
            id=self.new_id(), id_board=board.id, id_list=lst.id, name=name, desc=desc,
            pos=self._place(pos, self._card_positions(lst.id), "bottom"),
            id_short=board.last_id_short, short_link=self._new_short_link(),
            date_last_activity=self._stamp(), due=due, closed=closed,
        )
        self.cards[card.id] = card
        self._touch_board(board)
        return card

    def update_card(self, card_id: str, *, name: Optional[str] = None, desc: Optional[str] = None,
                    closed: Optional[bool] = None, id_list: Optional[str] = None, pos: Pos = None,
                    due: Optional[str] = None, clear_due: bool = False,
                    due_complete: Optional[bool] = None) -> TrelloCard:
        card = self.card(card_id)
        _check_lengths(name=name, desc=desc)
        target = self._target_list(id_list) if id_list is not None else None
        if closed is False and card.closed:
            self._check_room(target.id_board if target else card.id_board)
        if target is not None and target.id != card.id_list:
            self._move(card, target, pos)
        elif pos is not None:
            card.pos = self._place(pos, self._card_positions(card.id_list, card.id), "bottom")
        if name is not None:
            if not name:
                raise InvalidValue("name")
            card.name = name
        if desc is not None:
            card.desc = desc
        if closed is not None:
            card.closed = closed
        if due is not None or clear_due:
            card.due = due
        if due_complete is not None:
            card.due_complete = due_complete
        self._touch_card(card)
        return card

    def _target_list(self, list_id: str) -> TrelloList:
        try:
            return self.list_by_id(list_id)
        except (InvalidId, NotFound):
            raise InvalidValue("idList") from None

    def _move(self, card: TrelloCard, target: TrelloList, pos: Pos) -> None:
        if target.id_board != card.id_board:
            self._touch_board(self.boards[card.id_board])
            if not card.closed:
                self._check_room(target.id_board)
            board = self.boards[target.id_board]
            board.last_id_short += 1
            card.id_board, card.id_short = board.id, board.last_id_short
        card.id_list = target.id
        # Without a pos the card keeps its own (recorded: PUT idList leaves pos 65535 as it was).
        if pos is not None:
            card.pos = self._place(pos, self._card_positions(target.id, card.id), "bottom")

    def move_card(self, card_id: str, list_id: str, pos: Pos = None) -> TrelloCard:
        return self.update_card(card_id, id_list=list_id, pos=pos)

    def list_named(self, name: str, board_id: Optional[str] = None) -> TrelloList:
        """The first list with this name (on this board), for tests that set state directly."""
        for lst in sorted(self.lists.values(), key=lambda x: x.pos):
            if lst.name == name and (board_id is None or lst.id_board == board_id):
                return lst
        raise NotFound()

    def delete_card(self, card_id: str) -> None:
        card = self.card(card_id)
        del self.cards[card.id]
        self._touch_board(self.boards[card.id_board])

    def _check_room(self, board_id: str) -> None:
        if self.open_card_count(board_id) >= self.open_cards_per_board:
            raise TooManyOpenCards()

    # -- persistence -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "counter": self._counter,
            "id_tail": self._id_tail,
            "open_cards_per_board": self.open_cards_per_board,
            "member": asdict(self.member),
            "boards": [asdict(b) for b in self.boards.values()],
            "lists": [asdict(lst) for lst in self.lists.values()],
            "cards": [asdict(c) for c in self.cards.values()],
        }

    def load(self, data: dict[str, Any]) -> None:
        self.clear()
        self._counter = int(data.get("counter", 0))
        self._id_tail = str(data.get("id_tail", self._id_tail))
        self.open_cards_per_board = int(data.get("open_cards_per_board", OPEN_CARDS_PER_BOARD))
        if "member" in data:
            self.member = Member(**data["member"])
        self.boards = {b["id"]: Board(**b) for b in data.get("boards", [])}
        self.lists = {lst["id"]: TrelloList(**lst) for lst in data.get("lists", [])}
        self.cards = {c["id"]: TrelloCard(**c) for c in data.get("cards", [])}

    def clear(self) -> None:
        self.boards, self.lists, self.cards = {}, {}, {}
        self.open_cards_per_board = OPEN_CARDS_PER_BOARD


def _check_lengths(**values: Optional[str]) -> None:
    """Trello refuses a card name or description longer than 16,384 characters, changing nothing."""
    for field_name, value in values.items():
        if value is not None and len(value) > MAX_TEXT_LENGTH:
            raise InvalidValue(field_name)
