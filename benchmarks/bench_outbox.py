"""Benchmark of the outbox and the start-up (on demand, not part of the test suite).

    python -m benchmarks.bench_outbox [--trainees 5000] [--skip-flood]

1. A reminder to 5,000 trainees through the sandbox's Bot API server with Telegram's flood
   limits on (FakeTelegram's FloodLimiter): the bot runs as its own process, paced by the
   outbox. Reports the achieved rate against 30/s, 429s answered, rows left unsent (429s
   not retried), people who got nothing (lost) and people who got two (doubled).
2. The same with the limits off and the pacer off: the outbox's raw rate, and the bot
   process's CPU per send (the server runs in the benchmark's process, not the bot's).
3. Start-up of ``trainee-bot run`` with a school of 10,000 future sessions and 5,000
   people: from process start to its first getUpdates at the sandbox's server, and its
   peak memory then and 3 seconds later (planning is done after the first poll), in
   rounds alternating with a bare PTB bot (benchmarks/bare_bot.py) and, with
   ``--baseline DIR``, with the bot of another source tree; medians and their range.

    python -m benchmarks.bench_outbox --parts startup [--startup-rounds 5] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
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
        # The bot process's CPU while it sent (the server runs in this process): sends a
        # second that one core of the bot alone would carry.
        "bot_cpu_ms_per_send": 1000 * figures["drain_cpu_s"] / max(1, len(stamps)),
        "sends_per_bot_cpu_s": len(stamps) / figures["drain_cpu_s"],
    }


async def make_school(folder: Path) -> Path:
    """A school of 100 classes, 10,000 future sessions and 5,000 bound people."""
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
    await db.close()
    return db_path


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux: VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _time_to_poll(
    command: list[str], env: dict[str, str], cwd: Path, *, settle: float = 3.0
) -> tuple[float, float, float]:
    """Start ``command`` (a bot polling a fresh sandbox server); (seconds from process start
    to its first getUpdates, its peak RSS in MB then, its peak RSS ``settle`` seconds
    later, when its start-up work after the first poll is done)."""
    telegram = FakeTelegram(token=TOKEN)
    polled = asyncio.Event()
    original = telegram.get_updates

    async def get_updates(params):  # type: ignore[no-untyped-def]
        polled.set()
        return await original(params)

    telegram.get_updates = get_updates  # type: ignore[method-assign]
    runner, url = await serve_fake(telegram)
    try:
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command, url, cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL
        )
        try:
            await asyncio.wait_for(polled.wait(), timeout=60)
            seconds = time.perf_counter() - began
            rss = _peak_rss_mb(process.pid)
            await asyncio.sleep(settle)
            settled = _peak_rss_mb(process.pid)
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                print(f"  ({' '.join(command[1:3])} in {cwd} ignored SIGTERM: killed)")
                process.kill()
                await process.wait()
    finally:
        await runner.cleanup()
    return seconds, rss, settled


async def startup_run(folder: Path, rounds: int, baseline: Path | None) -> dict[str, float]:
    """Start-up of ``trainee-bot run`` with 10,000 future sessions and 5,000 people, from
    process start to its first getUpdates, alternating with a bare PTB bot (and with the
    bot of another source tree, ``baseline``, if given); medians and their range."""
    db_path = await make_school(folder)
    bot = [sys.executable, "-m", "bot", "--log-level", "WARNING", "run", "--api-url"]
    bare = [sys.executable, "-m", "benchmarks.bare_bot"]
    contenders: list[tuple[str, list[str], Path]] = [("bot", bot, ROOT), ("bare", bare, ROOT)]
    if baseline is not None:
        contenders.append(("baseline", bot, baseline))
    figures: dict[str, list[float]] = {}
    for r in range(rounds):
        shift = r % len(contenders)
        for name, command, cwd in contenders[shift:] + contenders[:shift]:
            copy = folder / f"start-{name}.sqlite3"  # each start on the same fresh file
            shutil.copyfile(db_path, copy)
            env = {**os.environ, "TRAINEE_BOT_TOKEN": TOKEN, "TRAINEE_BOT_DB": str(copy)}
            seconds, mb, settled = await _time_to_poll(command, env, cwd)
            for key, value in (("s", seconds), ("mb", mb), ("mb_3s", settled)):
                figures.setdefault(f"{name}_{key}", []).append(value)
            if name != "bare":
                figures.setdefault(f"{name}_to_bare", []).append(seconds)
        for name, _, _ in contenders:
            if name != "bare":
                figures[f"{name}_to_bare"][-1] /= figures["bare_s"][-1]
    result: dict[str, float] = {}
    for key, values in figures.items():
        result[key] = statistics.median(values)
        result[f"{key}_min"], result[f"{key}_max"] = min(values), max(values)
    return result


def _show(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}")
    for key, value in figures.items():
        print(f"  {key:>14}: {value:,.2f}")


async def main(args: argparse.Namespace) -> None:
    """Run the three measurements and print figures and ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parts = set(args.parts.split(","))
        if args.skip_flood:
            parts.discard("flood")
        if "flood" in parts:
            flood = await reminder_run(args.trainees, flood=True, folder=folder)
            flood["ratio_to_30"] = flood["rate_per_s"] / TELEGRAM_LIMIT
            title = f"reminder to {args.trainees} with flood limits on (target >= 95% of 30/s)"
            _show(title, flood)
        if "raw" in parts:
            raw = await reminder_run(args.trainees, flood=False, folder=folder)
            raw["ratio_to_1000"] = raw["sends_per_bot_cpu_s"] / 1000
            title = (
                f"reminder to {args.trainees}, limits and pacing off"
                " (target >= 1000 sends per second of the bot process's CPU)"
            )
            _show(title, raw)
        if "startup" not in parts:
            return
        start = await startup_run(folder, args.startup_rounds, args.baseline)
        title = (
            "start-up of `trainee-bot run` with 10,000 sessions and 5,000 people, process start"
            f" to first getUpdates, median of {args.startup_rounds} rounds alternating with a"
            " bare PTB bot (targets < 1 s, < 90 MB)"
        )
        _show(title, start)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--skip-flood", action="store_true")
    parser.add_argument("--startup-rounds", type=int, default=5)
    parser.add_argument("--parts", default="flood,raw,startup", help="which measurements")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another source tree (same migrations) whose bot start-up alternates with ours",
    )
    asyncio.run(main(parser.parse_args()))
