"""The pure attendance rules at every boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.rules.attendance import (
    CheckinVerdict,
    CheckoutVerdict,
    Outcome,
    Record,
    Rules,
    Status,
    checkin_verdict,
    checkout_verdict,
    minutes_late,
    rules_of,
    running,
    status,
    windows,
)
from bot.rules.class_settings import ClassSettings
from bot.rules.days import parse_day

START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
END = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
W = windows(START, END, Rules())
S = timedelta(seconds=1)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_windows_follow_the_defaults() -> None:
    assert W.checkin_opens == at(-30)
    assert W.on_time_until == at(5)
    assert W.checkin_closes == END
    assert W.checkout_opens == END - timedelta(minutes=10)
    assert W.checkout_closes == END + timedelta(minutes=30) == W.closes_at


def test_rules_come_from_class_settings() -> None:
    settings = ClassSettings(checkin_opens_min=10, late_grace_min=0, double_checkin=False)
    rules = rules_of(settings)
    assert (rules.checkin_opens_min, rules.late_grace_min, rules.double_checkin) == (10, 0, False)


def test_checkout_never_opens_before_the_start() -> None:
    short = windows(START, START + timedelta(minutes=5), Rules(checkout_opens_min=10))
    assert short.checkout_opens == START


@pytest.mark.parametrize(
    ("moment", "verdict"),
    [
        (at(-30) - S, CheckinVerdict.TOO_EARLY),
        (at(-30), CheckinVerdict.ON_TIME),
        (at(0), CheckinVerdict.ON_TIME),
        (at(5), CheckinVerdict.ON_TIME),
        (at(5) + S, CheckinVerdict.LATE),
        (END - S, CheckinVerdict.LATE),
        (END, CheckinVerdict.CLOSED),
    ],
)
def test_checkin_verdict_at_each_boundary(moment: datetime, verdict: CheckinVerdict) -> None:
    assert checkin_verdict(moment, W) is verdict


@pytest.mark.parametrize(
    ("moment", "verdict"),
    [
        (START, CheckoutVerdict.EARLY),
        (END - timedelta(minutes=10) - S, CheckoutVerdict.EARLY),
        (END - timedelta(minutes=10), CheckoutVerdict.ON_TIME),
        (END, CheckoutVerdict.ON_TIME),
        (END + timedelta(minutes=30) - S, CheckoutVerdict.ON_TIME),
        (END + timedelta(minutes=30), CheckoutVerdict.CLOSED),
    ],
)
def test_checkout_verdict_at_each_boundary(moment: datetime, verdict: CheckoutVerdict) -> None:
    assert checkout_verdict(moment, W) is verdict


@pytest.mark.parametrize(
    ("checkin", "late"),
    [(at(-1), None), (at(0), None), (at(5), None), (at(5) + S, 5), (at(6), 6), (at(61), 61)],
)
def test_minutes_late_counts_from_the_start_after_the_grace(
    checkin: datetime, late: int | None
) -> None:
    assert minutes_late(checkin, W) == late


def test_zero_grace_makes_one_second_after_the_start_late() -> None:
    w = windows(START, END, Rules(late_grace_min=0))
    assert minutes_late(START, w) is None
    assert minutes_late(START + S, w) == 1


OPEN = END  # the session still in its check-out window
CLOSED = END + timedelta(minutes=30)


def st(record: Record | None, now: datetime, *, leave: bool = False, double: bool = True):
    return status(record, W, on_leave=leave, double_checkin=double, now=now)


def test_nothing_recorded_is_pending_until_the_close_then_absent() -> None:
    assert st(None, CLOSED - S) == Outcome(Status.PENDING)
    assert st(None, CLOSED) == Outcome(Status.ABSENT)
    assert st(Record(), CLOSED) == Outcome(Status.ABSENT)


def test_leave_is_never_absent() -> None:
    assert st(None, OPEN, leave=True) == Outcome(Status.ON_LEAVE)
    assert st(None, CLOSED, leave=True) == Outcome(Status.ON_LEAVE)


def test_a_checkin_wins_over_leave() -> None:
    record = Record(checkin_at=at(0), checkout_at=END)
    assert st(record, CLOSED, leave=True) == Outcome(Status.PRESENT)


def test_on_time_and_late_checkins() -> None:
    assert st(Record(at(5), END), CLOSED) == Outcome(Status.PRESENT)
    assert st(Record(at(5) + S, END), CLOSED) == Outcome(Status.LATE, 5)
    assert st(Record(at(20)), OPEN) == Outcome(Status.LATE, 20)  # provisional


def test_checkout_at_the_window_opening_is_not_early() -> None:
    assert st(Record(at(0), W.checkout_opens), CLOSED) == Outcome(Status.PRESENT)
    # Left early: its own minutes before the end, beside the minutes late if it was late too.
    assert st(Record(at(0), W.checkout_opens - S), OPEN) == Outcome(Status.LEFT_EARLY, None, 10)
    assert st(Record(at(9), W.checkout_opens - S), CLOSED) == Outcome(Status.LEFT_EARLY, 9, 10)


def test_no_checkout_only_once_closed_and_only_with_double_checkin() -> None:
    assert st(Record(at(0)), CLOSED - S) == Outcome(Status.PRESENT)
    assert st(Record(at(0)), CLOSED) == Outcome(Status.NO_CHECKOUT)
    assert st(Record(at(7)), CLOSED) == Outcome(Status.NO_CHECKOUT, 7)
    assert st(Record(at(0)), CLOSED, double=False) == Outcome(Status.PRESENT)
    assert st(Record(at(7)), CLOSED, double=False) == Outcome(Status.LATE, 7)


def test_the_managers_override_wins() -> None:
    assert st(Record(override_status=Status.PRESENT), CLOSED) == Outcome(Status.PRESENT)
    assert st(Record(override_status=Status.ABSENT), CLOSED, leave=True) == Outcome(Status.ABSENT)
    record = Record(at(0), END, override_status=Status.LATE)
    assert st(record, OPEN) == Outcome(Status.LATE)


def test_the_roll_call_shows_the_session_under_way_during_an_overlap() -> None:
    """S1 08:30-11:30 and S2 11:30-12:30 back to back: S2's check-in opens at 11:00."""
    s2 = windows(END, END + timedelta(hours=1), Rules())
    both = [W, s2]

    def pick(minutes: float) -> object:
        return running(both, lambda w: w, at(minutes))

    assert pick(-31) is None  # before any check-in opened
    assert pick(-10) is W  # S1's check-in is open: the one coming
    assert pick(160) is W  # 11:10: S2's check-in is open, S1 is still under way
    assert pick(180) is s2  # 11:30: S2 begins
    assert pick(180 + 61) is s2  # 12:31: S2 in its check-out window (S1 closed at 12:00)
    assert pick(60 * 8) is s2  # the afternoon: the last one whose check-in opened


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-07", date(2026, 12, 7)),
        ("2026/12/7", date(2026, 12, 7)),
        ("12-07", date(2026, 12, 7)),
        ("12/7", date(2026, 12, 7)),
        ("12月7日", date(2026, 12, 7)),
        ("１２月７日", date(2026, 12, 7)),
        ("12-30", date(2025, 12, 30)),  # later this year than today: last year's
        ("13-01", None),
        ("王芳", None),
        ("12345", None),
    ],
)
def test_a_day_as_people_type_it(text: str, day: date | None) -> None:
    assert parse_day(text, date(2026, 12, 8)) == day
