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
  group-committed in one transaction by storage/db.py. Sends are structured: a flush
  returns only when every send it started has ended, and ``stop()`` waits for them.
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

Exactly once through write failures: a call Telegram accepted is never sent again. Its
result is kept in memory until the database takes the write (another process holding the
lock, a full disk), the row is never read as due meanwhile, and no new send starts while
results cannot be written; the next flush writes them first. Two cases stay "at most once
more", and only these: a kill between Telegram's answer and the commit of the result (the
row is sent again after the restart; at most ``concurrency`` sends are ever in that state),
and a timeout whose request did reach Telegram (we cannot tell it from a lost request, so it
is retried: one duplicate per such timeout). Nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, InputMediaPhoto, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.clock import Clock
from bot.config import Config
from bot.outbox_http import AiohttpRequest
from bot.texts import pages
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


def messages(
    text: str, *, keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
) -> list[dict[str, Any]]:
    """The sendMessage payloads of a text of any length: one per page (bot/texts.py), the
    keyboard on the last. Queue page n > 1 under ``paged_key(key, n)``."""
    cut = pages(text)
    return [
        message(page, keyboard=keyboard if n == len(cut) else None)
        for n, page in enumerate(cut, start=1)
    ]


def paged_key(key: str, page: int) -> str:
    """The outbox key of one page of a message: the first keeps the message's own key."""
    return key if page == 1 else f"{key}:page:{page}"


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


