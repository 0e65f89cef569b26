"""Reading one cell's value: text, dates, local date-times, lists of names, class hours."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.importer.readers import Cell, Uncalculated

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_DATE_ONLY = re.compile(_DATE)
_DATE_TIME = re.compile(
    _DATE + r"\s*(?:T|\s)?\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
# Lists in a cell are separated by commas (ASCII or full-width), the enumeration comma
# or semicolons.
_LIST_SEPARATORS = re.compile(r"[,，、;；]")


def text(value: Cell | None) -> str:
    """A cell as text, as a person would read it: '' when empty, 3 rather than 3.0."""
    if value is None or isinstance(value, Uncalculated):
        return ""  # an uncalculated formula is reported where the cell is read (table.py)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, time):
        return value.strftime("%H:%M" if not value.second else "%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def split_list(value: str) -> list[str]:
    """Split a cell that lists several roles or names; empty parts are dropped."""
    return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]


def name_key(name: str) -> str:
    """Fold a person's name for matching: Chinese tables pad two-character names with spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def parse_date(value: Cell | None) -> date | None:
    """A date cell or text ('2026-12-07', '2026/12/7', Chinese Y-M-D); None if not a date."""
    if isinstance(value, datetime):
        # Excel date cells come back as datetimes at midnight.
        return value.date() if value.time() == time() else None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    folded = unicodedata.normalize("NFKC", value).strip()
    match = _DATE_ONLY.fullmatch(folded)
    if match is None:
        moment = parse_datetime(value)
        return moment.date() if moment is not None and moment.time() == time() else None
    return _date(match[1], match[2], match[3])


def parse_datetime(value: Cell | None) -> datetime | None:
    """A date-time cell or text; naive (local) unless the text gives an offset."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_TIME.fullmatch(unicodedata.normalize("NFKC", value).strip())
    if match is None:
        return None
    day = _date(match[1], match[2], match[3])
    hour, minute, second = int(match[4]), int(match[5]), int(match[6] or 0)
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    moment = datetime.combine(day, time(hour, minute, second))
    return moment.replace(tzinfo=_offset(match[7])) if match[7] else moment


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _offset(text: str) -> tzinfo:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def to_utc(moment: datetime, zone: ZoneInfo) -> tuple[datetime | None, str | None]:
    """Place a local time in the zone and return it in UTC, or the problem code.

    A wall time skipped when clocks go forward does not exist; one repeated when they go
    back is ambiguous. Either is refused rather than guessed.
    """
    if moment.tzinfo is not None:
        return moment.astimezone(UTC), None
    first = moment.replace(tzinfo=zone, fold=0)
    second = moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        return None, "nonexistent_time" if back != moment else "ambiguous_time"
    return first.astimezone(UTC), None


def find_zone(name: str) -> ZoneInfo | None:
    """The IANA time zone a cell names ('Asia/Shanghai', any case), or None."""
    name = name.strip()
    canonical = _zones_by_folded_name().get(name.casefold(), name)
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@cache
def _zones_by_folded_name() -> dict[str, str]:
    # Zone files are case-sensitive on Linux, but 'asia/shanghai' means one thing.
    return {zone.casefold(): zone for zone in available_timezones()}


def parse_hours(value: Cell | None) -> float | None:
    """Class hours written in a cell: a number, zero or more; None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(unicodedata.normalize("NFKC", str(value)).strip())
        except ValueError:
            return None
    return number if math.isfinite(number) and number >= 0 else None


def derive_hours(starts_at: datetime, ends_at: datetime) -> float:
    """Class hours of a session with none written: its clock hours, to the nearest half.

    Halves round up, so 08:30-11:15 (2.75 h) counts 3 and 14:30-16:15 (1.75 h) counts 2.
    """
    hours = (ends_at - starts_at).total_seconds() / 3600
    return math.floor(hours * 2 + 0.5) / 2
