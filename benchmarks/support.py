"""What the outbox benchmark and the reminders tests both build: a school written straight to
the database, and the sandbox's Bot API server around a FakeTelegram.

Benchmarks never import tests; the tests import these from here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.testing import FakeTelegram
from storage.db import Database, Tx
from storage.times import to_db

if TYPE_CHECKING:
    from aiohttp import web

# The bot token the Bot API double and the bot process agree on (never a real one).
TOKEN = "123456:TEST-token_for_tests_only"


async def add_people(
    db: Database, telegram: FakeTelegram, count: int, now: datetime, *, first_user: int = 50_000
) -> list[tuple[int, int]]:
    """Create ``count`` bound people (and their Telegram users); [(person id, user id)]."""
    for n in range(count):
        telegram.add_user(first_user + n, f"P{n}")
        telegram._user_chat(first_user + n)

    async def op(tx: Tx) -> list[tuple[int, int]]:
        made = []
        for n in range(count):
            user_id = first_user + n
            person_id = await tx.insert(
                "INSERT INTO people (name, phone, invite_code, telegram_user_id, locale,"
                " bound_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'zh', ?, ?, ?)",
                (f"P{n}", f"1990000{user_id}", f"inv{user_id}", user_id, *[to_db(now)] * 3),
            )
            made.append((person_id, user_id))
        return made

    return await db.write(op)


async def make_class(
    db: Database,
    *,
    name: str,
    timezone: str,
    sessions: list[tuple[datetime, datetime]],
    trainees: int,
    now: datetime,
    telegram: FakeTelegram,
    first_user: int = 70_000,
) -> tuple[int, list[int], list[tuple[int, int]]]:
    """A class written straight to the database: (class id, session ids, trainees)."""
    people = await add_people(db, telegram, trainees, now, first_user=first_user)

    async def op(tx: Tx) -> tuple[int, list[int]]:
        class_id = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, settings, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, '{}', ?, ?)",
            (
                name,
                sessions[0][0].date().isoformat(),
                sessions[-1][1].date().isoformat(),
                timezone,
                to_db(now),
                to_db(now),
            ),
        )
        ids = []
        for n, (start, end) in enumerate(sessions):
            ids.append(
                await tx.insert(
                    "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at,"
                    " location, hours, secret, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, 'Hall', 1.5, 's', ?, ?)",
                    (
                        class_id,
                        f"X{n}",
                        f"Lecture {n}",
                        to_db(start),
                        to_db(end),
                        to_db(now),
                        to_db(now),
                    ),
                )
            )
        await tx.executemany(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'trainee')",
            [(class_id, pid) for pid, _ in people],
        )
        return class_id, ids

    class_id, ids = await db.write(op)
    return class_id, ids, people


async def serve_fake(telegram: FakeTelegram) -> tuple[web.AppRunner, str]:
    """The sandbox's Bot API server around this FakeTelegram on a free port: (runner, url)."""
    from aiohttp import web

    from bot.sandbox.demo import build_demo
    from bot.sandbox.server import build_app
    from bot.sandbox.state import Sandbox

    sandbox = Sandbox(telegram, build_demo(datetime(2026, 12, 7, tzinfo=UTC)))
    runner = web.AppRunner(build_app(sandbox), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"
