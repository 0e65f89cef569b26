"""The demo class's past: what five days of class left in the records, written at import.

So that every screen has something to show at once: attendance of every past session
(mostly on time, a few late, one trainee absent on two days), the running session checked
in by most, leave (two short ones and one trainee near the one-seventh limit, all reported
back), one request still waiting for the class managers, and ratings of every past lecture
over the minimum count with a few comments (anonymised where the window closed, as the
summary job does). Everything goes through the storage functions the bot itself uses, in
one transaction. Numbers come from a seeded generator: every run writes the same past.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from bot.rules.roles import Role
from bot.sandbox.demo import Demo, bundled
from storage import attendance, classes, leave, people, ratings, sessions
from storage.db import Database, Tx
from storage.sessions import Session

# The first trainees of the roster are left to whoever plays them: not checked in to the
# running session and no rating of the one that just ended, so they can do both themselves.
FREE_TRAINEES = 5
RATE_SHARE = 0.75  # of those present who rate a lecture
COMMENT_SHARE = 0.12  # of ratings that carry a comment
LATE_SHARE = 0.05
NO_CHECKOUT_SHARE = 0.03
RATING_WINDOW = timedelta(minutes=1440)  # the class's default rating window
ONE_DAY_HOURS = 8  # leave over this needs the school's approval too (one day of sessions)


async def write_history(db: Database, demo: Demo, now: datetime) -> None:
    """Write the demo class's past (right after its import)."""
    story = bundled()["history"]
    plan = demo.plan
    class_id = next(c.id for c in await classes.all_classes(db) if c.name == plan.name)
    ids: dict[str, int] = {}
    for person in plan.people:
        found = await people.by_phone(db, person.phone)
        assert found is not None, person.name
        ids[person.name] = found.id
    dims = plan.settings.rating_dimensions
    trainees = [p.name for p in plan.people if Role.TRAINEE in p.roles]
    free = {p.name for p in plan.people if p.roles == frozenset({Role.TRAINEE})}
    free = set(sorted(free, key=[p.name for p in plan.people].index)[:FREE_TRAINEES])
    manager = next(p.name for p in plan.people if Role.MANAGER in p.roles)
    admin = next(p.name for p in plan.people if Role.ADMIN in p.roles)
    timetable = await sessions.of_class_until(db, class_id, now)
    past = [s for s in timetable if s.ends_at <= now]
    running = [s for s in timetable if s.starts_at <= now < s.ends_at]
    teachers = {s.id: await sessions.instructors(db, s.id) for s in past}
    future = [
        s
        for s in await sessions.starting_between(db, now, now + timedelta(days=30))
        if s.class_id == class_id
    ]

    async def op(tx: Tx) -> None:
        on_leave = await _leave(tx, story, ids, class_id, manager, admin, past, future, now)
        absent = {(story["absent"]["name"], external) for external in story["absent"]["sessions"]}
        rng = random.Random(20261207)
        by_external = {s.id: e for e, s in _by_external(plan, past).items()}
        for lecture in past:
            external = by_external.get(lecture.id, "")
            quality = story["quality"].get(_first_name(teachers[lecture.id]), 4.3)
            for name in trainees:
                if (name, lecture.id) in on_leave or (name, external) in absent:
                    continue
                await _attend(tx, lecture, ids[name], rng, checkout=True)
                just_ended = lecture is past[-1]
                if (just_ended and name in free) or rng.random() > RATE_SHARE:
                    continue
                await _rate(tx, lecture, ids[name], quality, dims, story["comments"], rng, now)
            if lecture.ends_at + RATING_WINDOW <= now:
                await ratings.anonymise(tx, lecture.id)
        for lecture in running:
            for name in trainees:
                if name not in free:
                    await _attend(tx, lecture, ids[name], rng, checkout=False)

    await db.write(op)


def _first_name(recipients: Sequence[Any]) -> str:
    return recipients[0].name if recipients else ""


def _by_external(plan: Any, past: Sequence[Session]) -> dict[str, Session]:
    """Past sessions by their sheet number (B01...), matched on start time."""
    starts = {s.starts_at: s for s in past}
    return {p.external_id: starts[p.starts_at] for p in plan.sessions if p.starts_at in starts}


async def _attend(
    tx: Tx, lecture: Session, person_id: int, rng: random.Random, *, checkout: bool
) -> None:
    if rng.random() < LATE_SHARE:
        checked_in = lecture.starts_at + timedelta(minutes=rng.randint(7, 25))
    else:
        checked_in = lecture.starts_at - timedelta(minutes=rng.randint(1, 20))
    await attendance.record_checkin(tx, lecture, person_id, checked_in, "code")
    if checkout and rng.random() > NO_CHECKOUT_SHARE:
        out = lecture.ends_at + timedelta(minutes=rng.randint(0, 8))
        await attendance.record_checkout(tx, lecture.id, person_id, out, "button")


async def _rate(
    tx: Tx,
    lecture: Session,
    person_id: int,
    quality: float,
    dimensions: Sequence[str],
    comments: Sequence[str],
    rng: random.Random,
    now: datetime,
) -> None:
    scores = {d: max(1, min(5, round(rng.gauss(quality, 0.6)))) for d in dimensions}
    comment = rng.choice(comments) if rng.random() < COMMENT_SHARE else None
    at = min(lecture.ends_at + timedelta(minutes=rng.randint(3, 240)), now)
    await ratings.save_rating(tx, lecture.id, person_id, scores, comment, at)


async def _leave(
    tx: Tx,
    story: dict[str, Any],
    ids: dict[str, int],
    class_id: int,
    manager: str,
    admin: str,
    past: Sequence[Session],
    future: Sequence[Session],
    now: datetime,
) -> set[tuple[str, int]]:
    """The class's leave; the (name, session id) pairs it covers in the past."""
    covered: set[tuple[str, int]] = set()
    granted = [
        (story["near_limit"]["name"], "personal", story["near_limit"]["reason"], [2, 3, 6]),
        *((name, kind, reason, [index]) for name, kind, reason, index in story["short_leave"]),
    ]
    for name, kind, reason, indexes in granted:
        chosen = [past[i] for i in indexes if i < len(past)]
        if not chosen:
            continue
        hours = sum((s.hours for s in chosen), Fraction(0))
        levels = 2 if hours > ONE_DAY_HOURS else 1
        asked = chosen[0].starts_at - timedelta(days=1)
        request_id = await leave.create_request(
            tx,
            class_id=class_id,
            person_id=ids[name],
            reason=reason,
            attachment_file_id=None,
            attachment_kind=None,
            covered=chosen,
            hours=hours,
            levels_required=levels,
            now=asked,
            leave_type=kind,
        )
        assert request_id is not None
        deciders = [manager, admin][:levels]
        for level, decider in enumerate(deciders, start=1):
            await leave.decide(
                tx,
                request_id=request_id,
                level=level,
                decided_by=ids[decider],
                decision="approve",
                reason=None,
                now=asked + timedelta(hours=level),
            )
        await leave.mark_reported_back(tx, request_id, chosen[-1].ends_at + timedelta(hours=1))
        covered.update((name, s.id) for s in chosen)
    name, kind, reason = story["pending"]
    asked_for = [s for s in future if s.starts_at - now > timedelta(hours=12)][:1]
    if asked_for:
        await leave.create_request(
            tx,
            class_id=class_id,
            person_id=ids[name],
            reason=reason,
            attachment_file_id=None,
            attachment_kind=None,
            covered=asked_for,
            hours=asked_for[0].hours,
            levels_required=1,
            now=now - timedelta(minutes=40),
            leave_type=kind,
        )
    return covered