def document(data: bytes, *, filename: str, caption: str) -> dict[str, Any]:
    """The payload of a sendDocument call for the outbox (a file, caption in rendered HTML)."""
    return {
        "document": {_UPLOAD: base64.b64encode(data).decode("ascii"), "filename": filename},
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
    """Spaces sends under Telegram's limits; time is injected (monotonic seconds, sleep).

    Telegram (and the sandbox's double, bot/testing/rules.py FloodLimiter) refuses a send
    when ``limit`` sends arrived within the last second: a sliding window of arrivals. Sends
    spaced evenly at 29 a second put the 31st just over one second after the first, so the
    least delay between our clock and the server's (a busy event loop, a busy server) made
    sends arrive closer than they left, and a 429; and slots handed out in advance were
    spent in a burst by waiters that woke late. So the pacer keeps the moments its last
    ``limit`` sends actually left and lets a send go only when the ``limit``-th before it
    left at least ``1 + margin`` seconds ago: any ``limit + 1`` sends leave that far apart,
    which tolerates ``margin`` seconds of delay on the way, at ``limit / (1 + margin)``
    sends a second (28.6 with the defaults, 95% of 30). A late wake-up may be caught up,
    but sends never leave closer than half their average spacing. Groups are spaced the
    same way (20 a minute, 3.15 s apart); a private chat once a second, inside Telegram's
    short burst.
    """

    def __init__(
        self,
        *,
        limit: int = 30,
        margin: float = 0.05,
        private_interval: float = 1.0,
        group_interval: float = 60.0 / 20 * 1.05,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._window = 1.0 + margin
        self._gap = self._window / limit / 2  # the closest two sends may leave
        self._released: deque[float] = deque(maxlen=limit)  # the last sends, when they left
        self._private = private_interval
        self._group = group_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._held_until = 0.0  # a 429's retry_after
        self._next_chat: dict[int, float] = {}
        self._turn = asyncio.Lock()  # waiters are released in the order they came

    def _earliest(self) -> float:
        """When the next send may leave, by the sends before it."""
        released = self._released
        at = self._held_until
        if released:
            at = max(at, released[-1] + self._gap)
        if len(released) == released.maxlen:
            at = max(at, released[0] + self._window)
        return at

    async def wait_turn(self, chat_id: int) -> None:
        """Wait until this chat may be sent to and the window allows; take the turn."""
        while (wait := self._next_chat.get(chat_id, 0.0) - self._monotonic()) > 0:
            await self._sleep(wait)
        async with self._turn:
            while (wait := self._earliest() - (now := self._monotonic())) > 0:
                await self._sleep(wait)
            self._released.append(now)  # when it left, after any late wake-up
        self._next_chat[chat_id] = now + (self._group if chat_id < 0 else self._private)
        if len(self._next_chat) > 10_000:  # forget chats whose spacing is over
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (Telegram answered 429)."""
        self._held_until = max(self._held_until, self._monotonic() + seconds)


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
        self._flushing = asyncio.Lock()
        self._stopping = False
        # Sent (Telegram accepted them), result not yet committed: never sent again, recorded
        # as soon as the database takes a write. Row id -> (message id, when sent).
        self._unrecorded: dict[int, tuple[int | None, datetime]] = {}
        self._degraded = False  # the last write failed: send nothing new until one succeeds
        self._recording: asyncio.Future[bool] | None = None  # the backlog's write in flight
        self.stats: dict[str, int] = {"sent": 0, "retried_429": 0, "retried": 0, "failed": 0}

    def wake(self) -> None:
        """Tell the sender that rows were queued (after the queuing transaction commits)."""
        self._wake.set()

    @property
    def unrecorded(self) -> int:
        """Sends Telegram accepted whose result the database has not taken yet."""
        return len(self._unrecorded)

    async def flush(self) -> int:
        """Send every row due now; return how many calls were made.

        One flush at a time, and every send it starts ends before it returns. When the
        database refuses a write (locked by another process, disk full), the flush stops
        starting sends: what was sent stays in memory until a write succeeds, is never read
        as due meanwhile, and is recorded first by the next flush.
        """
        async with self._flushing:
            if not await self._record_backlog():
                return 0
            made = 0
            while not self._stopping and (rows := await self._due()):
                by_chat: dict[int, list[outbox.OutboxRow]] = {}
                for row in rows:
                    by_chat.setdefault(row.chat_id, []).append(row)
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(self._send_chat(chat)) for chat in by_chat.values()]
                made += sum(task.result() for task in tasks)
                if not await self._record_backlog():
                    break
            return made

    async def _due(self) -> list[outbox.OutboxRow]:
        rows = await outbox.due(self._db, self._clock.now(), limit=BATCH)
        return [row for row in rows if row.id not in self._unrecorded]

    async def _send_chat(self, rows: list[outbox.OutboxRow]) -> int:
        made = 0
        for row in rows:
            if self._degraded or self._stopping:
                break  # nothing new while results cannot be written, or on the way out
            try:
                if row.person_unreachable:
                    await self._db.write(lambda tx, r=row: self._unreachable(tx, r, "unreachable"))
                    continue
                outcome = await self._send(row)
            except Exception:  # noqa: BLE001 - a write failed; the row stays due, sent nothing
                _LOGGER.warning("outbox row %s: its result could not be written", row.id)
                self._degraded = True
                break
            made += 1
            if outcome in ("retry", "unreachable"):
                break  # the chat's later rows wait for the next round (or were parked)
        return made

    async def _send(self, row: outbox.OutboxRow) -> str:
        params = {"chat_id": row.chat_id, **_with_files(row.payload)}
        if _EDIT_OF in params:
            target = await self._message_of(params.pop(_EDIT_OF))
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
            # Telegram took it: from here on it is never sent again, whatever the database
            # says. Still holding the slot while the result is written, so that a crash
            # doubles at most ``concurrency`` sends.
            message_id = result.get("message_id") if isinstance(result, dict) else None
            self.stats["sent"] += 1
            self._unrecorded[row.id] = (message_id, self._clock.now())
            await self._record_backlog()
            return "sent"

    async def _record_backlog(self) -> bool:
        """Write every sent-but-unrecorded result, in one transaction; False if refused.

        One such write at a time: a send that finishes while one is in flight waits for it
        and then writes what is left, so each result is written once (every send used to
        write the whole backlog, 22 rows a write at full speed, the same rows again and
        again: benchmarks/bench_outbox.py).
        """
        while self._unrecorded:
            if self._recording is not None:
                if not await asyncio.shield(self._recording):
                    return False
                continue  # what was sent since that write's snapshot is still to write
            batch = dict(self._unrecorded)
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._recording = done
            recorded = False
            try:
                await self._db.write(lambda tx, b=batch: outbox.mark_sent_many(tx, b))
                recorded = True
            except Exception:  # locked, full: kept, and retried by the next flush
                if not self._degraded:
                    _LOGGER.warning(
                        "outbox: %d sends not recorded yet (the database refused the write);"
                        " they will not be sent again",
                        len(batch),
                        exc_info=True,
                    )
                self._degraded = True
            finally:  # cancelled too: whoever waits is told, and the rows stay unrecorded
                self._recording = None
                done.set_result(recorded)
            if not recorded:
                return False
            for row_id in batch:
                self._unrecorded.pop(row_id, None)
            self._degraded = False
        return True

    async def _message_of(self, outbox_id: int) -> int | str | None:
        """The message another row's call made (it may be sent but not recorded yet)."""
        if outbox_id in self._unrecorded:
            return self._unrecorded[outbox_id][0]
        return await outbox.sent_message(self._db, outbox_id)

    async def _retry(self, row: outbox.OutboxRow, seconds: float, error: str) -> None:
        at = self._clock.now() + timedelta(seconds=seconds)
        await self._db.write(lambda tx: outbox.retry_later(tx, row.id, at, error))

    async def _unreachable(self, tx: Tx, row: outbox.OutboxRow, error: str) -> None:
        await outbox.mark_failed(tx, row.id, "unreachable", error)
        await outbox.park_unreachable(tx, row.chat_id, row.person_id, self._clock.now())

    def start(self) -> None:
        """Start draining in the background."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop draining: the sends in flight end first and their results are written.

        Rows not yet sent stay queued for the next start. Only a send that outlives
        ``grace`` seconds is cut off (its row is then sent again at the next start).
        """
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self._record_backlog()
        if isinstance(self._bot.request, AiohttpRequest):  # the outbox's own connection
            await self._bot.request.shutdown()

    async def _run(self) -> None:
        while not self._stopping:
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
            if self._stopping:
                break
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
