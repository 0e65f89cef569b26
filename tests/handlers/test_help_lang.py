"""/help by role, /lang, /roster, fallbacks and the error handler, through the Application."""

from __future__ import annotations

import logging

import pytest

from bot.buttons import LangSet
from bot.importer.model import ClassPlan
from bot.rules.roles import Role
from storage import people
from storage.db import Database, Tx
from tests.handlers.test_binding import someone
from tests.harness import BotHarness, Person


async def bind(bot: BotHarness, plan: ClassPlan, role: Role, index: int = 0, **kw: str) -> Person:
    user = bot.person(**kw)
    await user.shares_contact(someone(plan, role, index).phone)
    return user


async def bind_plain_trainee(bot: BotHarness, plan: ClassPlan) -> Person:
    """A trainee with no other role (the example's first trainee is also the monitor)."""
    user = bot.person()
    await user.shares_contact(next(p for p in plan.people if p.roles == {Role.TRAINEE}).phone)
    return user


async def test_help_for_a_stranger_explains_binding(bot: BotHarness) -> None:
    [reply] = await bot.person().says("/help")
    assert "还没有绑定" in reply.text


async def test_help_lists_each_class_with_roles_and_their_commands(
    bot: BotHarness, example_class: ClassPlan
) -> None:
    trainee = await bind_plain_trainee(bot, example_class)
    [reply] = await trainee.says("/help")
    assert example_class.name in reply.text and "学员" in reply.text
    assert "/help" in reply.text and "/lang" in reply.text
    assert "/roster" not in reply.text

    manager = await bind(bot, example_class, Role.MANAGER)
    [reply] = await manager.says("/help")
    assert "班主任" in reply.text and "/roster" in reply.text


async def test_help_shows_every_role_a_person_holds(
    bot: BotHarness, example_class: ClassPlan
) -> None:
    # The example's first class manager also teaches (班主任、授课教师).
    both = next(p for p in example_class.people if {Role.MANAGER, Role.INSTRUCTOR} <= p.roles)
    user = bot.person()
    await user.shares_contact(both.phone)
    [reply] = await user.says("/help")
    assert "班主任、授课教师" in reply.text


