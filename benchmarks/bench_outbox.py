"""Benchmark of the outbox and the start-up (on demand, not part of the test suite).

    python -m benchmarks.bench_outbox [--trainees 5000] [--skip-flood]

1. A reminder to 5,000 trainees through the sandbox's Bot API server with Telegram's flood
   limits on (FakeTelegram's FloodLimiter): the bot runs as its own process, paced by the
   outbox. Reports the achieved rate against 30/s, 429s answered, rows left unsent (429s
   not retried), people who got nothing (lost) and people who got two (doubled).
2. The same with the limits off and the pacer off: the outbox's raw rate.
3. Start-up (imports, connect, plan every job) and peak memory of the bot process with a
   school of 10,000 future sessions and 5,000 people.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks.support import TOKEN, make_class, serve_fake
from bot.clock import SystemClock
from bot.testing import FakeTelegram
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_LIMIT = 30.0


async def _bot_process(db: Path, url: str, *flags: str) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.outbox_process",
        str(db),
        url,
        *flags,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bot process failed ({process.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


async def reminder_run(trainees: int, *, flood: bool, folder: Path) -> dict[str, float]:
    """One reminder to ``trainees`` people through a bot process; the figures."""
    telegram = FakeTelegram(token=TOKEN, flood_limits=flood)
    db_path = folder / f"reminder-{'flood' if flood else 'raw'}.sqlite3"
    now = SystemClock().now()  # the bot process runs on the real clock
    start = now + timedelta(minutes=10)  # its 15-minute reminder is due at once
    db = await Database.open(db_path)
    _, _, people = await make_class(
        db,
        name="Bench",
        timezone="Asia/Shanghai",
        sessions=[(start, start + timedelta(hours=2))],
        trainees=trainees,
        now=now - timedelta(days=1),
        telegram=telegram,
    )
    await db.close()
    stamps: list[float] = []
    got = Counter({uid: 0 for _, uid in people})
    answered_429 = 0
    original = telegram.call

    def call(method, params=None, files=None):  # type: ignore[no-untyped-def]
        nonlocal answered_429
        status, body = original(method, params, files)
        if method == "sendMessage" and status == 200:
            stamps.append(time.perf_counter())
            got[int(params["chat_id"])] += 1
        answered_429 += status == 429
        return status, body

    telegram.call = call  # type: ignore[method-assign]
    runner, url = await serve_fake(telegram)
    try:
        figures = await _bot_process(db_path, url, *([] if flood else ["--no-pace"]))
    finally:
        await runner.cleanup()
    db = await Database.open(db_path)
    unsent = (await db.fetchone("SELECT count(*) FROM outbox WHERE status != 'sent'"))[0]
    await db.close()
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    return {
        "messages": float(len(stamps)),
        "rate_per_s": (len(stamps) - 1) / span,
        "seconds": span,
        "answered_429": float(answered_429),
        "unsent_rows": float(unsent),
        "lost": float(sum(1 for n in got.values() if n == 0)),
        "doubled": float(sum(1 for n in got.values() if n > 1)),
        "bot_rss_mb": figures["max_rss_mb"],
        "bot_cpu_s": figures["cpu_s"],
    }


async def startup_run(folder: Path) -> dict[str, float]:
    """Start-up time and memory with 10,000 future sessions and 5,000 people."""
    telegram = FakeTelegram(token=TOKEN)
    db_path = folder / "school.sqlite3"
    now = SystemClock().now()
    db = await Database.open(db_path)
    first = now + timedelta(hours=1)
    for n in range(100):  # 100 classes of 100 sessions and 50 trainees
        sessions = [
            (first + timedelta(hours=6 * k + n % 6), first + timedelta(hours=6 * k + n % 6 + 2))
            for k in range(100)
        ]
        await make_class(
            db,
            name=f"Class {n}",
            timezone="Asia/Shanghai",
            sessions=sessions,
            trainees=50,
            now=now - timedelta(days=1),
            telegram=telegram,
            first_user=100_000 + 50 * n,
        )
    counts = await db.fetchone(
        "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM people)"
    )
    await db.close()
    runner, url = await serve_fake(telegram)
    try:
        began = time.perf_counter()
        figures = await _bot_process(db_path, url, "--startup-only")
        wall = time.perf_counter() - began
    finally:
        await runner.cleanup()
    return {
        "sessions": float(counts[0]),
        "people": float(counts[1]),
        "startup_s": figures["startup_s"],
        "process_wall_s": wall,
        "max_rss_mb": figures["max_rss_mb"],
    }


def _show(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}")
    for key, value in figures.items():
        print(f"  {key:>14}: {value:,.2f}")


async def main(args: argparse.Namespace) -> None:
    """Run the three measurements and print figures and ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_flood:
            flood = await reminder_run(args.trainees, flood=True, folder=folder)
            flood["ratio_to_30"] = flood["rate_per_s"] / TELEGRAM_LIMIT
            title = f"reminder to {args.trainees} with flood limits on (target >= 95% of 30/s)"
            _show(title, flood)
        raw = await reminder_run(args.trainees, flood=False, folder=folder)
        raw["ratio_to_1000"] = raw["rate_per_s"] / 1000
        _show(f"reminder to {args.trainees}, limits and pacing off (target >= 1000/s)", raw)
        start = await startup_run(folder)
        start["ratio_to_3s"] = start["startup_s"] / 3.0
        start["ratio_to_150mb"] = start["max_rss_mb"] / 150.0
        _show("start-up with 10,000 sessions and 5,000 people (targets < 3 s, < 150 MB)", start)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--skip-flood", action="store_true")
    asyncio.run(main(parser.parse_args()))
