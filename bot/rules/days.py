"""A day as people type it after a command: 2026-12-07, 2026/12/7, 12-07, 12/7, 12月7日."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

_FULL: Final = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_SHORT: Final = re.compile(r"(\d{1,2})[-/.月](\d{1,2})日?")


def parse_day(text: str, today: date) -> date | None:
    """The day a text names; without a year, the latest such day not after ``today``
    (a roll call looks back: "12-30" typed on 1 January is last year's). None if it is
    no day."""
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    full = _FULL.fullmatch(compact)
    short = None if full else _SHORT.fullmatch(compact)
    try:
        if full:
            return date(int(full[1]), int(full[2]), int(full[3]))
        if short:
            day = date(today.year, int(short[1]), int(short[2]))
            return day if day <= today else date(today.year - 1, day.month, day.day)
    except ValueError:
        return None
    return None
