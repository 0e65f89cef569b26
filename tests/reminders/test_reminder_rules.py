"""bot/rules/reminders.py: local wall-clock times to UTC, windows at their boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.rules.locales import recipient_locale
from bot.rules.reminders import (
    digest_window,
    local_day,
    local_moment,
    reminder_window,
    time_key,
)


@pytest.mark.parametrize(
    ("day", "wall", "expected"),
    [
        (date(2027, 3, 27), time(7, 30), datetime(2027, 3, 27, 6, 30, tzinfo=UTC)),  # CET
        (date(2027, 3, 28), time(7, 30), datetime(2027, 3, 28, 5, 30, tzinfo=UTC)),  # CEST
        (date(2027, 3, 28), time(2, 30), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),  # skipped
        (date(2027, 10, 31), time(2, 30), datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),  # twice
        (date(2027, 10, 31), time(7, 30), datetime(2027, 10, 31, 6, 30, tzinfo=UTC)),  # CET
    ],
)
def test_local_moment_in_berlin(day, wall, expected):
    assert local_moment(day, wall, "Europe/Berlin") == expected


def test_local_day_crosses_midnight_by_zone():
    moment = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)  # 00:30 on the 7th in Shanghai
    assert local_day(moment, "Asia/Shanghai") == date(2026, 12, 7)
    assert local_day(moment, "Europe/Berlin") == date(2026, 12, 6)


def test_reminder_window_boundaries():
    start = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    window = reminder_window(start, 15)
    assert not window.open_at(start - timedelta(minutes=15, seconds=1))
    assert window.open_at(start - timedelta(minutes=15))
    assert window.open_at(start - timedelta(seconds=1))
    assert not window.open_at(start)  # the session started: too late
    assert reminder_window(start, 0).at == start and not reminder_window(start, 0).open_at(start)


def test_digest_window_until_local_noon():
    window = digest_window(date(2026, 12, 7), time(7, 30), "Asia/Shanghai")
    assert window.at == datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert window.useful_until == datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    assert not window.open_at(window.useful_until)
    late = digest_window(date(2026, 12, 7), time(13, 0), "Asia/Shanghai")  # after noon
    assert late.useful_until == late.at + timedelta(minutes=1)


def test_recipient_locale_order():
    assert recipient_locale("en", "zh", "zh") == "en"
    assert recipient_locale(None, "en", "zh") == "en"
    assert recipient_locale(None, "xx", "zh") == "zh"


def test_time_key_is_utc_and_compact():
    assert time_key(datetime(2026, 12, 7, 8, 30, tzinfo=UTC)) == "20261207T0830"
