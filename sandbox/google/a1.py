"""A1 notation: parse ranges like 'My Sheet'!A2:F or Sheet1, and write them back the way Sheets does."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_ENDPOINT = re.compile(r"([A-Za-z]*)([0-9]*)\Z")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LOOKS_LIKE_CELL = re.compile(r"[A-Za-z]{1,3}[0-9]+\Z|R[0-9]*C[0-9]*\Z", re.IGNORECASE)


class A1Error(ValueError):
    """The text is not A1 notation."""


@dataclass(frozen=True)
class Cells:
    """A rectangle of cells, zero-based and end-exclusive; None ends run to the grid's edge."""

    start_row: int = 0
    start_col: int = 0
    end_row: Optional[int] = None
    end_col: Optional[int] = None

    def bounded(self, row_count: int, column_count: int) -> "Cells":
        end_row = self.end_row if self.end_row is not None else row_count
        end_col = self.end_col if self.end_col is not None else column_count
        return Cells(self.start_row, self.start_col, end_row, end_col)


def column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - ord("A") + 1)
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def split_sheet(text: str) -> tuple[Optional[str], Optional[str]]:
    """('My Sheet', 'A1:B2') from "'My Sheet'!A1:B2"; (None, text) when no sheet is named."""
    text = text.strip()
    if text.startswith("'"):
        name, i = [], 1
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1:i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                rest = text[i + 1:]
                if rest == "":
                    return "".join(name), None
                if rest.startswith("!"):
                    return "".join(name), rest[1:] or None
                raise A1Error(text)
            name.append(ch)
            i += 1
        raise A1Error(text)
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        return sheet, cells or None
    return None, text


def parse_cells(text: str) -> Cells:
    """A1, A1:B2, A:A, 2:2, A2:F (open-ended), swapped corners normalised."""
    parts = text.strip().split(":")
    if len(parts) > 2 or not parts[0]:
        raise A1Error(text)
    start = _endpoint(parts[0], text)
    end = _endpoint(parts[1], text) if len(parts) == 2 else start
    if len(parts) == 1 and (start[0] is None or start[1] is None):
        raise A1Error(text)  # a lone "A" or "3" is not a range
    rows = _span(start[1], end[1])
    cols = _span(start[0], end[0])
    return Cells(rows[0], cols[0], rows[1], cols[1])


def _endpoint(part: str, text: str) -> tuple[Optional[int], Optional[int]]:
    m = _ENDPOINT.match(part.strip())
    if not m or not (m.group(1) or m.group(2)):
        raise A1Error(text)
    col = column_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise A1Error(text)
    return col, row


def _span(a: Optional[int], b: Optional[int]) -> tuple[int, Optional[int]]:
    """Zero-based start and exclusive end of one axis; a missing endpoint is open."""
    if a is None:
        return (0, None) if b is None else (0, b + 1)
    if b is None:
        return a, None
    lo, hi = min(a, b), max(a, b)
    return lo, hi + 1


def quote_sheet(name: str) -> str:
    if _PLAIN_NAME.match(name) and not _LOOKS_LIKE_CELL.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def format_range(sheet: str, cells: Cells) -> str:
    """How Sheets writes a range back: Sheet1!A1:D4, or Sheet1!B2 for one cell."""
    assert cells.end_row is not None and cells.end_col is not None
    start = f"{column_letters(cells.start_col)}{cells.start_row + 1}"
    end = f"{column_letters(cells.end_col - 1)}{cells.end_row}"
    body = start if start == end else f"{start}:{end}"
    return f"{quote_sheet(sheet)}!{body}"
