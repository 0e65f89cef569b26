"""The one-seventh arithmetic and the leave rules, at every boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from bot.rules import leave as lr
from bot.rules import leave_limit as ll

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_hours_are_exact() -> None:
    assert ll.hours(0.1) == Fraction(1, 10)
    assert ll.hours(1.5) == Fraction(3, 2)
    assert ll.total([0.1, 0.2]) == Fraction(3, 10)
    assert ll.total([]) == 0


def test_limit_is_class_hours_times_ratio() -> None:
    assert ll.limit_hours(Fraction(21), Fraction(1, 7)) == 3
    assert ll.limit_hours(Fraction(120), Fraction(1, 7)) == Fraction(120, 7)
    assert ll.limit_hours(Fraction(0), Fraction(1, 7)) == 0
    with pytest.raises(ValueError):
        ll.limit_hours(Fraction(10), Fraction(0))
    with pytest.raises(ValueError):
        ll.limit_hours(Fraction(10), Fraction(3, 2))


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        (Fraction(0), []),
        (Fraction(3, 2), []),  # exactly 50% of 3 is not past it
        (Fraction(3, 2) + Fraction(1, 1000), [50]),
        (Fraction(12, 5), [50]),  # exactly 80%
        (Fraction(12, 5) + Fraction(1, 1000), [50, 80]),
        (Fraction(3), [50, 80]),  # exactly at the limit: not over
        (Fraction(3) + Fraction(1, 1000), [50, 80, 100]),
    ],
)
def test_thresholds_are_passed_only_strictly_above(used: Fraction, expected: list[int]) -> None:
    assert ll.thresholds_past(used, Fraction(3)) == expected


def test_newly_past_names_only_the_thresholds_crossed_by_the_change() -> None:
    limit = Fraction(10)
    assert ll.newly_past(Fraction(4), Fraction(6), limit) == [50]
    assert ll.newly_past(Fraction(6), Fraction(9), limit) == [80]
    assert ll.newly_past(Fraction(0), Fraction(11), limit) == [50, 80, 100]
    assert ll.newly_past(Fraction(9), Fraction(10), limit) == []
    assert ll.newly_past(Fraction(11), Fraction(12), limit) == []


def test_tally_counts_approved_and_missed_hours() -> None:
    tally = ll.Tally(Fraction(21), Fraction(1, 7), approved=Fraction(2), missed=Fraction(1))
    assert tally.limit == 3 and tally.used == 3 and tally.remaining == 0
    assert not tally.over()
    assert ll.would_exceed(tally, Fraction(1, 2))
    assert not ll.would_exceed(tally, Fraction(0))
    assert tally.with_request(Fraction(1)).remaining == 0
    assert tally.reached() == [50, 80]


def test_a_class_with_no_hours_is_passed_by_any_leave() -> None:
    tally = ll.Tally(Fraction(0), Fraction(1, 7), Fraction(0), Fraction(0))
    assert not tally.over()
    assert tally.with_request(Fraction(1, 10)).over()
    assert ll.percent_of_limit(Fraction(0), Fraction(0)) == 0
    assert ll.percent_of_limit(Fraction(1), Fraction(0)) == 100


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(3), "3"),
        (Fraction(3, 2), "1.5"),
        (Fraction(120, 7), "17.1"),  # 17.142... rounded down
        (Fraction(59, 14), "4.2"),  # 4.214...
        (Fraction(0), "0"),
        (Fraction(-3, 2), "-1.5"),
    ],
)
def test_show(value: Fraction, shown: str) -> None:
    assert ll.show(value) == shown


def test_percent_of_limit_rounds_down() -> None:
    assert ll.percent_of_limit(Fraction(1), Fraction(3)) == 33
    assert ll.percent_of_limit(Fraction(3), Fraction(3)) == 100
    assert ll.percent_of_limit(Fraction(4), Fraction(3)) == 133


def slot(i: int, day: int, hour: int, hours: float = 3) -> lr.Slot:
    # Local 08:30 is 00:30 UTC in Shanghai.
    start = datetime(2026, 12, day, hour, 30, tzinfo=UTC)
    return lr.Slot(i, start, start + timedelta(hours=3), ll.hours(hours))


def test_levels_default_to_one_day_of_sessions() -> None:
    same_day = [slot(1, 7, 0), slot(2, 7, 6)]
    assert lr.levels_required(same_day, None, SHANGHAI) == 1
    assert lr.levels_required([*same_day, slot(3, 8, 0)], None, SHANGHAI) == 2
    # 23:30 UTC on the 7th is 07:30 on the 8th in Shanghai: a local day decides.
    assert lr.levels_required([slot(1, 7, 23), slot(2, 8, 0)], None, SHANGHAI) == 1


def test_levels_by_a_set_number_of_hours() -> None:
    six = [slot(1, 7, 0), slot(2, 7, 6)]
    assert lr.levels_required(six, 6.0, SHANGHAI) == 1  # exactly the size: one level
    assert lr.levels_required(six, 5.9, SHANGHAI) == 2
    assert lr.levels_required([slot(1, 7, 0), slot(2, 9, 0)], 6.0, SHANGHAI) == 1


def test_group_by_day_and_choice() -> None:
    groups = lr.group_by_day([slot(3, 8, 0), slot(1, 7, 6), slot(2, 7, 0)], SHANGHAI)
    assert [(d.day, [s.id for s in ss]) for d, ss in groups] == [(7, [2, 1]), (8, [3])]
    s = slot(1, 7, 0)
    assert lr.can_be_chosen(s, s.starts_at)  # current
    assert lr.can_be_chosen(s, s.ends_at - timedelta(seconds=1))
    assert not lr.can_be_chosen(s, s.ends_at)  # over


def test_cancel_and_withdraw() -> None:
    slots = [slot(1, 7, 0), slot(2, 8, 0)]
    start = slots[0].starts_at
    assert lr.can_cancel("pending") and not lr.can_cancel("approved")
    assert lr.can_withdraw("approved", slots, start - timedelta(seconds=1))
    assert not lr.can_withdraw("approved", slots, start)
    assert not lr.can_withdraw("pending", slots, start - timedelta(hours=1))
    assert not lr.can_withdraw("approved", [], start)


TWO_HOURS = timedelta(hours=2)


def test_nudge_times() -> None:
    slots = [slot(1, 8, 0), slot(2, 9, 0)]
    created = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    times = lr.nudge_times(created, slots, TWO_HOURS)
    assert times == {
        "after": created + timedelta(hours=2),
        "before": slots[0].starts_at - timedelta(hours=1),
    }
    # The class's leave_remind_after_min sets the first nudge.
    assert lr.nudge_times(created, slots, timedelta(minutes=30))["after"] == created + timedelta(
        minutes=30
    )
    # Asked 30 minutes before the start: no nudge before the start, the other one still.
    late = slots[0].starts_at - timedelta(minutes=30)
    assert lr.nudge_times(late, slots, TWO_HOURS) == {"after": late + timedelta(hours=2)}
    # A one-session request asked at its start counts it as begun only at its end (3 h
    # later): the nudge after 2 hours still comes; after 3 hours it would not.
    start = slots[0].starts_at
    assert lr.nudge_times(start, slots[:1], TWO_HOURS) == {"after": start + TWO_HOURS}
    assert lr.nudge_times(start, slots[:1], timedelta(hours=3)) == {}


def test_a_session_running_when_the_request_is_sent_counts_as_begun_at_its_end() -> None:
    s = slot(1, 7, 0)
    later = slot(2, 8, 0)
    before = s.starts_at - timedelta(seconds=1)
    assert lr.counts_as_begun(s, before) == s.starts_at
    assert lr.counts_as_begun(s, s.starts_at) == s.ends_at  # begun at the moment it was sent
    assert lr.counts_as_begun(s, s.starts_at + timedelta(minutes=10)) == s.ends_at
    assert lr.expires_at([s], before) == s.starts_at
    assert lr.expires_at([s], s.starts_at + timedelta(minutes=10)) == s.ends_at
    # With a later session too, the later start is what counts (it is after the end).
    assert lr.expires_at([s, later], s.starts_at + timedelta(minutes=10)) == later.starts_at


@pytest.mark.parametrize(
    ("ratio", "percent"),
    [
        (Fraction(1, 2), "50"),
        (Fraction(3, 20), "15"),
        (Fraction(3, 40), "7.5"),
        (Fraction(1), "100"),
        (Fraction(1, 7), None),
        (Fraction(1, 3), None),
        (Fraction(1, 800), None),  # 0.125%: more than one decimal
    ],
)
def test_the_ratio_as_a_percentage_only_when_exact(ratio: Fraction, percent: str | None) -> None:
    assert ll.ratio_percent(ratio) == percent


def test_figures_name_the_ratio() -> None:
    seventh = ll.figures(ll.Tally(Fraction(21), Fraction(1, 7), Fraction(3), Fraction(0)))
    assert seventh["ratio"] == {"seventh": True, "percent": None, "fraction": "1/7"}
    assert (seventh["limit"], seventh["used"], seventh["over"]) == ("3", "3", False)
    half = ll.figures(ll.Tally(Fraction(21), Fraction(1, 2), Fraction(3), Fraction(0)), Fraction(9))
    assert half["ratio"] == {"seventh": False, "percent": "50", "fraction": "1/2"}
    assert (half["request"], half["after"], half["would_exceed"]) == ("9", "12", True)


def test_covered_after_early_end() -> None:
    slots = [slot(1, 7, 0), slot(2, 7, 6), slot(3, 8, 0)]
    kept = lr.covered_after_early_end(slots, slots[1].starts_at + timedelta(minutes=10), [2])
    assert [s.id for s in kept] == [1]
    assert lr.covered_after_early_end(slots, slots[0].starts_at, []) == []
    assert lr.leave_ends(slots) == slots[2].ends_at
    assert lr.first_start(slots) == slots[0].starts_at
    assert lr.last_start(slots) == slots[2].starts_at
