"""The sandbox's demo class: people and titles bundled as JSON, times placed around now.

The roster, titles and venue are the bundled ``demo_class.json`` (Chinese text stays out of
Python); the timetable is generated relative to the injected time. It is a two-week class
(five days before today, eight after, a morning and an afternoon of 4 class hours each), so
its one-seventh leave limit is about two days, as in a real class. Today holds three sessions
around now, whatever the hour: one ended half an hour ago, one running (checked in, its
check-out about to open), one starting in 20 minutes, past the 15-minute reminder lead, so
moving the clock shows the reminder. The running one never starts before local midnight, so
``/today`` lists it even when the sandbox starts just after midnight. What happened in the
past days (attendance, leave, ratings) is bundled too and written by bot/sandbox/history.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from bot.importer.model import ClassPlan, GradesPlan, PersonPlan, SessionPlan
from bot.rules.class_settings import ClassSettings
from bot.rules.grades import Component
from bot.rules.roles import Role

FIRST_USER_ID = 10000  # persona i is Telegram user FIRST_USER_ID + i
# Where the three sessions "around now" sit, relative to the current minute, and their hours.
ENDED = (timedelta(minutes=-150), timedelta(minutes=-30), 3.0)
RUNNING = (timedelta(minutes=-25), timedelta(minutes=10), 1.0)
STARTING = (timedelta(minutes=20), timedelta(minutes=170), 3.0)
# The other days: a morning and an afternoon, local time, 4 class hours (学时) each.
DAY_SLOTS = ((time(8, 30), time(11, 30)), (time(14, 30), time(17, 30)))
SLOT_HOURS = 4.0
DAYS_BEFORE = 5
DAYS_AFTER = 8


@dataclass(frozen=True)
class Persona:
    """A Telegram user of the sandbox who is someone on the demo roster."""

    user_id: int
    name: str
    phone: str
    roles: tuple[Role, ...]
    unit: str | None


@dataclass(frozen=True)
class Demo:
    """The demo class plan and the personas that can talk to the bot."""

    plan: ClassPlan
    personas: tuple[Persona, ...]
    venue_lat: float
    venue_lon: float


def bundled() -> dict[str, Any]:
    text = resources.files("bot.sandbox").joinpath("demo_class.json").read_text("utf-8")
    return json.loads(text)


def phone_of(index: int) -> str:
    """The roster phone of the index-th person (a valid mainland mobile number)."""
    return f"1380000{index + 1:04d}"


def build_demo(now: datetime) -> Demo:
    """Build the demo class with its timetable placed around ``now`` (aware)."""
    data = bundled()
    zone = ZoneInfo(data["timezone"])
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    people = tuple(
        PersonPlan(
            row=index + 2,
            name=person["name"],
            phone=phone_of(index),
            roles=frozenset(Role(role) for role in person["roles"]),
            unit=person.get("unit"),
        )
        for index, person in enumerate(data["people"])
    )
    phones = {person.name: person.phone for person in people}
    timed = _timetable(now, zone)
    specs = data["sessions_before"] + data["sessions_now"] + data["sessions_after"]
    sessions = tuple(
        SessionPlan(
            row=index + 2,
            external_id=spec["id"],
            title=spec["title"],
            instructor_phones=tuple(phones[name] for name in spec["instructors"]),
            starts_at=starts,
            ends_at=ends,
            location=spec.get("location"),
            hours=hours,
        )
        for index, (spec, (starts, ends, hours)) in enumerate(zip(specs, timed, strict=True))
    )
    venue = data["venue"]
    settings = ClassSettings(
        checkin_mode="code",
        venue_lat=venue["latitude"],
        venue_lon=venue["longitude"],
        locale="zh",
    )
    local_dates = [s.starts_at.astimezone(zone).date() for s in sessions]
    local_dates += [s.ends_at.astimezone(zone).date() for s in sessions]
    plan = ClassPlan(
        name=data["name"],
        start_date=min(local_dates),
        end_date=max(local_dates),
        timezone=data["timezone"],
        settings=settings,
        people=people,
        sessions=sessions,
        # graduation: a scheme, so that /grades has something to show (no scores yet)
        grades=GradesPlan(
            tuple(Component(name, Fraction(weight)) for name, weight in data["assessment"]),
            None,
        ),
    )
    personas = tuple(
        Persona(
            user_id=FIRST_USER_ID + index,
            name=person.name,
            phone=person.phone,
            roles=tuple(sorted(person.roles, key=list(Role).index)),
            unit=person.unit,
        )
        for index, person in enumerate(people)
    )
    return Demo(plan, personas, venue["latitude"], venue["longitude"])


def _timetable(now: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime, float]]:
    """(starts, ends, hours) of every session in time order, UTC: the days before, today's
    three around now, the days after."""
    today: date = now.astimezone(zone).date()

    def day(offset: int) -> list[tuple[datetime, datetime, float]]:
        on = today + timedelta(days=offset)
        return [
            (
                datetime.combine(on, start, zone).astimezone(UTC),
                datetime.combine(on, end, zone).astimezone(UTC),
                SLOT_HOURS,
            )
            for start, end in DAY_SLOTS
        ]

    midnight = datetime.combine(today, time(0, 0), zone).astimezone(UTC)
    around = [
        (now + starts, now + ends, hours) for starts, ends, hours in (ENDED, RUNNING, STARTING)
    ]
    running_starts, running_ends, running_hours = around[1]
    around[1] = (max(running_starts, midnight), running_ends, running_hours)
    before = [slot for offset in range(-DAYS_BEFORE, 0) for slot in day(offset)]
    after = [slot for offset in range(1, DAYS_AFTER + 1) for slot in day(offset)]
    return before + around + after
