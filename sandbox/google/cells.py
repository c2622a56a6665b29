"""Cell contents: how RAW and USER_ENTERED input is stored, and how each render option shows it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from sandbox.google import formulas, typed

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


@dataclass(frozen=True)
class Formula:
    text: str  # including the leading "="


@dataclass(frozen=True)
class Date:
    serial: Union[int, float]  # days since 1899-12-30; the time of day is the fraction
    text: str  # as the user typed it: what FORMATTED_VALUE shows


@dataclass(frozen=True)
class Shown:
    """A number typed with a format (2,000,000.01, $1,200.50, 10%): its value, and the text shown."""

    value: Union[int, float]
    text: str


Cell = Union[str, int, float, bool, Formula, Date, Shown]  # "" is an empty cell


def from_input(raw: Any, user_entered: bool) -> Optional[Cell]:
    """What a cell holds after a write of `raw` (a JSON value) with the given input option;
    None for a JSON null, which Sheets skips: the cell keeps what it holds."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return _tidy_number(raw)
    text = str(raw)
    if not user_entered:
        return text
    return _parse_typed(text)


def _parse_typed(text: str) -> Cell:
    if text.startswith("'"):
        return text[1:]
    if text.startswith("=") and len(text) > 1:
        return Formula(text)
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return _tidy_number(float(stripped))
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE"
    number = typed.parse_number(stripped)
    if number is not None:
        return Shown(_tidy_number(number), stripped)
    serial = typed.parse_date_time(stripped)
    if serial is not None:
        return Date(_tidy_number(serial), stripped)
    return text


def _tidy_number(value: float) -> Union[int, float]:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def render(cell: Cell, value_render: str = "FORMATTED_VALUE", date_render: str = "SERIAL_NUMBER",
           evaluator: Optional[Evaluate] = None) -> Any:
    """The JSON value one cell has under valueRenderOption / dateTimeRenderOption; formulas are
    evaluated by `evaluator` (which can read the spreadsheet), or on their own without one."""
    if isinstance(cell, Formula):
        if value_render == "FORMULA":
            return cell.text
        return render((evaluator or evaluate)(cell), value_render, date_render)
    if isinstance(cell, Date):
        if value_render == "FORMATTED_VALUE" or date_render == "FORMATTED_STRING":
            return cell.text
        return cell.serial
    if isinstance(cell, Shown):
        return cell.text if value_render == "FORMATTED_VALUE" else cell.value
    if isinstance(cell, bool):
        return ("TRUE" if cell else "FALSE") if value_render == "FORMATTED_VALUE" else cell
    if isinstance(cell, (int, float)):
        return format_number(cell) if value_render == "FORMATTED_VALUE" else cell
    return cell


def format_number(value: Union[int, float]) -> str:
    """Sheets' automatic number format: 4, 1.45, 0.4, 1E+20."""
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:.10g}".replace("e+", "E+").replace("e-", "E-")


def is_empty(cell: Cell) -> bool:
    return isinstance(cell, str) and cell == ""


# -- formulas --------------------------------------------------------------------------------
Evaluate = Callable[[Formula], Cell]


def evaluate(formula: Formula) -> Cell:
    """A formula's value on its own, with no cells to refer to (references read #REF!)."""
    def no_cells(sheet: Optional[str], cells: Any) -> Any:
        raise KeyError(sheet)
    return from_value(formulas.Evaluator(no_cells, lambda name: None).evaluate(formula.text))


def from_value(value: formulas.Value) -> Cell:
    """A formula's result as what a cell shows: errors as their text, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, formulas.ErrorValue):
        return value.text
    if isinstance(value, float):
        return _tidy_number(value)
    return value


def to_value(cell: Cell) -> formulas.Value:
    """What a referenced cell gives a formula (a formula cell is evaluated by the caller)."""
    if isinstance(cell, Shown):
        return float(cell.value)
    if isinstance(cell, Date):
        return float(cell.serial)
    if isinstance(cell, bool) or isinstance(cell, str):
        return None if cell == "" and not isinstance(cell, bool) else cell
    if isinstance(cell, (int, float)):
        return float(cell)
    raise TypeError(cell)


# -- persistence ---------------------------------------------------------------------------
def to_json(cell: Cell) -> Any:
    if isinstance(cell, Formula):
        return {"formula": cell.text}
    if isinstance(cell, Date):
        return {"date": cell.serial, "text": cell.text}
    if isinstance(cell, Shown):
        return {"number": cell.value, "text": cell.text}
    return cell


def from_json(data: Any) -> Cell:
    if isinstance(data, dict):
        if "formula" in data:
            return Formula(data["formula"])
        if "number" in data:
            return Shown(data["number"], data["text"])
        return Date(data["date"], data["text"])
    return data
