"""The final assessment (结业考核), as exact arithmetic: a class's scheme of weighted
components, the attendance component computed from the record, the grade bands and who
graduates.

Pure. Seed 002 grades by attendance rate and exam score (根据出勤率和考试成绩定等次), seed 000 on
a 100-point scale mixing daily and final assessment (百分制量化考核). A scheme is components
with weights summing to 100; each component is scored 0-100 and the final score is the sum of
weight x score / 100. The attendance component is not typed in: it starts at 100 at full
attendance and loses the class's deductions per late arrival, per leaving early (or not
checking out), per class hour absent without leave and per class hour on leave (0 by
default: approved leave is excused), never going below 0.

The regulations come before the score: a trainee with a recorded dismissal (责令退学), or over
the leave limit without a "continues" (准予继续) decision, does not graduate whatever the
score, and their grade is 不合格 with the reason. Scores are kept as Fractions; the final
score is shown and banded rounded to one decimal (half up), so the band always agrees with
the figure shown.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

from bot.rules.record import Record

FULL: Final = Fraction(100)
MAX_COMPONENTS: Final = 12
MAX_COMPONENT_CHARS: Final = 20

# What a scheme may call the component computed from the record, in either language.
ATTENDANCE_NAMES: Final = frozenset(
    {"attendance", "出勤", "考勤", "出勤率", "出勤情况", "考勤情况"}
)


def fold(name: str) -> str:
    """A component's name folded for matching: full-width to ASCII, spaces off, any case."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def is_attendance(name: str) -> bool:
    """Whether a component of this name is the one computed from the record."""
    return fold(name) in ATTENDANCE_NAMES


@dataclass(frozen=True)
class Component:
    """One part of the assessment: its name as the scheme writes it, its weight out of 100."""

    name: str
    weight: Fraction

    @property
    def computed(self) -> bool:
        """The attendance component: computed from the record, never typed in."""
        return is_attendance(self.name)


def scheme_problems(components: Sequence[Component]) -> list[tuple[str, dict[str, str]]]:
    """What is wrong with a scheme as a whole (problem code, values); [] if nothing."""
    if not components:
        return [("no_components", {})]
    problems: list[tuple[str, dict[str, str]]] = []
    if len(components) > MAX_COMPONENTS:
        problems.append(("too_many_components", {"max": str(MAX_COMPONENTS)}))
    if sum(1 for c in components if c.computed) > 1:
        problems.append(("two_attendance_components", {}))
    total = sum((c.weight for c in components), Fraction(0))
    if total != FULL:
        problems.append(("weights_not_100", {"total": show(total)}))
    return problems


def parse_score(text: str) -> Fraction | None:
    """A score as typed or read from a cell: a number from 0 to 100 (decimals allowed, at
    most two places); None if it is not one."""
    folded = unicodedata.normalize("NFKC", text).strip()
    try:
        value = Decimal(folded)
    except ArithmeticError:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    score = Fraction(value)
    return score if 0 <= score <= FULL else None


@dataclass(frozen=True)
class Deductions:
    """The class's points off the attendance component (class settings)."""

    late: Fraction = Fraction(2)  # per late arrival
    left_early: Fraction = Fraction(2)  # per leaving early or not checking out
    absent_hour: Fraction = Fraction(5)  # per class hour absent without leave
    leave_hour: Fraction = Fraction(0)  # per class hour on approved leave


def attendance_score(record: Record, deductions: Deductions) -> Fraction:
    """The attendance component: 100 at full attendance, minus the deductions, at least 0."""
    off = (
        deductions.late * record.late.count
        + deductions.left_early * (record.left_early.count + record.no_checkout.count)
        + deductions.absent_hour * record.absent.hours
        + deductions.leave_hour * record.leave_hours
    )
    return max(Fraction(0), FULL - off)


class Band(StrEnum):
    """The grade bands (等次)."""

    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格


@dataclass(frozen=True)
class Bands:
    """The lower bounds of the bands (class settings), 0 <= pass <= good <= excellent <= 100."""

    excellent: Fraction = Fraction(90)
    good: Fraction = Fraction(80)
    passing: Fraction = Fraction(60)

    def of(self, score: Fraction) -> Band:
        """The band a (rounded) final score falls in: at a lower bound is in that band."""
        if score >= self.excellent:
            return Band.EXCELLENT
        if score >= self.good:
            return Band.GOOD
        if score >= self.passing:
            return Band.PASS
        return Band.FAIL


class Reason(StrEnum):
    """Why a trainee does not graduate, in the order the regulations come."""

    DISMISSED = "dismissed"  # 责令退学 recorded
    OVER_LIMIT = "over_limit"  # over the leave limit with no 准予继续 decision
    FAILED = "failed"  # the final score is under the pass mark


@dataclass(frozen=True)
class Standing:
    """What the regulations say of a trainee, whatever the score."""

    dismissed: bool = False  # a recorded 责令退学
    over_limit: bool = False  # past the leave limit
    continues: bool = False  # a recorded 准予继续 (lets an over-limit trainee go on)


@dataclass(frozen=True)
class Grade:
    """A trainee's final assessment."""

    components: tuple[tuple[Component, Fraction | None], ...]  # None: no score yet
    score: Fraction  # the final score, rounded to one decimal (a missing score counts 0)
    band: Band
    graduates: bool
    reasons: tuple[Reason, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The components with no score yet."""
        return tuple(c.name for c, s in self.components if s is None)


def round_score(value: Fraction) -> Fraction:
    """A score to one decimal, halves up (89.95 is 90.0)."""
    tenths = Decimal(value.numerator) / Decimal(value.denominator)
    return Fraction(tenths.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def grade(
    components: Sequence[Component],
    scores: Mapping[str, Fraction],
    attendance: Fraction,
    standing: Standing,
    bands: Bands,
) -> Grade:
    """Grade one trainee: typed scores by component name, the computed attendance score."""
    parts = tuple((c, attendance if c.computed else scores.get(c.name)) for c in components)
    total = sum((c.weight * (s or 0) / FULL for c, s in parts), Fraction(0))
    score = round_score(total)
    reasons = []
    if standing.dismissed:
        reasons.append(Reason.DISMISSED)
    elif standing.over_limit and not standing.continues:
        reasons.append(Reason.OVER_LIMIT)
    band = bands.of(score)
    if band is Band.FAIL and not reasons:
        reasons.append(Reason.FAILED)
    if reasons:
        band = Band.FAIL  # the regulations first: not graduating is 不合格, whatever the score
    return Grade(parts, score, band, not reasons, tuple(reasons))


def show(value: Fraction) -> str:
    """A score as people write it: 85, 85.5, 85.25 (exact up to two decimals, else one)."""
    if value.denominator == 1:
        return str(value.numerator)
    for places in (1, 2):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return f"{Decimal(scaled.numerator).scaleb(-places):f}"
    return show(round_score(value))
