"""The formulas a lead sheet holds, evaluated as Sheets evaluates them.

Numbers, text in quotes, TRUE/FALSE; + - * / ^ & and comparisons; references to cells and
ranges (A1, $B$2, Sheet2!A1:B3, 'My Sheet'!C4), named ranges; and the functions in FUNCTIONS.
A function Sheets has but the sandbox does not evaluate reads #N/A (value not available), never
a made-up value; a name Sheets does not know reads #NAME?, as on Sheets.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from sandbox.google.a1 import A1Error, Cells, parse_cells, split_sheet

Scalar = Union[float, str, bool, None]  # None: an empty cell


@dataclass(frozen=True)
class ErrorValue:
    text: str  # "#DIV/0!", "#VALUE!", ...


class _Fail(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.error = ErrorValue(text)


Value = Union[Scalar, ErrorValue]
# (sheet name or None for the formula's own sheet, cells) -> the values of the range, row by row
RangeReader = Callable[[Optional[str], Cells], list[list[Value]]]
NameResolver = Callable[[str], Optional[tuple[Optional[str], Cells]]]

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<str>"(?:[^"]|"")*")
    | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)(?![\w(])
    | (?P<name>[A-Za-z_][\w.]*)
    | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
    )""", re.VERBOSE)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, i = [], 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if not m:
            raise _Fail("#ERROR!")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        i = m.end()
    return tokens


class Evaluator:
    """Evaluates one formula's text against the spreadsheet, through the callbacks it is given."""

    def __init__(self, read_range: RangeReader, resolve_name: NameResolver) -> None:
        self.read_range = read_range
        self.resolve_name = resolve_name

    def evaluate(self, formula: str) -> Value:
        try:
            self.tokens = tokenize(formula[1:] if formula.startswith("=") else formula)
            self.pos = 0
            result = self._compare()
            if self.pos != len(self.tokens):
                raise _Fail("#ERROR!")
            return _single(result)
        except _Fail as fail:
            return fail.error
        except (OverflowError, RecursionError):
            return ErrorValue("#NUM!")

    # -- parsing, lowest precedence first ------------------------------------------------
    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("", "")

    def _take(self, value: Optional[str] = None) -> tuple[str, str]:
        token = self._peek()
        if not token[0] or (value is not None and token[1] != value):
            raise _Fail("#ERROR!")
        self.pos += 1
        return token

    def _compare(self) -> Any:
        left = self._concat()
        while self._peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = self._take()[1]
            left = _compare(op, _single(left), _single(self._concat()))
        return left

    def _concat(self) -> Any:
        left = self._additive()
        while self._peek()[1] == "&":
            self._take()
            left = _text(_single(left)) + _text(_single(self._additive()))
        return left

    def _additive(self) -> Any:
        left = self._term()
        while self._peek()[1] in ("+", "-"):
            op = self._take()[1]
            a, b = _number(_single(left)), _number(_single(self._term()))
            left = a + b if op == "+" else a - b
        return left

    def _term(self) -> Any:
        left = self._power()
        while self._peek()[1] in ("*", "/"):
            op = self._take()[1]
            a, b = _number(_single(left)), _number(_single(self._power()))
            if op == "/" and b == 0:
                raise _Fail("#DIV/0!")
            left = a * b if op == "*" else a / b
        return left

    def _power(self) -> Any:
        left = self._unary()
        while self._peek()[1] == "^":
            self._take()
            base, exponent = _number(_single(left)), _number(_single(self._unary()))
            try:
                left = math.pow(base, exponent)
            except (OverflowError, ValueError):
                raise _Fail("#NUM!") from None
        return left

    def _unary(self) -> Any:
        if self._peek()[1] in ("-", "+"):
            op = self._take()[1]
            value = _number(_single(self._unary()))
            return -value if op == "-" else value
        value = self._primary()
        while self._peek()[1] == "%":
            self._take()
            value = _number(_single(value)) / 100
        return value

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self._reference(text)
        if kind == "op" and text == "(":
            value = self._compare()
            self._take(")")
            return value
        if kind == "name":
            if self._peek()[1] == "(":
                return self._call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return text.upper() == "TRUE"
            named = self.resolve_name(text)
            if named is None:
                raise _Fail("#NAME?")
            return self.read_range(*named)
        raise _Fail("#ERROR!")

    def _reference(self, text: str) -> list[list[Value]]:
        try:
            sheet, cells = split_sheet(text.replace("$", ""))
            if sheet is None:
                sheet, cells = None, text.replace("$", "")
            return self.read_range(sheet, parse_cells(cells or ""))
        except (A1Error, KeyError):
            raise _Fail("#REF!") from None

    def _call(self, name: str) -> Any:
        self._take("(")
        args: list[Any] = []
        if self._peek()[1] != ")":
            args.append(self._compare())
            while self._peek()[1] == ",":
                self._take()
                args.append(self._compare())
        self._take(")")
        function = FUNCTIONS.get(name)
        if function is None:
            raise _Fail("#N/A")  # a Sheets function the sandbox does not evaluate
        return function(args)


