"""When each notice is due and how long it stays useful: pure rules, local time per class.

Times in the database are UTC; a class's digest time is a local wall-clock time in the
class's zone, so the same 07:30 is 06:30 UTC in a Berlin summer and 06:30 + 1 h in winter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead jobs are put into the JobQueue; the scheduler replans well within it.
HORIZON = timedelta(hours=48)
# A digest is still worth reading until noon of its day.
DIGEST_USEFUL_UNTIL = time(12, 0)


@dataclass(frozen=True)
class Window:
    """When a notice is due, and until when it is still worth sending."""

    at: datetime
    useful_until: datetime

    def open_at(self, now: datetime) -> bool:
        """True if a job for this notice may run at ``now``."""
        return self.at <= now < self.useful_until


def local_moment(day: date, wall: time, zone: str) -> datetime:
    """The UTC moment of a local wall-clock time on a local day in a zone.

    A time skipped by a spring-forward change is moved forward by the gap (02:30 becomes
    03:30); a repeated one (autumn) takes its first occurrence. zoneinfo's ``fold=0`` gives
    exactly that.
    """
    naive = datetime.combine(day, wall)
    local = naive.replace(tzinfo=ZoneInfo(zone), fold=0)
    # Round-trip through UTC to normalise a non-existent local time into the real one.
    return local.astimezone(ZoneInfo("UTC"))


def local_day(moment: datetime, zone: str) -> date:
    """The local date of a moment in a zone."""
    return moment.astimezone(ZoneInfo(zone)).date()


def reminder_window(starts_at: datetime, minutes_before: int) -> Window:
    """A reminder: ``minutes_before`` the start, useful until the session starts."""
    return Window(starts_at - timedelta(minutes=minutes_before), starts_at)


def digest_window(day: date, digest_time: time, zone: str) -> Window:
    """A morning digest: at the class's digest time, useful until local noon."""
    at = local_moment(day, digest_time, zone)
    until = local_moment(day, DIGEST_USEFUL_UNTIL, zone)
    return Window(at, max(until, at + timedelta(minutes=1)))


def minutes_left(starts_at: datetime, now: datetime) -> int:
    """Whole minutes until a start, as a reminder says them (0: it starts now).

    A reminder is sent when it is due, or late when the bot was down: it says the time
    actually left, never the configured lead.
    """
    return max(0, int((starts_at - now).total_seconds() // 60))


def time_key(moment: datetime) -> str:
    """A compact UTC stamp for idempotency keys: a moved session gets new keys."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
