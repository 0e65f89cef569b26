"""``trainee-bot sandbox --keep``: the local server continues where the last run stopped.

The bot's database survives a restart, but the local Bot API server's chats lived in
memory: a fresh server numbered updates from 1 again (the bot took them for updates it had
handled: "这条消息已经处理过了") and knew no chat (every message the bot started itself:
"chat not found"). So the server's chats, files, numbering and the clock's lead are written
next to the database (``<db>-chats.json``) while it runs and when it stops, and read back by
``--keep``; the database's own last update id and bound people are a floor under them, so
even without the file nothing is numbered twice and every bound person can be written to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock, MovableClock
from bot.testing import FakeTelegram
from storage import outbox, people, updates
from storage.db import Database

_LOGGER = logging.getLogger(__name__)
SAVE_EVERY = 3.0  # seconds between saves while something changed


def chats_path(db_path: Path) -> Path:
    """Where the server's chats are kept, beside the database."""
    return Path(f"{db_path}-chats.json")


def load(path: Path) -> dict[str, Any] | None:
    """The kept state, or None when there is none or it cannot be read (said in the log)."""
    try:
        state = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        _LOGGER.warning(
            "the kept chats in %s cannot be read (%s); starting them afresh", path, error
        )
        return None
    return state if isinstance(state, dict) else None


def save(path: Path, telegram: FakeTelegram, clock: Clock) -> None:
    """Write the server's state atomically (a crash mid-write leaves the previous file)."""
    state = telegram.export_state()
    if isinstance(clock, MovableClock):
        state["clock_ahead_seconds"] = clock.offset.total_seconds()
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
    os.replace(temporary, path)


def restore_clock(state: dict[str, Any] | None, clock: Clock) -> None:
    """Put a movable clock as far ahead as it was: the kept records are in its time."""
    if state and isinstance(clock, MovableClock):
        ahead = float(state.get("clock_ahead_seconds", 0) or 0)
        if ahead > 0:
            clock.move_to(clock.now() + timedelta(seconds=ahead))


async def restore(telegram: FakeTelegram, state: dict[str, Any] | None, db_path: Path) -> int:
    """Continue the kept chats and numbering; open the chat of every bound person.
    Returns how many bound people's chats are open."""
    if state:
        telegram.import_state(state)
    db = await Database.open(db_path)
    try:
        telegram.continue_numbering(await updates.last_id(db))
        bound = await people.bound_user_ids(db)
        sent = await outbox.last_message_ids(db)
    finally:
        await db.close()
    opened = 0
    for user_id in bound:
        with contextlib.suppress(ValueError):  # not a persona of this demo: no Telegram user
            telegram.open_chat(user_id, sent.get(user_id, 0))
            opened += 1
    return opened
