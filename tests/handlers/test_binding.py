"""Binding a Telegram account: by shared contact, by invite link, and every refusal."""

from __future__ import annotations

import logging

import pytest

from bot.importer.model import ClassPlan, PersonPlan
from bot.rules.roles import Role
from storage import people
from storage.db import Database
from tests.conftest import TOKEN
from tests.harness import BotHarness


def someone(plan: ClassPlan, role: Role, index: int = 0) -> PersonPlan:
    return [p for p in plan.people if role in p.roles][index]


async def bound_user_ids(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT name, telegram_user_id FROM people WHERE telegram_user_id")
    return {r[0]: r[1] for r in rows}


async def audit_count(db: Database) -> int:
    return (await db.fetchone("SELECT count(*) FROM audit_log"))[0]


async def test_start_from_a_stranger_offers_to_share_the_phone(
    bot: BotHarness, example_class: ClassPlan
) -> None:
    user = bot.person()
    [reply] = await user.says("/start")
    assert "培训班助手" in reply.text
    [[button]] = reply.reply_markup["keyboard"]
    assert button["request_contact"] is True
    assert button["text"] == "📱 分享我的手机号"


async def test_binding_by_own_contact_greets_by_name_and_sets_the_menu(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    user = bot.person()
    await user.says("/start")
    # Telegram sends contacts as +86..., with spaces as the person typed them in the address book.
    [reply] = await user.shares_contact("+86 " + trainee.phone[:3] + " " + trainee.phone[3:])
    assert f"绑定成功，{trainee.name}" in reply.text
    assert "您好" not in reply.text  # greeted once, by "绑定成功"
    assert example_class.name in reply.text
    assert reply.reply_markup == {"remove_keyboard": True}
    assert (await bound_user_ids(db))[trainee.name] == user.id
    menus = bot.telegram.calls_of("setMyCommands")
    scoped = [c for c in menus if c.params.get("scope", {}).get("type") == "chat"]
    assert scoped and scoped[-1].params["scope"]["chat_id"] == user.id
    person = await people.by_telegram_user(db, user.id)
    assert person is not None and person.locale == "zh"


async def test_binding_by_invite_link(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    manager = someone(example_class, Role.MANAGER)
    person = await people.by_phone(db, manager.phone)
    user = bot.person(language_code="en")
    [reply] = await user.says(f"/start {person.invite_code}")
    assert f"You are bound, <b>{manager.name}</b>" in reply.html or manager.name in reply.text
    assert (await bound_user_ids(db))[manager.name] == user.id
    stored = await people.by_phone(db, manager.phone)
    assert stored.locale == "en"  # English Telegram app, English bot


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("someone_elses_contact", "只能分享"),
        ("unknown_phone", "名单上没有这个手机号"),
        ("unknown_code", "邀请码无效"),
        ("malformed_code", "邀请码无效"),
    ],
)
async def test_refusals_change_nothing(
    bot: BotHarness, example_class: ClassPlan, db: Database, action: str, expected: str
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    user = bot.person()
    before = await audit_count(db)
    if action == "someone_elses_contact":
        replies = await user.shares_contact(trainee.phone, contact_user_id=user.id + 1)
    elif action == "unknown_phone":
        replies = await user.shares_contact("13000000000")
    elif action == "unknown_code":
        replies = await user.says("/start ZZZZZZZZZZ")
    else:
        replies = await user.says("/start <b>&;drop")
    [reply] = replies
    assert expected in reply.text
    assert await bound_user_ids(db) == {}
    assert await audit_count(db) == before


async def test_a_person_already_bound_to_another_account_is_refused(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    first, second = bot.person(), bot.person()
    await first.shares_contact(trainee.phone)
    # Someone else got hold of the same invite code.
    code = (await people.by_phone(db, trainee.phone)).invite_code
    [reply] = await second.says(f"/start {code}")
    assert "已经绑定了另一个" in reply.text
    assert (await bound_user_ids(db)) == {trainee.name: first.id}


async def test_a_second_account_sharing_the_same_phone_is_refused(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    first, second = bot.person(), bot.person()
    await first.shares_contact(trainee.phone)
    before = (await audit_count(db), await people.by_phone(db, trainee.phone))
    menus = len(bot.telegram.calls_of("setMyCommands"))
    # A new phone (a second Telegram account) with the same number, shared as its own,
    # written the way that phone's address book has it.
    [reply] = await second.shares_contact("+86 " + trainee.phone)
    assert "已经绑定了另一个" in reply.text
    assert (await bound_user_ids(db)) == {trainee.name: first.id}
    assert (await audit_count(db), await people.by_phone(db, trainee.phone)) == before
    assert len(bot.telegram.calls_of("setMyCommands")) == menus  # no menu for the stranger
    [reply] = await second.says("/help")
    assert "还没有绑定" in reply.text
    [reply] = await first.says("/help")
    assert trainee.name in reply.text


async def test_an_account_cannot_take_a_second_place(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    one, two = someone(example_class, Role.TRAINEE, 0), someone(example_class, Role.TRAINEE, 1)
    user = bot.person()
    await user.shares_contact(one.phone)
    code = (await people.by_phone(db, two.phone)).invite_code
    [reply] = await user.says(f"/start {code}")
    assert f"已绑定为 <b>{one.name}</b>" in reply.html
    assert (await bound_user_ids(db)) == {one.name: user.id}


async def test_the_same_update_delivered_twice_binds_once(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    user = bot.person()
    update = bot.telegram.send_contact(user.id, trainee.phone)
    await bot.feed(user, update)
    entries = await audit_count(db)
    [again] = await bot.redeliver(user, update)
    assert "无需重复绑定" in again.text
    assert await audit_count(db) == entries
    assert (await bound_user_ids(db)) == {trainee.name: user.id}


async def test_a_name_with_markup_is_escaped(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    await db.write(
        lambda tx: tx.execute(
            "UPDATE people SET name = ? WHERE phone = ?", ("<b>&王", trainee.phone)
        )
    )
    user = bot.person()
    [reply] = await user.shares_contact(trainee.phone)  # the double refuses malformed HTML
    assert "&lt;b&gt;&amp;王" in reply.html
    assert "<b>&王" in reply.text


async def test_the_token_never_appears_in_logs(
    bot: BotHarness, example_class: ClassPlan, caplog: pytest.LogCaptureFixture
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    # At DEBUG, as a library logs when nothing caps it (setup_logging caps PTB at INFO).
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="telegram"):
        user = bot.person()
        await user.says("/start")
        await user.shares_contact(trainee.phone)
        await user.says("/help")
    assert caplog.records  # PTB logs its Bot API calls at DEBUG
    assert TOKEN not in caplog.text
