"""People, requests and snapshots shared by the leave tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.callbacks import Action, pack
from bot.testing import ShownMessage
from storage.db import Database
from tests.harness import BotHarness, Person

TRAINEE_PHONE = "15000150002"  # 王芳, a plain trainee
OTHER_TRAINEE_PHONE = "15000150003"  # 李强
MANAGER_PHONES = ("13800138001", "13800138002")  # 李红梅, 陈志远
ADMIN_PHONE = "13800138009"  # 孙丽


@dataclass
class Cast:
    """The people of a leave story, bound to the bot."""

    trainee: Person
    other: Person
    manager: Person
    manager2: Person
    admin: Person


async def cast(bot: BotHarness, *, trainee_locale: str = "zh-hans") -> Cast:
    """Bind the trainee, another trainee, both class managers and the admin."""
    people = []
    for phone, code in (
        (TRAINEE_PHONE, trainee_locale),
        (OTHER_TRAINEE_PHONE, "zh-hans"),
        (MANAGER_PHONES[0], "zh-hans"),
        (MANAGER_PHONES[1], "zh-hans"),
        (ADMIN_PHONE, "zh-hans"),
    ):
        user = bot.person(language_code=code)
        await user.shares_contact(phone)
        people.append(user)
    return Cast(*people)


async def session_id(db: Database, external_id: str) -> int:
    """The id of an example session by its sheet number (S01...)."""
    row = await db.fetchone("SELECT id FROM sessions WHERE external_id = ?", (external_id,))
    assert row is not None
    return row[0]


async def ask(
    bot: BotHarness,
    trainee: Person,
    *external_ids: str,
    reason: str = "家中有事需要处理",
    photo: bytes | None = None,
) -> int:
    """Walk the /leave form through to Send; return the new request's id."""
    db = bot.db
    [picker] = await trainee.says("/leave")
    for ext in external_ids:
        await trainee.presses(picker.message_id, pack(Action.LEAVE_PICK, await session_id(db, ext)))
    await trainee.presses(picker.message_id, pack(Action.LEAVE_FORM, "done"))
    [attach] = await trainee.says(reason)
    if photo is not None:
        [preview] = await bot.feed(trainee, bot.telegram.send_photo(trainee.id, photo))
    else:
        await trainee.presses(attach.message_id, pack(Action.LEAVE_FORM, "skip"))
        preview = trainee.last()
    await trainee.presses(preview.message_id, pack(Action.LEAVE_FORM, "send"))
    row = await db.fetchone("SELECT max(id) FROM leave_requests")
    return row[0]


def card_of(person: Person, request_id: int) -> ShownMessage:
    """The latest message in a person's chat with decision buttons for this request."""
    prefix = f"1|la|{request_id}|"
    for message in reversed(person.chat()):
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        if any(b.get("callback_data", "").startswith(prefix) for row in rows for b in row):
            return message
    raise AssertionError(f"no card for request {request_id}")


def alert(bot: BotHarness) -> str:
    """The text of the last answer to a button press."""
    return bot.telegram.calls_of("answerCallbackQuery")[-1].params.get("text", "")


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """What a refusal must leave unchanged."""
    tables = ("leave_requests", "leave_sessions", "leave_decisions", "forms", "audit_log", "outbox")
    return {
        t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY 1")] for t in tables
    }


async def status_of(db: Database, request_id: int) -> str:
    """A request's status."""
    row = await db.fetchone("SELECT status FROM leave_requests WHERE id = ?", (request_id,))
    return row[0]


async def audit_actions(db: Database, request_id: int) -> list[str]:
    """The audit log's actions about a request, in order."""
    rows = await db.fetchall(
        "SELECT action FROM audit_log WHERE subject = ? ORDER BY id", (f"leave:{request_id}",)
    )
    return [r[0] for r in rows]


def said(person: Person, fragment: str) -> ShownMessage:
    """The latest message from the bot to this person containing the fragment."""
    for message in reversed(person.chat()):
        if message.from_bot and fragment in (message.text or ""):
            return message
    raise AssertionError(f"the bot never said {fragment!r}")


def shown(person: Person, message_id: int) -> ShownMessage:
    """A message in the person's chat as shown now."""
    return next(m for m in person.chat() if m.message_id == message_id)
