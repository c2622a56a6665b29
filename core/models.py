"""The records WorkLead passes around: leads, cards, links, the status map, results.

Everything here is plain data with no I/O, shared by the clients, the planner
and the engine.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from core.errors import StatusMapError
from core.text import one_line

STATUSES: tuple[str, ...] = ("NEW", "CONTACTED", "QUALIFIED", "LOST")
DEFAULT_STATUS_MAP: dict[str, str] = {
    "NEW": "TODO",
    "CONTACTED": "IN_PROGRESS",
    "QUALIFIED": "DONE",
    "LOST": "LOST",
}
# The columns the lead sheet must have (any order, case and spaces ignored).
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name", "email", "status", "source", "trello_card_id")

TITLE_PREFIX = "Follow-up: "
# Trello refuses a card name or description longer than this.
MAX_CARD_TEXT = 16384
# Each managed field is cut to this, so the block's three lines always fit on a card.
MAX_FIELD_TEXT = 5000
ELLIPSIS = "…"
_MARKER_RE = re.compile(r"^Lead ID:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
# In the marker a lead id keeps its spaces and letters; a backslash and anything that could end or
# reorder the line (control characters, line and paragraph separators, bidi controls) are escaped.
_MARKER_ESCAPE_RE = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")
_LINE_BREAKERS = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_EMAIL_RE = re.compile(r"^Email:[ \t]*(.*)$", re.MULTILINE)
_CARD_ID_RE = re.compile(r"^[0-9a-fA-F]{24}$")


@dataclass(frozen=True)
class StatusMap:
    """One place that maps lead statuses to Trello list names and back."""

    to_list: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_MAP))

    @classmethod
    def parse(cls, text: Optional[str]) -> "StatusMap":
        """Read `NEW=To Do,CONTACTED=Doing,...`; blank means the default table."""
        if not text or not text.strip():
            return cls()
        mapping = dict(DEFAULT_STATUS_MAP)
        given: set[str] = set()
        for part in text.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise StatusMapError(f"'{part.strip()}' is not STATUS=List name")
            status, list_name = (p.strip() for p in part.split("=", 1))
            status = status.upper()
            if status not in STATUSES:
                raise StatusMapError(f"'{status}' is not one of {', '.join(STATUSES)}")
            if status in given:
                raise StatusMapError(f"{status} is given twice")
            given.add(status)
            if not list_name:
                raise StatusMapError(f"{status} has no list name")
            mapping[status] = list_name
        names = [n.casefold() for n in mapping.values()]
        if len(set(names)) != len(names):
            raise StatusMapError("two statuses map to the same list")
        return cls(mapping)

    def list_for(self, status: str) -> str:
        return self.to_list[status]

    def status_for(self, list_name: str) -> Optional[str]:
        """The status a list stands for, or None for a list outside the map."""
        wanted = list_name.strip().casefold()
        for status, name in self.to_list.items():
            if name.casefold() == wanted:
                return status
        return None

    @staticmethod
    def canonical(raw: str) -> Optional[str]:
        """A sheet status trimmed and upper-cased, or None if it is not one of ours.

        A blank status is not decided here: the planner treats it as NEW.
        """
        value = raw.strip().upper()
        return value if value in STATUSES else None

    @staticmethod
    def effective(raw: str) -> Optional[str]:
        """The status a row stands for: a blank one is NEW; None when it is not one of ours."""
        return StatusMap.canonical(raw) if raw.strip() else "NEW"

    @property
    def list_names(self) -> list[str]:
        return [self.to_list[s] for s in STATUSES]


@dataclass(frozen=True)
class Lead:
    """One row of the lead sheet, as read. `row` is the 1-based sheet row."""

    row: int
    id: str
    name: str
    email: str
    status: str
    source: str
    card_id: str = ""
    # Every cell of the row as read, other columns included (what the trash keeps).
    cells: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def fields_hash(self) -> str:
        return fields_hash(self.name, self.email, self.source)


@dataclass(frozen=True)
class Card:
    """One Trello card, open or archived, with the name of its list."""

    id: str
    name: str
    desc: str
    list_id: str
    list_name: str
    closed: bool = False
    date_last_activity: str = ""
    board_id: str = ""  # filled by single-card lookups, where the card may be on another board

    @property
    def lead_id(self) -> Optional[str]:
        """The lead id from the `Lead ID:` marker in the description, if any."""
        return marker_lead_id(self.desc)


@dataclass
class SheetSnapshot:
    """The whole worksheet, read in one request."""

    title: str
    header: list[str]
    leads: list[Lead]
    # Column letter (A, B, ...) of each required column, by lowercase name.
    columns: dict[str, str]


@dataclass
class BoardSnapshot:
    """The board's lists and all its cards, open and archived."""

    board_id: str
    lists: dict[str, str]  # list name -> list id (open lists)
    cards: list[Card]


