"""The sandbox's demo class: people and titles bundled as JSON, times placed around now.

The roster, titles and venue are the bundled ``demo_class.json`` (Chinese text stays out of
Python); the timetable is generated relative to the injected time, so whenever the sandbox
starts one session has just ended, one is running and one starts in a few minutes, with
more on the coming days.
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
# Where the three sessions "around now" sit, relative to the current minute.
ENDED_AGO = timedelta(minutes=5)
STARTS_IN = timedelta(minutes=5)
SESSION_LENGTH = timedelta(minutes=90)
# Later sessions: mornings and afternoons of the coming days, local time.
LATER_SLOTS = ((time(8, 30), time(11, 30)), (time(14, 30), time(17, 30)))


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


def _bundled() -> dict[str, Any]:
    text = resources.files("bot.sandbox").joinpath("demo_class.json").read_text("utf-8")
    return json.loads(text)


def phone_of(index: int) -> str:
    """The roster phone of the index-th person (a valid mainland mobile number)."""
    return f"1380000{index + 1:04d}"


def build_demo(now: datetime) -> Demo:
    """Build the demo class with its timetable placed around ``now`` (aware)."""
    data = _bundled()
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
    around_now = (
        (now - ENDED_AGO - SESSION_LENGTH, now - ENDED_AGO),  # ended a few minutes ago
        (now - SESSION_LENGTH / 2, now + SESSION_LENGTH / 2),  # running
        (now + STARTS_IN, now + STARTS_IN + SESSION_LENGTH),  # starts in a few minutes
    )
    slots = list(around_now) + _later_slots(now, zone, len(data["sessions_later"]))
    specs = data["sessions_now"] + data["sessions_later"]
    sessions = tuple(
        SessionPlan(
            row=index + 2,
            external_id=spec["id"],
            title=spec["title"],
            instructor_phones=tuple(phones[name] for name in spec["instructors"]),
            starts_at=starts,
            ends_at=ends,
            location=spec.get("location"),
            hours=round((ends - starts) / timedelta(hours=1), 1),
        )
        for index, (spec, (starts, ends)) in enumerate(zip(specs, slots, strict=True))
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


def _later_slots(now: datetime, zone: ZoneInfo, count: int) -> list[tuple[datetime, datetime]]:
    """Morning and afternoon slots from tomorrow on (local time), as UTC pairs."""
    slots: list[tuple[datetime, datetime]] = []
    day: date = now.astimezone(zone).date()
    while len(slots) < count:
        day += timedelta(days=1)
        for start, end in LATER_SLOTS:
            if len(slots) < count:
                slots.append(
                    (
                        datetime.combine(day, start, zone).astimezone(UTC),
                        datetime.combine(day, end, zone).astimezone(UTC),
                    )
                )
    return slots
