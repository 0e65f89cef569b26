"""Upkeep keeps a running bot's database bounded and backed up."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Config
from bot.upkeep import backup_name, tidy
from storage import outbox
from storage.db import Database, Tx
from storage.times import to_db

NOW = datetime(2026, 12, 20, 4, 0, tzinfo=UTC)


async def _rows(db: Database) -> None:
    """Outbox rows of every kind and age, and processed updates old and new."""

    async def op(tx: Tx) -> None:
        rows = []
        for n in range(3000):  # a busy month, sent long ago
            rows.append((f"remind:old:{n}", "sent", NOW - timedelta(days=20)))
        rows += [
            ("remind:recent", "sent", NOW - timedelta(days=3)),
            ("failed:old", "failed", NOW - timedelta(days=20)),
            ("pending:old", "pending", NOW - timedelta(days=20)),
            ("leave:limit:1:person:2:100:staff:to:3", "sent", NOW - timedelta(days=60)),
            ("cancelled:session:5:import:9:person:2", "sent", NOW - timedelta(days=60)),
        ]
        await tx.executemany(
            "INSERT INTO outbox (idempotency_key, chat_id, not_before, status,"
            " created_at, sent_at) VALUES (?, 1, ?, ?, ?, ?)",
            [(k, to_db(at), s, to_db(at), to_db(at) if s == "sent" else None) for k, s, at in rows],
        )
        await tx.executemany(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
            [(1, to_db(NOW - timedelta(days=3))), (2, to_db(NOW - timedelta(hours=3)))],
        )

    await db.write(op)


async def test_tidy_prunes_what_no_one_needs_and_gives_the_space_back(
    db: Database, config: Config
) -> None:
    await _rows(db)
    done = await tidy(db, config, NOW)
    assert done.outbox_rows == 3001 and done.updates == 1 and done.pages > 0
    keys = {r[0] for r in await db.fetchall("SELECT idempotency_key FROM outbox")}
    assert keys == {
        "remind:recent",  # within the retention
        "pending:old",  # never pruned while it waits
        "leave:limit:1:person:2:100:staff:to:3",  # a later decision edits it
        "cancelled:session:5:import:9:person:2",  # a restored session undoes it
    }
    assert [r[0] for r in await db.fetchall("SELECT update_id FROM processed_updates")] == [2]
    again = await tidy(db, config, NOW)
    assert (again.outbox_rows, again.updates) == (0, 0)


async def test_one_backup_a_day_and_only_the_last_ones_kept(
    db: Database, config: Config, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    config = replace(config, backup_dir=folder, backup_keep=2)
    first = await tidy(db, config, NOW)
    assert first.backup == folder / backup_name(NOW.date())
    assert os.stat(first.backup).st_mode & 0o077 == 0
    assert (await tidy(db, config, NOW + timedelta(hours=1))).backup is None  # made today
    for day in (1, 2, 3):
        await tidy(db, config, NOW + timedelta(days=day))
    names = sorted(p.name for p in folder.iterdir())
    assert names == [backup_name((NOW + timedelta(days=d)).date()) for d in (2, 3)]


async def test_a_sent_call_keeps_no_payload_and_its_pages_come_back(db: Database) -> None:
    """Sending a day's messages and reclaiming leaves the file near its size before them.

    A payload shrunk in place (as before migration 0005) would leave its pages mostly
    empty and the file as big as at its peak.
    """

    async def pages() -> int:  # the database's size, WAL included
        return int((await db.fetchone("PRAGMA page_count"))[0])

    await db.reclaim()
    empty = await pages()
    rows = [
        {"key": f"remind:{n}", "chat_id": n, "payload": {"text": "提醒" * 300}} for n in range(2000)
    ]

    async def queue(tx: Tx) -> int:
        return await outbox.enqueue_many(tx, rows, now=NOW)

    assert await db.write(queue) == 2000
    peak = await pages()
    due = await outbox.due(db, NOW, limit=5000)
    assert len(due) == 2000 and due[0].payload["text"].startswith("提醒")

    async def sent(tx: Tx) -> None:
        await outbox.mark_sent_many(tx, {row.id: (row.id, NOW) for row in due})

    await db.write(sent)
    assert (await db.fetchone("SELECT count(*) FROM outbox_payloads"))[0] == 0
    await db.reclaim()
    after = await pages()
    assert peak - empty > 700  # pages of 4 KiB
    assert after - empty < (peak - empty) / 5, (empty, peak, after)
