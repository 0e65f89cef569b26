"""Rules of a leave request that are not arithmetic: levels, what may be changed, timing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Final, Protocol, TypeVar
from zoneinfo import ZoneInfo

MAX_REASON_CHARS: Final = 500
# An undecided request is brought back to its deciders after the class's
# leave_remind_after_min, and again this long before its first session starts.
NUDGE_BEFORE_START: Final = timedelta(hours=1)
# (Managers hear of a trainee who has not reported back after report_back_overdue_min.)
# How far ahead the picker offers sessions, so a long class still fits one keyboard.
PICK_DAYS_AHEAD: Final = 7
PICK_MAX_SESSIONS: Final = 40
# A form waits this long for typed text (a reason); after it, text goes to other features.
FORM_WAITS: Final = timedelta(hours=2)
# A request for sessions already over when it was sent (补假) waits this long for a decision.
AFTER_THE_FACT_WAITS: Final = timedelta(days=2)


class Timed(Protocol):
    """A session as the leave rules see it (a stored session is one)."""

    @property
    def id(self) -> int: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def hours(self) -> Fraction: ...


S = TypeVar("S", bound=Timed)


@dataclass(frozen=True)
class Slot:
    """A session made up for the rules alone (tests, what-ifs)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    hours: Fraction


def reason_problem(text: str) -> str | None:
    """Why a typed reason cannot be taken ('empty', 'too_long'), or None."""
    if not text.strip():
        return "empty"
    if len(text.strip()) > MAX_REASON_CHARS:
        return "too_long"
    return None


def levels_required(
    slots: Sequence[Timed], second_level_hours: float | None, zone: ZoneInfo
) -> int:
    """1 or 2: a request over the class's size needs the school's approval too.

    With ``leave_second_level_hours`` set, over means more class hours than that; unset, it
    means sessions on more than one day (the class's local days).
    """
    if second_level_hours is not None:
        return (
            2
            if sum((s.hours for s in slots), Fraction(0)) > Fraction(str(second_level_hours))
            else 1
        )
    return 2 if len(days_of(slots, zone)) > 1 else 1


def days_of(slots: Iterable[Timed], zone: ZoneInfo) -> list[date]:
    """The local days the slots fall on, in order."""
    return sorted({s.starts_at.astimezone(zone).date() for s in slots})


def group_by_day(slots: Iterable[S], zone: ZoneInfo) -> list[tuple[date, list[S]]]:
    """Slots grouped by local day, days and slots in time order."""
    groups: dict[date, list[S]] = {}
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.id)):
        groups.setdefault(slot.starts_at.astimezone(zone).date(), []).append(slot)
    return sorted(groups.items())


def can_be_chosen(slot: Timed, now: datetime, days_back: int = 0) -> bool:
    """Future and current sessions can be covered by a new request, and sessions over for
    less than ``days_back`` days (leave after the fact, 补假: the class's correction_days)."""
    return slot.ends_at > now - timedelta(days=days_back)


def after_the_fact(slots: Iterable[Timed], sent_at: datetime) -> bool:
    """Whether a request covers a session that had begun when it was sent (补假)."""
    return any(s.starts_at <= sent_at for s in slots)


def can_cancel(status: str) -> bool:
    """A pending request can be cancelled at any time."""
    return status == "pending"


def can_withdraw(status: str, slots: Sequence[Timed], now: datetime) -> bool:
    """An approved request can be withdrawn until its first session starts."""
    return status == "approved" and bool(slots) and now < min(s.starts_at for s in slots)


def first_start(slots: Sequence[Timed]) -> datetime:
    """When the first covered session starts."""
    return min(s.starts_at for s in slots)


def last_start(slots: Sequence[Timed]) -> datetime:
    """When the last covered session starts."""
    return max(s.starts_at for s in slots)


def counts_as_begun(slot: Timed, sent_at: datetime) -> datetime:
    """When a covered session counts as begun for expiry: its start, or its end if it had
    already begun when the request was sent, or AFTER_THE_FACT_WAITS after the sending if
    it was over by then (else such a request would expire at once)."""
    if slot.ends_at <= sent_at:
        return sent_at + AFTER_THE_FACT_WAITS
    return slot.ends_at if slot.starts_at <= sent_at else slot.starts_at


def expires_at(slots: Sequence[Timed], sent_at: datetime) -> datetime:
    """When an undecided request expires: once every covered session counts as begun."""
    return max(counts_as_begun(s, sent_at) for s in slots)


def leave_ends(slots: Sequence[Timed]) -> datetime:
    """When the leave ends: the end of its last session."""
    return max(s.ends_at for s in slots)


def nudge_times(
    created_at: datetime, slots: Sequence[Timed], remind_after: timedelta
) -> dict[str, datetime]:
    """When an undecided request is brought back: ``remind_after`` it was sent, and before
    it starts.

    A nudge that would fall before the request was sent, or after the request expires,
    is left out.
    """
    times: dict[str, datetime] = {}
    expires = expires_at(slots, created_at)
    after = created_at + remind_after
    if after < expires:
        times["after"] = after
    before = first_start(slots) - NUDGE_BEFORE_START
    if created_at < before < expires and before != after:
        times["before"] = before
    return times


def covered_after_early_end(
    slots: Sequence[S], ended_at: datetime, attended: Iterable[int]
) -> list[S]:
    """The sessions still covered once leave ends early at ``ended_at``.

    Sessions that began before the early end stay covered, except those the trainee
    checked into; the rest are given back.
    """
    came = set(attended)
    return [s for s in slots if s.starts_at < ended_at and s.id not in came]
