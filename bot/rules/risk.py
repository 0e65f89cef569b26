"""Who is at risk in a class (/risk): the share of the leave limit used, days of unexcused
absence (旷课), and the highest attendance rate each can still reach.

Pure. A school dismisses over the one-seventh rule, and some after two days of unexcused
absence too (class setting absence_days_alert); the bot only shows who is close or past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from bot.rules import leave_limit


@dataclass(frozen=True)
class Trainee:
    """One trainee's figures."""

    person_id: int
    name: str
    unit: str | None
    used: Fraction  # class hours counted toward the leave limit
    limit: Fraction
    absence_days: frozenset[date]  # local days with an unexcused absence
    best_rate: int | None  # the highest attendance rate still reachable, in percent

    @property
    def share(self) -> Fraction:
        """The share of the limit used, exactly (any leave at all past a limit of zero)."""
        if self.limit == 0:
            return Fraction(0) if self.used == 0 else Fraction(10**9)
        return self.used / self.limit

    @property
    def percent(self) -> int:
        """The share of the limit used, in whole percent (rounded down)."""
        return leave_limit.percent_of_limit(self.used, self.limit)

    @property
    def band(self) -> int | None:
        """The highest threshold of the limit (50, 80, 100) the trainee is past, if any."""
        past = leave_limit.thresholds_past(self.used, self.limit)
        return past[-1] if past else None

    def flagged(self, absence_days_alert: int) -> bool:
        """Whether the trainee is at risk: past a threshold, or absent on too many days."""
        return self.band is not None or len(self.absence_days) >= absence_days_alert


def ranked(trainees: list[Trainee], absence_days_alert: int) -> list[Trainee]:
    """Those at risk first, each group by the share of the limit, then days absent, name."""
    return sorted(
        trainees,
        key=lambda t: (
            not t.flagged(absence_days_alert),
            -t.share,
            -len(t.absence_days),
            t.name,
        ),
    )


def counts(trainees: list[Trainee], absence_days_alert: int) -> dict[str, int]:
    """How many are past each threshold (the highest only) and absent on too many days."""
    found = {"100": 0, "80": 0, "50": 0, "absent": 0}
    for t in trainees:
        if t.band is not None:
            found[str(t.band)] += 1
        if len(t.absence_days) >= absence_days_alert:
            found["absent"] += 1
    return found
