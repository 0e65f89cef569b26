"""Reliability benchmark: messages lost and sent twice when the bad day comes.

Run on demand:  python -m benchmarks.bench_reliability [--people 300] [--messages 2]

Each scenario queues ``messages`` messages for each of ``people`` people and runs the real
``trainee-bot run`` (its own process: the lock, the scheduler, the paced outbox, upkeep)
against the sandbox's Bot API server, around a FakeTelegram that counts what each person
got. At the 100th send the trouble starts:

- kill -9, three times (at sends 100, 250 and 400), each time started again;
- another process holds SQLite's write lock (``BEGIN IMMEDIATE``) for 12 s, then for 30 s;
- the disk is full for 10 s (a small tmpfs filled to the last byte; needs root to mount);
- a second ``trainee-bot run`` on the same database, started while the first one sends.

When the database says nothing is pending the bot is stopped with SIGTERM. A table gives,
per scenario: messages lost (someone got fewer than queued), messages doubled, writes the
bot saw refused, and how it ended. Expected: 0 lost everywhere; doubles only after kill -9
(at most the sends in flight at each kill, 32).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.support import TOKEN, add_people, serve_fake
from bot.testing import FakeTelegram
from storage import outbox
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
TROUBLE_AT = 100  # the send at which each scenario's trouble starts
AT_MOST_SECONDS = 300  # per scenario: a broken build fails instead of hanging


@dataclass
class Outcome:
    """What one scenario did to the messages."""

    name: str
    lost: int = 0
    doubled: int = 0
    refused_writes: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Trouble:
    """A scenario: what happens at which sends (callbacks get the running bot's pid)."""

    name: str
    at: dict[int, Callable[[Path, int], None]]
    second_bot: bool = False
    tmpfs: bool = False


def bot_process(db: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    """``trainee-bot run`` on this database, against this Bot API server."""
    env = {
        **os.environ,
        "TRAINEE_BOT_TOKEN": TOKEN,
        "TRAINEE_BOT_API_URL": url,
        "TRAINEE_BOT_DB": str(db),
    }
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


class Holder:
    """Another process's write lock on the database, taken and given back on cue."""

    def __init__(self) -> None:
        self.conn: sqlite3.Connection | None = None

    def take(self, db: Path, seconds: float) -> None:
        self.conn = sqlite3.connect(db, timeout=0, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")
        asyncio.get_running_loop().call_later(seconds, self.give_back)

    def give_back(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


class Filler:
    """A file that takes every free byte of the database's file system, for a while."""

    def __init__(self) -> None:
        self.path: Path | None = None

    def fill(self, db: Path, seconds: float) -> None:
        self.path = db.parent / "filler"
        with self.path.open("wb", buffering=0) as f:
            for chunk in (1 << 20, 4096, 1):
                with contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * chunk)
        asyncio.get_running_loop().call_later(seconds, self.empty)

    def empty(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _kill(_db: Path, pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def scenarios() -> list[Trouble]:
    holder, filler = Holder(), Filler()
    return [
        Trouble("no trouble (baseline)", {}),
        Trouble("kill -9 three times", {TROUBLE_AT: _kill, 250: _kill, 400: _kill}),
        Trouble("write lock held 12 s", {TROUBLE_AT: lambda db, _: holder.take(db, 12)}),
        Trouble("write lock held 30 s", {TROUBLE_AT: lambda db, _: holder.take(db, 30)}),
        Trouble("disk full 10 s", {TROUBLE_AT: lambda db, _: filler.fill(db, 10)}, tmpfs=True),
        Trouble("a second bot on the database", {}, second_bot=True),
    ]


async def queue(db_path: Path, telegram: FakeTelegram, people: int, messages: int) -> list[int]:
    """People bound to Telegram users, and ``messages`` messages queued for each; user ids."""
    now = datetime.now(UTC)  # the bot process runs on the real clock: due at once
    db = await Database.open(db_path)
    made = await add_people(db, telegram, people, now)
    rows = [
        {
            "key": f"notice:{n}:person:{pid}",
            "chat_id": uid,
            "person_id": pid,
            "payload": {"text": f"通知 {n}", "parse_mode": "HTML"},
        }
        for n in range(messages)
        for pid, uid in made
    ]
    await db.write(lambda tx: outbox.enqueue_many(tx, rows, now=now))
    await db.close()
    return [uid for _, uid in made]


def pending(db_path: Path) -> int:
    """Rows the database still calls pending (read beside the bot, as an operator would)."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=30)) as conn:
        return int(
            conn.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        )


def refusals(folder: Path, name: str) -> int:
    """Writes the bot logged as refused by the database, in this scenario's logs."""
    logs = "".join(p.read_text(errors="replace") for p in folder.glob(f"{name}*.log"))
    return logs.count("could not be written") + logs.count("not recorded yet")


@contextlib.contextmanager
def small_disk(folder: Path):  # type: ignore[no-untyped-def]
    """A 64 MB tmpfs at ``folder``, or None where it cannot be mounted (not root)."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    try:
        yield folder if done.returncode == 0 else None
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


async def run_scenario(trouble: Trouble, folder: Path, people: int, messages: int) -> Outcome:
    """One scenario, start to finish; what it did to the messages."""
    outcome = Outcome(trouble.name)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        where = folder / trouble.name.replace(" ", "-")
        if trouble.tmpfs:
            mounted = stack.enter_context(small_disk(where))
            if mounted is None:
                outcome.notes.append("skipped: mounting a small tmpfs needs root")
                return outcome
        else:
            where.mkdir()
        db_path, log = where / "bot.sqlite3", folder / f"{where.name}.log"
        telegram = FakeTelegram(token=TOKEN)
        users = await queue(db_path, telegram, people, messages)
        sends = 0
        current: subprocess.Popen[bytes] | None = None
        original = telegram.call

        def call(method: str, params: Any = None, files: Any = None) -> Any:
            nonlocal sends
            if method == "sendMessage":
                sends += 1
                action = trouble.at.get(sends)
                if action is not None and current is not None:
                    action(db_path, current.pid)
            return original(method, params, files)

        telegram.call = call  # type: ignore[method-assign]
        runner, url = await serve_fake(telegram)
        try:
            current = bot_process(db_path, url, log)
            kills, second_tried = 0, False
            deadline = time.monotonic() + AT_MOST_SECONDS
            # Polls, on purpose: the bot is another process, and the database is the only
            # place that says it is done; the interval changes no figure.
            while time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                if trouble.second_bot and sends >= TROUBLE_AT and not second_tried:
                    second_tried = True
                    second_log = folder / f"{where.name}-second.log"
                    second = bot_process(db_path, url, second_log)
                    code = await asyncio.to_thread(second.wait, 30)
                    said = second_log.read_text().strip().splitlines()
                    outcome.notes.append(f"second bot exited {code}: {said[-1] if said else ''}")
                if current.poll() == -signal.SIGKILL:
                    kills += 1
                    current = bot_process(db_path, url, log)
                    continue
                if current.poll() is not None:
                    outcome.notes.append(f"bot exited {current.returncode} on its own")
                    break
                try:
                    left = await asyncio.to_thread(pending, db_path)
                except sqlite3.OperationalError:
                    continue  # the disk is full even for a reader
                if left == 0:
                    current.send_signal(signal.SIGTERM)
                    code = await asyncio.to_thread(current.wait, 60)
                    outcome.notes.append(f"stopped by SIGTERM, exit {code}")
                    break
            else:
                current.kill()
                outcome.notes.append("did not finish in time")
            if kills:
                outcome.notes.append(f"{kills} kills")
        finally:
            if current is not None and current.poll() is None:
                current.kill()
            await runner.cleanup()
        texts = Counter((uid, m.text) for uid in users for m in telegram.chat(uid) if m.from_bot)
        for uid in users:
            for n in range(messages):
                got = texts[(uid, f"通知 {n}")]
                outcome.lost += max(0, 1 - got)
                outcome.doubled += max(0, got - 1)
        outcome.refused_writes = refusals(folder, where.name)
    outcome.seconds = time.perf_counter() - started
    return outcome


async def main(args: argparse.Namespace) -> None:
    print(
        f"{args.people} people x {args.messages} messages each, through `trainee-bot run`"
        " (paced as in production)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for trouble in scenarios():
            o = await run_scenario(trouble, Path(tmp), args.people, args.messages)
            print(
                f"{o.name:32} lost {o.lost:3}  doubled {o.doubled:3}  refused writes seen"
                f" {o.refused_writes:3}  {o.seconds:5.1f} s  {'; '.join(o.notes)}",
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--messages", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
