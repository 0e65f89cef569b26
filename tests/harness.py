"""A conversation with the real bot: a person does something, the bot answers this.

Updates go into the real PTB Application through process_update; the bot's calls go out
through FakeRequest to an in-memory FakeTelegram, which answers like the Bot API and refuses
what Telegram would refuse.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application, start, stop
from bot.clock import ManualClock
from bot.config import Config
from bot.testing import FakeRequest, FakeTelegram, ShownMessage
from storage.db import Database, Tx


class Person:
    """A Telegram user in a test, talking to the bot."""

    def __init__(self, harness: BotHarness, user_id: int, first_name: str, language_code: str):
        self.harness = harness
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code

    async def says(self, text: str) -> list[ShownMessage]:
        """Send a text or command; return what the bot sent this person in reply."""
        return await self.harness.feed(self, self.harness.telegram.send_text(self.id, text))

    async def shares_contact(self, phone: str, **kwargs: Any) -> list[ShownMessage]:
        """Share a contact (one's own unless contact_user_id says otherwise)."""
        update = self.harness.telegram.send_contact(self.id, phone, **kwargs)
        return await self.harness.feed(self, update)

    async def presses(self, message_id: int, data: str) -> list[ShownMessage]:
        """Press an inline button with this callback data (forged data allowed)."""
        update = self.harness.telegram.press(self.id, message_id, data)
        return await self.harness.feed(self, update)

    async def presses_button(self, message: ShownMessage, label: str) -> list[ShownMessage]:
        """Press the button with this label on a message the bot sent."""
        for row in message.reply_markup.get("inline_keyboard", []) if message.reply_markup else []:
            for button in row:
                if button["text"] == label:
                    return await self.presses(message.message_id, button["callback_data"])
        raise AssertionError(f"no button {label!r} on message {message.message_id}")

    def chat(self) -> list[ShownMessage]:
        """The chat with the bot as Telegram shows it now."""
        return self.harness.telegram.chat(self.id)

    def last(self) -> ShownMessage:
        """The last message the bot sent (as shown now, edits applied)."""
        message = self.harness.telegram.last_bot_message(self.id)
        assert message is not None, "the bot never wrote to this person"
        return message


class BotHarness:
    """The running Application, its Bot API double and its database.

    Started as bot/app.py starts the bot, but not live: a test feeds the updates, flushes
    the outbox and runs the due jobs itself, on its own clock.
    """

    def __init__(
        self, app: Application, telegram: FakeTelegram, db: Database, config: Config
    ) -> None:
        self.app = app
        self.telegram = telegram
        self.db = db
        self.config = config
        self._next_user = 1000

    @classmethod
    async def start(
        cls, config: Config, db: Database, clock: ManualClock, telegram: FakeTelegram
    ) -> BotHarness:
        """Build and start the real Application against the double."""
        harness = cls(_build(config, db, clock, telegram), telegram, db, config)
        await start(harness.app, live=False)
        return harness

    async def stop(self) -> None:
        """Stop the Application as the bot stops."""
        await stop(self.app)

    async def restart(self, config: Config | None = None) -> None:
        """Stop and start a new Application on the same database and chats, as after a
        restart of the bot (with another configuration, if given). Nothing kept in memory
        survives; the people in the test go on talking to the new one."""
        await self.stop()
        self.config = config or self.config
        clock = self.app.bot_data.clock
        self.app = _build(self.config, self.db, clock, self.telegram)
        await start(self.app, live=False)

    def person(
        self,
        first_name: str = "Test",
        *,
        language_code: str = "zh-hans",
        user_id: int | None = None,
    ) -> Person:
        """A new Telegram user."""
        if user_id is None:
            self._next_user += 1
            user_id = self._next_user
        self.telegram.add_user(user_id, first_name, language_code=language_code)
        return Person(self, user_id, first_name, language_code)

    async def feed(self, person: Person, update: dict[str, Any]) -> list[ShownMessage]:
        """Process one update through the Application; return the bot's new messages."""
        before = {m.message_id for m in self.telegram.chat(person.id) if m.from_bot}
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return [
            m for m in self.telegram.chat(person.id) if m.from_bot and m.message_id not in before
        ]

    async def deliver_outbox(self) -> int:
        """Send everything the outbox holds that is due now; return the number of calls."""
        return await self.app.bot_data.outbox.flush()

    async def run_due_jobs(self) -> list[str]:
        """Run every planned job whose moment has come (as the scheduler would); their names.

        Jobs are idempotent, so running one that ran before must change nothing.
        """
        data = self.app.bot_data
        now = data.clock.now()
        ran = []
        for planner in data.planners:
            for job in sorted(await planner(self.db, now), key=lambda j: (j.at, j.name)):
                if job.at <= now < job.useful_until:
                    await job.run(data, now)
                    ran.append(job.name)
        return ran

    async def redeliver(self, person: Person, update: dict[str, Any]) -> list[ShownMessage]:
        """Deliver an update again, as Telegram does after a crash before confirmation."""
        return await self.feed(person, update)


def _build(config: Config, db: Database, clock: ManualClock, telegram: FakeTelegram) -> Application:
    return build_application(config, db, clock, request=FakeRequest(telegram), rate_limiter=False)


# -- what many tests ask of the example class ---------------------------------------------


async def bind(bot: BotHarness, phone: str, **kwargs: Any) -> Person:
    """A new Telegram user who binds to the roster person with this phone number."""
    user = bot.person(**kwargs)
    await user.shares_contact(phone)
    return user


async def session_id(db: Database, external_id: str = "S01") -> int:
    """The id of an example session by its sheet number (S01...)."""
    row = await db.fetchone("SELECT id FROM sessions WHERE external_id = ?", (external_id,))
    assert row is not None, external_id
    return int(row[0])


async def person_id(db: Database, who: Person | str) -> int:
    """The people.id of a bound test user, or of a roster person by name."""
    if isinstance(who, Person):
        row = await db.fetchone("SELECT id FROM people WHERE telegram_user_id = ?", (who.id,))
    else:
        row = await db.fetchone("SELECT id FROM people WHERE name = ?", (who,))
    assert row is not None, who
    return int(row[0])


async def set_settings(db: Database, **values: Any) -> None:
    """Change every class's settings, as a re-import with these cells would."""

    async def op(tx: Tx) -> None:
        for row in await tx.fetchall("SELECT id, settings FROM classes"):
            settings = {**json.loads(row[1] or "{}"), **values}
            await tx.execute(
                "UPDATE classes SET settings = ? WHERE id = ?",
                (json.dumps(settings, ensure_ascii=False), row[0]),
            )

    await db.write(op)
