"""Draining the outbox: send what is due, paced under Telegram's limits, never lose a row.

How a row travels:

* ``flush()`` reads the due rows (oldest first, 500 at a time), groups them by chat and sends
  the chats concurrently (at most ``concurrency`` calls in flight), one chat's rows in order.
* A ``Pacer`` (when given) spaces the sends: about 29 a second overall (a margin under
  Telegram's 30), one a second to a private chat, one every 3 s to a group (20 a minute).
  The outbox calls the Bot API through ``telegram.Bot._do_post`` of the base class, which
  bypasses the Application's ``AIORateLimiter``: that limiter is for direct replies, and
  going through both would count every outbox send twice.
* Each result is written with its own ``db.write``; results that finish together are
  group-committed in one transaction by storage/db.py.
* 429: the row waits ``retry_after`` (``not_before``) and the pacer pauses every send for as
  long. 5xx, timeouts and other network errors: retry with exponential backoff (1 s, 2 s,
  ... 5 min), parked as 'failed' after ``MAX_ATTEMPTS``. 403: the row and every pending row
  of that person or chat become 'unreachable' and ``people.unreachable_at`` is set; rows
  queued later for an unreachable person are parked without a call. 400: 'failed' with the
  error, logged; the queue goes on.

One chat's rows go out in the order they were queued: a row waiting for a retry holds back
the later rows of its chat (``storage.outbox.due``), and a retried row keeps its place in
the queue instead of going behind everything queued since.

Two kinds of payload need more than JSON: a photo (``photo()``, or ``photo_edit()`` for the
new photo of an editMessageMedia: the file travels base64 in the row and is uploaded as
multipart), and an edit of a message another row sends
(``edit_of()``: the message id is that row's, known only once it is sent; while it is
pending the edit waits, and if it was never sent the edit is dropped).

Exactly once, and where it is only at most once more: a row is marked sent only after
Telegram answered, so a kill between the answer and the commit of the result resends it
after a restart (at most the calls in flight plus results not yet committed: ``concurrency``
rows). A timeout whose request did reach Telegram ("delivered" timeouts) is retried too and
shows twice: we cannot tell it from a lost request. Both cases are the documented "at most a
few duplicates"; nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, InputMediaPhoto, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.clock import Clock
from bot.config import Config
from bot.outbox_http import AiohttpRequest
from storage import outbox
from storage.db import Database, Tx

_LOGGER = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0  # another process (the CLI import) may queue rows too
BATCH = 500  # rows read per round
MAX_ATTEMPTS = 12  # transient failures before a row is parked as failed (about 30 min)
MAX_BACKOFF_SECONDS = 300


def outbox_connection(config: Config, pool: int = 32) -> Bot:
    """A plain Bot (no rate limiter) on the outbox's own aiohttp connection."""
    assert config.token is not None
    return Bot(
        config.token.reveal(),
        base_url=config.base_url,
        base_file_url=config.base_file_url,
        request=AiohttpRequest(pool=pool),
    )


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


def caption_edit(text: str) -> dict[str, Any]:
    """The payload of an editMessageCaption call for the outbox (rendered HTML caption)."""
    return {"caption": text, "parse_mode": ParseMode.HTML}


def photo(png: bytes, *, filename: str, caption: str) -> dict[str, Any]:
    """The payload of a sendPhoto call for the outbox (caption in rendered HTML)."""
    return {
        "photo": {_UPLOAD: base64.b64encode(png).decode("ascii"), "filename": filename},
        "caption": caption,
        "parse_mode": ParseMode.HTML,
    }


def photo_edit(png: bytes, *, filename: str, caption: str) -> dict[str, Any]:
    """The payload of an editMessageMedia call that puts a new photo (and caption) in place."""
    return {
        "media": {
            "type": "photo",
            "media": {_UPLOAD: base64.b64encode(png).decode("ascii"), "filename": filename},
            "caption": caption,
            "parse_mode": ParseMode.HTML,
        }
    }


