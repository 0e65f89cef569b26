"""Check-in benchmark: 900 trainees checking in within one minute, against a bare bot.

Run on demand:  python benchmarks/bench_checkin.py [--people 900] [--rounds 10]
                [--modes none,code]

In one run, on one event loop (one core), it feeds the same kind of update (``/checkin``
from a different user each) through:

- the real Application (build_application: identity guard, every handler, the check-in
  handler, a real SQLite file with group commit, the leave hook, the reply) and
- a bare PTB Application that only replies "ok",

both on the Bot API double (FakeTelegram over FakeRequest), both driven as production is:
updates put on ``app.update_queue`` and dispatched concurrently by the update processor
(PerUserUpdateProcessor, 64 at a time). Two modes of the class: ``none`` (``/checkin``, no
proof) and ``code`` (``/checkin 123456``, the session's code of the minute); the bare bot
gets the same texts. Each round runs the bare bot and each mode back to back, in an order
that rotates, and gives each mode its own ratio of CPU per update; the figures printed are
the medians of the rounds with their spread (never the best round). It checks that every
trainee has exactly one attendance row. Targets (issue 18): ratio <= 2.0x in both modes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot.app import MAX_CONCURRENT_UPDATES, build_application
from bot.clock import ManualClock
from bot.config import Config, Secret
from bot.importer.model import ClassPlan, PersonPlan, SessionPlan
from bot.ordering import PerUserUpdateProcessor
from bot.rules import checkin_code
from bot.rules.class_settings import ClassSettings
from bot.rules.roles import Role
from bot.testing import FakeRequest, FakeTelegram
from storage.db import Database, Tx
from storage.imports import apply_plan

TOKEN = "123456:BENCH-token"
START = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
FIRST_USER = 10_000


def make_plan(people: int, mode: str = "none") -> ClassPlan:
    """A class of ``people`` trainees, a class manager, and a day of two sessions."""
    roster = [
        PersonPlan(i + 3, f"trainee {i}", f"139{i:08d}", frozenset({Role.TRAINEE}), None)
        for i in range(people)
    ]
    roster.append(PersonPlan(2, "manager", "13800000000", frozenset({Role.MANAGER}), None))
    sessions = [
        SessionPlan(2, "S1", "morning", (), START, START + timedelta(hours=3), "hall", 3.0),
        SessionPlan(
            3,
            "S2",
            "afternoon",
            (),
            START + timedelta(hours=6),
            START + timedelta(hours=9),
            "hall",
            3,
        ),
    ]
    return ClassPlan(
        "benchmark class",
        date(2026, 12, 7),
        date(2026, 12, 8),
        "Asia/Shanghai",
        ClassSettings(checkin_mode=mode),  # type: ignore[arg-type] - "none" or "code"
        tuple(roster),
        tuple(sessions),
    )


async def bind_everyone(db: Database, people: int) -> None:
    """Bind trainee i to Telegram user FIRST_USER + i (set-up, not measured)."""

    async def op(tx: Tx) -> None:
        await tx.executemany(
            "UPDATE people SET telegram_user_id = ?, locale = 'zh', bound_at = ? WHERE phone = ?",
            [(FIRST_USER + i, START.isoformat(), f"139{i:08d}") for i in range(people)],
        )

    await db.write(op)


@dataclass
class Run:
    """One measured pass."""

    wall: float
    cpu: float
    updates: int

    @property
    def per_update_ms(self) -> float:
        """Wall-clock milliseconds per update."""
        return 1000 * self.wall / self.updates

    @property
    def cpu_per_update_ms(self) -> float:
        """CPU milliseconds per update."""
        return 1000 * self.cpu / self.updates

    @property
    def per_second(self) -> float:
        """Sustained updates per second."""
        return self.updates / self.wall


class CountingRequest(FakeRequest):
    """The double's transport, telling the benchmark when the awaited calls have all come."""

    def __init__(self, telegram: FakeTelegram) -> None:
        super().__init__(telegram)
        self.count = 0
        self.target = 0
        self.done = asyncio.Event()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Answer as the double does, and count."""
        result = await super().do_request(*args, **kwargs)
        self.count += 1
        if self.count >= self.target:
            self.done.set()
        return result


async def drive(
    app: Application, request: CountingRequest, telegram: FakeTelegram, updates: list[Any]
) -> Run:
    """Put every update on the queue at once; wait until each got its reply."""
    # Each update gets exactly one call back: its reply.
    before = len(telegram.calls)
    objects = [Update.de_json(u, app.bot) for u in updates]
    request.target = request.count + len(objects)
    request.done.clear()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for update in objects:
        app.update_queue.put_nowait(update)
    await request.done.wait()
    run = Run(time.perf_counter() - wall0, time.process_time() - cpu0, len(objects))
    replies = [c for c in telegram.calls[before:] if c.method == "sendMessage"]
    if len(replies) != len(objects):
        raise SystemExit(f"expected {len(objects)} replies, got {len(replies)}")
    return run


def user_updates(telegram: FakeTelegram, people: int, text: str) -> list[dict[str, Any]]:
    """One text update from each trainee."""
    return [telegram.send_text(FIRST_USER + i, text) for i in range(people)]


def bare_application(request: CountingRequest) -> Application:
    """The baseline: PTB, the same double and update processor, a handler that says ok."""

    async def ok(update: Update, _context: Any) -> None:
        await update.effective_message.reply_text("ok")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(request)
        .get_updates_request(FakeRequest(request.telegram))
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, ok))
    return app


async def bench_real(folder: Path, people: int, round_: int, mode: str) -> tuple[Run, int]:
    """The real bot: one round of ``people`` check-ins to a fresh session, in ``mode``."""
    telegram = FakeTelegram(token=TOKEN, bot_username="bench_bot")
    for i in range(people + 1):
        telegram.add_user(FIRST_USER + i, f"T{i}", language_code="zh-hans")
    config = Config(
        token=Secret(TOKEN),
        api_url="http://127.0.0.1:8081",
        db_path=folder / f"bench-{round_}-{mode}.sqlite3",
        timezone="Asia/Shanghai",
        locale="zh",
    )
    clock = ManualClock(START + timedelta(minutes=1))
    db = await Database.open(config.db_path)
    try:
        # One trainee more than measured: the spare one's check-in is the warm-up.
        await apply_plan(db, make_plan(people + 1, mode), clock.now())
        await bind_everyone(db, people + 1)
        text = "/checkin"
        if mode == "code":
            secret = (await db.fetchone("SELECT secret FROM sessions ORDER BY starts_at"))[0]
            text = f"/checkin {checkin_code.code_at(secret, clock.now())}"
        request = CountingRequest(telegram)
        app = build_application(
            config,
            db,
            clock,
            request=request,
            get_updates_request=FakeRequest(telegram),
            rate_limiter=False,
        )
        async with app:
            await app.start()
            try:
                # Warm-up outside the measure: the first check-in pays for compiling its
                # templates and filling the caches, which a running bot did long ago.
                spare = telegram.send_text(FIRST_USER + people, text)
                await drive(app, request, telegram, [spare])
                updates = user_updates(telegram, people, text)
                run = await drive(app, request, telegram, updates)
            finally:
                await app.stop()
        row = await db.fetchone("SELECT count(*) FROM attendance WHERE checkin_at IS NOT NULL")
        return run, row[0] - 1  # not the spare
    finally:
        await db.close()


async def bench_bare(people: int, text: str = "/checkin 123456") -> Run:
    """The bare bot: the same number of updates."""
    telegram = FakeTelegram(token=TOKEN, bot_username="bench_bot")
    for i in range(people):
        telegram.add_user(FIRST_USER + i, f"T{i}", language_code="zh-hans")
    request = CountingRequest(telegram)
    app = bare_application(request)
    async with app:
        await app.start()
        try:
            await drive(app, request, telegram, user_updates(telegram, 1, "/help"))
            updates = user_updates(telegram, people, text)
            return await drive(app, request, telegram, updates)
        finally:
            await app.stop()


def _spread(values: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in sorted(values))


async def main(people: int, rounds: int, modes: list[str]) -> None:
    """Run the bare bot and each mode, in rotating order, ``rounds`` times; print medians.

    A shared VM's speed drifts by tens of percent within a minute, so each round runs the
    bare bot and the real bot back to back and gives its own ratio; the median of those
    ratios is the figure that drift does not move, and the spread says how far it moved.
    """
    bare_ms: list[float] = []
    real_ms: dict[str, list[float]] = {m: [] for m in modes}
    rates: dict[str, list[float]] = {m: [] for m in modes}
    ratios: dict[str, list[float]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            order = ["bare", *modes]
            shift = r % len(order)
            order = order[shift:] + order[:shift]
            runs: dict[str, Run] = {}
            for which in order:
                if which == "bare":
                    runs[which] = await bench_bare(people)
                    continue
                run, rows = await bench_real(Path(tmp), people, r, which)
                if rows != people:
                    raise SystemExit(f"expected {people} check-ins recorded, found {rows}")
                runs[which] = run
            bare_ms.append(runs["bare"].cpu_per_update_ms)
            for mode in modes:
                real_ms[mode].append(runs[mode].cpu_per_update_ms)
                rates[mode].append(runs[mode].per_second)
                ratios[mode].append(runs[mode].cpu_per_update_ms / runs["bare"].cpu_per_update_ms)
    med = statistics.median
    print(f"{people} check-ins, {rounds} rounds rotating bare/{'/'.join(modes)}, one event loop")
    print(f"  bare bot       : {med(bare_ms):6.3f} ms CPU/update, median ({_spread(bare_ms)})")
    verdict = "OK"
    for mode in modes:
        ratio = med(ratios[mode])
        print(
            f"  real, {mode:<4} mode: {med(real_ms[mode]):6.3f} ms CPU/update,"
            f" {med(rates[mode]):5.0f} check-ins/s, median ({_spread(real_ms[mode])})"
        )
        print(
            f"  ratio, {mode:<4}    : {ratio:.2f}x CPU per update, median of rounds"
            f" ({_spread(ratios[mode])}); target <= 2.0x"
        )
        if ratio > 2.0:
            verdict = "OVER TARGET"
    print(f"  verdict        : {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--modes", default="none,code", help="comma-separated: none, code")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.rounds, args.modes.split(",")))
