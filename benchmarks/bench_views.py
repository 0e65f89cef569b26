"""Views that grow with a school: /instructors over a year, and a session's close summary.

    python -m benchmarks.bench_views [--rounds 5] [--lectures 1044] [--trainees 900]

1. ``/instructors`` for a whole year (1,044 closed lectures by 30 instructors, 20
   anonymous ratings each), asked by an admin of the real Application over the Bot API
   double: wall time per command and the reads it made (SELECTs on the reader).
2. The close summary of a session of a class of 900 trainees, a quarter of them absent,
   after 20 earlier sessions (``handlers.checkin.jobs.send_summary``): the time it holds
   the writer (from its BEGIN to its COMMIT, as SQLite's trace sees them), the statements
   inside, and its whole wall time.

Each figure is the median of ``--rounds`` rounds, with the range. Targets (issue 18):
/instructors < 100 ms with a fixed number of reads; the close < 20 ms holding the writer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Update

from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Config, Secret
from bot.testing import FakeRequest, FakeTelegram
from handlers.checkin.jobs import send_summary
from storage.db import Database, Tx
from storage.times import to_db

TOKEN = "123456:TEST-token_for_tests_only"
ADMIN_USER = 9_000
YEAR_START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
DIMENSIONS = ("content", "teaching", "relevance", "overall")


def _config(path: Path) -> Config:
    return Config(
        token=Secret(TOKEN),
        api_url="http://127.0.0.1:8081",
        db_path=path,
        timezone="Asia/Shanghai",
        locale="zh",
    )


async def _person(tx: Tx, n: int, user_id: int | None, now: str) -> int:
    return await tx.insert(
        "INSERT INTO people (name, phone, invite_code, telegram_user_id, locale, bound_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 'zh', ?, ?, ?)",
        (f"P{n}", f"139{n:08d}", f"inv{n}", user_id, now, now, now),
    )


def _answers(lecture: int, count: int = 20) -> list[dict[str, int]]:
    """Twenty answers to a lecture, 3 to 5 on each question (about 17 different ones)."""
    rng = random.Random(lecture)
    return [{d: rng.choice((3, 4, 4, 5, 5)) for d in DIMENSIONS} for _ in range(count)]


async def make_year(db: Database, lectures: int) -> None:
    """A class with ``lectures`` closed lectures over 2026, 30 instructors, an admin."""
    now = to_db(YEAR_START - timedelta(days=1))

    async def op(tx: Tx) -> None:
        class_id = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, settings, created_at,"
            " updated_at) VALUES ('Year', '2026-01-01', '2026-12-31', 'Asia/Shanghai', '{}',"
            " ?, ?)",
            (now, now),
        )
        admin = await _person(tx, 0, ADMIN_USER, now)
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'admin')",
            (class_id, admin),
        )
        teachers = [await _person(tx, n, None, now) for n in range(1, 31)]
        for k in range(lectures):
            start = YEAR_START + timedelta(days=7 * (k // 20) + (k % 20) // 4, hours=2 * (k % 4))
            sid = await tx.insert(
                "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, hours,"
                " secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1.5, 's', ?, ?)",
                (
                    class_id,
                    f"L{k}",
                    f"Lecture {k}",
                    to_db(start),
                    to_db(start + timedelta(hours=1, minutes=30)),
                    now,
                    now,
                ),
            )
            await tx.execute(
                "INSERT INTO session_instructors (session_id, person_id) VALUES (?, ?)",
                (sid, teachers[k % len(teachers)]),
            )
            await tx.executemany(
                "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
                " updated_at) VALUES (?, NULL, ?, NULL, ?, ?)",
                [(sid, json.dumps(scores), now, now) for scores in _answers(k)],
            )

    await db.write(op)


async def make_close(db: Database, trainees: int, earlier: int) -> tuple[int, datetime]:
    """A class of ``trainees``, ``earlier`` closed sessions everyone attended and one just
    closing that a quarter missed (no threshold passed: the usual close); (the closing
    session's id, a moment after its close)."""
    now = to_db(YEAR_START - timedelta(days=1))
    first = YEAR_START

    async def op(tx: Tx) -> int:
        class_id = await tx.insert(
            "INSERT INTO classes (name, start_date, end_date, timezone, settings, created_at,"
            " updated_at) VALUES ('Close', '2026-01-01', '2026-12-31', 'Asia/Shanghai', '{}',"
            " ?, ?)",
            (now, now),
        )
        people = [await _person(tx, 100_000 + n, 200_000 + n, now) for n in range(trainees)]
        people.append(await _person(tx, 99_999, 199_999, now))  # the class manager
        await tx.executemany(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'trainee')",
            [(class_id, p) for p in people[:-1]],
        )
        await tx.execute(
            "INSERT INTO memberships (class_id, person_id, role) VALUES (?, ?, 'manager')",
            (class_id, people[-1]),
        )
        sid = 0
        for k in range(earlier + 1):
            start = first + timedelta(days=k)
            sid = await tx.insert(
                "INSERT INTO sessions (class_id, external_id, title, starts_at, ends_at, hours,"
                " secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 3, 's', ?, ?)",
                (class_id, f"S{k}", f"Session {k}", to_db(start), to_db(start + timedelta(hours=3)),
                 now, now),
            )  # fmt: skip
            await tx.executemany(
                "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method,"
                " updated_at) VALUES (?, ?, ?, 'none', ?)",
                [
                    (sid, p, to_db(start), to_db(start))
                    for n, p in enumerate(people[:-1])
                    if k < earlier or n % 4 != 0
                ],
            )
        return sid

    sid = await db.write(op)
    closing = first + timedelta(days=earlier)
    return sid, closing + timedelta(days=1)


