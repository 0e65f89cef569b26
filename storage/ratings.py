"""Ratings of lectures, the rating forms being filled in, and who attended what.

Anonymity starts here: every query that feeds a view returns scores and comments without the
person. Only ``rating_of`` (a person's own rating, for their own form) and ``responders`` (who
answered, for reminders and for the class manager's list of who has not) know who answered,
and neither says what anyone answered to anyone else. When a session's window closes,
``anonymise`` drops the person from its ratings for good (migration 0002): from then on not
even the database knows who gave which rating.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from storage import sessions
from storage.db import Queryable, Tx
from storage.people import RECIPIENT_COLUMNS, Recipient
from storage.sessions import Session
from storage.times import to_db

# Attended: a manager's mark of present, late or left early; without a mark, a check-in.
_ATTENDED = (
    "(a.override_status IN ('present', 'late', 'left_early')"
    " OR (a.override_status IS NULL AND a.checkin_at IS NOT NULL))"
)


async def attended(db: Queryable, session_id: int, person_id: int) -> bool:
    """Whether a trainee still in the class attended a session (may rate it)."""
    row = await db.fetchone(
        "SELECT 1 FROM attendance a JOIN sessions s ON s.id = a.session_id"
        " JOIN memberships m ON m.class_id = s.class_id AND m.person_id = a.person_id"
        " WHERE a.session_id = ? AND a.person_id = ? AND m.role = 'trainee' AND m.active = 1"
        f" AND {_ATTENDED}",
        (session_id, person_id),
    )
    return row is not None


async def attendees(db: Queryable, session_id: int) -> list[Recipient]:
    """The trainees who attended a session, in roster order."""
    rows = await db.fetchall(
        f"SELECT {RECIPIENT_COLUMNS} FROM attendance a"
        " JOIN sessions s ON s.id = a.session_id"
        " JOIN memberships m ON m.class_id = s.class_id AND m.person_id = a.person_id"
        " JOIN people p ON p.id = a.person_id"
        f" WHERE a.session_id = ? AND m.role = 'trainee' AND m.active = 1 AND {_ATTENDED}"
        " ORDER BY p.id",
        (session_id,),
    )
    return [Recipient(*r) for r in rows]


async def attended_sessions(db: Queryable, person_id: int, since: datetime) -> list[Session]:
    """Sessions of a class the trainee is still in that they attended, ending at or after
    ``since``, latest first."""
    rows = await db.fetchall(
        f"SELECT {sessions.COLUMNS} FROM attendance a JOIN sessions s ON s.id = a.session_id"
        " JOIN classes c ON c.id = s.class_id"
        " JOIN memberships m ON m.class_id = s.class_id AND m.person_id = a.person_id"
        f" WHERE a.person_id = ? AND m.role = 'trainee' AND m.active = 1 AND {_ATTENDED}"
        " AND s.cancelled_at IS NULL AND s.ends_at >= ? ORDER BY s.ends_at DESC, s.id",
        (person_id, to_db(since)),
    )
    return [sessions.session(r) for r in rows]


async def scores_of(db: Queryable, session_id: int) -> list[tuple[dict[str, int], str | None]]:
    """Every rating of a session as (scores, comment), without who gave it."""
    rows = await db.fetchall(
        "SELECT scores, comment FROM ratings WHERE session_id = ? ORDER BY scores, comment",
        (session_id,),
    )
    return [(json.loads(r[0]), r[1]) for r in rows]


async def comments_of_sessions(db: Queryable, session_ids: Iterable[int]) -> dict[int, list[str]]:
    """The comments given to these sessions, by session, without who gave them or their
    scores: one statement however many sessions (a year of /instructors is a thousand).

    Only the ratings with a comment are read: the figures come from the counts
    (``score_counts_of_sessions``), and most ratings have no comment. In no particular
    order: ``rating_stats.with_comments`` sorts them before it shuffles them.
    """
    found: dict[int, list[str]] = {}
    rows = await db.fetchall(
        "SELECT session_id, comment FROM ratings"
        " WHERE session_id IN (SELECT value FROM json_each(?))"
        " AND comment IS NOT NULL AND comment != ''",
        (json.dumps(sorted(set(session_ids))),),
    )
    for session_id, comment in rows:
        found.setdefault(session_id, []).append(comment)
    return found


async def score_counts_of_sessions(
    db: Queryable, session_ids: Iterable[int]
) -> dict[int, tuple[int, dict[str, dict[int, int]]]]:
    """Per session: (how many rated it, per question how many gave each score 1..5), in one
    statement however many sessions; without who gave what, or comments.

    SQLite groups each session's identical answers (a form has few: a year of lectures
    gives a few thousand groups for twenty thousand ratings), and each distinct answer is
    parsed once. A score is counted as bot/rules/rating_stats.py counts one: an integer
    from 1 to 5. (Splitting the JSON in SQL, json_each, took five times as long.)
    """
    found: dict[int, tuple[int, dict[str, dict[int, int]]]] = {}
    parsed: dict[str, list[tuple[str, int]]] = {}
    rows = await db.fetchall(
        "SELECT session_id, scores, count(*) FROM ratings"
        " WHERE session_id IN (SELECT value FROM json_each(?)) GROUP BY session_id, scores",
        (json.dumps(sorted(set(session_ids))),),
    )
    for session_id, scores, n in rows:
        answers = parsed.get(scores)
        if answers is None:
            answers = parsed[scores] = [
                (question, value)
                for question, value in json.loads(scores).items()
                if type(value) is int and 1 <= value <= 5  # not a bool, a score
            ]
        answered, by_question = found.get(session_id, (0, {}))
        for question, value in answers:
            by = by_question.setdefault(question, {})
            by[value] = by.get(value, 0) + n
        found[session_id] = (answered + n, by_question)
    return found


async def responders(db: Queryable, session_id: int) -> set[int]:
    """Who rated a session (for reminders and the not-yet-answered list; never with scores).

    Empty once the session's ratings are anonymised: its window has closed by then.
    """
    rows = await db.fetchall(
        "SELECT person_id FROM ratings WHERE session_id = ? AND person_id IS NOT NULL",
        (session_id,),
    )
    return {r[0] for r in rows}


async def anonymise(tx: Tx, session_id: int) -> None:
    """Forget who gave each rating of a session whose window closed (the rule needs it no more)."""
    await tx.execute(
        "UPDATE ratings SET person_id = NULL WHERE session_id = ? AND person_id IS NOT NULL",
        (session_id,),
    )


async def anonymised(db: Queryable, session_id: int) -> bool:
    """Whether a session's ratings were anonymised (its window closed and its summary went)."""
    row = await db.fetchone(
        "SELECT 1 FROM ratings WHERE session_id = ? AND person_id IS NULL LIMIT 1", (session_id,)
    )
    return row is not None


async def rating_of(
    db: Queryable, session_id: int, person_id: int
) -> tuple[dict[str, int], str | None] | None:
    """A person's own rating of a session, to prefill their form."""
    row = await db.fetchone(
        "SELECT scores, comment FROM ratings WHERE session_id = ? AND person_id = ?",
        (session_id, person_id),
    )
    return None if row is None else (json.loads(row[0]), row[1])


async def save_rating(
    tx: Tx,
    session_id: int,
    person_id: int,
    scores: dict[str, int],
    comment: str | None,
    now: datetime,
) -> None:
    """Store or replace a person's rating of a session (one per person: the UNIQUE key)."""
    await tx.execute(
        "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, person_id) DO UPDATE SET"
        " scores = excluded.scores, comment = excluded.comment, updated_at = excluded.updated_at",
        (session_id, person_id, json.dumps(scores), comment, to_db(now), to_db(now)),
    )
