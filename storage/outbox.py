"""The outbox: every message the bot sends on its own initiative, queued before it is sent.

A feature calls ``enqueue`` inside the transaction of the change that causes the message,
under an idempotency key that names the cause (``remind:session:42:person:7``): however
often the cause is processed, the message is queued once. bot/outbox.py drains the queue.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Queryable, Topic, Tx
from storage.times import from_db, to_db


@dataclass(frozen=True)
class OutboxRow:
    """One queued Bot API call."""

    id: int
    key: str
    chat_id: int
    person_id: int | None
    method: str
    payload: dict[str, Any]
    not_before: datetime
    attempts: int
    person_unreachable: bool = False  # Telegram said 403 before: park without a call


async def enqueue(
    tx: Tx,
    *,
    key: str,
    chat_id: int,
    payload: Mapping[str, Any],
    now: datetime,
    person_id: int | None = None,
    method: str = "sendMessage",
    not_before: datetime | None = None,
) -> bool:
    """Queue a Bot API call (``payload`` without chat_id); False if the key was queued before.

    Once the write commits, the sender is woken (``Topic.OUTBOX``).
    """
    tx.changed(Topic.OUTBOX)
    cursor = await tx.execute(
        "INSERT INTO outbox (idempotency_key, chat_id, person_id, method, not_before,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
        (key, chat_id, person_id, method, to_db(not_before or now), to_db(now)),
    )
    if cursor.rowcount != 1:
        return False
    await tx.execute(
        "INSERT INTO outbox_payloads (outbox_id, payload) VALUES (?, ?)",
        (cursor.lastrowid, json.dumps(dict(payload), ensure_ascii=False)),
    )
    return True


async def enqueue_many(tx: Tx, rows: Sequence[Mapping[str, Any]], *, now: datetime) -> int:
    """Queue many calls at once (dicts with the keyword arguments of ``enqueue``); new ones."""
    tx.changed(Topic.OUTBOX)
    # Row ids only grow (max + 1), so the rows this call adds are those above today's max:
    # a key queued before keeps its row, and gets no payload back.
    top = await tx.fetchone("SELECT coalesce(max(id), 0) FROM outbox")
    await tx.executemany(
        "INSERT INTO outbox (idempotency_key, chat_id, person_id, method, not_before,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
        [
            (
                row["key"],
                row["chat_id"],
                row.get("person_id"),
                row.get("method", "sendMessage"),
                to_db(row.get("not_before") or now),
                to_db(now),
            )
            for row in rows
        ],
    )
    before = await tx.fetchone("SELECT total_changes()")
    await tx.executemany(
        "INSERT OR IGNORE INTO outbox_payloads (outbox_id, payload)"  # a key twice: the first
        " SELECT id, ? FROM outbox WHERE idempotency_key = ? AND id > ?",
        [
            (json.dumps(dict(row["payload"]), ensure_ascii=False), row["key"], top[0] if top else 0)
            for row in rows
        ],
    )
    after = await tx.fetchone("SELECT total_changes()")
    return int(after[0]) - int(before[0]) if before and after else 0


async def due(db: Queryable, now: datetime, limit: int = 500) -> list[OutboxRow]:
    """Pending calls whose time has come, in the order they were queued.

    A chat with a row waiting for a retry (pending, failed before, not due yet) gets
    nothing until that row is sent, so one person's messages never overtake each other.
    """
    at = to_db(now)
    rows = await db.fetchall(
        "SELECT o.id, o.idempotency_key, o.chat_id, o.person_id, o.method,"
        " coalesce(pl.payload, '{}'), o.not_before, o.attempts, p.unreachable_at IS NOT NULL"
        " FROM outbox o LEFT JOIN outbox_payloads pl ON pl.outbox_id = o.id"
        " LEFT JOIN people p ON p.id = o.person_id"
        " WHERE o.status = 'pending' AND o.not_before <= ?"
        " AND o.chat_id NOT IN (SELECT chat_id FROM outbox WHERE status = 'pending'"
        " AND not_before > ? AND last_error IS NOT NULL)"
        " ORDER BY o.id LIMIT ?",
        (at, at, limit),
    )
    return [
        OutboxRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), from_db(r[6]), r[7], bool(r[8]))
        for r in rows
    ]


async def next_due_at(db: Queryable) -> datetime | None:
    """When the earliest pending call becomes due, None if nothing is pending."""
    row = await db.fetchone("SELECT min(not_before) FROM outbox WHERE status = 'pending'")
    return from_db(row[0]) if row and row[0] else None


async def mark_sent_many(tx: Tx, results: Mapping[int, tuple[int | None, datetime]]) -> None:
    """Record many calls Telegram accepted: row id -> (message id, when sent).

    Whatever the row's status says now: a card dropped while its send was in flight was
    sent all the same, and the edit that closes it needs its message id. The payload goes
    (a trigger of migration 0005 deletes it when the status leaves 'pending'): the message
    is in the chat now, and the row only needs its key (so it is never queued again), its
    status and its message id (so it can be edited).
    """
    await tx.executemany(
        "UPDATE outbox SET status = 'sent', attempts = attempts + 1, telegram_message_id = ?,"
        " sent_at = ? WHERE id = ?",
        [(message_id, to_db(at), row_id) for row_id, (message_id, at) in results.items()],
    )


async def sent_message(db: Queryable, outbox_id: int) -> int | str | None:
    """The message id a row's call made; "pending" while it may still be sent; else None."""
    row = await db.fetchone(
        "SELECT status, telegram_message_id FROM outbox WHERE id = ?", (outbox_id,)
    )
    if row is None:
        return None
    if row[0] == "pending":
        return "pending"
    return int(row[1]) if row[0] == "sent" and row[1] is not None else None


