"""Classes and who holds which role in them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.db import Queryable
from storage.people import RECIPIENT_COLUMNS, Person, Recipient


@dataclass(frozen=True)
class ClassRow:
    """A class as stored; ``settings`` is JSON for bot/rules/class_settings.py to read."""

    id: int
    name: str
    start_date: str
    end_date: str
    timezone: str
    settings: str


@dataclass(frozen=True)
class Membership:
    """The roles one person holds in one class."""

    klass: ClassRow
    roles: frozenset[str]


_CLASS_COLUMNS = "c.id, c.name, c.start_date, c.end_date, c.timezone, c.settings"


async def by_name(db: Queryable, name: str) -> ClassRow | None:
    """Return the class with this name, if any."""
    row = await db.fetchone(f"SELECT {_CLASS_COLUMNS} FROM classes c WHERE c.name = ?", (name,))
    return None if row is None else ClassRow(*row)


async def by_id(db: Queryable, class_id: int) -> ClassRow | None:
    """Return a class by id, if any."""
    row = await db.fetchone(f"SELECT {_CLASS_COLUMNS} FROM classes c WHERE c.id = ?", (class_id,))
    return None if row is None else ClassRow(*row)


async def all_classes(db: Queryable) -> list[ClassRow]:
    """Return every class, oldest start first."""
    rows = await db.fetchall(f"SELECT {_CLASS_COLUMNS} FROM classes c ORDER BY c.start_date, c.id")
    return [ClassRow(*row) for row in rows]


async def memberships_of(db: Queryable, person_id: int) -> list[Membership]:
    """Return the classes a person is active in, with their roles there."""
    rows = await db.fetchall(
        f"SELECT {_CLASS_COLUMNS}, group_concat(m.role) FROM memberships m"
        " JOIN classes c ON c.id = m.class_id"
        " WHERE m.person_id = ? AND m.active = 1"
        " GROUP BY c.id ORDER BY c.start_date, c.id",
        (person_id,),
    )
    return [Membership(ClassRow(*row[:6]), frozenset(row[6].split(","))) for row in rows]


@dataclass(frozen=True)
class RosterEntry:
    """One person of a class, with what the invite list needs."""

    person_id: int
    name: str
    phone: str
    unit: str | None
    roles: frozenset[str]
    invite_code: str
    bound: bool


async def roster(db: Queryable, class_id: int) -> list[RosterEntry]:
    """Return a class's active people in roster order."""
    rows = await db.fetchall(
        "SELECT p.id, p.name, p.phone, p.unit, group_concat(m.role), p.invite_code,"
        " p.telegram_user_id IS NOT NULL"
        " FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND m.active = 1"
        " GROUP BY p.id ORDER BY p.id",
        (class_id,),
    )
    return [
        RosterEntry(r[0], r[1], r[2], r[3], frozenset(r[4].split(",")), r[5], bool(r[6]))
        for r in rows
    ]


async def holds_role(db: Queryable, class_id: int, person_id: int, roles: Iterable[str]) -> bool:
    """Whether a person holds one of these roles in a class now (bot/permissions.py asks)."""
    wanted = sorted(roles)
    marks = ",".join("?" * len(wanted))
    row = await db.fetchone(
        "SELECT 1 FROM memberships WHERE class_id = ? AND person_id = ? AND active = 1"
        f" AND role IN ({marks})",
        (class_id, person_id, *wanted),
    )
    return row is not None


async def members(db: Queryable, class_id: int, roles: Iterable[str]) -> list[Recipient]:
    """The people holding one of these roles in a class now, bound or not, in roster order."""
    wanted = sorted(roles)
    marks = ",".join("?" * len(wanted))
    rows = await db.fetchall(
        f"SELECT DISTINCT {RECIPIENT_COLUMNS} FROM memberships m"
        " JOIN people p ON p.id = m.person_id"
        f" WHERE m.class_id = ? AND m.active = 1 AND m.role IN ({marks}) ORDER BY p.id",
        (class_id, *wanted),
    )
    return [Recipient(*r) for r in rows]


async def unreachable_names(db: Queryable, class_id: int) -> list[str]:
    """Names of the class's people Telegram refused to deliver to (403)."""
    rows = await db.fetchall(
        "SELECT DISTINCT p.name FROM memberships m JOIN people p ON p.id = m.person_id"
        " WHERE m.class_id = ? AND m.active = 1 AND p.unreachable_at IS NOT NULL"
        " ORDER BY p.name",
        (class_id,),
    )
    return [r[0] for r in rows]


# -- who is speaking -----------------------------------------------------------------------
# The identity guard runs this for every update: one query, not three (the person, their
# memberships, whether they were unreachable), since every read is a hop to SQLite's thread.


@dataclass(frozen=True)
class Identity:
    """A Telegram user as the database knows them now."""

    person: Person | None
    memberships: tuple[Membership, ...]
    unreachable: bool  # Telegram's last answer for this person was 403


_IDENTITY_SELECT = (
    "SELECT p.id, p.name, p.phone, p.unit, p.invite_code, p.telegram_user_id, p.locale,"
    " p.unreachable_at IS NOT NULL,"
    " c.id, c.name, c.start_date, c.end_date, c.timezone, c.settings, group_concat(m.role)"
    " FROM people p"
    " LEFT JOIN memberships m ON m.person_id = p.id AND m.active = 1"
    " LEFT JOIN classes c ON c.id = m.class_id"
)


async def identity_of(db: Queryable, telegram_user_id: int) -> Identity:
    """The person bound to a Telegram account, their active classes and roles, in one read."""
    rows = await db.fetchall(
        f"{_IDENTITY_SELECT} WHERE p.telegram_user_id = ?"
        " GROUP BY c.id ORDER BY c.start_date, c.id",
        (telegram_user_id,),
    )
    if not rows:
        return Identity(None, (), False)
    return _identities(rows)[telegram_user_id]


async def identities_of(db: Queryable, person_ids: Iterable[int] | None) -> dict[int, Identity]:
    """Every bound person among these (None: everyone bound), by Telegram account, in one
    read (the identity cache, storage/identities.py, fills itself with this)."""
    if person_ids is None:
        where, params = "p.telegram_user_id IS NOT NULL", ()
    else:
        where = "p.telegram_user_id IS NOT NULL AND p.id IN (SELECT value FROM json_each(?))"
        params = (json.dumps(sorted(set(person_ids))),)
    rows = await db.fetchall(
        f"{_IDENTITY_SELECT} WHERE {where} GROUP BY p.id, c.id ORDER BY p.id, c.start_date, c.id",
        params,
    )
    return _identities(rows)


def _identities(rows: Iterable[Any]) -> dict[int, Identity]:
    """Rows of _IDENTITY_SELECT, by person then class, as one Identity per Telegram account."""
    found: dict[int, Identity] = {}
    classes: dict[int, ClassRow] = {}  # one object per class, shared by its members
    person: Person | None = None
    unreachable = False
    memberships: list[Membership] = []
    for r in rows:
        if person is None or person.id != r[0]:
            if person is not None:
                found[person.telegram_user_id or 0] = Identity(
                    person, tuple(memberships), unreachable
                )
            person, unreachable, memberships = Person(*r[:7]), bool(r[7]), []
        if r[8] is not None:
            klass = classes.get(r[8])
            if klass is None:  # one read, one snapshot: the same class reads the same
                klass = classes[r[8]] = ClassRow(*r[8:14])
            memberships.append(Membership(klass, frozenset(r[14].split(","))))
    if person is not None:
        found[person.telegram_user_id or 0] = Identity(person, tuple(memberships), unreachable)
    return found
