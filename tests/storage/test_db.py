"""The storage core against a real SQLite file: migrations, the write door, the reader."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, Topic, Tx, bundled_migrations, pending_migrations


async def test_open_applies_migrations_once_and_records_them(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await db.close()
    db = await Database.open(path)  # a second start applies nothing again
    try:
        rows = await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r[0] for r in rows] == [m.version for m in bundled_migrations()]
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode[0] == "wal"
        fk = await db.fetchone("PRAGMA foreign_keys")
        assert fk[0] == 1
    finally:
        await db.close()
    assert await pending_migrations(path) == []


async def test_pending_migrations_of_a_new_file_are_all(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    assert [m.version for m in await pending_migrations(path)] == [
        m.version for m in bundled_migrations()
    ]


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await db.write(
        lambda tx: tx.execute(
            "INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00Z')"
        )
    )
    await db.close()
    with pytest.raises(RuntimeError, match="newer trainee-bot"):
        await Database.open(path)


async def test_failing_write_rolls_back_alone_and_others_in_its_batch_commit(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:

        def add(name: str, fail: bool = False):
            async def op(tx: Tx) -> None:
                await tx.execute(
                    "INSERT INTO classes (name, start_date, end_date, timezone, created_at,"
                    " updated_at) VALUES (?, '2026-01-01', '2026-01-02', 'UTC', 'x', 'x')",
                    (name,),
                )
                if fail:
                    raise ValueError("boom")

            return op

        results = await asyncio.gather(
            db.write(add("a")),
            db.write(add("b", fail=True)),
            db.write(add("c")),
            return_exceptions=True,
        )
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], ValueError)
        names = [r[0] for r in await db.fetchall("SELECT name FROM classes ORDER BY name")]
        assert names == ["a", "c"]
        # The three writes waited together, so they shared one commit.
        assert db.commits == 1
    finally:
        await db.close()


async def test_reader_never_sees_a_write_before_its_commit(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    inside = asyncio.Event()
    release = asyncio.Event()
    try:

        async def slow(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO classes (name, start_date, end_date, timezone, created_at,"
                " updated_at) VALUES ('x', '2026-01-01', '2026-01-02', 'UTC', 'x', 'x')"
            )
            inside.set()
            await release.wait()  # a test-only pause inside the transaction

        task = asyncio.create_task(db.write(slow))
        await inside.wait()
        assert await db.fetchone("SELECT name FROM classes") is None
        release.set()
        await task
        assert (await db.fetchone("SELECT name FROM classes"))[0] == "x"
    finally:
        await db.close()


async def test_writes_are_serialised_not_interleaved(tmp_path: Path) -> None:
    """Two read-modify-write ops never lose an update (the shared-connection trap)."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await db.write(
            lambda tx: tx.execute(
                "INSERT INTO processed_updates (update_id, processed_at) VALUES (0, '0')"
            )
        )

        async def bump(tx: Tx) -> None:
            row = await tx.fetchone("SELECT processed_at FROM processed_updates WHERE update_id=0")
            await asyncio.sleep(0)  # yield mid-transaction, as real handlers do on I/O
            await tx.execute(
                "UPDATE processed_updates SET processed_at = ? WHERE update_id = 0",
                (str(int(row[0]) + 1),),
            )

        await asyncio.gather(*(db.write(bump) for _ in range(50)))
        row = await db.fetchone("SELECT processed_at FROM processed_updates WHERE update_id = 0")
        assert row[0] == "50"
    finally:
        await db.close()


async def test_write_after_close_is_refused(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    await db.close()
    with pytest.raises(RuntimeError, match="closed"):
        await db.write(lambda tx: tx.execute("SELECT 1"))


async def test_both_connections_wait_when_busy_use_wal_and_check_foreign_keys(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    pragmas = ("busy_timeout", "journal_mode", "foreign_keys", "synchronous")

    async def read_pragmas(source: Tx | Database) -> dict[str, object]:
        return {name: (await source.fetchone(f"PRAGMA {name}"))[0] for name in pragmas}

    try:
        expected = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}  # 2: FULL
        writer, reader = await db.write(read_pragmas), await read_pragmas(db)
        # Another process (the CLI's import, a backup) may hold the lock for a moment.
        waits = {writer.pop("busy_timeout"), reader.pop("busy_timeout")}
        assert len(waits) == 1 and min(waits) >= 1000
        assert writer == expected and reader == expected
        # And the writer really refuses a row that points at nothing.
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(
                lambda tx: tx.execute(
                    "INSERT INTO memberships (class_id, person_id, role, active)"
                    " VALUES (999, 999, 'trainee', 1)"
                )
            )
    finally:
        await db.close()


async def test_after_commit_listeners_run_once_per_write_that_changed_their_topic(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    heard: list[str] = []
    seen_committed: list[int] = []

    async def replan() -> None:  # an async listener is awaited before write() returns
        row = await db.fetchone("SELECT count(*) FROM forms")  # the reader sees the commit
        seen_committed.append(row[0])
        heard.append("plans")

    db.on_commit(Topic.OUTBOX, lambda: heard.append("outbox"))
    db.on_commit(Topic.PLANS, replan)
    try:

        def change(*topics: Topic, fail: bool = False):
            async def op(tx: Tx) -> None:
                await tx.execute(
                    "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
                    " VALUES ('x', ?, ?, 't', 't')",
                    (str(len(heard)) + str(topics), str(topics) + str(fail)),
                )
                await tx.execute(
                    "INSERT INTO forms (person_id, kind, data, updated_at)"
                    " VALUES (last_insert_rowid(), 'leave', '{}', 't')"
                )
                for topic in topics:
                    tx.changed(topic)
                if fail:
                    raise ValueError("this write fails: its topics with it")

            return op

        await db.write(change(Topic.PLANS, Topic.OUTBOX, Topic.OUTBOX))
        assert heard == ["outbox", "plans"] and seen_committed == [1]
        await db.write(change())
        assert heard == ["outbox", "plans"]  # nothing said: nothing run
        # Two writes in one batch, one failing: only the committed one's listener runs.
        results = await asyncio.gather(
            db.write(change(Topic.OUTBOX, fail=True)),
            db.write(change(Topic.PLANS)),
            return_exceptions=True,
        )
        assert isinstance(results[0], ValueError) and results[1] is None
        assert heard == ["outbox", "plans", "plans"]

        def broken() -> None:
            raise RuntimeError("a listener that fails")

        db.off_commit(Topic.OUTBOX, db._listeners[Topic.OUTBOX][0])
        db.on_commit(Topic.OUTBOX, broken)
        with caplog.at_level("ERROR"):
            await db.write(change(Topic.OUTBOX))  # committed all the same, and logged
        assert "after-commit listener of outbox failed" in caplog.text
        row = await db.fetchone("SELECT count(*) FROM forms")
        assert row[0] == 4
    finally:
        await db.close()