async def mark_failed(tx: Tx, outbox_id: int, status: str, error: str) -> None:
    """Park a call that must not be retried: 'failed' (400), 'unreachable' (403), 'dropped'."""
    await tx.execute(
        "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        (status, error[:1000], outbox_id),
    )


async def retry_later(tx: Tx, outbox_id: int, not_before: datetime, error: str) -> None:
    """Leave a call pending, to be tried again at not_before."""
    await tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ? WHERE id = ?",
        (error[:1000], to_db(not_before), outbox_id),
    )


async def park_unreachable(tx: Tx, chat_id: int, person_id: int | None, now: datetime) -> None:
    """Telegram said 403: mark the person unreachable and park what is pending for them."""
    await tx.execute(
        "UPDATE outbox SET status = 'unreachable', last_error = 'recipient unreachable'"
        " WHERE status = 'pending' AND (chat_id = ? OR person_id = ?)",
        (chat_id, person_id),
    )
    if person_id is not None:
        await tx.execute(
            "UPDATE people SET unreachable_at = coalesce(unreachable_at, ?) WHERE id = ?",
            (to_db(now), person_id),
        )


async def is_unreachable(db: Queryable, person_id: int) -> bool:
    """True while Telegram's last answer for this person was 403."""
    row = await db.fetchone("SELECT unreachable_at FROM people WHERE id = ?", (person_id,))
    return bool(row and row[0])


async def counts(db: Queryable, key_prefix: str | None = None) -> dict[str, int]:
    """How many rows are in each status (of the keys starting with key_prefix)."""
    if key_prefix is None:
        rows = await db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
    else:
        rows = await db.fetchall(
            "SELECT status, count(*) FROM outbox WHERE idempotency_key >= ?"
            " AND idempotency_key < ? GROUP BY status",
            (key_prefix, key_prefix + "\uffff"),
        )
    return {r[0]: r[1] for r in rows}


async def by_prefix(db: Queryable, key_prefix: str) -> list[tuple[int | None, str]]:
    """(person id, status) of every row whose key starts with key_prefix."""
    rows = await db.fetchall(
        "SELECT person_id, status FROM outbox WHERE idempotency_key >= ? AND idempotency_key < ?",
        (key_prefix, key_prefix + "\uffff"),
    )
    return [(r[0], r[1]) for r in rows]


async def statuses(db: Queryable, keys: Sequence[str]) -> dict[str, str]:
    """The status of each queued key (for reports such as an announcement's reach)."""
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    rows = await db.fetchall(
        f"SELECT idempotency_key, status FROM outbox WHERE idempotency_key IN ({marks})",
        tuple(keys),
    )
    return {r[0]: r[1] for r in rows}


async def unreached_names(db: Queryable, key_prefix: str) -> list[str]:
    """Names of the people rows under this key prefix could not reach (blocked, refused)."""
    rows = await db.fetchall(
        "SELECT p.name FROM outbox o JOIN people p ON p.id = o.person_id"
        " WHERE o.idempotency_key >= ? AND o.idempotency_key < ?"
        " AND o.status IN ('unreachable', 'failed') ORDER BY p.name",
        (key_prefix, key_prefix + "\uffff"),
    )
    return [r[0] for r in rows]


# Rows kept past the retention: what a feature reads back long after it was sent (the
# over-limit notices a later decision edits, the cancellation a restored session undoes).
_KEPT = ("leave:limit:%", "cancelled:session:%")


async def prune(tx: Tx, before: datetime, *, at_most: int) -> int:
    """Delete rows done with (sent, failed, unreachable, dropped) before ``before``, at most
    ``at_most`` of them (a short write: the caller repeats); how many.

    Their keys were what kept a message from being queued twice; every job that could queue
    one again is long past its useful time by then (the retention is longer than any).
    """
    kept = " AND ".join("idempotency_key NOT LIKE ?" for _ in _KEPT)
    cursor = await tx.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status != 'pending'"
        f" AND coalesce(sent_at, created_at) < ? AND {kept} LIMIT ?)",
        (to_db(before), *_KEPT, at_most),
    )
    return cursor.rowcount


async def last_message_ids(db: Queryable) -> dict[int, int]:
    """The highest message id the bot was given in each chat (a restarted local server
    numbers after it)."""
    rows = await db.fetchall(
        "SELECT chat_id, max(telegram_message_id) FROM outbox"
        " WHERE telegram_message_id IS NOT NULL GROUP BY chat_id"
    )
    return {int(r[0]): int(r[1]) for r in rows}