async def instructors_round(folder: Path, lectures: int, r: int) -> tuple[float, int]:
    """One /instructors over the year: (ms, reads)."""
    config = _config(folder / f"year-{r}.sqlite3")
    db = await Database.open(config.db_path)
    try:
        await make_year(db, lectures)
        telegram = FakeTelegram(token=TOKEN, bot_username="bench_bot")
        telegram.add_user(ADMIN_USER, "Admin", language_code="zh-hans")
        clock = ManualClock(datetime(2027, 1, 20, tzinfo=UTC))
        app = build_application(
            config, db, clock, request=FakeRequest(telegram), rate_limiter=False
        )
        async with app:
            # A running bot has read who is speaking, compiled the templates and loaded the
            # workbook writer long ago: one short /instructors first.
            for text in ("/help", "/instructors 2026-01-05 2026-01-06"):
                await app.process_update(
                    Update.de_json(telegram.send_text(ADMIN_USER, text), app.bot)
                )
            update = Update.de_json(
                telegram.send_text(ADMIN_USER, "/instructors 2026-01-01 2026-12-31"), app.bot
            )
            statements: list[str] = []
            await db.trace(statements.append)
            began = time.perf_counter()
            await app.process_update(update)
            ms = 1000 * (time.perf_counter() - began)
            await db.trace(None)
        sent = [c for c in telegram.calls if c.method in ("sendMessage", "sendDocument")]
        if len(sent) < 3:
            raise SystemExit(f"/instructors answered {len(sent)} messages: {sent[-1:]}")
        reads = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))
        return ms, reads
    finally:
        await db.close()


async def close_round(folder: Path, trainees: int, r: int) -> tuple[float, int, float]:
    """One close summary: (ms holding the writer, statements inside, ms in all)."""
    config = _config(folder / f"close-{r}.sqlite3")
    db = await Database.open(config.db_path)
    try:
        sid, after = await make_close(db, trainees, earlier=20)
        telegram = FakeTelegram(token=TOKEN, bot_username="bench_bot")
        app = build_application(
            config, db, ManualClock(after), request=FakeRequest(telegram), rate_limiter=False
        )
        async with app:
            # A running bot compiled the summary's template long ago: one close before.
            await send_summary(app.bot_data, sid - 1, after)
            trace: list[tuple[float, str]] = []
            await db.trace(lambda sql: trace.append((time.perf_counter(), sql)))
            began = time.perf_counter()
            await send_summary(app.bot_data, sid, after)
            total = 1000 * (time.perf_counter() - began)
            await db.trace(None)
        begins = [n for n, (_, sql) in enumerate(trace) if sql.startswith("BEGIN")]
        commits = [n for n, (_, sql) in enumerate(trace) if sql.startswith("COMMIT")]
        if not begins or not commits:
            raise SystemExit("the close summary wrote nothing")
        first, last = begins[-1], commits[-1]
        held = 1000 * (trace[last][0] - trace[first][0])
        queued = await db.fetchone("SELECT count(*) FROM outbox")
        if not queued[0]:
            raise SystemExit("the close summary queued nothing")
        return held, last - first - 1, total
    finally:
        await db.close()


def _line(label: str, values: list[float], unit: str) -> str:
    spread = ", ".join(f"{v:.1f}" for v in sorted(values))
    return f"  {label:<34}: {statistics.median(values):8.1f} {unit}  ({spread})"


async def main(args: argparse.Namespace) -> None:
    """Alternate the two measurements ``rounds`` times; print medians and ranges."""
    ms, reads, held, inside, whole = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for r in range(args.rounds):
            a, b = await instructors_round(folder, args.lectures, r)
            ms.append(a)
            reads.append(float(b))
            c, d, e = await close_round(folder, args.trainees, r)
            held.append(c)
            inside.append(float(d))
            whole.append(e)
    print(f"/instructors over a year, {args.lectures} lectures (targets < 100 ms, fixed reads)")
    print(_line("time per command", ms, "ms"))
    print(_line("reads (SELECT statements)", reads, ""))
    print(f"close summary, {args.trainees} trainees, a quarter absent (target < 20 ms held)")
    print(_line("holding the writer (BEGIN-COMMIT)", held, "ms"))
    print(_line("statements inside the write", inside, ""))
    print(_line("whole job", whole, "ms"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lectures", type=int, default=1044)
    parser.add_argument("--trainees", type=int, default=900)
    asyncio.run(main(parser.parse_args()))
