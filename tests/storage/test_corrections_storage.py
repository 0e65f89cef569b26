"""Migration 0004 and the correction requests (补卡) against a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from storage import corrections, forms
from storage.db import Database, Tx, apply_migrations, bundled_migrations
from storage.forms import FormKind

NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


async def _class_session_person(db: Database) -> tuple[int, int, int]:
    async def op(tx: Tx) -> tuple[int, int, int]:
        class_id = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, created_at, updated_at)"
            " VALUES ('班', '2026-12-07', '2026-12-11', 'Asia/Shanghai', 't', 't')"
        )
        session_id = await tx.insert(
            "INSERT INTO sessions (class_id, title, starts_at, ends_at, hours, secret,"
            " created_at, updated_at) VALUES (?, '课', '2026-12-07T00:30:00+00:00',"
            " '2026-12-07T03:30:00+00:00', 3, 's', 't', 't')",
            (class_id,),
        )
        person_id = await tx.insert(
            "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
            " VALUES ('某人', '13800000001', 'code1', 't', 't')"
        )
        return class_id, session_id, person_id

    return await db.write(op)


async def test_one_pending_request_the_first_decision_wins_and_the_cap_counts(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        class_id, session_id, person_id = await _class_session_person(db)

        async def ask(tx: Tx) -> int | None:
            return await corrections.create(
                tx,
                class_id=class_id,
                session_id=session_id,
                person_id=person_id,
                status_before="absent",
                status_asked="present",
                reason="忘记签到",
                attachment_file_id=None,
                attachment_kind=None,
                now=NOW,
            )

        first = await db.write(ask)
        assert first is not None
        assert await db.write(ask) is None  # a duplicate of the pending one
        assert await corrections.used(db, class_id, person_id) == 1
        assert (await corrections.pending_for(db, session_id, person_id)).id == first

        def decide(approve: bool, by: int) -> object:
            return lambda tx: corrections.decide(
                tx, first, approve=approve, decided_by=by, reason="核实", now=NOW
            )

        assert await db.write(decide(False, person_id)) is True
        assert await db.write(decide(True, person_id)) is False  # decided already
        done = await corrections.get(db, first)
        assert (done.status, done.decision_reason, done.decided_at) == ("rejected", "核实", NOW)
        assert await corrections.used(db, class_id, person_id) == 0  # its place given back
        second = await db.write(ask)  # no longer pending: asking again is no duplicate
        assert second is not None and second != first
        assert (
            await db.write(lambda tx: corrections.cancel(tx, second, person_id + 1, NOW)) is False
        )
        assert await db.write(lambda tx: corrections.cancel(tx, second, person_id, NOW)) is True
        assert [c.status for c in await corrections.of_person(db, class_id, person_id)] == [
            "rejected",
            "cancelled",
        ]
        # A rejection without a reason is refused by the schema itself.
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(
                lambda tx: tx.execute(
                    "UPDATE corrections SET status = 'rejected', decision_reason = NULL"
                    " WHERE id = ?",
                    (first,),
                )
            )
    finally:
        await db.close()


async def test_migration_0004_keeps_requests_and_live_code_messages(tmp_path: Path) -> None:
    """A database of release 3 with a leave request and a live /code message, upgraded."""
    path = tmp_path / "bot.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await apply_migrations(conn, bundled_migrations()[:3])
        await conn.executescript(
            "INSERT INTO classes (name, start_date, end_date, timezone, created_at, updated_at)"
            " VALUES ('班', '2026-12-07', '2026-12-11', 'Asia/Shanghai', 't', 't');"
            "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
            " VALUES ('某人', '13800000001', 'code1', 't', 't');"
            "INSERT INTO leave_requests (class_id, person_id, status, reason, hours,"
            " created_at, updated_at) VALUES (1, 1, 'approved', '病了', 3, 't', 't');"
            "INSERT INTO forms (person_id, kind, data, updated_at) VALUES (1,"
            ' \'checkin.code_display\', \'{"session_id": 12, "chat_id": 5, "message_id": 9}\','
            " '2026-12-07T00:00:00+00:00');"
        )
        await conn.commit()
    db = await Database.open(path)
    try:
        row = await db.fetchone("SELECT leave_type, retroactive, recorded_by FROM leave_requests")
        assert tuple(row) == ("personal", 0, None)  # 事假: it counts toward the limit
        [display] = await forms.of_kind(db, FormKind.CODE_DISPLAY)
        assert (display.person_id, display.session_id) == (1, 12)
        assert display.data["message_id"] == 9 and "photo" not in display.data
        later = NOW + timedelta(days=1)
        await db.write(
            lambda tx: forms.save(tx, 1, FormKind.CODE_DISPLAY, {"x": 1}, later, session_id=13)
        )
        assert {f.session_id for f in await forms.of_kind(db, FormKind.CODE_DISPLAY)} == {12, 13}
    finally:
        await db.close()
