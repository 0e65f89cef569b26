"""Growth benchmark: the database after a three-month class of 900 trainees and 260 sessions.

Run on demand:  python -m benchmarks.bench_growth [--days 90] [--trainees 900]

A whole class is lived through on a moved clock, with the bot's real code: the planners and
their jobs queue the digest, every reminder, the rating prompts, reminders and summaries,
the session-close summaries and the limit warnings; the real outbox sends them (to a Bot API
stand-in that only counts, so that memory measures the bot, not a chat history) and records
them; check-ins, check-outs (each a claimed update, as a real one is) and ratings are written
through the storage functions their flows call. Upkeep runs as ``run`` runs it (here once a
simulated day). The run is done twice, with upkeep and without, and prints the size of the
database file (after a checkpoint) and the biggest tables, for both.

The goal (issue 13): under 60 MB with upkeep.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Config, Secret
from bot.importer.model import ClassPlan, PersonPlan, SessionPlan
from bot.rules.class_settings import ClassSettings
from bot.rules.roles import Role
from bot.upkeep import tidy
from storage import attendance, ratings, sessions, updates
from storage.db import Database, Tx
from storage.imports import apply_plan

TOKEN = "123456:GROWTH-benchmark-token"
START = date(2027, 3, 1)  # a Monday
SLOTS = ((0, 30, 3), (6, 30, 3), (11, 0, 2))  # UTC hour, minute, class hours: 08:30, 14:30, 19:00
COMMENT = "老师讲得很好，结合实际，案例丰富，很有启发。" * 3


class CountingRequest(BaseRequest):
    """A Bot API stand-in that accepts every call and keeps nothing but a count."""

    def __init__(self) -> None:
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        self.calls += 1
        if url.endswith("/getMe"):
            result: Any = {"id": 1, "is_bot": True, "first_name": "bot", "username": "x_bot"}
        else:
            chat = {"id": 1, "type": "private"}
            result = {"message_id": self.calls, "date": 0, "chat": chat, "text": "."}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def make_plan(trainees: int, days: int) -> ClassPlan:
    """The class: trainees with 20-character names, managers, 30 instructors, ~3 sessions a day."""
    people = [
        PersonPlan(
            n + 2, f"学员{n:04d}" + "某" * 14, f"139{n:08d}", frozenset({Role.TRAINEE}), "单位"
        )
        for n in range(trainees)
    ]
    teachers = [f"137{n:08d}" for n in range(30)]
    people += [
        PersonPlan(trainees + 2 + n, f"教师{n:02d}", phone, frozenset({Role.INSTRUCTOR}), "党校")
        for n, phone in enumerate(teachers)
    ]
    people += [
        PersonPlan(
            trainees + 40 + n, f"班主任{n}", f"136{n:08d}", frozenset({Role.MANAGER}), "党校"
        )
        for n in range(4)
    ]
    timetable = []
    for day in range(days):
        for hour, minute, hours in SLOTS if day % 7 < 5 else SLOTS[:2]:
            start = datetime(START.year, START.month, START.day, hour, minute, tzinfo=UTC)
            start += timedelta(days=day)
            timetable.append(
                SessionPlan(
                    len(timetable) + 2,
                    f"S{len(timetable):03d}",
                    f"专题讲座 {len(timetable)}",
                    (teachers[len(timetable) % 30],),
                    start,
                    start + timedelta(hours=hours),
                    "第一报告厅",
                    float(hours),
                )
            )
    return ClassPlan(
        "2027年春季中青年干部培训班",
        START,
        START + timedelta(days=days),
        "Asia/Shanghai",
        ClassSettings(),
        tuple(people),
        tuple(timetable),
    )


async def _bind_everyone(db: Database) -> None:
    async def op(tx: Tx) -> None:
        await tx.execute(
            "UPDATE people SET telegram_user_id = 100000 + id, locale = 'zh', bound_at = 'x'"
        )

    await db.write(op)


async def _attend(db: Database, session: sessions.Session, rng: random.Random) -> None:
    """Check-ins at the start (95% come), check-outs at the end (each a claimed update)."""
    members = await db.fetchall(
        "SELECT person_id FROM memberships WHERE class_id = ? AND role = 'trainee'",
        (session.class_id,),
    )
    came = [pid for (pid,) in members if rng.random() < 0.95]

    async def checkin(tx: Tx) -> None:
        for pid in came:
            at = session.starts_at + timedelta(seconds=rng.randint(-900, 600))
            await attendance.record_checkin(tx, session, pid, at, "code")

    async def checkout(tx: Tx) -> None:
        for n, pid in enumerate(came):
            at = session.ends_at + timedelta(seconds=rng.randint(0, 900))
            if await updates.claim(tx, session.id * 10_000 + n, at):
                await attendance.record_checkout(tx, session.id, pid, at, "normal")

    await db.write(checkin)
    await db.write(checkout)


async def _rate(db: Database, session: sessions.Session, rng: random.Random, at: datetime) -> None:
    """80% of those who came rate; one in five comments (forms are gone by then)."""
    rows = await db.fetchall(
        "SELECT person_id FROM attendance WHERE session_id = ? AND checkin_at IS NOT NULL",
        (session.id,),
    )

    async def op(tx: Tx) -> None:
        for (pid,) in rows:
            if rng.random() < 0.8:
                scores = {
                    d: rng.randint(3, 5) for d in ("content", "teaching", "relevance", "overall")
                }
                comment = COMMENT if rng.random() < 0.2 else None
                await ratings.save_rating(tx, session.id, pid, scores, comment, at)

    await db.write(op)


async def live_a_class(folder: Path, trainees: int, days: int, upkeep: bool) -> dict[str, Any]:
    """One class, start to end; the figures of its database."""
    path = folder / ("with-upkeep.sqlite3" if upkeep else "without-upkeep.sqlite3")
    clock = ManualClock(
        datetime(START.year, START.month, START.day, tzinfo=UTC) - timedelta(days=1)
    )
    db = await Database.open(path)
    await apply_plan(db, make_plan(trainees, days), clock.now())
    await _bind_everyone(db)
    config = Config(
        token=Secret(TOKEN),
        api_url="http://127.0.0.1:9",
        db_path=path,
        timezone="Asia/Shanghai",
        locale="zh",
    )
    app = build_application(config, db, clock, request=CountingRequest(), rate_limiter=False)
    data = app.bot_data
    rng = random.Random(2027)
    all_sessions = await sessions.ending_since(db, clock.now())
    started = time.perf_counter()

    ran: dict[str, datetime] = {}  # job name -> the ``at`` it ran for, as the scheduler keeps

    async def until(moment: datetime) -> None:
        """Move the clock to ``moment`` from job to job, running each due one once, and send."""
        while True:
            now = clock.now()
            planned = [job for planner in data.planners for job in await planner(db, now)]
            for job in sorted(planned, key=lambda j: (j.at, j.name)):
                if job.at <= now < job.useful_until and ran.get(job.name) != job.at:
                    ran[job.name] = job.at
                    await job.run(data, now)
            await data.outbox.flush()
            if now >= moment:
                return
            later = [job.at for job in planned if now < job.at]
            clock.set(min([moment, *later]))

    day = None
    for session in all_sessions:
        local_day = (session.starts_at + timedelta(hours=8)).date()
        if upkeep and local_day != day:
            await tidy(db, config, clock.now())
            day = local_day
        await until(session.starts_at)
        await _attend(db, session, rng)
        await until(session.ends_at + timedelta(hours=2))
        await _rate(db, session, rng, clock.now())
    await until(clock.now() + timedelta(days=3))  # the last summaries
    if upkeep:
        await tidy(db, config, clock.now())
    elapsed = time.perf_counter() - started
    await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6"
        ).fetchall()
        outbox_rows = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return {
        "size_mb": path.stat().st_size / 1e6,
        "tables": [(name, size / 1e6) for name, size in tables],
        "outbox_rows": outbox_rows,
        "sessions": len(all_sessions),
        "seconds": elapsed,
    }


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {}
        for upkeep in (False, True):
            results[upkeep] = await live_a_class(folder, args.trainees, args.days, upkeep)
    for upkeep, r in results.items():
        print(
            f"{'with' if upkeep else 'without'} upkeep: {r['size_mb']:.1f} MB after "
            f"{r['sessions']} sessions, {r['outbox_rows']:,} outbox rows kept "
            f"({r['seconds']:.0f} s to simulate)"
        )
        print("   " + ", ".join(f"{name} {size:.1f} MB" for name, size in r["tables"]))
    goal = results[True]["size_mb"] < 60
    print(f"goal < 60 MB with upkeep: {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--trainees", type=int, default=900)
    asyncio.run(main(parser.parse_args()))