@dataclass
class Link:
    """A lead <-> card link and the baseline both sides agreed on."""

    card_id: str
    status: Optional[str] = None  # None: no baseline yet (original-format file)
    fields: Optional[str] = None
    synced_at: Optional[str] = None


@dataclass(frozen=True)
class CellUpdate:
    """One cell to write: a sheet row and a required column name."""

    row: int
    column: str
    value: str


def fields_hash(name: str, email: str, source: str) -> str:
    """A short, stable fingerprint of the fields the card's managed block shows."""
    text = "\x1f".join((name.strip(), email.strip(), source.strip()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def card_title(name: str) -> str:
    return _fit(f"{TITLE_PREFIX}{one_line(name)}", MAX_CARD_TEXT)


def managed_block(lead_id: str, email: str, source: str) -> str:
    # One line per field whatever the cells hold: a newline in a cell must not add a line to the
    # card (nor a second `Lead ID:` marker). The id is escaped rather than flattened, so that any id
    # a cell can hold reads back the same from the marker.
    email, source = (_fit(one_line(v), MAX_FIELD_TEXT) for v in (email, source))
    return f"Lead ID: {marker_text(lead_id)}\nEmail: {email}\nSource: {source}"


def shortened_for_trello(lead: "Lead", old_desc: str = "") -> list[str]:
    """Which of the lead's card texts are cut to fit Trello's limits ('title', 'description')."""
    cut = []
    if len(TITLE_PREFIX + one_line(lead.name)) > MAX_CARD_TEXT:
        cut.append("title")
    fields = (lead.email, lead.source)
    if any(len(one_line(v)) > MAX_FIELD_TEXT for v in fields) or \
            len(_uncut_description(old_desc, lead.id, lead.email, lead.source)) > MAX_CARD_TEXT:
        cut.append("description")
    return cut


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - len(ELLIPSIS)] + ELLIPSIS


def refresh_description(old_desc: str, lead_id: str, email: str, source: str) -> str:
    """The managed block rewritten, keeping whatever the user wrote below it.

    A `Lead ID:` line below the block is dropped, so the card carries exactly
    one marker.
    """
    # Past Trello's limit the end of the user's text goes: the card would be refused whole.
    return _fit(_uncut_description(old_desc, lead_id, email, source), MAX_CARD_TEXT)


def _uncut_description(old_desc: str, lead_id: str, email: str, source: str) -> str:
    block = managed_block(lead_id, email, source)
    rest = "\n".join(line for line in _below_block(old_desc or "") if not _MARKER_RE.match(line))
    rest = rest.lstrip("\n")
    return f"{block}\n\n{rest}" if rest.strip() else block


def _below_block(desc: str) -> list[str]:
    """The description's lines after the managed block (all of them when it has none).

    A block written before cells were cleaned may have an e-mail spread over
    several lines; everything up to its `Source:` line belongs to the block.
    """
    lines = desc.split("\n")
    keys = ("Lead ID:", "Email:", "Source:")
    if len(lines) > 1 and lines[0].startswith(keys[0]) and lines[1].startswith(keys[1]):
        source = next((i for i, line in enumerate(lines[2:], start=2) if line.startswith(keys[2])), None)
        if source is not None:
            return lines[source + 1:]
    i = 0
    while i < len(lines) and i < len(keys) and lines[i].startswith(keys[i]):
        i += 1
    return lines[i:]


def managed_email(desc: str) -> str:
    """The e-mail the card's managed block records ('' when it has none)."""
    m = _EMAIL_RE.search(desc or "")
    return m.group(1).strip() if m else ""


def marker_text(lead_id: str) -> str:
    """The lead id as the `Lead ID:` line holds it: any id a cell can hold reads back the same."""
    return "".join(_marker_char(c) for c in lead_id)


def _marker_char(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char not in _LINE_BREAKERS and unicodedata.category(char) != "Cc":
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def marker_lead_id(desc: str) -> Optional[str]:
    m = _MARKER_RE.search(desc or "")
    if not m or not m.group(1):
        return None
    return _MARKER_ESCAPE_RE.sub(_unescape, m.group(1))


def _unescape(m: "re.Match[str]") -> str:
    code = m.group(1)
    return "\\" if code == "\\" else chr(int(code[1:], 16))


def is_card_id(value: str) -> bool:
    """A 24-hex-digit value is a Trello card id; anything else is a lead id."""
    return bool(_CARD_ID_RE.match(value.strip()))
