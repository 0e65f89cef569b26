"""The one-seventh rule, as exact arithmetic: leave hours against the class's limit.

Seed 000: a trainee whose leave exceeds 1/7 of the class's total class hours (总学时) is
dismissed. Hours are counted in class hours (学时), never clock hours, and kept as Fractions
so that 1/7 of 21 is exactly 3 and a boundary is never decided by a rounding error.

"Past" a threshold means strictly above it: exactly at the limit is still within it, which is
how "exceeds 1/7" reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final


class LimitDecision(StrEnum):
    """What a manager or admin records for a trainee over the limit; the bot removes no one."""

    DISMISSED = "dismissed"  # 责令退学
    CONTINUES = "continues"  # 准予继续, with a reason


# The shares of the limit at which the trainee and the managers are warned, in percent.
THRESHOLDS: Final[tuple[int, ...]] = (50, 80, 100)


def hours(value: float | int | str | Fraction) -> Fraction:
    """Read class hours (a REAL from the database, e.g. 1.5) as an exact Fraction."""
    if isinstance(value, Fraction):
        return value
    # Through str so that 0.1 is 1/10 and not the binary float nearest to it.
    return Fraction(str(value))


def total(values: Iterable[float | int | str | Fraction]) -> Fraction:
    """Sum class hours exactly."""
    return sum((hours(v) for v in values), Fraction(0))


def limit_hours(class_hours: Fraction, ratio: Fraction) -> Fraction:
    """The most leave a trainee may take: the class's total hours times the ratio."""
    if class_hours < 0 or not 0 < ratio <= 1:
        raise ValueError("class hours must be >= 0 and the ratio in (0, 1]")
    return class_hours * ratio


@dataclass(frozen=True)
class Tally:
    """One trainee's leave against the limit of their class."""

    class_hours: Fraction  # 总学时 of the class
    ratio: Fraction  # leave_limit_ratio
    approved: Fraction  # hours of approved leave of the types that count toward the limit
    missed: Fraction  # hours of sessions missed without leave (0 if the class does not count them)
    uncounted: Fraction = Fraction(0)  # hours of approved leave of types that do not count

    @property
    def limit(self) -> Fraction:
        """The limit in class hours."""
        return limit_hours(self.class_hours, self.ratio)

    @property
    def used(self) -> Fraction:
        """What counts toward the limit."""
        return self.approved + self.missed

    @property
    def remaining(self) -> Fraction:
        """Hours left before the limit is passed (never negative)."""
        return max(Fraction(0), self.limit - self.used)

    def with_request(self, request_hours: Fraction) -> Tally:
        """The tally as it would be once a request of this many hours is approved."""
        return Tally(
            self.class_hours, self.ratio, self.approved + request_hours, self.missed, self.uncounted
        )

    def replacing(self, missed: Fraction) -> Tally:
        """The tally with these hours of absence taken out (leave after the fact covering
        them is about to count them as leave instead)."""
        missed = min(missed, self.missed)
        return Tally(
            self.class_hours, self.ratio, self.approved, self.missed - missed, self.uncounted
        )

    def over(self) -> bool:
        """Whether the total is past the limit (the dismissal case)."""
        return is_past(self.used, self.limit, 100)

    def reached(self) -> list[int]:
        """The thresholds (percent of the limit) the total is past."""
        return thresholds_past(self.used, self.limit)


def split_counted(
    by_type: dict[str, Fraction], counts: Callable[[str], bool]
) -> tuple[Fraction, Fraction]:
    """Leave hours by type split into (counted toward the limit, not counted)."""
    counted = total(h for t, h in by_type.items() if counts(t))
    return counted, total(by_type.values()) - counted


def is_past(used: Fraction, limit: Fraction, percent: int) -> bool:
    """Whether ``used`` is strictly above ``percent`` of ``limit``.

    A limit of zero (a class with no hours) is passed by any leave at all.
    """
    return used > limit * Fraction(percent, 100)


def thresholds_past(used: Fraction, limit: Fraction) -> list[int]:
    """Every threshold of THRESHOLDS that ``used`` is past, lowest first."""
    return [t for t in THRESHOLDS if is_past(used, limit, t)]


def newly_past(before: Fraction, after: Fraction, limit: Fraction) -> list[int]:
    """The thresholds a change from ``before`` to ``after`` hours takes the total past."""
    already = set(thresholds_past(before, limit))
    return [t for t in thresholds_past(after, limit) if t not in already]


def would_exceed(tally: Tally, request_hours: Fraction) -> bool:
    """Whether approving a request of this size would take the trainee past the limit."""
    return tally.with_request(request_hours).over()


def percent_of_limit(used: Fraction, limit: Fraction) -> int:
    """The share of the limit used, in whole percent rounded down (100+ when over)."""
    if limit == 0:
        return 0 if used == 0 else 100
    return int(used * 100 / limit)


def show(value: Fraction) -> str:
    """Class hours as people write them: 3, 1.5, 4.2 (one decimal at most, rounded down).

    Rounded down so that a limit shown as 4.2 is never one a trainee could pass while the
    figure says they have not.
    """
    tenths = int(value * 10) if value >= 0 else -int(-value * 10)
    whole, part = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{whole}" if part == 0 else f"{sign}{whole}.{part}"


def ratio_percent(ratio: Fraction) -> str | None:
    """The ratio as a percentage with one decimal at most (1/2: "50", 3/40: "7.5"); None
    when that would round it (1/7, 1/3), so the template shows the fraction instead."""
    tenths = ratio * 1000
    if tenths.denominator != 1:
        return None
    return show(ratio * 100)


def figures(tally: Tally, request_hours: Fraction | None = None) -> dict[str, Any]:
    """The figures of the one-seventh rule as templates show them; with a request, also as
    if it were approved."""
    after = tally.with_request(request_hours) if request_hours is not None else tally
    return {
        "approved": show(tally.approved),
        "missed": show(tally.missed),
        "uncounted": show(tally.uncounted),
        "remaining": show(tally.remaining),
        "used": show(tally.used),
        "limit": show(tally.limit),
        "class_hours": show(tally.class_hours),
        "percent": percent_of_limit(tally.used, tally.limit),
        "over": tally.over(),
        "request": show(request_hours) if request_hours is not None else None,
        "after": show(after.used),
        "after_remaining": show(after.remaining),
        "would_exceed": request_hours is not None and after.over(),
        # The ratio in words for exactly 1/7, else as a percentage or a fraction.
        "ratio": {
            "seventh": tally.ratio == Fraction(1, 7),
            "percent": ratio_percent(tally.ratio),
            "fraction": f"{tally.ratio.numerator}/{tally.ratio.denominator}",
        },
    }
