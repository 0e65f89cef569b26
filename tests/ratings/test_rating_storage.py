"""Who counts as having attended, that views get scores without people, and that the person
is forgotten at the close (real SQLite)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.importer.model import ClassPlan
from bot.rules.roles import Role
from storage import ratings
from storage.db import Database, apply_migrations, bundled_migrations
from tests.harness import person_id, session_id
from tests.ratings.conftest import attend

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


async def test_attended_follows_check_in_and_the_managers_mark(
    db: Database, example_class: ClassPlan
) -> None:
    sid = await session_id(db, "S01")
    plain = [p.name for p in example_class.people if p.roles == {Role.TRAINEE}]
    marks = {
        plain[0]: ({"checkin": True}, True),
        plain[1]: ({"checkin": False, "override": "present"}, True),
        plain[2]: ({"checkin": False, "override": "late"}, True),
        plain[3]: ({"checkin": True, "override": "left_early"}, True),
        plain[4]: ({"checkin": True, "override": "absent"}, False),
        plain[5]: ({"checkin": False}, False),
    }
    for name, (mark, _) in marks.items():
        await attend(db, sid, await person_id(db, name), **mark)
    # An instructor who checked in is not a trainee: no form for them.
    await attend(db, sid, await person_id(db, "陈志远"))
    for name, (_, expected) in marks.items():
        assert await ratings.attended(db, sid, await person_id(db, name)) is expected, name
    assert not await ratings.attended(db, sid, await person_id(db, "陈志远"))
    names = [r.name for r in await ratings.attendees(db, sid)]
    assert names == [n for n, (_, ok) in marks.items() if ok]


async def test_ratings_upsert_one_per_person_and_read_back_without_people(
    db: Database, example_class: ClassPlan
) -> None:
    sid = await session_id(db, "S01")
    pid = await person_id(db, example_class.people[-1].name)
    scores = {"content": 5, "teaching": 5, "relevance": 5, "overall": 5}
    await db.write(lambda tx: ratings.save_rating(tx, sid, pid, scores, "a", NOW))
    await db.write(
        lambda tx: ratings.save_rating(tx, sid, pid, {**scores, "overall": 1}, None, NOW)
    )
    assert await ratings.scores_of(db, sid) == [({**scores, "overall": 1}, None)]
    assert await ratings.responders(db, sid) == {pid}


async def test_comments_of_sessions_reads_only_comments_in_one_statement(
    db: Database, example_class: ClassPlan
) -> None:
    first, second = await session_id(db, "S01"), await session_id(db, "S02")
    people = [await person_id(db, p.name) for p in example_class.people[-4:]]
    scores = {"content": 5, "teaching": 5, "relevance": 5, "overall": 5}
    for pid, comment in zip(people, ["好", None, "", " 慢 "], strict=True):
        await db.write(
            lambda tx, p=pid, c=comment: ratings.save_rating(tx, first, p, scores, c, NOW)
        )
    statements: list[str] = []
    await db.trace(statements.append)
    found = await ratings.comments_of_sessions(db, [first, second])
    await db.trace(None)
    assert len(statements) == 1 and "scores" not in statements[0].split("FROM")[0]
    # Neither who nor the scores; blank comments are trimmed away by rating_stats.
    assert {sid: sorted(c) for sid, c in found.items()} == {first: [" 慢 ", "好"]}


async def test_migration_0002_keeps_every_rating_and_lets_the_person_go(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        await conn.execute("PRAGMA foreign_keys = ON")
        first, *_ = bundled_migrations()
        assert first.version == 1
        await apply_migrations(conn, [first])  # a database of the version before
        await conn.executescript(
            "INSERT INTO classes (id, name, start_date, end_date, timezone, created_at,"
            " updated_at) VALUES (1, 'C', '2026-12-07', '2026-12-11', 'Asia/Shanghai', 'x', 'x');"
            "INSERT INTO people (id, name, phone, invite_code, created_at, updated_at)"
            " VALUES (7, 'A', '+8613800000001', 'a', 'x', 'x'),"
            " (8, 'B', '+8613800000002', 'b', 'x', 'x');"
            "INSERT INTO sessions (id, class_id, title, starts_at, ends_at, hours, secret,"
            " created_at, updated_at) VALUES (3, 1, 'S', '2026-12-07T00:30:00+00:00',"
            " '2026-12-07T03:30:00+00:00', 3, 's', 'x', 'x');"
            "INSERT INTO ratings (id, session_id, person_id, scores, comment, submitted_at,"
            " updated_at) VALUES (11, 3, 7, '{\"overall\": 5}', 'good', 't1', 'u1'),"
            " (12, 3, 8, '{\"overall\": 2}', NULL, 't2', 'u2');"
        )
        upto_2 = [m for m in bundled_migrations() if m.version <= 2]
        assert await apply_migrations(conn, upto_2) == [2]
        async with conn.execute("SELECT * FROM ratings ORDER BY id") as cursor:
            rows = [tuple(r) for r in await cursor.fetchall()]
        assert rows == [
            (11, 3, 7, '{"overall": 5}', "good", "t1", "u1"),
            (12, 3, 8, '{"overall": 2}', None, "t2", "u2"),
        ]
        async with conn.execute("PRAGMA table_info(ratings)") as cursor:
            notnull = {r[1]: r[3] for r in await cursor.fetchall()}
        assert notnull["person_id"] == 0 and notnull["session_id"] == 1
        async with conn.execute("PRAGMA foreign_key_list(ratings)") as cursor:
            on_delete = {r[2]: r[6] for r in await cursor.fetchall()}
        assert on_delete == {"people": "SET NULL", "sessions": "CASCADE"}
        async with conn.execute("PRAGMA foreign_key_check") as cursor:
            assert await cursor.fetchall() == []
        # One per person still holds; persons forgotten never collide with each other.
        with pytest.raises(sqlite3.IntegrityError):
            await conn.execute(
                "INSERT INTO ratings (session_id, person_id, scores, submitted_at, updated_at)"
                " VALUES (3, 7, '{}', 'x', 'x')"
            )
        await conn.execute("UPDATE ratings SET person_id = NULL")
        async with conn.execute("SELECT count(*) FROM ratings WHERE person_id IS NULL") as cursor:
            assert (await cursor.fetchone())[0] == 2
        async with conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'ratings' AND type = 'index'"
        ) as cursor:
            assert (await cursor.fetchone())[0] == 1  # the UNIQUE key's, as before
    finally:
        await conn.close()


async def test_anonymise_forgets_who_rated_one_session_only(
    db: Database, example_class: ClassPlan
) -> None:
    s01, s02 = await session_id(db, "S01"), await session_id(db, "S02")
    pid = await person_id(db, example_class.people[-1].name)
    scores = {"content": 5, "teaching": 5, "relevance": 5, "overall": 5}
    for sid in (s01, s02):
        await db.write(lambda tx, sid=sid: ratings.save_rating(tx, sid, pid, scores, "a", NOW))
    assert not await ratings.anonymised(db, s01)
    await db.write(lambda tx: ratings.anonymise(tx, s01))
    assert await ratings.anonymised(db, s01) and not await ratings.anonymised(db, s02)
    assert await ratings.responders(db, s01) == set()
    assert await ratings.rating_of(db, s01, pid) is None
    assert await ratings.scores_of(db, s01) == [(scores, "a")]  # the figures stay
    assert await ratings.responders(db, s02) == {pid}
