"""Days as people type them (2026-12-07, 12/7, 12月7日) and as the bot writes them.

One style for every screen: 12月4日（周五）08:30 in Chinese, Fri 4 Dec 08:30 in English.
Templates write it with the ``day`` and ``when`` filters (bot/texts.py), so no view or
template formats a date on its own.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
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


_ZH_WEEKDAYS: Final = "一二三四五六日"
_EN_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def day_label(day: date, locale: str) -> str:
    """A day in the bot's one style: 12月4日（周五） / Fri 4 Dec."""
    if isinstance(day, datetime):
        day = day.date()
    if locale == "en":
        return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]}"
    return f"{day.month}月{day.day}日（周{_ZH_WEEKDAYS[day.weekday()]}）"


def moment_label(moment: datetime, locale: str) -> str:
    """A local moment in the bot's one style: 12月4日（周五）08:30 / Fri 4 Dec 08:30."""
    return f"{day_label(moment.date(), locale)}{' ' if locale == 'en' else ''}{moment:%H:%M}"
