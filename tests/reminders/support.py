"""Helpers for the reminders tests: many people at once, virtual time for the pacer, the
Application started with its JobQueue, APScheduler firing one job, timetable edits."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import heapq
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from telegram.ext import Application, JobQueue

from benchmarks.support import add_people, make_class, serve_fake
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.importer.model import ClassPlan
from bot.testing import FakeTelegram
from storage import outbox
from storage.db import Database
from tests.harness import BotHarness

# Shared with the benchmark, which must not import tests.
__all__ = ["add_people", "make_class", "serve_fake"]


async def broadcast(
    db: Database, people: list[tuple[int, int]], now: datetime, text: str = "hello", key="b"
) -> None:
    """Queue one message per person under keys ``{key}:person:{id}``."""
    rows = [
        {
            "key": f"{key}:person:{pid}",
            "chat_id": uid,
            "person_id": pid,
            "payload": {"text": text, "parse_mode": "HTML"},
        }
        for pid, uid in people
    ]
    await db.write(lambda tx: outbox.enqueue_many(tx, rows, now=now))


async def status_counts(db: Database) -> dict[str, int]:
    """Rows per outbox status."""
    return await outbox.counts(db)


class VirtualTime:
    """Monotonic time that jumps to the earliest sleeper's wake-up once everyone waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int]] = []
        self._seq = 0

    def monotonic(self) -> float:
        """The virtual time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Sleep in virtual time: wait until no one sleeps shorter, then jump."""
        self._seq += 1
        me = (self.now + max(0.0, seconds), self._seq)
        heapq.heappush(self._sleepers, me)
        while True:
            for _ in range(20):  # let runnable tasks (db writes, sends) go first
                await asyncio.sleep(0)
            if self._sleepers[0] == me:
                heapq.heappop(self._sleepers)
                self.now = max(self.now, me[0])
                return


def phone_of(plan, name: str) -> str:
    """The phone of a roster person by name."""
    return next(p.phone for p in plan.people if p.name == name)


def edited(plan: ClassPlan, *, drop: tuple[str, ...] = (), **changes: dict[str, Any]) -> ClassPlan:
    """The plan with sessions (by 编号) left out or changed: ``S02={"location": "..."}``."""
    sessions = tuple(
        dataclasses.replace(s, **changes.get(s.external_id or "", {}))
        for s in plan.sessions
        if s.external_id not in drop
    )
    return dataclasses.replace(plan, sessions=sessions)


@contextlib.asynccontextmanager
async def started(app: Application) -> AsyncIterator[JobQueue]:
    """The Application started as bot/app.py's start() starts it: JobQueue running, then
    ``Scheduler.start()``; yields the JobQueue.

    APScheduler runs on the real clock while the bot's clock is a test's ManualClock, so it
    is paused right after starting: nothing fires unless a test fires it (``fire``).
    """
    await app.start()
    queue = app.job_queue
    assert queue is not None
    queue.scheduler.pause()  # before the loop runs again: nothing has been processed yet
    try:
        await app.bot_data.scheduler.start()
        yield queue
    finally:
        app.bot_data.scheduler.stop()
        await app.stop()


@contextlib.asynccontextmanager
async def another_process(
    config: Config, db: Database, clock: Clock, telegram: FakeTelegram
) -> AsyncIterator[Application]:
    """A fresh Application over the same database, as after a restart, started."""
    other = await BotHarness.start(config, db, clock, telegram)
    try:
        async with started(other.app):
            yield other.app
    finally:
        await other.stop()


async def fire(queue: JobQueue, job_id: str) -> JobEvent:
    """Let APScheduler run this one job now, through PTB's job callback; its event.

    The other jobs are paused, the job's next run moved to the real now, the scheduler
    resumed; the wait is for APScheduler's own "executed" event, no sleeping.
    """
    aps = queue.scheduler
    loop = asyncio.get_running_loop()
    done: asyncio.Future[JobEvent] = loop.create_future()

    def settle(event: JobEvent) -> None:
        if not done.done():
            done.set_result(event)

    def listener(event: JobEvent) -> None:
        if event.job_id == job_id:
            loop.call_soon_threadsafe(settle, event)

    aps.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for job in aps.get_jobs():
        if job.id != job_id:
            job.pause()
    aps.get_job(job_id).modify(next_run_time=SystemClock().now())
    aps.resume()
    try:
        return await asyncio.wait_for(done, 10)  # a safety net: it fires at once
    finally:
        aps.pause()
        aps.remove_listener(listener)


def texts(person: Any, marker: str) -> list[str]:
    """The bot's messages to a person that contain ``marker``."""
    return [m.text for m in person.chat() if m.from_bot and m.text and marker in m.text]