async def test_lang_buttons_switch_language_and_menu(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    [choice] = await user.says("/lang")
    assert choice.button_texts == ["中文", "English"]
    await user.presses_button(choice, "English")
    assert user.last().text == "Language set to English."  # the same message, edited
    person = await people.by_telegram_user(db, user.id)
    assert person.locale == "en"
    [reply] = await user.says("/help")
    assert reply.text.startswith("Hello,")
    menu = bot.telegram.calls_of("setMyCommands")[-1].params["commands"]
    assert {"command": "help", "description": "What I can do for you"} in menu


async def test_lang_with_an_argument_and_a_bad_argument(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    [reply] = await user.says("/lang klingon")
    assert "不支持" in reply.text
    assert (await people.by_telegram_user(db, user.id)).locale == "zh"
    [reply] = await user.says("/lang en")
    assert reply.text == "Language set to English."


@pytest.mark.parametrize("data", ["1|ls|fr", "1|ls", "garbage", "0|ls|en", "1|zz|en"])
async def test_forged_or_stale_buttons_get_a_clear_answer_and_change_nothing(
    bot: BotHarness, example_class: ClassPlan, db: Database, data: str
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    [choice] = await user.says("/lang")
    await user.presses(choice.message_id, data)
    answer = bot.telegram.calls_of("answerCallbackQuery")[-1]
    assert answer.params["text"] == "这个按钮已失效，请重新发送命令。"
    assert (await people.by_telegram_user(db, user.id)).locale == "zh"


async def test_a_stranger_pressing_a_language_button_changes_nothing(bot: BotHarness) -> None:
    user = bot.person()
    [reply] = await user.says("/start")
    await user.presses(reply.message_id, LangSet("en").pack())
    assert bot.telegram.calls_of("answerCallbackQuery")[-1].params["show_alert"] is True


async def test_roster_for_staff_only(bot: BotHarness, example_class: ClassPlan) -> None:
    trainee = await bind_plain_trainee(bot, example_class)
    [reply] = await trainee.says("/roster")
    assert "只有班主任" in reply.text
    manager = await bind(bot, example_class, Role.MANAGER)
    [reply] = await manager.says("/roster")
    total = len(example_class.people)
    assert f"已绑定 2 / {total} 人" in reply.text
    assert someone(example_class, Role.TRAINEE, 2).name in reply.text  # not bound yet
    assert someone(example_class, Role.TRAINEE, 1).name not in reply.text  # the one bound


async def test_stray_text_is_answered(bot: BotHarness, example_class: ClassPlan) -> None:
    [reply] = await bot.person().says("hello?")
    assert "还没有绑定" in reply.text
    user = await bind(bot, example_class, Role.TRAINEE)
    [reply] = await user.says("/nonsense")
    assert "/help" in reply.text


async def test_an_error_is_logged_and_the_person_told_politely(
    bot: BotHarness, example_class: ClassPlan, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    # Break the database under the bot: the identity guard's query will fail.
    await db.write(lambda tx: tx.execute("ALTER TABLE memberships RENAME TO gone"))
    with caplog.at_level(logging.ERROR):
        [reply] = await user.says("/help")
    assert "抱歉" in reply.text
    record = next(r for r in caplog.records if "error while handling update" in r.getMessage())
    assert record.exc_info is not None


async def test_an_english_user_is_told_about_an_error_in_english(
    bot: BotHarness, example_class: ClassPlan, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE, language_code="en")
    assert (await people.by_telegram_user(db, user.id)).locale == "en"
    [choice] = await user.says("/lang")

    async def break_it(tx: Tx) -> None:
        # A change logged for everyone, as a class's change logs, makes the
        # guard read again (storage/identities.py), and that read fails.
        await tx.execute("ALTER TABLE memberships RENAME TO gone")
        await tx.execute("INSERT INTO identity_changes (person_id) VALUES (NULL)")

    await db.write(break_it)
    with caplog.at_level(logging.ERROR):
        [reply] = await user.says("/help")
        await user.presses_button(choice, "中文")
    assert reply.text.startswith("Sorry, something went wrong")
    alert = bot.telegram.calls_of("answerCallbackQuery")[-1].params
    assert (alert["text"], alert["show_alert"]) == (
        "Sorry, something went wrong; please try again.",
        True,
    )
    assert (await people.by_telegram_user(db, user.id)).locale == "en"  # nothing half done
    records = [r for r in caplog.records if "error while handling update" in r.getMessage()]
    assert len(records) == 2 and all(r.exc_info for r in records)


async def test_a_chinese_person_with_an_english_app_is_told_in_their_chosen_language(
    bot: BotHarness, example_class: ClassPlan, db: Database
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE, language_code="en")
    await user.says("/lang zh")
    await db.write(lambda tx: tx.execute("ALTER TABLE memberships RENAME TO gone"))
    [reply] = await user.says("/help")
    assert "抱歉" in reply.text


async def test_with_the_people_table_broken_telegrams_language_decides(
    bot: BotHarness, db: Database
) -> None:
    english, chinese = bot.person(language_code="en-GB"), bot.person(language_code="zh-hant")
    await db.write(lambda tx: tx.execute("ALTER TABLE people RENAME TO gone"))
    [reply] = await english.says("/start")
    assert reply.text.startswith("Sorry, something went wrong")
    [reply] = await chinese.says("/start")
    assert "抱歉" in reply.text


async def test_the_roster_of_many_classes_comes_in_pages(bot: BotHarness, db) -> None:
    from storage.times import to_db

    stamp = to_db(bot.app.bot_data.clock.now())

    async def op(tx) -> None:  # an admin of five classes of 100 people who have not bound
        admin = await tx.insert(
            "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
            " VALUES ('管理员', '13312345678', 'inv-admin', ?, ?)",
            (stamp, stamp),
        )
        for c in range(5):
            class_id = await tx.insert(
                "INSERT INTO classes (name, start_date, end_date, timezone, created_at,"
                " updated_at) VALUES (?, '2026-12-07', '2026-12-11', 'Asia/Shanghai', ?, ?)",
                (f"第{c}期领导干部专题研修班", stamp, stamp),
            )
            await tx.execute(
                "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'admin')",
                (class_id, admin),
            )
            for n in range(100):
                pid = await tx.insert(
                    "INSERT INTO people (name, phone, invite_code, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        f"第{c}期学员某某某某某某某某某某{n:03d}",
                        f"185{c:02d}000{n:03d}",
                        f"i{c}-{n}",
                        stamp,
                        stamp,
                    ),
                )
                await tx.execute(
                    "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'trainee')",
                    (class_id, pid),
                )

    await db.write(op)
    admin = bot.person()
    await admin.shares_contact("13312345678")
    pages = await admin.says("/roster")
    assert len(pages) >= 2 and [c for c in bot.telegram.calls if not c.ok] == []
    text = "\n".join(p.text for p in pages)
    assert all(f"第{c}期领导干部专题研修班" in text for c in range(5))
