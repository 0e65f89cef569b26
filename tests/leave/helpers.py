"""People, requests and snapshots shared by the leave tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.buttons import LeaveForm, LeaveKind, LeavePick, LeaveStep
from bot.testing import ShownMessage
from storage.db import Database, Tx
from storage.times import to_db
from tests.harness import BotHarness, Person, session_id

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


async def ask(
    bot: BotHarness,
    trainee: Person,
    *external_ids: str,
    reason: str = "家中有事需要处理",
    photo: bytes | None = None,
    kind: int = 1,
) -> int:
    """Walk the /leave form through to Send (of the type at this index of the class's
    leave_types: by default 事假, personal leave); return the new request's id."""
    db = bot.db
    [picker] = await trainee.says("/leave")
    for ext in external_ids:
        await trainee.presses(picker.message_id, LeavePick(await session_id(db, ext)).pack())
    await trainee.presses(picker.message_id, LeaveForm(LeaveStep.DONE).pack())
    await trainee.presses(picker.message_id, LeaveKind(kind).pack())
    [attach] = await trainee.says(reason)
    if photo is not None:
        [preview] = await bot.feed(trainee, bot.telegram.send_photo(trainee.id, photo))
    else:
        await trainee.presses(attach.message_id, LeaveForm(LeaveStep.SKIP).pack())
        preview = trainee.last()
    await trainee.presses(preview.message_id, LeaveForm(LeaveStep.SEND).pack())
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
    tables = (
        "leave_requests",
        "leave_sessions",
        "leave_decisions",
        "limit_decisions",
        "forms",
        "audit_log",
        "outbox",
        "memberships",
    )
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


async def approve(bot: BotHarness, trainee: Person, manager: Person, *external_ids: str) -> int:
    """Ask for leave and have the manager approve it; the request's id."""
    request_id = await ask(bot, trainee, *external_ids)
    await bot.deliver_outbox()
    await manager.presses_button(card_of(manager, request_id), "✅ 批准")
    await bot.deliver_outbox()
    return request_id


async def class_id(db: Database) -> int:
    """The example class's id."""
    return (await db.fetchone("SELECT id FROM classes WHERE name != '另一个班'"))[0]


async def manager_of_another_class(bot: BotHarness) -> Person:
    """A class manager of a second class, bound to the bot."""
    stamp = to_db(bot.app.bot_data.clock.now())

    async def op(tx: Tx) -> None:
        other = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, created_at, updated_at)"
            " VALUES ('另一个班', '2026-12-07', '2026-12-11', 'Asia/Shanghai', ?, ?)",
            (stamp, stamp),
        )
        boss = await tx.insert(
            "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
            " VALUES ('周经理', '13700137001', 'inv-other-boss', ?, ?)",
            (stamp, stamp),
        )
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'manager')",
            (other, boss),
        )

    await bot.db.write(op)
    user = bot.person()
    await user.shares_contact("13700137001")
    return user


def with_buttons(person: Person, prefix: str) -> ShownMessage:
    """The latest message in a person's chat with a button whose data starts so."""
    for message in reversed(person.chat()):
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        if any(b.get("callback_data", "").startswith(prefix) for row in rows for b in row):
            return message
    raise AssertionError(f"no message with a {prefix!r} button")


def count(person: Person, fragment: str) -> int:
    """How many of the bot's messages to this person (as shown now) contain the fragment."""
    return sum(1 for m in person.chat() if m.from_bot and fragment in (m.text or ""))
