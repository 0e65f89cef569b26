"""Faults on calls other than sendMessage: the bot keeps running and keeps the action.

Each test makes one Bot API call fail the way Telegram or the network can (429 with
retry_after, 403, 500, a timeout with or without the call taking effect) and checks that
what the person did is saved, that they are told what they can be told, and that the next
update is answered as usual.
"""

from __future__ import annotations

import logging

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.importer.model import ClassPlan
from bot.rules.roles import Role
from bot.testing import FakeTelegram, Fault
from storage import people
from storage.db import Database
from tests.handlers.test_binding import audit_count, bound_user_ids, someone
from tests.handlers.test_help_lang import bind
from tests.harness import BotHarness, Person

FAULTS = [
    Fault.retry_after(3),
    Fault.forbidden(),
    Fault.server_error(500),
    Fault.timeout(),
    Fault.timeout(delivered=True),
]
IDS = ["429", "403", "500", "timeout", "timeout-delivered"]
SWITCHED = "Language set to English."


def fired(bot: BotHarness, method: str) -> int:
    """How many calls of a method an injected fault answered."""
    return sum(call.fault is not None for call in bot.telegram.calls_of(method))


async def assert_english_from_now_on(user: Person, db: Database) -> None:
    """The switch was saved and the bot still answers: /help comes back in English."""
    assert (await people.by_telegram_user(db, user.id)).locale == "en"
    [reply] = await user.says("/help")
    assert reply.text.startswith("Hello,")


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
async def test_a_failed_button_answer_still_switches_and_confirms(
    bot: BotHarness,
    example_class: ClassPlan,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    [choice] = await user.says("/lang")
    bot.telegram.fail_next("answerCallbackQuery", fault)
    with caplog.at_level(logging.WARNING):
        await user.presses_button(choice, "English")
    assert fired(bot, "answerCallbackQuery") == 1
    # Only the spinner was lost: the message that offered the choice says it is made.
    assert user.last().message_id == choice.message_id
    assert user.last().text == SWITCHED
    assert "could not answer button press" in caplog.text
    await assert_english_from_now_on(user, db)


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
async def test_a_failed_edit_keeps_the_switch_and_apologises_in_the_new_language(
    bot: BotHarness,
    example_class: ClassPlan,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    [choice] = await user.says("/lang")
    bot.telegram.fail_next("editMessageText", fault)
    with caplog.at_level(logging.ERROR):
        await user.presses_button(choice, "English")
    assert fired(bot, "editMessageText") == 1
    assert "error while handling update" in caplog.text
    apology = bot.telegram.calls_of("answerCallbackQuery")[-1]
    assert apology.ok
    assert apology.params["text"] == "Sorry, something went wrong; please try again."
    assert apology.params["show_alert"] is True
    assert (await people.by_telegram_user(db, user.id)).locale == "en"
    # Pressing again, as the apology says, confirms without saving anything twice.
    entries = await audit_count(db)
    # The choice as first shown: after a delivered edit Telegram no longer shows its buttons.
    await user.presses_button(choice, "English")
    assert user.last().message_id == choice.message_id and user.last().text == SWITCHED
    answer = bot.telegram.calls_of("answerCallbackQuery")[-1]
    assert answer.ok and "show_alert" not in answer.params
    assert await audit_count(db) == entries
    await assert_english_from_now_on(user, db)


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
async def test_a_failed_menu_update_keeps_the_switch(
    bot: BotHarness,
    example_class: ClassPlan,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    user = await bind(bot, example_class, Role.TRAINEE)
    [choice] = await user.says("/lang")
    bot.telegram.fail_next("setMyCommands", fault)
    with caplog.at_level(logging.WARNING):
        await user.presses_button(choice, "English")
    assert fired(bot, "setMyCommands") == 1
    assert "could not set the command menu" in caplog.text
    assert user.last().text == SWITCHED
    assert bot.telegram.calls_of("answerCallbackQuery")[-1].ok
    await assert_english_from_now_on(user, db)


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
async def test_a_failed_menu_update_keeps_the_binding(
    bot: BotHarness,
    example_class: ClassPlan,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    trainee = someone(example_class, Role.TRAINEE)
    user = bot.person()
    bot.telegram.fail_next("setMyCommands", fault)
    with caplog.at_level(logging.WARNING):
        [reply] = await user.shares_contact(trainee.phone)
    assert fired(bot, "setMyCommands") == 1
    assert f"绑定成功，{trainee.name}" in reply.text
    assert await bound_user_ids(db) == {trainee.name: user.id}
    [reply] = await user.says("/help")
    assert trainee.name in reply.text


@pytest.mark.parametrize("fault", FAULTS, ids=IDS)
async def test_a_failed_command_menu_at_start_up_is_logged_and_the_bot_goes_on(
    config: Config,
    db: Database,
    clock: ManualClock,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    telegram.fail_next("setMyCommands", fault)
    with caplog.at_level(logging.WARNING):
        bot = await BotHarness.start(config, db, clock, telegram)  # as bot/app.py's start()
    try:
        assert fired(bot, "setMyCommands") == 1
        record = next(
            r for r in caplog.records if "could not publish the command menu" in r.message
        )
        assert record.exc_info is not None
        [reply] = await bot.person().says("/start")
        assert "培训班助手" in reply.text
    finally:
        await bot.stop()
