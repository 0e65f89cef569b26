"""``trainee-bot sandbox``: the demo database, the local Bot API server and the real bot,
in one process and one event loop, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path

from bot.app import serve
from bot.clock import Clock, MovableClock
from bot.config import Config, Secret
from bot.sandbox import keeping
from bot.sandbox.demo import Demo, build_demo
from bot.sandbox.history import write_history
from bot.sandbox.server import start_server
from bot.sandbox.state import Sandbox
from bot.testing import FakeTelegram
from storage import classes
from storage.db import Database
from storage.imports import apply_plan
from storage.lock import AlreadyRunning, exclusive

_LOGGER = logging.getLogger(__name__)
# Shaped like a real token so the configuration accepts it; it only opens the local server.
SANDBOX_TOKEN = "100000:SANDBOX-local-only-not-a-telegram-token"
SANDBOX_BOT_USERNAME = "trainee_sandbox_bot"
DEFAULT_PORT = 8088
DEFAULT_DB = Path("trainee-bot-sandbox.sqlite3")


class NotASandboxDatabase(Exception):
    """The database holds classes other than the demo class: never wipe it."""


async def prepare_database(path: Path, demo: Demo, now_clock: Clock, *, keep: bool) -> bool:
    """Start from a fresh demo database (or keep the one there); True if the demo was imported.

    A database with any class but the demo one is refused rather than wiped, so a mistyped
    --db never destroys a school's data.
    """
    if _exists(path) and not keep:
        db = await Database.open(path)
        try:
            names = {c.name for c in await classes.all_classes(db)}
        finally:
            await db.close()
        if names - {demo.plan.name}:
            raise NotASandboxDatabase(
                f"{path} holds other classes ({len(names - {demo.plan.name})}); "
                "the sandbox only replaces its own demo database"
            )
        _wipe(path)
    db = await Database.open(path)
    try:
        present = {c.name for c in await classes.all_classes(db)}
        if demo.plan.name in present:
            return False
        await apply_plan(db, demo.plan, now_clock.now())
        await write_history(db, demo, now_clock.now())
        return True
    finally:
        await db.close()


def _expand(path: Path) -> Path:
    return path.expanduser()


def _exists(path: Path) -> bool:
    return path.exists()


def _wipe(path: Path) -> None:
    """Delete the database file and SQLite's companions (WAL, shared memory, journal)."""
    for suffix in ("", "-wal", "-shm", "-journal", "-chats.json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def _keep_saving(sandbox: Sandbox, path: Path) -> None:
    """Write the server's chats a few seconds after they change (and at the end, by _run)."""
    saved = -1
    while True:
        await asyncio.sleep(keeping.SAVE_EVERY)
        if sandbox.version != saved:
            saved = sandbox.version
            try:
                keeping.save(path, sandbox.telegram, sandbox.clock)
            except OSError:
                _LOGGER.warning("could not keep the sandbox's chats in %s", path, exc_info=True)


async def run_sandbox(
    base: Config,
    *,
    port: int = DEFAULT_PORT,
    db_path: Path = DEFAULT_DB,
    keep: bool = False,
    flood_limits: bool = False,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Run the sandbox until stopped; the exit code (0 on a clean stop).

    The database is held for the whole run (storage/lock.py), before it is prepared: a
    second sandbox on the same file refuses at once instead of wiping the first one's.
    """
    db_path = _expand(db_path)
    try:
        with exclusive(db_path):
            return await _run(
                base, port, db_path, keep, flood_limits, clock or MovableClock(), stop
            )
    except AlreadyRunning as running:
        print(f"sandbox: {running}; stop it first or choose another --db", file=sys.stderr)
        return 2


async def _run(
    base: Config,
    port: int,
    db_path: Path,
    keep: bool,
    flood_limits: bool,
    clock: Clock,
    stop: asyncio.Event | None,
) -> int:
    stop = stop or _stop_event()
    kept_file = keeping.chats_path(db_path)
    kept = keeping.load(kept_file) if keep else None
    keeping.restore_clock(kept, clock)
    demo = build_demo(clock.now())
    try:
        imported = await prepare_database(db_path, demo, clock, keep=keep)
    except NotASandboxDatabase as error:
        print(f"sandbox: {error}; choose another --db", file=sys.stderr)
        return 2
    telegram = FakeTelegram(
        token=SANDBOX_TOKEN,
        bot_username=SANDBOX_BOT_USERNAME,
        flood_limits=flood_limits,
        now=lambda: int(clock.now().timestamp()),  # messages are dated on the sandbox's clock
    )
    sandbox = Sandbox(telegram, demo, clock)
    if not imported:
        opened = await keeping.restore(telegram, kept, db_path)
        _LOGGER.info("kept sandbox: %d bound people's chats continue", opened)
    try:
        runner = await start_server(sandbox, port)
    except OSError as error:
        print(f"sandbox: cannot listen on 127.0.0.1:{port}: {error.strerror}", file=sys.stderr)
        return 2
    port = runner.addresses[0][1]  # the one the system chose for --port 0
    address = f"http://127.0.0.1:{port}"
    config = replace(base, token=Secret(SANDBOX_TOKEN), api_url=address, db_path=db_path)
    bot_task = asyncio.create_task(
        serve(
            config,
            clock=clock,
            stop_when=stop,
            locked=True,
            on_started=sandbox.bot_started,
        ),
        name="sandbox-bot",
    )
    saver = asyncio.create_task(_keep_saving(sandbox, kept_file), name="sandbox-keep")
    stopping = asyncio.ensure_future(stop.wait())
    try:
        # Ready means the bot is polling with its jobs planned: a test or a person may act
        # (and move the clock) from now on.
        started = asyncio.ensure_future(sandbox.started.wait())
        await asyncio.wait((started, bot_task, stopping), return_when="FIRST_COMPLETED")
        started.cancel()
        if sandbox.started.is_set() and not bot_task.done():
            state = "a fresh demo class" if imported else f"the kept database {db_path}"
            print(f"sandbox: {state}, {len(demo.personas)} personas, no bot token needed")
            print(f"sandbox ready: {address}/", flush=True)
            await asyncio.wait((bot_task, stopping), return_when="FIRST_COMPLETED")
    finally:
        stop.set()
        stopping.cancel()
        try:
            await bot_task  # re-raises if the bot failed
        finally:
            saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saver
            keeping.save(kept_file, telegram, clock)
            await runner.cleanup()
    print("sandbox stopped", flush=True)
    return 0
