"""Export benchmark: a class's records (workbook and every training file) at full size.

Run on demand:  python benchmarks/bench_export.py [--trainees 900] [--sessions 200] [--rounds 3]

It builds, in a temporary folder, a class of 900 trainees and 200 sessions (180,000
sign-in rows: most checked in and out, some late, some left early, some absent, approved
leave, ratings, hand markings in the audit log), then runs ``trainee-bot export`` for it
in a fresh process per round and prints the median time and peak memory (ru_maxrss of that
process) with their spread, against two baselines measured in the same run:
- the same process doing nothing but start, import the bot and open the database (the floor
  of the memory figure);
- writing the same 180,000 rows of the sign-in sheet with openpyxl's write-only mode from a
  list, no database: what the sign-in sheet alone would cost through openpyxl, the reason
  the records are written by bot.sheets.StreamingBook instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_storage import make_plan  # noqa: E402
from storage.db import Database, Tx  # noqa: E402
from storage.imports import apply_plan  # noqa: E402
from storage.times import to_db  # noqa: E402

NOW = datetime(2026, 12, 7, tzinfo=UTC)


async def build(path: Path, trainees: int, sessions: int) -> None:
    """The class, its records and its decisions, written straight to the database."""
    db = await Database.open(path)
    await apply_plan(db, make_plan(trainees, sessions), NOW)
    rng = random.Random(7)
    rows = await db.fetchall("SELECT id, starts_at, ends_at FROM sessions ORDER BY starts_at")
    people = [
        r[0] for r in await db.fetchall("SELECT person_id FROM memberships WHERE role = 'trainee'")
    ]
    boss = (await db.fetchone("SELECT id FROM people WHERE name = 'instructor'"))[0]
    class_id = (await db.fetchone("SELECT id FROM classes"))[0]
    stamp = to_db(NOW)

    async def records(tx: Tx) -> None:
        marks = []
        for sid, starts, ends in rows:
            start, end = datetime.fromisoformat(starts), datetime.fromisoformat(ends)
            for pid in people:
                roll = rng.random()
                if roll < 0.05:
                    continue  # absent
                late = timedelta(minutes=20) if roll < 0.10 else timedelta(minutes=-10)
                out = end - timedelta(minutes=40) if roll > 0.97 else end + timedelta(minutes=5)
                marks.append((sid, pid, to_db(start + late), "code", to_db(out), "normal", stamp))
        await tx.executemany(
            "INSERT INTO attendance (session_id, person_id, checkin_at, checkin_method,"
            " checkout_at, checkout_method, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            marks,
        )
        for n, pid in enumerate(people[:300]):
            sid = rows[(n * 7) % len(rows)][0]
            rid = await tx.insert(
                "INSERT INTO leave_requests (class_id, person_id, status, reason, hours,"
                " created_at, updated_at, leave_type) VALUES (?, ?, 'approved', '家中有事', 3,"
                " ?, ?, 'personal')",
                (class_id, pid, stamp, stamp),
            )
            await tx.execute("INSERT INTO leave_sessions VALUES (?, ?)", (rid, sid))
            await tx.execute(
                "INSERT INTO leave_decisions (request_id, level, decided_by, decision,"
                " decided_at) VALUES (?, 1, ?, 'approve', ?)",
                (rid, boss, stamp),
            )
        scores = json.dumps({"content": 5, "teaching": 4, "relevance": 4, "overall": 5})
        await tx.executemany(
            "INSERT INTO ratings (session_id, person_id, scores, comment, submitted_at,"
            " updated_at) VALUES (?, NULL, ?, ?, ?, ?)",
            [(sid, scores, "很好", stamp, stamp) for sid, _, _ in rows for _ in range(30)],
        )
        await tx.executemany(
            "INSERT INTO audit_log (at, actor_id, actor, action, class_id, subject, details)"
            " VALUES (?, ?, 'telegram:1', 'attendance.override', ?, ?, ?)",
            [
                (
                    stamp,
                    boss,
                    class_id,
                    f"attendance:session:{rows[n % len(rows)][0]}:person:{people[n]}",
                    json.dumps({"before": "absent", "after": "present", "reason": "补录"}),
                )
                for n in range(len(people))
            ],
        )

    await db.write(records)
    await db.close()


def child(argv: list[str]) -> list[str]:
    """A fresh Python process running these arguments."""
    return [sys.executable, *argv]


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MB) of one run of a command in its own
    process. CPU time is the figure to read on a shared machine: wall time there counts the
    other tenants' work too."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command} failed with {process.returncode}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # KiB on Linux


def baseline_rows(rows: int, path: str) -> None:
    """Write ``rows`` sign-in-like rows with openpyxl write-only from a list (no database)."""
    from openpyxl import Workbook

    day = datetime(2026, 12, 7, 8, 30)
    data = [
        [
            day.date(),
            day.time(),
            day.time(),
            "lecture",
            "instructor",
            3,
            f"trainee {i % 900}",
            None,
            "出勤",
            None,
            None,
            day,
            "签到码",
            day,
            "正常签退",
            None,
            None,
        ]
        for i in range(rows)
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    for row in data:
        sheet.append(row)
    book.save(path)


def summary(values: list[float]) -> str:
    """Median with the spread of the rounds."""
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    """Build the class, run every kind of round, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trainees", type=int, default=900)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline_rows(int(args.baseline_child[0]), args.baseline_child[1])
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    db_path = folder / "bench.sqlite3"
    started = time.perf_counter()
    asyncio.run(build(db_path, args.trainees, args.sessions))
    rows = args.trainees * args.sessions
    print(
        f"class of {args.trainees} trainees x {args.sessions} sessions = {rows:,} sign-in rows"
        f" (built in {time.perf_counter() - started:.1f} s)"
    )
    env = {**os.environ, "TRAINEE_BOT_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    idle = [
        "-c",
        "import asyncio, bot.cli_tasks, bot.records.export\n"
        "from storage.db import Database\n"
        "async def main():\n"
        f"    db = await Database.open({str(db_path)!r})\n"
        "    await db.close()\n"
        "asyncio.run(main())",
    ]
    kinds = {
        "process floor (start, import, open the database)": child(idle),
        "baseline: openpyxl write-only, same rows from a list": child(
            [__file__, "--baseline-child", str(rows), str(folder / "baseline.xlsx")]
        ),
        "trainee-bot export (workbook + every training file)": child(
            ["-m", "bot", "--log-level", "WARNING", "export", "--out", str(folder / "out")]
        ),
    }
    for name, command in kinds.items():
        times, cpus, peaks = [], [], []
        for _ in range(args.rounds):
            seconds, cpu, peak = measure(command, env)
            times.append(seconds)
            cpus.append(cpu)
            peaks.append(peak)
        print(
            f"{name}:\n  wall s {summary(times)}\n  CPU s  {summary(cpus)}\n"
            f"  peak MB {summary(peaks)}",
            flush=True,
        )
    book = next((folder / "out").glob("*.xlsx"))
    files = list((folder / "out" / "files").rglob("*.docx"))
    print(
        f"workbook {book.stat().st_size / 1e6:.1f} MB, {len(files)} training files,"
        f" {sum(f.stat().st_size for f in files) / 1e6:.1f} MB in all; folder {folder}"
    )


if __name__ == "__main__":
    main()
