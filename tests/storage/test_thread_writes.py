"""Thread writes (``Database.write_in_thread``): a batch in one hop, one commit, and the same
promises as async writes (isolation of a failing write, topics, an async rest)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from storage.db import Database, SyncTx, Then, Topic, Tx

_INSERT = (
    "INSERT INTO classes (name, start_date, end_date, timezone, created_at, updated_at)"
    " VALUES (?, '2026-01-01', '2026-01-02', 'UTC', 'x', 'x')"
)


def add(name: str, *, fail: bool = False, topic: Topic | None = None) -> Callable[[SyncTx], str]:
    """A thread write adding a class; it raises after its insert if ``fail``."""

    def op(tx: SyncTx) -> str:
        tx.execute(_INSERT, (name,))
        if topic is not None:
            tx.changed(topic)
        if fail:
            raise ValueError("boom")
        return name

    return op


async def names(db: Database) -> list[str]:
    return [r[0] for r in await db.fetchall("SELECT name FROM classes ORDER BY name")]


async def test_thread_writes_waiting_together_share_one_commit_and_one_hop(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    hops = 0
    try:
        conn = db._writer  # counting the functions queued to SQLite's thread
        original = conn._execute

        async def counting(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal hops
            hops += 1
            return await original(fn, *args, **kwargs)

        conn._execute = counting  # type: ignore[method-assign]
        results = await asyncio.gather(*(db.write_in_thread(add(f"c{n:02}")) for n in range(20)))
        assert results == [f"c{n:02}" for n in range(20)]
        assert db.commits == 1
        assert hops == 1  # BEGIN, twenty writes and COMMIT: one function in the thread
        assert await names(db) == [f"c{n:02}" for n in range(20)]
    finally:
        await db.close()


async def test_a_failing_thread_write_rolls_back_alone(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        results = await asyncio.gather(
            db.write_in_thread(add("a")),
            db.write_in_thread(add("b", fail=True)),
            db.write(lambda tx: tx.execute(_INSERT, ("c",))),
            db.write_in_thread(add("d")),
            return_exceptions=True,
        )
        assert isinstance(results[1], ValueError)
        assert await names(db) == ["a", "c", "d"]
        assert db.commits == 1
    finally:
        await db.close()


async def test_then_runs_the_async_rest_in_the_same_transaction_before_the_next_write(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    order: list[str] = []
    try:

        def first(tx: SyncTx) -> Then[int]:
            tx.execute(_INSERT, ("first",))
            order.append("first")

            async def rest(atx: Tx) -> int:
                order.append("rest")
                await atx.execute(_INSERT, ("rest",))
                atx.changed(Topic.PLANS)
                row = await atx.fetchone("SELECT count(*) FROM classes")
                return int(row[0])

            return Then(rest)

        def second(tx: SyncTx) -> None:
            order.append("second")
            tx.execute(_INSERT, ("second",))

        heard: list[Topic] = []
        db.on_commit(Topic.PLANS, lambda: heard.append(Topic.PLANS))
        counted, _ = await asyncio.gather(db.write_in_thread(first), db.write_in_thread(second))
        assert counted == 2  # the rest saw its own write and the thread part's
        assert order == ["first", "rest", "second"]
        assert heard == [Topic.PLANS]
        assert await names(db) == ["first", "rest", "second"]
        assert db.commits == 1
    finally:
        await db.close()


async def test_a_failing_async_rest_rolls_back_its_thread_part_too(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:

        def first(tx: SyncTx) -> Then[None]:
            tx.execute(_INSERT, ("first",))

            async def rest(atx: Tx) -> None:
                await atx.execute(_INSERT, ("rest",))
                raise ValueError("boom")

            return Then(rest)

        results = await asyncio.gather(
            db.write_in_thread(add("a")),
            db.write_in_thread(first),
            db.write_in_thread(add("z", topic=Topic.OUTBOX)),
            return_exceptions=True,
        )
        assert results[0] == "a" and results[2] == "z"
        assert isinstance(results[1], ValueError)
        assert await names(db) == ["a", "z"]
    finally:
        await db.close()
