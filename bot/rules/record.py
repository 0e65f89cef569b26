"""A trainee's record in class hours (学时): what /me shows, and what the at-risk view reads.

Pure: it takes each held session's final outcome (bot/rules/attendance.py ``status``), its
class hours and, for leave, the leave's type. Leave is not attendance: the rate is attended
hours over held hours, leave included in the held ones. A session both late and left early
counts in both, each with its own minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from bot.rules.attendance import ATTENDED, Outcome, Status


@dataclass
class Part:
    """Sessions of one kind: how many, their class hours, their minutes (late or early)."""

    count: int = 0
    hours: Fraction = Fraction(0)
    minutes: int = 0

    def add(self, hours: Fraction, minutes: int | None = None) -> None:
        """Count one more session."""
        self.count += 1
        self.hours += hours
        self.minutes += minutes or 0


@dataclass
class Record:
    """A trainee's held sessions, summed in class hours."""

    held: Part = field(default_factory=Part)
    attended: Part = field(default_factory=Part)
    late: Part = field(default_factory=Part)  # late arrivals, whatever happened after
    left_early: Part = field(default_factory=Part)
    no_checkout: Part = field(default_factory=Part)
    absent: Part = field(default_factory=Part)
    leave: dict[str, Part] = field(default_factory=dict)  # by leave type

    @property
    def leave_hours(self) -> Fraction:
        """Hours on leave, every type."""
        return sum((p.hours for p in self.leave.values()), Fraction(0))

    def rate(self) -> int | None:
        """Attended hours over held hours, in whole percent (rounded); None before any."""
        if self.held.hours == 0:
            return None
        return round(100 * self.attended.hours / self.held.hours)

    def add(self, outcome: Outcome, hours: Fraction, leave_type: str | None = None) -> None:
        """Count one more held session: its final outcome, class hours, leave type if any."""
        self.held.add(hours)
        if outcome.status in ATTENDED:
            self.attended.add(hours)
        if outcome.late_minutes is not None or outcome.status is Status.LATE:
            self.late.add(hours, outcome.late_minutes)
        if outcome.status is Status.LEFT_EARLY:
            self.left_early.add(hours, outcome.early_minutes)
        elif outcome.status is Status.NO_CHECKOUT:
            self.no_checkout.add(hours)
        elif outcome.status is Status.ABSENT:
            self.absent.add(hours)
        elif outcome.status is Status.ON_LEAVE:
            self.leave.setdefault(leave_type or "", Part()).add(hours)


def summarise(held: Iterable[tuple[Outcome, Fraction, str | None]]) -> Record:
    """Sum the held sessions: (final outcome, class hours, the leave's type if on leave)."""
    record = Record()
    for outcome, hours, leave_type in held:
        record.add(outcome, hours, leave_type)
    return record


def best_rate(attended: Fraction, to_come: Fraction, total: Fraction) -> int | None:
    """The highest attendance rate (whole percent, rounded down) a trainee can still reach:
    the hours attended so far and every hour still to come, over the class's total hours."""
    if total == 0:
        return None
    return int(100 * (attended + to_come) / total)
