"""Every press is answered, whoever presses whatever: forged, stale, malformed or foreign.

A press left unanswered spins on the person's screen until Telegram gives up; a crafted
value that raises apologises for a bug. Every kind of button, with ids that exist and ids
that do not, with values no button ever carried, pressed by someone not bound, a trainee
and a class manager: each press gets its answer, and none of them is an error.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from enum import StrEnum
from typing import Any, get_type_hints

import pytest

from bot import buttons
from bot.importer.model import ClassPlan
from bot.rules.roles import Role
from tests.handlers.test_binding import someone
from tests.harness import BotHarness, Person, bind

CRAFTED = ("--5", "99999999999999999999", "-9223372036854775809", "", "１", "1.0")


def presses_of(kind: type[buttons.Button]) -> list[str]:
    """Data for a kind: real-looking values, values that point nowhere, crafted values."""
    hints = get_type_hints(kind)
    names = [f.name for f in fields(kind)]  # type: ignore[arg-type]
    data = []
    for number in (1, 2, 999_999, -5):
        values: list[Any] = []
        for name in names:
            kind_of = hints[name]
            if kind_of is int:
                values.append(number)
            elif isinstance(kind_of, type) and issubclass(kind_of, StrEnum):
                values.append(list(kind_of)[number % len(kind_of)])
            else:
                values.append(("en", "2026-12-07", "zz", "x")[number % 4])
        data.append(kind(*values).pack())
    if names:
        data += [f"1|{kind.code}|" + "|".join([crafted] * len(names)) for crafted in CRAFTED]
    data.append(f"1|{kind.code}|" + "|".join(["1"] * (len(names) + 1)))  # one field too many
    return data


@pytest.mark.parametrize("kind", buttons.kinds(), ids=lambda k: k.__name__)
async def test_every_press_is_answered_and_none_is_an_error(
    bot: BotHarness,
    example_class: ClassPlan,
    kind: type[buttons.Button],
    caplog: pytest.LogCaptureFixture,
) -> None:
    people: list[Person] = [
        bot.person(),  # not bound
        await bind(bot, someone(example_class, Role.TRAINEE, 1).phone),
        await bind(bot, someone(example_class, Role.MANAGER).phone),
    ]
    with caplog.at_level(logging.ERROR):
        for person in people:
            for data in presses_of(kind):
                update = bot.telegram.press(person.id, 1, data)
                await bot.feed(person, update)
                query = update["callback_query"]["id"]
                answers = [
                    c
                    for c in bot.telegram.calls_of("answerCallbackQuery")
                    if c.params.get("callback_query_id") == query
                ]
                assert answers, f"{kind.__name__} {data!r} by {person.first_name}: no answer"
    errors = [r for r in caplog.records if r.name == "handlers.errors"]
    assert errors == [], [r.getMessage() for r in errors]
