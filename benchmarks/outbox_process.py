"""A real bot process for the outbox benchmark and the kill-and-restart test.

``python -m benchmarks.outbox_process DB API_URL [--no-pace] [--startup-only]``
builds the real Application against API_URL, runs the scheduler once (jobs due now queue
their outbox rows) and lets the outbox drain; it exits when nothing is pending. It prints
one JSON line with start-up time and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

START = time.perf_counter()

from bot.app import build_application  # noqa: E402 - start-up time includes imports
from bot.clock import SystemClock  # noqa: E402
from bot.config import Config, Secret  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402

# benchmarks.support.TOKEN, not imported from there: that module loads the Bot API double,
# which the bot never imports and whose import time would count as start-up.
TOKEN = "123456:TEST-token_for_tests_only"


async def main(args: argparse.Namespace) -> dict[str, float]:
    """Start, plan, drain; return the figures."""
    config = Config(
        token=Secret(TOKEN),
        api_url=args.api_url,
        db_path=Path(args.db),
        timezone="Asia/Shanghai",
        locale="zh",
    )
    db = await Database.open(config.db_path)
    app = build_application(config, db, SystemClock(), rate_limiter=not args.no_pace)
    await app.initialize()
    await app.bot_data.scheduler.replan()  # as at start-up: due-but-useful jobs run now
    started = time.perf_counter() - START
    figures = {"startup_s": started}
    if not args.startup_only:
        sender = app.bot_data.outbox
        cpu0 = time.process_time()  # this process's CPU, every thread: the sends' own cost
        sender.start()
        # A poll, on purpose: the sender runs here exactly as in production (its own task,
        # pacer, retry timers on the real clock) and offers no "drained" event; its rows
        # wait for retries written to the database, so the database is the only place that
        # says the queue is empty. The interval affects none of the figures: rates are
        # timed from Telegram's side, and drain_s by at most this interval.
        while (await outbox.counts(db)).get("pending"):  # noqa: ASYNC110 - see above
            await asyncio.sleep(0.05)
        await sender.stop()
        figures["drain_s"] = time.perf_counter() - START - started
        figures["drain_cpu_s"] = time.process_time() - cpu0
        figures.update({k: float(v) for k, v in sender.stats.items()})
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["max_rss_mb"] = usage.ru_maxrss / 1024
    figures["cpu_s"] = usage.ru_utime + usage.ru_stime
    await app.shutdown()
    await db.close()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("api_url")
    parser.add_argument("--no-pace", action="store_true")
    parser.add_argument("--startup-only", action="store_true")
    result = asyncio.run(main(parser.parse_args()))
    print(json.dumps(result), flush=True)
    sys.exit(0)
