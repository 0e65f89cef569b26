"""A class of 900: /grades comes in pages that each fit a message, and one publication
issues every certificate and queues every notice (a result and a .docx each) in one
transaction."""

from __future__ import annotations

import time
from datetime import timedelta
from fractions import Fraction

from bot.clock import ManualClock
from bot.testing.entities import utf16_len
from storage import grades
from storage.db import Database, Tx
from tests.checkin.support import S01_END, S01_START, big_class
from tests.harness import BotHarness


async def test_a_class_of_900_is_paged_and_published_at_once(
    bot: BotHarness, db: Database, clock: ManualClock
) -> None:
    boss = bot.person("Manager", language_code="en")
    sid = await big_class(
        db,
        trainees=900,
        starts_at=S01_START,
        ends_at=S01_END,
        now=clock.now(),
        manager_user_id=boss.id,
    )

    async def op(tx: Tx) -> None:
        klass = (await tx.fetchone("SELECT class_id FROM sessions WHERE id = ?", (sid,)))[0]
        await grades.replace_scheme(
            tx, klass, [("attendance", Fraction(60)), ("exam", Fraction(40))]
        )
        rows = await tx.fetchall(
            "SELECT person_id FROM memberships WHERE class_id = ? AND role = 'trainee'", (klass,)
        )
        for n, (person,) in enumerate(rows):
            await tx.execute(
                "INSERT INTO attendance (session_id, person_id, checkin_at, checkout_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?)",
                (sid, person, S01_START.isoformat(), S01_END.isoformat(), S01_END.isoformat()),
            )
            await grades.set_score(
                tx,
                class_id=klass,
                person_id=person,
                component="exam",
                score=Fraction(50 + n % 50),
                source="import",
                by=None,
                now=clock.now(),
            )

    await db.write(op)
    # Every trainee bound: each gets a notice and a certificate (queued, not delivered here).
    await db.write(
        lambda tx: tx.execute(
            "UPDATE people SET telegram_user_id = 700000 + id WHERE name LIKE 'Trainee%'"
        )
    )
    clock.set(S01_END + timedelta(hours=1))
    pages = await boss.says("/grades")
    assert len(pages) > 1 and all(utf16_len(p.text) <= 4096 for p in pages)
    assert "900 trainees: 900 graduate" in pages[0].text
    started = time.perf_counter()
    [done] = await boss.presses_button(pages[-1], "📣 Publish the results of Big class")
    elapsed = time.perf_counter() - started
    assert "900 certificates issued" in done.text
    row = await db.fetchone("SELECT count(*), max(number) FROM certificates")
    assert tuple(row) == (900, "2026-02-900")  # the example class is class 1
    keys = await db.fetchone("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'grades:%'")
    assert keys[0] == 1800  # a result and a certificate each
    assert elapsed < 60  # measured 3.5 s on the 2-core development machine
