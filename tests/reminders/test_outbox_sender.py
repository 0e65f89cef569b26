"""The outbox sender: exactly one copy to everyone reachable, whatever Telegram answers."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import timedelta

from bot.clock import ManualClock
from bot.outbox import Outbox, Pacer
from bot.testing import Fault, FloodLimiter
from storage import outbox
from storage.db import Database
from tests.harness import BotHarness
from tests.reminders.support import VirtualTime, add_people, broadcast, status_counts


async def drain(bot: BotHarness, clock: ManualClock, rounds: int = 40) -> None:
    """Flush, move the clock past every backoff, until nothing is pending."""
    for _ in range(rounds):
        await bot.deliver_outbox()
        if not (await status_counts(bot.db)).get("pending"):
            return
        clock.advance(timedelta(minutes=6))
    raise AssertionError("rows still pending after every backoff")


def copies(bot: BotHarness, user_ids: list[int]) -> Counter[int]:
    """How many bot messages each user has."""
    return Counter({uid: sum(1 for m in bot.telegram.chat(uid) if m.from_bot) for uid in user_ids})


async def test_broadcast_to_1000_with_every_fault(bot: BotHarness, db: Database, clock):
    people = await add_people(db, bot.telegram, 1000, clock.now())
    blocked = [uid for _, uid in people[::50]]  # 20 people blocked the bot
    for uid in blocked:
        bot.telegram.block(uid)
    await broadcast(db, people, clock.now())
    bot.telegram.fail_next("sendMessage", Fault.retry_after(7), times=30)
    bot.telegram.fail_next("sendMessage", Fault.server_error(500), times=40)
    bot.telegram.fail_next("sendMessage", Fault.server_error(502, "Bad Gateway"), times=10)
    bot.telegram.fail_next("sendMessage", Fault.timeout(), times=20)
    bot.telegram.fail_next("sendMessage", Fault.timeout(delivered=True), times=3)

    await drain(bot, clock)

    reachable = [uid for _, uid in people if uid not in blocked]
    got = copies(bot, reachable)
    assert min(got.values()) == 1, "someone reachable missed the message"
    # A timeout after Telegram took the message is indistinguishable from a lost one: the
    # retry doubles exactly those that reached a reachable chat, nothing else.
    delivered = [
        c
        for c in bot.telegram.calls_of("sendMessage")
        if c.fault is not None and c.fault.delivered and c.status == 200
    ]
    assert 1 <= len(delivered) <= 3
    assert sum(n - 1 for n in got.values()) == len(delivered)
    assert all(n == 0 for n in copies(bot, blocked).values())
    assert await status_counts(db) == {"sent": 980, "unreachable": 20}
    marked = await db.fetchall(
        "SELECT telegram_user_id FROM people WHERE unreachable_at IS NOT NULL"
    )
    assert sorted(r[0] for r in marked) == sorted(blocked)
    ids = await db.fetchone(
        "SELECT count(*) FROM outbox WHERE status = 'sent' AND telegram_message_id IS NULL"
    )
    assert ids[0] == 0


async def test_429_waits_retry_after_before_resending(bot: BotHarness, db: Database, clock):
    people = await add_people(db, bot.telegram, 1, clock.now())
    await broadcast(db, people, clock.now())
    bot.telegram.fail_next("sendMessage", Fault.retry_after(20))
    assert await bot.deliver_outbox() == 1
    clock.advance(timedelta(seconds=19))
    assert await bot.deliver_outbox() == 0  # not before retry_after
    clock.advance(timedelta(seconds=1))
    assert await bot.deliver_outbox() == 1
    row = await db.fetchone("SELECT status, attempts, last_error FROM outbox")
    assert row[0] == "sent" and row[1] == 2 and "429" in row[2]


async def test_bad_request_is_parked_and_the_queue_goes_on(bot: BotHarness, db, clock):
    people = await add_people(db, bot.telegram, 2, clock.now())
    pid, uid = people[0]
    await db.write(
        lambda tx: outbox.enqueue(
            tx,
            key="bad",
            chat_id=uid,
            person_id=pid,
            now=clock.now(),
            payload={"text": "<b>unclosed", "parse_mode": "HTML"},
        )
    )
    await broadcast(db, people, clock.now(), text="after")
    await bot.deliver_outbox()
    bad = await db.fetchone("SELECT status, last_error FROM outbox WHERE idempotency_key = 'bad'")
    assert bad[0] == "failed" and "parse" in bad[1].lower()
    assert [m.text for m in bot.telegram.chat(uid) if m.from_bot] == ["after"]
    assert (await status_counts(db)) == {"failed": 1, "sent": 2}


async def test_transient_errors_give_up_after_max_attempts(bot: BotHarness, db, clock):
    people = await add_people(db, bot.telegram, 1, clock.now())
    await broadcast(db, people, clock.now())
    bot.telegram.fail_next("sendMessage", Fault.server_error(500), times=100)
    for _ in range(30):
        await bot.deliver_outbox()
        clock.advance(timedelta(minutes=6))
    row = await db.fetchone("SELECT status, attempts FROM outbox")
    assert tuple(row) == ("failed", 12)


async def test_unreachable_person_is_skipped_until_they_write(bot: BotHarness, db, clock):
    user = bot.person()
    await user.says("/start")  # not bound: make a person bound to this user directly
    people = await add_people(db, bot.telegram, 1, clock.now(), first_user=user.id + 1)
    pid, uid = people[0]
    bot.telegram.block(uid)
    await broadcast(db, people, clock.now(), key="one")
    await bot.deliver_outbox()
    await broadcast(db, people, clock.now(), key="two")
    calls_before = len(bot.telegram.calls_of("sendMessage"))
    await bot.deliver_outbox()
    assert len(bot.telegram.calls_of("sendMessage")) == calls_before  # parked, no call
    assert (await status_counts(db)) == {"unreachable": 2}

    bot.telegram.unblock(uid)
    from tests.harness import Person

    writer = Person(bot, uid, "P0", "zh-hans")
    await writer.says("/help")
    row = await db.fetchone("SELECT unreachable_at FROM people WHERE id = ?", (pid,))
    assert row[0] is None
    await broadcast(db, people, clock.now(), key="three")
    await bot.deliver_outbox()
    assert (await status_counts(db)) == {"unreachable": 2, "sent": 1}


async def test_pacer_keeps_under_telegram_limits(bot: BotHarness, db: Database, clock):
    vt = VirtualTime()
    # The strictest reading of Telegram's guidance: no bursts for a private chat.
    bot.telegram.flood = FloodLimiter(vt.monotonic, private_burst=1)
    bot.telegram.add_group(-100, "class group")
    people = await add_people(db, bot.telegram, 100, clock.now())
    await broadcast(db, people, clock.now(), key="a")
    await broadcast(db, people, clock.now(), key="b")  # a second message to each chat
    rows = [{"key": f"group:{n}", "chat_id": -100, "payload": {"text": f"g{n}"}} for n in range(4)]
    await db.write(lambda tx: outbox.enqueue_many(tx, rows, now=clock.now()))
    sender = Outbox(bot.app.bot, db, clock, pacer=Pacer(monotonic=vt.monotonic, sleep=vt.sleep))
    await sender.flush()
    calls = bot.telegram.calls_of("sendMessage")
    assert [c.status for c in calls] == [200] * 204, "the pacer let a 429 through"
    # The group's 4 sends at 3.15 s spacing need 9.45 s; 204 sends at 28.6 a second need
    # 7.1 s, and the pacer never waits longer than both in a row.
    assert 9.45 <= vt.now <= 204 / 28.5 + 9.45 + 1.0
    assert (await status_counts(db)) == {"sent": 204}


async def test_raw_outbox_call_bypasses_the_app_rate_limiter(
    db, clock, config, telegram, monkeypatch
):
    from telegram.ext import AIORateLimiter

    from bot.app import build_application
    from bot.testing import FakeRequest

    app = build_application(config, db, clock, request=FakeRequest(telegram), rate_limiter=True)
    await app.initialize()
    try:
        calls = []
        original = AIORateLimiter.process_request

        async def spy(self, *args, **kwargs):
            calls.append(kwargs.get("endpoint"))
            return await original(self, *args, **kwargs)

        monkeypatch.setattr(AIORateLimiter, "process_request", spy)
        telegram.add_user(777, "Direct")
        telegram._user_chat(777)
        await app.bot.send_message(777, "direct")  # a direct reply goes through the limiter
        people = await add_people(db, telegram, 3, clock.now())
        await broadcast(db, people, clock.now())
        sender = Outbox(app.bot, db, clock)  # no pacer: only the bypass is under test
        assert await sender.flush() == 3
        assert calls == ["sendMessage"]  # only the direct one
        assert (await status_counts(db)) == {"sent": 3}
    finally:
        await app.shutdown()


async def test_one_chats_messages_keep_their_order_across_a_retry(
    bot: BotHarness, db: Database, clock
):
    people = await add_people(db, bot.telegram, 2, clock.now())
    (_, first), (_, second) = people
    for n in range(3):
        await broadcast(db, people[:1], clock.now(), key=f"m{n}", text=f"m{n}")
    await broadcast(db, people[1:], clock.now(), key="other", text="other")
    bot.telegram.fail_next("sendMessage", Fault.server_error(500))  # the first call: m0
    await bot.deliver_outbox()
    # m0 waits for its retry, and m1, m2 wait behind it; the other chat is not held up.
    assert [m.text for m in bot.telegram.chat(first) if m.from_bot] == []
    assert [m.text for m in bot.telegram.chat(second) if m.from_bot] == ["other"]
    await broadcast(db, people[1:], clock.now(), key="later", text="later")
    clock.advance(timedelta(seconds=1))
    await bot.deliver_outbox()
    assert [m.text for m in bot.telegram.chat(first) if m.from_bot] == ["m0", "m1", "m2"]
    assert [m.text for m in bot.telegram.chat(second) if m.from_bot] == ["other", "later"]


async def test_a_retried_row_keeps_its_place_in_the_queue(bot: BotHarness, db: Database, clock):
    people = await add_people(db, bot.telegram, 3, clock.now())
    await broadcast(db, people[:1], clock.now(), key="early", text="early")
    bot.telegram.fail_next("sendMessage", Fault.server_error(500))
    await bot.deliver_outbox()  # early fails: it waits 1 s
    clock.advance(timedelta(milliseconds=500))
    await broadcast(db, people[1:], clock.now(), key="late", text="late")
    clock.advance(timedelta(milliseconds=500))
    await bot.deliver_outbox()
    order = [c.params["text"] for c in bot.telegram.calls_of("sendMessage") if c.status == 200]
    assert order == ["early", "late", "late"]  # not behind what was queued since


async def test_an_edit_follows_the_message_another_row_sends(bot: BotHarness, db: Database, clock):
    from bot.outbox import edit_of, message

    people = await add_people(db, bot.telegram, 1, clock.now())
    pid, uid = people[0]

    async def queue(tx, key: str, payload: dict, method: str = "sendMessage") -> int:
        await outbox.enqueue(
            tx,
            key=key,
            chat_id=uid,
            person_id=pid,
            payload=payload,
            now=clock.now(),
            method=method,
        )
        row = await tx.fetchone("SELECT id FROM outbox WHERE idempotency_key = ?", (key,))
        return int(row[0])

    async def card_and_edit(tx) -> int:
        card = await queue(tx, "card", message("card"))
        await queue(tx, "edit", edit_of(card, message("closed")), "editMessageText")
        return card

    await db.write(card_and_edit)
    await bot.deliver_outbox()
    assert [m.text for m in bot.telegram.chat(uid) if m.from_bot] == ["closed"]

    # A card dropped before it was sent: its edit has nothing to edit and is dropped too.
    async def dropped(tx) -> None:
        card = await queue(tx, "card2", message("card2"))
        await outbox.mark_failed(tx, card, "dropped", "closed before sending")
        await queue(tx, "edit2", edit_of(card, message("closed2")), "editMessageText")

    await db.write(dropped)
    await bot.deliver_outbox()
    row = await db.fetchone("SELECT status FROM outbox WHERE idempotency_key = 'edit2'")
    assert row[0] == "dropped"
    assert [m.text for m in bot.telegram.chat(uid) if m.from_bot] == ["closed"]


async def test_a_photo_goes_through_the_outbox_connection(db: Database, clock, telegram, config):
    """Over real HTTP, as in production: the outbox's aiohttp connection uploads the file."""
    from bot.outbox import outbox_connection, photo
    from tests.reminders.support import serve_fake

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    runner, url = await serve_fake(telegram)
    try:
        people = await add_people(db, telegram, 1, clock.now())
        pid, uid = people[0]
        payload = photo(png, filename="chart.png", caption="<b>chart</b>")
        await db.write(
            lambda tx: outbox.enqueue(
                tx,
                key="chart",
                chat_id=uid,
                person_id=pid,
                payload=payload,
                now=clock.now(),
                method="sendPhoto",
            )
        )
        sender = Outbox(outbox_connection(dataclasses.replace(config, api_url=url)), db, clock)
        try:
            assert await sender.flush() == 1
        finally:
            await sender.stop()
        sent = [m for m in telegram.chat(uid) if m.from_bot]
        assert [(m.kind, m.text) for m in sent] == [("photo", "chart")]
        assert (await status_counts(db)) == {"sent": 1}
    finally:
        await runner.cleanup()


async def test_pacer_leaves_room_for_sends_that_arrive_late(bot: BotHarness, db: Database, clock):
    """Each send reaches Telegram up to 40 ms after it left (a busy loop, a busy server),
    in order: no two arrive closer than Telegram's window allows, and the rate stays at
    95% of 30 a second."""
    vt = VirtualTime()
    rng = random.Random(18)
    last = 0.0

    def arrival() -> float:
        nonlocal last
        last = max(last, vt.monotonic() + rng.uniform(0.0, 0.04))
        return last

    bot.telegram.flood = FloodLimiter(arrival)
    people = await add_people(db, bot.telegram, 300, clock.now())
    await broadcast(db, people, clock.now(), key="a")
    sender = Outbox(bot.app.bot, db, clock, pacer=Pacer(monotonic=vt.monotonic, sleep=vt.sleep))
    await sender.flush()
    calls = bot.telegram.calls_of("sendMessage")
    assert [c.status for c in calls] == [200] * 300, "a late arrival met a 429"
    assert 299 / vt.now >= 0.95 * 30
