"""One SQLite database: a writer connection behind one door, and a reader connection.

Why two connections: aiosqlite runs one connection in one thread, and every coroutine that
shares it shares its transaction. A read made by one update while another update is half-way
through a write would see uncommitted rows, and a second writer would interleave its
statements into the first one's transaction. So all writes go through ``Database.write``,
which runs them one after another on the writer connection, and reads go to a separate
connection that in WAL mode always sees the last committed state.

Why group commit: a commit costs a disk sync. Writes that are waiting at the same moment are
run in one ``BEGIN IMMEDIATE`` transaction; if one of them fails, the batch is rolled back and
run again with a SAVEPOINT per write, so that the failing write rolls back alone. Every caller
is answered only after the COMMIT, so a reply never promises something that is not on disk.

Why after-commit topics: some work must follow a committed change, never precede it and
never be forgotten: wake the outbox sender when rows were queued, replan the timed jobs when
a leave request changed. A write says what it changed (``tx.changed(Topic.OUTBOX)``, done by
the storage function that makes the change), and the door runs the topic's listener once the
write is committed, in the writer's own task, before ``write`` returns: so the caller's next
step already sees the outbox woken and the jobs replanned, and no caller has to remember it.

Why thread writes (``write_in_thread``): every aiosqlite call is a hop to the connection's
thread and back, about 20 µs of overhead each. A hot write (a check-in) is given as one plain
function of a ``SyncTx`` and the door runs a whole batch of them, BEGIN and COMMIT included,
as one function in SQLite's thread: one hop per batch instead of three or more per write. A
thread write whose rest needs the async storage functions (a check-in during leave) returns
``Then(op)``, and that op runs at once in the same transaction, before the next write.

Why ``peek``: a value read for every update (the identity cache's generation) is one point
read on a third connection in the event loop's own thread: a WAL reader never waits for the
writer, and a few microseconds in the loop are cheaper than a hop.

Why ``execute_fetchall``: every aiosqlite call is a hop to the connection's thread and back.
A cursor costs three (execute, fetch, close); ``execute_fetchall`` does all of it in one, which
makes a read about three times cheaper (benchmarks/bench_checkin.py). Every ``fetchone`` here
is a lookup by key or an aggregate, so fetching "all" its rows fetches one.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import aiosqlite

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any]
WriteOp = Callable[["Tx"], Awaitable[T]]
# A write run in SQLite's thread: plain statements on a SyncTx; it may hand the rest of its
# work to an async op (``Then``), run next in the same transaction.
ThreadOp = Callable[["SyncTx"], "T | Then[T]"]

# The most writes one transaction takes, so one commit never waits on an unbounded batch.
_MAX_BATCH = 256
_BUSY_TIMEOUT_MS = 5000
_WAL_LIMIT_BYTES = 16 * 1024 * 1024


class Topic(StrEnum):
    """What a committed write changed, for the listener that must act on it."""

    OUTBOX = "outbox"  # rows were queued: the sender should look now
    PLANS = "plans"  # something the planners derive jobs from: replan


Listener = Callable[[], Awaitable[None] | None]


class Queryable(Protocol):
    """What read queries need: the database itself, or a write transaction in progress."""

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Return the first row of a query, or None."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Return every row of a query."""
        ...


@dataclass(frozen=True)
class Migration:
    """One numbered schema change, from storage/migrations/NNNN_name.sql."""

    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """Return the migrations shipped with the package, in order."""
    folder = files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, rest = name.partition("_")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


