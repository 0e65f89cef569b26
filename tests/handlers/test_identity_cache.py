"""The identity cache (storage/identities.py) through the real Application: what another
process changes, and what a write checks for itself, whatever the cache holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.config import Config
from bot.importer.model import ClassPlan
from handlers.checkin import flows
from storage import attendance, sessions
from storage.db import Database
from tests.checkin.support import plain_trainees, trainee
from tests.harness import BotHarness, person_id, session_id


def another_process(path: Path, sql: str, params: tuple[object, ...] = ()) -> None:
    """Write as the CLI would: its own connection to the file, committed at once."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


async def test_a_role_taken_away_by_another_process_counts_at_the_next_update(
    bot: BotHarness, example_class: ClassPlan, db: Database, config: Config
) -> None:
    user = await trainee(bot, example_class, language_code="en")
    await user.says("/help")  # the cache now holds this person
    pid = await person_id(db, user)
    another_process(config.db_path, "UPDATE memberships SET active = 0 WHERE person_id = ?", (pid,))
    [reply] = await user.says("/checkin")
    assert reply.text.startswith("Only trainees check in")
    assert await db.fetchone("SELECT 1 FROM attendance") is None


async def test_a_binding_made_by_another_process_counts_at_the_next_update(
    bot: BotHarness, example_class: ClassPlan, db: Database, config: Config
) -> None:
    stranger = bot.person(language_code="en")
    [reply] = await stranger.says("/checkin")
    assert "not bound" in reply.text
    phone = plain_trainees(example_class)[0].phone
    another_process(
        config.db_path,
        "UPDATE people SET telegram_user_id = ?, locale = 'en' WHERE phone = ?",
        (stranger.id, phone),
    )
    [reply] = await stranger.says("/checkin")
    assert reply.text.startswith("Type the 6-digit code")  # the example class wants a code


async def test_a_class_renamed_by_another_process_shows_at_the_next_update(
    bot: BotHarness, example_class: ClassPlan, config: Config
) -> None:
    user = await trainee(bot, example_class, language_code="en")
    [before] = await user.says("/help")
    assert example_class.name in before.text
    another_process(config.db_path, "UPDATE classes SET name = 'Renamed class'")
    [after] = await user.says("/help")
    assert "Renamed class" in after.text and example_class.name not in after.text


async def test_the_checkin_write_checks_the_role_itself(
    bot: BotHarness, example_class: ClassPlan, db: Database, clock: object
) -> None:
    user = await trainee(bot, example_class)
    pid = await person_id(db, user)
    session = await sessions.by_id(db, await session_id(db))
    assert session is not None
    # The role goes between the handler's look and the write: the write refuses.
    await db.write(
        lambda tx: tx.execute("UPDATE memberships SET active = 0 WHERE person_id = ?", (pid,))
    )
    now = session.starts_at
    recorded, row = await db.write_in_thread(
        lambda tx: flows.check_in(tx, bot.app.bot_data, session, pid, now, "none")
    )
    assert (recorded, row) == (False, None)
    assert await attendance.record_of(db, session.id, pid) is None
