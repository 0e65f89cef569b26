"""Half-filled forms: what a person is in the middle of, kept in the database.

A leave request being written, the reason a decider was asked for, the proof a check-in
still waits for, a rating being given: one row per person and kind (a rating form per
session too), its state as JSON. Nothing of it lives in memory, so a restart loses nothing:
the next update reads the form back. The kinds are ``FormKind``; the kinds kept per session
(a rating form, a live /code message) are stored under ``<kind>:<session id>``, the spelling
every release has used for ratings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage import updates
from storage.db import Queryable, SyncTx, Tx
from storage.times import from_db, to_db


class FormKind(StrEnum):
    """What a form is for; the value is what the database stores."""

    LEAVE = "leave"  # a trainee's leave request being written
    LEAVE_REJECT = "leave_reject"  # a decider's reason for a rejection
    LEAVE_LIMIT = "leave_limit"  # a decider's reason to let an over-limit trainee continue
    CHECKIN_PROOF = "checkin.proof"  # the proofs a check-in still waits for
    CODE_DISPLAY = "checkin.code_display"  # a class manager's live /code message, per session
    CHECKOUT_PROOF = "checkout.proof"  # the proofs a check-out still waits for
    ROLL_MARK = "checkin.mark"  # a hand marking waiting for who and why, then its status
    CORRECTION = "correction"  # a trainee's correction request (补卡) being written
    CORRECTION_REJECT = "correction_reject"  # a manager's reason for rejecting a correction
    ANNOUNCE = "announce"  # an announcement being written
    RATING = "rating"  # a rating being given, one per session
    APPRAISAL = "grades.appraisal"  # a class manager's appraisal (学员鉴定) being written


@dataclass(frozen=True)
class Form:
    """One stored form."""

    person_id: int
    kind: FormKind
    session_id: int | None  # the session of a form kept per session; else None
    data: dict[str, Any]
    updated_at: datetime


# Kinds a person may have one of per session.
PER_SESSION = frozenset({FormKind.RATING, FormKind.CODE_DISPLAY})


def _stored(kind: FormKind, session_id: int | None) -> str:
    if kind in PER_SESSION:
        if session_id is None:
            raise ValueError(f"a {kind.value} form belongs to a session")
        return f"{kind.value}:{session_id}"
    return kind.value


def _form(row: Any) -> Form | None:
    stored = str(row[1])
    name, session = stored, ""
    for kind in PER_SESSION:
        if stored.startswith(f"{kind.value}:"):
            name, session = kind.value, stored.removeprefix(f"{kind.value}:")
    try:
        kind = FormKind(name)
    except ValueError:
        return None  # a kind this release does not know: not ours to read
    session_id = int(session) if session.isdigit() else None
    return Form(row[0], kind, session_id, json.loads(row[2]), from_db(row[3]))


async def get(
    db: Queryable,
    person_id: int,
    kind: FormKind,
    *,
    session_id: int | None = None,
    since: datetime | None = None,
) -> dict[str, Any] | None:
    """The person's form of this kind, if any (touched at or after ``since``)."""
    row = await db.fetchone(
        "SELECT data FROM forms WHERE person_id = ? AND kind = ? AND updated_at >= ?",
        (person_id, _stored(kind, session_id), to_db(since) if since else ""),
    )
    return None if row is None else json.loads(row[0])


async def of_person(db: Queryable, person_id: int) -> list[Form]:
    """Every form a person has open, in one read."""
    rows = await db.fetchall(
        "SELECT person_id, kind, data, updated_at FROM forms WHERE person_id = ? ORDER BY kind",
        (person_id,),
    )
    return [form for row in rows if (form := _form(row)) is not None]


async def of_kind(db: Queryable, kind: FormKind) -> list[Form]:
    """Every open form of one kind (a kind kept per session: of every session)."""
    if kind in PER_SESSION:
        rows = await db.fetchall(
            "SELECT person_id, kind, data, updated_at FROM forms WHERE kind LIKE ?",
            (f"{kind.value}:%",),
        )
    else:
        rows = await db.fetchall(
            "SELECT person_id, kind, data, updated_at FROM forms WHERE kind = ?", (kind.value,)
        )
    return [form for row in rows if (form := _form(row)) is not None]


async def save(
    tx: Tx,
    person_id: int,
    kind: FormKind,
    data: dict[str, Any],
    now: datetime,
    *,
    session_id: int | None = None,
) -> None:
    """Create or replace the person's form of this kind."""
    await tx.execute(
        "INSERT INTO forms (person_id, kind, data, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (person_id, kind) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (person_id, _stored(kind, session_id), json.dumps(data, ensure_ascii=False), to_db(now)),
    )


async def save_once(
    tx: Tx,
    update_id: int,
    person_id: int,
    kind: FormKind,
    data: dict[str, Any] | None,
    now: datetime,
) -> bool:
    """Save the person's form of this kind (drop it, for None) for one update: False, and
    nothing changed, if that update was seen before (a double tap, a redelivery)."""
    if not await updates.claim(tx, update_id, now):
        return False
    if data is None:
        await drop(tx, person_id, kind)
    else:
        await save(tx, person_id, kind, data, now)
    return True


async def drop(tx: Tx, person_id: int, kind: FormKind, *, session_id: int | None = None) -> bool:
    """Forget the person's form of this kind; False if there was none."""
    cursor = await tx.execute(
        "DELETE FROM forms WHERE person_id = ? AND kind = ?",
        (person_id, _stored(kind, session_id)),
    )
    return cursor.rowcount == 1


def drop_now(tx: SyncTx, person_id: int, kind: FormKind) -> None:
    """``drop`` in SQLite's thread (a check-in's thread write), for a form of no session."""
    tx.execute(
        "DELETE FROM forms WHERE person_id = ? AND kind = ?", (person_id, _stored(kind, None))
    )


async def drop_of_session(tx: Tx, session_id: int) -> None:
    """Forget every rating form of a session (its rating window closed)."""
    await tx.execute("DELETE FROM forms WHERE kind = ?", (_stored(FormKind.RATING, session_id),))
