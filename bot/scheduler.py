"""Scheduled work derived from the database: the planners' jobs in PTB's JobQueue.

At start-up, every ``REPLAN_EVERY`` and whenever the timetable changes, ``replan()`` runs
every planner (bot_data.planners) and puts each job due within ``HORIZON`` (48 h) into the
JobQueue under its deterministic name as the APScheduler job id (``replace_existing``), so
planning twice leaves one job. A job whose moment passed but that is still useful (the bot
was down at 07:30, the digest is useful until noon) runs at once; one no longer useful is
dropped. The misfire grace of a queued job is ``useful_until - at`` instead of APScheduler's
one second, so a busy moment never silently drops a reminder.

Why a horizon: the JobQueue only needs the next two days, and a school with 10,000 future
sessions then plans a few hundred jobs at start-up instead of 20,000.

Timetable changes: the import runs in another process (the CLI). Every ``WATCH_EVERY`` the
scheduler reads the audit log for new ``class.import`` entries (a range scan over new ids,
cheap), hands them to the features' import watchers (bot_data.import_watchers: the change
notices of handlers/reminders/changes.py, idempotent under keys naming the import's audit
id and the session) and replans. At start-up it looks back one
day, so an import made while the bot was down is still announced, and one announced
before the restart is not announced again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import MovableClock
from bot.jobs import PlannedJob
from bot.rules.reminders import HORIZON
from storage import audit

if TYPE_CHECKING:
    from telegram.ext import Application

_LOGGER = logging.getLogger(__name__)

WATCH_EVERY = 30.0  # seconds between looks for an import made by another process
REPLAN_EVERY = 30 * 60.0  # seconds; well within HORIZON, so the horizon never runs dry
LOOK_BACK = timedelta(days=1)  # imports announced after a restart
# Replans in a row when changes keep coming in during one; the 30-minute replan catches up.
_MAX_ROUNDS = 3
# A sandbox clock move runs at most this many job moments (a safety net against a planner
# that keeps planning the next moment).
_MAX_STEPS = 5000


class Scheduler:
    """Keeps the JobQueue equal to what the planners derive from the database."""

    def __init__(self, app: Application) -> None:
        self._app = app
        self._scheduled: set[str] = set()
        # What each waiting job was queued for: (PTB's job, real moment, useful until). A replan
        # that finds the same moments keeps it (and gives it the new body) instead of
        # queuing it again: APScheduler's add_job was most of a replan's time, with
        # thousands of jobs in the horizon, and every change of a leave request replans.
        self._queued: dict[str, tuple[Any, datetime, datetime]] = {}
        self._ran: dict[str, datetime] = {}  # job name -> the ``at`` it ran for
        self._last_import = -1
        self._started = False
        self._replanning = False
        self._dirty = False
        self._moving = asyncio.Lock()

    @property
    def scheduled(self) -> frozenset[str]:
        """Names of the jobs waiting in the JobQueue."""
        return frozenset(self._scheduled)

    async def start(self) -> None:
        """Plan, announce what changed while down, and watch for changes (JobQueue running)."""
        await self.check_changes()  # not started yet: no replan of its own, one follows
        self._started = True
        await self.replan()
        queue = self._app.job_queue
        if queue is not None:
            queue.run_repeating(
                self._tick,
                WATCH_EVERY,
                name="scheduler:watch",
                job_kwargs={"id": "scheduler:watch", "replace_existing": True},
            )
            queue.run_repeating(
                self._replan_job,
                REPLAN_EVERY,
                name="scheduler:replan",
                job_kwargs={"id": "scheduler:replan", "replace_existing": True},
            )

    def stop(self) -> None:
        """Forget the jobs (the JobQueue stops with the Application)."""
        self._started = False
        self._scheduled = set()
        self._queued = {}

    async def refresh(self) -> None:
        """Plan again after a committed change the planners read (``Topic.PLANS``).

        A change committed while a replan runs (a job it ran changed a request, or another
        update's write) makes that replan go round once more instead of starting another.
        """
        if self._replanning:
            self._dirty = True
            return
        await self.replan()

    async def replan(self) -> int:
        """Derive the jobs again; run the due-but-useful ones now. Return jobs queued."""
        self._replanning = True
        try:
            for _ in range(_MAX_ROUNDS):
                self._dirty = False
                queued = await self._replan_once()
                if not self._dirty:
                    break
            return queued
        finally:
            self._replanning = False

    async def _replan_once(self) -> int:
        data = self._app.bot_data
        now = data.clock.now()
        wanted: dict[str, PlannedJob] = {}
        for planner in data.planners:
            for job in await planner(data.db, now):
                if job.useful_until > now and job.at <= now + HORIZON:
                    wanted[job.name] = job
        queue = self._app.job_queue
        for name in self._scheduled - wanted.keys():
            self._queued.pop(name, None)
            if queue is not None:
                for old in queue.get_jobs_by_name(name):
                    old.schedule_removal()
        before, self._scheduled = self._scheduled, set()
        due_now = []
        for job in sorted(wanted.values(), key=lambda j: (j.at, j.name)):
            if job.at <= now:
                if self._ran.get(job.name) != job.at:
                    due_now.append(job)
            elif queue is not None:
                # In the sandbox a moved clock changes when the real timer must fire: the
                # real moment is what a kept job is compared on.
                when = self._real(job.at)
                held = self._queued.get(job.name)
                if job.name in before and held is not None and held[1:] == (when, job.useful_until):
                    held[0].data = job  # the same moments: today's body, no new add_job
                else:
                    grace = max(1, int((job.useful_until - job.at).total_seconds()))
                    queued = queue.run_once(
                        self._run_queued,
                        when=when,
                        data=job,
                        name=job.name,
                        job_kwargs={
                            "id": job.name,
                            "replace_existing": True,
                            "misfire_grace_time": grace,
                        },
                    )
                    self._queued[job.name] = (queued, when, job.useful_until)
                self._scheduled.add(job.name)
        for job in due_now:
            await self._run(job)
        return len(self._scheduled)

    async def advance_to(self, target: datetime) -> list[str]:
        """Sandbox only: move its clock forward to ``target``, running the jobs due in between
        in order, each at its own moment, as they would have run; the names of the jobs run.

        The clock stops at each job's moment and ``replan()`` runs what is due there, so a
        job sees the time it was planned for and what the jobs before it wrote. Raises
        TypeError for a clock that cannot move (production's) and ValueError backwards.
        """
        clock = self._app.bot_data.clock
        if not isinstance(clock, MovableClock):
            raise TypeError("only the sandbox's clock can be moved")
        if target < clock.now():
            raise ValueError("the clock only moves forward")
        ran: list[str] = []
        async with self._moving:
            for _ in range(_MAX_STEPS):
                now = clock.now()
                moment = await self._next_moment(now, target)
                if moment is None:
                    break
                clock.move_to(moment)
                ran += await self._due_names(moment)
                await self.replan()
            clock.move_to(max(target, clock.now()))
            await self.replan()
        self._app.bot_data.outbox.wake()
        return ran

    async def _next_moment(self, now: datetime, target: datetime) -> datetime | None:
        data = self._app.bot_data
        moments = [
            job.at
            for planner in data.planners
            for job in await planner(data.db, now)
            if now < job.at <= target and job.useful_until > job.at
        ]
        return min(moments, default=None)

    async def _due_names(self, moment: datetime) -> list[str]:
        data = self._app.bot_data
        due = [
            job.name
            for planner in data.planners
            for job in await planner(data.db, moment)
            if job.at == moment and self._ran.get(job.name) != job.at
        ]
        return sorted(due)

    def _real(self, at: datetime) -> datetime:
        """When a real-time timer must fire for the bot's clock to show ``at``."""
        clock = self._app.bot_data.clock
        return clock.to_real(at) if isinstance(clock, MovableClock) else at

    async def check_changes(self) -> int:
        """Queue notices for imports not seen yet; replan if there were any. Rows queued."""
        data = self._app.bot_data
        now = data.clock.now()
        if self._last_import < 0:
            self._last_import = await audit.first_id_since(data.db, now - LOOK_BACK)
        imports = await audit.imports_since(data.db, self._last_import)
        if not imports:
            return 0
        # All new entries at once: a notice says how the timetable stands now, whatever
        # happened to the session in between (moved twice, cancelled and put back).
        queued = 0
        for watcher in data.import_watchers:
            queued += await watcher(data, imports, now)
        self._last_import = imports[-1].id
        if self._started:
            await self.replan()
        return queued

    async def _run(self, job: PlannedJob) -> None:
        data = self._app.bot_data
        now = data.clock.now()
        if not job.at <= now < job.useful_until:
            return
        try:
            await job.run(data, now)
        except Exception:
            _LOGGER.exception("job %s failed; it runs again at the next replan", job.name)
            return
        self._ran[job.name] = job.at
        if len(self._ran) > 50_000:
            self._ran.clear()  # only an optimisation: jobs are idempotent

    async def _run_queued(self, context: Any) -> None:
        job: PlannedJob = context.job.data
        self._scheduled.discard(job.name)
        self._queued.pop(job.name, None)
        await self._run(job)

    async def _tick(self, context: Any) -> None:
        try:
            await self.check_changes()
        except Exception:
            _LOGGER.exception("could not check for timetable changes")

    async def _replan_job(self, context: Any) -> None:
        try:
            await self.replan()
        except Exception:
            _LOGGER.exception("replanning failed")
