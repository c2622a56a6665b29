"""How Sheets reads text typed in the en_US locale (USER_ENTERED): numbers, currency, percent, dates, times.

`,` groups thousands, `.` is the decimal point, `$` the currency; dates are month/day/year (or
year-month-day); a date's value is its serial number (days since 1899-12-30), the time of day
its fraction. Anything else stays text.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional, Union

EPOCH = dt.datetime(1899, 12, 30)  # Sheets' serial day 0
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+"
_GROUPED = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?)\Z")
_CURRENCY = re.compile(rf"([+-]?)\$\s?([+-]?)({_NUM})\Z")
_PERCENT = re.compile(rf"([+-]?)({_NUM})\s?%\Z")
_MDY = r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})"
_YMD = r"(?P<Y>\d{4})[-/](?P<M>\d{1,2})[-/](?P<D>\d{1,2})"
_TIME = r"(?P<h>\d{1,2}):(?P<min>\d{2})(?::(?P<s>\d{2}(?:\.\d+)?))?(?:\s*(?P<ampm>[AaPp][Mm]))?"
_DATE_TIME = re.compile(rf"(?:{_MDY}|{_YMD})(?:\s+{_TIME})?\Z")
_TIME_ONLY = re.compile(rf"{_TIME}\Z")

Number = Union[int, float]


def parse_number(text: str) -> Optional[Number]:
    """Grouped numbers, currency and percent: the value, or None when the text is none of them."""
    m = _GROUPED.match(text)
    if m:
        return _signed(m.group(1), m.group(2))
    m = _CURRENCY.match(text)
    if m:
        if m.group(1) and m.group(2):
            return None  # "-$-5"
        return _signed(m.group(1) or m.group(2), m.group(3))
    m = _PERCENT.match(text)
    if m:
        return _signed(m.group(1), m.group(2)) / 100
    return None


def parse_date_time(text: str) -> Optional[Number]:
    """A date, date-time or time of day as its serial number, or None."""
    m = _DATE_TIME.match(text)
    if m:
        day = _date(m)
        clock = _clock(m) if m.group("h") is not None else 0.0
        if day is None or clock is None:
            return None
        serial = (day - EPOCH).days
        return serial + clock if m.group("h") is not None else serial
    m = _TIME_ONLY.match(text)
    if m:
        return _clock(m)
    return None


def _signed(sign: str, digits: str) -> float:
    value = float(digits.replace(",", ""))
    return -value if sign == "-" else value


def _date(m: re.Match[str]) -> Optional[dt.datetime]:
    if m.group("m") is not None:
        year = int(m.group("y"))
        if len(m.group("y")) == 2:
            year += 2000 if year < 30 else 1900  # Sheets' two-digit-year window
        parts = (year, int(m.group("m")), int(m.group("d")))
    else:
        parts = (int(m.group("Y")), int(m.group("M")), int(m.group("D")))
    try:
        return dt.datetime(*parts)
    except ValueError:
        return None


def _clock(m: re.Match[str]) -> Optional[float]:
    """The time of day as a fraction of a day; None for an impossible time."""
    hour, minute = int(m.group("h")), int(m.group("min"))
    second = float(m.group("s") or 0)
    ampm = (m.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second >= 60:
        return None
    return (hour * 3600 + minute * 60 + second) / 86400
