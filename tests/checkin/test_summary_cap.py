"""A class of 900: the close summary comes in pages, /roll in one message with fewer names."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.testing.entities import utf16_len
from handlers.checkin.jobs import send_summary
from handlers.checkin.views import MAX_NAMES
from storage.db import Database, Tx
from storage.times import to_db
from tests.checkin.support import S01_END, S01_START, big_class
from tests.harness import BotHarness

TRAINEES = 900


async def test_summary_of_900_absent_trainees_fits_one_message(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    sid = await big_class(
        db,
        trainees=TRAINEES,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    await boss.says("/help")  # opens the chat with the bot
    clock.set(S01_END + timedelta(minutes=30))
    assert f"session:{sid}:checkin-close" in await bot.run_due_jobs()
    await bot.deliver_outbox()
    [summary] = [m for m in boss.chat() if "attendance summary" in (m.text or "")]
    assert "Present 0 of 900" in summary.text
    assert "Absent (900): Trainee with a long name 0000, " in summary.text
    assert f"Trainee with a long name {MAX_NAMES - 1:04d} and {TRAINEES - MAX_NAMES} more" in (
        summary.text
    )
    assert f"Trainee with a long name {MAX_NAMES:04d}" not in summary.text
    refused = [c for c in bot.telegram.calls_of("sendMessage") if not c.ok]
    assert refused == []


async def test_roll_of_900_is_capped_the_same_way(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    await big_class(
        db,
        trainees=TRAINEES,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    clock.set(S01_START + timedelta(minutes=10))
    [roll] = await boss.says("/roll")
    assert "Expected 900, here 0" in roll.text
    assert "Not checked in 900: " in roll.text and f"and {TRAINEES - MAX_NAMES} more" in roll.text


async def _spread(db: Database, sid: int, clock: ManualClock) -> None:
    """A quarter each late, left early, never checked out, absent: four long lists."""
    late = to_db(S01_START + timedelta(minutes=20))
    early = to_db(S01_END - timedelta(minutes=60))
    rows = await db.fetchall(
        "SELECT person_id FROM memberships WHERE role = 'trainee' ORDER BY person_id"
    )

    async def op(tx: Tx) -> None:
        for n, (pid,) in enumerate(rows):
            kind = n % 4
            if kind == 3:
                continue  # absent
            out = early if kind == 1 else (None if kind == 2 else to_db(S01_END))
            await tx.execute(
                "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method,"
                " checkout_at, updated_at) VALUES (?, ?, ?, 'none', ?, ?)",
                (sid, pid, late, out, to_db(clock.now())),
            )

    await db.write(op)


async def test_a_summary_too_long_for_one_message_comes_in_pages(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    sid = await big_class(
        db,
        trainees=TRAINEES,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    await _spread(db, sid, clock)
    await boss.says("/help")
    clock.set(S01_END + timedelta(minutes=30))
    await bot.run_due_jobs()
    await bot.deliver_outbox()
    refused = [c for c in bot.telegram.calls_of("sendMessage") if not c.ok]
    assert refused == []  # every page within Telegram's 4,096 units
    start = next(i for i, m in enumerate(boss.chat()) if "attendance summary" in (m.text or ""))
    pages = [m for m in boss.chat()[start:] if m.from_bot and "leave limit" not in m.text]
    assert len(pages) >= 2  # the summary, in pages (the limit warnings follow it)
    text = "\n".join(m.text for m in pages)
    for label in ("Late", "Left early", "No check-out", "Absent"):
        assert f"{label} (225): Trainee with a long name" in text
    statuses = await db.fetchall(
        "SELECT status FROM outbox WHERE idempotency_key LIKE ?",
        (f"checkin:summary:session:{sid}:%",),
    )
    assert {s[0] for s in statuses} == {"sent"}


async def test_a_roll_too_long_for_one_message_lists_fewer_names(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    sid = await big_class(
        db,
        trainees=TRAINEES,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    await _spread(db, sid, clock)
    clock.set(S01_END + timedelta(minutes=30))
    [roll] = await boss.says("/roll")  # one message: it is refreshed in place
    assert utf16_len(roll.text) <= 4096 and "more" in roll.text
    assert [m for m in bot.telegram.calls_of("sendMessage") if not m.ok] == []


async def test_the_close_writes_the_same_statements_for_twenty_absent_or_ten(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    """The close reads and renders before its write (handlers/leave/limit.py close_warnings):
    however many are absent, its write only queues the summary. Nobody here passes a
    threshold (3 hours absent of 66)."""
    boss = bot.person("Manager", language_code="en")
    first = await big_class(
        db,
        trainees=30,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )
    later = S01_END + timedelta(hours=1)
    stamp = to_db(clock.now())

    async def timetable(tx: Tx) -> list[int]:
        ids = []
        for n in range(21):  # the next session, then twenty more days of them
            start = later + timedelta(days=n)
            ids.append(
                await tx.insert(
                    "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at,"
                    " hours, secret, created_at, updated_at) SELECT class_id, ?, 'More', ?, ?,"
                    " 3, 's', ?, ? FROM sessions WHERE id = ?",
                    (
                        f"B{n + 2}",
                        to_db(start),
                        to_db(start + timedelta(hours=3)),
                        stamp,
                        stamp,
                        first,
                    ),
                )
            )
        rows = await tx.fetchall(
            "SELECT person_id FROM memberships WHERE role = 'trainee' ORDER BY person_id"
        )
        people = [r[0] for r in rows]
        # Ten present at the first session, and absent from the second; the rest the other
        # way round: 20 absent from the first, 10 from the second, each absent once.
        for n, pid in enumerate(people):
            sid = first if n < 10 else ids[0]
            at = S01_START if n < 10 else later
            await tx.execute(
                "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method,"
                " updated_at) VALUES (?, ?, ?, 'none', ?)",
                (sid, pid, to_db(at), to_db(at)),
            )
        return ids

    second = (await db.write(timetable))[0]
    await boss.says("/help")

    async def statements_inside_the_close(session_id: int) -> int:
        statements: list[str] = []
        await db.trace(statements.append)
        try:
            await send_summary(bot.app.bot_data, session_id, clock.now())
        finally:
            await db.trace(None)
        begin = max(n for n, s in enumerate(statements) if s.startswith("BEGIN"))
        commit = max(n for n, s in enumerate(statements) if s.startswith("COMMIT"))
        return commit - begin - 1

    clock.set(later + timedelta(hours=6))  # both sessions closed
    twenty = await statements_inside_the_close(first)
    ten = await statements_inside_the_close(second)
    assert twenty == ten
    await bot.deliver_outbox()
    summaries = [m.text for m in boss.chat() if "attendance summary" in (m.text or "")]
    assert len(summaries) == 2
    assert any("Absent (20)" in s for s in summaries) and any("Absent (10)" in s for s in summaries)
    warned = await db.fetchone(
        "SELECT count(*) FROM audit_log WHERE action = 'leave.limit_warning'"
    )
    assert warned[0] == 0
