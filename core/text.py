"""Text from users (cells, card titles, list names) is data: safe to show, safe to put on a card.

Anything typed into the sheet or the board can hold terminal control
sequences (`ESC [31m`, `ESC ] 0;title BEL`), bidirectional overrides that
make a line read differently from what it is, or newlines that forge extra
lines. On a console such text is shown with those characters as visible
escapes (`\\x1b`, `\\n`); on a card they become spaces.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from rich.text import Text

# Bidirectional embeddings, overrides and isolates, and the line and paragraph
# separators: not control characters to Python, but they reorder or break a line.
_INVISIBLE_LAYOUT = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _unsafe(char: str) -> bool:
    return char in _INVISIBLE_LAYOUT or unicodedata.category(char) == "Cc"


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object, keep_newlines: bool = False) -> str:
    """`value` as text a terminal shows verbatim: every control character as a visible escape.

    keep_newlines is for WorkLead's own multi-line messages; text from a cell
    is shown on one line, its newlines as `\\n`.
    """
    text = "" if value is None else str(value)
    if not any(_unsafe(c) for c in text):
        return text
    return "".join(c if not _unsafe(c) or (keep_newlines and c == "\n") else _escape(c) for c in text)


def one_line(value: str) -> str:
    """`value` with every control character (newlines included) turned into a space, trimmed."""
    return "".join(" " if _unsafe(c) else c for c in value).strip()


def columns(text: str) -> int:
    """How many terminal columns `text` takes: wide (East Asian) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def word_breaks(line: str, width: int, indent: int = 0) -> list[int]:
    """Where one line breaks to fit `width` columns, each later line indented by `indent` columns.

    Breaks fall only at spaces, so a word, a path or a URL is never split: a word longer than a
    line keeps a line of its own and overflows it. Each offset is where a later line's first word
    starts; the spaces before it end the previous line and are dropped by the caller.
    """
    breaks: list[int] = []
    start, room = 0, width
    for word in re.finditer(r"\S+", line):
        if columns(line[start:word.end()]) > room and line[start:word.start()].strip():
            breaks.append(word.start())
            start, room = word.start(), max(width - indent, 1)
    return breaks


def terminal_lines(text: Text, width: int, indent: int = 0) -> Iterator[Text]:
    """`text` as the lines a terminal of `width` columns shows, broken by word_breaks(), each printed
    as it is (rich's soft wrap), so a word longer than the terminal overflows instead of being cut."""
    for line in text.split("\n", allow_blank=True):
        for n, part in enumerate(line.divide(word_breaks(line.plain, width, indent))):
            part.rstrip()
            yield Text(" " * indent) + part if n else part
