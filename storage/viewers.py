"""Who is speaking, in one query: the identity guard runs it for every update.

The guard used to ask three questions (the person, their memberships, whether they were
unreachable); each read costs a round trip to SQLite's thread, and this one runs for every
update, so it is one query here (benchmarks/bench_checkin.py measures the difference).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.classes import ClassRow, Membership
from storage.db import Queryable
from storage.people import Person


@dataclass(frozen=True)
class Identity:
    """A Telegram user as the database knows them now."""

    person: Person | None
    memberships: tuple[Membership, ...]
    unreachable: bool  # Telegram's last answer for this person was 403


async def identity_of(db: Queryable, telegram_user_id: int) -> Identity:
    """The person bound to a Telegram account, their active classes and roles, in one read."""
    rows = await db.fetchall(
        "SELECT p.id, p.name, p.phone, p.unit, p.invite_code, p.telegram_user_id, p.locale,"
        " p.unreachable_at IS NOT NULL,"
        " c.id, c.name, c.start_date, c.end_date, c.timezone, c.settings, group_concat(m.role)"
        " FROM people p"
        " LEFT JOIN memberships m ON m.person_id = p.id AND m.active = 1"
        " LEFT JOIN classes c ON c.id = m.class_id"
        " WHERE p.telegram_user_id = ?"
        " GROUP BY c.id ORDER BY c.start_date, c.id",
        (telegram_user_id,),
    )
    if not rows:
        return Identity(None, (), False)
    first = rows[0]
    memberships = tuple(
        Membership(ClassRow(*r[8:14]), frozenset(r[14].split(",")))
        for r in rows
        if r[8] is not None
    )
    return Identity(Person(*first[:7]), memberships, bool(first[7]))
