"""Attendance rules: when check-in and check-out are open, and each person's status.

Pure functions of the timetable, the records and the clock; no I/O. The leave feature imports
``status`` to count absences, so this is a stable API:

``rules_of(settings) -> Rules``
    the class's windows and grace, from bot.class_settings.ClassSettings.
``windows(starts_at, ends_at, rules) -> Windows``
    the moments that matter for one session (all aware datetimes):
    check-in is open in ``[checkin_opens, checkin_closes)`` (closes at the session's end);
    a check-in at or before ``on_time_until`` (start + grace) is on time, after it late;
    check-out is open in ``[checkout_opens, checkout_closes)``, a check-out before
    ``checkout_opens`` is leaving early; the session is *closed* at ``checkout_closes``.
``status(record, windows, *, on_leave, double_checkin, now) -> Outcome``
    ``record`` is a ``Record`` (check-in/out times and a manager's override) or None.
    ``on_leave`` is True when an approved leave request covers the session.
    The result's ``status`` is one of ``Status``:

    - the manager's override, if any, wins over everything else;
    - a check-in wins over leave (the person came: the leave ended early);
    - ``left_early``: checked out before the check-out window (final at once; its
      ``early_minutes`` set, and ``late_minutes`` too if the check-in was late);
    - before the session is closed: ``late``/``present`` for a check-in (provisional), else
      ``on_leave`` or ``pending`` (nothing decided yet, never counted as absent);
    - once closed: ``no_checkout`` (double check-in on, never signed out), ``late``
      (``late_minutes`` set), ``present``, ``on_leave``, else ``absent``.

``checkin_verdict`` and ``checkout_verdict`` say what a check-in/out at a moment would be;
``running`` picks the session a roll call shows by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from bot.rules.class_settings import ClassSettings

T = TypeVar("T")


class Status(StrEnum):
    """A person's attendance of one session."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    NO_CHECKOUT = "no_checkout"
    ABSENT = "absent"
    ON_LEAVE = "on_leave"
    PENDING = "pending"


# What a class manager may set by hand (leave is the leave feature's, pending is not a mark).
MANUAL_STATUSES: tuple[Status, ...] = (
    Status.PRESENT,
    Status.LATE,
    Status.LEFT_EARLY,
    Status.ABSENT,
)
# Statuses that count as having attended.
ATTENDED: frozenset[Status] = frozenset(
    {Status.PRESENT, Status.LATE, Status.LEFT_EARLY, Status.NO_CHECKOUT}
)


@dataclass(frozen=True)
class Rules:
    """The per-class timing rules, in minutes."""

    checkin_opens_min: int = 30
    late_grace_min: int = 5
    checkout_opens_min: int = 10
    checkout_closes_min: int = 30
    double_checkin: bool = True


def rules_of(settings: ClassSettings) -> Rules:
    """The attendance rules of a class's settings."""
    return Rules(
        checkin_opens_min=settings.checkin_opens_min,
        late_grace_min=settings.late_grace_min,
        checkout_opens_min=settings.checkout_opens_min,
        checkout_closes_min=settings.checkout_closes_min,
        double_checkin=settings.double_checkin,
    )


@dataclass(frozen=True)
class Windows:
    """The moments of one session that the rules care about."""

    starts_at: datetime
    ends_at: datetime
    checkin_opens: datetime
    on_time_until: datetime
    checkin_closes: datetime
    checkout_opens: datetime
    checkout_closes: datetime

    @property
    def closes_at(self) -> datetime:
        """When statuses become final (the end of the check-out window)."""
        return self.checkout_closes


def windows(starts_at: datetime, ends_at: datetime, rules: Rules) -> Windows:
    """Compute a session's windows from its times and the class's rules."""
    return Windows(
        starts_at=starts_at,
        ends_at=ends_at,
        checkin_opens=starts_at - timedelta(minutes=rules.checkin_opens_min),
        on_time_until=starts_at + timedelta(minutes=rules.late_grace_min),
        checkin_closes=ends_at,
        # Never before the start: a short session still has a check-out after its start.
        checkout_opens=max(starts_at, ends_at - timedelta(minutes=rules.checkout_opens_min)),
        checkout_closes=ends_at + timedelta(minutes=rules.checkout_closes_min),
    )


