"""The one forms store, against a real SQLite file: every kind, per person, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import forms
from storage.db import Database, Tx
from storage.forms import FormKind

NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


async def _person(db: Database, phone: str) -> int:
    async def op(tx: Tx) -> int:
        return await tx.insert(
            "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
            " VALUES ('某人', ?, ?, 't', 't')",
            (phone, "code" + phone),
        )

    return await db.write(op)


async def test_forms_are_kept_per_person_kind_and_rating_session(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    one, two = await _person(db, "13800000001"), await _person(db, "13800000002")

    async def fill(tx: Tx) -> None:
        await forms.save(tx, one, FormKind.LEAVE, {"step": "pick"}, NOW)
        await forms.save(tx, one, FormKind.RATING, {"scores": {}}, NOW, session_id=7)
        await forms.save(tx, one, FormKind.RATING, {"scores": {"a": 5}}, NOW, session_id=8)
        await forms.save(tx, two, FormKind.LEAVE, {"step": "reason"}, NOW)
        # A kind this release does not know (written by a newer one): left alone.
        await tx.execute(
            "INSERT INTO forms (person_id, kind, data, updated_at) VALUES (?, 'future', '{}', 't')",
            (one,),
        )

    await db.write(fill)
    await db.close()
    db = await Database.open(path)  # a restart: nothing was in memory
    try:
        assert await forms.get(db, one, FormKind.LEAVE) == {"step": "pick"}
        assert await forms.get(db, one, FormKind.RATING, session_id=8) == {"scores": {"a": 5}}
        mine = await forms.of_person(db, one)
        assert [(f.kind, f.session_id) for f in mine] == [
            (FormKind.LEAVE, None),
            (FormKind.RATING, 7),
            (FormKind.RATING, 8),
        ]
        assert {f.person_id for f in await forms.of_kind(db, FormKind.LEAVE)} == {one, two}
        assert {f.session_id for f in await forms.of_kind(db, FormKind.RATING)} == {7, 8}
        later = NOW + timedelta(seconds=1)
        assert await forms.get(db, one, FormKind.LEAVE, since=later) is None
        assert await db.write(lambda tx: forms.drop(tx, one, FormKind.LEAVE)) is True
        assert await db.write(lambda tx: forms.drop(tx, one, FormKind.LEAVE)) is False
        await db.write(lambda tx: forms.drop_of_session(tx, 7))
        assert [f.session_id for f in await forms.of_person(db, one)] == [8]
        assert await forms.get(db, two, FormKind.LEAVE) == {"step": "reason"}
    finally:
        await db.close()
