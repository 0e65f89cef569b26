"""Telegram updates whose effects are committed, so a redelivery changes nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Queryable, Tx
from storage.times import to_db


async def claim(tx: Tx, update_id: int, now: datetime) -> bool:
    """Record an update as processed inside the transaction of its effects.

    Returns False when it was processed before: the caller then changes nothing.
    """
    cursor = await tx.execute(
        "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
        (update_id, to_db(now)),
    )
    return cursor.rowcount == 1


async def was_processed(db: Queryable, update_id: int) -> bool:
    """Whether an update's effects were committed before (a redelivery)."""
    row = await db.fetchone("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
    return row is not None


async def forget_older_than(tx: Tx, now: datetime, age: timedelta) -> int:
    """Drop old entries: Telegram keeps undelivered updates for 24 hours at most."""
    cursor = await tx.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(now - age),)
    )
    return cursor.rowcount


async def last_id(db: Queryable) -> int:
    """The highest update id processed (0 if none): a restarted local server continues after it."""
    row = await db.fetchone("SELECT max(update_id) FROM processed_updates")
    return int(row[0] or 0) if row else 0