@dataclass(frozen=True)
class Record:
    """What is stored for one person and session."""

    checkin_at: datetime | None = None
    checkout_at: datetime | None = None
    override_status: Status | None = None


@dataclass(frozen=True)
class Outcome:
    """A status, with the minutes late (a late check-in, whatever the status) and the
    minutes early (a left-early check-out): a session can be both, each with its minutes."""

    status: Status
    late_minutes: int | None = None
    early_minutes: int | None = None


class CheckinVerdict(StrEnum):
    """What a check-in at a given moment would be."""

    TOO_EARLY = "too_early"
    ON_TIME = "on_time"
    LATE = "late"
    CLOSED = "closed"


class CheckoutVerdict(StrEnum):
    """What a check-out at a given moment would be."""

    EARLY = "early"  # before the window: left early, needs a confirmation
    ON_TIME = "on_time"
    CLOSED = "closed"


def minutes_late(checkin_at: datetime, w: Windows) -> int | None:
    """Whole minutes after the start of a late check-in; None when on time."""
    if checkin_at <= w.on_time_until:
        return None
    return max(1, int((checkin_at - w.starts_at).total_seconds() // 60))


def minutes_early(checkout_at: datetime, w: Windows) -> int | None:
    """Whole minutes before the end of a check-out before the check-out window; else None."""
    if checkout_at >= w.checkout_opens:
        return None
    return max(1, int((w.ends_at - checkout_at).total_seconds() // 60))


def checkin_verdict(now: datetime, w: Windows) -> CheckinVerdict:
    """Whether a check-in now is too early, on time, late, or no longer possible."""
    if now < w.checkin_opens:
        return CheckinVerdict.TOO_EARLY
    if now >= w.checkin_closes:
        return CheckinVerdict.CLOSED
    return CheckinVerdict.ON_TIME if now <= w.on_time_until else CheckinVerdict.LATE


def checkout_verdict(now: datetime, w: Windows) -> CheckoutVerdict:
    """Whether a check-out now is early, in its window, or no longer possible."""
    if now >= w.checkout_closes:
        return CheckoutVerdict.CLOSED
    return CheckoutVerdict.EARLY if now < w.checkout_opens else CheckoutVerdict.ON_TIME


def is_closed(now: datetime, w: Windows) -> bool:
    """Whether a session's statuses are final."""
    return now >= w.checkout_closes


def status(
    record: Record | None,
    w: Windows,
    *,
    on_leave: bool,
    double_checkin: bool,
    now: datetime,
) -> Outcome:
    """The attendance status of one person for one session at ``now``."""
    if record is not None and record.override_status is not None:
        return Outcome(record.override_status)
    checkin = record.checkin_at if record else None
    checkout = record.checkout_at if record else None
    closed = is_closed(now, w)
    if checkin is None:
        if on_leave:
            return Outcome(Status.ON_LEAVE)
        return Outcome(Status.ABSENT if closed else Status.PENDING)
    late = minutes_late(checkin, w)
    if checkout is not None and checkout < w.checkout_opens:
        return Outcome(Status.LEFT_EARLY, late, minutes_early(checkout, w))
    if closed and double_checkin and checkout is None:
        return Outcome(Status.NO_CHECKOUT, late)
    if late is not None:
        return Outcome(Status.LATE, late)
    return Outcome(Status.PRESENT)


def running(found: Sequence[T], windows_of: Callable[[T], Windows], now: datetime) -> T | None:
    """The session a roll call shows by default among one class's sessions (in time order).

    The one under way (begun, not ended; the latest begun if two are), else the next one
    whose check-in is open, else one ended but still in its check-out window, else the last
    one whose check-in opened; None before the first. So while check-in for the next
    session opens early, the roll call still shows the one running.
    """
    opened = [s for s in found if windows_of(s).checkin_opens <= now]
    under_way = [s for s in opened if windows_of(s).starts_at <= now < windows_of(s).ends_at]
    if under_way:
        return max(under_way, key=lambda s: windows_of(s).starts_at)
    coming = [s for s in opened if now < windows_of(s).starts_at]
    if coming:
        return min(coming, key=lambda s: windows_of(s).starts_at)
    leaving = [s for s in opened if not is_closed(now, windows_of(s))]
    if leaving:
        return max(leaving, key=lambda s: windows_of(s).ends_at)
    return opened[-1] if opened else None
