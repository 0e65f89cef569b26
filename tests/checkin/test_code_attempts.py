"""Typed codes that are not six digits, and wrong codes with two classes in session."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.clock import ManualClock
from bot.importer.model import ClassPlan
from bot.rules import checkin_code
from storage.db import Database
from storage.imports import apply_plan
from tests.checkin.support import (
    S01_START,
    attendance_rows,
    manager,
    plain_trainees,
    secret_of,
    session_ids,
    trainee,
)
from tests.harness import BotHarness, bind, session_id

NOT_UNDERSTOOD = "没有看懂这条消息"
MALFORMED = "签到码是 6 位数字"


def full_width(digits: str) -> str:
    return "".join(chr(ord(d) - ord("0") + ord("０")) for d in digits)


def wrong_for(*secrets: str, clock: ManualClock) -> str:
    """A six-digit code that no session's current or previous minute has."""
    valid = {
        checkin_code.code_at(s, clock.now() - timedelta(minutes=back))
        for s in secrets
        for back in (0, 1)
    }
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


async def test_short_digits_while_a_code_is_awaited_get_the_six_digit_reply(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    secret = await secret_of(db, await session_id(db))
    user = await trainee(bot, example_class)
    [ask] = await user.says("/checkin")
    assert "6 位签到码" in ask.text
    for attempt in ("12345", "1234 5678", "12 34 5", full_width("1234"), "1234567"):
        [reply] = await user.says(attempt)
        assert MALFORMED in reply.text, attempt
    assert await attendance_rows(db) == []  # none of them counts as a wrong code
    wrong = wrong_for(secret, clock=clock)
    [reply] = await user.says(f"{wrong[:2]} {wrong[2:4]} {wrong[4:]}")
    assert "不正确或已过期" in reply.text and "再错 4 次" in reply.text
    [row] = await attendance_rows(db)
    assert row[6] == 1  # six digits after normalising: a wrong attempt
    good = checkin_code.code_at(secret, clock.now())
    [reply] = await user.says(full_width(good[:3]) + " " + full_width(good[3:]))
    assert "已签到" in reply.text
    [row] = await attendance_rows(db)
    assert row[2] is not None and row[3] == "code" and row[6] == 1


async def test_short_digits_when_no_code_is_awaited_are_not_taken(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    user = await trainee(bot, example_class)
    [reply] = await user.says("12345")  # no /checkin asked for a code
    assert NOT_UNDERSTOOD in reply.text
    [reply] = await user.says("/checkin 12345")  # with the command it is plainly an attempt
    assert MALFORMED in reply.text
    boss = await manager(bot, example_class)
    [reply] = await boss.says("12345")
    assert NOT_UNDERSTOOD in reply.text
    [reply] = await bot.person().says("1234")
    assert "绑定" in reply.text
    [reply] = await user.says("123456789")  # nine digits: not a code attempt at all
    assert NOT_UNDERSTOOD in reply.text
    assert await attendance_rows(db) == []


async def test_an_old_proof_form_does_not_keep_claiming_digits(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    clock.set(S01_START)
    user = await trainee(bot, example_class)
    await user.says("/checkin")
    clock.set(S01_START + timedelta(hours=4))  # S01's check-in closed; S02's not open yet
    [reply] = await user.says("12345")
    assert NOT_UNDERSTOOD in reply.text


async def test_five_wrong_codes_with_two_sessions_open_lock_both(
    bot: BotHarness, db: Database, clock: ManualClock, example_class: ClassPlan
) -> None:
    other = dataclasses.replace(example_class, name=example_class.name + "（二）")
    await apply_plan(db, other, clock.now())
    clock.set(S01_START)
    boss = await manager(bot, example_class)  # manages both classes
    name = plain_trainees(example_class)[0].name
    user = await bind(bot, plain_trainees(example_class)[0].phone)
    sids = await session_ids(db)
    secrets = [await secret_of(db, sid) for sid in sids]
    assert len(sids) == 2
    [ask] = await user.says("/checkin")
    assert "请选择" in ask.text  # asked which, and not answered: no session chosen
    wrong = wrong_for(*secrets, clock=clock)
    for left in (4, 3, 2, 1):
        [reply] = await user.says(wrong)
        assert f"再错 {left} 次" in reply.text
    update = bot.telegram.send_text(user.id, wrong)
    replies = await bot.feed(user, update)
    assert len(replies) == 2 and all("已被锁定" in r.text for r in replies)
    await bot.redeliver(user, update)  # the same update again counts nothing
    rows = await attendance_rows(db)
    assert [(r[0], r[6]) for r in rows] == [(sid, 5) for sid in sorted(sids)]
    assert all(r[7] is not None and r[2] is None for r in rows)
    # Neither class's right code works any more.
    for secret in secrets:
        [reply] = await user.says(checkin_code.code_at(secret, clock.now()))
        assert "已被锁定" in reply.text
    assert all(r[2] is None for r in await attendance_rows(db))
    await bot.deliver_outbox()
    notices = [m.text for m in boss.chat() if "签到已锁定" in (m.text or "")]
    assert len(notices) == 2 and all(name in n for n in notices)
    assert any(other.name in n for n in notices)
    assert any(example_class.name in n and other.name not in n for n in notices)