# -- values ------------------------------------------------------------------------------------
def _single(value: Any) -> Value:
    """A range used as one value is its top-left cell, as Sheets does outside array formulas."""
    if isinstance(value, list):
        value = value[0][0] if value and value[0] else None
    if isinstance(value, ErrorValue):
        raise _Fail(value.text)
    return value


def _number(value: Value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _Fail("#VALUE!") from None
    raise _Fail("#VALUE!")


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(float(value))
    return str(value)


def format_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}".replace("e+", "E+").replace("e-", "E-")


def _truth(value: Value) -> bool:
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        raise _Fail("#VALUE!")
    return _number(value) != 0


def _compare(op: str, a: Value, b: Value) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        left, right = _text(a).lower(), _text(b).lower()
        if not (isinstance(a, str) and isinstance(b, str)):  # text sorts after numbers
            left, right = (("1" if isinstance(a, str) else "0") + left, ("1" if isinstance(b, str) else "0") + right)
        pair: tuple[Any, Any] = (left, right)
    else:
        pair = (_number(a), _number(b))
    return {"=": pair[0] == pair[1], "<>": pair[0] != pair[1], "<": pair[0] < pair[1], ">": pair[0] > pair[1],
            "<=": pair[0] <= pair[1], ">=": pair[0] >= pair[1]}[op]


def _flat(args: list[Any]) -> list[Value]:
    """Arguments for SUM and friends: numbers in ranges count, text and empty cells in ranges do not."""
    out: list[Value] = []
    for arg in args:
        if isinstance(arg, list):
            for line in arg:
                for v in line:
                    if isinstance(v, ErrorValue):
                        raise _Fail(v.text)
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        out.append(v)
        else:
            out.append(_number(_single(arg)))
    return out


def _if(args: list[Any]) -> Any:
    if not 2 <= len(args) <= 3:
        raise _Fail("#N/A")
    return args[1] if _truth(_single(args[0])) else (args[2] if len(args) == 3 else False)


def _hyperlink(args: list[Any]) -> Any:
    if not 1 <= len(args) <= 2:
        raise _Fail("#N/A")
    return _single(args[-1])


def _average(args: list[Any]) -> float:
    numbers = [_number(v) for v in _flat(args)]
    if not numbers:
        raise _Fail("#DIV/0!")
    return sum(numbers) / len(numbers)


def _round(args: list[Any]) -> float:
    digits = int(_number(_single(args[1]))) if len(args) > 1 else 0
    value = _number(_single(args[0]))
    scaled = abs(value) * 10 ** digits
    return math.copysign(math.floor(scaled + 0.5) / 10 ** digits, value)  # half away from zero


FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "SUM": lambda args: sum(_number(v) for v in _flat(args)),
    "AVERAGE": _average,
    "MIN": lambda args: min((_number(v) for v in _flat(args)), default=0.0),
    "MAX": lambda args: max((_number(v) for v in _flat(args)), default=0.0),
    "COUNT": lambda args: float(len(_flat([a for a in args if isinstance(a, list)]))
                                + sum(1 for a in args if not isinstance(a, list)
                                      and isinstance(_single(a), (int, float)) and not isinstance(_single(a), bool))),
    "IF": _if,
    "AND": lambda args: all(_truth(v) for v in _flat(args)),
    "OR": lambda args: any(_truth(v) for v in _flat(args)),
    "NOT": lambda args: not _truth(_single(args[0])),
    "HYPERLINK": _hyperlink,
    "CONCATENATE": lambda args: "".join(_text(v) for arg in args
                                        for v in (sum(arg, []) if isinstance(arg, list) else [_single(arg)])),
    "LEN": lambda args: float(len(_text(_single(args[0])))),
    "UPPER": lambda args: _text(_single(args[0])).upper(),
    "LOWER": lambda args: _text(_single(args[0])).lower(),
    "TRIM": lambda args: " ".join(_text(_single(args[0])).split()),
    "ROUND": _round,
}