class Tx:
    """A write transaction in progress; only ``Database.write`` makes one."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.topics: set[Topic] = set()

    def changed(self, topic: Topic) -> None:
        """Say what this write changed: the topic's listener runs once it is committed."""
        self.topics.add(topic)

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """Run one statement and return its cursor (for rowcount and lastrowid)."""
        return await self._conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows."""
        await self._conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row id."""
        cursor = await self._conn.execute(sql, params)
        if cursor.lastrowid is None:
            raise RuntimeError("INSERT returned no row id")
        return cursor.lastrowid

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Return the first row of a query, seeing this transaction's own writes."""
        return _first(await self._conn.execute_fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Return every row of a query, seeing this transaction's own writes."""
        return list(await self._conn.execute_fetchall(sql, params))


class Snapshot:
    """One consistent moment of the database, read-only (``Database.snapshot``)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Return the first row of a query, or None."""
        return _first(await self._conn.execute_fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Return every row of a query."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def stream(
        self, sql: str, params: Params = (), *, batch: int = 4096
    ) -> AsyncIterator[list[aiosqlite.Row]]:
        """The rows of a query in batches, never all of them in memory at once."""
        async with self._conn.execute(sql, params) as cursor:
            while rows := list(await cursor.fetchmany(batch)):
                yield rows


class SyncTx:
    """A write transaction seen from SQLite's own thread (``Database.write_in_thread``).

    Plain sqlite3 calls: no hops, so it must never be kept or used outside its op.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.topics: set[Topic] = set()

    def changed(self, topic: Topic) -> None:
        """Say what this write changed: the topic's listener runs once it is committed."""
        self.topics.add(topic)

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one statement and return its cursor (for rowcount and lastrowid)."""
        return self._conn.execute(sql, params)

    def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Return the first row of a query, seeing this transaction's own writes."""
        return self._conn.execute(sql, params).fetchone()

    def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Return every row of a query, seeing this transaction's own writes."""
        return self._conn.execute(sql, params).fetchall()


@dataclass(frozen=True)
class Then(Generic[T]):
    """A thread write's answer when the rest of its work needs async storage functions:
    ``op`` runs at once, in the same transaction, and its result is the write's."""

    op: WriteOp[T]


@dataclass
class _Job:
    op: Any  # WriteOp, or ThreadOp when ``threaded``
    future: asyncio.Future[Any]
    threaded: bool


class Database:
    """The bot's SQLite file: open it with ``Database.open`` and close it when done."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        peeker: sqlite3.Connection | None = None,
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._peeker = peeker
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._listeners: dict[Topic, list[Listener]] = {}
        self._writing = asyncio.Lock()  # the writer connection: one batch, or reclaim()
        self.commits = 0  # counted for benchmarks and tests of batching

    def on_commit(self, topic: Topic, listener: Listener) -> None:
        """Run ``listener`` after every committed write that changed ``topic``.

        A listener's failure is logged, never raised: the write is committed.
        """
        self._listeners.setdefault(topic, []).append(listener)

    def off_commit(self, topic: Topic, listener: Listener) -> None:
        """Stop running ``listener`` after commits (an Application that stopped)."""
        listeners = self._listeners.get(topic, [])
        if listener in listeners:
            listeners.remove(listener)

    @classmethod
    async def open(
        cls, path: Path | str, *, migrate: bool = True, busy_timeout_ms: int = _BUSY_TIMEOUT_MS
    ) -> Database:
        """Open (creating if needed) the database file and apply pending migrations.

        ``busy_timeout_ms``: how long a statement waits for another process's lock before it
        fails with "database is locked".
        """
        path = Path(path)
        if not path.exists():
            # Readable by its owner only; SQLite gives its -wal and -shm the same mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        writer = await _connect(path, busy_timeout_ms)
        try:
            await _use_incremental_vacuum(writer)
            await writer.execute("PRAGMA journal_mode = WAL")
            # After a burst of writes the WAL file shrinks back to this at the next checkpoint.
            await writer.execute(f"PRAGMA journal_size_limit = {_WAL_LIMIT_BYTES}")
            if migrate:
                await apply_migrations(writer, bundled_migrations())
            reader = await _connect(path, busy_timeout_ms)
        except BaseException:
            await writer.close()
            raise
        db = cls(path, writer, reader, _peek_connection(path))
        db._task = asyncio.get_running_loop().create_task(db._run_writes(), name="db-writer")
        return db

    async def close(self) -> None:
        """Finish queued writes, then close both connections."""
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._reader.close()
        await self._writer.close()
        if self._peeker is not None:
            self._peeker.close()

    async def trace(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback`` with every statement either connection runs (None: stop).

        For benchmarks and tests that count statements; it runs in SQLite's threads.
        """
        await self._reader.set_trace_callback(callback)
        await self._writer.set_trace_callback(callback)

    def peek(self, sql: str, params: Params = ()) -> Any:
        """The first column of a one-row point read over committed data, in this thread.

        Only for tiny lookups by key asked very often (no hop, see the module's notes);
        None if there is no row or the file is busy (a WAL reader waits only during a
        recovery), so a caller must treat None as "unknown".
        """
        if self._peeker is None:
            return None
        try:
            row = self._peeker.execute(sql, params).fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else row[0]

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """Return the first row of a query over committed data, or None."""
        return _first(await self._reader.execute_fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Return every row of a query over committed data."""
        return list(await self._reader.execute_fetchall(sql, params))

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A read-only connection of its own, holding one consistent moment of the database
        for as long as it is open (an export's sheets all agree), streaming rows in batches.

        Its own connection, not the shared reader: a cursor left open across awaits would
        hold the reader's snapshot and show every other read of the bot a stale state.
        """
        conn = await aiosqlite.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            await conn.execute("BEGIN")  # deferred: the snapshot starts at the first read
            yield Snapshot(conn)
        finally:
            await conn.close()

    async def write(self, op: WriteOp[T]) -> T:
        """Run ``op`` inside a write transaction and return its result once committed.

        ``op`` must only talk to the database through the Tx it gets: it runs while every
        other writer waits. If it raises, its changes are rolled back and the error is
        raised here.
        """
        return await self._submit(op, threaded=False)

    async def write_in_thread(self, op: ThreadOp[T]) -> T:
        """Like ``write``, with ``op`` a plain function run in SQLite's thread on a SyncTx.

        Writes waiting together run as one function there, BEGIN to COMMIT: one hop for the
        batch. ``op`` must be quick and touch nothing but its SyncTx (it blocks the writer);
        if the rest of its work needs async storage functions it returns ``Then(async_op)``.
        """
        return await self._submit(op, threaded=True)

    async def _submit(self, op: Any, *, threaded: bool) -> Any:
        if self._task is None:
            raise RuntimeError("database is closed")
        future: asyncio.Future[tuple[Any, set[Topic]]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(op, future, threaded))
        value, topics = await future
        for topic in sorted(topics):
            await self._notify(topic)
        return value

    async def _notify(self, topic: Topic) -> None:
        for listener in list(self._listeners.get(topic, ())):
            try:
                result = listener()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _LOGGER.exception("after-commit listener of %s failed; the write stands", topic)

    async def _run_writes(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < _MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self._writing:
                    await self._run_batch(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def reclaim(self) -> int:
        """Give the pages that deletes freed back to the file system; how many.

        The database keeps freed pages for reuse unless told otherwise (incremental
        auto-vacuum, set at open). This runs between write batches, outside a transaction:
        SQLite's incremental vacuum frees one page per step, and only a script runs it to
        the end.
        """
        async with self._writing:
            before = (await self._writer.execute_fetchall("PRAGMA freelist_count"))[0][0]
            await self._writer.executescript("PRAGMA incremental_vacuum;")
            after = (await self._writer.execute_fetchall("PRAGMA freelist_count"))[0][0]
        return int(before) - int(after)

    async def _run_batch(self, batch: list[_Job]) -> None:
        # Optimistic first: the whole batch in one transaction, no savepoints (each one costs
        # two more hops to the sqlite thread per write). If any write fails, everything is
        # rolled back and the batch runs again with a savepoint per write, so one bad write
        # never takes the others down. Writes only touch the Tx, so running one again is safe.
        try:
            outcomes = await self._transaction(batch, isolate=False)
        except _WriteFailed:
            outcomes = None
        except Exception as exc:  # noqa: BLE001 - every caller gets it, and it is logged
            self._fail(batch, exc)
            return
        if outcomes is None:
            try:
                outcomes = await self._transaction(batch, isolate=True)
            except Exception as exc:  # noqa: BLE001 - every caller gets it, and it is logged
                self._fail(batch, exc)
                return
        for (ok, value), job in zip(outcomes, batch, strict=True):
            future = job.future
            if future.done():  # the caller gave up (cancelled); the write stands
                continue
            if ok:
                future.set_result(value)  # (result, topics)
            else:
                future.set_exception(value)

    async def _transaction(self, batch: list[_Job], *, isolate: bool) -> list[tuple[bool, Any]]:
        """Run the batch in one transaction; without ``isolate``, raise _WriteFailed on error.

        Consecutive thread writes run as one function in SQLite's thread, with the BEGIN
        before the first and the COMMIT after the last; async writes run as before.
        """
        outcomes: list[tuple[bool, Any]] = []
        began = False
        i = 0
        try:
            while True:
                end = i
                while end < len(batch) and batch[end].threaded:
                    end += 1
                last = end == len(batch)
                if not began or end > i or last:
                    ops = [job.op for job in batch[i:end]]
                    done, then = await _in_thread(
                        self._writer, _run_ops, ops, begin=not began, commit=last, isolate=isolate
                    )
                    began = True
                    outcomes.extend(done)
                    i += len(done)
                    if then is not None:  # batch[i] handed its rest to an async op
                        step, sync_tx = then
                        outcomes.append(await self._async_op(step.op, isolate, sync_tx.topics))
                        i += 1
                        continue
                    if last:
                        break
                outcomes.append(await self._async_op(batch[i].op, isolate, set(), savepoint=True))
                i += 1
            self.commits += 1
        except BaseException:
            if self._writer.in_transaction:
                await self._writer.execute("ROLLBACK")
            raise
        return outcomes

    async def _async_op(
        self, op: WriteOp[Any], isolate: bool, topics: set[Topic], *, savepoint: bool = False
    ) -> tuple[bool, Any]:
        """Run one async write; with ``isolate``, in a savepoint (opened here if
        ``savepoint``, else already opened in the thread by the write it continues)."""
        tx = Tx(self._writer)  # one per write: its topics are its own
        tx.topics |= topics
        if not isolate:
            try:
                return True, (await op(tx), tx.topics)
            except Exception as exc:
                raise _WriteFailed from exc
        if savepoint:
            await self._writer.execute("SAVEPOINT write_op")
        try:
            result = (await op(tx), tx.topics)
        except Exception as exc:  # noqa: BLE001 - handed to the caller
            await self._writer.execute("ROLLBACK TO write_op")
            await self._writer.execute("RELEASE write_op")
            return False, exc
        await self._writer.execute("RELEASE write_op")
        return True, result

    @staticmethod
    def _fail(batch: list[_Job], exc: Exception) -> None:
        _LOGGER.error("write transaction failed; rolled back %d writes", len(batch), exc_info=exc)
        for job in batch:
            if not job.future.done():
                job.future.set_exception(exc)


def _first(rows: Iterable[aiosqlite.Row]) -> aiosqlite.Row | None:
    return next(iter(rows), None)


async def _in_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
    """Run ``fn(sqlite3_connection, *args)`` in the connection's thread: one hop.

    aiosqlite runs each of its calls as a function queued to that thread; its public API
    queues one per statement. This queues ours, through the same queue, so it stays in
    order with every other call on the connection.
    """
    return await conn._execute(fn, conn._conn, *args, **kw)


def _run_ops(
    conn: sqlite3.Connection, ops: list[ThreadOp[Any]], *, begin: bool, commit: bool, isolate: bool
) -> tuple[list[tuple[bool, Any]], tuple[Then[Any], SyncTx] | None]:
    """In SQLite's thread: BEGIN if asked, each thread write in turn, COMMIT if asked.

    Stops at a write that returns ``Then`` (its savepoint, with ``isolate``, left open for
    the async rest) and returns the outcomes so far with it.
    """
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    done: list[tuple[bool, Any]] = []
    for op in ops:
        tx = SyncTx(conn)
        if isolate:
            conn.execute("SAVEPOINT write_op")
        try:
            value = op(tx)
        except Exception as exc:
            if not isolate:
                raise _WriteFailed from exc
            conn.execute("ROLLBACK TO write_op")
            conn.execute("RELEASE write_op")
            done.append((False, exc))
            continue
        if isinstance(value, Then):
            return done, (value, tx)
        if isolate:
            conn.execute("RELEASE write_op")
        done.append((True, (value, tx.topics)))
    if commit:
        conn.execute("COMMIT")
    return done, None


class _WriteFailed(Exception):
    """One write of an optimistic batch raised: run the batch again, isolating each write."""


async def _connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, sqlite3 must not add its own.
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    # FULL: a check-in acknowledged to a trainee survives a power cut, not only a crash.
    await conn.execute("PRAGMA synchronous = FULL")
    return conn


def _peek_connection(path: Path) -> sqlite3.Connection:
    # Only ever reads, from the event loop's thread; no busy wait: a busy file answers
    # "unknown" at once rather than stalling every update (Database.peek).
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 0")
    return conn


async def _use_incremental_vacuum(conn: aiosqlite.Connection) -> None:
    """Let deletes give pages back (Database.reclaim): set once; a file made before it is
    rewritten once by VACUUM (instant for a new, empty one)."""
    mode = (await conn.execute_fetchall("PRAGMA auto_vacuum"))[0][0]
    if mode != 2:  # 2: INCREMENTAL
        await conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        await conn.execute("VACUUM")


async def apply_migrations(conn: aiosqlite.Connection, migrations: list[Migration]) -> list[int]:
    """Apply the migrations not yet recorded, each in its own transaction; return them."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT version FROM schema_migrations") as cursor:
        done = {row[0] for row in await cursor.fetchall()}
    known = {m.version for m in migrations}
    if done - known:
        raise RuntimeError(
            f"database has migrations {sorted(done - known)} this version does not know: "
            "it was written by a newer trainee-bot"
        )
    applied = []
    for migration in migrations:
        if migration.version in done:
            continue
        try:
            await conn.executescript(
                "BEGIN IMMEDIATE;\n"
                + migration.sql
                + "\nINSERT INTO schema_migrations (version, name, applied_at)"
                f" VALUES ({migration.version}, '{migration.name}',"
                " strftime('%Y-%m-%dT%H:%M:%SZ'));"
                "\nCOMMIT;"
            )
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        _LOGGER.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration.version)
    return applied


async def pending_migrations(path: Path) -> list[Migration]:
    """Return the bundled migrations a database file has not applied yet (read-only)."""
    async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as conn:
        async with conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ) as cursor:
            if await cursor.fetchone() is None:
                return bundled_migrations()
        async with conn.execute("SELECT version FROM schema_migrations") as cursor:
            done = {row[0] for row in await cursor.fetchall()}
    return [m for m in bundled_migrations() if m.version not in done]
