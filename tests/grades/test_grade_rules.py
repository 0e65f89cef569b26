"""The rules of the final assessment: schemes, the attendance component, bands, and the
regulations that come before any score."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bot.rules import grades
from bot.rules.attendance import Outcome, Status
from bot.rules.grades import Band, Bands, Component, Deductions, Reason, Standing
from bot.rules.record import summarise

F = Fraction
SCHEME = (
    Component("出勤", F(30)),
    Component("结业考试", F(40)),
    Component("论文", F(20)),
    Component("研讨", F(10)),
)


def test_a_scheme_must_weigh_100_with_one_attendance_component_at_most() -> None:
    assert grades.scheme_problems(SCHEME) == []
    assert grades.scheme_problems(SCHEME[:3]) == [("weights_not_100", {"total": "90"})]
    two = (*SCHEME[:3], Component("考勤", F(10)))
    assert grades.scheme_problems(two) == [("two_attendance_components", {})]
    assert grades.scheme_problems(()) == [("no_components", {})]
    halves = (Component("attendance", F(33.5)), Component("exam", F(66.5)))
    assert grades.scheme_problems(halves) == []
    assert [c.computed for c in SCHEME] == [True, False, False, False]
    assert Component("Attendance", F(1)).computed and Component("出勤率", F(1)).computed


@pytest.mark.parametrize(
    ("typed", "score"),
    [("85", F(85)), ("85.5", F(171, 2)), ("０", F(0)), ("100", F(100)), (" 99.25 ", F(397, 4))],
)
def test_scores_are_numbers_from_0_to_100(typed: str, score: Fraction) -> None:
    assert grades.parse_score(typed) == score


@pytest.mark.parametrize("typed", ["101", "-1", "abc", "", "85.125", "nan", "inf", "八十"])
def test_anything_else_is_not_a_score(typed: str) -> None:
    assert grades.parse_score(typed) is None


def test_the_attendance_component_of_a_known_record() -> None:
    three = F(3)
    record = summarise(
        [
            (Outcome(Status.PRESENT), three, None),
            (Outcome(Status.LATE, 12), three, None),  # late: -2
            (Outcome(Status.LEFT_EARLY, None, 30), three, None),  # left early: -2
            (Outcome(Status.NO_CHECKOUT), three, None),  # no check-out counts as early: -2
            (Outcome(Status.ABSENT), F(3, 2), None),  # 1.5 h absent: -7.5
            (Outcome(Status.ON_LEAVE), three, "sick"),  # leave: 0 by default
        ]
    )
    assert grades.attendance_score(record, Deductions()) == F(173, 2)  # 86.5
    with_leave = Deductions(leave_hour=F(1))
    assert grades.attendance_score(record, with_leave) == F(167, 2)  # 3 h on leave: -3
    harsh = Deductions(absent_hour=F(100))
    assert grades.attendance_score(record, harsh) == 0  # never below 0
    assert grades.attendance_score(summarise([]), Deductions()) == 100


def test_bands_at_their_bounds_and_the_rounding_shown() -> None:
    bands = Bands()
    assert [bands.of(F(s)) for s in (90, 80, 60, 0)] == [
        Band.EXCELLENT,
        Band.GOOD,
        Band.PASS,
        Band.FAIL,
    ]
    assert bands.of(F(5999, 100)) is Band.FAIL
    # The final score is rounded to one decimal, halves up, before it is banded: 89.95 is
    # shown 90 and is excellent; 89.94 is shown 89.9 and is good.
    assert grades.round_score(F(8995, 100)) == 90
    assert grades.round_score(F(8994, 100)) == F(899, 10)
    strict = Bands(F(95), F(85), F(70))
    assert strict.of(F(94)) is Band.GOOD and strict.of(F(69)) is Band.FAIL


def _grade(scores: dict[str, Fraction], standing: Standing | None = None) -> grades.Grade:
    return grades.grade(SCHEME, scores, F(100), standing or Standing(), Bands())


def test_the_final_score_weighs_the_components() -> None:
    graded = _grade({"结业考试": F(85), "论文": F(90), "研讨": F(88)})
    assert graded.score == F(908, 10)  # 30 + 34 + 18 + 8.8
    assert graded.band is Band.EXCELLENT and graded.graduates and graded.reasons == ()
    missing = _grade({"结业考试": F(78), "研讨": F(80)})
    assert missing.missing == ("论文",)
    assert missing.score == F(692, 10)  # the missing paper counts 0
    failed = _grade({"结业考试": F(50), "论文": F(0), "研讨": F(0)})
    assert failed.score == 50 and failed.band is Band.FAIL
    assert not failed.graduates and failed.reasons == (Reason.FAILED,)


def test_the_regulations_come_before_the_score() -> None:
    best = {"结业考试": F(100), "论文": F(100), "研讨": F(100)}
    dismissed = _grade(best, Standing(dismissed=True))
    assert dismissed.score == 100  # the score is kept, the grade is not
    assert dismissed.band is Band.FAIL and not dismissed.graduates
    assert dismissed.reasons == (Reason.DISMISSED,)
    over = _grade(best, Standing(over_limit=True))
    assert over.reasons == (Reason.OVER_LIMIT,) and not over.graduates
    allowed = _grade(best, Standing(over_limit=True, continues=True))
    assert allowed.graduates and allowed.band is Band.EXCELLENT
    # A dismissal recorded on someone let to continue before still dismisses.
    both = _grade(best, Standing(dismissed=True, over_limit=True, continues=True))
    assert both.reasons == (Reason.DISMISSED,)


def test_scores_are_shown_as_people_write_them() -> None:
    assert [grades.show(v) for v in (F(85), F(171, 2), F(397, 4), F(1, 3))] == [
        "85",
        "85.5",
        "99.25",
        "0.3",
    ]
