"""Time, injected: logic asks a Clock, never the system, so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time (aware, UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time (aware, UTC)."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the time the test set."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to an absolute moment."""
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by delta."""
        self._now += delta


class MovableClock:
    """The sandbox's clock: real time plus an offset that only grows.

    Time passes as on the wall, so a person in the sandbox sees seconds tick; moving it
    forward (the chat page's buttons, ``POST /control/clock``) adds to the offset. Production
    never builds one: ``trainee-bot run`` uses ``SystemClock``.
    """

    def __init__(self, system: Clock | None = None) -> None:
        self._system = system or SystemClock()
        self._offset = timedelta(0)

    @property
    def offset(self) -> timedelta:
        """How far ahead of the real clock this one is."""
        return self._offset

    def now(self) -> datetime:
        """Return the real time plus the offset (aware, UTC)."""
        return self._system.now() + self._offset

    def to_real(self, moment: datetime) -> datetime:
        """The real moment at which this clock will show ``moment`` (for real-time timers)."""
        return moment - self._offset

    def move_to(self, moment: datetime) -> None:
        """Jump forward to ``moment``; moving backwards is refused (ValueError)."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        if moment < self.now() - timedelta(seconds=1):
            raise ValueError("the clock only moves forward")
        self._offset = max(self._offset, moment.astimezone(UTC) - self._system.now())
