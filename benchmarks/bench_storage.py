"""Storage benchmark: what the group-commit write door buys, and what an import costs.

Run on demand:  python benchmarks/bench_storage.py [--people 900]

It prints, in one run against real SQLite files in a temporary folder:
- 900 small writes arriving at the same moment (as 900 check-ins in one minute do) through
  ``db.write`` concurrently, against the baseline of the same writes one commit each;
- importing a class of that many people with 200 sessions, and importing it again.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.importer.model import ClassPlan, PersonPlan, SessionPlan
from bot.rules.class_settings import ClassSettings
from bot.rules.roles import Role
from storage.db import Database, Tx, WriteOp
from storage.imports import apply_plan

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def make_plan(people: int, sessions: int) -> ClassPlan:
    """A class of ``people`` trainees (and one instructor) with ``sessions`` sessions."""
    roster = [
        PersonPlan(i + 2, f"trainee {i}", f"139{i:08d}", frozenset({Role.TRAINEE}), None)
        for i in range(people)
    ]
    roster.append(PersonPlan(1, "instructor", "13800000000", frozenset({Role.INSTRUCTOR}), None))
    start = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    timetable = [
        SessionPlan(
            i + 2,
            f"S{i}",
            f"lecture {i}",
            ("13800000000",),
            start + timedelta(hours=4 * i),
            start + timedelta(hours=4 * i + 3),
            "hall",
            3.0,
        )
        for i in range(sessions)
    ]
    return ClassPlan(
        "benchmark class",
        date(2026, 12, 7),
        date(2026, 12, 7) + timedelta(days=sessions // 2 + 1),
        "Asia/Shanghai",
        ClassSettings(),
        tuple(roster),
        tuple(timetable),
    )


def check_in(session_id: int, person_id: int) -> WriteOp[None]:
    async def op(tx: Tx) -> None:
        await tx.execute(
            "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method, updated_at)"
            " VALUES (?, ?, ?, 'code', ?) ON CONFLICT DO NOTHING",
            (session_id, person_id, NOW.isoformat(), NOW.isoformat()),
        )

    return op


async def writes(folder: Path, people: int) -> None:
    db = await Database.open(folder / "writes.sqlite3")
    try:
        report = await apply_plan(db, make_plan(people, 2), NOW)
        del report
        ids = [r[0] for r in await db.fetchall("SELECT id FROM people ORDER BY id")][:people]
        sessions = [r[0] for r in await db.fetchall("SELECT id FROM sessions ORDER BY id")]

        commits = db.commits
        started = time.perf_counter()
        for person in ids:  # the baseline: one transaction, one fsync, per write
            await db.write(check_in(sessions[0], person))
        one_by_one = time.perf_counter() - started
        one_by_one_commits = db.commits - commits

        commits = db.commits
        started = time.perf_counter()
        await asyncio.gather(*(db.write(check_in(sessions[1], p)) for p in ids))
        grouped = time.perf_counter() - started
        grouped_commits = db.commits - commits
    finally:
        await db.close()
    print(
        f"{people} writes, one commit each : {one_by_one * 1000:8.1f} ms"
        f"  ({people / one_by_one:8.0f}/s, {one_by_one_commits} commits)"
    )
    print(
        f"{people} writes, group commit    : {grouped * 1000:8.1f} ms"
        f"  ({people / grouped:8.0f}/s, {grouped_commits} commits)"
    )
    print(f"group commit is {one_by_one / grouped:.1f}x faster than a commit per write")


async def imports(folder: Path, people: int, sessions: int) -> None:
    db = await Database.open(folder / "import.sqlite3")
    plan = make_plan(people, sessions)
    try:
        started = time.perf_counter()
        await apply_plan(db, plan, NOW)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = await apply_plan(db, plan, NOW)
        second = time.perf_counter() - started
        moved = replace(
            plan,
            sessions=tuple(
                replace(s, starts_at=s.starts_at + timedelta(minutes=30)) for s in plan.sessions
            ),
        )
        started = time.perf_counter()
        await apply_plan(db, moved, NOW)
        third = time.perf_counter() - started
    finally:
        await db.close()
    print(f"import {people} people, {sessions} sessions: {first * 1000:8.1f} ms")
    print(f"import again (unchanged={again.unchanged})  : {second * 1000:8.1f} ms")
    print(f"import with every session moved    : {third * 1000:8.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=900)
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await writes(Path(tmp), args.people)
        await imports(Path(tmp), args.people, args.sessions)


if __name__ == "__main__":
    asyncio.run(main())
