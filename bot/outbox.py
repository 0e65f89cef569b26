"""Draining the outbox: send what is due, record what Telegram said, never lose a row.

This first version sends in order, one call at a time, and is what tests drive through
``flush()``. The reminders issue replaces its pacing (per-chat and overall limits, group
commits of the results) behind the same interface: ``wake()``, ``flush()``, ``start()``,
``stop()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from storage import outbox
from storage.db import Database, Tx
from storage.times import to_db

_LOGGER = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0  # another process (the CLI import) may queue rows too


def message(
    text: str,
    *,
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    protect_content: bool = False,
) -> dict[str, Any]:
    """The payload of a sendMessage call for the outbox (rendered HTML text)."""
    payload: dict[str, Any] = {"text": text, "parse_mode": ParseMode.HTML}
    if keyboard is not None:
        payload["reply_markup"] = keyboard.to_dict()
    if protect_content:
        payload["protect_content"] = True
    return payload


class Outbox:
    """Sends queued calls through the bot; one instance per Application."""

    def __init__(self, bot: Bot, db: Database, clock: Clock) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Tell the sender that rows were queued (after the queuing transaction commits)."""
        self._wake.set()

    async def flush(self) -> int:
        """Send every row due now; return how many calls were made."""
        made = 0
        while rows := await outbox.due(self._db, self._clock.now()):
            for row in rows:
                await self._send(row)
                made += 1
        return made

    async def _send(self, row: outbox.OutboxRow) -> None:
        params: Mapping[str, Any] = {"chat_id": row.chat_id, **row.payload}
        try:
            result = await self._bot.do_api_request(row.method, api_kwargs=dict(params))
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            await self._db.write(
                lambda tx: outbox.retry_later(
                    tx, row.id, self._clock.now() + timedelta(seconds=wait), "429"
                )
            )
        except Forbidden as error:
            reason = str(error)
            await self._db.write(lambda tx: self._unreachable(tx, row, reason))
        except BadRequest as error:
            reason = str(error)
            _LOGGER.error("outbox row %s refused by Telegram: %s", row.id, reason)
            await self._db.write(lambda tx: outbox.mark_failed(tx, row.id, "failed", reason))
        except (NetworkError, TelegramError) as error:
            reason = str(error)
            backoff = min(300, 2 ** min(row.attempts, 8))
            await self._db.write(
                lambda tx: outbox.retry_later(
                    tx, row.id, self._clock.now() + timedelta(seconds=backoff), reason
                )
            )
        else:
            message_id = result.get("message_id") if isinstance(result, dict) else None
            await self._db.write(
                lambda tx: outbox.mark_sent(tx, row.id, message_id, self._clock.now())
            )

    async def _unreachable(self, tx: Tx, row: outbox.OutboxRow, error: str) -> None:
        await outbox.mark_failed(tx, row.id, "unreachable", error)
        if row.person_id is not None:
            await tx.execute(
                "UPDATE people SET unreachable_at = coalesce(unreachable_at, ?) WHERE id = ?",
                (to_db(self._clock.now()), row.person_id),
            )

    def start(self) -> None:
        """Start draining in the background."""
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Stop draining; rows not yet sent stay queued for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.flush()
            except Exception:
                _LOGGER.exception("outbox sender failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