def edit_of(outbox_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """An editMessageText payload for the message that outbox row ``outbox_id`` sends."""
    return {_EDIT_OF: outbox_id, **payload}


_UPLOAD = "upload_base64"  # marks a file inside a stored payload
_EDIT_OF = "message_id_of_outbox_row"  # marks an edit whose message id another row gets


class Pacer:
    """Spaces sends under Telegram's limits; time is injected (monotonic seconds, sleep)."""

    def __init__(
        self,
        *,
        per_second: float = 29.0,
        private_interval: float = 1.0,
        group_interval: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._spacing = 1.0 / per_second
        self._private = private_interval
        self._group = group_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}

    async def wait_turn(self, chat_id: int) -> None:
        """Wait until this chat may be sent to and a global slot is free; take the slot."""
        while (wait := self._next_chat.get(chat_id, 0.0) - self._monotonic()) > 0:
            await self._sleep(wait)
        # Global slots are handed out in order, so the overall rate holds even with many
        # chats waiting at once; the chat's own spacing counts from its slot.
        now = self._monotonic()
        slot = max(now, self._next_global)
        self._next_global = slot + self._spacing
        self._next_chat[chat_id] = slot + (self._group if chat_id < 0 else self._private)
        if slot > now:
            await self._sleep(slot - now)
        if len(self._next_chat) > 10_000:  # forget chats whose spacing is over
            now = self._monotonic()
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (Telegram answered 429)."""
        self._next_global = max(self._next_global, self._monotonic() + seconds)


class Outbox:
    """Sends queued calls through the bot; one instance per Application."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        concurrency: int = 32,
    ) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock
        self._pacer = pacer
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stats: dict[str, int] = {"sent": 0, "retried_429": 0, "retried": 0, "failed": 0}

    def wake(self) -> None:
        """Tell the sender that rows were queued (after the queuing transaction commits)."""
        self._wake.set()

    async def flush(self) -> int:
        """Send every row due now; return how many calls were made."""
        made = 0
        while rows := await outbox.due(self._db, self._clock.now(), limit=BATCH):
            by_chat: dict[int, list[outbox.OutboxRow]] = {}
            for row in rows:
                by_chat.setdefault(row.chat_id, []).append(row)
            counts = await asyncio.gather(*(self._send_chat(chat) for chat in by_chat.values()))
            made += sum(counts)
        return made

    async def _send_chat(self, rows: list[outbox.OutboxRow]) -> int:
        made = 0
        for row in rows:
            if row.person_unreachable:
                await self._db.write(lambda tx, r=row: self._unreachable(tx, r, "unreachable"))
                continue
            outcome = await self._send(row)
            made += 1
            if outcome in ("retry", "unreachable"):
                break  # the chat's later rows wait for the next round (or were parked)
        return made

    async def _send(self, row: outbox.OutboxRow) -> str:
        params = {"chat_id": row.chat_id, **_with_files(row.payload)}
        if _EDIT_OF in params:
            target = await outbox.sent_message(self._db, params.pop(_EDIT_OF))
            if target == "pending":
                await self._retry(row, 1.0, "waiting for the message it edits")
                return "retry"
            if target is None:
                reason = "the message it edits was never sent"
                await self._db.write(lambda tx: outbox.mark_failed(tx, row.id, "dropped", reason))
                return "failed"
            params["message_id"] = target
        async with self._slots:
            if self._pacer is not None:
                await self._pacer.wait_turn(row.chat_id)
            try:
                # Bot's own _do_post, not ExtBot's: skips the Application's rate limiter.
                result = await Bot._do_post(self._bot, row.method, params)
            except RetryAfter as error:
                wait = max(1.0, _seconds(error.retry_after))
                if self._pacer is not None:
                    self._pacer.pause(wait)
                self.stats["retried_429"] += 1
                await self._retry(row, wait, f"429: {error}")
                return "retry"
            except Forbidden as error:
                reason = str(error)
                await self._db.write(lambda tx: self._unreachable(tx, row, reason))
                return "unreachable"
            except (BadRequest, ChatMigrated) as error:
                reason = str(error)
                _LOGGER.error("outbox row %s refused by Telegram: %s", row.id, reason)
                self.stats["failed"] += 1
                await self._db.write(lambda tx: outbox.mark_failed(tx, row.id, "failed", reason))
                return "failed"
            except Exception as error:  # noqa: BLE001 - 5xx, timeouts, network: transient
                self.stats["retried"] += 1
                backoff = min(MAX_BACKOFF_SECONDS, 2 ** min(row.attempts, 9))
                if row.attempts + 1 >= MAX_ATTEMPTS:
                    reason = f"gave up after {row.attempts + 1} attempts: {error!r}"
                    _LOGGER.error("outbox row %s: %s", row.id, reason)
                    await self._db.write(
                        lambda tx: outbox.mark_failed(tx, row.id, "failed", reason)
                    )
                    return "failed"
                await self._retry(row, backoff, repr(error))
                return "retry"
            # Still holding the slot: a send counts as in flight until its result is
            # committed, which bounds what a crash can double to ``concurrency`` rows.
            message_id = result.get("message_id") if isinstance(result, dict) else None
            self.stats["sent"] += 1
            await self._db.write(
                lambda tx: outbox.mark_sent(tx, row.id, message_id, self._clock.now())
            )
            return "sent"

    async def _retry(self, row: outbox.OutboxRow, seconds: float, error: str) -> None:
        at = self._clock.now() + timedelta(seconds=seconds)
        await self._db.write(lambda tx: outbox.retry_later(tx, row.id, at, error))

    async def _unreachable(self, tx: Tx, row: outbox.OutboxRow, error: str) -> None:
        await outbox.mark_failed(tx, row.id, "unreachable", error)
        await outbox.park_unreachable(tx, row.chat_id, row.person_id, self._clock.now())

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
        if isinstance(self._bot.request, AiohttpRequest):  # the outbox's own connection
            await self._bot.request.shutdown()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.flush()
                wait = IDLE_POLL_SECONDS
                next_at = await outbox.next_due_at(self._db)
                if next_at is not None:
                    ahead = (next_at - self._clock.now()).total_seconds()
                    wait = min(wait, max(0.05, ahead))
            except Exception:
                _LOGGER.exception("outbox sender failed; retrying")
                wait = IDLE_POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)


def _with_files(payload: dict[str, Any]) -> dict[str, Any]:
    """The stored payload with every stored file turned back into an upload."""
    media = payload.get("media")
    if isinstance(media, dict) and isinstance(media.get("media"), dict):
        # photo_edit(): PTB uploads an InputMedia's file as a part named in the media JSON.
        file = media["media"]
        upload = InputMediaPhoto(
            InputFile(base64.b64decode(file[_UPLOAD]), filename=file.get("filename"), attach=True),
            caption=media.get("caption"),
            parse_mode=media.get("parse_mode"),
        )
        return {**payload, "media": upload}
    if not any(isinstance(v, dict) and _UPLOAD in v for v in payload.values()):
        return payload
    return {
        key: InputFile(base64.b64decode(v[_UPLOAD]), filename=v.get("filename"))
        if isinstance(v, dict) and _UPLOAD in v
        else v
        for key, v in payload.items()
    }


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
