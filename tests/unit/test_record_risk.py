"""The pure rules behind /me in class hours and /risk."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from bot.rules import risk
from bot.rules.attendance import Outcome, Status
from bot.rules.record import best_rate, summarise

H = Fraction


def test_a_record_in_class_hours_counts_leave_as_held_not_attended() -> None:
    record = summarise(
        [
            (Outcome(Status.PRESENT), H(3), None),
            (Outcome(Status.LEFT_EARLY, 10, 120), H(3), None),  # late AND left early
            (Outcome(Status.NO_CHECKOUT, 5), H(2), None),
            (Outcome(Status.LATE), H(1), None),  # a manager's mark: no minutes
            (Outcome(Status.ABSENT), H(6), None),
            (Outcome(Status.ON_LEAVE), H(3), "sick"),
            (Outcome(Status.ON_LEAVE), H(3, 2), "official"),
        ]
    )
    assert record.held.hours == H(39, 2) and record.held.count == 7
    assert record.attended.hours == 9  # leave is not attendance
    assert (record.late.count, record.late.minutes, record.late.hours) == (3, 15, 6)
    assert (record.left_early.count, record.left_early.minutes) == (1, 120)
    assert record.no_checkout.count == 1 and record.absent.hours == 6
    assert {t: p.hours for t, p in record.leave.items()} == {"sick": 3, "official": H(3, 2)}
    assert record.leave_hours == H(9, 2)
    assert record.rate() == 46  # 9 of 19.5
    assert summarise([]).rate() is None


def test_the_best_rate_still_reachable() -> None:
    assert best_rate(H(6), H(41, 2), H(59, 2)) == 89  # rounded down
    assert best_rate(H(0), H(0), H(0)) is None


def test_who_is_at_risk_and_in_what_order() -> None:
    limit = H(59, 14)  # 29.5 / 7

    def trainee(name: str, used: Fraction, days: int = 0) -> risk.Trainee:
        absent = frozenset(date(2026, 12, 7 + d) for d in range(days))
        return risk.Trainee(0, name, None, used, limit, absent, 90)

    found = [
        trainee("甲", H(0), days=2),
        trainee("乙", H(3)),  # 71%
        trainee("丙", H(5)),  # over
        trainee("丁", H(0)),
        trainee("戊", H(4)),  # 94%
        trainee("己", limit),  # exactly at the limit: within it, past 80%
    ]
    assert [t.band for t in found] == [None, 50, 100, None, 80, 80]
    assert [t.name for t in risk.ranked(found, 2)] == ["丙", "己", "戊", "乙", "甲", "丁"]
    assert risk.counts(found, 2) == {"100": 1, "80": 2, "50": 1, "absent": 1}
    assert not found[3].flagged(2) and found[0].flagged(2) and not found[0].flagged(3)
    zero = risk.Trainee(0, "庚", None, H(1), H(0), frozenset(), None)
    assert zero.band == 100 and zero.percent == 100
